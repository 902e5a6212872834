//! Sequential specifications: the [`Model`] trait and the built-in models.

use crate::history::{Format, Operation, Outcome};
use crate::value::Value;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::hash::Hash;

/// An operation a model cannot interpret (wrong `f`, missing key, malformed value).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}: {message}")]
pub struct ModelError {
    /// Source line of the operation's invocation (0 if unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl ModelError {
    fn new(operation: &Operation, message: impl Into<String>) -> ModelError {
        ModelError {
            line: operation.line,
            message: message.into(),
        }
    }
}

/// A sequential specification: the object the history is checked against.
///
/// Checkers call [`Model::decode`] once per operation that may have taken effect (`ok` and
/// `info`; `fail` operations are dropped), then search with [`Model::step`]. For an `info`
/// operation the output is unknown, so the decoded operation must accept any output.
///
/// If [`Model::partition_key`] returns a key for every operation, the history is checked one
/// key at a time (P-compositionality), and the state then describes one key only.
///
/// ```
/// use valence_history::{Model, ModelError, Operation, Outcome};
/// /// A register that only ever grows.
/// struct Max;
/// impl Model for Max {
///     type State = i64;
///     type Op = (bool, Option<i64>); // (is_write, value)
///     fn init(&self) -> i64 { 0 }
///     fn decode(&self, op: &Operation) -> Result<Self::Op, ModelError> {
///         match op.f.as_str() {
///             "write" => Ok((true, op.input.as_int())),
///             "read" if op.outcome == Outcome::Ok => Ok((false, op.output.as_int())),
///             "read" => Ok((false, None)),
///             other => Err(ModelError { line: op.line, message: format!("unknown f {other}") }),
///         }
///     }
///     fn step(&self, state: &i64, op: &Self::Op) -> Option<i64> {
///         match op {
///             (true, Some(v)) => Some((*state).max(*v)),
///             (false, Some(v)) => (v == state).then_some(*state),
///             (_, None) => Some(*state),
///         }
///     }
/// }
/// ```
pub trait Model: Sync {
    /// The state of the object (of one partition, if the model partitions).
    type State: Clone + Eq + Hash + Debug + Send + Sync;
    /// A decoded operation: its input and, when known, its output.
    type Op: Clone + Eq + Hash + Debug + Send + Sync;

    /// The initial state.
    fn init(&self) -> Self::State;

    /// Interprets one operation of the history.
    fn decode(&self, operation: &Operation) -> Result<Self::Op, ModelError>;

    /// Applies `op` to `state`; `None` if the operation (with its recorded output) is not legal
    /// there.
    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;

    /// The partition an operation belongs to; `None` (the default) means the model does not
    /// partition.
    fn partition_key(&self, _op: &Self::Op) -> Option<Value> {
        None
    }

    /// Whether `op` never changes the state when it is legal (a read). Returning `true` lets
    /// the search place a legal read as soon as it can, without branching; the default `false`
    /// is always safe.
    fn is_read_only(&self, _op: &Self::Op) -> bool {
        false
    }

    /// Whether `op` may move the state somewhere that does not extend it (for a key-value
    /// store, a put). The default `true` is always safe; see [`Model::may_become_legal`].
    fn may_reset(&self, _op: &Self::Op) -> bool {
        true
    }

    /// A necessary condition for `op` to be legal in `state` or in any state reached from it
    /// by operations for which [`Model::may_reset`] is false (for a key-value store: a get of
    /// `v` in state `s` with only appends to come needs `s` to be a prefix of `v`).
    ///
    /// When it returns false for an operation still to be placed, and no operation that may
    /// reset could be placed before it, the search abandons the configuration. The default
    /// `true` never prunes.
    fn may_become_legal(&self, _state: &Self::State, _op: &Self::Op) -> bool {
        true
    }

    /// A short rendering of a state for reports.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }
}

/// A compare-and-set of `state`: legal if it swapped exactly when `state` was `expected`
/// (`swapped` unknown: either way, as the state says).
fn cas_step(state: &Value, expected: &Value, new: &Value, swapped: Option<bool>) -> Option<Value> {
    match swapped {
        Some(true) => (expected == state).then(|| new.clone()),
        Some(false) => (expected != state).then(|| state.clone()),
        None => Some(if expected == state {
            new.clone()
        } else {
            state.clone()
        }),
    }
}

fn unknown_output(operation: &Operation) -> bool {
    operation.outcome != Outcome::Ok
}

/// A read/write register, optionally with compare-and-set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    /// The initial value.
    pub initial: Value,
    /// Whether a read that returned `nil` means "unknown" (Knossos) rather than "empty".
    pub nil_read_is_unknown: bool,
    /// Whether `cas` operations (input `[old new]`) are allowed.
    pub cas: bool,
}

/// A decoded register operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp {
    /// A read that returned the value (`None`: unknown).
    Read(Option<Value>),
    /// A write.
    Write(Value),
    /// A compare-and-set; `swapped` is `Some(false)` when the compare failed, `None` if unknown.
    Cas {
        /// Expected value.
        old: Value,
        /// New value.
        new: Value,
        /// Whether it swapped.
        swapped: Option<bool>,
    },
}

impl Register {
    /// A plain read/write register.
    pub fn plain(initial: Value) -> Register {
        Register {
            initial,
            nil_read_is_unknown: false,
            cas: false,
        }
    }

    /// A compare-and-set register.
    pub fn with_cas(initial: Value) -> Register {
        Register {
            initial,
            nil_read_is_unknown: false,
            cas: true,
        }
    }
}

impl Model for Register {
    type State = Value;
    type Op = RegisterOp;

    fn init(&self) -> Value {
        self.initial.clone()
    }

    fn decode(&self, operation: &Operation) -> Result<RegisterOp, ModelError> {
        match operation.f.as_str() {
            "read" | "get" => {
                if unknown_output(operation)
                    || (self.nil_read_is_unknown && operation.output.is_nil())
                {
                    Ok(RegisterOp::Read(None))
                } else {
                    Ok(RegisterOp::Read(Some(operation.output.clone())))
                }
            }
            "write" | "put" => Ok(RegisterOp::Write(operation.input.clone())),
            "cas" if self.cas => match operation.input.as_list() {
                Some([old, new]) => Ok(RegisterOp::Cas {
                    old: old.clone(),
                    new: new.clone(),
                    swapped: if unknown_output(operation) {
                        None
                    } else {
                        Some(operation.output != Value::Bool(false))
                    },
                }),
                _ => Err(ModelError::new(
                    operation,
                    format!("cas needs [old new], found {}", operation.input),
                )),
            },
            other => Err(ModelError::new(
                operation,
                format!(
                    "the {} model has no :{other} (expected read, write{})",
                    if self.cas { "cas-register" } else { "register" },
                    if self.cas { ", cas" } else { "" }
                ),
            )),
        }
    }

    fn step(&self, state: &Value, op: &RegisterOp) -> Option<Value> {
        match op {
            RegisterOp::Read(None) => Some(state.clone()),
            RegisterOp::Read(Some(value)) => (value == state).then(|| state.clone()),
            RegisterOp::Write(value) => Some(value.clone()),
            RegisterOp::Cas { old, new, swapped } => cas_step(state, old, new, *swapped),
        }
    }

    fn is_read_only(&self, op: &RegisterOp) -> bool {
        matches!(
            op,
            RegisterOp::Read(_)
                | RegisterOp::Cas {
                    swapped: Some(false),
                    ..
                }
        )
    }

    fn describe_state(&self, state: &Value) -> String {
        state.to_string()
    }
}

/// A key-value store with `get`, `put` and `append` (string concatenation), checked per key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kv {
    /// The initial value of every key (Porcupine: the empty string).
    pub initial: Value,
}

impl Default for Kv {
    fn default() -> Kv {
        Kv {
            initial: Value::Str(String::new()),
        }
    }
}

/// A decoded key-value operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOp {
    /// A get that returned the value (`None`: unknown).
    Get(Value, Option<Value>),
    /// A put of a value.
    Put(Value, Value),
    /// An append of a string.
    Append(Value, Value),
    /// A compare-and-set of the key's value: expected, new, and whether it swapped (`None`:
    /// unknown).
    Cas(Value, Value, Value, Option<bool>),
}

impl KvOp {
    /// The key this operation touches.
    pub fn key(&self) -> &Value {
        match self {
            KvOp::Get(key, _)
            | KvOp::Put(key, _)
            | KvOp::Append(key, _)
            | KvOp::Cas(key, _, _, _) => key,
        }
    }
}

impl Model for Kv {
    type State = Value;
    type Op = KvOp;

    fn init(&self) -> Value {
        self.initial.clone()
    }

    fn decode(&self, operation: &Operation) -> Result<KvOp, ModelError> {
        let Some(key) = operation.key.clone() else {
            return Err(ModelError::new(
                operation,
                format!("kv operation :{} without a :key", operation.f),
            ));
        };
        match operation.f.as_str() {
            "get" | "read" => Ok(KvOp::Get(
                key,
                (!unknown_output(operation)).then(|| operation.output.clone()),
            )),
            "put" | "write" => Ok(KvOp::Put(key, operation.input.clone())),
            "append" => Ok(KvOp::Append(key, operation.input.clone())),
            "cas" => match operation.input.as_list() {
                Some([expected, new]) => Ok(KvOp::Cas(
                    key,
                    expected.clone(),
                    new.clone(),
                    (!unknown_output(operation)).then(|| operation.output != Value::Bool(false)),
                )),
                _ => Err(ModelError::new(
                    operation,
                    format!("cas needs [expected new], found {}", operation.input),
                )),
            },
            other => Err(ModelError::new(
                operation,
                format!("the kv model has no :{other} (expected get, put, append, cas)"),
            )),
        }
    }

    fn step(&self, state: &Value, op: &KvOp) -> Option<Value> {
        match op {
            KvOp::Get(_, None) => Some(state.clone()),
            KvOp::Get(_, Some(value)) => (value == state).then(|| state.clone()),
            KvOp::Put(_, value) => Some(value.clone()),
            KvOp::Cas(_, expected, new, swapped) => cas_step(state, expected, new, *swapped),
            KvOp::Append(_, value) => match (state, value) {
                (Value::Str(s), Value::Str(v)) => Some(Value::Str(format!("{s}{v}"))),
                (Value::Nil, v) => Some(v.clone()),
                (Value::List(items), v) => {
                    let mut items = items.clone();
                    items.push(v.clone());
                    Some(Value::List(items))
                }
                _ => None,
            },
        }
    }

    fn partition_key(&self, op: &KvOp) -> Option<Value> {
        Some(op.key().clone())
    }

    fn is_read_only(&self, op: &KvOp) -> bool {
        matches!(op, KvOp::Get(..) | KvOp::Cas(_, _, _, Some(false)))
    }

    fn may_reset(&self, op: &KvOp) -> bool {
        // A put replaces the value, and so may a compare-and-set that is not known to fail.
        matches!(op, KvOp::Put(..) | KvOp::Cas(_, _, _, Some(true) | None))
    }

    fn may_become_legal(&self, state: &Value, op: &KvOp) -> bool {
        // Gets and appends only: a string or list state only grows, any other non-nil state
        // stays as it is (appending to it is illegal), and nil may become anything.
        let KvOp::Get(_, Some(value)) = op else {
            return true;
        };
        match (state, value) {
            (Value::Nil, _) => true,
            (Value::Str(s), Value::Str(v)) => v.starts_with(s.as_str()),
            (Value::Str(_), _) => false,
            (Value::List(items), Value::List(v)) => v.starts_with(items),
            (Value::List(_), _) => false,
            (state, value) => state == value,
        }
    }

    fn describe_state(&self, state: &Value) -> String {
        state.to_string()
    }
}

/// Several registers updated by multi-key transactions (`:f :txn`, value
/// `[[:read :x nil] [:write :y 2]]`), as in Knossos's multi-register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiRegister {
    /// Initial values of named registers; others start at `default`.
    pub initial: Vec<(Value, Value)>,
    /// Initial value of registers not in `initial`.
    pub default: Value,
    /// Whether a read of `nil` means "unknown" (Knossos).
    pub nil_read_is_unknown: bool,
}

/// One step of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MicroOp {
    /// Read a register; `None`: unknown value.
    Read(Value, Option<Value>),
    /// Write a register.
    Write(Value, Value),
}

impl MultiRegister {
    fn micro_ops(
        &self,
        operation: &Operation,
        input: &Value,
        output: Option<&Value>,
    ) -> Result<Vec<MicroOp>, ModelError> {
        let Some(items) = input.as_list() else {
            return Err(ModelError::new(
                operation,
                format!("txn value must be a list of [f key value], found {input}"),
            ));
        };
        let outputs = output.and_then(Value::as_list);
        let mut micro_ops = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let Some([f, key, value]) = item.as_list() else {
                return Err(ModelError::new(
                    operation,
                    format!("txn step must be [f key value], found {item}"),
                ));
            };
            match f.as_str() {
                Some("read" | "r") => {
                    let observed = match outputs {
                        Some(outputs) => match outputs.get(index).and_then(Value::as_list) {
                            Some([_, _, v]) => Some(v.clone()),
                            _ => None,
                        },
                        None => None,
                    };
                    let observed = observed.filter(|v| !(self.nil_read_is_unknown && v.is_nil()));
                    micro_ops.push(MicroOp::Read(key.clone(), observed));
                }
                Some("write" | "w") => micro_ops.push(MicroOp::Write(key.clone(), value.clone())),
                _ => {
                    return Err(ModelError::new(
                        operation,
                        format!("txn step must be :read or :write, found {f}"),
                    ))
                }
            }
        }
        Ok(micro_ops)
    }
}

impl Model for MultiRegister {
    type State = Vec<(Value, Value)>;
    type Op = Vec<MicroOp>;

    fn init(&self) -> Self::State {
        let mut state = self.initial.clone();
        state.sort();
        state
    }

    fn decode(&self, operation: &Operation) -> Result<Vec<MicroOp>, ModelError> {
        let output = (!unknown_output(operation)).then_some(&operation.output);
        match operation.f.as_str() {
            "txn" => self.micro_ops(operation, &operation.input, output),
            "read" | "write" => {
                let Some(key) = &operation.key else {
                    return Err(ModelError::new(operation, "read/write without a :key"));
                };
                Ok(vec![if operation.f == "read" {
                    MicroOp::Read(
                        key.clone(),
                        output
                            .cloned()
                            .filter(|v| !(self.nil_read_is_unknown && v.is_nil())),
                    )
                } else {
                    MicroOp::Write(key.clone(), operation.input.clone())
                }])
            }
            other => Err(ModelError::new(
                operation,
                format!("the multi-register model has no :{other} (expected txn)"),
            )),
        }
    }

    fn step(&self, state: &Self::State, op: &Vec<MicroOp>) -> Option<Self::State> {
        let mut next = state.clone();
        for micro_op in op {
            match micro_op {
                MicroOp::Read(_, None) => {}
                MicroOp::Read(key, Some(value)) => {
                    let current = match next.binary_search_by(|(k, _)| k.cmp(key)) {
                        Ok(index) => &next[index].1,
                        Err(_) => &self.default,
                    };
                    if current != value {
                        return None;
                    }
                }
                MicroOp::Write(key, value) => match next.binary_search_by(|(k, _)| k.cmp(key)) {
                    Ok(index) => next[index].1 = value.clone(),
                    Err(index) => next.insert(index, (key.clone(), value.clone())),
                },
            }
        }
        Some(next)
    }

    fn is_read_only(&self, op: &Vec<MicroOp>) -> bool {
        op.iter().all(|m| matches!(m, MicroOp::Read(..)))
    }

    fn describe_state(&self, state: &Self::State) -> String {
        Value::Map(state.clone()).to_string()
    }
}

/// A mutex: `acquire` when free, `release` when held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mutex;

/// A decoded mutex operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MutexOp {
    /// Take the lock.
    Acquire,
    /// Give it back.
    Release,
}

impl Model for Mutex {
    type State = bool;
    type Op = MutexOp;

    fn init(&self) -> bool {
        false
    }

    fn decode(&self, operation: &Operation) -> Result<MutexOp, ModelError> {
        match operation.f.as_str() {
            "acquire" | "lock" => Ok(MutexOp::Acquire),
            "release" | "unlock" => Ok(MutexOp::Release),
            other => Err(ModelError::new(
                operation,
                format!("the mutex model has no :{other} (expected acquire, release)"),
            )),
        }
    }

    fn step(&self, held: &bool, op: &MutexOp) -> Option<bool> {
        match op {
            MutexOp::Acquire => (!held).then_some(true),
            MutexOp::Release => held.then_some(false),
        }
    }

    fn describe_state(&self, held: &bool) -> String {
        if *held { "held" } else { "free" }.to_string()
    }
}

/// A set of values: `add`, `remove`, and `read` returning every element.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Set;

/// A decoded set operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// Add an element.
    Add(Value),
    /// Remove an element.
    Remove(Value),
    /// Read all elements, sorted (`None`: unknown).
    Read(Option<Vec<Value>>),
}

impl Model for Set {
    type State = Vec<Value>;
    type Op = SetOp;

    fn init(&self) -> Vec<Value> {
        Vec::new()
    }

    fn decode(&self, operation: &Operation) -> Result<SetOp, ModelError> {
        match operation.f.as_str() {
            "add" => Ok(SetOp::Add(operation.input.clone())),
            "remove" => Ok(SetOp::Remove(operation.input.clone())),
            "read" => {
                if unknown_output(operation) {
                    return Ok(SetOp::Read(None));
                }
                let Some(items) = operation.output.as_list() else {
                    return Err(ModelError::new(
                        operation,
                        format!("set read must return a list, found {}", operation.output),
                    ));
                };
                let mut items = items.to_vec();
                items.sort();
                items.dedup();
                Ok(SetOp::Read(Some(items)))
            }
            other => Err(ModelError::new(
                operation,
                format!("the set model has no :{other} (expected add, remove, read)"),
            )),
        }
    }

    fn step(&self, state: &Vec<Value>, op: &SetOp) -> Option<Vec<Value>> {
        match op {
            SetOp::Add(value) => {
                let mut next = state.clone();
                if let Err(index) = next.binary_search(value) {
                    next.insert(index, value.clone());
                }
                Some(next)
            }
            SetOp::Remove(value) => {
                let mut next = state.clone();
                if let Ok(index) = next.binary_search(value) {
                    next.remove(index);
                }
                Some(next)
            }
            SetOp::Read(None) => Some(state.clone()),
            SetOp::Read(Some(items)) => (items == state).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(_))
    }

    fn describe_state(&self, state: &Vec<Value>) -> String {
        Value::List(state.clone()).to_string()
    }
}

/// A FIFO queue: `enqueue` a value, `dequeue` returns the oldest (`nil` when empty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Queue;

/// A decoded queue operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueOp {
    /// Add to the back.
    Enqueue(Value),
    /// Take from the front; the value returned (`None`: unknown).
    Dequeue(Option<Value>),
}

impl Model for Queue {
    type State = VecDeque<Value>;
    type Op = QueueOp;

    fn init(&self) -> VecDeque<Value> {
        VecDeque::new()
    }

    fn decode(&self, operation: &Operation) -> Result<QueueOp, ModelError> {
        match operation.f.as_str() {
            "enqueue" | "enq" | "push" | "offer" => Ok(QueueOp::Enqueue(operation.input.clone())),
            "dequeue" | "deq" | "pop" | "poll" => Ok(QueueOp::Dequeue(
                (!unknown_output(operation)).then(|| operation.output.clone()),
            )),
            other => Err(ModelError::new(
                operation,
                format!("the queue model has no :{other} (expected enqueue, dequeue)"),
            )),
        }
    }

    fn step(&self, state: &VecDeque<Value>, op: &QueueOp) -> Option<VecDeque<Value>> {
        let mut next = state.clone();
        match op {
            QueueOp::Enqueue(value) => {
                next.push_back(value.clone());
                Some(next)
            }
            QueueOp::Dequeue(None) => {
                next.pop_front();
                Some(next)
            }
            QueueOp::Dequeue(Some(Value::Nil)) => state.is_empty().then_some(next),
            QueueOp::Dequeue(Some(value)) => {
                (next.pop_front().as_ref() == Some(value)).then_some(next)
            }
        }
    }

    fn describe_state(&self, state: &VecDeque<Value>) -> String {
        Value::List(state.iter().cloned().collect()).to_string()
    }
}

/// A counter: `add`/`increment` by the input (1 if none), `read` returns the total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter;

/// A decoded counter operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CounterOp {
    /// Add an amount.
    Add(i64),
    /// Read the total (`None`: unknown).
    Read(Option<i64>),
}

impl Model for Counter {
    type State = i64;
    type Op = CounterOp;

    fn init(&self) -> i64 {
        0
    }

    fn decode(&self, operation: &Operation) -> Result<CounterOp, ModelError> {
        match operation.f.as_str() {
            "add" | "increment" | "incr" | "inc" => match &operation.input {
                Value::Nil => Ok(CounterOp::Add(1)),
                Value::Int(n) => Ok(CounterOp::Add(*n)),
                other => Err(ModelError::new(
                    operation,
                    format!("counter add needs an integer, found {other}"),
                )),
            },
            "read" => {
                if unknown_output(operation) || operation.output.is_nil() {
                    return Ok(CounterOp::Read(None));
                }
                match operation.output.as_int() {
                    Some(n) => Ok(CounterOp::Read(Some(n))),
                    None => Err(ModelError::new(
                        operation,
                        format!(
                            "counter read must return an integer, found {}",
                            operation.output
                        ),
                    )),
                }
            }
            other => Err(ModelError::new(
                operation,
                format!("the counter model has no :{other} (expected add, read)"),
            )),
        }
    }

    fn step(&self, total: &i64, op: &CounterOp) -> Option<i64> {
        match op {
            CounterOp::Add(n) => Some(total.wrapping_add(*n)),
            CounterOp::Read(None) => Some(*total),
            CounterOp::Read(Some(n)) => (n == total).then_some(*total),
        }
    }

    fn is_read_only(&self, op: &CounterOp) -> bool {
        matches!(op, CounterOp::Read(_))
    }

    fn describe_state(&self, total: &i64) -> String {
        total.to_string()
    }
}

/// The built-in models, by the names the CLI uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// [`Register`] with compare-and-set.
    CasRegister,
    /// [`Register`] without compare-and-set.
    Register,
    /// [`Kv`].
    Kv,
    /// [`MultiRegister`].
    MultiRegister,
    /// [`Mutex`].
    Mutex,
    /// [`Set`].
    Set,
    /// [`Queue`].
    Queue,
    /// [`Counter`].
    Counter,
}

impl ModelKind {
    /// Every built-in model.
    pub const ALL: [ModelKind; 8] = [
        ModelKind::CasRegister,
        ModelKind::Register,
        ModelKind::Kv,
        ModelKind::MultiRegister,
        ModelKind::Mutex,
        ModelKind::Set,
        ModelKind::Queue,
        ModelKind::Counter,
    ];

    /// The CLI name, such as `cas-register`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::CasRegister => "cas-register",
            ModelKind::Register => "register",
            ModelKind::Kv => "kv",
            ModelKind::MultiRegister => "multi-register",
            ModelKind::Mutex => "mutex",
            ModelKind::Set => "set",
            ModelKind::Queue => "queue",
            ModelKind::Counter => "counter",
        }
    }

    /// Parses a CLI name.
    pub fn parse(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Settings for the built-in models; `None` fields take defaults from the history's format.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelOptions {
    /// Initial value of the register(s) or of every key.
    pub initial: Option<Value>,
}

impl ModelOptions {
    /// The register model for a format: Knossos EDN histories start at 0 and read `nil` when
    /// unknown; Jepsen logs and JSON Lines start at `nil` and read `nil` when empty.
    pub fn register(&self, format: Format, cas: bool) -> Register {
        let edn = format == Format::JepsenEdn;
        Register {
            initial: self
                .initial
                .clone()
                .unwrap_or(if edn { Value::Int(0) } else { Value::Nil }),
            nil_read_is_unknown: edn,
            cas,
        }
    }

    /// The kv model: every key starts at the empty string unless `initial` says otherwise.
    pub fn kv(&self) -> Kv {
        Kv {
            initial: self.initial.clone().unwrap_or(Value::Str(String::new())),
        }
    }

    /// The multi-register model: every register starts at `initial` (a map sets them one by
    /// one), 0 by default.
    pub fn multi_register(&self, format: Format) -> MultiRegister {
        let (initial, default) = match &self.initial {
            Some(Value::Map(entries)) => (entries.clone(), Value::Int(0)),
            Some(value) => (Vec::new(), value.clone()),
            None => (Vec::new(), Value::Int(0)),
        };
        MultiRegister {
            initial,
            default,
            nil_read_is_unknown: format == Format::JepsenEdn,
        }
    }
}
