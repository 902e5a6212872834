//! The checkers' entry points and their reports.

use crate::causal::{self, CausalWitness, CriterionReport};
use crate::eventual::{self, EventualWitness};
use crate::history::{History, Outcome};
use crate::model::{Counter, Model, ModelError, ModelKind, ModelOptions, Mutex, Queue, Set};
use crate::search::{self, Order, SearchOp, SearchVerdict};
use crate::value::Value;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// The consistency criterion to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Consistency {
    /// Linearizability: one order that respects real time and the model.
    Linearizable,
    /// Sequential consistency: one order that respects each process's order and the model.
    Sequential,
    /// Causal consistency (CC, CM and CCv) for register and key-value histories.
    Causal,
    /// Eventual consistency: convergence once updates stop.
    Eventual,
}

impl Consistency {
    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Consistency::Linearizable => "linearizable",
            Consistency::Sequential => "sequential",
            Consistency::Causal => "causal",
            Consistency::Eventual => "eventual",
        }
    }

    /// Parses a CLI name.
    pub fn parse(name: &str) -> Option<Consistency> {
        [
            Consistency::Linearizable,
            Consistency::Sequential,
            Consistency::Causal,
            Consistency::Eventual,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }
}

/// The answer of a checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The history satisfies the criterion.
    Holds,
    /// It does not; the report carries a witness.
    Violated,
    /// The check was cancelled (timeout) before an answer.
    Unknown,
}

/// Why a history could not be checked (an input error, not a verdict).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// An operation the model cannot interpret.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The criterion is not defined for this model or history.
    #[error("{0}")]
    Unsupported(String),
    /// A history-shape requirement failed, such as unique written values.
    #[error("{line}: {message}")]
    Shape {
        /// The offending line (0 if unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Options for a check run. Core crates read no clock: pass one to get per-partition timing.
#[derive(Clone, Copy, Default)]
pub struct CheckOptions<'a> {
    /// Set it (from a timer thread, say) to stop the search; the verdict is then `Unknown`.
    pub cancel: Option<&'a AtomicBool>,
    /// A monotonic clock in nanoseconds, used only to time partitions.
    pub clock: Option<&'a (dyn Fn() -> u64 + Sync)>,
}

/// Why a linearization (or a sequential order) could not be completed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OrderWitness {
    /// The partition key, if the model partitions.
    pub key: Option<Value>,
    /// The longest order found that places operations legally (history operation indices).
    pub prefix: Vec<usize>,
    /// Operations that cannot be placed after that prefix (history operation indices).
    pub stuck: Vec<usize>,
    /// The model state after the prefix.
    pub state: String,
}

/// A witness of a violation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Witness {
    /// Linearizability or sequential consistency: the longest legal prefix and the stuck
    /// operations.
    Order(OrderWitness),
    /// Causal consistency: a bad pattern with its cycle.
    Causal(CausalWitness),
    /// Eventual consistency: reads that disagree or miss acknowledged writes.
    Eventual(EventualWitness),
}

/// The result for one partition (one key, or the whole history).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PartitionReport {
    /// The key, if the model partitions.
    pub key: Option<Value>,
    /// Operations checked (not counting `fail` ones).
    pub operations: usize,
    /// Of which `info`.
    pub info_operations: usize,
    /// The verdict for this partition.
    pub verdict: Verdict,
    /// Search configurations entered.
    pub nodes: u64,
    /// Wall time, if a clock was given.
    pub elapsed_ns: Option<u64>,
    /// On success, a linearization or sequential order (history operation indices).
    pub order: Option<Vec<usize>>,
}

/// The result of a check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The criterion checked.
    pub consistency: Consistency,
    /// The model name.
    pub model: String,
    /// The overall verdict: violated if any partition is, else unknown if any is, else holds.
    pub verdict: Verdict,
    /// Per-partition results (one entry for criteria that do not partition).
    pub partitions: Vec<PartitionReport>,
    /// The witness of the first violation.
    pub witness: Option<Witness>,
    /// Notes for the reader, such as "no reads after the last write".
    pub notes: Vec<String>,
    /// For causal consistency: the verdicts of CC, CM and CCv (the overall verdict is CC's).
    pub criteria: Vec<CriterionReport>,
}

fn combine(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut overall = Verdict::Holds;
    for verdict in verdicts {
        match verdict {
            Verdict::Violated => return Verdict::Violated,
            Verdict::Unknown => overall = Verdict::Unknown,
            Verdict::Holds => {}
        }
    }
    overall
}

struct Part<O> {
    key: Option<Value>,
    completed: Vec<SearchOp<O>>,
    info: Vec<SearchOp<O>>,
}

fn decode_parts<M: Model>(
    history: &History,
    model: &M,
    partition: bool,
) -> Result<Vec<Part<M::Op>>, CheckError> {
    let mut decoded = Vec::new();
    for (index, operation) in history.operations.iter().enumerate() {
        if operation.outcome == Outcome::Fail {
            continue;
        }
        let op = model.decode(operation)?;
        let key = model.partition_key(&op);
        decoded.push((
            key,
            operation.outcome,
            SearchOp {
                op,
                index,
                process: operation.process,
                call: operation.call,
                ret: operation.ret.unwrap_or(usize::MAX),
            },
        ));
    }
    let keyed = partition && decoded.iter().all(|(key, _, _)| key.is_some());
    let mut parts: BTreeMap<Option<Value>, Part<M::Op>> = BTreeMap::new();
    for (key, outcome, op) in decoded {
        let key = if keyed { key } else { None };
        let part = parts.entry(key.clone()).or_insert_with(|| Part {
            key,
            completed: Vec::new(),
            info: Vec::new(),
        });
        if outcome == Outcome::Ok {
            part.completed.push(op);
        } else {
            part.info.push(op);
        }
    }
    Ok(parts.into_values().collect())
}

/// Node budget of the first round: every partition first gets a small budget, so that a
/// cheap violation in one partition is found (and stops the others) before an expensive
/// partition monopolises the cores. Each later round resumes the unfinished partitions where
/// they stopped, with twice the budget (in all), until `LAST_ROUND_BUDGET`; then there is no
/// limit.
const FIRST_ROUND_BUDGET: u64 = 1_000;
const LAST_ROUND_BUDGET: u64 = 1 << 30;

fn round_budgets() -> impl Iterator<Item = u64> {
    std::iter::successors(Some(FIRST_ROUND_BUDGET), |&budget| {
        (budget != u64::MAX).then(|| {
            if budget >= LAST_ROUND_BUDGET {
                u64::MAX
            } else {
                budget * 2
            }
        })
    })
}

fn run_parts<M: Model>(
    model: &M,
    parts: Vec<Part<M::Op>>,
    order: Order,
    options: &CheckOptions<'_>,
    consistency: Consistency,
    model_name: &str,
) -> Report {
    let violation_found = AtomicBool::new(false);
    let cancelled = || {
        options
            .cancel
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    };
    let stop = || cancelled() || violation_found.load(Ordering::Relaxed);
    let mut results: Vec<Option<(PartitionReport, Option<OrderWitness>)>> =
        parts.iter().map(|_| None).collect();
    let mut elapsed: Vec<u64> = vec![0; parts.len()];
    let mut nodes: Vec<u64> = vec![0; parts.len()];
    let mut pending: Vec<usize> = (0..parts.len()).collect();
    let mut searchers: Vec<search::Searcher<'_, M>> = parts
        .iter()
        .map(|part| search::searcher(model, part.completed.clone(), part.info.clone(), order))
        .collect();
    for budget in round_budgets() {
        if pending.is_empty() || stop() {
            break;
        }
        let mut round_searchers: Vec<(usize, &mut search::Searcher<'_, M>)> = searchers
            .iter_mut()
            .enumerate()
            .filter(|(p, _)| pending.binary_search(p).is_ok())
            .collect();
        let round: Vec<(usize, search::SearchOutcome, Option<u64>)> = round_searchers
            .par_iter_mut()
            .with_max_len(1)
            .map(|(p, searcher)| {
                let p = *p;
                let start = options.clock.map(|clock| clock());
                let outcome = searcher.resume(&stop, budget);
                if outcome.verdict == SearchVerdict::Violated {
                    violation_found.store(true, Ordering::Relaxed);
                }
                let took = match (options.clock, start) {
                    (Some(clock), Some(start)) => Some(clock().saturating_sub(start)),
                    _ => None,
                };
                (p, outcome, took)
            })
            .collect();
        let mut still = Vec::new();
        for (p, outcome, took) in round {
            elapsed[p] += took.unwrap_or(0);
            nodes[p] = outcome.nodes;
            let verdict = match outcome.verdict {
                SearchVerdict::Holds => Verdict::Holds,
                SearchVerdict::Violated => Verdict::Violated,
                SearchVerdict::Unknown => {
                    still.push(p);
                    Verdict::Unknown
                }
            };
            let part = &parts[p];
            let witness = (verdict == Verdict::Violated).then(|| OrderWitness {
                key: part.key.clone(),
                prefix: outcome.order.clone(),
                stuck: outcome.stuck.clone(),
                state: outcome.state.clone(),
            });
            results[p] = Some((
                PartitionReport {
                    key: part.key.clone(),
                    operations: part.completed.len() + part.info.len(),
                    info_operations: part.info.len(),
                    verdict,
                    nodes: nodes[p],
                    elapsed_ns: options.clock.map(|_| elapsed[p]),
                    order: (verdict == Verdict::Holds).then_some(outcome.order),
                },
                witness,
            ));
        }
        pending = still;
    }
    let mut notes = Vec::new();
    if !pending.is_empty() && violation_found.load(Ordering::Relaxed) && !cancelled() {
        notes.push(format!(
            "{} partition(s) not finished: checking stopped at the first violation",
            pending.len()
        ));
    }
    let results: Vec<(PartitionReport, Option<OrderWitness>)> = results
        .into_iter()
        .zip(&parts)
        .map(|(result, part)| {
            result.unwrap_or_else(|| {
                (
                    PartitionReport {
                        key: part.key.clone(),
                        operations: part.completed.len() + part.info.len(),
                        info_operations: part.info.len(),
                        verdict: Verdict::Unknown,
                        nodes: 0,
                        elapsed_ns: None,
                        order: None,
                    },
                    None,
                )
            })
        })
        .collect();
    let verdict = combine(results.iter().map(|(report, _)| report.verdict));
    let witness = results
        .iter()
        .find_map(|(_, witness)| witness.clone())
        .map(Witness::Order);
    Report {
        consistency,
        model: model_name.to_string(),
        verdict,
        partitions: results.into_iter().map(|(report, _)| report).collect(),
        witness,
        notes,
        criteria: Vec::new(),
    }
}

/// Checks linearizability against any model, per partition and in parallel.
pub fn check_linearizable<M: Model>(
    history: &History,
    model: &M,
    model_name: &str,
    options: &CheckOptions<'_>,
) -> Result<Report, CheckError> {
    let parts = decode_parts(history, model, true)?;
    Ok(run_parts(
        model,
        parts,
        Order::RealTime,
        options,
        Consistency::Linearizable,
        model_name,
    ))
}

/// A partitioned model seen as one object: the state maps each key to its own state.
/// Sequential consistency is not compositional, so it checks all keys together.
struct Keyed<'a, M: Model> {
    inner: &'a M,
}

impl<M: Model> Model for Keyed<'_, M> {
    type State = Vec<(Value, M::State)>;
    type Op = (Option<Value>, M::Op);

    fn init(&self) -> Self::State {
        Vec::new()
    }

    fn decode(&self, operation: &crate::history::Operation) -> Result<Self::Op, ModelError> {
        let op = self.inner.decode(operation)?;
        Ok((self.inner.partition_key(&op), op))
    }

    fn step(&self, state: &Self::State, (key, op): &Self::Op) -> Option<Self::State> {
        let key = key.clone().unwrap_or_default();
        let position = state.binary_search_by(|(k, _)| k.cmp(&key));
        let current = match position {
            Ok(index) => state[index].1.clone(),
            Err(_) => self.inner.init(),
        };
        let next = self.inner.step(&current, op)?;
        if next == current {
            return Some(state.clone());
        }
        // Canonical form: a key at its initial state is absent.
        let mut out = state.clone();
        let initial = next == self.inner.init();
        match (position, initial) {
            (Ok(index), true) => {
                out.remove(index);
            }
            (Ok(index), false) => out[index].1 = next,
            (Err(_), true) => {}
            (Err(index), false) => out.insert(index, (key, next)),
        }
        Some(out)
    }

    fn is_read_only(&self, (_, op): &Self::Op) -> bool {
        self.inner.is_read_only(op)
    }

    fn may_reset(&self, (_, op): &Self::Op) -> bool {
        self.inner.may_reset(op)
    }

    fn may_become_legal(&self, state: &Self::State, (key, op): &Self::Op) -> bool {
        let key = key.clone().unwrap_or_default();
        match state.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(index) => self.inner.may_become_legal(&state[index].1, op),
            Err(_) => self.inner.may_become_legal(&self.inner.init(), op),
        }
    }

    fn describe_state(&self, state: &Self::State) -> String {
        let parts: Vec<String> = state
            .iter()
            .map(|(k, s)| format!("{k}: {}", self.inner.describe_state(s)))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

/// Checks sequential consistency (each process's order only) against any model.
pub fn check_sequential<M: Model>(
    history: &History,
    model: &M,
    model_name: &str,
    options: &CheckOptions<'_>,
) -> Result<Report, CheckError> {
    let keyed = Keyed { inner: model };
    let parts = decode_parts(history, &keyed, false)?;
    Ok(run_parts(
        &keyed,
        parts,
        Order::Process,
        options,
        Consistency::Sequential,
        model_name,
    ))
}

/// Checks a history against a built-in model and criterion.
///
/// Model defaults (such as the register's initial value) come from the history's format unless
/// `model_options` sets them; see [`ModelOptions`].
pub fn check(
    history: &History,
    kind: ModelKind,
    consistency: Consistency,
    model_options: &ModelOptions,
    options: &CheckOptions<'_>,
) -> Result<Report, CheckError> {
    let name = kind.name();
    match consistency {
        Consistency::Causal => return causal::check_causal(history, kind, model_options),
        Consistency::Eventual => return eventual::check_eventual(history, kind, model_options),
        Consistency::Linearizable | Consistency::Sequential => {}
    }
    let linear = consistency == Consistency::Linearizable;
    macro_rules! run {
        ($model:expr) => {{
            let model = $model;
            if linear {
                check_linearizable(history, &model, name, options)
            } else {
                check_sequential(history, &model, name, options)
            }
        }};
    }
    match kind {
        ModelKind::CasRegister => run!(model_options.register(history.format, true)),
        ModelKind::Register => run!(model_options.register(history.format, false)),
        ModelKind::Kv => run!(model_options.kv()),
        ModelKind::MultiRegister => run!(model_options.multi_register(history.format)),
        ModelKind::Mutex => run!(Mutex),
        ModelKind::Set => run!(Set),
        ModelKind::Queue => run!(Queue),
        ModelKind::Counter => run!(Counter),
    }
}
