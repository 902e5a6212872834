//! Liveness: properties of whole behaviours ([`PropertyKind::Eventually`], `LeadsTo`,
//! `InfinitelyOften`, `EventuallyAlways`), checked under the model's [`Model::fairness`].
//!
//! After the main search has explored the state space, this pass builds the graph of reachable
//! states (breadth-first, so that every state keeps a shortest path from an initial state). Each
//! state is labelled with the truth of the properties' predicates and with the fairness conditions
//! enabled in it; each edge with the fairness conditions it satisfies. Self-loops are dropped:
//! a step that leaves the state unchanged is stuttering, which every behaviour may do anyway.
//!
//! A property is violated when some fair behaviour avoids its goal. Such a behaviour ends either
//! by stuttering forever in a state where no fair action is enabled, or by cycling forever through
//! a strongly connected set of states. A cycle through all states and edges of a component `C`
//! is fair when each weakly fair action is taken in `C` or disabled somewhere in it, and each
//! strongly fair action is taken in `C` or enabled nowhere in it. When a strongly fair action is
//! enabled but never taken, its enabling states are removed and the rest is split into components
//! again (the classic algorithm for Streett conditions); a weakly fair action enabled everywhere
//! and never taken rules the component out.
//!
//! Each property is described by the shape of its counterexamples ([`crate::Liveness`]): a trigger
//! state, a condition kept from the trigger on (`~Q` for `P ~> Q`), and conditions on the end:
//! true in all its states or steps (which restricts the states and edges of the components), or
//! in some (which the component must contain, like the edges of a fair action). The fair endings
//! are computed among the states that keep both kinds of condition; the states that reach one
//! while keeping the first are found backwards; a violation is a trigger among them.
//!
//! A counterexample is a lasso: a shortest path to the trigger, a path to the component, and a
//! cycle through the component that takes every fair action the component takes and visits a
//! state where each weakly fair action it does not take is disabled (or a final stuttering
//! state). States that were not expanded (the model's bounds, `--max-depth`) never end a
//! counterexample, since what follows them is unknown.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::fingerprint::{Fingerprint, IdentityHasher};
use crate::model::{
    Condition, FairnessKind, Model, ModelError, Property, StateCondition, StepCondition, Trigger,
};
use crate::report::{ErrorReport, Report, Status, Trace};
use crate::search::{render, replay, CheckOptions, Progress};

const NONE: u32 = u32::MAX;

/// States each thread expands before the batch is linked into the graph.
const BATCH_PER_THREAD: usize = 1024;

/// Rows of bits, one row per node or edge.
struct Bits {
    stride: usize,
    words: Vec<u64>,
}

impl Bits {
    fn new(bits: usize) -> Self {
        Bits {
            stride: bits.div_ceil(64),
            words: Vec::new(),
        }
    }

    fn push_row(&mut self, row: &[u64]) {
        self.words.extend_from_slice(&row[..self.stride]);
    }

    fn row(&self, i: usize) -> &[u64] {
        &self.words[i * self.stride..(i + 1) * self.stride]
    }

    fn get(&self, i: usize, bit: usize) -> bool {
        self.stride > 0 && self.words[i * self.stride + bit / 64] & (1 << (bit % 64)) != 0
    }

    fn row_is_zero(&self, i: usize) -> bool {
        self.row(i).iter().all(|w| *w == 0)
    }
}

fn set_bit(row: &mut [u64], bit: usize) {
    row[bit / 64] |= 1 << (bit % 64);
}

fn test_bit(row: &[u64], bit: usize) -> bool {
    row[bit / 64] & (1 << (bit % 64)) != 0
}

/// The reachable state graph with its labels.
/// The reachable state graph with its labels.
struct Graph {
    fps: Vec<Fingerprint>,
    parent: Vec<u32>,
    depth: Vec<u32>,
    initial: Vec<bool>,
    truncated: Vec<bool>,
    /// Edges of node `i` are `targets[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    targets: Vec<u32>,
    /// Per edge: the fairness conditions it satisfies, then the step conditions.
    edge_bits: Bits,
    /// Per node: the fairness conditions enabled in it.
    enabled: Bits,
    /// Per node: the state conditions that hold in it.
    labels: Bits,
    /// How many fairness conditions come first in `edge_bits`.
    fairness: usize,
}

impl Graph {
    fn len(&self) -> usize {
        self.fps.len()
    }

    fn edges(&self, v: u32) -> std::ops::Range<usize> {
        self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize
    }

    /// The nodes from an initial state to `v`, along the breadth-first parents.
    fn path_to(&self, v: u32) -> Vec<u32> {
        let mut path = vec![v];
        let mut cur = v;
        while self.parent[cur as usize] != NONE {
            cur = self.parent[cur as usize];
            path.push(cur);
        }
        path.reverse();
        path
    }

    fn state_holds(&self, v: u32, condition: usize) -> bool {
        self.labels.get(v as usize, condition)
    }

    fn step_holds(&self, e: usize, condition: usize) -> bool {
        self.edge_bits.get(e, self.fairness + condition)
    }
}

/// A liveness property with its conditions numbered: state conditions index the node labels,
/// step conditions the edge bits after the fairness conditions.
struct Query {
    slot: usize,
    trigger: QueryTrigger,
    avoid: Option<usize>,
    reach: Option<usize>,
    initially: Vec<usize>,
    throughout: Vec<usize>,
    throughout_steps: Vec<usize>,
    always_states: Vec<usize>,
    always_steps: Vec<usize>,
    often_states: Vec<usize>,
    often_steps: Vec<usize>,
}

enum QueryTrigger {
    Anywhere,
    Initial,
    State(usize),
}

/// Every condition of every liveness property, numbered.
struct Conditions<M: Model> {
    states: Vec<Arc<StateCondition<M>>>,
    steps: Vec<Arc<StepCondition<M>>>,
    queries: Vec<Query>,
}

impl<M: Model> Conditions<M> {
    fn new(properties: &[Property<M>]) -> Self {
        let mut states: Vec<Arc<StateCondition<M>>> = Vec::new();
        let mut steps: Vec<Arc<StepCondition<M>>> = Vec::new();
        let mut queries = Vec::new();
        for (slot, property) in properties.iter().enumerate() {
            let Condition::Liveness(liveness) = &property.condition else {
                continue;
            };
            let mut state = |c: &Arc<StateCondition<M>>| {
                states.push(Arc::clone(c));
                states.len() - 1
            };
            let trigger = match &liveness.trigger {
                Trigger::Anywhere => QueryTrigger::Anywhere,
                Trigger::Initial => QueryTrigger::Initial,
                Trigger::State(c) => QueryTrigger::State(state(c)),
            };
            let avoid = liveness.avoid.as_ref().map(&mut state);
            let reach = liveness.reach.as_ref().map(&mut state);
            let initially = liveness.initially.iter().map(&mut state).collect();
            let throughout = liveness.throughout.iter().map(&mut state).collect();
            let always_states = liveness.always_states.iter().map(&mut state).collect();
            let often_states = liveness.often_states.iter().map(&mut state).collect();
            let mut step = |c: &Arc<StepCondition<M>>| {
                steps.push(Arc::clone(c));
                steps.len() - 1
            };
            let always_steps = liveness.always_steps.iter().map(&mut step).collect();
            let throughout_steps = liveness.throughout_steps.iter().map(&mut step).collect();
            let often_steps = liveness.often_steps.iter().map(&mut step).collect();
            queries.push(Query {
                slot,
                trigger,
                avoid,
                reach,
                initially,
                throughout,
                throughout_steps,
                always_states,
                always_steps,
                often_states,
                often_steps,
            });
        }
        Conditions {
            states,
            steps,
            queries,
        }
    }
}

/// How a fair behaviour ends in a set of states.
enum Ending {
    /// It stutters forever in this state.
    Stutter(u32),
    /// It cycles through this strongly connected set of states.
    Cycle(Vec<u32>),
}

/// What went wrong while building the graph.
enum BuildError {
    /// The model raised an error in the state with this node (or before any node: `None`).
    Model(ModelError, Option<u32>),
    /// The search was cancelled.
    Cancelled,
}

type FpMap = HashMap<Fingerprint, u32, BuildHasherDefault<IdentityHasher>>;
type FpSet = crate::fingerprint::FingerprintHashSet;

struct Builder<'a, M: Model> {
    model: &'a M,
    options: &'a CheckOptions,
    progress: &'a Progress,
    fingerprint: &'a (dyn Fn(&M::State) -> Fingerprint + Sync),
    conditions: &'a Conditions<M>,
    fairness: &'a [crate::model::Fairness<M>],
}

impl<M: Model> Builder<'_, M> {
    fn label(&self, state: &M::State, row: &mut [u64]) -> Result<(), ModelError> {
        row.iter_mut().for_each(|w| *w = 0);
        for (i, condition) in self.conditions.states.iter().enumerate() {
            if condition(self.model, state)? {
                set_bit(row, i);
            }
        }
        Ok(())
    }

    /// The graph, or what went wrong with the path (fingerprints from an initial state) to the
    /// state where it did.
    fn build(&self) -> Result<Graph, (BuildError, Vec<Fingerprint>)> {
        let fairness = self.fairness.len();
        let mut graph = Graph {
            fps: Vec::new(),
            parent: Vec::new(),
            depth: Vec::new(),
            initial: Vec::new(),
            truncated: Vec::new(),
            offsets: Vec::new(),
            targets: Vec::new(),
            edge_bits: Bits::new(fairness + self.conditions.steps.len()),
            enabled: Bits::new(fairness),
            labels: Bits::new(self.conditions.states.len()),
            fairness,
        };
        match self.build_into(&mut graph) {
            Ok(()) => Ok(graph),
            Err(error) => {
                let path = match &error {
                    BuildError::Model(_, Some(node)) => graph
                        .path_to(*node)
                        .into_iter()
                        .map(|v| graph.fps[v as usize])
                        .collect(),
                    _ => Vec::new(),
                };
                Err((error, path))
            }
        }
    }

    /// Expands one state: its labels, whether it is cut off, the fairness conditions enabled in
    /// it, and its steps to other states inside the model, each with its fingerprint and bits.
    fn expand(
        &self,
        state: &M::State,
        depth: usize,
        own: Fingerprint,
        known: &FpMap,
        out: &mut Expansion<M::State>,
    ) -> Result<(), ModelError> {
        let words = |bits: &Bits| bits.stride.max(1);
        out.labels.clear();
        out.labels
            .resize(self.conditions.states.len().div_ceil(64).max(1), 0);
        self.label(state, &mut out.labels)?;
        out.enabled.clear();
        out.enabled
            .resize(self.fairness.len().div_ceil(64).max(1), 0);
        out.edges.clear();
        out.truncated = !(self.options.max_depth.is_none_or(|max| depth < max)
            && self.model.within_bounds(state));
        if out.truncated {
            return Ok(());
        }
        let fairness = self.fairness.len();
        let edge_words = words(&Bits::new(fairness + self.conditions.steps.len()));
        out.edge_bits.clear();
        let mut successors = Vec::new();
        self.model
            .successors(state, &mut Vec::new(), &mut successors)?;
        // With conditions on state pairs only, a second step to the same state adds an edge
        // with the same bits: it is skipped before its conditions are evaluated.
        // Under symmetry a graph node is a class of states: two steps to the same class may
        // reach different states, with different bits, so every step is kept and evaluated.
        let pairs = self.model.steps_are_state_pairs() && !self.options.symmetry;
        let mut seen: FpSet = Default::default();
        // A step's target is compared with an action's listed targets by its own fingerprint,
        // not its symmetry class's.
        let plain = |s: &M::State, fp: Fingerprint| {
            if self.options.symmetry {
                self.model.fingerprint(s).max(1)
            } else {
                fp
            }
        };
        let own_plain = plain(state, own);
        let mut listed: Vec<Option<FpSet>> = Vec::with_capacity(self.fairness.len());
        for (f, fairness) in self.fairness.iter().enumerate() {
            let targets = match (&fairness.targets, pairs) {
                (Some(targets), true) => targets(self.model, state)?,
                _ => None,
            };
            listed.push(targets.map(|targets| {
                let set: FpSet = targets
                    .iter()
                    .map(|t| self.model.fingerprint(t).max(1))
                    .filter(|&fp| fp != own_plain)
                    .collect();
                if !set.is_empty() {
                    set_bit(&mut out.enabled, f);
                }
                set
            }));
        }
        let any_listed = listed.iter().any(Option::is_some);
        for (action, next) in successors {
            let fp = (self.fingerprint)(&next);
            if fp == own {
                continue;
            }
            if pairs && !seen.insert(fp) {
                continue;
            }
            let at = out.edge_bits.len();
            out.edge_bits.resize(at + edge_words, 0);
            let edge_row = &mut out.edge_bits[at..];
            let next_plain = if any_listed { plain(&next, fp) } else { fp };
            for (f, fairness) in self.fairness.iter().enumerate() {
                let step = match &listed[f] {
                    Some(set) => set.contains(&next_plain),
                    None => (fairness.step)(self.model, state, &action, &next)?,
                };
                if step {
                    // A step of the action shows it enabled.
                    set_bit(edge_row, f);
                    set_bit(&mut out.enabled, f);
                }
            }
            if !self.model.in_model(Some(state), &next)? {
                out.edge_bits.truncate(at);
                continue;
            }
            for (c, condition) in self.conditions.steps.iter().enumerate() {
                if condition(self.model, state, &action, &next)? {
                    set_bit(edge_row, fairness + c);
                }
            }
            // A state already in the graph needs only its fingerprint.
            let next = (!known.contains_key(&fp)).then_some(next);
            out.edges.push((fp, next));
        }
        for (f, fairness) in self.fairness.iter().enumerate() {
            if let (Some(enabled), None) = (&fairness.enabled, &listed[f]) {
                if !test_bit(&out.enabled, f) && enabled(self.model, state)? {
                    set_bit(&mut out.enabled, f);
                }
            }
        }
        Ok(())
    }

    /// Builds the graph breadth-first, level by level: the states of a level are expanded on
    /// all threads, then numbered and linked in order on one.
    fn build_into(&self, graph: &mut Graph) -> Result<(), BuildError> {
        let mut index = FpMap::default();
        let mut level: Vec<M::State> = Vec::new();
        for state in self.model.init_states() {
            match self.model.in_model(None, &state) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => return Err(BuildError::Model(error, None)),
            }
            let fp = (self.fingerprint)(&state);
            if index.contains_key(&fp) {
                continue;
            }
            let id = graph.fps.len() as u32;
            index.insert(fp, id);
            graph.fps.push(fp);
            graph.parent.push(NONE);
            graph.depth.push(1);
            graph.initial.push(true);
            level.push(state);
        }
        let threads = self.options.threads.max(1);
        let edge_words = graph.edge_bits.stride.max(1);
        while !level.is_empty() {
            let mut next_level = Vec::new();
            // Batches bound the memory held by expansions waiting to be linked.
            for batch in level.chunks(threads * BATCH_PER_THREAD) {
                if self.progress.cancel.load(Ordering::Relaxed) {
                    return Err(BuildError::Cancelled);
                }
                let first = graph.offsets.len() as u32;
                let depth = graph.depth[first as usize] as usize;
                let chunk = batch.len().div_ceil(threads);
                let fps = &graph.fps;
                let known = &index;
                let results: Vec<Expanded<M::State>> = std::thread::scope(|scope| {
                    let handles: Vec<_> = batch
                        .chunks(chunk)
                        .enumerate()
                        .map(|(c, states)| {
                            scope.spawn(move || {
                                crate::search::set_worker_index(c);
                                let mut out = Vec::with_capacity(states.len());
                                for (k, state) in states.iter().enumerate() {
                                    let id = first + (c * chunk + k) as u32;
                                    let mut expansion = Expansion::default();
                                    self.expand(
                                        state,
                                        depth,
                                        fps[id as usize],
                                        known,
                                        &mut expansion,
                                    )
                                    .map_err(|e| (e, id))?;
                                    out.push(expansion);
                                }
                                Ok(out)
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("a liveness worker panicked"))
                        .collect()
                });
                for result in results {
                    let expansions = result.map_err(|(e, id)| BuildError::Model(e, Some(id)))?;
                    for expansion in expansions {
                        let id = graph.offsets.len() as u32;
                        graph.offsets.push(graph.targets.len() as u32);
                        graph.labels.push_row(&expansion.labels);
                        graph.enabled.push_row(&expansion.enabled);
                        graph.truncated.push(expansion.truncated);
                        let rows = expansion.edge_bits.chunks(edge_words);
                        for ((fp, next), edge_row) in expansion.edges.into_iter().zip(rows) {
                            let target = match (index.get(&fp), next) {
                                (Some(&target), _) => target,
                                (None, Some(next)) => {
                                    let target = u32::try_from(graph.fps.len())
                                        .ok()
                                        .filter(|t| *t != NONE)
                                        .ok_or_else(|| {
                                            BuildError::Model(
                                                ModelError::new(
                                                    "too many states for the liveness check \
                                                     (2^32)",
                                                ),
                                                None,
                                            )
                                        })?;
                                    index.insert(fp, target);
                                    graph.fps.push(fp);
                                    graph.parent.push(id);
                                    graph.depth.push(depth as u32 + 1);
                                    graph.initial.push(false);
                                    next_level.push(next);
                                    target
                                }
                                (None, None) => unreachable!("a state seen as known is indexed"),
                            };
                            graph.targets.push(target);
                            graph.edge_bits.push_row(edge_row);
                        }
                    }
                }
                self.progress
                    .liveness_states
                    .store(graph.offsets.len() as u64, Ordering::Relaxed);
            }
            level = next_level;
        }
        graph.offsets.push(graph.targets.len() as u32);
        Ok(())
    }
}

/// A worker's expansions, or the first error and the state (node) where it happened.
type Expanded<S> = Result<Vec<Expansion<S>>, (ModelError, u32)>;

/// What expanding one state found (see `Builder::expand`).
struct Expansion<S> {
    labels: Vec<u64>,
    enabled: Vec<u64>,
    truncated: bool,
    /// Each step's target, with the state when it was not yet in the graph.
    edges: Vec<(Fingerprint, Option<S>)>,
    /// The steps' bits, one row each.
    edge_bits: Vec<u64>,
}

impl<S> Default for Expansion<S> {
    fn default() -> Self {
        Expansion {
            labels: Vec::new(),
            enabled: Vec::new(),
            truncated: false,
            edges: Vec::new(),
            edge_bits: Vec::new(),
        }
    }
}

/// Strongly connected components of subgraphs (Tarjan's algorithm, iterative), and the search
/// for fair endings and the cycles through them.
struct Analysis<'g> {
    graph: &'g Graph,
    kinds: Vec<FairnessKind>,
    generation: u32,
    mark: Vec<u32>,
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
}

/// Which edges a subgraph keeps (besides both ends being in it).
type EdgeFilter<'f> = &'f dyn Fn(usize) -> bool;

impl<'g> Analysis<'g> {
    fn new(graph: &'g Graph, kinds: Vec<FairnessKind>) -> Self {
        let n = graph.len();
        Analysis {
            graph,
            kinds,
            generation: 0,
            mark: vec![0; n],
            index: vec![NONE; n],
            low: vec![0; n],
            on_stack: vec![false; n],
        }
    }

    /// Marks `nodes` as the current set; returns its generation.
    fn mark_set(&mut self, nodes: &[u32]) -> u32 {
        self.generation += 1;
        for &v in nodes {
            self.mark[v as usize] = self.generation;
        }
        self.generation
    }

    /// The strongly connected components of the subgraph of `nodes` and the edges `keep` keeps.
    fn components(&mut self, nodes: &[u32], keep: EdgeFilter<'_>) -> Vec<Vec<u32>> {
        let generation = self.mark_set(nodes);
        for &v in nodes {
            self.index[v as usize] = NONE;
            self.on_stack[v as usize] = false;
        }
        let graph = self.graph;
        let mut counter = 0u32;
        let mut stack: Vec<u32> = Vec::new();
        let mut calls: Vec<(u32, usize)> = Vec::new();
        let mut out = Vec::new();
        for &root in nodes {
            if self.index[root as usize] != NONE {
                continue;
            }
            self.index[root as usize] = counter;
            self.low[root as usize] = counter;
            counter += 1;
            stack.push(root);
            self.on_stack[root as usize] = true;
            calls.push((root, graph.edges(root).start));
            while let Some(&mut (v, ref mut position)) = calls.last_mut() {
                let end = graph.edges(v).end;
                if *position < end {
                    let e = *position;
                    let w = graph.targets[e];
                    *position += 1;
                    if self.mark[w as usize] != generation || !keep(e) {
                        continue;
                    }
                    if self.index[w as usize] == NONE {
                        self.index[w as usize] = counter;
                        self.low[w as usize] = counter;
                        counter += 1;
                        stack.push(w);
                        self.on_stack[w as usize] = true;
                        calls.push((w, graph.edges(w).start));
                    } else if self.on_stack[w as usize] {
                        let low = self.low[v as usize].min(self.index[w as usize]);
                        self.low[v as usize] = low;
                    }
                } else {
                    calls.pop();
                    if let Some(&(u, _)) = calls.last() {
                        let low = self.low[u as usize].min(self.low[v as usize]);
                        self.low[u as usize] = low;
                    }
                    if self.low[v as usize] == self.index[v as usize] {
                        let mut component = Vec::new();
                        loop {
                            let w = stack.pop().expect("tarjan stack");
                            self.on_stack[w as usize] = false;
                            component.push(w);
                            if w == v {
                                break;
                            }
                        }
                        out.push(component);
                    }
                }
            }
        }
        out
    }

    /// Every fair ending of `query` inside `nodes` (which keep its state conditions).
    fn endings(&mut self, nodes: Vec<u32>, query: &Query, keep: EdgeFilter<'_>) -> Vec<Ending> {
        let graph = self.graph;
        let mut out = Vec::new();
        if query.often_steps.is_empty() {
            for &v in &nodes {
                if !graph.truncated[v as usize]
                    && graph.enabled.row_is_zero(v as usize)
                    && query.often_states.iter().all(|&c| graph.state_holds(v, c))
                {
                    out.push(Ending::Stutter(v));
                }
            }
        }
        let words = graph.enabled.stride;
        let mut work = vec![nodes];
        while let Some(set) = work.pop() {
            for component in self.components(&set, keep) {
                if component.len() < 2 {
                    continue;
                }
                let generation = self.mark_set(&component);
                let internal =
                    |e: usize| self.mark[graph.targets[e] as usize] == generation && keep(e);
                let mut taken = vec![0u64; words];
                let mut often_steps = vec![false; query.often_steps.len()];
                for &v in &component {
                    for e in graph.edges(v).filter(|&e| internal(e)) {
                        for (t, w) in taken.iter_mut().zip(graph.edge_bits.row(e)) {
                            *t |= w;
                        }
                        for (seen, &c) in often_steps.iter_mut().zip(&query.often_steps) {
                            *seen |= graph.step_holds(e, c);
                        }
                    }
                }
                let often_states = query
                    .often_states
                    .iter()
                    .all(|&c| component.iter().any(|&v| graph.state_holds(v, c)));
                if !often_states || !often_steps.iter().all(|s| *s) {
                    // No part of the component can do better.
                    continue;
                }
                let mut doomed = false;
                let mut prune = vec![0u64; words];
                for (f, kind) in self.kinds.iter().enumerate() {
                    if test_bit(&taken, f) {
                        continue;
                    }
                    let enabled_everywhere =
                        component.iter().all(|&v| graph.enabled.get(v as usize, f));
                    let enabled_somewhere = enabled_everywhere
                        || component.iter().any(|&v| graph.enabled.get(v as usize, f));
                    match kind {
                        FairnessKind::Weak if enabled_everywhere => doomed = true,
                        FairnessKind::Strong if enabled_somewhere => set_bit(&mut prune, f),
                        _ => {}
                    }
                }
                if doomed {
                    continue;
                }
                if prune.iter().any(|w| *w != 0) {
                    let rest: Vec<u32> = component
                        .into_iter()
                        .filter(|&v| {
                            let row = graph.enabled.row(v as usize);
                            row.iter().zip(&prune).all(|(r, p)| r & p == 0)
                        })
                        .collect();
                    if !rest.is_empty() {
                        work.push(rest);
                    }
                    continue;
                }
                out.push(Ending::Cycle(component));
            }
        }
        out
    }

    /// A shortest path from `from` to a node satisfying `goal`, moving only through nodes with
    /// mark `generation` along edges `keep` keeps; the nodes after `from`, up to the goal.
    fn path_within(
        &self,
        from: u32,
        generation: u32,
        keep: EdgeFilter<'_>,
        goal: &dyn Fn(u32) -> bool,
    ) -> Option<Vec<u32>> {
        if goal(from) {
            return Some(Vec::new());
        }
        let graph = self.graph;
        let mut previous: HashMap<u32, u32> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        previous.insert(from, NONE);
        while let Some(v) = queue.pop_front() {
            for e in graph.edges(v) {
                let w = graph.targets[e];
                if self.mark[w as usize] != generation || !keep(e) || previous.contains_key(&w) {
                    continue;
                }
                previous.insert(w, v);
                if goal(w) {
                    let mut path = vec![w];
                    let mut cur = v;
                    while cur != from {
                        path.push(cur);
                        cur = previous[&cur];
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(w);
            }
        }
        None
    }

    /// A cycle from `entry` back to it through `component` along kept edges, which takes every
    /// fair action the component takes, visits a state where each weakly fair action it does not
    /// take is disabled, and meets each of the query's `often` conditions. Starts and ends with
    /// `entry`.
    fn cycle(
        &mut self,
        component: &[u32],
        entry: u32,
        query: &Query,
        keep: EdgeFilter<'_>,
    ) -> Vec<u32> {
        let graph = self.graph;
        let generation = self.mark_set(component);
        let internal =
            |e: usize, mark: &[u32]| mark[graph.targets[e] as usize] == generation && keep(e);
        let find_edge = |holds: &dyn Fn(usize) -> bool, mark: &[u32]| {
            component.iter().find_map(|&v| {
                graph
                    .edges(v)
                    .find(|&e| internal(e, mark) && holds(e))
                    .map(|e| (v, Some(graph.targets[e])))
            })
        };
        // Waypoints: a node to visit, or an edge `(from, to)` to take.
        let mut waypoints: Vec<(u32, Option<u32>)> = Vec::new();
        for &c in &query.often_states {
            if let Some(&v) = component.iter().find(|&&v| graph.state_holds(v, c)) {
                waypoints.push((v, None));
            }
        }
        for &c in &query.often_steps {
            waypoints.extend(find_edge(&|e| graph.step_holds(e, c), &self.mark));
        }
        for (f, kind) in self.kinds.iter().enumerate() {
            match find_edge(&|e| graph.edge_bits.get(e, f), &self.mark) {
                Some(edge) => waypoints.push(edge),
                None if *kind == FairnessKind::Weak => {
                    if let Some(&v) = component
                        .iter()
                        .find(|&&v| !graph.enabled.get(v as usize, f))
                    {
                        waypoints.push((v, None));
                    }
                }
                None => {}
            }
        }
        let mut path = vec![entry];
        let mut cur = entry;
        for (node, then) in waypoints {
            let leg = self
                .path_within(cur, generation, keep, &|v| v == node)
                .expect("strongly connected");
            path.extend(leg);
            cur = node;
            if let Some(to) = then {
                path.push(to);
                cur = to;
            }
        }
        if path.len() == 1 {
            // Nothing to visit: any step inside the component, and back.
            let to = graph
                .edges(entry)
                .find(|&e| internal(e, &self.mark))
                .map(|e| graph.targets[e])
                .expect("a component of two or more states");
            path.push(to);
            cur = to;
        }
        if cur != entry {
            let leg = self
                .path_within(cur, generation, keep, &|v| v == entry)
                .expect("strongly connected");
            path.extend(leg);
        }
        path
    }

    /// A counterexample to `query`: the nodes of a lasso and the index where its cycle starts.
    fn counterexample(&mut self, query: &Query, reverse: &Reverse) -> Option<(Vec<u32>, usize)> {
        let graph = self.graph;
        let n = graph.len() as u32;
        let all =
            |v: u32, conditions: &[usize]| conditions.iter().all(|&c| graph.state_holds(v, c));
        let throughout = |v: u32| all(v, &query.throughout);
        let avoid = |v: u32| throughout(v) && query.avoid.is_none_or(|c| graph.state_holds(v, c));
        let end_nodes: Vec<u32> = (0..n)
            .filter(|&v| avoid(v) && all(v, &query.always_states))
            .collect();
        if end_nodes.is_empty() {
            return None;
        }
        // Steps along the whole counterexample, and those of its end.
        let along = |e: usize| {
            query
                .throughout_steps
                .iter()
                .all(|&c| graph.step_holds(e, c))
        };
        let keep =
            |e: usize| along(e) && query.always_steps.iter().all(|&c| graph.step_holds(e, c));
        let endings = self.endings(end_nodes, query, &keep);
        if endings.is_empty() {
            return None;
        }
        // Which ending each node belongs to, and every node that reaches one keeping `avoid`.
        let mut ending_of: HashMap<u32, usize> = HashMap::new();
        for (i, ending) in endings.iter().enumerate() {
            match ending {
                Ending::Stutter(v) => {
                    ending_of.entry(*v).or_insert(i);
                }
                Ending::Cycle(nodes) => {
                    for &v in nodes {
                        ending_of.entry(v).or_insert(i);
                    }
                }
            }
        }
        let doomed = reverse.reaching(n, ending_of.keys().copied(), &avoid, &along);
        // The prefix: from an initial state that satisfies `initially`, through `throughout`
        // states; breadth-first, so that it is a shortest one.
        let constrained = !query.initially.is_empty()
            || !query.throughout.is_empty()
            || !query.throughout_steps.is_empty();
        let mut parent = vec![NONE; if constrained { n as usize } else { 0 }];
        let mut depth: Vec<u32> = if constrained {
            let mut depth = vec![NONE; n as usize];
            let mut queue: VecDeque<u32> = (0..n)
                .filter(|&v| graph.initial[v as usize] && all(v, &query.initially) && throughout(v))
                .collect();
            for &v in &queue {
                depth[v as usize] = 1;
            }
            while let Some(v) = queue.pop_front() {
                for e in graph.edges(v) {
                    let w = graph.targets[e];
                    if depth[w as usize] == NONE && throughout(w) && along(e) {
                        depth[w as usize] = depth[v as usize] + 1;
                        parent[w as usize] = v;
                        queue.push_back(w);
                    }
                }
            }
            depth
        } else {
            graph.depth.clone()
        };
        // With a state to reach after the trigger: the states from which a doomed one where
        // `reach` holds is reachable, found backwards from those.
        let reaching: Option<Vec<bool>> = query.reach.map(|c| {
            let seeds = (0..n).filter(|&w| doomed[w as usize] && graph.state_holds(w, c));
            reverse.reaching(n, seeds, &throughout, &along)
        });
        let startable = |v: u32| match &reaching {
            Some(reaching) => reaching[v as usize],
            None => doomed[v as usize],
        };
        let start = (0..n)
            .filter(|&v| startable(v) && depth[v as usize] != NONE)
            .filter(|&v| match query.trigger {
                QueryTrigger::Anywhere => true,
                QueryTrigger::Initial => depth[v as usize] == 1,
                QueryTrigger::State(c) => graph.state_holds(v, c),
            })
            .min_by_key(|&v| depth[v as usize])?;
        let mut nodes = if constrained {
            let mut path = vec![start];
            while parent[*path.last().expect("path") as usize] != NONE {
                path.push(parent[*path.last().expect("path") as usize]);
            }
            path.reverse();
            path
        } else {
            graph.path_to(start)
        };
        depth.clear();
        let mut from = start;
        if let Some(c) = query.reach {
            let within: Vec<u32> = (0..n).filter(|&v| throughout(v)).collect();
            let generation = self.mark_set(&within);
            let leg = self
                .path_within(start, generation, &along, &|v| {
                    doomed[v as usize] && graph.state_holds(v, c)
                })
                .expect("a reaching state reaches a doomed state where `reach` holds");
            nodes.extend(leg);
            from = *nodes.last().expect("path");
        }
        let kept: Vec<u32> = (0..n).filter(|&v| avoid(v)).collect();
        let generation = self.mark_set(&kept);
        let leg = self
            .path_within(from, generation, &along, &|v| ending_of.contains_key(&v))
            .expect("a doomed state reaches an ending");
        nodes.extend(leg);
        let entry = *nodes.last().expect("path");
        let cycle_start = nodes.len() - 1;
        if let Ending::Cycle(component) = &endings[ending_of[&entry]] {
            let cycle = self.cycle(component, entry, query, &keep);
            nodes.extend(&cycle[1..]);
        }
        Some((nodes, cycle_start))
    }
}

/// The graph's edges backwards.
struct Reverse {
    offsets: Vec<u32>,
    sources: Vec<u32>,
    /// The index of each edge in `sources`.
    edges: Vec<u32>,
}

impl Reverse {
    fn new(graph: &Graph) -> Self {
        let n = graph.len();
        let mut offsets = vec![0u32; n + 1];
        for &w in &graph.targets {
            offsets[w as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut sources = vec![0u32; graph.targets.len()];
        let mut edges = vec![0u32; graph.targets.len()];
        for v in 0..n as u32 {
            for e in graph.edges(v) {
                let w = graph.targets[e] as usize;
                sources[fill[w] as usize] = v;
                edges[fill[w] as usize] = e as u32;
                fill[w] += 1;
            }
        }
        Reverse {
            offsets,
            sources,
            edges,
        }
    }

    /// The nodes (of `n`) from which one of `seeds` is reachable through nodes `node` keeps,
    /// along edges `edge` keeps: the seeds, then backwards breadth-first.
    fn reaching(
        &self,
        n: u32,
        seeds: impl Iterator<Item = u32>,
        node: &dyn Fn(u32) -> bool,
        edge: &dyn Fn(usize) -> bool,
    ) -> Vec<bool> {
        let mut reached = vec![false; n as usize];
        let mut queue: VecDeque<u32> = seeds.collect();
        for &v in &queue {
            reached[v as usize] = true;
        }
        while let Some(w) = queue.pop_front() {
            for (v, e) in self.sources(w) {
                if !reached[v as usize] && node(v) && edge(e) {
                    reached[v as usize] = true;
                    queue.push_back(v);
                }
            }
        }
        reached
    }

    /// The edges into `w`: each source and the edge's index.
    fn sources(&self, w: u32) -> impl Iterator<Item = (u32, usize)> + '_ {
        let range = self.offsets[w as usize] as usize..self.offsets[w as usize + 1] as usize;
        self.sources[range.clone()]
            .iter()
            .zip(&self.edges[range])
            .map(|(&v, &e)| (v, e as usize))
    }
}

/// Checks the liveness properties of `model` and writes their status into `report`, whose
/// `properties` are in the model's order. Runs only after an exhaustive search without error;
/// otherwise they stay unknown.
pub(crate) fn check_liveness<M: Model>(
    model: &M,
    options: &CheckOptions,
    progress: &Progress,
    fingerprint: &(dyn Fn(&M::State) -> Fingerprint + Sync),
    report: &mut Report,
) {
    let properties: Vec<Property<M>> = model.properties();
    let conditions = Conditions::new(&properties);
    if conditions.queries.is_empty() || !report.complete || report.error.is_some() {
        return;
    }
    let fairness = model.fairness();
    let builder = Builder {
        model,
        options,
        progress,
        fingerprint,
        conditions: &conditions,
        fairness: &fairness,
    };
    let graph = match builder.build() {
        Ok(graph) => graph,
        Err((BuildError::Cancelled, _)) => {
            report.complete = false;
            report.stopped = Some(crate::report::StopReason::Cancelled);
            return;
        }
        Err((BuildError::Model(error, _), path)) => {
            report.error = Some(ErrorReport {
                message: error.message,
                trace: lasso(model, fingerprint, &path, None),
            });
            return;
        }
    };
    let kinds: Vec<FairnessKind> = fairness.iter().map(|f| f.kind).collect();
    let reverse = Reverse::new(&graph);
    let mut analysis = Analysis::new(&graph, kinds);
    for query in &conditions.queries {
        let entry = &mut report.properties[query.slot];
        match analysis.counterexample(query, &reverse) {
            None => entry.status = Status::Holds,
            Some((nodes, cycle_start)) => {
                entry.status = Status::Violated;
                let path: Vec<Fingerprint> = nodes.iter().map(|&v| graph.fps[v as usize]).collect();
                entry.trace = lasso(model, fingerprint, &path, Some(cycle_start));
            }
        }
    }
}

/// The trace along `path` (fingerprints from an initial state), with its cycle.
fn lasso<M: Model>(
    model: &M,
    fingerprint: &dyn Fn(&M::State) -> Fingerprint,
    path: &[Fingerprint],
    cycle_start: Option<usize>,
) -> Option<Trace> {
    if path.is_empty() {
        return None;
    }
    let states = replay(model, fingerprint, path)?;
    let refs: Vec<_> = states.iter().map(|(a, s)| (a.as_ref(), s)).collect();
    let mut trace = render(model, &refs);
    trace.cycle_start = cycle_start;
    Some(trace)
}
