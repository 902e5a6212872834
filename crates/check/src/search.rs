//! The search strategies: parallel breadth-first, depth-first, and seeded random walks.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::fingerprint::{Fingerprint, FingerprintHashSet, FingerprintSet, ParentMap, Visited};
use crate::model::{Condition, Model, ModelError, Property, PropertyKind};
use crate::report::{ErrorReport, PropertyReport, Report, Status, StopReason, Trace, TraceStep};

/// How the state space is explored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Strategy {
    /// Breadth-first, level by level, on all threads: shortest traces.
    Bfs,
    /// Depth-first, on one thread: little memory for the frontier, long traces.
    Dfs,
    /// Random walks from the initial states, reproducible from `seed`.
    Random {
        /// The seed of the walks' generator (ChaCha8).
        seed: u64,
        /// How many walks to run.
        walks: u64,
    },
}

/// The depth of each random walk when no `max_depth` is given.
pub const RANDOM_WALK_DEPTH_DEFAULT: usize = 1_000;

/// Options of one check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The strategy.
    pub strategy: Strategy,
    /// Worker threads for breadth-first search (at least 1).
    pub threads: usize,
    /// States deeper than this (an initial state has depth 1) are not expanded.
    pub max_depth: Option<usize>,
    /// Stop after this many distinct states.
    pub max_states: Option<u64>,
    /// Use the model's symmetry reduction.
    pub symmetry: bool,
    /// Keep searching after a violation until every property is decided or the space is
    /// exhausted.
    pub keep_going: bool,
    /// Check for deadlocks; `None` follows the model.
    pub deadlock: Option<bool>,
    /// Live counters for a progress display, and a cancellation flag.
    pub progress: Option<Arc<Progress>>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            strategy: Strategy::Bfs,
            threads: 1,
            max_depth: None,
            max_states: None,
            symmetry: false,
            keep_going: false,
            deadlock: None,
            progress: None,
        }
    }
}

/// Counters a search updates as it goes, for a progress display on another thread.
#[derive(Debug, Default)]
pub struct Progress {
    /// Distinct states so far.
    pub distinct: AtomicU64,
    /// Generated states so far.
    pub generated: AtomicU64,
    /// The depth being explored.
    pub depth: AtomicUsize,
    /// States waiting to be expanded.
    pub queued: AtomicU64,
    /// Set to stop the search early; it then reports `StopReason::Cancelled`.
    pub cancel: AtomicBool,
    /// Set with `cancel` when the model itself asked to stop (TLC's `TLCSet("exit", TRUE)`).
    pub stopped_by_model: AtomicBool,
    /// Set while a trace is being rebuilt after the main search.
    pub rebuilding_traces: AtomicBool,
    /// States in the liveness graph so far, while the liveness properties are checked after the
    /// main search (0 before).
    pub liveness_states: AtomicU64,
}

thread_local! {
    /// The number of the search's worker running on this thread (see [`worker_index`]).
    static WORKER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The number of the search's worker running on this thread: 0 for the thread that called
/// [`check`], 1 to `threads - 1` for the others, the same number for the same worker at every
/// level of a breadth-first search although its thread is new. A front end with per-worker
/// state (TLC's `TLCSet` registers) keys it by this number.
pub fn worker_index() -> usize {
    WORKER.with(|w| w.get())
}

/// Numbers the worker running on this thread (see [`worker_index`]).
pub(crate) fn set_worker_index(index: usize) {
    WORKER.with(|w| w.set(index));
}

/// Checks `model` with `options`.
pub fn check<M: Model>(model: &M, options: &CheckOptions) -> Report {
    assert!(
        !options.symmetry || model.has_symmetry(),
        "symmetry requested for a model without symmetry"
    );
    let progress = options.progress.clone().unwrap_or_default();
    model.attach_progress(&progress);
    let search = Search::new(model, options, &progress);
    let mut report = match options.strategy {
        Strategy::Bfs => search.bfs(),
        Strategy::Dfs => search.dfs(),
        Strategy::Random { seed, walks } => search.random(seed, walks),
    };
    if search.liveness {
        crate::liveness::check_liveness(
            model,
            options,
            &progress,
            &|s| search.fingerprint(s),
            &mut report,
        );
    }
    check_final(&search.properties, model, &mut report);
    report
}

/// Evaluates the conditions on the run ([`Condition::Final`]) once the search and the liveness
/// check are over, unless the model raised an error: as TLC does with its POSTCONDITIONs,
/// also after a violation or a stop the model asked for.
fn check_final<M: Model>(properties: &[Property<M>], model: &M, report: &mut Report) {
    for (slot, property) in properties.iter().enumerate() {
        let Condition::Final(condition) = &property.condition else {
            continue;
        };
        if report.error.is_some() {
            return;
        }
        match condition(model) {
            Ok(holds) => {
                report.properties[slot].status = if holds {
                    Status::Holds
                } else {
                    Status::Violated
                };
            }
            Err(error) => {
                report.error = Some(ErrorReport {
                    message: format!("evaluating `{}`: {}", property.name, error.message),
                    trace: None,
                });
            }
        }
    }
}

/// Where a property was decided, so that its trace can be rebuilt.
#[derive(Clone, Debug)]
enum Target {
    /// The state with this fingerprint, found at this depth by breadth-first search.
    State { fp: Fingerprint, depth: usize },
    /// The `index`-th successor of the state with fingerprint `fp`.
    Step {
        fp: Fingerprint,
        depth: usize,
        index: usize,
    },
    /// A trace already known (depth-first search and random walks keep their path).
    Known(Trace),
}

struct Discovery {
    target: Target,
}

/// What one worker has learned, merged into the search at the end of a chunk.
#[derive(Default)]
struct Tally {
    generated: u64,
    inserted: u64,
}

struct Search<'a, M: Model> {
    model: &'a M,
    options: &'a CheckOptions,
    progress: &'a Progress,
    properties: Vec<Property<M>>,
    deadlock: bool,
    /// Per property, plus one slot for deadlock freedom at the end.
    decided: Vec<AtomicBool>,
    discoveries: Mutex<Vec<Option<Discovery>>>,
    error: Mutex<Option<(ModelError, Target)>>,
    stop: AtomicBool,
    stop_reason: Mutex<Option<StopReason>>,
    bounded: AtomicBool,
    /// Whether `max_depth` (a bound of the search, not of the model) cut anything off.
    depth_limited: AtomicBool,
    generated: AtomicU64,
    /// Distinct states inserted by breadth-first search, kept apart from the set so that
    /// reading it costs no lock.
    distinct: AtomicU64,
    /// Whether any property is evaluated on steps.
    step_properties: bool,
    /// Whether any property is a liveness property.
    liveness: bool,
}

/// One breadth-first level: chunks of states with their fingerprints. A worker takes a chunk
/// whole and drops each state once expanded, while it is still in cache, rather than the
/// whole level at its end.
type Level<M> = Vec<Vec<(<M as Model>::State, Fingerprint)>>;
/// A path of states, each with the action that led to it.
pub(crate) type Path<M> = Vec<(Option<<M as Model>::Action>, <M as Model>::State)>;

/// The most states in a chunk of a level (see [`Level`]).
const CHUNK: usize = 256;
/// Chunks a worker gathers before handing them over to the next level.
const SEGMENT: usize = 256;

/// A breadth-first worker's reusable buffers.
struct Buffers<M: Model> {
    actions: Vec<M::Action>,
    successors: Vec<(M::Action, M::State)>,
    /// Where each of `successors` is among all the successors, when some were left out.
    positions: Vec<usize>,
    /// Successors waiting for their batch insert, with their fingerprints ...
    pending: Vec<(M::State, Fingerprint)>,
    /// ... and the fingerprints of the states they came from.
    parents: Vec<Fingerprint>,
    /// The fingerprints of `pending`: a state reached again before the batch insert is left
    /// out at once, rather than built, queued and dropped cold after the insert.
    pending_fps: FingerprintHashSet,
    shard: Vec<u32>,
    offsets: Vec<usize>,
    sorted: Vec<(Fingerprint, Fingerprint)>,
    position: Vec<usize>,
    new: Vec<bool>,
}

impl<M: Model> Default for Buffers<M> {
    fn default() -> Self {
        Buffers {
            actions: Vec::new(),
            successors: Vec::new(),
            positions: Vec::new(),
            pending: Vec::new(),
            parents: Vec::new(),
            pending_fps: FingerprintHashSet::default(),
            shard: Vec::new(),
            offsets: Vec::new(),
            sorted: Vec::new(),
            position: Vec::new(),
            new: Vec::new(),
        }
    }
}

impl<'a, M: Model> Search<'a, M> {
    fn new(model: &'a M, options: &'a CheckOptions, progress: &'a Progress) -> Self {
        let properties: Vec<Property<M>> = model.properties();
        let deadlock = options.deadlock.unwrap_or_else(|| model.checks_deadlock());
        let slots = properties.len() + 1;
        let step_properties = properties
            .iter()
            .any(|p| matches!(p.condition, Condition::Step(_)));
        let liveness = properties.iter().any(|p| p.kind.is_liveness());
        Search {
            model,
            options,
            progress,
            properties,
            deadlock,
            decided: (0..slots).map(|_| AtomicBool::new(false)).collect(),
            discoveries: Mutex::new((0..slots).map(|_| None).collect()),
            error: Mutex::new(None),
            stop: AtomicBool::new(false),
            stop_reason: Mutex::new(None),
            bounded: AtomicBool::new(false),
            depth_limited: AtomicBool::new(false),
            generated: AtomicU64::new(0),
            distinct: AtomicU64::new(0),
            step_properties,
            liveness,
        }
    }

    fn deadlock_slot(&self) -> usize {
        self.properties.len()
    }

    fn fingerprint(&self, state: &M::State) -> Fingerprint {
        let fp = if self.options.symmetry {
            self.model.symmetric_fingerprint(state)
        } else {
            self.model.fingerprint(state)
        };
        // 0 marks an empty slot; a model's own fingerprint function may produce it.
        fp.max(1)
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.progress.cancel.load(Ordering::Relaxed)
    }

    fn halt(&self, reason: StopReason) {
        let mut current = self.stop_reason.lock();
        if current.is_none() {
            *current = Some(reason);
        }
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Records the first discovery for property `slot`; stops the search when that settles
    /// everything or when a failure ends it.
    fn decide(&self, slot: usize, target: impl FnOnce() -> Target) {
        if self.decided[slot].swap(true, Ordering::AcqRel) {
            return;
        }
        self.discoveries.lock()[slot] = Some(Discovery { target: target() });
        let failure =
            slot == self.deadlock_slot() || self.properties[slot].kind == PropertyKind::Always;
        if failure && !self.options.keep_going {
            self.halt(StopReason::Violation);
        } else if self.all_decided() {
            self.halt(StopReason::AllDecided);
        }
    }

    fn all_decided(&self) -> bool {
        let properties = self.properties.len();
        (0..properties).all(|i| self.decided[i].load(Ordering::Acquire))
            && (!self.deadlock || self.decided[properties].load(Ordering::Acquire))
    }

    fn fail(&self, error: ModelError, target: Target) {
        let mut slot = self.error.lock();
        if slot.is_none() {
            *slot = Some((error, target));
        }
        drop(slot);
        self.halt(StopReason::Violation);
    }

    /// Evaluates the state properties of a newly seen state. `target` says how to find it again.
    fn check_state(&self, state: &M::State, target: &dyn Fn() -> Target) {
        for (slot, property) in self.properties.iter().enumerate() {
            let Condition::State(condition) = &property.condition else {
                continue;
            };
            if self.decided[slot].load(Ordering::Relaxed) {
                continue;
            }
            match condition(self.model, state) {
                Ok(holds) => {
                    let decided = match property.kind {
                        PropertyKind::Always => !holds,
                        PropertyKind::Sometimes => holds,
                        _ => false,
                    };
                    if decided {
                        self.decide(slot, target);
                    }
                }
                Err(error) => {
                    let error = ModelError::new(format!(
                        "evaluating property `{}`: {}",
                        property.name, error.message
                    ));
                    self.fail(error, target());
                }
            }
        }
    }

    /// Evaluates the step properties of one step. `target` says how to find the step again.
    fn check_step(
        &self,
        previous: &M::State,
        action: &M::Action,
        next: &M::State,
        target: &dyn Fn() -> Target,
    ) {
        for (slot, property) in self.properties.iter().enumerate() {
            let Condition::Step(condition) = &property.condition else {
                continue;
            };
            if self.decided[slot].load(Ordering::Relaxed) {
                continue;
            }
            match condition(self.model, previous, action, next) {
                Ok(true) => {}
                Ok(false) => self.decide(slot, target),
                Err(error) => {
                    let error = ModelError::new(format!(
                        "evaluating property `{}`: {}",
                        property.name, error.message
                    ));
                    self.fail(error, target());
                }
            }
        }
    }

    /// The initial states inside the model, and how many were generated. Those outside it
    /// (TLA+'s CONSTRAINT) are counted and, with `check`, checked, but not kept.
    fn initial_states(&self, check: bool) -> (Vec<M::State>, u64) {
        let all = self.model.init_states();
        let generated = all.len() as u64;
        let mut kept = Vec::with_capacity(all.len());
        for state in all {
            let known = || Target::Known(self.render(&[(None, &state)]));
            match self.model.in_model(None, &state) {
                Ok(true) => kept.push(state),
                Ok(false) => {
                    if check {
                        self.check_state(&state, &known);
                    }
                }
                Err(error) => {
                    self.fail(error, known());
                    break;
                }
            }
        }
        (kept, generated)
    }

    fn has_step_properties(&self) -> bool {
        self.step_properties
    }

    /// Whether a state at `depth` may be expanded.
    fn expandable(&self, state: &M::State, depth: usize) -> bool {
        if self.options.max_depth.is_some_and(|max| depth >= max) {
            self.bounded.store(true, Ordering::Relaxed);
            self.depth_limited.store(true, Ordering::Relaxed);
            return false;
        }
        let within = self.model.within_bounds(state);
        if !within {
            self.bounded.store(true, Ordering::Relaxed);
        }
        within
    }

    fn note_distinct(&self, distinct: u64) {
        if let Some(max) = self.options.max_states {
            if distinct >= max {
                self.halt(StopReason::StateBound);
            }
        }
    }

    // ---------------------------------------------------------------- breadth-first search

    fn bfs(&self) -> Report {
        let visited = FingerprintSet::new(self.options.threads);
        let depth = self.bfs_levels(&visited, None);
        let complete = self.stop_reason.lock().is_none() && !self.should_stop();
        self.finish(visited.len(), depth, complete, visited.bytes())
    }

    /// Runs the level-synchronous search. In rebuild mode (`rebuild` is `Some`), properties are
    /// not evaluated; the search records parents and stops once every target fingerprint is
    /// known or the deepest target's level is done. Returns the depth reached.
    fn bfs_levels<V: Visited>(
        &self,
        visited: &V,
        rebuild: Option<(&HashSet<Fingerprint>, usize)>,
    ) -> usize {
        let mut level: Level<M> = Vec::new();
        let (initial, generated) = self.initial_states(rebuild.is_none());
        for state in initial {
            let fp = self.fingerprint(&state);
            if visited.insert(fp, 0) {
                self.distinct.fetch_add(1, Ordering::Relaxed);
                if rebuild.is_none() {
                    self.check_state(&state, &|| Target::State { fp, depth: 1 });
                }
                match level.last_mut() {
                    Some(chunk) if chunk.len() < CHUNK => chunk.push((state, fp)),
                    _ => level.push(vec![(state, fp)]),
                }
            }
        }
        self.generated.fetch_add(generated, Ordering::Relaxed);
        self.progress
            .generated
            .fetch_add(generated, Ordering::Relaxed);
        let distinct = self.distinct.load(Ordering::Relaxed);
        self.progress.distinct.store(distinct, Ordering::Relaxed);
        self.note_distinct(distinct);

        let mut depth = if level.is_empty() { 0 } else { 1 };
        let threads = self.options.threads.max(1);
        loop {
            let total: usize = level.iter().map(Vec::len).sum();
            if total == 0 || self.should_stop() {
                break;
            }
            if let Some((targets, max_depth)) = rebuild {
                if depth >= max_depth || targets.iter().all(|fp| visited.contains(*fp)) {
                    break;
                }
            }
            self.progress.depth.store(depth, Ordering::Relaxed);
            self.progress.queued.store(total as u64, Ordering::Relaxed);
            let chunk_count = level.len();
            let chunks: Vec<Mutex<Vec<_>>> = level.drain(..).map(Mutex::new).collect();
            let cursor = AtomicUsize::new(0);
            let next: Mutex<Level<M>> = Mutex::new(Vec::new());
            let work = || {
                let mut buffers = Buffers::default();
                let mut out = Vec::new();
                let mut full: Level<M> = Vec::new();
                loop {
                    let index = cursor.fetch_add(1, Ordering::Relaxed);
                    if index >= chunk_count || self.should_stop() {
                        break;
                    }
                    let chunk = std::mem::take(&mut *chunks[index].lock());
                    let mut tally = Tally::default();
                    for entry in chunk {
                        self.expand_bfs(
                            rebuild.is_some(),
                            visited,
                            &entry,
                            depth,
                            &mut buffers,
                            &mut tally,
                        );
                        drop(entry);
                        if self.should_stop() {
                            break;
                        }
                    }
                    self.insert_pending(
                        visited,
                        rebuild.is_some(),
                        depth + 1,
                        &mut buffers,
                        &mut out,
                        &mut tally,
                    );
                    // Whole chunks only: the rest waits for the next batch, so that chunks
                    // (and the batches of the next level) hold CHUNK states.
                    let whole = out.len() / CHUNK * CHUNK;
                    if whole > 0 {
                        let mut states = out.drain(..whole);
                        while states.len() > 0 {
                            full.push(states.by_ref().take(CHUNK).collect());
                        }
                        drop(states);
                        if full.len() >= SEGMENT {
                            next.lock().append(&mut full);
                        }
                    }
                    self.generated.fetch_add(tally.generated, Ordering::Relaxed);
                    self.progress
                        .generated
                        .fetch_add(tally.generated, Ordering::Relaxed);
                    let distinct =
                        self.distinct.fetch_add(tally.inserted, Ordering::Relaxed) + tally.inserted;
                    self.progress.distinct.store(distinct, Ordering::Relaxed);
                    self.note_distinct(distinct);
                }
                if !out.is_empty() {
                    full.push(out);
                }
                if !full.is_empty() {
                    next.lock().append(&mut full);
                }
            };
            if threads == 1 || total < 2 * CHUNK {
                work();
            } else {
                std::thread::scope(|scope| {
                    for index in 1..threads {
                        let work = &work;
                        scope.spawn(move || {
                            set_worker_index(index);
                            work()
                        });
                    }
                    work();
                });
            }
            level = next.into_inner();
            if level.iter().any(|segment| !segment.is_empty()) {
                depth += 1;
            }
        }
        depth
    }

    /// Expands one state: evaluates step properties and queues every successor that is not a
    /// step back to the same state, nor a state already stored that the model left out (see
    /// [`Model::successors_unknown`]), for [`Search::insert_pending`].
    fn expand_bfs<V: Visited>(
        &self,
        rebuilding: bool,
        visited: &V,
        (state, fp): &(M::State, Fingerprint),
        depth: usize,
        buffers: &mut Buffers<M>,
        tally: &mut Tally,
    ) {
        let fp = *fp;
        if !self.expandable(state, depth) {
            return;
        }
        let successors = &mut buffers.successors;
        successors.clear();
        let check_steps = !rebuilding && self.step_properties;
        // Without step properties, a successor already stored is only counted: the model may
        // leave it out unbuilt, if the fingerprints are the model's own (no symmetry).
        buffers.positions.clear();
        let result = if check_steps || self.options.symmetry {
            self.model
                .successors(state, &mut buffers.actions, successors)
                .map(|passed| (passed, 0))
        } else {
            let pending = &buffers.pending_fps;
            let known = |fp: Fingerprint| {
                let fp = fp.max(1);
                visited.contains(fp) || pending.contains(&fp)
            };
            self.model.successors_unknown(
                state,
                &mut buffers.actions,
                successors,
                &known,
                &mut buffers.positions,
            )
        };
        let left_out = match result {
            Ok((passed, left_out)) => {
                tally.generated += passed + left_out;
                left_out
            }
            Err(error) => {
                self.fail(error, Target::State { fp, depth });
                return;
            }
        };
        if successors.is_empty() && left_out == 0 && self.deadlock && !rebuilding {
            self.decide(self.deadlock_slot(), || Target::State { fp, depth });
        }
        for (kept, (action, next)) in successors.drain(..).enumerate() {
            // The position among all the successors, which names the step in a trace.
            let index = buffers.positions.get(kept).copied().unwrap_or(kept);
            tally.generated += 1;
            if check_steps {
                self.check_step(state, &action, &next, &|| Target::Step { fp, depth, index });
            }
            match self.model.in_model(Some(state), &next) {
                Ok(true) => {}
                Ok(false) => {
                    // Outside the model's constraints: checked, neither stored nor expanded.
                    if !rebuilding {
                        self.check_state(&next, &|| Target::Step { fp, depth, index });
                    }
                    continue;
                }
                Err(error) => {
                    self.fail(error, Target::Step { fp, depth, index });
                    return;
                }
            }
            let next_fp = self.fingerprint(&next);
            // A step back to the same state needs no lookup: that state is known. Nor does
            // one already queued: the first of them is inserted, as the batch would.
            if next_fp != fp && buffers.pending_fps.insert(next_fp) {
                buffers.pending.push((next, next_fp));
                buffers.parents.push(fp);
            }
        }
    }

    /// Inserts the queued successors into `visited`, one lock per shard for the whole batch,
    /// and moves the new ones (after evaluating their state properties) to `out`.
    fn insert_pending<V: Visited>(
        &self,
        visited: &V,
        rebuilding: bool,
        depth: usize,
        buffers: &mut Buffers<M>,
        out: &mut Vec<(M::State, Fingerprint)>,
        tally: &mut Tally,
    ) {
        let count = buffers.pending.len();
        if count == 0 {
            return;
        }
        // Counting sort of the queued fingerprints by shard.
        let shards = visited.shard_count();
        buffers.offsets.clear();
        buffers.offsets.resize(shards + 1, 0);
        buffers.shard.clear();
        for (_, fp) in &buffers.pending {
            let shard = visited.shard_of(*fp);
            buffers.shard.push(shard as u32);
            buffers.offsets[shard + 1] += 1;
        }
        for shard in 0..shards {
            buffers.offsets[shard + 1] += buffers.offsets[shard];
        }
        buffers.sorted.clear();
        buffers.sorted.resize(count, (0, 0));
        buffers.position.clear();
        buffers.position.resize(count, 0);
        let mut fill = buffers.offsets.clone();
        for (i, ((_, fp), &shard)) in buffers.pending.iter().zip(&buffers.shard).enumerate() {
            let at = fill[shard as usize];
            fill[shard as usize] += 1;
            buffers.sorted[at] = (*fp, buffers.parents[i]);
            buffers.position[i] = at;
        }
        buffers.new.clear();
        buffers.new.resize(count, false);
        for shard in 0..shards {
            let range = buffers.offsets[shard]..buffers.offsets[shard + 1];
            if !range.is_empty() {
                visited.insert_batch(
                    shard,
                    &buffers.sorted[range.clone()],
                    &mut buffers.new[range],
                );
            }
        }
        for (i, (next, next_fp)) in buffers.pending.drain(..).enumerate() {
            if !buffers.new[buffers.position[i]] {
                continue;
            }
            tally.inserted += 1;
            if !rebuilding {
                self.check_state(&next, &|| Target::State { fp: next_fp, depth });
            }
            out.push((next, next_fp));
        }
        buffers.parents.clear();
        buffers.pending_fps.clear();
    }

    // ---------------------------------------------------------------- depth-first search

    fn dfs(&self) -> Report {
        let visited = FingerprintSet::new(1);
        let mut max_depth = 0;
        let mut generated = 0u64;
        let step_properties = self.has_step_properties();
        let mut scratch = Vec::new();
        let (initial, initial_generated) = self.initial_states(true);
        generated += initial_generated;
        'walk: for init in initial {
            if !visited.insert(self.fingerprint(&init)) {
                continue;
            }
            let mut stack: Vec<DfsFrame<M>> = vec![DfsFrame::new(None, init)];
            self.check_state(&stack[0].state, &|| {
                Target::Known(self.render_stack(&stack, None))
            });
            while !stack.is_empty() {
                if self.should_stop() {
                    break 'walk;
                }
                let depth = stack.len();
                let top = depth - 1;
                if !stack[top].expanded {
                    stack[top].expanded = true;
                    max_depth = max_depth.max(depth);
                    self.progress.depth.store(depth, Ordering::Relaxed);
                    if !self.expandable(&stack[top].state, depth) {
                        continue;
                    }
                    let mut successors = Vec::new();
                    let result =
                        self.model
                            .successors(&stack[top].state, &mut scratch, &mut successors);
                    match result {
                        Ok(passed) => generated += passed,
                        Err(error) => {
                            self.fail(error, Target::Known(self.render_stack(&stack, None)));
                            break 'walk;
                        }
                    }
                    generated += successors.len() as u64;
                    self.progress.generated.store(generated, Ordering::Relaxed);
                    if successors.is_empty() && self.deadlock {
                        self.decide(self.deadlock_slot(), || {
                            Target::Known(self.render_stack(&stack, None))
                        });
                    }
                    // Successors outside the model's constraints are checked, not visited.
                    let mut kept = Vec::with_capacity(successors.len());
                    for (action, next) in successors {
                        match self.model.in_model(Some(&stack[top].state), &next) {
                            Ok(true) => kept.push((action, next)),
                            Ok(false) => self.check_state(&next, &|| {
                                Target::Known(self.render_stack(&stack, Some((&action, &next))))
                            }),
                            Err(error) => {
                                self.fail(error, Target::Known(self.render_stack(&stack, None)));
                                break 'walk;
                            }
                        }
                    }
                    let mut successors = kept;
                    // Popped from the back, so reverse to visit in the model's order.
                    successors.reverse();
                    stack[top].successors = successors;
                    continue;
                }
                let Some((action, next)) = stack[top].successors.pop() else {
                    stack.pop();
                    continue;
                };
                if step_properties {
                    self.check_step(&stack[top].state, &action, &next, &|| {
                        Target::Known(self.render_stack(&stack, Some((&action, &next))))
                    });
                }
                if visited.insert(self.fingerprint(&next)) {
                    let distinct = visited.len();
                    self.progress.distinct.store(distinct, Ordering::Relaxed);
                    self.note_distinct(distinct);
                    stack.push(DfsFrame::new(Some(action), next));
                    let state = &stack[stack.len() - 1].state;
                    self.check_state(state, &|| Target::Known(self.render_stack(&stack, None)));
                }
            }
        }
        self.generated.store(generated, Ordering::Relaxed);
        let complete = self.stop_reason.lock().is_none() && !self.should_stop();
        self.finish(visited.len(), max_depth, complete, visited.bytes())
    }

    fn render_stack(&self, stack: &[DfsFrame<M>], extra: Option<(&M::Action, &M::State)>) -> Trace {
        let mut states: Vec<(Option<&M::Action>, &M::State)> = stack
            .iter()
            .map(|frame| (frame.action.as_ref(), &frame.state))
            .collect();
        if let Some((action, state)) = extra {
            states.push((Some(action), state));
        }
        self.render(&states)
    }

    // ---------------------------------------------------------------- random walks

    fn random(&self, seed: u64, walks: u64) -> Report {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let visited = FingerprintSet::new(1);
        let (init, mut generated) = self.initial_states(true);
        let max_walk = self.options.max_depth.unwrap_or(RANDOM_WALK_DEPTH_DEFAULT);
        let mut max_depth = 0;
        let mut successors = Vec::new();
        let mut scratch = Vec::new();
        for _ in 0..walks {
            if init.is_empty() || self.should_stop() {
                break;
            }
            let start = init[rng.random_range(0..init.len())].clone();
            let mut path: Vec<(Option<M::Action>, M::State)> = vec![(None, start)];
            loop {
                let (_, state) = path.last().expect("path");
                if visited.insert(self.fingerprint(state)) {
                    let distinct = visited.len();
                    self.progress.distinct.store(distinct, Ordering::Relaxed);
                    self.note_distinct(distinct);
                }
                let render = |path: &[(Option<M::Action>, M::State)]| {
                    let states: Vec<_> = path.iter().map(|(a, s)| (a.as_ref(), s)).collect();
                    self.render(&states)
                };
                self.check_state(state, &|| Target::Known(render(&path)));
                max_depth = max_depth.max(path.len());
                if self.should_stop() || path.len() >= max_walk {
                    break;
                }
                if !self.model.within_bounds(state) {
                    self.bounded.store(true, Ordering::Relaxed);
                    break;
                }
                successors.clear();
                match self.model.successors(state, &mut scratch, &mut successors) {
                    Ok(passed) => generated += passed,
                    Err(error) => {
                        self.fail(error, Target::Known(render(&path)));
                        break;
                    }
                }
                generated += successors.len() as u64;
                self.progress.generated.store(generated, Ordering::Relaxed);
                if successors.is_empty() {
                    if self.deadlock {
                        self.decide(self.deadlock_slot(), || Target::Known(render(&path)));
                    }
                    break;
                }
                // Successors outside the model's constraints are checked, never walked to.
                let mut failed = None;
                successors.retain(
                    |(action, next)| match self.model.in_model(Some(state), next) {
                        Ok(true) => true,
                        Ok(false) => {
                            self.check_state(next, &|| {
                                let mut states: Vec<_> =
                                    path.iter().map(|(a, s)| (a.as_ref(), s)).collect();
                                states.push((Some(action), next));
                                Target::Known(self.render(&states))
                            });
                            false
                        }
                        Err(error) => {
                            failed.get_or_insert(error);
                            false
                        }
                    },
                );
                if let Some(error) = failed {
                    self.fail(error, Target::Known(render(&path)));
                    break;
                }
                if successors.is_empty() {
                    break;
                }
                let (action, next) = successors.swap_remove(rng.random_range(0..successors.len()));
                self.check_step(state, &action, &next, &|| {
                    let mut states: Vec<_> = path.iter().map(|(a, s)| (a.as_ref(), s)).collect();
                    states.push((Some(&action), &next));
                    Target::Known(self.render(&states))
                });
                path.push((Some(action), next));
            }
        }
        self.generated.store(generated, Ordering::Relaxed);
        self.finish(visited.len(), max_depth, false, visited.bytes())
    }

    // ---------------------------------------------------------------- reports and traces

    fn render(&self, states: &[(Option<&M::Action>, &M::State)]) -> Trace {
        render(self.model, states)
    }

    fn finish(&self, distinct: u64, depth: usize, complete: bool, bytes: usize) -> Report {
        self.progress.distinct.store(distinct, Ordering::Relaxed);
        let stopped = *self.stop_reason.lock();
        let stopped = stopped.or_else(|| {
            self.progress
                .cancel
                .load(Ordering::Relaxed)
                .then_some(StopReason::Cancelled)
        });
        let bounded = self.bounded.load(Ordering::Relaxed);
        let exhaustive = complete && stopped.is_none();
        if exhaustive {
            // Nothing is left to expand (the figure was last set when a level started).
            self.progress.queued.store(0, Ordering::Relaxed);
        }
        // A sometimes-property missed by a search cut short by --max-depth is undecided; the
        // model's own bounds, by contrast, define the system being checked.
        let decisive = exhaustive && !self.depth_limited.load(Ordering::Relaxed);
        let mut discoveries = std::mem::take(&mut *self.discoveries.lock());
        let error = self.error.lock().take();

        // Rebuild the traces that breadth-first search only knows by fingerprint.
        let mut targets: Vec<&Target> = discoveries.iter().flatten().map(|d| &d.target).collect();
        if let Some((_, target)) = &error {
            targets.push(target);
        }
        let rebuilt = self.rebuild(&targets);

        let mut properties = Vec::new();
        for (slot, property) in self.properties.iter().enumerate() {
            let discovery = discoveries[slot].take();
            let status = match (property.kind, &discovery) {
                (PropertyKind::Always, Some(_)) => Status::Violated,
                (PropertyKind::Sometimes, Some(_)) => Status::Found,
                (PropertyKind::Always, None) if stopped.is_none() => Status::Holds,
                (PropertyKind::Sometimes, None) if decisive => Status::NotFound,
                _ => Status::Unknown,
            };
            properties.push(PropertyReport {
                name: property.name.clone(),
                kind: property.kind,
                status,
                trace: discovery.and_then(|d| rebuilt.trace(&d.target)),
            });
        }
        if self.deadlock {
            let discovery = discoveries[self.deadlock_slot()].take();
            let status = match &discovery {
                Some(_) => Status::Violated,
                None if stopped.is_none() => Status::Holds,
                None => Status::Unknown,
            };
            properties.push(PropertyReport {
                name: "deadlock-free".to_string(),
                kind: PropertyKind::Deadlock,
                status,
                trace: discovery.and_then(|d| rebuilt.trace(&d.target)),
            });
        }
        let error = error.map(|(error, target)| ErrorReport {
            message: error.message,
            trace: rebuilt.trace(&target),
        });
        Report {
            distinct_states: distinct,
            generated_states: self.generated.load(Ordering::Relaxed),
            depth,
            complete: exhaustive,
            stopped,
            bounded,
            properties,
            error,
            fingerprint_bytes: bytes,
        }
    }

    /// Re-explores breadth-first up to the deepest target, recording parents, and turns every
    /// target into a trace.
    fn rebuild(&self, targets: &[&Target]) -> Rebuilt<'_, 'a, M> {
        let mut wanted = HashSet::new();
        let mut max_depth = 0;
        for target in targets {
            match target {
                Target::State { fp, depth } | Target::Step { fp, depth, .. } => {
                    wanted.insert(*fp);
                    max_depth = max_depth.max(*depth);
                }
                Target::Known(_) => {}
            }
        }
        let parents = ParentMap::new(self.options.threads);
        if !wanted.is_empty() {
            self.progress
                .rebuilding_traces
                .store(true, Ordering::Relaxed);
            // The rebuild answers to no bound and no cancellation of the main search: it goes
            // no deeper than a target the main search already reached.
            let options = CheckOptions {
                max_states: None,
                progress: None,
                ..self.options.clone()
            };
            let progress = Progress::default();
            let rebuild = Search::new(self.model, &options, &progress);
            let depth = rebuild.bfs_levels(&parents, Some((&wanted, max_depth)));
            assert!(
                depth <= max_depth,
                "trace rebuild went deeper ({depth}) than its deepest target ({max_depth})"
            );
        }
        Rebuilt {
            search: self,
            parents,
        }
    }

    /// The states along a chain of fingerprints from an initial state, or `None` if the chain
    /// does not replay (a model whose steps are not deterministic).
    fn replay(&self, path: &[Fingerprint]) -> Option<Path<M>> {
        replay(self.model, &|s| self.fingerprint(s), path)
    }
}

/// Renders a path of states, each with the action that led to it, as a trace.
pub(crate) fn render<M: Model>(model: &M, states: &[(Option<&M::Action>, &M::State)]) -> Trace {
    let mut steps = Vec::with_capacity(states.len());
    for (i, (action, state)) in states.iter().enumerate() {
        let shown = model.describe_trace_state(state, states.get(i + 1).map(|(_, s)| *s));
        match action {
            None => steps.push(TraceStep {
                action: None,
                changes: Vec::new(),
                state: shown,
            }),
            Some(action) => {
                let previous = states[i - 1].1;
                let step = model.describe_step(previous, action, state);
                steps.push(TraceStep {
                    action: Some(step.action),
                    changes: step.changes,
                    state: shown,
                });
            }
        }
    }
    Trace {
        steps,
        cycle_start: None,
    }
}

/// The states along a chain of fingerprints (under `fingerprint`) from an initial state, or
/// `None` if the chain does not replay (a model whose steps are not deterministic).
pub(crate) fn replay<M: Model>(
    model: &M,
    fingerprint: &dyn Fn(&M::State) -> Fingerprint,
    path: &[Fingerprint],
) -> Option<Path<M>> {
    let start = *path.first()?;
    let first = model
        .init_states()
        .into_iter()
        .find(|s| fingerprint(s) == start)?;
    let mut states = vec![(None, first)];
    let mut successors = Vec::new();
    let mut scratch = Vec::new();
    for &fp in &path[1..] {
        let (_, state) = states.last().expect("path");
        successors.clear();
        model
            .successors(state, &mut scratch, &mut successors)
            .ok()?;
        let position = successors.iter().position(|(_, s)| fingerprint(s) == fp)?;
        let (action, state) = successors.swap_remove(position);
        states.push((Some(action), state));
    }
    Some(states)
}

struct Rebuilt<'s, 'a, M: Model> {
    search: &'s Search<'a, M>,
    parents: ParentMap,
}

impl<M: Model> Rebuilt<'_, '_, M> {
    /// The trace to `target`, or `None` if the rebuild did not reach it (which the level-by-level
    /// search guarantees it does, unless the model is not deterministic).
    fn trace(&self, target: &Target) -> Option<Trace> {
        let search = self.search;
        let (fp, step) = match target {
            Target::Known(trace) => return Some(trace.clone()),
            Target::State { fp, .. } => (*fp, None),
            Target::Step { fp, index, .. } => (*fp, Some(*index)),
        };
        let path = self.parents.path_to(fp)?;
        let mut states = search.replay(&path)?;
        if let Some(index) = step {
            let mut successors = Vec::new();
            let (_, last) = states.last()?;
            search
                .model
                .successors(last, &mut Vec::new(), &mut successors)
                .ok()?;
            if index >= successors.len() {
                return None;
            }
            let (action, next) = successors.swap_remove(index);
            states.push((Some(action), next));
        }
        let refs: Vec<_> = states.iter().map(|(a, s)| (a.as_ref(), s)).collect();
        Some(search.render(&refs))
    }
}

/// One state on the depth-first stack, with the successors still to visit.
struct DfsFrame<M: Model> {
    action: Option<M::Action>,
    state: M::State,
    successors: Vec<(M::Action, M::State)>,
    expanded: bool,
}

impl<M: Model> DfsFrame<M> {
    fn new(action: Option<M::Action>, state: M::State) -> Self {
        DfsFrame {
            action,
            state,
            successors: Vec::new(),
            expanded: false,
        }
    }
}
