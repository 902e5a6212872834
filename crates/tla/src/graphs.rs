//! The operators of the community modules `UndirectedGraphs` and `Graphs`, built in like the
//! other community modules (see [`crate::community`]). A graph is a record
//! `[node |-> N, edge |-> E]`; in `UndirectedGraphs` its edges are sets `{a, b}` of one or two
//! nodes, in `Graphs` they are pairs `<<a, b>>`, directed from `a` to `b`. `SimplePath`,
//! `AreConnectedIn`, `ConnectedComponents` and `ConnectionsIn` compute what their TLA+
//! definitions mean by a search over the graph instead of enumerating sequences (TLC replaces
//! some of them by Java code for the same reason); `Path(G)` is infinite as soon as `G` has an
//! edge, so it is kept symbolic and only tested for membership, as in TLC.

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
/// by an edge (`<<a, b>>` when `directed`, else `{a, b}`).
pub fn is_path(p: &Value, g: &Value, directed: bool, span: Span) -> EResult<bool> {
    let (nodes, edges) = parts(g, span)?;
    let Value::Seq(items) = p else {
        return Ok(false);
    };
    if items.is_empty() || !items.iter().all(|n| nodes.binary_search(n).is_ok()) {
        return Ok(false);
    }
    Ok(items.windows(2).all(|w| {
        let edge = if directed {
            Value::Seq(w.to_vec().into())
        } else {
            Value::set(w.to_vec())
        };
        edges.binary_search(&edge).is_ok()
    }))
}

/// `SimplePath(G)`: the paths that visit no node twice (along directed edges when
/// `directed`).
pub fn simple_paths(g: &Value, directed: bool, span: Span) -> EResult<Value> {
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
    let (nodes, next) = if directed {
        successors(g, span)?
    } else {
        adjacency(g, span)?
    };
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

/// `AreConnectedIn(m, n, G)`: some path of `G` goes from `m` to `n` (along directed edges when
/// `directed`).
pub fn connected(m: &Value, n: &Value, g: &Value, directed: bool, span: Span) -> EResult<bool> {
    let (nodes, next) = if directed {
        successors(g, span)?
    } else {
        adjacency(g, span)?
    };
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

// ---------------------------------------------------------------------------------------------
// Graphs: directed graphs, whose edges are pairs <<from, to>>.

/// The pair `<<a, b>>` of edge `e`, when it is one.
fn pair(e: &Value) -> Option<(&Value, &Value)> {
    match e {
        Value::Seq(ends) if ends.len() == 2 => Some((&ends[0], &ends[1])),
        _ => None,
    }
}

/// Each node's successors along `G`'s edges `<<a, b>>` between nodes of `G`.
fn successors(g: &Value, span: Span) -> EResult<(Elements, Neighbours)> {
    let (nodes, edges) = parts(g, span)?;
    let mut next: Neighbours = nodes.iter().map(|n| (n.clone(), Vec::new())).collect();
    for e in edges.iter() {
        if let Some((a, b)) = pair(e) {
            if nodes.binary_search(b).is_ok() {
                if let Some(list) = next.get_mut(a) {
                    list.push(b.clone());
                }
            }
        }
    }
    Ok((nodes, next))
}

/// `IsDirectedGraph(G)`: `G` is exactly `[node |-> G.node, edge |-> G.edge]` and its edges are
/// pairs of its nodes.
pub fn is_directed(g: &Value, span: Span) -> EResult<bool> {
    let (nodes, edges) = parts(g, span)?;
    if !matches!(g, Value::Record(fields) if fields.len() == 2) {
        return Ok(false);
    }
    Ok(edges.iter().all(|e| {
        pair(e)
            .is_some_and(|(a, b)| nodes.binary_search(a).is_ok() && nodes.binary_search(b).is_ok())
    }))
}

/// `IsUndirectedGraph(G)` of `Graphs`: a directed graph whose every edge has its reverse.
pub fn is_symmetric(g: &Value, span: Span) -> EResult<bool> {
    if !is_directed(g, span)? {
        return Ok(false);
    }
    let (_, edges) = parts(g, span)?;
    Ok(edges.iter().all(|e| match pair(e) {
        Some((a, b)) => edges
            .binary_search(&Value::Seq(vec![b.clone(), a.clone()].into()))
            .is_ok(),
        None => false,
    }))
}

/// `Transpose(G)`: `G` with every edge reversed.
pub fn transpose(g: &Value, span: Span) -> EResult<Value> {
    let (nodes, edges) = parts(g, span)?;
    let mut reversed = Vec::with_capacity(edges.len());
    for e in edges.iter() {
        let ends = match e {
            Value::Seq(ends) if ends.len() >= 2 => ends,
            _ => {
                return fail(
                    span,
                    format!("Transpose: the edge {} is not a pair", e.to_tlc()),
                )
            }
        };
        reversed.push(Value::Seq(vec![ends[1].clone(), ends[0].clone()].into()));
    }
    Ok(graph(Value::Set(nodes), Value::set(reversed)))
}

/// `DirectedSubgraph(G)` (or, with `symmetric`, `UndirectedSubgraph(G)` of `Graphs`): the
/// directed graphs whose nodes are some of `G`'s and whose edges are some of `G`'s between
/// them (each with its reverse when `symmetric`).
pub fn directed_subgraphs(g: &Value, symmetric: bool, span: Span) -> EResult<Value> {
    let (nodes, edges) = parts(g, span)?;
    let node_sets = subsets(&nodes, span)?;
    let mut out = Vec::new();
    for n in &node_sets {
        let inside: Vec<Value> = edges
            .iter()
            .filter(|e| {
                pair(e)
                    .is_some_and(|(a, b)| n.binary_search(a).is_ok() && n.binary_search(b).is_ok())
            })
            .cloned()
            .collect();
        if out.len() + (1usize << inside.len().min(usize::BITS as usize - 1)) > ENUMERATION_MAX {
            return fail(span, "the subgraphs of a graph too large to enumerate");
        }
        for e in subsets(&inside, span)? {
            let keep = !symmetric
                || e.iter().all(|edge| match pair(edge) {
                    Some((a, b)) => e
                        .binary_search(&Value::Seq(vec![b.clone(), a.clone()].into()))
                        .is_ok(),
                    None => false,
                });
            if keep {
                out.push(graph(Value::set_sorted(n.clone()), Value::set_sorted(e)));
            }
        }
    }
    Ok(Value::set(out))
}

/// `ConnectionsIn(G)`: the function on pairs of nodes `<<m, n>>` that tells whether a path of
/// `G` leads from `m` to `n` (every node reaches itself).
pub fn connections(g: &Value, span: Span) -> EResult<Value> {
    let (nodes, next) = successors(g, span)?;
    let mut pairs = Vec::with_capacity(nodes.len() * nodes.len());
    for m in nodes.iter() {
        let reached = reachable(m, &next);
        for n in nodes.iter() {
            pairs.push((
                Value::Seq(vec![m.clone(), n.clone()].into()),
                Value::Bool(reached.contains(n)),
            ));
        }
    }
    Ok(Value::function(pairs))
}

/// `IsStronglyConnected(G)` of `Graphs`: every node reaches every node.
pub fn strongly_connected(g: &Value, span: Span) -> EResult<bool> {
    let (nodes, next) = successors(g, span)?;
    Ok(nodes
        .iter()
        .all(|m| reachable(m, &next).len() == nodes.len()))
}

/// `IsTreeWithRoot(G, r)`: a directed graph in which no edge leaves `r`, no node has two
/// outgoing edges, and every node reaches `r`.
pub fn is_tree_with_root(g: &Value, r: &Value, span: Span) -> EResult<bool> {
    if !is_directed(g, span)? {
        return Ok(false);
    }
    let (nodes, edges) = parts(g, span)?;
    let mut sources: Vec<&Value> = Vec::with_capacity(edges.len());
    for e in edges.iter() {
        let Some((a, _)) = pair(e) else {
            return Ok(false);
        };
        if a == r || sources.contains(&a) {
            return Ok(false);
        }
        sources.push(a);
    }
    let (_, next) = successors(g, span)?;
    for n in nodes.iter() {
        if !reachable(n, &next).contains(r) {
            return Ok(false);
        }
    }
    Ok(true)
}
