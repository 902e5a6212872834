//! Readers and the JSON Lines writer: no panics on any input, errors carry line numbers, and
//! JSON Lines round-trips.

use proptest::prelude::*;
use valence_history::{
    read_history, read_jepsen_edn, read_jepsen_log, read_json_lines, to_json_lines, Event,
    EventKind, Format, History, Outcome, Value,
};

fn value_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        "[a-z \"\\\\]{0,6}".prop_map(Value::Str),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::List),
            prop::collection::vec(("[a-z]{1,3}".prop_map(Value::Str), inner), 0..3)
                .prop_map(Value::Map),
        ]
    })
}

fn history_strategy() -> impl Strategy<Value = History> {
    prop::collection::vec(
        (
            0u64..3,
            0u8..4,
            "[a-z]{1,5}",
            value_strategy(),
            prop::option::of(any::<i64>()),
        ),
        0..12,
    )
    .prop_map(|choices| {
        let mut open: [Option<String>; 3] = [None, None, None];
        let mut events = Vec::new();
        for (process, roll, f, value, time) in choices {
            let slot = process as usize;
            let (kind, f) = match open[slot].take() {
                None => {
                    open[slot] = Some(f.clone());
                    (EventKind::Invoke, f)
                }
                Some(f) => (
                    match roll {
                        0 => EventKind::Fail,
                        1 => EventKind::Info,
                        _ => EventKind::Ok,
                    },
                    f,
                ),
            };
            let key = (roll == 3).then(|| Value::from("k"));
            events.push(Event {
                kind,
                process,
                f,
                key,
                value,
                time,
                line: 0,
            });
        }
        History::from_events(&events, Format::Memory).expect("well-formed by construction")
    })
}

/// JSON objects are unordered with unique keys: compare maps as sorted, last key wins.
fn normal(value: &Value) -> Value {
    match value {
        Value::List(items) => Value::List(items.iter().map(normal).collect()),
        Value::Map(entries) => {
            let mut out: Vec<(Value, Value)> = Vec::new();
            for (k, v) in entries {
                out.retain(|(existing, _)| existing != k);
                out.push((k.clone(), normal(v)));
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Map(out)
        }
        other => other.clone(),
    }
}

fn without_lines(history: &History) -> Vec<valence_history::Operation> {
    history
        .operations
        .iter()
        .cloned()
        .map(|mut op| {
            op.line = 0;
            op.input = normal(&op.input);
            op.output = normal(&op.output);
            op
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn json_lines_round_trip(history in history_strategy()) {
        let text = to_json_lines(&history);
        let back = read_json_lines(&text).expect("our own output reads back");
        prop_assert_eq!(without_lines(&back), without_lines(&history));
    }

    #[test]
    fn no_reader_panics_on_arbitrary_text(text in "[\\[\\]{}():;#_\"\\\\a-z0-9 ,.\\-\\n\\t]{0,200}") {
        let _ = read_history(&text);
        let _ = read_jepsen_edn(&text);
        let _ = read_jepsen_log(&text);
        let _ = read_json_lines(&text);
    }

    #[test]
    fn no_reader_panics_on_mutated_histories(
        history in history_strategy(),
        cut in 0usize..400,
        insert in "[\\[\\]{}:\"\\n]{0,3}",
    ) {
        let text = to_json_lines(&history);
        let cut = cut.min(text.len());
        let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let mutated = format!("{}{}{}", &text[..cut], insert, &text[cut..]);
        let _ = read_history(&mutated);
        let edn = mutated.replace("\"type\":", ":type ").replace('"', "");
        let _ = read_jepsen_edn(&edn);
    }
}

#[test]
fn edn_errors_name_the_line() {
    let text = "[{:process 0, :type :invoke, :f :read, :value nil}\n {:process 0, :type :ok, :f :read, :value 1}\n {:process 0, :type :bogus, :f :read}]\n";
    let error = read_history(text).unwrap_err();
    assert_eq!(error.line, 3);
    assert!(error.message.contains(":bogus"), "{}", error.message);
}

#[test]
fn mismatched_completion_names_the_line() {
    let text = "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :write, :value 1}\n";
    let error = read_history(text).unwrap_err();
    assert_eq!(error.line, 2);
}

#[test]
fn invoking_twice_without_completing_names_the_line() {
    let text = "{\"type\":\"invoke\",\"process\":1,\"f\":\"read\"}\n\n{\"type\":\"invoke\",\"process\":1,\"f\":\"read\"}\n";
    let error = read_history(text).unwrap_err();
    assert_eq!(error.line, 3);
    assert!(error.message.contains("still pending"));
}

#[test]
fn jepsen_logs_skip_noise_and_read_timeouts_as_unknown() {
    let text = "2017-01-01 INFO  jepsen.core - noise\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - :nemesis\t:info\t:start\tnil\nINFO  jepsen.util - 0\t:fail\t:read\t:timed-out\nINFO  jepsen.util - 1\t:invoke\t:write\t3\n";
    let history = read_jepsen_log(text).unwrap();
    assert_eq!(history.format, Format::JepsenLog);
    assert_eq!(history.operations.len(), 2);
    assert_eq!(history.operations[0].outcome, Outcome::Info);
    assert_eq!(
        history.operations[1].outcome,
        Outcome::Info,
        "never completed"
    );
    assert_eq!(history.operations[1].input, Value::Int(3));
}

#[test]
fn nemesis_events_in_edn_are_skipped() {
    let text = "[{:type :info, :f :start, :process :nemesis}\n{:type :invoke, :f :read, :process 0, :value nil}\n{:type :ok, :f :read, :process 0, :value 2}]";
    let history = read_history(text).unwrap();
    assert_eq!(history.operations.len(), 1);
    assert_eq!(history.operations[0].output, Value::Int(2));
}
