//! The checker against an obviously correct oracle on random graphs: reachability, shortest
//! counterexamples, and traces that are real paths, for every strategy and thread count.

use std::collections::VecDeque;

use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use valence_check::{check, CheckOptions, Model, Property, Status, Strategy, Trace};

/// A directed graph whose states are node numbers; node 0 is initial.
#[derive(Debug, Clone)]
struct Graph {
    edges: Vec<Vec<u16>>,
    target: u16,
}

impl Model for Graph {
    type State = u16;
    type Action = u16;

    fn init_states(&self) -> Vec<u16> {
        vec![0]
    }

    fn actions(&self, state: &u16, out: &mut Vec<u16>) {
        out.extend(self.edges[*state as usize].iter().copied());
    }

    fn next_state(&self, _state: &u16, action: &u16) -> Option<u16> {
        Some(*action)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always("avoids-target", |m: &Graph, s| *s != m.target),
            Property::sometimes("reaches-target", |m: &Graph, s| *s == m.target),
        ]
    }

    fn checks_deadlock(&self) -> bool {
        false
    }

    fn describe_state(&self, state: &u16) -> String {
        state.to_string()
    }
}

/// Shortest distances from node 0, by plain BFS.
fn distances(graph: &Graph) -> Vec<Option<usize>> {
    let mut dist = vec![None; graph.edges.len()];
    dist[0] = Some(0);
    let mut queue = VecDeque::from([0u16]);
    while let Some(n) = queue.pop_front() {
        for &m in &graph.edges[n as usize] {
            if dist[m as usize].is_none() {
                dist[m as usize] = Some(dist[n as usize].unwrap() + 1);
                queue.push_back(m);
            }
        }
    }
    dist
}

/// The trace's states as node numbers, checked to be a path of the graph from node 0.
fn path(graph: &Graph, trace: &Trace) -> Vec<u16> {
    let nodes: Vec<u16> = trace
        .steps
        .iter()
        .map(|s| s.state.parse().unwrap())
        .collect();
    assert_eq!(nodes[0], 0);
    for pair in nodes.windows(2) {
        assert!(
            graph.edges[pair[0] as usize].contains(&pair[1]),
            "{pair:?} is an edge"
        );
    }
    nodes
}

fn graphs() -> impl proptest::strategy::Strategy<Value = Graph> {
    (2usize..400).prop_flat_map(|n| {
        let edges = proptest::collection::vec(proptest::collection::vec(0..n as u16, 0..4), n);
        (edges, 0..n as u16).prop_map(|(edges, target)| Graph { edges, target })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bfs_finds_shortest_counterexamples(graph in graphs(), threads in 1usize..4) {
        let dist = distances(&graph);
        let reachable = dist.iter().filter(|d| d.is_some()).count() as u64;
        let options = CheckOptions { threads, keep_going: true, ..CheckOptions::default() };
        let report = check(&graph, &options);
        let avoid = report.property("avoids-target").unwrap();
        let reach = report.property("reaches-target").unwrap();
        match dist[graph.target as usize] {
            None => {
                prop_assert_eq!(report.distinct_states, reachable);
                prop_assert_eq!(avoid.status, Status::Holds);
                prop_assert_eq!(reach.status, Status::NotFound);
            }
            Some(d) => {
                prop_assert_eq!(avoid.status, Status::Violated);
                prop_assert_eq!(reach.status, Status::Found);
                for trace in [avoid.trace.as_ref().unwrap(), reach.trace.as_ref().unwrap()] {
                    let nodes = path(&graph, trace);
                    prop_assert_eq!(nodes.len() - 1, d);
                    prop_assert_eq!(*nodes.last().unwrap(), graph.target);
                }
            }
        }
    }

    #[test]
    fn dfs_and_random_walks_return_real_paths(graph in graphs(), seed in any::<u64>()) {
        let dist = distances(&graph);
        let dfs = check(&graph, &CheckOptions { strategy: Strategy::Dfs, ..CheckOptions::default() });
        let avoid = dfs.property("avoids-target").unwrap();
        if dist[graph.target as usize].is_some() {
            prop_assert_eq!(avoid.status, Status::Violated);
            let nodes = path(&graph, avoid.trace.as_ref().unwrap());
            prop_assert_eq!(*nodes.last().unwrap(), graph.target);
        } else {
            prop_assert_eq!(avoid.status, Status::Holds);
            let reachable = dist.iter().filter(|d| d.is_some()).count() as u64;
            prop_assert_eq!(dfs.distinct_states, reachable);
        }
        let random = check(&graph, &CheckOptions {
            strategy: Strategy::Random { seed, walks: 20 },
            max_depth: Some(50),
            ..CheckOptions::default()
        });
        let avoid = random.property("avoids-target").unwrap();
        if let Some(trace) = &avoid.trace {
            let nodes = path(&graph, trace);
            prop_assert_eq!(*nodes.last().unwrap(), graph.target);
        }
        if dist[graph.target as usize].is_none() {
            prop_assert_ne!(avoid.status, Status::Violated);
        }
    }
}

#[test]
fn random_walks_are_reproducible_from_their_seed() {
    let graph = Graph {
        edges: (0..100u16)
            .map(|n| vec![(n * 7 + 1) % 100, (n * 13 + 5) % 100])
            .collect(),
        target: 99,
    };
    let run = |seed| {
        let options = CheckOptions {
            strategy: Strategy::Random { seed, walks: 5 },
            max_depth: Some(30),
            ..CheckOptions::default()
        };
        check(&graph, &options)
    };
    assert_eq!(run(7), run(7));
    assert_ne!(
        run(7).property("reaches-target").unwrap().trace,
        run(8).property("reaches-target").unwrap().trace
    );
}

#[test]
fn max_depth_and_max_states_bound_the_search() {
    let chain = Graph {
        edges: (0..100u16).map(|n| vec![(n + 1).min(99)]).collect(),
        target: 99,
    };
    let bounded = check(
        &chain,
        &CheckOptions {
            max_depth: Some(10),
            ..CheckOptions::default()
        },
    );
    assert_eq!(bounded.distinct_states, 10);
    assert!(bounded.bounded);
    assert_eq!(
        bounded.property("avoids-target").unwrap().status,
        Status::Holds
    );
    assert_eq!(
        bounded.property("reaches-target").unwrap().status,
        Status::Unknown
    );
    let capped = check(
        &chain,
        &CheckOptions {
            max_states: Some(20),
            ..CheckOptions::default()
        },
    );
    assert!(!capped.complete);
    assert_eq!(capped.stopped, Some(valence_check::StopReason::StateBound));
}

#[test]
fn parallel_bfs_agrees_with_the_oracle_on_a_large_graph() {
    // A pseudo-random graph wide enough that levels are split between threads.
    let n = 60_000u32;
    assert!(n <= u32::from(u16::MAX));
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % u64::from(n)) as u16
    };
    let graph = Graph {
        edges: (0..n).map(|_| (0..3).map(|_| next()).collect()).collect(),
        target: 0,
    };
    let dist = distances(&graph);
    let graph = Graph {
        target: (0..n as u16)
            .max_by_key(|&t| dist[t as usize].unwrap_or(0))
            .unwrap(),
        ..graph
    };
    let dist = distances(&graph);
    let reachable = dist.iter().filter(|d| d.is_some()).count() as u64;
    let unreachable = Graph {
        target: u16::MAX,
        ..graph.clone()
    };
    for threads in [1, 2, 4] {
        let options = CheckOptions {
            threads,
            keep_going: true,
            ..CheckOptions::default()
        };
        let full = check(&unreachable, &options);
        assert_eq!(full.distinct_states, reachable, "threads {threads}");
        assert!(full.complete);
        let report = check(&graph, &options);
        let trace = report
            .property("avoids-target")
            .unwrap()
            .trace
            .clone()
            .unwrap();
        assert_eq!(
            path(&graph, &trace).len() - 1,
            dist[graph.target as usize].unwrap()
        );
    }
}
