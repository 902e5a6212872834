//! `valence check SPEC.tla`: TLC's counts, TLC-style traces, located errors.

use std::process::{Command, Output};

fn valence(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valence"))
        .args(args)
        .output()
        .expect("the valence binary runs")
}

fn spec(name: &str) -> String {
    format!("{}/../tla/tests/specs/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn json(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().expect("a line")).expect("JSON")
}

#[test]
fn two_phase_with_three_rms_has_tlc_counts() {
    let output = valence(&["check", &spec("TwoPhase.tla"), "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["distinct_states"], 288);
    assert_eq!(report["generated_states"], 1146);
    assert_eq!(report["verdict"], "holds");
    let tcommit = json(&valence(&["check", &spec("TCommit.tla"), "--json"]));
    assert_eq!(tcommit["distinct_states"], 34);
    let five = valence(&[
        "check",
        &spec("TwoPhase.tla"),
        "--config",
        &spec("TwoPhase5.cfg"),
        "--json",
    ]);
    assert_eq!(json(&five)["distinct_states"], 8832);
}

#[test]
fn die_hard_exits_1_with_a_tlc_style_trace() {
    let output = valence(&["check", &spec("DieHard.tla")]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("State 1: <Initial predicate>"), "{text}");
    assert!(text.contains("State 7: <BigToSmall>"), "{text}");
    assert!(text.contains("/\\ big = 4"), "{text}");
}

#[test]
fn a_symmetry_set_in_the_config_reduces_like_tlc() {
    let output = valence(&[
        "check",
        &spec("TwoPhase.tla"),
        "--config",
        &spec("TwoPhaseSymmetric.cfg"),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["symmetry"], true);
    assert_eq!(report["distinct_states"], 80);
}

#[test]
fn malformed_specs_and_misused_flags_exit_2_with_a_location() {
    let scratch = tempfile::Builder::new()
        .prefix("valence-tla-cli-")
        .tempdir()
        .unwrap();
    let dir = scratch.path();
    let bad = dir.join("Bad.tla");
    std::fs::write(
        &bad,
        "---- MODULE Bad ----\nVARIABLE x\nInit == x = \nNext == x' = x + 1\n====\n",
    )
    .unwrap();
    std::fs::write(dir.join("Bad.cfg"), "INIT Init\nNEXT Next\n").unwrap();
    let output = valence(&["check", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Bad.tla:4:7"), "{stderr}");
    // An error in the spec is not one of the command line: no hint to read `--help`.
    assert!(!stderr.contains("--help"), "{stderr}");
    let output = valence(&["check", &spec("TwoPhase.tla"), "--rms", "3"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--help"));
    let output = valence(&["check", "twophase", "--config", "x.cfg"]);
    assert_eq!(output.status.code(), Some(2));
    let output = valence(&["check", "/nonexistent/Spec.tla"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_liveness_violation_exits_1_with_a_lasso() {
    let weak = &spec("LossyChannelWeak.cfg");
    let output = valence(&["check", &spec("LossyChannel.tla"), "--config", weak]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let row = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    assert_eq!(
        row(&text, "Delivered").as_deref(),
        Some("eventually Delivered violated")
    );
    assert!(text.contains("Back to state 1: <Lose>"), "{text}");
    let output = valence(&[
        "check",
        &spec("LossyChannel.tla"),
        "--config",
        weak,
        "--json",
    ]);
    let report = json(&output);
    let delivered = report["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .find(|p| p["name"] == "Delivered")
        .expect("Delivered");
    assert_eq!(delivered["kind"], "eventually");
    assert_eq!(delivered["status"], "violated");
    assert_eq!(delivered["trace"]["cycle_start"], 0);
    let strong = &spec("LossyChannelStrong.cfg");
    let output = valence(&["check", &spec("LossyChannel.tla"), "--config", strong]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("holds"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("eventually ")
            && l.contains(" Delivered ")
            && l.ends_with(" holds")),
        "{text}"
    );
}

#[test]
fn a_property_that_cannot_be_checked_is_announced_not_claimed() {
    // A disjunction of two leads-to (a counterexample with two triggers) is outside what the
    // front end checks.
    let dir = std::env::temp_dir().join(format!("valence-tla-unchecked-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("Stable.tla"),
        "---- MODULE Stable ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\n\
         Next == x' = (x + 1) % 3\nSpec == Init /\\ [][Next]_x /\\ WF_x(Next)\n\
         Odd == (x = 1 ~> x = 2) \\/ (x = 2 ~> x = 0)\nLive == []<>(x = 2)\n====\n",
    )
    .expect("spec");
    std::fs::write(
        dir.join("Stable.cfg"),
        "SPECIFICATION Spec\nPROPERTIES Odd Live\n",
    )
    .expect("cfg");
    let output = valence(&["check", dir.join("Stable.tla").to_str().expect("path")]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "note: PROPERTY Odd: not checked: two obligations with their own starting points"
        ),
        "{stderr}"
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("Odd"), "{text}");
    assert!(text.contains("infinitely-often Live"), "{text}");
    assert_eq!(output.status.code(), Some(0), "{text}");
}

#[test]
fn a_spec_that_stops_the_search_is_reported_as_stopped_by_the_model() {
    let args = [
        "check",
        &spec("Registers.tla"),
        "--config",
        &spec("RegistersExit.cfg"),
        "--threads",
        "1",
    ];
    let output = valence(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stdout}{stderr}");
    assert!(
        stdout.contains("4 distinct, 4 generated") && stdout.contains("stopped by the model"),
        "{stdout}"
    );
    assert!(
        stderr.contains("Registers.tla:29:18: TLCSet(\"exit\", TRUE) stops the search"),
        "{stderr}"
    );
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let report = json(&valence(&with_json));
    assert_eq!(report["stopped"], "model");
    assert_eq!(report["verdict"], "unknown");
}

#[test]
fn tlc_get_config_reports_the_command_line() {
    // Registers.tla assumes one worker and the breadth-first mode: with two threads, or random
    // walks, its ASSUME is false, and the load fails with the assumption's location.
    for extra in [&["--threads", "2"][..], &["--strategy", "random"][..]] {
        let registers = spec("Registers.tla");
        let mut args = vec!["check", registers.as_str()];
        args.extend_from_slice(extra);
        let output = valence(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("Registers.tla:") && stderr.contains("is false"),
            "{stderr}"
        );
    }
    let output = valence(&["check", &spec("Registers.tla"), "--threads", "1"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_false_postcondition_exits_1_and_names_its_kind() {
    // TraceClock with a log its spec cannot match: the search completes one line short and the
    // POSTCONDITION TraceAccepted is false (TLC: "Postcondition TraceAccepted ... is false").
    let scratch = tempfile::Builder::new()
        .prefix("valence-cli-trace-")
        .tempdir()
        .expect("tempdir");
    let cfg = scratch.path().join("TraceClockWrong.cfg");
    std::fs::write(
        &cfg,
        format!(
            "CONSTANT LOG = \"{}\"\nSPECIFICATION Spec\nVIEW TraceView\n\
             ACTION_CONSTRAINT TraceConstraint\nPOSTCONDITION TraceAccepted\n\
             CHECK_DEADLOCK FALSE\n",
            spec("TraceClockWrong.ndjson")
        ),
    )
    .expect("cfg written");
    let cfg = cfg.display().to_string();
    let args = ["check", &spec("TraceClock.tla"), "--config", &cfg];
    let output = valence(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("4 distinct, 7 generated, depth 4, complete"),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.contains("postcondition")
            && l.contains("TraceAccepted")
            && l.ends_with("violated")),
        "{stdout}"
    );
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let report = json(&valence(&with_json));
    assert_eq!(report["verdict"], "violated");
    let properties = report["properties"].as_array().expect("properties");
    let post = properties
        .iter()
        .find(|p| p["name"] == "TraceAccepted")
        .expect("the postcondition is reported");
    assert_eq!(post["kind"], "postcondition");
    assert_eq!(post["status"], "violated");
}

#[test]
fn svg_drawings_and_text_files_give_tlcs_values() {
    // Every ASSUME of Svg.tla holds (TLC checked those its CommunityModules jar defines):
    // SVGElemToString with TLC's attribute order, NodeOfRingNetwork, PointOnLine, Serialize
    // and Deserialize of text; SVGSerialize writes frame_007.svg. Run in a process of its
    // own: the attributes come in the order their names were first read, as in TLC, which a
    // process that loaded other specs first would change.
    let scratch = tempfile::Builder::new()
        .prefix("valence-cli-svg-")
        .tempdir()
        .expect("tempdir");
    let dir = scratch.path();
    let cfg = dir.join("Svg.cfg");
    std::fs::write(
        &cfg,
        format!(
            "CONSTANT DIR = \"{}\"\nINIT Init\nNEXT Next\n",
            dir.display()
        ),
    )
    .expect("cfg written");
    let cfg = cfg.display().to_string();
    let output = valence(&["check", &spec("Svg.tla"), "--config", &cfg]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let frame = std::fs::read_to_string(dir.join("frame_007.svg")).expect("frame written");
    assert!(
        frame.starts_with("<g transform='x'><rect x='1' fill='red'"),
        "{frame}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).expect("out.txt"),
        "hello"
    );
}
