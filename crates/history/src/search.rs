//! The Wing-Gong/Lowe search shared by the linearizability and sequential-consistency checkers.
//!
//! The search linearizes completed (`ok`) operations one at a time, depth first, and memoises
//! every configuration it has entered: the set of linearized completed operations (a bitset),
//! the interned model state, and the set of `info` operations used so far.
//!
//! `info` operations get their own treatment, because enumerating where each one goes costs a
//! factor per operation (Porcupine's blow-up). An `info` operation has no return, so it is open
//! until the end of the history, and "never" is the same as "after everything". Between two
//! completed operations the search therefore takes a *closure*: every (state, used-info set)
//! reachable by applying available `info` operations, keeping for each state only the minimal
//! used sets (a configuration with fewer used `info` operations has every option of one with
//! more, so it dominates). The memo table keeps, per (completed set, state), an antichain of
//! used-info sets and skips configurations dominated by one already entered. `info` operations
//! that decode to equal operations are interchangeable once available, so the closure only uses
//! the first unused one of each class and used sets are kept in a canonical form. With N
//! concurrent crashed writes and a read, the closure holds N+1 configurations, not 2^N.
//!
//! Models may also say when a read can never be satisfied ([`Model::may_become_legal`]): for a
//! key-value store, once the value is not a prefix of what a pending get returned and no put
//! can come before that get, only appends remain, so the configuration is abandoned at once
//! instead of after every order of the appends in between. This cuts the kv c50 histories from
//! hundreds of thousands of configurations to about ten thousand.
//!
//! A search can be run a slice at a time ([`Searcher::resume`]): the checker gives every
//! partition a small node budget first and doubles it, so that a cheap violation in one
//! partition is found before an expensive partition monopolises the cores, without redoing
//! the work of the earlier slices.

use crate::model::Model;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A fast non-cryptographic hasher (FxHash); memo keys are not attacker-controlled in a way
/// that matters for a checker run.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.hash = (self.hash.rotate_left(5) ^ n).wrapping_mul(FX_SEED);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending only on the input's low bits, and the
        // table indexes by low bits: fold the high bits down.
        let hash = self.hash ^ (self.hash >> 32);
        hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (hash >> 29)
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// Words a bitset keeps inline, without a heap allocation: histories of up to 256 operations
/// per partition (nearly all of them) clone their bitsets for free.
const INLINE_WORDS: usize = 4;

/// A fixed-size bitset.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Bits {
    /// Up to `INLINE_WORDS` words; the unused ones stay zero.
    Inline([u64; INLINE_WORDS]),
    /// More.
    Heap(Box<[u64]>),
}

impl Bits {
    pub(crate) fn new(size: usize) -> Bits {
        let words = size.div_ceil(64);
        if words <= INLINE_WORDS {
            Bits::Inline([0; INLINE_WORDS])
        } else {
            Bits::Heap(vec![0; words].into_boxed_slice())
        }
    }
    fn words(&self) -> &[u64] {
        match self {
            Bits::Inline(words) => words,
            Bits::Heap(words) => words,
        }
    }
    fn words_mut(&mut self) -> &mut [u64] {
        match self {
            Bits::Inline(words) => words,
            Bits::Heap(words) => words,
        }
    }
    pub(crate) fn get(&self, index: usize) -> bool {
        self.words()[index / 64] >> (index % 64) & 1 == 1
    }
    pub(crate) fn set(&mut self, index: usize) {
        self.words_mut()[index / 64] |= 1 << (index % 64);
    }
    pub(crate) fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.words_mut().iter_mut().zip(other.words().iter()) {
            *a |= b;
        }
    }
    fn clear(&mut self, index: usize) {
        self.words_mut()[index / 64] &= !(1 << (index % 64));
    }
    fn is_subset_of(&self, other: &Bits) -> bool {
        self.words()
            .iter()
            .zip(other.words().iter())
            .all(|(a, b)| a & !b == 0)
    }
}

/// Which orders a linearization must respect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Real time: an operation that returned before another was called comes first
    /// (linearizability).
    RealTime,
    /// Only each process's own order (sequential consistency).
    Process,
}

/// One operation handed to the search.
#[derive(Clone, Debug)]
pub(crate) struct SearchOp<O> {
    pub op: O,
    /// Index in the history's operations.
    pub index: usize,
    pub process: u64,
    pub call: usize,
    /// Return position; ignored for `info` operations.
    pub ret: usize,
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchVerdict {
    Holds,
    Violated,
    Unknown,
}

/// The result of one search.
#[derive(Clone, Debug)]
pub(crate) struct SearchOutcome {
    pub verdict: SearchVerdict,
    /// On success, a linearization (history indices, `info` operations included where placed).
    /// Otherwise the longest linearizable prefix found.
    pub order: Vec<usize>,
    /// Operations that could not be placed after the longest prefix (history indices).
    pub stuck: Vec<usize>,
    /// The model state after the longest prefix.
    pub state: String,
    /// Configurations entered.
    pub nodes: u64,
}

struct Space<'a, M: Model> {
    model: &'a M,
    states: Vec<M::State>,
    /// State hash to the first state id with that hash; later ones go to `collisions`.
    ids: HashMap<u64, u32, FxBuild>,
    collisions: HashMap<u64, Vec<u32>, FxBuild>,
    transitions: HashMap<u64, u32, FxBuild>,
}

const NO_STATE: u32 = u32::MAX;

impl<'a, M: Model> Space<'a, M> {
    fn intern(&mut self, state: M::State) -> u32 {
        let mut hasher = FxHasher::default();
        state.hash(&mut hasher);
        let hash = hasher.finish();
        let first = self.ids.get(&hash).copied();
        if let Some(id) = first {
            if self.states[id as usize] == state {
                return id;
            }
            if let Some(ids) = self.collisions.get(&hash) {
                if let Some(&id) = ids.iter().find(|&&id| self.states[id as usize] == state) {
                    return id;
                }
            }
        }
        let id = u32::try_from(self.states.len()).unwrap_or(NO_STATE - 1);
        assert!(id < NO_STATE - 1, "more than 2^32 distinct states");
        self.states.push(state);
        if first.is_some() {
            self.collisions.entry(hash).or_default().push(id);
        } else {
            self.ids.insert(hash, id);
        }
        id
    }

    fn step(&mut self, state: u32, slot: u32, op: &M::Op) -> Option<u32> {
        let key = (u64::from(state) << 32) | u64::from(slot);
        if let Some(&next) = self.transitions.get(&key) {
            return (next != NO_STATE).then_some(next);
        }
        let next = match self.model.step(&self.states[state as usize], op) {
            Some(next) => self.intern(next),
            None => NO_STATE,
        };
        self.transitions.insert(key, next);
        (next != NO_STATE).then_some(next)
    }

    fn may_become_legal(&self, state: u32, op: &M::Op) -> bool {
        self.model
            .may_become_legal(&self.states[state as usize], op)
    }
}

enum Memo {
    Plain(HashSet<(Bits, u32), FxBuild>),
    Dominance(HashMap<(Bits, u32), Vec<Bits>, FxBuild>),
}

impl Memo {
    /// Records a configuration; false if it (or one that dominates it) was entered before.
    fn enter(&mut self, done: &Bits, state: u32, used: &Bits) -> bool {
        match self {
            Memo::Plain(seen) => seen.insert((done.clone(), state)),
            Memo::Dominance(seen) => {
                let sets = seen.entry((done.clone(), state)).or_default();
                if sets.iter().any(|set| set.is_subset_of(used)) {
                    return false;
                }
                sets.retain(|set| !used.is_subset_of(set));
                sets.push(used.clone());
                true
            }
        }
    }
}

/// A configuration inside a closure: state, used `info` set, and how it was reached.
struct Config {
    state: u32,
    used: Bits,
    parent: usize,
    via: u32,
}

struct Frame {
    done: Bits,
    done_count: usize,
    state: u32,
    ret_pointer: usize,
    call_pointer: usize,
    /// Configurations reachable through `info` operations; only the first (no `info`
    /// operation placed) until the closure is needed.
    configs: Vec<Config>,
    closure_done: bool,
    candidates: Vec<u32>,
    config_cursor: usize,
    candidate_cursor: usize,
    /// A legal read-only candidate: placing it next loses nothing, so it is the only child.
    forced: Option<(u32, u32)>,
    /// A completed operation that can never be placed from here (the model says no state
    /// reachable without a reset makes it legal, and no reset can come before it): the frame
    /// has no children.
    doomed: Option<u32>,
}

/// One step of the current path: the `info` operations placed, then the completed one.
struct PathStep {
    infos: Vec<u32>,
    completed: u32,
}

struct Search<'a, M: Model> {
    space: Space<'a, M>,
    completed: Vec<SearchOp<M::Op>>,
    info: Vec<SearchOp<M::Op>>,
    order: Order,
    by_ret: Vec<u32>,
    completed_pred: Vec<Option<u32>>,
    info_pred: Vec<Option<u32>>,
    info_class: Vec<u32>,
    class_members: Vec<Vec<u32>>,
    read_only: Vec<bool>,
    /// Completed operations that may reset the state, in call order.
    completed_resets: Vec<u32>,
    /// `info` operations that may reset the state, in call order.
    info_resets: Vec<u32>,
}

const CLOSURE_CONFIGS_MAX: usize = 1 << 16;

/// How many operations past the first unplaced one [`Search::doomed`] looks at.
const DOOM_SCAN: usize = 64;

impl<'a, M: Model> Search<'a, M> {
    /// The return position bounding the candidates, and the updated pointers.
    fn pointers(&self, done: &Bits, ret_pointer: usize, call_pointer: usize) -> (usize, usize) {
        let mut ret_pointer = ret_pointer;
        while ret_pointer < self.by_ret.len() && done.get(self.by_ret[ret_pointer] as usize) {
            ret_pointer += 1;
        }
        let mut call_pointer = call_pointer;
        while call_pointer < self.completed.len() && done.get(call_pointer) {
            call_pointer += 1;
        }
        (ret_pointer, call_pointer)
    }

    fn ret_bound(&self, ret_pointer: usize) -> usize {
        self.by_ret
            .get(ret_pointer)
            .map_or(usize::MAX, |&c| self.completed[c as usize].ret)
    }

    fn info_available(&self, i: usize, done: &Bits, ret_bound: usize) -> bool {
        match self.order {
            Order::RealTime => self.info[i].call < ret_bound,
            Order::Process => self.info_pred[i].is_none_or(|p| done.get(p as usize)),
        }
    }

    fn candidates(&self, done: &Bits, ret_pointer: usize, call_pointer: usize) -> Vec<u32> {
        let mut out = Vec::new();
        match self.order {
            Order::RealTime => {
                let bound = self.ret_bound(ret_pointer);
                let mut c = call_pointer;
                while c < self.completed.len() && self.completed[c].call < bound {
                    if !done.get(c) {
                        out.push(c as u32);
                    }
                    c += 1;
                }
            }
            Order::Process => {
                for c in call_pointer..self.completed.len() {
                    if !done.get(c) && self.completed_pred[c].is_none_or(|p| done.get(p as usize)) {
                        out.push(c as u32);
                    }
                }
            }
        }
        out
    }

    /// The earliest call of an operation that may reset the state and is not placed yet:
    /// such an operation can come before an operation returning at `ret` only if
    /// `horizon < ret`. Under process order any of them can come first (horizon 0).
    fn reset_horizon(&self, done: &Bits, used: &Bits, call_pointer: usize) -> usize {
        // Completed operations before the call pointer are all placed.
        let placed = self
            .completed_resets
            .partition_point(|&c| (c as usize) < call_pointer);
        let completed = self.completed_resets[placed..]
            .iter()
            .find(|&&c| !done.get(c as usize))
            .map_or(usize::MAX, |&c| self.completed[c as usize].call);
        let info = self
            .info_resets
            .iter()
            .find(|&&i| !used.get(i as usize))
            .map_or(usize::MAX, |&i| self.info[i as usize].call);
        let horizon = completed.min(info);
        match self.order {
            Order::RealTime => horizon,
            Order::Process if horizon == usize::MAX => usize::MAX,
            Order::Process => 0,
        }
    }

    /// A completed operation not placed yet that can never be placed from this configuration:
    /// it is not legal in `state`, the model says no state reached without a reset makes it
    /// legal, and no reset can come before it. Looks at most `DOOM_SCAN` operations ahead.
    fn doomed(&mut self, done: &Bits, used: &Bits, state: u32, call_pointer: usize) -> Option<u32> {
        let mut horizon = None;
        let end = self.completed.len().min(call_pointer + DOOM_SCAN);
        for c in call_pointer..end {
            if done.get(c) || !self.read_only[c] {
                continue;
            }
            let horizon =
                *horizon.get_or_insert_with(|| self.reset_horizon(done, used, call_pointer));
            if self.completed[c].call >= horizon {
                break;
            }
            if self.completed[c].ret > horizon {
                continue;
            }
            let op = &self.completed[c].op;
            if self.space.step(state, c as u32, op).is_none()
                && !self.space.may_become_legal(state, op)
            {
                return Some(c as u32);
            }
        }
        None
    }

    /// Puts a used-info set in canonical form: in each class, the first members available.
    fn canonical(&self, used: &Bits, done: &Bits, ret_bound: usize) -> Bits {
        let mut out = used.clone();
        for members in &self.class_members {
            if members.len() < 2 {
                continue;
            }
            let count = members.iter().filter(|&&i| used.get(i as usize)).count();
            if count == 0 {
                continue;
            }
            for &i in members {
                out.clear(i as usize);
            }
            let mut placed = 0;
            for &i in members {
                if placed == count {
                    break;
                }
                if self.info_available(i as usize, done, ret_bound) {
                    out.set(i as usize);
                    placed += 1;
                }
            }
            assert!(placed == count, "used info operations must be available");
        }
        out
    }

    /// Every (state, used set) reachable by applying available `info` operations.
    fn closure(&mut self, state: u32, used: Bits, done: &Bits, ret_bound: usize) -> Vec<Config> {
        let mut configs = vec![Config {
            state,
            used,
            parent: usize::MAX,
            via: u32::MAX,
        }];
        if self.info.is_empty() {
            return configs;
        }
        // The first unused available member of each class.
        let mut index = 0;
        while index < configs.len() && configs.len() < CLOSURE_CONFIGS_MAX {
            let mut class_seen = Vec::new();
            for i in 0..self.info.len() {
                if configs[index].used.get(i) || !self.info_available(i, done, ret_bound) {
                    continue;
                }
                let class = self.info_class[i];
                if class_seen.contains(&class) {
                    continue;
                }
                class_seen.push(class);
                let from = configs[index].state;
                let op = &self.info[i].op;
                let slot = (self.completed.len() + i) as u32;
                let Some(next) = self.space.step(from, slot, op) else {
                    continue;
                };
                if next == from {
                    continue;
                }
                let mut used = configs[index].used.clone();
                used.set(i);
                if configs
                    .iter()
                    .any(|c| c.state == next && c.used.is_subset_of(&used))
                {
                    continue;
                }
                configs.push(Config {
                    state: next,
                    used,
                    parent: index,
                    via: i as u32,
                });
            }
            index += 1;
        }
        configs
    }

    fn new_frame(
        &mut self,
        done: Bits,
        done_count: usize,
        state: u32,
        used: Bits,
        ret_pointer: usize,
        call_pointer: usize,
    ) -> Frame {
        let candidates = self.candidates(&done, ret_pointer, call_pointer);
        let mut forced = None;
        let doomed = self.doomed(&done, &used, state, call_pointer);
        for &c in candidates.iter().filter(|_| doomed.is_none()) {
            let c_index = c as usize;
            if !self.read_only[c_index] {
                continue;
            }
            let op = &self.completed[c_index].op;
            if let Some(next) = self.space.step(state, c, op) {
                assert!(next == state, "a read-only operation changed the state");
                forced = Some((c, next));
                break;
            }
        }
        Frame {
            done,
            done_count,
            state,
            ret_pointer,
            call_pointer,
            configs: vec![Config {
                state,
                used,
                parent: usize::MAX,
                via: u32::MAX,
            }],
            closure_done: self.info.is_empty(),
            candidates,
            config_cursor: 0,
            candidate_cursor: 0,
            forced,
            doomed,
        }
    }

    /// The next child of a frame: (config index, completed op, resulting state).
    fn next_child(&mut self, frame: &mut Frame) -> Option<(usize, u32, u32)> {
        if frame.doomed.is_some() {
            return None;
        }
        if let Some((c, next)) = frame.forced {
            if frame.config_cursor == 0 {
                frame.config_cursor = usize::MAX;
                return Some((0, c, next));
            }
            return None;
        }
        loop {
            if frame.candidate_cursor >= frame.candidates.len() {
                frame.candidate_cursor = 0;
                frame.config_cursor += 1;
            }
            if frame.config_cursor >= frame.configs.len() {
                if frame.closure_done {
                    return None;
                }
                frame.closure_done = true;
                let bound = self.ret_bound(frame.ret_pointer);
                let first = frame.configs.pop().expect("the frame's own configuration");
                frame.configs = self.closure(first.state, first.used, &frame.done, bound);
                // The first configuration was explored already.
                frame.config_cursor = 1;
                frame.candidate_cursor = 0;
                continue;
            }
            if frame.candidates.is_empty() {
                frame.config_cursor = frame.configs.len();
                continue;
            }
            let c = frame.candidates[frame.candidate_cursor];
            frame.candidate_cursor += 1;
            let from = frame.configs[frame.config_cursor].state;
            let op = &self.completed[c as usize].op;
            if let Some(next) = self.space.step(from, c, op) {
                return Some((frame.config_cursor, c, next));
            }
        }
    }

    fn infos_of(frame: &Frame, config_index: usize) -> Vec<u32> {
        let mut infos = Vec::new();
        let mut at = config_index;
        while frame.configs[at].parent != usize::MAX {
            infos.push(frame.configs[at].via);
            at = frame.configs[at].parent;
        }
        infos.reverse();
        infos
    }

    fn path_order(&self, path: &[PathStep]) -> Vec<usize> {
        let mut order = Vec::new();
        for step in path {
            for &i in &step.infos {
                order.push(self.info[i as usize].index);
            }
            order.push(self.completed[step.completed as usize].index);
        }
        order
    }

    /// Sets up the search: the root configuration, or the answer if there is nothing to place.
    fn start(&mut self) -> Result<Progress, SearchOutcome> {
        let m = self.completed.len();
        let k = self.info.len();
        let init = self.space.model.init();
        let init = self.space.intern(init);
        if m == 0 {
            return Err(SearchOutcome {
                verdict: SearchVerdict::Holds,
                order: Vec::new(),
                stuck: Vec::new(),
                state: self
                    .space
                    .model
                    .describe_state(&self.space.states[init as usize]),
                nodes: 1,
            });
        }
        let memo = if k == 0 {
            Memo::Plain(HashSet::default())
        } else {
            Memo::Dominance(HashMap::default())
        };
        let root_done = Bits::new(m);
        let (ret_pointer, call_pointer) = self.pointers(&root_done, 0, 0);
        let root = self.new_frame(root_done, 0, init, Bits::new(k), ret_pointer, call_pointer);
        let (best_stuck, best_state) = self.stuck_of(&root);
        let mut frames = Vec::with_capacity(m + 1);
        frames.push(root);
        Ok(Progress {
            memo,
            nodes: 1,
            best_depth: 0,
            best_order: Vec::new(),
            best_stuck,
            best_state,
            frames,
            path: Vec::with_capacity(m),
        })
    }

    /// Runs until an answer, until `stop()`, or until `node_budget` configurations in all
    /// have been entered; then the verdict is `Unknown` and `progress` can be resumed.
    fn run(
        &mut self,
        progress: &mut Progress,
        stop: &dyn Fn() -> bool,
        node_budget: u64,
    ) -> SearchOutcome {
        let m = self.completed.len();
        let k = self.info.len();
        let p = progress;
        loop {
            if p.nodes >= node_budget || (p.nodes % 256 == 0 && stop()) {
                return SearchOutcome {
                    verdict: SearchVerdict::Unknown,
                    order: p.best_order.clone(),
                    stuck: p.best_stuck.clone(),
                    state: p.best_state.clone(),
                    nodes: p.nodes,
                };
            }
            // The frame stays in place on the stack while its children are tried.
            let Some(top) = p.frames.last_mut() else {
                return SearchOutcome {
                    verdict: SearchVerdict::Violated,
                    order: p.best_order.clone(),
                    stuck: p.best_stuck.clone(),
                    state: p.best_state.clone(),
                    nodes: p.nodes,
                };
            };
            let Some((config_index, c, next_state)) = self.next_child(top) else {
                p.frames.pop();
                p.path.pop();
                continue;
            };
            let mut done = top.done.clone();
            done.set(c as usize);
            let done_count = top.done_count + 1;
            let (ret_pointer, call_pointer) =
                self.pointers(&done, top.ret_pointer, top.call_pointer);
            let used = if k == 0 {
                top.configs[config_index].used.clone()
            } else {
                let bound = self.ret_bound(ret_pointer);
                self.canonical(&top.configs[config_index].used, &done, bound)
            };
            if !p.memo.enter(&done, next_state, &used) {
                continue;
            }
            p.nodes += 1;
            let infos = Self::infos_of(top, config_index);
            p.path.push(PathStep {
                infos,
                completed: c,
            });
            if done_count == m {
                return SearchOutcome {
                    verdict: SearchVerdict::Holds,
                    order: self.path_order(&p.path),
                    stuck: Vec::new(),
                    state: self
                        .space
                        .model
                        .describe_state(&self.space.states[next_state as usize]),
                    nodes: p.nodes,
                };
            }
            let frame = self.new_frame(
                done,
                done_count,
                next_state,
                used,
                ret_pointer,
                call_pointer,
            );
            if done_count > p.best_depth {
                p.best_depth = done_count;
                p.best_order = self.path_order(&p.path);
                (p.best_stuck, p.best_state) = self.stuck_of(&frame);
            }
            p.frames.push(frame);
        }
    }

    /// The candidates of a frame that no reachable configuration can place, or all candidates
    /// if each can be placed on its own (then it is their combination that fails).
    fn stuck_of(&mut self, frame: &Frame) -> (Vec<usize>, String) {
        let state = frame.state;
        let mut stuck: Vec<usize> = Vec::new();
        if let Some(c) = frame.doomed {
            stuck.push(self.completed[c as usize].index);
        }
        for &c in frame.candidates.iter().filter(|_| frame.doomed.is_none()) {
            let op = &self.completed[c as usize].op;
            if self.space.step(state, c, op).is_none() {
                stuck.push(self.completed[c as usize].index);
            }
        }
        if stuck.is_empty() {
            stuck = frame
                .candidates
                .iter()
                .map(|&c| self.completed[c as usize].index)
                .collect();
        }
        let state = self
            .space
            .model
            .describe_state(&self.space.states[state as usize]);
        (stuck, state)
    }
}

/// The state of a search between two calls of [`Searcher::resume`].
struct Progress {
    memo: Memo,
    nodes: u64,
    best_depth: usize,
    best_order: Vec<usize>,
    best_stuck: Vec<usize>,
    best_state: String,
    frames: Vec<Frame>,
    path: Vec<PathStep>,
}

/// A search for a linearization of completed operations, placing `info` operations where
/// they help, that can be run a slice at a time.
pub(crate) struct Searcher<'a, M: Model> {
    search: Search<'a, M>,
    progress: Option<Progress>,
    outcome: Option<SearchOutcome>,
}

impl<M: Model> Searcher<'_, M> {
    /// Searches until an answer, `stop()`, or `node_budget` configurations entered in all
    /// (counting the earlier calls). An `Unknown` answer can be resumed with a larger budget;
    /// a final answer is returned again by later calls.
    pub(crate) fn resume(&mut self, stop: &dyn Fn() -> bool, node_budget: u64) -> SearchOutcome {
        if let Some(outcome) = &self.outcome {
            return outcome.clone();
        }
        let progress = match &mut self.progress {
            Some(progress) => progress,
            None => match self.search.start() {
                Ok(progress) => self.progress.insert(progress),
                Err(outcome) => {
                    self.outcome = Some(outcome.clone());
                    return outcome;
                }
            },
        };
        let outcome = self.search.run(progress, stop, node_budget);
        if outcome.verdict != SearchVerdict::Unknown {
            self.progress = None;
            self.outcome = Some(outcome.clone());
        }
        outcome
    }
}

/// Prepares a search for a linearization of `completed` operations, placing `info`
/// operations where they help; nothing runs before [`Searcher::resume`].
pub(crate) fn searcher<M: Model>(
    model: &M,
    mut completed: Vec<SearchOp<M::Op>>,
    mut info: Vec<SearchOp<M::Op>>,
    order: Order,
) -> Searcher<'_, M> {
    completed.sort_by_key(|op| (op.call, op.index));
    info.sort_by_key(|op| (op.call, op.index));
    for op in &completed {
        assert!(op.call < op.ret, "an operation returns after its call");
    }
    let mut by_ret: Vec<u32> = (0..completed.len() as u32).collect();
    by_ret.sort_by_key(|&c| completed[c as usize].ret);
    let mut last_of_process: HashMap<u64, u32> = HashMap::new();
    let mut completed_pred = Vec::with_capacity(completed.len());
    for (c, op) in completed.iter().enumerate() {
        completed_pred.push(last_of_process.insert(op.process, c as u32));
    }
    let info_pred = info
        .iter()
        .map(|op| {
            completed
                .iter()
                .enumerate()
                .rev()
                .find(|(_, c)| c.process == op.process && c.call < op.call)
                .map(|(c, _)| c as u32)
        })
        .collect();
    let mut class_ids: HashMap<&M::Op, u32> = HashMap::new();
    let mut info_class = Vec::with_capacity(info.len());
    let mut class_members: Vec<Vec<u32>> = Vec::new();
    for (i, op) in info.iter().enumerate() {
        let next_id = class_ids.len() as u32;
        let id = *class_ids.entry(&op.op).or_insert(next_id);
        if id as usize == class_members.len() {
            class_members.push(Vec::new());
        }
        class_members[id as usize].push(i as u32);
        info_class.push(id);
    }
    let read_only = completed
        .iter()
        .map(|op| model.is_read_only(&op.op))
        .collect();
    // A read-only operation never changes the state, so it does not reset it either.
    let completed_resets = (0..completed.len() as u32)
        .filter(|&c| {
            let op = &completed[c as usize].op;
            model.may_reset(op) && !model.is_read_only(op)
        })
        .collect();
    let info_resets = (0..info.len() as u32)
        .filter(|&i| {
            let op = &info[i as usize].op;
            model.may_reset(op) && !model.is_read_only(op)
        })
        .collect();
    let search = Search {
        space: Space {
            model,
            states: Vec::new(),
            ids: HashMap::default(),
            collisions: HashMap::default(),
            transitions: HashMap::default(),
        },
        completed,
        info,
        order,
        by_ret,
        completed_pred,
        info_pred,
        info_class,
        class_members,
        read_only,
        completed_resets,
        info_resets,
    };
    Searcher {
        search,
        progress: None,
        outcome: None,
    }
}
