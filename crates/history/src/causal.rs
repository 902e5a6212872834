//! Causal consistency for register and key-value histories with unique written values,
//! following Bouajjani, Enea, Guerraoui and Hamza, "On Verifying Causal Consistency" (POPL 2017).
//!
//! With unique values, the read-from relation `wr` is known, and the causal order is
//! `co = (po ∪ wr)+`. The three criteria are decided by looking for bad patterns:
//!
//! - all: `ThinAirRead` (a read of a value nobody wrote), `CyclicCO`, `WriteCOInitRead`
//!   (a read of the initial value after a causally preceding write of that key), and
//!   `WriteCORead` (`w1 co w2 co r` where `r` reads from `w1` and `w2` writes the same key);
//!   together these decide **CC**;
//! - **CM** (causal memory) also forbids `CyclicHB` and `WriteHBInitRead`, where `hb_o` extends
//!   `co` with `w1 → w2` whenever a read `r ≤po o` reads from `w2`, `w1` writes the same key and
//!   `w1 hb_o r`;
//! - **CCv** (causal convergence) also forbids `CyclicCF`: a cycle in `co ∪ cf`, where
//!   `w1 cf w2` if some read from `w2` causally follows `w1` (same key).
//!
//! Each violation comes with a cycle: the operations and the edges between them (`po`, `wr`,
//! `rb` for "must read before", `cf`, `hb`).

use crate::check::{CheckError, Consistency, Report, Verdict, Witness};
use crate::history::{History, Outcome};
use crate::model::{ModelKind, ModelOptions};
use crate::search::Bits;
use crate::value::Value;
use std::collections::{HashMap, VecDeque};

/// One step of a witness cycle: an operation and the edge to the next step.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CycleStep {
    /// History operation index.
    pub operation: usize,
    /// The edge to the next step (the last one closes the cycle): `po`, `wr`, `rb`, `cf`, `hb`.
    pub edge: String,
}

/// A causal bad pattern.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CausalWitness {
    /// `CC`, `CM` or `CCv`.
    pub criterion: String,
    /// The bad pattern, such as `WriteCORead`.
    pub pattern: String,
    /// The cycle (a single step for `ThinAirRead`).
    pub cycle: Vec<CycleStep>,
    /// A sentence explaining it.
    pub description: String,
}

/// The verdict of one causal criterion.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CriterionReport {
    /// `CC`, `CM` or `CCv`.
    pub criterion: String,
    /// Holds or violated.
    pub verdict: Verdict,
    /// The bad pattern found.
    pub witness: Option<CausalWitness>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edge {
    Po,
    Wr,
    Cf,
    Hb,
}

impl Edge {
    fn name(self) -> &'static str {
        match self {
            Edge::Po => "po",
            Edge::Wr => "wr",
            Edge::Cf => "cf",
            Edge::Hb => "hb",
        }
    }
}

#[derive(Clone, Debug)]
struct Access {
    index: usize,
    key: Value,
    write: bool,
    value: Value,
}

struct Graph {
    accesses: Vec<Access>,
    /// For each read node, the write node it reads from (`None`: the initial value).
    source: Vec<Option<usize>>,
    edges: Vec<Vec<(usize, Edge)>>,
    /// Read nodes per process, in program order.
    reads_by_process: Vec<Vec<usize>>,
    writes_by_key: HashMap<Value, Vec<usize>>,
}

/// The accesses (process, call position, access), the initial value, and whether a `nil` read
/// means unknown.
type Accesses = (Vec<(u64, usize, Access)>, Value, bool);

fn unsupported(kind: ModelKind, what: &str) -> CheckError {
    CheckError::Unsupported(format!(
        "causal consistency is checked for register and key-value histories (reads and writes); the {} model's {what} is not supported",
        kind.name()
    ))
}

fn accesses(
    history: &History,
    kind: ModelKind,
    options: &ModelOptions,
) -> Result<Accesses, CheckError> {
    let (initial, nil_unknown) = match kind {
        ModelKind::Register | ModelKind::CasRegister => {
            let register = options.register(history.format, kind == ModelKind::CasRegister);
            (register.initial, register.nil_read_is_unknown)
        }
        ModelKind::Kv => (options.kv().initial, false),
        ModelKind::MultiRegister => {
            let multi = options.multi_register(history.format);
            if !multi.initial.is_empty() {
                return Err(unsupported(kind, "per-register initial map"));
            }
            (multi.default, multi.nil_read_is_unknown)
        }
        _ => return Err(unsupported(kind, "operations")),
    };
    let mut out = Vec::new();
    for (index, operation) in history.operations.iter().enumerate() {
        if operation.outcome == Outcome::Fail {
            continue;
        }
        let ok = operation.outcome == Outcome::Ok;
        let (key, write, value) = match (kind, operation.f.as_str()) {
            (ModelKind::Register | ModelKind::CasRegister, "read") => {
                (Value::Nil, false, operation.output.clone())
            }
            (ModelKind::Register | ModelKind::CasRegister, "write") => {
                (Value::Nil, true, operation.input.clone())
            }
            (ModelKind::Kv, "get" | "read") => (
                operation.key.clone().unwrap_or_default(),
                false,
                operation.output.clone(),
            ),
            (ModelKind::Kv, "put" | "write") => (
                operation.key.clone().unwrap_or_default(),
                true,
                operation.input.clone(),
            ),
            (ModelKind::MultiRegister, "txn") => {
                let steps = operation.input.as_list().unwrap_or(&[]);
                let [step] = steps else {
                    return Err(unsupported(kind, "transaction with several steps"));
                };
                let Some([f, key, value]) = step.as_list() else {
                    return Err(CheckError::Shape {
                        line: operation.line,
                        message: format!("txn step must be [f key value], found {step}"),
                    });
                };
                let write = f.as_str() == Some("write");
                let value = if write {
                    value.clone()
                } else {
                    match operation.output.as_list() {
                        Some([output]) => match output.as_list() {
                            Some([_, _, v]) => v.clone(),
                            _ => Value::Nil,
                        },
                        _ => Value::Nil,
                    }
                };
                (key.clone(), write, value)
            }
            (_, f) => return Err(unsupported(kind, &format!(":{f} operation"))),
        };
        if !write && (!ok || (nil_unknown && value.is_nil())) {
            // A read with an unknown result constrains nothing.
            continue;
        }
        out.push((
            operation.process,
            operation.call,
            Access {
                index,
                key,
                write,
                value,
            },
        ));
    }
    Ok((out, initial, nil_unknown))
}

fn build(
    history: &History,
    kind: ModelKind,
    options: &ModelOptions,
) -> Result<(Graph, Value), CheckError> {
    let (mut raw, initial, _) = accesses(history, kind, options)?;
    raw.sort_by_key(|(_, call, access)| (*call, access.index));
    // Unique written values.
    let mut writer: HashMap<(Value, Value), usize> = HashMap::new();
    for (node, (_, _, access)) in raw.iter().enumerate() {
        if !access.write {
            continue;
        }
        let line = history.operations[access.index].line;
        if access.value == initial {
            return Err(CheckError::Shape {
                line,
                message: format!(
                    "causal checking needs unique written values, but this write writes the initial value {initial}"
                ),
            });
        }
        if let Some(&other) = writer.get(&(access.key.clone(), access.value.clone())) {
            return Err(CheckError::Shape {
                line,
                message: format!(
                    "causal checking needs unique written values, but {} is also written at line {}",
                    access.value,
                    history.operations[raw[other].2.index].line
                ),
            });
        }
        writer.insert((access.key.clone(), access.value.clone()), node);
    }
    // Info writes nobody reads may never have happened: drop them.
    let read_values: std::collections::HashSet<(Value, Value)> = raw
        .iter()
        .filter(|(_, _, a)| !a.write)
        .map(|(_, _, a)| (a.key.clone(), a.value.clone()))
        .collect();
    raw.retain(|(_, _, a)| {
        !(a.write
            && history.operations[a.index].outcome == Outcome::Info
            && !read_values.contains(&(a.key.clone(), a.value.clone())))
    });
    let mut writer: HashMap<(Value, Value), usize> = HashMap::new();
    for (node, (_, _, access)) in raw.iter().enumerate() {
        if access.write {
            writer.insert((access.key.clone(), access.value.clone()), node);
        }
    }
    let n = raw.len();
    let mut edges = vec![Vec::new(); n];
    let mut last_of_process: HashMap<u64, usize> = HashMap::new();
    let mut process_ids: HashMap<u64, usize> = HashMap::new();
    let mut reads_by_process: Vec<Vec<usize>> = Vec::new();
    let mut source = vec![None; n];
    let mut writes_by_key: HashMap<Value, Vec<usize>> = HashMap::new();
    for (node, (process, _, access)) in raw.iter().enumerate() {
        if let Some(previous) = last_of_process.insert(*process, node) {
            edges[previous].push((node, Edge::Po));
        }
        let next_id = process_ids.len();
        let pid = *process_ids.entry(*process).or_insert(next_id);
        if pid == reads_by_process.len() {
            reads_by_process.push(Vec::new());
        }
        if access.write {
            writes_by_key
                .entry(access.key.clone())
                .or_default()
                .push(node);
        } else {
            reads_by_process[pid].push(node);
            if access.value != initial {
                if let Some(&w) = writer.get(&(access.key.clone(), access.value.clone())) {
                    source[node] = Some(w);
                    edges[w].push((node, Edge::Wr));
                }
            }
        }
    }
    let accesses = raw.into_iter().map(|(_, _, a)| a).collect();
    Ok((
        Graph {
            accesses,
            source,
            edges,
            reads_by_process,
            writes_by_key,
        },
        initial,
    ))
}

/// Finds a cycle in a graph given by adjacency lists; returns the nodes and edges.
fn find_cycle(edges: &[Vec<(usize, Edge)>]) -> Option<Vec<(usize, Edge)>> {
    let n = edges.len();
    let mut color = vec![0u8; n];
    let mut parent: Vec<(usize, Edge)> = vec![(usize::MAX, Edge::Po); n];
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        color[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < edges[node].len() {
                let (to, edge) = edges[node][*next];
                *next += 1;
                if color[to] == 0 {
                    color[to] = 1;
                    parent[to] = (node, edge);
                    stack.push((to, 0));
                } else if color[to] == 1 {
                    // Back edge node -> to: walk parents from node back to `to`.
                    let mut cycle = vec![(node, edge)];
                    let mut at = node;
                    while at != to {
                        let (p, e) = parent[at];
                        cycle.push((p, e));
                        at = p;
                    }
                    cycle.reverse();
                    return Some(cycle);
                }
            } else {
                color[node] = 2;
                stack.pop();
            }
        }
    }
    None
}

/// A shortest path from `from` to `to`, as (node, edge to next) pairs ending with `to`.
fn find_path(edges: &[Vec<(usize, Edge)>], from: usize, to: usize) -> Vec<(usize, Edge)> {
    let n = edges.len();
    let mut previous: Vec<Option<(usize, Edge)>> = vec![None; n];
    let mut seen = vec![false; n];
    let mut queue = VecDeque::from([from]);
    seen[from] = true;
    while let Some(node) = queue.pop_front() {
        if node == to {
            break;
        }
        for &(next, edge) in &edges[node] {
            if !seen[next] {
                seen[next] = true;
                previous[next] = Some((node, edge));
                queue.push_back(next);
            }
        }
    }
    let mut path = Vec::new();
    let mut at = to;
    while at != from {
        let Some((p, e)) = previous[at] else { break };
        path.push((p, e));
        at = p;
    }
    path.reverse();
    path
}

/// Transitive closure (nodes reachable by one or more edges), or `None` if there is a cycle.
fn closure(edges: &[Vec<(usize, Edge)>]) -> Option<Vec<Bits>> {
    let n = edges.len();
    let mut indegree = vec![0usize; n];
    for out in edges {
        for &(to, _) in out {
            indegree[to] += 1;
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut queue: VecDeque<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    while let Some(v) = queue.pop_front() {
        order.push(v);
        for &(to, _) in &edges[v] {
            indegree[to] -= 1;
            if indegree[to] == 0 {
                queue.push_back(to);
            }
        }
    }
    if order.len() < n {
        return None;
    }
    let mut reach = vec![Bits::new(n); n];
    for &v in order.iter().rev() {
        let mut set = Bits::new(n);
        for &(to, _) in &edges[v] {
            set.set(to);
            set.union_with(&reach[to]);
        }
        reach[v] = set;
    }
    Some(reach)
}

struct Checker<'a> {
    graph: &'a Graph,
    initial: &'a Value,
}

impl Checker<'_> {
    fn op(&self, node: usize) -> usize {
        self.graph.accesses[node].index
    }

    fn steps(&self, path: &[(usize, Edge)], last: usize, closing: &str) -> Vec<CycleStep> {
        let mut cycle: Vec<CycleStep> = path
            .iter()
            .map(|&(node, edge)| CycleStep {
                operation: self.op(node),
                edge: edge.name().to_string(),
            })
            .collect();
        cycle.push(CycleStep {
            operation: self.op(last),
            edge: closing.to_string(),
        });
        cycle
    }

    fn witness(
        &self,
        criterion: &str,
        pattern: &str,
        cycle: Vec<CycleStep>,
        description: String,
    ) -> CausalWitness {
        CausalWitness {
            criterion: criterion.to_string(),
            pattern: pattern.to_string(),
            cycle,
            description,
        }
    }

    /// ThinAirRead, CyclicCO, WriteCOInitRead and WriteCORead: the CC bad patterns.
    fn cc(&self, criterion: &str) -> Result<Vec<Bits>, CausalWitness> {
        let g = self.graph;
        for (node, access) in g.accesses.iter().enumerate() {
            if !access.write && access.value != *self.initial && g.source[node].is_none() {
                return Err(self.witness(
                    criterion,
                    "ThinAirRead",
                    vec![CycleStep {
                        operation: self.op(node),
                        edge: String::new(),
                    }],
                    format!("a read of {} that no write wrote", access.value),
                ));
            }
        }
        let Some(reach) = closure(&g.edges) else {
            let cycle = find_cycle(&g.edges).unwrap_or_default();
            let steps = cycle
                .iter()
                .map(|&(node, edge)| CycleStep {
                    operation: self.op(node),
                    edge: edge.name().to_string(),
                })
                .collect();
            return Err(self.witness(
                criterion,
                "CyclicCO",
                steps,
                "the causal order (program order and read-from) has a cycle".to_string(),
            ));
        };
        for (r, access) in g.accesses.iter().enumerate() {
            if access.write {
                continue;
            }
            let writes = g.writes_by_key.get(&access.key).map_or(&[][..], |w| &w[..]);
            match g.source[r] {
                None => {
                    if let Some(&w) = writes.iter().find(|&&w| reach[w].get(r)) {
                        let path = find_path(&g.edges, w, r);
                        return Err(self.witness(
                            criterion,
                            "WriteCOInitRead",
                            self.steps(&path, r, "rb"),
                            format!(
                                "a read of the initial value {} causally after a write of {}",
                                self.initial, g.accesses[w].value
                            ),
                        ));
                    }
                }
                Some(w1) => {
                    if let Some(&w2) = writes
                        .iter()
                        .find(|&&w2| w2 != w1 && reach[w1].get(w2) && reach[w2].get(r))
                    {
                        let path = find_path(&g.edges, w2, r);
                        return Err(self.witness(
                            criterion,
                            "WriteCORead",
                            self.steps(&path, r, "rb"),
                            format!(
                                "a read of {} although the write of {} that causally follows it causally precedes the read",
                                access.value, g.accesses[w2].value
                            ),
                        ));
                    }
                }
            }
        }
        Ok(reach)
    }

    /// CCv: no cycle in co ∪ cf.
    fn ccv(&self, reach: &[Bits]) -> Option<CausalWitness> {
        let g = self.graph;
        let mut edges = g.edges.clone();
        for (r, access) in g.accesses.iter().enumerate() {
            let Some(w2) = g.source[r] else { continue };
            for &w1 in g.writes_by_key.get(&access.key).map_or(&[][..], |w| &w[..]) {
                if w1 != w2 && reach[w1].get(r) && !edges[w1].contains(&(w2, Edge::Cf)) {
                    edges[w1].push((w2, Edge::Cf));
                }
            }
        }
        let cycle = find_cycle(&edges)?;
        let steps = cycle
            .iter()
            .map(|&(node, edge)| CycleStep {
                operation: self.op(node),
                edge: edge.name().to_string(),
            })
            .collect();
        Some(self.witness(
            "CCv",
            "CyclicCF",
            steps,
            "causal order and write conflicts (cf) form a cycle: no single arbitration order of writes explains every read".to_string(),
        ))
    }

    /// CM: for each process, grow hb along its reads and look for CyclicHB and
    /// WriteHBInitRead.
    fn cm(&self, co: &[Bits]) -> Option<CausalWitness> {
        let g = self.graph;
        let n = g.accesses.len();
        for reads in &g.reads_by_process {
            let mut reach: Vec<Bits> = co.to_vec();
            let mut edges = g.edges.clone();
            for (position, &o) in reads.iter().enumerate() {
                // Fixpoint over the reads of this process up to o.
                loop {
                    let mut changed = false;
                    for &r1 in &reads[..=position] {
                        let Some(w2) = g.source[r1] else { continue };
                        let key = &g.accesses[r1].key;
                        for &w1 in g.writes_by_key.get(key).map_or(&[][..], |w| &w[..]) {
                            if w1 == w2 || !reach[w1].get(r1) || reach[w1].get(w2) {
                                continue;
                            }
                            edges[w1].push((w2, Edge::Hb));
                            let mut add = reach[w2].clone();
                            add.set(w2);
                            let sources: Vec<usize> =
                                (0..n).filter(|&a| a == w1 || reach[a].get(w1)).collect();
                            for a in sources {
                                reach[a].union_with(&add);
                            }
                            changed = true;
                        }
                    }
                    if !changed {
                        break;
                    }
                }
                if (0..n).any(|a| reach[a].get(a)) {
                    let cycle = find_cycle(&edges).unwrap_or_default();
                    let steps = cycle
                        .iter()
                        .map(|&(node, edge)| CycleStep {
                            operation: self.op(node),
                            edge: edge.name().to_string(),
                        })
                        .collect();
                    return Some(self.witness(
                        "CM",
                        "CyclicHB",
                        steps,
                        "the happens-before order of one process's reads has a cycle".to_string(),
                    ));
                }
                if g.source[o].is_none() {
                    let key = &g.accesses[o].key;
                    if let Some(&w) = g
                        .writes_by_key
                        .get(key)
                        .map_or(&[][..], |w| &w[..])
                        .iter()
                        .find(|&&w| reach[w].get(o))
                    {
                        let path = find_path(&edges, w, o);
                        return Some(self.witness(
                            "CM",
                            "WriteHBInitRead",
                            self.steps(&path, o, "rb"),
                            format!(
                                "a read of the initial value {} after a write of {} in its process's happens-before order",
                                self.initial, g.accesses[w].value
                            ),
                        ));
                    }
                }
            }
        }
        None
    }
}

/// Checks CC, CM and CCv. The report's verdict is CC's; `criteria` gives all three.
pub(crate) fn check_causal(
    history: &History,
    kind: ModelKind,
    options: &ModelOptions,
) -> Result<Report, CheckError> {
    let (graph, initial) = build(history, kind, options)?;
    let checker = Checker {
        graph: &graph,
        initial: &initial,
    };
    let mut criteria = Vec::new();
    match checker.cc("CC") {
        Err(witness) => {
            for criterion in ["CC", "CM", "CCv"] {
                let mut witness = witness.clone();
                witness.criterion = criterion.to_string();
                criteria.push(CriterionReport {
                    criterion: criterion.to_string(),
                    verdict: Verdict::Violated,
                    witness: Some(witness),
                });
            }
        }
        Ok(reach) => {
            criteria.push(CriterionReport {
                criterion: "CC".into(),
                verdict: Verdict::Holds,
                witness: None,
            });
            let cm = checker.cm(&reach);
            criteria.push(CriterionReport {
                criterion: "CM".into(),
                verdict: if cm.is_some() {
                    Verdict::Violated
                } else {
                    Verdict::Holds
                },
                witness: cm,
            });
            let ccv = checker.ccv(&reach);
            criteria.push(CriterionReport {
                criterion: "CCv".into(),
                verdict: if ccv.is_some() {
                    Verdict::Violated
                } else {
                    Verdict::Holds
                },
                witness: ccv,
            });
        }
    }
    let verdict = criteria[0].verdict;
    let witness = criteria[0].witness.clone().map(Witness::Causal);
    let notes = criteria
        .iter()
        .map(|c| {
            format!(
                "{}: {}{}",
                c.criterion,
                match c.verdict {
                    Verdict::Holds => "holds",
                    Verdict::Violated => "violated",
                    Verdict::Unknown => "unknown",
                },
                c.witness
                    .as_ref()
                    .map(|w| format!(" ({})", w.pattern))
                    .unwrap_or_default()
            )
        })
        .collect();
    Ok(Report {
        consistency: Consistency::Causal,
        model: kind.name().to_string(),
        verdict,
        partitions: Vec::new(),
        witness,
        notes,
        criteria,
    })
}
