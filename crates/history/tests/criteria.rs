//! Sequential, causal and eventual consistency on small known histories, crashed-write
//! scaling, and cancellation.

use std::sync::atomic::AtomicBool;
use valence_history::{
    check, read_json_lines, CheckOptions, Consistency, History, HistoryBuilder, ModelKind,
    ModelOptions, Value, Verdict, Witness,
};

/// Builds a JSON Lines history from `(process, type, f, key, value)` rows.
fn jsonl(rows: &[(u64, &str, &str, Option<&str>, serde_json::Value)]) -> History {
    let mut text = String::new();
    for (process, kind, f, key, value) in rows {
        let mut object =
            serde_json::json!({"type": kind, "process": process, "f": f, "value": value});
        if let Some(key) = key {
            object["key"] = serde_json::json!(key);
        }
        text.push_str(&object.to_string());
        text.push('\n');
    }
    read_json_lines(&text).expect("well-formed test history")
}

fn run(history: &History, kind: ModelKind, consistency: Consistency) -> valence_history::Report {
    check(
        history,
        kind,
        consistency,
        &ModelOptions {
            initial: Some(Value::Int(0)),
        },
        &CheckOptions::default(),
    )
    .expect("checkable")
}

use serde_json::json;

#[test]
fn a_stale_read_is_sequentially_consistent_but_not_linearizable() {
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
        (1, "invoke", "read", None, json!(null)),
        (1, "ok", "read", None, json!(0)),
    ]);
    assert_eq!(
        run(&history, ModelKind::Register, Consistency::Linearizable).verdict,
        Verdict::Violated
    );
    assert_eq!(
        run(&history, ModelKind::Register, Consistency::Sequential).verdict,
        Verdict::Holds
    );
}

#[test]
fn reading_values_in_opposite_orders_is_not_sequentially_consistent() {
    // p2 sees 1 then 2, p3 sees 2 then 1: no single order explains both.
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (1, "invoke", "write", None, json!(2)),
        (0, "ok", "write", None, json!(1)),
        (1, "ok", "write", None, json!(2)),
        (2, "invoke", "read", None, json!(null)),
        (2, "ok", "read", None, json!(1)),
        (2, "invoke", "read", None, json!(null)),
        (2, "ok", "read", None, json!(2)),
        (3, "invoke", "read", None, json!(null)),
        (3, "ok", "read", None, json!(2)),
        (3, "invoke", "read", None, json!(null)),
        (3, "ok", "read", None, json!(1)),
    ]);
    let report = run(&history, ModelKind::Register, Consistency::Sequential);
    assert_eq!(report.verdict, Verdict::Violated);
    assert!(matches!(report.witness, Some(Witness::Order(_))));
}

#[test]
fn a_read_after_a_causally_later_overwrite_violates_cc_with_write_co_read() {
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
        (0, "invoke", "write", None, json!(2)),
        (0, "ok", "write", None, json!(2)),
        (1, "invoke", "read", None, json!(null)),
        (1, "ok", "read", None, json!(2)),
        (1, "invoke", "read", None, json!(null)),
        (1, "ok", "read", None, json!(1)),
    ]);
    let report = run(&history, ModelKind::Register, Consistency::Causal);
    assert_eq!(report.verdict, Verdict::Violated);
    let Some(Witness::Causal(witness)) = &report.witness else {
        panic!("causal witness")
    };
    assert_eq!(witness.pattern, "WriteCORead");
    assert_eq!(witness.cycle.last().map(|s| s.edge.as_str()), Some("rb"));
}

#[test]
fn processes_that_see_writes_in_opposite_orders_are_cm_but_not_ccv() {
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (1, "invoke", "write", None, json!(2)),
        (0, "ok", "write", None, json!(1)),
        (1, "ok", "write", None, json!(2)),
        (0, "invoke", "read", None, json!(null)),
        (1, "invoke", "read", None, json!(null)),
        (0, "ok", "read", None, json!(2)),
        (1, "ok", "read", None, json!(1)),
    ]);
    let report = run(&history, ModelKind::Register, Consistency::Causal);
    assert_eq!(report.verdict, Verdict::Holds, "CC holds");
    let verdicts: Vec<(&str, Verdict)> = report
        .criteria
        .iter()
        .map(|c| (c.criterion.as_str(), c.verdict))
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("CC", Verdict::Holds),
            ("CM", Verdict::Holds),
            ("CCv", Verdict::Violated)
        ]
    );
    let witness = report.criteria[2].witness.as_ref().expect("a CCv witness");
    assert_eq!(witness.pattern, "CyclicCF");
    assert!(witness.cycle.iter().any(|s| s.edge == "cf"));
}

#[test]
fn a_read_of_a_value_never_written_is_a_thin_air_read() {
    let history = jsonl(&[
        (0, "invoke", "put", Some("x"), json!("a")),
        (0, "ok", "put", Some("x"), json!("a")),
        (1, "invoke", "get", Some("x"), json!(null)),
        (1, "ok", "get", Some("x"), json!("zzz")),
    ]);
    let report = check(
        &history,
        ModelKind::Kv,
        Consistency::Causal,
        &ModelOptions::default(),
        &CheckOptions::default(),
    )
    .unwrap();
    let Some(Witness::Causal(witness)) = &report.witness else {
        panic!("causal witness")
    };
    assert_eq!(witness.pattern, "ThinAirRead");
}

#[test]
fn duplicate_written_values_are_an_input_error_for_causal_checking() {
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
        (1, "invoke", "write", None, json!(1)),
        (1, "ok", "write", None, json!(1)),
    ]);
    let error = check(
        &history,
        ModelKind::Register,
        Consistency::Causal,
        &ModelOptions::default(),
        &CheckOptions::default(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("unique written values"),
        "{error}"
    );
}

#[test]
fn replicas_that_converge_on_a_written_value_are_eventually_consistent() {
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (1, "invoke", "write", None, json!(2)),
        (0, "ok", "write", None, json!(1)),
        (1, "ok", "write", None, json!(2)),
        (0, "invoke", "read", None, json!(null)),
        (0, "ok", "read", None, json!(1)),
        (1, "invoke", "read", None, json!(null)),
        (1, "ok", "read", None, json!(1)),
    ]);
    assert_eq!(
        run(&history, ModelKind::Register, Consistency::Eventual).verdict,
        Verdict::Holds
    );
}

#[test]
fn final_reads_that_disagree_are_not_eventually_consistent() {
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (1, "invoke", "write", None, json!(2)),
        (0, "ok", "write", None, json!(1)),
        (1, "ok", "write", None, json!(2)),
        (0, "invoke", "read", None, json!(null)),
        (0, "ok", "read", None, json!(1)),
        (1, "invoke", "read", None, json!(null)),
        (1, "ok", "read", None, json!(2)),
    ]);
    let report = run(&history, ModelKind::Register, Consistency::Eventual);
    assert_eq!(report.verdict, Verdict::Violated);
    assert!(matches!(report.witness, Some(Witness::Eventual(_))));
}

#[test]
fn a_final_set_missing_an_acknowledged_add_is_not_eventually_consistent() {
    let history = jsonl(&[
        (0, "invoke", "add", None, json!(1)),
        (0, "ok", "add", None, json!(1)),
        (1, "invoke", "add", None, json!(2)),
        (1, "ok", "add", None, json!(2)),
        (0, "invoke", "read", None, json!(null)),
        (0, "ok", "read", None, json!([1])),
    ]);
    let report = run(&history, ModelKind::Set, Consistency::Eventual);
    assert_eq!(report.verdict, Verdict::Violated);
    let Some(Witness::Eventual(witness)) = &report.witness else {
        panic!("eventual witness")
    };
    assert_eq!(witness.missing, vec![1]);
}

#[test]
fn appends_converge_when_the_final_value_holds_every_acknowledged_append() {
    let rows = |final_value: &str| {
        jsonl(&[
            (0, "invoke", "append", Some("k"), json!("a")),
            (1, "invoke", "append", Some("k"), json!("b")),
            (0, "ok", "append", Some("k"), json!("a")),
            (1, "ok", "append", Some("k"), json!("b")),
            (2, "invoke", "get", Some("k"), json!(null)),
            (2, "ok", "get", Some("k"), json!(final_value)),
        ])
    };
    let verdict = |v: &str| {
        check(
            &rows(v),
            ModelKind::Kv,
            Consistency::Eventual,
            &ModelOptions::default(),
            &CheckOptions::default(),
        )
        .unwrap()
        .verdict
    };
    assert_eq!(verdict("ba"), Verdict::Holds);
    assert_eq!(verdict("a"), Verdict::Violated);
    assert_eq!(verdict("abb"), Verdict::Violated);
}

#[test]
fn a_history_without_reads_after_the_last_write_is_not_judged_and_says_so() {
    let history = jsonl(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
    ]);
    let report = run(&history, ModelKind::Register, Consistency::Eventual);
    assert_eq!(report.verdict, Verdict::Holds);
    assert!(report.notes.iter().any(|n| n.contains("not checked")));
}

fn crashed_writes(n: u64, read_value: i64) -> History {
    let mut builder = HistoryBuilder::new();
    for p in 0..n {
        builder.invoke(p, "write", None, Value::Int(p as i64 + 1), None);
    }
    for p in 0..n {
        builder.info(p, "write", None);
    }
    builder.invoke(n, "read", None, Value::Nil, None);
    builder.ok(n, "read", Value::Int(read_value), None);
    builder.finish().unwrap()
}

#[test]
fn a_hundred_concurrent_crashed_writes_do_not_blow_up() {
    for (read_value, expected) in [
        (37, Verdict::Holds),
        (-1, Verdict::Violated),
        (0, Verdict::Holds),
    ] {
        let history = crashed_writes(100, read_value);
        let report = check(
            &history,
            ModelKind::Register,
            Consistency::Linearizable,
            &ModelOptions {
                initial: Some(Value::Int(0)),
            },
            &CheckOptions::default(),
        )
        .unwrap();
        assert_eq!(report.verdict, expected, "read of {read_value}");
        // The search enters few configurations: the crashed writes are not enumerated.
        assert!(
            report.partitions[0].nodes < 10,
            "{} nodes",
            report.partitions[0].nodes
        );
    }
}

#[test]
fn a_set_cancellation_flag_gives_unknown() {
    // Twelve concurrent increments by distinct powers of two and a read that no subset
    // explains: the search must visit all 4096 subsets, far past the first cancellation check.
    let mut builder = HistoryBuilder::new();
    for p in 0..12u64 {
        builder.invoke(p, "add", None, Value::Int(1 << p), None);
    }
    builder.invoke(100, "read", None, Value::Nil, None);
    for p in 0..12u64 {
        builder.ok(p, "add", Value::Int(1 << p), None);
    }
    builder.ok(100, "read", Value::Int(-1), None);
    let history = builder.finish().unwrap();
    let run = |cancel: bool| {
        let flag = AtomicBool::new(cancel);
        check(
            &history,
            ModelKind::Counter,
            Consistency::Linearizable,
            &ModelOptions::default(),
            &CheckOptions {
                cancel: Some(&flag),
                clock: None,
            },
        )
        .unwrap()
        .verdict
    };
    assert_eq!(run(true), Verdict::Unknown);
    assert_eq!(run(false), Verdict::Violated);
}
