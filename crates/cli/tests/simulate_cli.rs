//! `valence simulate` end to end.

use std::process::{Command, Output};

fn valence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valence"))
        .args(args)
        .output()
        .expect("the valence binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_seed_prints_schedule_metrics_and_verdict_and_repeats_byte_for_byte() {
    let first = valence(&["simulate", "paxos", "--seed", "7"]);
    assert_eq!(first.status.code(), Some(0));
    let text = stdout(&first);
    assert!(text.starts_with("seed       7\n"), "{text}");
    for needle in [
        "schedule",
        "faults stop",
        "metrics",
        "verdict    holds",
        "value-chosen",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let second = valence(&["simulate", "paxos", "--seed", "7"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn a_swarm_names_a_failing_seed_that_reproduces_alone() {
    let output = valence(&[
        "simulate",
        "paxos",
        "--mutant",
        "accept-despite-promise",
        "--seeds",
        "0..10000",
        "--threads",
        "1",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|l| l.starts_with("reproduce"))
        .expect("a reproduce line");
    let seed = line
        .split("--seed ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let alone = valence(&[
        "simulate",
        "paxos",
        "--mutant",
        "accept-despite-promise",
        "--seed",
        seed,
    ]);
    assert_eq!(alone.status.code(), Some(1));
    assert!(stdout(&alone).contains("verdict    violated"));
}

#[test]
fn a_correct_swarm_holds_with_json() {
    let output = valence(&["simulate", "paxos", "--seeds", "0..200", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let value: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(value["runs"], 200);
    assert_eq!(value["verdict"], "holds");
    let single = valence(&["simulate", "paxos", "--seed", "3", "--json", "--no-faults"]);
    let value: serde_json::Value =
        serde_json::from_str(stdout(&single).lines().last().unwrap()).unwrap();
    assert_eq!(value["type"], "simulation-report");
    assert_eq!(value["dropped"], 0);
}

#[test]
fn bad_simulate_input_exits_2() {
    for (args, message) in [
        (&["simulate", "twophase"][..], "not an actor model"),
        (
            &["simulate", "nope"],
            "simulated models: abd, multipaxos, paxos, raft",
        ),
        (&["simulate", "paxos", "--seeds", "5..5"], "empty"),
        (
            &["simulate", "paxos", "--seeds", "x..9"],
            "not a non-negative integer",
        ),
        (&["simulate", "paxos", "--mutant", "zzz"], "valid mutants"),
        (&["simulate", "paxos", "--rounds", "0"], "must be within"),
        (
            &["simulate", "paxos", "--seed", "1", "--seeds", "0..4"],
            "cannot be used with",
        ),
    ] {
        let output = valence(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn multipaxos_kv_histories_are_written_and_checked_again() {
    let scratch = tempfile::Builder::new()
        .prefix("valence-mp-cli-")
        .tempdir()
        .unwrap();
    let dir = scratch.path();
    let path = dir.join("kv.jsonl");
    let path_text = path.to_str().unwrap();
    let output = valence(&[
        "simulate",
        "multipaxos",
        "--seed",
        "3",
        "--history",
        path_text,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("linearizable             holds"));
    // The report says how to check the written history again.
    assert!(stdout(&output).contains("--model kv --initial '[]'"));
    let history = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        history.lines().filter(|l| l.contains("\"invoke\"")).count(),
        30
    );
    let again = valence(&[
        "history",
        "check",
        path_text,
        "--model",
        "kv",
        "--initial",
        "[]",
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let output = valence(&[
        "simulate",
        "multipaxos",
        "--mutant",
        "skip-session-check",
        "--seeds",
        "0..10000",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("not linearizable"));
    let output = valence(&["simulate", "multipaxos", "--mutant", "nope", "--seed", "1"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn abd_workload_histories_are_written_and_checked() {
    let scratch = tempfile::Builder::new()
        .prefix("valence-sim-cli-")
        .tempdir()
        .unwrap();
    let dir = scratch.path();
    let path = dir.join("history.jsonl");
    let output = valence(&[
        "simulate",
        "abd",
        "--seed",
        "3",
        "--history",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("linearizable             holds"));
    // The report says how to check the written history again, and that command agrees.
    assert!(stdout(&output).contains("--model register --initial 0"));
    let again = valence(&[
        "history",
        "check",
        path.to_str().unwrap(),
        "--model",
        "register",
        "--initial",
        "0",
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let history = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        history.lines().filter(|l| l.contains("\"invoke\"")).count(),
        30
    );
    let output = valence(&[
        "simulate",
        "abd",
        "--mutant",
        "read-without-write-back",
        "--seeds",
        "0..10000",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("not linearizable"));
    let output = valence(&["simulate", "paxos", "--seed", "1", "--history", "/tmp/x"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_byzantine_acceptor_breaks_paxos_and_is_named_in_the_report() {
    let output = valence(&[
        "simulate",
        "paxos",
        "--byzantine",
        "1",
        "--seeds",
        "0..10000",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|l| l.starts_with("reproduce"))
        .expect("a reproduce line");
    assert!(line.contains("--byzantine 1"), "{line}");
    let seed = line
        .split("--seed ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let alone = valence(&["simulate", "paxos", "--byzantine", "1", "--seed", seed]);
    assert_eq!(alone.status.code(), Some(1));
    assert!(stdout(&alone).contains("byzantine  acceptor0 (equivocating acceptor)"));
}

#[test]
fn raft_simulates_and_its_mutants_are_caught() {
    let output = valence(&["simulate", "raft", "--seed", "4"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("state-machine-safety     holds"));
    for mutant in ["vote-without-log-check", "forget-vote"] {
        let output = valence(&[
            "simulate", "raft", "--mutant", mutant, "--seeds", "0..10000",
        ]);
        assert_eq!(output.status.code(), Some(1), "{mutant}");
    }
    // The reproduce line carries every option that shapes the run, so it replays the failure.
    let output = valence(&[
        "simulate",
        "raft",
        "--mutant",
        "commit-old-term",
        "--seeds",
        "0..10000",
        "--safety-ms",
        "5000",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|l| l.starts_with("reproduce"))
        .expect("a reproduce line");
    assert!(line.contains("--safety-ms 5000"), "{line}");
    let args: Vec<&str> = line.split_whitespace().skip(2).collect();
    let alone = valence(&args);
    assert_eq!(alone.status.code(), Some(1), "{line}");
    assert!(stdout(&alone).contains("leader-completeness"));
}

#[test]
fn complexity_table_counts_paxos_messages_exactly() {
    let output = valence(&["bench", "complexity", "--seeds", "3", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value =
        serde_json::from_str(stdout(&output).lines().last().unwrap()).unwrap();
    let paxos = &value["protocols"][0];
    assert_eq!(paxos["protocol"], "paxos");
    for point in paxos["messages"].as_array().unwrap() {
        let n = point["n"].as_f64().unwrap();
        // Prepare, Promise, Accept: n each; Accepted: n acceptors to n learners.
        assert_eq!(point["messages"].as_f64().unwrap(), n * n + 3.0 * n);
    }
    assert!(value["protocols"][1]["exponent"].as_f64().unwrap() < 1.6);
    // A leader change costs an election and a replication round: linear in n, more than zero.
    let change = value["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["protocol"] == "raft/chg")
        .expect("a leader-change row");
    let exponent = change["exponent"].as_f64().unwrap();
    assert!(exponent > 0.5 && exponent < 1.8, "{exponent}");
    let change = value["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["protocol"] == "mpaxos/chg")
        .expect("a Multi-Paxos leader-change row");
    let exponent = change["exponent"].as_f64().unwrap();
    assert!(exponent > 0.5 && exponent < 1.8, "{exponent}");
}

#[test]
fn vsync_simulates_and_its_mutants_are_caught() {
    let output = valence(&["simulate", "vsync", "--seed", "1"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(text.contains("view-synchrony           holds"), "{text}");
    assert!(text.contains("all-delivered            reached"), "{text}");
    for mutant in ["skip-flush", "deliver-in-next-view"] {
        let output = valence(&[
            "simulate", "vsync", "--mutant", mutant, "--seeds", "0..10000",
        ]);
        assert_eq!(output.status.code(), Some(1), "{mutant}");
    }
}

#[test]
fn shrink_reduces_a_failing_seed_and_its_reproduce_command_replays_it_byte_for_byte() {
    let scratch = tempfile::Builder::new()
        .prefix("valence-shrink-")
        .tempdir()
        .unwrap();
    let dir = scratch.path();
    let file = dir.join("shrunk.json");
    let file = file.to_str().unwrap();
    let base = ["simulate", "paxos", "--mutant", "accept-despite-promise"];
    let mut args = base.to_vec();
    args.extend(["--seed", "7", "--shrink", "--shrink-to", file]);
    let output = valence(&args);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let section = |from: &str, to: &str| {
        let start = text.find(from).unwrap() + from.len();
        let end = text.find(to).unwrap();
        text[start..end].to_string()
    };
    let original = section("== original run ==\n", "== shrunk run ==");
    let shrunk = section("== shrunk run ==\n", "== end ==");
    let count = |run: &str, what: &str| {
        run.lines()
            .find(|l| l.starts_with("metrics"))
            .and_then(|l| l.split(what).next())
            .and_then(|l| l.split_whitespace().last())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap()
    };
    let faults = |run: &str| {
        run.lines()
            .skip_while(|l| *l != "schedule")
            .skip(1)
            .take_while(|l| !l.contains("faults stop"))
            .count()
    };
    assert!(
        count(&shrunk, " events") < count(&original, " events"),
        "{text}"
    );
    assert!(faults(&shrunk) < faults(&original), "{text}");
    for run in [&original, &shrunk] {
        assert!(
            run.contains("verdict    violated: always `P1` violated"),
            "{run}"
        );
    }
    // The reproduce command replays the shrunk run byte for byte.
    let line = text.lines().find(|l| l.starts_with("reproduce")).unwrap();
    assert!(line.contains("--seed 7 --schedule"), "{line}");
    let replay: Vec<&str> = line.split_whitespace().skip(2).collect();
    let again = valence(&replay);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(stdout(&again), shrunk);
    // A malformed schedule is a usage error.
    std::fs::write(dir.join("bad.json"), "{\"safety_ms\": 5").unwrap();
    let bad = valence(&[
        "simulate",
        "paxos",
        "--seed",
        "1",
        "--schedule",
        dir.join("bad.json").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("malformed schedule"));
}
