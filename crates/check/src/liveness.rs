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
//! - `P ~> Q` (and `<>Q`, where the initial state is the trigger, and `[]<>Q`, where every
//!   state is): the fair components of the states where `Q` is false, and every state that
//!   reaches one without passing through `Q`; a violation is a reachable `P` state among them.
//! - `<>[]Q`: a fair component that contains a state where `Q` is false.
//!
//! A counterexample is a lasso: a shortest path to the trigger, a path to the component, and a
//! cycle through the component that takes every fair action the component takes and visits a
//! state where each weakly fair action it does not take is disabled (or a final stuttering
//! state). States that were not expanded (the model's bounds, `--max-depth`) never end a
//! counterexample, since what follows them is unknown.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::sync::atomic::Ordering;

use crate::fingerprint::{Fingerprint, IdentityHasher};
use crate::model::{Condition, FairnessKind, Liveness, Model, ModelError, Property};
use crate::report::{ErrorReport, Report, Status, Trace};
use crate::search::{render, replay, CheckOptions, Progress};

const NONE: u32 = u32::MAX;

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
struct Graph {
    fps: Vec<Fingerprint>,
    parent: Vec<u32>,
    depth: Vec<u32>,
    initial: Vec<bool>,
    truncated: Vec<bool>,
    /// Edges of node `i` are `targets[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    targets: Vec<u32>,
    /// Per edge: the fairness conditions it satisfies.
    edge_fair: Bits,
    /// Per node: the fairness conditions enabled in it.
    enabled: Bits,
    /// Per node: per liveness property `k`, bit `2k` is its trigger and `2k + 1` its goal.
    labels: Bits,
}

impl Graph {
    fn len(&self) -> usize {
        self.fps.len()
    }

    fn edges(&self, v: u32) -> std::ops::Range<usize> {
        self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize
    }

    /// The fingerprints from an initial state to `v`, along the breadth-first parents.
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
}

/// The liveness properties of a model, by their slot in `Model::properties`.
struct Target<M: Model> {
    slot: usize,
    liveness: Liveness<M>,
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

struct Builder<'a, M: Model> {
    model: &'a M,
    options: &'a CheckOptions,
    progress: &'a Progress,
    fingerprint: &'a dyn Fn(&M::State) -> Fingerprint,
    targets: &'a [Target<M>],
    fairness: &'a [crate::model::Fairness<M>],
}

impl<M: Model> Builder<'_, M> {
    fn label(&self, state: &M::State, row: &mut [u64]) -> Result<(), ModelError> {
        row.iter_mut().for_each(|w| *w = 0);
        for (k, target) in self.targets.iter().enumerate() {
            let (trigger, goal) = match &target.liveness {
                Liveness::LeadsTo { trigger, goal } => (trigger.as_ref(), goal),
                Liveness::EventuallyAlways(goal) => (None, goal),
            };
            if let Some(trigger) = trigger {
                if trigger(self.model, state)? {
                    set_bit(row, 2 * k);
                }
            }
            if goal(self.model, state)? {
                set_bit(row, 2 * k + 1);
            }
        }
        Ok(())
    }

    /// The graph, or what went wrong with the path (fingerprints from an initial state) to the
    /// state where it did.
    fn build(&self) -> Result<Graph, (BuildError, Vec<Fingerprint>)> {
        let mut graph = Graph {
            fps: Vec::new(),
            parent: Vec::new(),
            depth: Vec::new(),
            initial: Vec::new(),
            truncated: Vec::new(),
            offsets: Vec::new(),
            targets: Vec::new(),
            edge_fair: Bits::new(self.fairness.len()),
            enabled: Bits::new(self.fairness.len()),
            labels: Bits::new(2 * self.targets.len()),
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

    fn build_into(&self, graph: &mut Graph) -> Result<(), BuildError> {
        let mut label_row = vec![0u64; graph.labels.stride.max(1)];
        let mut index = FpMap::default();
        let mut queue: VecDeque<M::State> = VecDeque::new();

        let mut add = |graph: &mut Graph,
                       queue: &mut VecDeque<M::State>,
                       state: M::State,
                       fp: Fingerprint,
                       parent: u32|
         -> Result<u32, BuildError> {
            if let Some(&id) = index.get(&fp) {
                return Ok(id);
            }
            let id = u32::try_from(graph.fps.len())
                .ok()
                .filter(|id| *id != NONE)
                .ok_or_else(|| {
                    BuildError::Model(
                        ModelError::new("too many states for the liveness check (2^32)"),
                        None,
                    )
                })?;
            self.label(&state, &mut label_row)
                .map_err(|e| BuildError::Model(e, (parent != NONE).then_some(parent)))?;
            index.insert(fp, id);
            graph.fps.push(fp);
            graph.parent.push(parent);
            graph.depth.push(if parent == NONE {
                1
            } else {
                graph.depth[parent as usize] + 1
            });
            graph.initial.push(parent == NONE);
            graph.labels.push_row(&label_row);
            queue.push_back(state);
            Ok(id)
        };

        for state in self.model.init_states() {
            match self.model.in_model(None, &state) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => return Err(BuildError::Model(error, None)),
            }
            let fp = (self.fingerprint)(&state);
            add(graph, &mut queue, state, fp, NONE)?;
        }

        let fair_words = graph.enabled.stride.max(1);
        let mut enabled_row = vec![0u64; fair_words];
        let mut edge_row = vec![0u64; fair_words];
        let mut scratch = Vec::new();
        let mut successors = Vec::new();
        let mut next_id: u32 = 0;
        while let Some(state) = queue.pop_front() {
            let id = next_id;
            next_id += 1;
            if id % 1024 == 0 && self.progress.cancel.load(Ordering::Relaxed) {
                return Err(BuildError::Cancelled);
            }
            graph.offsets.push(graph.targets.len() as u32);
            enabled_row.iter_mut().for_each(|w| *w = 0);
            let depth = graph.depth[id as usize] as usize;
            let expand = self.options.max_depth.is_none_or(|max| depth < max)
                && self.model.within_bounds(&state);
            if !expand {
                graph.truncated.push(true);
                graph.enabled.push_row(&enabled_row);
                continue;
            }
            graph.truncated.push(false);
            let model_error = |e: ModelError| BuildError::Model(e, Some(id));
            successors.clear();
            self.model
                .successors(&state, &mut scratch, &mut successors)
                .map_err(model_error)?;
            let own = graph.fps[id as usize];
            for (action, next) in successors.drain(..) {
                let fp = (self.fingerprint)(&next);
                if fp == own {
                    continue;
                }
                edge_row.iter_mut().for_each(|w| *w = 0);
                for (f, fairness) in self.fairness.iter().enumerate() {
                    if (fairness.step)(self.model, &state, &action, &next).map_err(model_error)? {
                        set_bit(&mut edge_row, f);
                        if fairness.enabled.is_none() {
                            set_bit(&mut enabled_row, f);
                        }
                    }
                }
                if !self
                    .model
                    .in_model(Some(&state), &next)
                    .map_err(model_error)?
                {
                    continue;
                }
                let target = add(graph, &mut queue, next, fp, id)?;
                graph.targets.push(target);
                graph.edge_fair.push_row(&edge_row);
            }
            for (f, fairness) in self.fairness.iter().enumerate() {
                if let Some(enabled) = &fairness.enabled {
                    if enabled(self.model, &state).map_err(model_error)? {
                        set_bit(&mut enabled_row, f);
                    } else {
                        enabled_row[f / 64] &= !(1 << (f % 64));
                    }
                }
            }
            graph.enabled.push_row(&enabled_row);
        }
        graph.offsets.push(graph.targets.len() as u32);
        Ok(())
    }
}

/// Strongly connected components of subsets of the graph (Tarjan's algorithm, iterative), and
/// the search for fair endings.
struct Analysis<'g> {
    graph: &'g Graph,
    kinds: Vec<FairnessKind>,
    generation: u32,
    mark: Vec<u32>,
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
}

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

    /// The strongly connected components of the subgraph induced by `nodes`.
    fn components(&mut self, nodes: &[u32]) -> Vec<Vec<u32>> {
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
                    let w = graph.targets[*position];
                    *position += 1;
                    if self.mark[w as usize] != generation {
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

    /// Every fair ending inside `nodes` that visits a state satisfying `required`.
    fn endings(&mut self, nodes: Vec<u32>, required: &dyn Fn(u32) -> bool) -> Vec<Ending> {
        let graph = self.graph;
        let mut out = Vec::new();
        for &v in &nodes {
            if !graph.truncated[v as usize] && graph.enabled.row_is_zero(v as usize) && required(v)
            {
                out.push(Ending::Stutter(v));
            }
        }
        let words = graph.enabled.stride;
        let mut work = vec![nodes];
        while let Some(set) = work.pop() {
            for component in self.components(&set) {
                if component.len() < 2 || !component.iter().any(|&v| required(v)) {
                    continue;
                }
                let generation = self.mark_set(&component);
                let mut taken = vec![0u64; words];
                for &v in &component {
                    for e in graph.edges(v) {
                        if self.mark[graph.targets[e] as usize] == generation {
                            for (t, w) in taken.iter_mut().zip(graph.edge_fair.row(e)) {
                                *t |= w;
                            }
                        }
                    }
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
    /// mark `generation`; the nodes after `from`, up to the goal.
    fn path_within(
        &self,
        from: u32,
        generation: u32,
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
                if self.mark[w as usize] != generation || previous.contains_key(&w) {
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

    /// A cycle from `entry` back to it through `component`, which takes every fair action the
    /// component takes, visits a state where each weakly fair action it does not take is
    /// disabled, and visits a state satisfying `required`. Starts with `entry`, ends with it.
    fn cycle(&mut self, component: &[u32], entry: u32, required: &dyn Fn(u32) -> bool) -> Vec<u32> {
        let graph = self.graph;
        let generation = self.mark_set(component);
        // Waypoints: a node to visit, or an edge `(from, to)` to take.
        let mut waypoints: Vec<(u32, Option<u32>)> = Vec::new();
        if let Some(&v) = component.iter().find(|&&v| required(v)) {
            waypoints.push((v, None));
        }
        for (f, kind) in self.kinds.iter().enumerate() {
            let edge = component.iter().find_map(|&v| {
                graph.edges(v).find_map(|e| {
                    let w = graph.targets[e];
                    (self.mark[w as usize] == generation && graph.edge_fair.get(e, f))
                        .then_some((v, w))
                })
            });
            match (edge, kind) {
                (Some((v, w)), _) => waypoints.push((v, Some(w))),
                (None, FairnessKind::Weak) => {
                    if let Some(&v) = component
                        .iter()
                        .find(|&&v| !graph.enabled.get(v as usize, f))
                    {
                        waypoints.push((v, None));
                    }
                }
                (None, FairnessKind::Strong) => {}
            }
        }
        let mut path = vec![entry];
        let mut cur = entry;
        for (node, then) in waypoints {
            let leg = self
                .path_within(cur, generation, &|v| v == node)
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
                .map(|e| graph.targets[e])
                .find(|w| self.mark[*w as usize] == generation)
                .expect("a component of two or more states");
            path.push(to);
            cur = to;
        }
        if cur != entry {
            let leg = self
                .path_within(cur, generation, &|v| v == entry)
                .expect("strongly connected");
            path.extend(leg);
        }
        path
    }
}

/// Checks the liveness properties of `model` and writes their status into `report`, whose
/// `properties` are in the model's order. Runs only after an exhaustive search without error;
/// otherwise they stay unknown.
pub(crate) fn check_liveness<M: Model>(
    model: &M,
    options: &CheckOptions,
    progress: &Progress,
    fingerprint: &dyn Fn(&M::State) -> Fingerprint,
    report: &mut Report,
) {
    let properties: Vec<Property<M>> = model.properties();
    let targets: Vec<Target<M>> = properties
        .iter()
        .enumerate()
        .filter_map(|(slot, p)| match &p.condition {
            Condition::Liveness(l) => Some(Target {
                slot,
                liveness: l.clone(),
            }),
            _ => None,
        })
        .collect();
    if targets.is_empty() || !report.complete || report.error.is_some() {
        return;
    }
    let fairness = model.fairness();
    let builder = Builder {
        model,
        options,
        progress,
        fingerprint,
        targets: &targets,
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
    let mut analysis = Analysis::new(&graph, kinds);
    for (k, target) in targets.iter().enumerate() {
        let counterexample = match &target.liveness {
            Liveness::LeadsTo { trigger, .. } => leads_to(&mut analysis, k, trigger.is_some()),
            Liveness::EventuallyAlways(_) => eventually_always(&mut analysis, k),
        };
        let entry = &mut report.properties[target.slot];
        match counterexample {
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

/// A counterexample to the `k`-th liveness property, a leads-to (with a trigger unless
/// `triggered` is false, when the initial states are): the nodes of the lasso and the index
/// where its cycle starts.
fn leads_to(analysis: &mut Analysis<'_>, k: usize, triggered: bool) -> Option<(Vec<u32>, usize)> {
    let graph = analysis.graph;
    let n = graph.len();
    let goal = |v: u32| graph.labels.get(v as usize, 2 * k + 1);
    let allowed: Vec<u32> = (0..n as u32).filter(|&v| !goal(v)).collect();
    if allowed.is_empty() {
        return None;
    }
    let endings = analysis.endings(allowed.clone(), &|_| true);
    if endings.is_empty() {
        return None;
    }
    // Which ending each node belongs to, and every node that reaches one avoiding the goal.
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
    let mut reverse: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &v in &allowed {
        for e in graph.edges(v) {
            let w = graph.targets[e];
            if !goal(w) {
                reverse[w as usize].push(v);
            }
        }
    }
    let mut doomed = vec![false; n];
    let mut queue: VecDeque<u32> = ending_of.keys().copied().collect();
    for &v in &queue {
        doomed[v as usize] = true;
    }
    while let Some(w) = queue.pop_front() {
        for &v in &reverse[w as usize] {
            if !doomed[v as usize] {
                doomed[v as usize] = true;
                queue.push_back(v);
            }
        }
    }
    drop(reverse);
    let start = allowed
        .iter()
        .copied()
        .filter(|&v| doomed[v as usize])
        .filter(|&v| {
            if triggered {
                graph.labels.get(v as usize, 2 * k)
            } else {
                graph.initial[v as usize]
            }
        })
        .min_by_key(|&v| graph.depth[v as usize])?;
    let mut nodes = graph.path_to(start);
    let generation = analysis.mark_set(&allowed);
    let leg = analysis
        .path_within(start, generation, &|v| ending_of.contains_key(&v))
        .expect("a doomed state reaches an ending");
    nodes.extend(leg);
    let last = *nodes.last().expect("path");
    Some(finish_lasso(
        analysis,
        nodes,
        &endings[ending_of[&last]],
        last,
        &|_| true,
    ))
}

/// A counterexample to the `k`-th liveness property, an eventually-always.
fn eventually_always(analysis: &mut Analysis<'_>, k: usize) -> Option<(Vec<u32>, usize)> {
    let graph = analysis.graph;
    let all: Vec<u32> = (0..graph.len() as u32).collect();
    let bad = |v: u32| !graph.labels.get(v as usize, 2 * k + 1);
    let endings = analysis.endings(all, &bad);
    // The ending closest to an initial state, entered at its shallowest state.
    let (ending, entry) = endings
        .iter()
        .map(|ending| {
            let entry = match ending {
                Ending::Stutter(v) => *v,
                Ending::Cycle(nodes) => *nodes
                    .iter()
                    .min_by_key(|&&v| graph.depth[v as usize])
                    .expect("non-empty"),
            };
            (ending, entry)
        })
        .min_by_key(|(_, entry)| graph.depth[*entry as usize])?;
    let nodes = graph.path_to(entry);
    Some(finish_lasso(analysis, nodes, ending, entry, &bad))
}

/// Closes the path `nodes`, which ends at `entry` in `ending`, into a lasso.
fn finish_lasso(
    analysis: &mut Analysis<'_>,
    mut nodes: Vec<u32>,
    ending: &Ending,
    entry: u32,
    required: &dyn Fn(u32) -> bool,
) -> (Vec<u32>, usize) {
    let start = nodes.len() - 1;
    match ending {
        Ending::Stutter(_) => (nodes, start),
        Ending::Cycle(component) => {
            let cycle = analysis.cycle(component, entry, required);
            nodes.extend(&cycle[1..]);
            (nodes, start)
        }
    }
}
