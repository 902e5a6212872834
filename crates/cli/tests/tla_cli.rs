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
    let output = valence(&["check", &spec("TwoPhase.tla"), "--rms", "3"]);
    assert_eq!(output.status.code(), Some(2));
    let output = valence(&["check", "twophase", "--config", "x.cfg"]);
    assert_eq!(output.status.code(), Some(2));
    let output = valence(&["check", "/nonexistent/Spec.tla"]);
    assert_eq!(output.status.code(), Some(2));
}
