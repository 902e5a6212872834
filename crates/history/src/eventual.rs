//! Eventual consistency as convergence: once updates to a key stop, every read of that key
//! returns the same value, and that value includes every acknowledged update.
//!
//! Per key, updates "stop" at the latest completion of an `ok`/`fail` update or invocation of
//! an `info` one. The *final reads* are the `ok` reads invoked after that point. They must agree,
//! and their value must be explained by the acknowledged updates (with any `info` ones):
//! a register holds one of the written values (the initial value only if no write was
//! acknowledged); a kv key holds a put value (if any put was acknowledged) followed by distinct
//! appended values including every acknowledged append; a set contains every acknowledged add
//! (never removed) and only added elements; a counter equals the acknowledged total plus some
//! of the `info` increments. Keys with no final reads are reported in the notes and not judged.

use crate::check::{CheckError, Consistency, PartitionReport, Report, Verdict, Witness};
use crate::history::{History, Outcome};
use crate::model::{ModelKind, ModelOptions};
use crate::value::Value;
use std::collections::{BTreeMap, HashSet};

/// Why a key did not converge.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EventualWitness {
    /// The key (`None` for single-object models).
    pub key: Option<Value>,
    /// The final reads involved (history operation indices).
    pub reads: Vec<usize>,
    /// Acknowledged updates missing from the final value (history operation indices).
    pub missing: Vec<usize>,
    /// A sentence explaining it.
    pub description: String,
}

#[derive(Clone, Debug)]
enum Update {
    /// A write of a whole value (register write, cas, kv put).
    Write(Value),
    /// A kv append.
    Append(Value),
    /// A set add.
    Add(Value),
    /// A set remove.
    Remove(Value),
    /// A counter increment.
    Increment(i64),
}

#[derive(Default)]
struct KeyHistory {
    /// (operation index, update, acknowledged?)
    updates: Vec<(usize, Update, bool)>,
    stop: Option<usize>,
    /// (operation index, call, value)
    reads: Vec<(usize, usize, Value)>,
}

fn unsupported(kind: ModelKind) -> CheckError {
    CheckError::Unsupported(format!(
        "eventual consistency is checked for register, cas-register, kv, multi-register, set and counter histories, not {}",
        kind.name()
    ))
}

pub(crate) fn check_eventual(
    history: &History,
    kind: ModelKind,
    options: &ModelOptions,
) -> Result<Report, CheckError> {
    let (initial, nil_unknown) = match kind {
        ModelKind::Register | ModelKind::CasRegister => {
            let r = options.register(history.format, true);
            (r.initial, r.nil_read_is_unknown)
        }
        ModelKind::Kv => (options.kv().initial, false),
        ModelKind::MultiRegister => {
            let m = options.multi_register(history.format);
            (m.default, m.nil_read_is_unknown)
        }
        ModelKind::Set => (Value::List(Vec::new()), false),
        ModelKind::Counter => (Value::Int(0), false),
        ModelKind::Mutex | ModelKind::Queue => return Err(unsupported(kind)),
    };
    let mut keys: BTreeMap<Option<Value>, KeyHistory> = BTreeMap::new();
    for (index, operation) in history.operations.iter().enumerate() {
        let ok = operation.outcome == Outcome::Ok;
        let stop_at = match operation.outcome {
            Outcome::Info => operation.call,
            _ => operation.ret.unwrap_or(operation.call),
        };
        let mut accesses: Vec<(Option<Value>, Option<Update>, Value)> = Vec::new();
        let shape = |message: String| CheckError::Shape {
            line: operation.line,
            message,
        };
        match (kind, operation.f.as_str()) {
            (ModelKind::Register | ModelKind::CasRegister, "read") => {
                accesses.push((None, None, operation.output.clone()))
            }
            (ModelKind::Register | ModelKind::CasRegister, "write") => accesses.push((
                None,
                Some(Update::Write(operation.input.clone())),
                Value::Nil,
            )),
            (ModelKind::CasRegister, "cas") => {
                let Some([_, new]) = operation.input.as_list() else {
                    return Err(shape(format!(
                        "cas needs [old new], found {}",
                        operation.input
                    )));
                };
                // A cas that failed its compare changed nothing.
                if operation.output != Value::Bool(false) {
                    accesses.push((None, Some(Update::Write(new.clone())), Value::Nil));
                }
            }
            (ModelKind::Kv, f) => {
                let key = operation.key.clone();
                if key.is_none() {
                    return Err(shape(format!("kv operation :{f} without a :key")));
                }
                match f {
                    "get" | "read" => accesses.push((key, None, operation.output.clone())),
                    "put" | "write" => accesses.push((
                        key,
                        Some(Update::Write(operation.input.clone())),
                        Value::Nil,
                    )),
                    "append" => accesses.push((
                        key,
                        Some(Update::Append(operation.input.clone())),
                        Value::Nil,
                    )),
                    other => return Err(shape(format!("the kv model has no :{other}"))),
                }
            }
            (ModelKind::MultiRegister, "txn") => {
                let steps = operation.input.as_list().unwrap_or(&[]);
                let outputs = operation.output.as_list();
                for (i, step) in steps.iter().enumerate() {
                    let Some([f, key, value]) = step.as_list() else {
                        return Err(shape(format!(
                            "txn step must be [f key value], found {step}"
                        )));
                    };
                    if f.as_str() == Some("write") {
                        accesses.push((
                            Some(key.clone()),
                            Some(Update::Write(value.clone())),
                            Value::Nil,
                        ));
                    } else {
                        let observed = match outputs.and_then(|o| o.get(i)).and_then(Value::as_list)
                        {
                            Some([_, _, v]) => v.clone(),
                            _ => Value::Nil,
                        };
                        accesses.push((Some(key.clone()), None, observed));
                    }
                }
            }
            (ModelKind::Set, "add") => {
                accesses.push((None, Some(Update::Add(operation.input.clone())), Value::Nil))
            }
            (ModelKind::Set, "remove") => accesses.push((
                None,
                Some(Update::Remove(operation.input.clone())),
                Value::Nil,
            )),
            (ModelKind::Set, "read") => accesses.push((None, None, operation.output.clone())),
            (ModelKind::Counter, "add" | "increment" | "incr" | "inc") => {
                let amount = match &operation.input {
                    Value::Nil => 1,
                    Value::Int(n) => *n,
                    other => {
                        return Err(shape(format!(
                            "counter add needs an integer, found {other}"
                        )))
                    }
                };
                accesses.push((None, Some(Update::Increment(amount)), Value::Nil))
            }
            (ModelKind::Counter, "read") => accesses.push((None, None, operation.output.clone())),
            (_, f) => {
                return Err(CheckError::Shape {
                    line: operation.line,
                    message: format!("the {} model has no :{f}", kind.name()),
                })
            }
        }
        for (key, update, observed) in accesses {
            let entry = keys.entry(key).or_default();
            match update {
                Some(update) => {
                    entry.stop = Some(entry.stop.map_or(stop_at, |s| s.max(stop_at)));
                    if operation.outcome != Outcome::Fail {
                        entry.updates.push((index, update, ok));
                    }
                }
                None => {
                    if ok && !(nil_unknown && observed.is_nil()) {
                        entry.reads.push((index, operation.call, observed));
                    }
                }
            }
        }
    }
    let mut partitions = Vec::new();
    let mut notes = Vec::new();
    let mut witness = None;
    for (key, entry) in keys {
        let label = key
            .as_ref()
            .map_or("the object".to_string(), |k| format!("key {k}"));
        let finals: Vec<&(usize, usize, Value)> = entry
            .reads
            .iter()
            .filter(|(_, call, _)| entry.stop.is_none_or(|stop| *call > stop))
            .collect();
        let mut verdict = Verdict::Holds;
        let mut found: Option<EventualWitness> = None;
        if finals.is_empty() {
            notes.push(format!(
                "{label}: no reads after updates stopped, convergence not checked"
            ));
        } else if let Some(other) = finals.iter().find(|(_, _, v)| *v != finals[0].2) {
            verdict = Verdict::Violated;
            found = Some(EventualWitness {
                key: key.clone(),
                reads: vec![finals[0].0, other.0],
                missing: Vec::new(),
                description: format!(
                    "final reads disagree after updates stopped: {} and {}",
                    finals[0].2, other.2
                ),
            });
        } else {
            let value = &finals[0].2;
            match explain(kind, &initial, &entry.updates, value) {
                Ok(()) => {}
                Err((missing, description)) => {
                    verdict = Verdict::Violated;
                    found = Some(EventualWitness {
                        key: key.clone(),
                        reads: finals.iter().map(|(index, _, _)| *index).collect(),
                        missing,
                        description,
                    });
                }
            }
        }
        if witness.is_none() {
            witness = found.map(Witness::Eventual);
        }
        partitions.push(PartitionReport {
            key,
            operations: entry.updates.len() + entry.reads.len(),
            info_operations: entry.updates.iter().filter(|(_, _, ok)| !ok).count(),
            verdict,
            nodes: 0,
            elapsed_ns: None,
            order: None,
        });
    }
    let verdict = if partitions.iter().any(|p| p.verdict == Verdict::Violated) {
        Verdict::Violated
    } else {
        Verdict::Holds
    };
    Ok(Report {
        consistency: Consistency::Eventual,
        model: kind.name().to_string(),
        verdict,
        partitions,
        witness,
        notes,
        criteria: Vec::new(),
    })
}

type Explanation = Result<(), (Vec<usize>, String)>;

/// Whether the converged value is explained by the updates.
fn explain(
    kind: ModelKind,
    initial: &Value,
    updates: &[(usize, Update, bool)],
    value: &Value,
) -> Explanation {
    match kind {
        ModelKind::Set => explain_set(updates, value),
        ModelKind::Counter => explain_counter(updates, value),
        ModelKind::Kv
            if updates
                .iter()
                .any(|(_, u, _)| matches!(u, Update::Append(_))) =>
        {
            explain_appends(initial, updates, value)
        }
        _ => {
            let writes: Vec<&Value> = updates
                .iter()
                .filter_map(|(_, u, _)| match u {
                    Update::Write(v) => Some(v),
                    _ => None,
                })
                .collect();
            let acknowledged = updates.iter().any(|(_, _, ok)| *ok);
            if writes.contains(&value) || (!acknowledged && value == initial) {
                Ok(())
            } else {
                Err((
                    updates
                        .iter()
                        .filter(|(_, _, ok)| *ok)
                        .map(|(i, _, _)| *i)
                        .collect(),
                    format!("the final value {value} is not the value of any write"),
                ))
            }
        }
    }
}

fn explain_set(updates: &[(usize, Update, bool)], value: &Value) -> Explanation {
    let Some(items) = value.as_list() else {
        return Err((
            Vec::new(),
            format!("a set read returned {value}, not a list"),
        ));
    };
    let removed: HashSet<&Value> = updates
        .iter()
        .filter_map(|(_, u, _)| match u {
            Update::Remove(v) => Some(v),
            _ => None,
        })
        .collect();
    let added: HashSet<&Value> = updates
        .iter()
        .filter_map(|(_, u, _)| match u {
            Update::Add(v) => Some(v),
            _ => None,
        })
        .collect();
    let missing: Vec<usize> = updates
        .iter()
        .filter(|(_, u, ok)| {
            *ok && matches!(u, Update::Add(v) if !removed.contains(v) && !items.contains(v))
        })
        .map(|(i, _, _)| *i)
        .collect();
    if !missing.is_empty() {
        return Err((missing, "the final set lacks acknowledged adds".to_string()));
    }
    if let Some(extra) = items.iter().find(|v| !added.contains(v)) {
        return Err((
            Vec::new(),
            format!("the final set holds {extra}, which was never added"),
        ));
    }
    Ok(())
}

fn explain_counter(updates: &[(usize, Update, bool)], value: &Value) -> Explanation {
    const SUMS_MAX: usize = 1 << 16;
    let Some(target) = value.as_int() else {
        return Err((
            Vec::new(),
            format!("a counter read returned {value}, not an integer"),
        ));
    };
    let mut base: i64 = 0;
    let mut sums: HashSet<i64> = HashSet::from([0]);
    for (_, update, ok) in updates {
        let Update::Increment(n) = update else {
            continue;
        };
        if *ok {
            base = base.wrapping_add(*n);
        } else if sums.len() < SUMS_MAX {
            let more: Vec<i64> = sums.iter().map(|s| s.wrapping_add(*n)).collect();
            sums.extend(more);
        }
    }
    if sums.contains(&target.wrapping_sub(base)) {
        Ok(())
    } else {
        Err((
            updates.iter().filter(|(_, _, ok)| *ok).map(|(i, _, _)| *i).collect(),
            format!("the final total {target} is not the acknowledged total {base} plus any of the unknown increments"),
        ))
    }
}

fn explain_appends(
    initial: &Value,
    updates: &[(usize, Update, bool)],
    value: &Value,
) -> Explanation {
    let Some(text) = value.as_str() else {
        return Err((Vec::new(), format!("a read returned {value}, not a string")));
    };
    let puts: Vec<&str> = updates
        .iter()
        .filter_map(|(_, u, _)| match u {
            Update::Write(Value::Str(v)) => Some(v.as_str()),
            _ => None,
        })
        .collect();
    let put_acknowledged = updates
        .iter()
        .any(|(_, u, ok)| *ok && matches!(u, Update::Write(_)));
    let appends: Vec<(usize, &str, bool)> = updates
        .iter()
        .filter_map(|(i, u, ok)| match u {
            Update::Append(Value::Str(v)) => Some((*i, v.as_str(), *ok)),
            _ => None,
        })
        .collect();
    let mut prefixes: Vec<&str> = puts.clone();
    if !put_acknowledged {
        prefixes.push(initial.as_str().unwrap_or(""));
    }
    for prefix in prefixes {
        let Some(rest) = text.strip_prefix(prefix) else {
            continue;
        };
        let mut used = vec![false; appends.len()];
        if segment(rest, &appends, &mut used, 0) {
            let missing: Vec<usize> = appends
                .iter()
                .zip(&used)
                .filter(|((_, _, ok), used)| *ok && !**used && !put_acknowledged)
                .map(|((i, _, _), _)| *i)
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            return Err((
                missing,
                format!("the final value {value} lacks acknowledged appends"),
            ));
        }
    }
    Err((
        Vec::new(),
        format!("the final value {value} is not a put value followed by distinct appended values"),
    ))
}

/// Splits `rest` into distinct appended values (backtracking, bounded).
fn segment(rest: &str, appends: &[(usize, &str, bool)], used: &mut [bool], depth: usize) -> bool {
    if rest.is_empty() {
        return true;
    }
    if depth > 10_000 {
        return false;
    }
    for (a, (_, piece, _)) in appends.iter().enumerate() {
        if used[a] || piece.is_empty() || !rest.starts_with(piece) {
            continue;
        }
        used[a] = true;
        if segment(&rest[piece.len()..], appends, used, depth + 1) {
            return true;
        }
        used[a] = false;
    }
    false
}
