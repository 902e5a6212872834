//! TLC's run-time operators: `TLCSet`/`TLCGet` registers, `TLCGet("config")`, the search's
//! figures (`TLCGet("stats")`, `"distinct"`, `"generated"`, `"queue"`, `"diameter"`,
//! `"duration"`), `TLCSet("exit", TRUE)` and `-D` properties, with TLC's meaning
//! (`tlc2.module.TLCGetSet`).
//!
//! Registers belong to a worker, as in TLC: `TLCSet(i, v)` during the search sets worker's own
//! register `i`; outside the search (an ASSUME) it sets the register of every worker, which is
//! how specs initialise them (`ASSUME TLCSet(1, 0)`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::RwLock;
use valence_check::Progress;

use crate::ast::Span;
use crate::eval::{fail, EResult};
use crate::value::{Sym, Value};

/// How a check is run, as `TLCGet("config")` reports it; known before the spec loads (an
/// ASSUME may read it).
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// TLC's mode: `"bfs"` for an exhaustive breadth-first search, `"dfs"` for depth-first,
    /// `"simulate"` for random walks.
    pub mode: &'static str,
    /// Worker threads.
    pub workers: usize,
    /// The seed of random choices.
    pub seed: u64,
    /// The depth bound (`-1`: none).
    pub depth: i64,
    /// The number of random walks (`-1`: no bound, or not a simulation).
    pub traces: i64,
    /// Overrides the configuration's CHECK_DEADLOCK (the command line's `--no-deadlock`).
    pub deadlock: Option<bool>,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            mode: "bfs",
            workers: 1,
            seed: 0,
            depth: -1,
            traces: -1,
            deadlock: None,
        }
    }
}

/// A register name: `TLCSet(3, v)` or a named one, `TLCSet("s:count", v)`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Register {
    Index(i64),
    Named(Sym),
}

impl Register {
    /// The register `key` names: a number at least 0, or a string starting with `s:`.
    fn of(key: &Value) -> Option<Register> {
        match key {
            Value::Int(i) if *i >= 0 => Some(Register::Index(*i)),
            Value::Str(s) if s.text().starts_with("s:") => Some(Register::Named(*s)),
            _ => None,
        }
    }
}

/// The run-time state TLC's operators read and change.
#[derive(Debug)]
pub struct Run {
    settings: RwLock<RunSettings>,
    /// CHECK_DEADLOCK after the command line's override.
    deadlock: AtomicBool,
    progress: RwLock<Option<Arc<Progress>>>,
    /// Registers set outside the search: every worker starts with them.
    shared: RwLock<HashMap<Register, Value>>,
    /// The registers each worker set during the search, by worker
    /// ([`valence_check::worker_index`]): a worker keeps them from one BFS level to the next,
    /// as TLC's long-lived worker threads do.
    own: parking_lot::Mutex<HashMap<(usize, Register), Value>>,
    /// `TLCSet("-Dkey", v)`.
    properties: RwLock<HashMap<String, String>>,
    /// Whether `TLCSet("exit", TRUE)` stopped the search.
    exit: AtomicBool,
    /// The number of initial states, once computed.
    initial: AtomicU64,
    started: Instant,
}

impl Default for Run {
    fn default() -> Self {
        Run::new(RunSettings::default())
    }
}

impl Run {
    /// A run with `settings`.
    pub fn new(settings: RunSettings) -> Run {
        Run {
            deadlock: AtomicBool::new(settings.deadlock.unwrap_or(true)),
            settings: RwLock::new(settings),
            progress: RwLock::new(None),
            shared: RwLock::new(HashMap::new()),
            own: parking_lot::Mutex::new(HashMap::new()),
            properties: RwLock::new(HashMap::new()),
            exit: AtomicBool::new(false),
            initial: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Records whether deadlock is checked (the configuration's CHECK_DEADLOCK, unless the
    /// settings override it).
    pub(crate) fn set_deadlock(&self, from_config: bool) {
        let value = self.settings.read().deadlock.unwrap_or(from_config);
        self.deadlock.store(value, Ordering::Relaxed);
    }

    /// Keeps the search's counters, from when it starts.
    pub(crate) fn attach(&self, progress: &Arc<Progress>) {
        *self.progress.write() = Some(Arc::clone(progress));
    }

    /// Records the number of initial states.
    pub(crate) fn set_initial(&self, count: usize) {
        self.initial.store(count as u64, Ordering::Relaxed);
    }

    /// Whether the spec stopped the search with `TLCSet("exit", TRUE)`.
    pub fn exit_requested(&self) -> bool {
        self.exit.load(Ordering::Relaxed)
    }

    fn in_search(&self) -> bool {
        self.progress.read().is_some()
    }

    fn register(&self, key: &Register) -> Option<Value> {
        let worker = valence_check::worker_index();
        let own = self.own.lock().get(&(worker, key.clone())).cloned();
        own.or_else(|| self.shared.read().get(key).cloned())
    }

    fn set_register(&self, key: Register, value: Value) {
        if self.in_search() {
            let worker = valence_check::worker_index();
            self.own.lock().insert((worker, key), value);
        } else {
            self.shared.write().insert(key, value);
        }
    }

    fn counter(&self, read: impl Fn(&Progress) -> u64) -> i64 {
        self.progress
            .read()
            .as_deref()
            .map_or(0, |p| i64::try_from(read(p)).unwrap_or(i64::MAX))
    }

    fn figure(&self, name: &str) -> Option<i64> {
        Some(match name {
            "distinct" => self.counter(|p| p.distinct.load(Ordering::Relaxed)),
            "generated" => self.counter(|p| p.generated.load(Ordering::Relaxed)),
            "queue" => self.counter(|p| p.queued.load(Ordering::Relaxed)),
            "diameter" => self.counter(|p| p.depth.load(Ordering::Relaxed) as u64),
            "duration" => self.started.elapsed().as_secs() as i64,
            _ => return None,
        })
    }

    /// `TLCGet(key)`, except `TLCGet("level")`, which depends on the state evaluated.
    pub(crate) fn get(&self, key: &Value, span: Span) -> EResult<Value> {
        if let Some(register) = Register::of(key) {
            return self.register(&register).ok_or_else(|| {
                crate::eval::error(
                    span,
                    format!(
                        "TLCGet({}) is undefined: no TLCSet({}, ...) was evaluated before it",
                        key.to_tlc(),
                        key.to_tlc()
                    ),
                )
            });
        }
        let Value::Str(s) = key else {
            return fail(
                span,
                format!(
                    "the argument of TLCGet should be a nonnegative integer or a string, but \
                     instead it is {}",
                    key.to_tlc()
                ),
            );
        };
        let text = s.text();
        if let Some(figure) = self.figure(&text) {
            return Ok(Value::Int(figure));
        }
        if let Some(property) = text.strip_prefix("-D") {
            // An unset property reads as the key itself, as in TLC, except the switch of TLC's
            // action composition, which valence always has.
            let value = self.properties.read().get(property).cloned();
            let value = value
                .or_else(|| (property == "tlc2.tool.impl.Tool.cdot").then(|| "true".to_string()));
            return Ok(Value::string(value.as_deref().unwrap_or(&text)));
        }
        match &*text {
            "config" => Ok(self.config()),
            "stats" => Ok(self.stats()),
            _ => fail(
                span,
                format!(
                    "unsupported: TLCGet({}); valence supports \"level\", \"config\", \"stats\", \
                     \"distinct\", \"generated\", \"queue\", \"diameter\", \"duration\", registers \
                     (a number or \"s:name\") and \"-Dkey\"",
                    key.to_tlc()
                ),
            ),
        }
    }

    /// `TLCGetOrDefault(key, default)` of module TLCExt.
    pub(crate) fn get_or_default(&self, key: &Value, default: Value, span: Span) -> EResult<Value> {
        match Register::of(key) {
            Some(register) => Ok(self.register(&register).unwrap_or(default)),
            None => self.get(key, span),
        }
    }

    /// `TLCSet(key, value)`: `TRUE`, after its effect.
    pub(crate) fn set(&self, key: &Value, value: Value, span: Span) -> EResult<Value> {
        if let Some(register) = Register::of(key) {
            self.set_register(register, value);
            return Ok(Value::Bool(true));
        }
        let Value::Str(s) = key else {
            return bad_set_key(key, span);
        };
        let text = s.text();
        if let Some(property) = text.strip_prefix("-D") {
            // TLC stores the value as it prints it (a string with its quotes).
            self.properties
                .write()
                .insert(property.to_string(), value.to_tlc());
        } else if &*text == "exit" {
            // It stops the main search; the liveness pass and the rebuilding of traces that
            // follow it evaluate the spec again, and are not stopped (TLC does not evaluate the
            // next-state relation again there).
            let progress = self.progress.read();
            let searching = progress.as_deref().is_some_and(|p| {
                p.liveness_states.load(Ordering::Relaxed) == 0
                    && !p.rebuilding_traces.load(Ordering::Relaxed)
            });
            if matches!(value, Value::Bool(true)) && searching {
                self.exit.store(true, Ordering::Relaxed);
                if let Some(progress) = progress.as_deref() {
                    progress.stopped_by_model.store(true, Ordering::Relaxed);
                    progress.cancel.store(true, Ordering::Relaxed);
                }
            }
        } else if &*text != "pause" {
            // "pause" waits for a key press in TLC; a check here never stops for input.
            return bad_set_key(key, span);
        }
        Ok(Value::Bool(true))
    }

    /// `TLCGet("config")`: TLC's fields for its mode.
    fn config(&self) -> Value {
        let settings = self.settings.read();
        let install = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut fields = vec![
            (Sym::new("mode"), Value::string(settings.mode)),
            (
                Sym::new("deadlock"),
                Value::Bool(self.deadlock.load(Ordering::Relaxed)),
            ),
            (
                Sym::new("worker"),
                Value::Int(i64::try_from(settings.workers).unwrap_or(i64::MAX)),
            ),
            (Sym::new("seed"), Value::string(&settings.seed.to_string())),
            (Sym::new("fingerprint"), Value::string("0")),
            (Sym::new("install"), Value::string(&install)),
        ];
        if settings.mode != "bfs" {
            fields.push((Sym::new("depth"), Value::Int(settings.depth)));
            fields.push((Sym::new("traces"), Value::Int(settings.traces)));
        }
        Value::record(fields)
    }

    /// `TLCGet("stats")`: the search's figures so far (0 before it starts), TLC's fields.
    fn stats(&self) -> Value {
        let mut fields: Vec<(Sym, Value)> =
            ["queue", "distinct", "generated", "diameter", "duration"]
                .into_iter()
                .map(|name| (Sym::new(name), Value::Int(self.figure(name).unwrap_or(0))))
                .collect();
        let initial = i64::try_from(self.initial.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        fields.push((Sym::new("initial"), Value::Int(initial)));
        fields.push((Sym::new("worker"), Value::Int(0)));
        Value::record(fields)
    }
}

fn bad_set_key(key: &Value, span: Span) -> EResult<Value> {
    fail(
        span,
        format!(
            "the first argument of TLCSet should be a nonnegative integer, \"exit\", \"pause\", \
             \"s:name\" or \"-Dkey\", but instead it is {}",
            key.to_tlc()
        ),
    )
}

/// `JavaTime`: seconds since the epoch, as TLC gives them (31 bits).
pub(crate) fn java_time() -> Value {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Value::Int((seconds & 0x7FFF_FFFF) as i64)
}
