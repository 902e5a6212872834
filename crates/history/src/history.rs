//! The history model: events (invoke, ok, fail, info) and the operations they pair into.

use crate::value::Value;
use std::collections::HashMap;
use std::fmt;

/// A client process (a Jepsen `:process`, a Porcupine client id).
pub type ProcessId = u64;

/// What an event says about its operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// The operation started.
    Invoke,
    /// The operation took effect and returned the event's value.
    Ok,
    /// The operation certainly did not take effect.
    Fail,
    /// Unknown: the operation may take effect at any time after its invocation, or never.
    Info,
}

impl EventKind {
    /// Parses `invoke`, `ok`, `fail` or `info`.
    pub fn parse(text: &str) -> Option<EventKind> {
        match text {
            "invoke" => Some(EventKind::Invoke),
            "ok" => Some(EventKind::Ok),
            "fail" => Some(EventKind::Fail),
            "info" => Some(EventKind::Info),
            _ => None,
        }
    }

    /// The lowercase name used by every format.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Invoke => "invoke",
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            EventKind::Info => "info",
        }
    }
}

/// One line of a history: an invocation or a completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Invocation or completion kind.
    pub kind: EventKind,
    /// The process that issued the operation.
    pub process: ProcessId,
    /// The function, such as `read`, `write`, `cas`, `get`, `put`, `append`.
    pub f: String,
    /// The key, for keyed models (`kv`); `None` elsewhere.
    pub key: Option<Value>,
    /// The argument (on invoke) or the result (on completion).
    pub value: Value,
    /// Optional real time (any unit; Jepsen uses nanoseconds).
    pub time: Option<i64>,
    /// The 1-based source line, for messages (0 when built in memory).
    pub line: usize,
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It took effect, between its call and its return, with the recorded output.
    Ok,
    /// It certainly did not take effect; checkers ignore it.
    Fail,
    /// Unknown: it may take effect at any time after its call, or never. Its output is unknown.
    Info,
}

/// An operation: an invocation paired with its completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The process that issued it.
    pub process: ProcessId,
    /// The function name.
    pub f: String,
    /// The key, for keyed models.
    pub key: Option<Value>,
    /// The argument given at invocation.
    pub input: Value,
    /// The value given at completion (`Nil` if none or unknown).
    pub output: Value,
    /// How it ended.
    pub outcome: Outcome,
    /// Position of the invocation in the history's event order.
    pub call: usize,
    /// Position of the completion event, if there was one. An `info` operation is open until the
    /// end of the history whatever this says.
    pub ret: Option<usize>,
    /// Real time of the invocation, if recorded.
    pub call_time: Option<i64>,
    /// Real time of the completion, if recorded.
    pub ret_time: Option<i64>,
    /// Source line of the invocation (0 when built in memory).
    pub line: usize,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{} {}", self.process, self.f)?;
        if let Some(key) = &self.key {
            write!(f, "[{key}]")?;
        }
        if !self.input.is_nil() {
            write!(f, " {}", self.input)?;
        }
        match self.outcome {
            Outcome::Ok => {
                if !self.output.is_nil() && self.output != self.input {
                    write!(f, " -> {}", self.output)?;
                }
            }
            Outcome::Fail => write!(f, " (fail)")?,
            Outcome::Info => write!(f, " (info)")?,
        }
        if self.line > 0 {
            write!(f, " @line {}", self.line)?;
        }
        Ok(())
    }
}

/// The source format of a history; readers set it, and some models take their defaults from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Jepsen/Knossos EDN: a vector of event maps, or one event map per line (Porcupine kv).
    JepsenEdn,
    /// Jepsen log lines (`INFO jepsen.util - P :invoke :f value`), as in Porcupine's etcd data.
    JepsenLog,
    /// valence JSON Lines (see docs/history-format.md).
    JsonLines,
    /// Built in memory.
    Memory,
}

impl Format {
    /// A short name: `jepsen-edn`, `jepsen-log`, `json-lines`, `memory`.
    pub fn name(self) -> &'static str {
        match self {
            Format::JepsenEdn => "jepsen-edn",
            Format::JepsenLog => "jepsen-log",
            Format::JsonLines => "json-lines",
            Format::Memory => "memory",
        }
    }
}

/// A malformed history: a line number (1-based; 0 if unknown) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}: {message}")]
pub struct HistoryError {
    /// The offending line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl HistoryError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> HistoryError {
        HistoryError {
            line,
            message: message.into(),
        }
    }
}

/// A history: operations in invocation order, plus the number of events they came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// The operations, ordered by `call`.
    pub operations: Vec<Operation>,
    /// Number of events (the `call`/`ret` positions are below this).
    pub event_count: usize,
    /// Where the history came from.
    pub format: Format,
}

impl History {
    /// Pairs events into operations. Each process has at most one pending operation; a
    /// completion needs a pending invocation with the same `f`; invocations still pending at the
    /// end become `info` operations.
    pub fn from_events(events: &[Event], format: Format) -> Result<History, HistoryError> {
        let mut operations: Vec<Operation> = Vec::new();
        let mut pending: HashMap<ProcessId, usize> = HashMap::new();
        for (position, event) in events.iter().enumerate() {
            match event.kind {
                EventKind::Invoke => {
                    if let Some(&index) = pending.get(&event.process) {
                        return Err(HistoryError::new(
                            event.line,
                            format!(
                                "process {} invokes {} while its {} (line {}) is still pending",
                                event.process, event.f, operations[index].f, operations[index].line
                            ),
                        ));
                    }
                    pending.insert(event.process, operations.len());
                    operations.push(Operation {
                        process: event.process,
                        f: event.f.clone(),
                        key: event.key.clone(),
                        input: event.value.clone(),
                        output: Value::Nil,
                        outcome: Outcome::Info,
                        call: position,
                        ret: None,
                        call_time: event.time,
                        ret_time: None,
                        line: event.line,
                    });
                }
                kind => {
                    let Some(index) = pending.remove(&event.process) else {
                        return Err(HistoryError::new(
                            event.line,
                            format!(
                                "{} completion for process {} without a pending invocation",
                                kind.name(),
                                event.process
                            ),
                        ));
                    };
                    let operation = &mut operations[index];
                    if operation.f != event.f {
                        return Err(HistoryError::new(
                            event.line,
                            format!(
                                "completion :{} for process {} does not match its invocation :{} (line {})",
                                event.f, event.process, operation.f, operation.line
                            ),
                        ));
                    }
                    if operation.key.is_some() && event.key.is_some() && operation.key != event.key
                    {
                        return Err(HistoryError::new(
                            event.line,
                            format!(
                                "completion key {} does not match the invocation's key {}",
                                event.key.clone().unwrap_or_default(),
                                operation.key.clone().unwrap_or_default()
                            ),
                        ));
                    }
                    operation.outcome = match kind {
                        EventKind::Ok => Outcome::Ok,
                        EventKind::Fail => Outcome::Fail,
                        _ => Outcome::Info,
                    };
                    if kind == EventKind::Ok {
                        operation.output = event.value.clone();
                    }
                    operation.ret = Some(position);
                    operation.ret_time = event.time;
                }
            }
        }
        Ok(History {
            operations,
            event_count: events.len(),
            format,
        })
    }

    /// The events this history pairs, in order (the inverse of [`History::from_events`]).
    /// Operations with no completion event get none.
    pub fn events(&self) -> Vec<Event> {
        let mut positioned: Vec<(usize, Event)> = Vec::with_capacity(self.operations.len() * 2);
        for operation in &self.operations {
            positioned.push((
                operation.call,
                Event {
                    kind: EventKind::Invoke,
                    process: operation.process,
                    f: operation.f.clone(),
                    key: operation.key.clone(),
                    value: operation.input.clone(),
                    time: operation.call_time,
                    line: operation.line,
                },
            ));
            if let Some(ret) = operation.ret {
                let kind = match operation.outcome {
                    Outcome::Ok => EventKind::Ok,
                    Outcome::Fail => EventKind::Fail,
                    Outcome::Info => EventKind::Info,
                };
                let value = if kind == EventKind::Ok {
                    operation.output.clone()
                } else {
                    operation.input.clone()
                };
                positioned.push((
                    ret,
                    Event {
                        kind,
                        process: operation.process,
                        f: operation.f.clone(),
                        key: operation.key.clone(),
                        value,
                        time: operation.ret_time,
                        line: 0,
                    },
                ));
            }
        }
        positioned.sort_by_key(|(position, _)| *position);
        positioned.into_iter().map(|(_, event)| event).collect()
    }
}

/// Records a history event by event, for simulators and tests.
///
/// ```
/// use valence_history::{HistoryBuilder, Value};
/// let mut builder = HistoryBuilder::new();
/// builder.invoke(0, "write", None, Value::Int(1), None);
/// builder.ok(0, "write", Value::Int(1), None);
/// let history = builder.finish().unwrap();
/// assert_eq!(history.operations.len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct HistoryBuilder {
    events: Vec<Event>,
}

impl HistoryBuilder {
    /// An empty builder.
    pub fn new() -> HistoryBuilder {
        HistoryBuilder::default()
    }

    /// Records an invocation.
    pub fn invoke(
        &mut self,
        process: ProcessId,
        f: &str,
        key: Option<Value>,
        input: Value,
        time: Option<i64>,
    ) {
        self.push(EventKind::Invoke, process, f, key, input, time);
    }

    /// Records a successful completion with its output.
    pub fn ok(&mut self, process: ProcessId, f: &str, output: Value, time: Option<i64>) {
        self.push(EventKind::Ok, process, f, None, output, time);
    }

    /// Records a completion that certainly did not take effect.
    pub fn fail(&mut self, process: ProcessId, f: &str, time: Option<i64>) {
        self.push(EventKind::Fail, process, f, None, Value::Nil, time);
    }

    /// Records a completion with an unknown outcome.
    pub fn info(&mut self, process: ProcessId, f: &str, time: Option<i64>) {
        self.push(EventKind::Info, process, f, None, Value::Nil, time);
    }

    /// Records any event.
    pub fn push_event(&mut self, event: Event) {
        self.events.push(event);
    }

    fn push(
        &mut self,
        kind: EventKind,
        process: ProcessId,
        f: &str,
        key: Option<Value>,
        value: Value,
        time: Option<i64>,
    ) {
        self.events.push(Event {
            kind,
            process,
            f: f.to_string(),
            key,
            value,
            time,
            line: 0,
        });
    }

    /// Pairs the recorded events into a history.
    pub fn finish(&self) -> Result<History, HistoryError> {
        History::from_events(&self.events, Format::Memory)
    }
}
