//! `valence list` and `valence check` end to end: output, JSON, exit codes, bad input.

use std::process::{Command, Output};

use serde_json::Value;

fn valence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valence"))
        .args(args)
        .output()
        .expect("the valence binary runs")
}

fn json(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().expect("stdout has a line");
    serde_json::from_str(last).expect("the last line of stdout is JSON")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn twophase_3_has_tlc_counts_and_holds() {
    let output = valence(&["check", "twophase", "--rms", "3", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["model"], "twophase");
    assert_eq!(report["params"]["rms"], "3");
    assert_eq!(report["distinct_states"], 288);
    assert_eq!(report["generated_states"], 1146);
    assert_eq!(report["verdict"], "holds");
    assert_eq!(report["depth"], 11);
    assert!(report["seconds"].as_f64().is_some());
    let properties = report["properties"].as_array().unwrap();
    assert!(properties
        .iter()
        .any(|p| p["name"] == "consistent" && p["kind"] == "always" && p["status"] == "holds"));
}

#[test]
fn twophase_5_has_8832_states() {
    let output = valence(&["check", "twophase", "--rms=5", "--json", "--threads", "2"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["distinct_states"], 8832);
}

#[test]
fn commit_early_exits_1_with_a_trace() {
    let output = valence(&[
        "check",
        "twophase",
        "--rms",
        "3",
        "--mutant",
        "commit-early",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("counterexample to `consistent` (always), 3 steps"),
        "{text}"
    );
    assert!(text.contains("TMCommit"), "{text}");
    assert!(text.contains("verdict: violated"), "{text}");
    let output = valence(&["check", "twophase", "--mutant", "commit-early", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["verdict"], "violated");
    assert_eq!(report["trace"]["steps"].as_array().unwrap().len(), 4);
    assert_eq!(report["trace"]["steps"][1]["action"], "TMCommit");
}

#[test]
fn paxos_holds_and_its_mutants_exit_1_with_traces() {
    let output = valence(&["check", "paxos", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["verdict"], "holds");
    assert_eq!(report["distinct_states"], 158_458);
    for mutant in [
        "accept-despite-promise",
        "ignore-promised-value",
        "promise-uninitialized-value",
    ] {
        let output = valence(&["check", "paxos", "--mutant", mutant, "--json"]);
        assert_eq!(output.status.code(), Some(1), "{mutant}");
        let report = json(&output);
        assert_eq!(report["verdict"], "violated");
        assert!(
            report["trace"]["steps"].as_array().unwrap().len() > 1,
            "{mutant}"
        );
    }
}

#[test]
fn strategies_and_symmetry_are_selectable() {
    for args in [
        &["check", "twophase", "--strategy", "dfs", "--json"][..],
        &[
            "check",
            "twophase",
            "--strategy",
            "random",
            "--seed",
            "3",
            "--walks",
            "50",
            "--termination",
            "false",
            "--json",
        ],
        &["check", "twophase", "--symmetry", "--json"],
        &["check", "paxos", "--symmetry", "--json", "--quiet"],
    ] {
        let output = valence(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(json(&output)["verdict"], "holds", "{args:?}");
    }
    // Random walks cannot decide a liveness property (twophase's all-decide): unknown, exit 3.
    let walks = valence(&["check", "twophase", "--strategy", "random", "--json"]);
    assert_eq!(walks.status.code(), Some(3), "{}", stderr(&walks));
    assert_eq!(json(&walks)["verdict"], "unknown");
    let report = json(&valence(&["check", "twophase", "--symmetry", "--json"]));
    assert_eq!(report["distinct_states"], 80);
}

#[test]
fn bad_input_exits_2_naming_the_valid_choices() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "raft9"],
            "valid models: multipaxos, paxos, raft, twophase",
        ),
        (
            &["check", "twophase", "--rm", "3"],
            "valid parameters: --rms",
        ),
        (
            &["check", "twophase", "--rms", "many"],
            "bad value `many` for `--rms`",
        ),
        (
            &["check", "twophase", "--rms", "0"],
            "must be within 1..=32",
        ),
        (
            &["check", "twophase", "--mutant", "x"],
            "valid mutants: commit-early",
        ),
        (
            &["check", "paxos", "--network", "pigeon"],
            "unordered, unordered-lossy",
        ),
        (&["check", "paxos", "--acceptors"], "needs a value"),
        (
            &["check", "twophase", "--strategy", "sideways"],
            "possible values: bfs, dfs, random",
        ),
        (&["check", "twophase", "--threads", "0"], "at least 1"),
        (&["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, message) in cases {
        let output = valence(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn list_shows_models_params_properties_and_mutants() {
    let output = valence(&["list"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "twophase",
        "--rms",
        "consistent",
        "commit-early",
        "paxos",
        "--acceptors",
        "P1",
        "P2",
        "agreement",
        "validity",
        "value-chosen",
        "accept-despite-promise",
        "ignore-promised-value",
        "vsync",
        "view-synchrony",
        "skip-flush",
        "multipaxos",
        "slot-agreement",
        "applied-prefix",
        "accept-lower-ballot",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    let listing = json(&valence(&["list", "--json"]));
    let models = listing["models"].as_array().unwrap();
    assert_eq!(models.len(), 5);
    assert_eq!(models[3]["params"][0]["default"], "3");
}

#[test]
fn bounds_on_states_and_memory_end_with_unknown() {
    let output = valence(&[
        "check",
        "twophase",
        "--rms",
        "6",
        "--max-states",
        "1000",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(3));
    let report = json(&output);
    assert_eq!(report["verdict"], "unknown");
    assert_eq!(report["stopped"], "state-bound");
    // A configuration far larger than 150 MiB of memory allows.
    let output = valence(&[
        "check",
        "paxos",
        "--rounds",
        "2",
        "--max-memory",
        "150M",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["stopped"], "memory-limit");
    assert_eq!(report["verdict"], "unknown");
    let output = valence(&["check", "twophase", "--max-memory", "lots"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn max_depth_bounds_the_search() {
    let output = valence(&["check", "twophase", "--max-depth", "4", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["depth"], 4);
    assert_eq!(report["bounded"], true);
}

#[test]
fn ctrl_c_ends_a_search_with_a_report_and_verdict_unknown() {
    let child = Command::new(env!("CARGO_BIN_EXE_valence"))
        .args([
            "check",
            "paxos",
            "--rounds",
            "2",
            "--max-memory",
            "2G",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let report = json(&output);
    assert_eq!(report["verdict"], "unknown");
    assert_eq!(report["stopped"], "cancelled");
}

#[test]
fn vsync_holds_and_its_mutants_exit_1_with_traces() {
    let output = valence(&["check", "vsync", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["verdict"], "holds");
    assert_eq!(report["distinct_states"], 176_420);
    assert_eq!(report["generated_states"], 363_423);
    for mutant in ["skip-flush", "deliver-in-next-view"] {
        let output = valence(&["check", "vsync", "--mutant", mutant, "--json"]);
        assert_eq!(output.status.code(), Some(1), "{mutant}");
        let report = json(&output);
        assert_eq!(report["verdict"], "violated");
        assert!(
            report["trace"]["steps"].as_array().unwrap().len() > 1,
            "{mutant}"
        );
    }
}
