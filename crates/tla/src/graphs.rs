//! The operators of the community module `UndirectedGraphs`, built in like the other community
//! modules (see [`crate::community`]). A graph is a record `[node |-> N, edge |-> E]` whose
//! edges are sets `{a, b}` of one or two nodes. `SimplePath`, `AreConnectedIn` and
//! `ConnectedComponents` compute what their TLA+ definitions mean (TLC replaces those three by
//! Java code for the same reason); `Path(G)` is infinite as soon as `G` has an edge, so it is
//! kept symbolic and only tested for membership, as in TLC.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::ast::Span;
use crate::eval::{apply_function, enumerate, fail, EResult};
use crate::value::{Sym, Value};

/// The most elements a set built here may have.
const ENUMERATION_MAX: usize = 1 << 22;

/// A set's elements.
type Elements = Arc<[Value]>;

/// Each node's neighbours.
type Neighbours = BTreeMap<Value, Vec<Value>>;

/// `G.node` and `G.edge`, failing as `G.node` fails when `G` has no such field.
fn parts(g: &Value, span: Span) -> EResult<(Elements, Elements)> {
    let field = |name: &str| -> EResult<Arc<[Value]>> {
        match apply_function(g, &Value::string(name)) {
            Some(value) => enumerate(&value, span),
            None => fail(
                span,
                format!("{} is not a graph: it has no field `{name}`", g.to_tlc()),
            ),
        }
    };
    Ok((field("node")?, field("edge")?))
}

/// The endpoints of edge `e` when it is a set of one or two of `nodes`.
fn endpoints<'e>(e: &'e Value, nodes: &[Value]) -> Option<&'e [Value]> {
    match e {
        Value::Set(ends)
            if (1..=2).contains(&ends.len())
                && ends.iter().all(|n| nodes.binary_search(n).is_ok()) =>
        {
            Some(ends)
        }
        _ => None,
    }
}

/// `IsUndirectedGraph(G)`, or with `loop_free` `IsLoopFreeUndirectedGraph(G)`: `G` has exactly
/// the fields `node` and `edge`, and every edge is `{a, b}` for nodes `a` and `b` (distinct
/// ones when loop-free).
pub fn is_graph(g: &Value, loop_free: bool, span: Span) -> EResult<bool> {
    let (nodes, edges) = parts(g, span)?;
    if !matches!(g, Value::Record(fields) if fields.len() == 2) {
        return Ok(false);
    }
    Ok(edges.iter().all(|e| match endpoints(e, &nodes) {
        Some(ends) => !loop_free || ends.len() == 2,
        None => false,
    }))
}

fn graph(nodes: Value, edges: Value) -> Value {
    Value::record(vec![(Sym::new("node"), nodes), (Sym::new("edge"), edges)])
}

/// All subsets of `elements`, each a sorted set.
fn subsets(elements: &[Value], span: Span) -> EResult<Vec<Vec<Value>>> {
    if elements.len() > 22 {
        return fail(
            span,
            "SUBSET of a set of more than 22 elements is too large",
        );
    }
    let mut out = Vec::with_capacity(1 << elements.len());
    for mask in 0u32..(1u32 << elements.len()) {
        out.push(
            elements
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, v)| v.clone())
                .collect(),
        );
    }
    Ok(out)
}

/// `UndirectedSubgraph(G)`: the graphs whose nodes and edges are subsets of `G`'s.
pub fn subgraphs(g: &Value, span: Span) -> EResult<Value> {
    let (nodes, edges) = parts(g, span)?;
    // Candidates: every subset of the nodes with every subset of the edges.
    if nodes.len() + edges.len() > ENUMERATION_MAX.trailing_zeros() as usize {
        return fail(span, "UndirectedSubgraph of a graph too large to enumerate");
    }
    let node_sets = subsets(&nodes, span)?;
    let edge_sets = subsets(&edges, span)?;
    let mut out = Vec::new();
    for n in &node_sets {
        for e in &edge_sets {
            if e.iter().all(|edge| endpoints(edge, n).is_some()) {
                out.push(graph(
                    Value::set_sorted(n.clone()),
                    Value::set_sorted(e.clone()),
                ));
            }
        }
    }
    Ok(Value::set(out))
}

/// The neighbours of each node of `G` through its edges (a node with a loop is its own).
fn adjacency(g: &Value, span: Span) -> EResult<(Elements, Neighbours)> {
    let (nodes, edges) = parts(g, span)?;
    let mut next: Neighbours = nodes.iter().map(|n| (n.clone(), Vec::new())).collect();
    for e in edges.iter() {
        if let Some(ends) = endpoints(e, &nodes) {
            let (a, b) = (&ends[0], &ends[ends.len() - 1]);
            if let Some(list) = next.get_mut(a) {
                list.push(b.clone());
            }
            if a != b {
                if let Some(list) = next.get_mut(b) {
                    list.push(a.clone());
                }
            }
        }
    }
    Ok((nodes, next))
}

/// Whether `p` is in `Path(G)`: a nonempty sequence of nodes, each two consecutive ones joined
/// by an edge.
pub fn is_path(p: &Value, g: &Value, span: Span) -> EResult<bool> {
    let (nodes, edges) = parts(g, span)?;
    let Value::Seq(items) = p else {
        return Ok(false);
    };
    if items.is_empty() || !items.iter().all(|n| nodes.binary_search(n).is_ok()) {
        return Ok(false);
    }
    Ok(items
        .windows(2)
        .all(|w| edges.binary_search(&Value::set(w.to_vec())).is_ok()))
}

/// `SimplePath(G)`: the paths that visit no node twice.
pub fn simple_paths(g: &Value, span: Span) -> EResult<Value> {
    fn extend(
        path: &mut Vec<Value>,
        next: &Neighbours,
        out: &mut Vec<Value>,
        span: Span,
    ) -> EResult<()> {
        if out.len() >= ENUMERATION_MAX {
            return fail(
                span,
                "SimplePath of a graph with too many paths to enumerate",
            );
        }
        out.push(Value::Seq(path.clone().into()));
        let last = path[path.len() - 1].clone();
        for n in next.get(&last).into_iter().flatten() {
            if !path.contains(n) {
                path.push(n.clone());
                extend(path, next, out, span)?;
                path.pop();
            }
        }
        Ok(())
    }
    let (nodes, next) = adjacency(g, span)?;
    let mut out = Vec::new();
    for start in nodes.iter() {
        extend(&mut vec![start.clone()], &next, &mut out, span)?;
    }
    Ok(Value::set(out))
}

/// The nodes reachable from `start` (itself included).
fn reachable(start: &Value, next: &Neighbours) -> Vec<Value> {
    let mut seen = vec![start.clone()];
    let mut at = 0;
    while at < seen.len() {
        for n in next.get(&seen[at]).into_iter().flatten() {
            if !seen.contains(n) {
                seen.push(n.clone());
            }
        }
        at += 1;
    }
    seen
}

/// `AreConnectedIn(m, n, G)`: some path of `G` goes from `m` to `n`.
pub fn connected(m: &Value, n: &Value, g: &Value, span: Span) -> EResult<bool> {
    let (nodes, next) = adjacency(g, span)?;
    if nodes.binary_search(m).is_err() {
        return Ok(false);
    }
    Ok(reachable(m, &next).contains(n))
}

/// `ConnectedComponents(G)`: the maximal nonempty sets of nodes connected to each other.
pub fn components(g: &Value, span: Span) -> EResult<Value> {
    let (nodes, next) = adjacency(g, span)?;
    let mut out: Vec<Value> = Vec::new();
    let mut placed: Vec<Value> = Vec::new();
    for n in nodes.iter() {
        if placed.contains(n) {
            continue;
        }
        let component = reachable(n, &next);
        placed.extend(component.iter().cloned());
        out.push(Value::set(component));
    }
    Ok(Value::set(out))
}

/// `UndirectedGraphs(S)`: every graph on the nodes `S`, as the symbolic set
/// `[node : {S}, edge : SUBSET {{s, t} : <<s, t>> \in S \X S}]`.
pub fn all_graphs(s: &Value, span: Span) -> EResult<Value> {
    let nodes = enumerate(s, span)?;
    let mut pairs = Vec::new();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i..] {
            pairs.push(Value::set(vec![a.clone(), b.clone()]));
        }
    }
    Ok(Value::Lazy(Arc::new(crate::value::LazySet::Records({
        let mut fields = vec![
            (Sym::new("node"), Value::set(vec![Value::Set(nodes)])),
            (
                Sym::new("edge"),
                Value::Lazy(Arc::new(crate::value::LazySet::Subset(Value::set(pairs)))),
            ),
        ];
        fields.sort_by_key(|(k, _)| *k);
        fields
    }))))
}
