//! The checkers against brute force on small random histories.
//!
//! The oracle tries every order of the operations directly from the definitions: completed
//! operations exactly once, `info` operations at most once, each placed only after every
//! operation that must precede it (real time for linearizability, process order for sequential
//! consistency). Histories are small enough for that to be quick.

use proptest::prelude::*;
use valence_history::{
    check_linearizable, check_sequential, CheckOptions, Counter, Event, EventKind, Format, History,
    Kv, Model, Outcome, Queue, Register, Value, Verdict,
};

#[derive(Clone, Copy, PartialEq)]
enum Rule {
    RealTime,
    Process,
}

fn must_precede(history: &History, before: usize, after: usize, rule: Rule) -> bool {
    let a = &history.operations[before];
    let b = &history.operations[after];
    if a.outcome != Outcome::Ok {
        return false;
    }
    match rule {
        Rule::RealTime => a.ret.is_some_and(|ret| ret < b.call),
        Rule::Process => a.process == b.process && a.call < b.call,
    }
}

fn oracle<M: Model>(history: &History, model: &M, rule: Rule) -> bool {
    let live: Vec<usize> = (0..history.operations.len())
        .filter(|&i| history.operations[i].outcome != Outcome::Fail)
        .collect();
    let ops: Vec<M::Op> = live
        .iter()
        .map(|&i| model.decode(&history.operations[i]).expect("decodable"))
        .collect();
    // Keyed models: the oracle keeps a map from key to state.
    fn search<M: Model>(
        history: &History,
        model: &M,
        rule: Rule,
        live: &[usize],
        ops: &[M::Op],
        placed: &mut Vec<bool>,
        states: &mut Vec<(Option<Value>, M::State)>,
    ) -> bool {
        let all_completed = live
            .iter()
            .enumerate()
            .all(|(j, &i)| placed[j] || history.operations[i].outcome != Outcome::Ok);
        if all_completed {
            return true;
        }
        for j in 0..live.len() {
            if placed[j] {
                continue;
            }
            let ready = (0..live.len())
                .all(|k| placed[k] || k == j || !must_precede(history, live[k], live[j], rule));
            if !ready {
                continue;
            }
            let key = model.partition_key(&ops[j]);
            let position = states.iter().position(|(k, _)| *k == key);
            let current = position.map_or_else(|| model.init(), |p| states[p].1.clone());
            let Some(next) = model.step(&current, &ops[j]) else {
                continue;
            };
            let saved = states.clone();
            match position {
                Some(p) => states[p].1 = next,
                None => states.push((key, next)),
            }
            placed[j] = true;
            if search(history, model, rule, live, ops, placed, states) {
                return true;
            }
            placed[j] = false;
            *states = saved;
        }
        false
    }
    let mut placed = vec![false; live.len()];
    search(
        history,
        model,
        rule,
        &live,
        &ops,
        &mut placed,
        &mut Vec::new(),
    )
}

/// A random history: each step either invokes an operation on an idle process or completes a
/// pending one with a random outcome and output.
fn history_strategy(
    processes: u64,
    steps: usize,
    invoke: impl Strategy<Value = (String, Option<Value>, Value)> + Clone,
    output: impl Strategy<Value = Value> + Clone,
) -> impl Strategy<Value = History> {
    prop::collection::vec((0..processes, invoke, output, 0u8..10), 1..steps).prop_map(|choices| {
        let mut events = Vec::new();
        let mut pending: Vec<Option<(String, Option<Value>, Value)>> = vec![None; 8];
        for (process, (f, key, input), output, roll) in choices {
            let slot = process as usize;
            match pending[slot].take() {
                None => {
                    events.push(Event {
                        kind: EventKind::Invoke,
                        process,
                        f: f.clone(),
                        key: key.clone(),
                        value: input.clone(),
                        time: None,
                        line: 0,
                    });
                    pending[slot] = Some((f, key, input));
                }
                Some((f, key, input)) => {
                    let kind = match roll {
                        0 => EventKind::Info,
                        1 => EventKind::Fail,
                        _ => EventKind::Ok,
                    };
                    let value = if f == "read" || f == "get" || f == "dequeue" {
                        output
                    } else if f == "cas" {
                        Value::Bool(roll % 3 != 0)
                    } else {
                        input
                    };
                    events.push(Event {
                        kind,
                        process,
                        f,
                        key,
                        value,
                        time: None,
                        line: 0,
                    });
                    // An info process never comes back (Jepsen's convention).
                    if kind == EventKind::Info {
                        pending[slot] = Some(("retired".into(), None, Value::Nil));
                    }
                }
            }
        }
        // Drop completions of retired processes by re-pairing with the real pairing rules.
        let mut cleaned = Vec::new();
        let mut retired = [false; 8];
        let mut open = [false; 8];
        for event in events {
            let p = event.process as usize;
            if retired[p] {
                continue;
            }
            match event.kind {
                EventKind::Invoke => open[p] = true,
                EventKind::Info => {
                    open[p] = false;
                    retired[p] = true;
                }
                _ => open[p] = false,
            }
            cleaned.push(event);
        }
        History::from_events(&cleaned, Format::Memory).expect("well-formed by construction")
    })
}

fn small_value() -> impl Strategy<Value = Value> + Clone {
    (0i64..3).prop_map(Value::Int)
}

fn register_invoke() -> impl Strategy<Value = (String, Option<Value>, Value)> + Clone {
    prop_oneof![
        Just(("read".to_string(), None, Value::Nil)),
        small_value().prop_map(|v| ("write".to_string(), None, v)),
        (small_value(), small_value()).prop_map(|(a, b)| (
            "cas".to_string(),
            None,
            Value::List(vec![a, b])
        )),
    ]
}

fn verdict_of(holds: bool) -> Verdict {
    if holds {
        Verdict::Holds
    } else {
        Verdict::Violated
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn cas_register_linearizability_matches_brute_force(
        history in history_strategy(4, 16, register_invoke(), small_value())
    ) {
        let model = Register::with_cas(Value::Int(0));
        let report = check_linearizable(&history, &model, "cas-register", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::RealTime)));
    }

    #[test]
    fn cas_register_sequential_consistency_matches_brute_force(
        history in history_strategy(3, 14, register_invoke(), small_value())
    ) {
        let model = Register::with_cas(Value::Int(0));
        let report = check_sequential(&history, &model, "cas-register", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::Process)));
    }

    #[test]
    fn counter_with_crashed_increments_matches_brute_force(
        history in history_strategy(
            5,
            18,
            prop_oneof![
                Just(("read".to_string(), None, Value::Nil)),
                (1i64..3).prop_map(|n| ("add".to_string(), None, Value::Int(n))),
            ],
            (0i64..6).prop_map(Value::Int),
        )
    ) {
        let report = check_linearizable(&history, &Counter, "counter", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &Counter, Rule::RealTime)));
    }

    #[test]
    fn partitioned_kv_matches_brute_force_on_the_whole_map(
        history in history_strategy(
            4,
            16,
            (prop_oneof![Just("get"), Just("put"), Just("append")], 0i64..2, prop_oneof![Just("a"), Just("b")])
                .prop_map(|(f, k, v)| {
                    let input = if f == "get" { Value::Nil } else { Value::from(v) };
                    (f.to_string(), Some(Value::Int(k)), input)
                }),
            prop_oneof![Just(""), Just("a"), Just("b"), Just("ab"), Just("ba"), Just("aa")].prop_map(Value::from),
        )
    ) {
        let model = Kv::default();
        let report = check_linearizable(&history, &model, "kv", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::RealTime)));
        let report = check_sequential(&history, &model, "kv", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::Process)));
    }

    /// Mostly appends, on one key, with gets that return strings the appends can build: the
    /// search abandons a configuration when a get can no longer see its value (its state is
    /// not a prefix of it and no put can come first), and this checks that it loses nothing.
    #[test]
    fn append_heavy_kv_matches_brute_force(
        history in history_strategy(
            4,
            18,
            (prop_oneof![4 => Just("append"), 3 => Just("get"), 1 => Just("put")], prop_oneof![Just("a"), Just("b"), Just("c")])
                .prop_map(|(f, v)| {
                    let input = if f == "get" { Value::Nil } else { Value::from(v) };
                    (f.to_string(), Some(Value::Int(0)), input)
                }),
            prop_oneof![Just(""), Just("a"), Just("b"), Just("ab"), Just("ba"), Just("abc"), Just("bca"), Just("cab"), Just("ca")].prop_map(Value::from),
        )
    ) {
        let model = Kv::default();
        let report = check_linearizable(&history, &model, "kv", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::RealTime)));
        let report = check_sequential(&history, &model, "kv", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::Process)));
    }

    /// Compare-and-set among appends and puts on one key: a cas may reset the value, so the
    /// pruning must not abandon configurations a swap could still rescue.
    #[test]
    fn kv_with_cas_matches_brute_force(
        history in history_strategy(
            4,
            16,
            (prop_oneof![3 => Just("append"), 3 => Just("get"), 1 => Just("put"), 2 => Just("cas")], prop_oneof![Just(""), Just("a"), Just("b"), Just("ab")], prop_oneof![Just("a"), Just("b")])
                .prop_map(|(f, x, v)| {
                    let input = match f {
                        "get" => Value::Nil,
                        "cas" => Value::List(vec![Value::from(x), Value::from(v)]),
                        _ => Value::from(v),
                    };
                    (f.to_string(), Some(Value::Int(0)), input)
                }),
            prop_oneof![
                prop_oneof![Just(""), Just("a"), Just("b"), Just("ab"), Just("ba"), Just("aba")].prop_map(Value::from),
                Just(Value::Bool(false)),
            ],
        )
    ) {
        let model = Kv::default();
        let report = check_linearizable(&history, &model, "kv", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::RealTime)));
        let report = check_sequential(&history, &model, "kv", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &model, Rule::Process)));
    }

    #[test]
    fn queue_matches_brute_force(
        history in history_strategy(
            3,
            14,
            prop_oneof![
                Just(("dequeue".to_string(), None, Value::Nil)),
                (0i64..3).prop_map(|v| ("enqueue".to_string(), None, Value::Int(v))),
            ],
            prop_oneof![Just(Value::Nil), (0i64..3).prop_map(Value::Int)],
        )
    ) {
        let report = check_linearizable(&history, &Queue, "queue", &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.verdict, verdict_of(oracle(&history, &Queue, Rule::RealTime)));
    }

    #[test]
    fn a_witness_prefix_is_a_legal_order(
        history in history_strategy(4, 16, register_invoke(), small_value())
    ) {
        let model = Register::with_cas(Value::Int(0));
        let report = check_linearizable(&history, &model, "cas-register", &CheckOptions::default()).unwrap();
        let order = match (&report.witness, report.partitions.first().and_then(|p| p.order.clone())) {
            (Some(valence_history::Witness::Order(w)), _) => w.prefix.clone(),
            (None, Some(order)) => order,
            _ => Vec::new(),
        };
        let mut state = model.init();
        for index in order {
            let op = model.decode(&history.operations[index]).unwrap();
            state = model.step(&state, &op).expect("each step of the reported order is legal");
        }
    }
}

/// A compare-and-set may replace a value that appends only grow: after `a`, `b` and a swap of
/// `ab` for `b`, a get of `b` is legal (a search that only counted puts as resets would abandon
/// it), and a get of `ab` after the swap is not.
#[test]
fn a_swap_resets_a_kv_value() {
    let history = |read: &str| {
        let mut h = valence_history::HistoryBuilder::new();
        let key = Some(Value::Int(0));
        let steps = [
            ("append", Value::from("a"), Value::Nil),
            ("append", Value::from("b"), Value::Nil),
            (
                "cas",
                Value::List(vec![Value::from("ab"), Value::from("b")]),
                Value::Bool(true),
            ),
            ("get", Value::Nil, Value::from(read)),
        ];
        for (t, (f, input, output)) in steps.into_iter().enumerate() {
            h.invoke(0, f, key.clone(), input, Some(2 * t as i64));
            h.ok(0, f, output, Some(2 * t as i64 + 1));
        }
        h.finish().unwrap()
    };
    let model = Kv::default();
    let options = CheckOptions::default();
    let report = check_linearizable(&history("b"), &model, "kv", &options).unwrap();
    assert_eq!(report.verdict, Verdict::Holds);
    let report = check_linearizable(&history("ab"), &model, "kv", &options).unwrap();
    assert_eq!(report.verdict, Verdict::Violated);
}
