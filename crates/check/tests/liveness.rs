//! Liveness properties under fairness: each kind holds where it must, and is violated with a
//! lasso counterexample where a fair behaviour avoids its goal.

use valence_check::{
    check, CheckOptions, Fairness, FairnessKind, Model, Property, Status, Strategy, Trace,
};

/// A small explicit graph: states are numbers, each edge carries an action label.
struct Graph {
    edges: Vec<(u8, &'static str, u8)>,
    properties: Vec<Property<Graph>>,
    fairness: Vec<Fairness<Graph>>,
}

impl Graph {
    fn new(edges: &[(u8, &'static str, u8)]) -> Self {
        Graph {
            edges: edges.to_vec(),
            properties: Vec::new(),
            fairness: vec![Fairness::weak("next", |_, _, _, _| true)],
        }
    }

    fn property(mut self, property: Property<Graph>) -> Self {
        self.properties.push(property);
        self
    }

    /// Replaces the fairness with conditions on the actions named.
    fn fair(mut self, conditions: &[(FairnessKind, &'static str)]) -> Self {
        self.fairness = conditions
            .iter()
            .map(|&(kind, label)| {
                let step = move |_: &Graph, _: &u8, action: &&'static str, _: &u8| *action == label;
                match kind {
                    FairnessKind::Weak => Fairness::weak(label, step),
                    FairnessKind::Strong => Fairness::strong(label, step),
                }
            })
            .collect();
        self
    }
}

impl Model for Graph {
    type State = u8;
    type Action = &'static str;

    fn init_states(&self) -> Vec<u8> {
        vec![0]
    }

    fn actions(&self, state: &u8, out: &mut Vec<&'static str>) {
        for (from, label, _) in &self.edges {
            if from == state {
                out.push(label);
            }
        }
    }

    fn next_state(&self, state: &u8, action: &&'static str) -> Option<u8> {
        self.edges
            .iter()
            .find(|(from, label, _)| from == state && label == action)
            .map(|(_, _, to)| *to)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        self.properties.clone()
    }

    fn fairness(&self) -> Vec<Fairness<Self>> {
        self.fairness.clone()
    }

    fn checks_deadlock(&self) -> bool {
        false
    }
}

fn run(model: &Graph) -> valence_check::Report {
    check(model, &CheckOptions::default())
}

fn status(model: &Graph, name: &str) -> Status {
    run(model).property(name).expect("property").status
}

fn trace(model: &Graph, name: &str) -> Trace {
    run(model)
        .property(name)
        .expect("property")
        .trace
        .clone()
        .expect("a counterexample")
}

/// The states along a trace, read back from its rendering (`describe_state` is `{:?}`).
fn states(trace: &Trace) -> Vec<u8> {
    trace
        .steps
        .iter()
        .map(|s| s.state.parse().unwrap())
        .collect()
}

#[test]
fn eventually_holds_on_a_ring_under_weak_fairness_of_next() {
    let model = Graph::new(&[(0, "a", 1), (1, "b", 2), (2, "c", 0)])
        .property(Property::eventually("reach 2", |_, s| *s == 2))
        .property(Property::infinitely_often("often 0", |_, s| *s == 0));
    let report = run(&model);
    assert_eq!(report.property("reach 2").unwrap().status, Status::Holds);
    assert_eq!(report.property("often 0").unwrap().status, Status::Holds);
}

#[test]
fn without_fairness_a_behaviour_may_stutter_in_the_initial_state() {
    let model = Graph::new(&[(0, "a", 1)])
        .property(Property::eventually("reach 1", |_, s| *s == 1))
        .fair(&[]);
    let trace = trace(&model, "reach 1");
    assert_eq!(states(&trace), vec![0]);
    assert_eq!(trace.cycle_start, Some(0), "stutters in the initial state");
}

#[test]
fn a_terminal_state_outside_the_goal_violates_eventually() {
    // 0 -> 1 -> 3 (stuck) or 0 -> 2 (goal).
    let model = Graph::new(&[(0, "a", 1), (1, "b", 3), (0, "c", 2)])
        .property(Property::eventually("reach 2", |_, s| *s == 2));
    let trace = trace(&model, "reach 2");
    assert_eq!(states(&trace), vec![0, 1, 3]);
    assert_eq!(trace.cycle_start, Some(2));
}

/// From 0 a behaviour may go to the goal 1, or loop 0 -> 3 -> 0; `go` is enabled only in 0.
fn choice() -> Graph {
    Graph::new(&[(0, "go", 1), (0, "away", 3), (3, "back", 0)])
        .property(Property::eventually("reach 1", |_, s| *s == 1))
}

#[test]
fn weak_fairness_of_next_allows_the_loop_that_avoids_the_goal() {
    let trace = trace(&choice(), "reach 1");
    assert_eq!(states(&trace), vec![0, 3, 0]);
    assert_eq!(trace.cycle_start, Some(0));
}

#[test]
fn weak_fairness_of_an_action_enabled_only_now_and_then_does_not_force_it() {
    let model = choice().fair(&[
        (FairnessKind::Weak, "go"),
        (FairnessKind::Weak, "away"),
        (FairnessKind::Weak, "back"),
    ]);
    assert_eq!(status(&model, "reach 1"), Status::Violated);
}

#[test]
fn strong_fairness_of_an_action_enabled_infinitely_often_forces_it() {
    let model = choice().fair(&[(FairnessKind::Strong, "go"), (FairnessKind::Weak, "back")]);
    assert_eq!(status(&model, "reach 1"), Status::Holds);
}

#[test]
fn weak_fairness_of_a_continuously_enabled_action_forces_it() {
    // `go` is enabled in both states of the loop 0 <-> 3.
    let model = Graph::new(&[(0, "go", 1), (3, "go", 1), (0, "away", 3), (3, "back", 0)])
        .property(Property::eventually("reach 1", |_, s| *s == 1));
    assert_eq!(
        status(&model, "reach 1"),
        Status::Violated,
        "weak fairness of the whole next-state relation is satisfied by the loop"
    );
    let fair = model.fair(&[(FairnessKind::Weak, "go"), (FairnessKind::Weak, "back")]);
    assert_eq!(status(&fair, "reach 1"), Status::Holds);
}

#[test]
fn leads_to_is_checked_from_every_trigger_state() {
    // 0 -> 1 -> 2 -> 0, and 2 may also go to 4 -> 5 -> 4 which never returns to 0.
    let edges = [
        (0, "a", 1),
        (1, "b", 2),
        (2, "c", 0),
        (2, "d", 4),
        (4, "e", 5),
        (5, "f", 4),
    ];
    let holds =
        Graph::new(&edges).property(Property::leads_to("1 ~> 2", |_, s| *s == 1, |_, s| *s == 2));
    assert_eq!(status(&holds, "1 ~> 2"), Status::Holds);
    let violated =
        Graph::new(&edges).property(Property::leads_to("2 ~> 0", |_, s| *s == 2, |_, s| *s == 0));
    let trace = trace(&violated, "2 ~> 0");
    assert_eq!(states(&trace), vec![0, 1, 2, 4, 5, 4]);
    assert_eq!(trace.cycle_start, Some(3));
}

#[test]
fn eventually_always_needs_a_fair_cycle_through_a_bad_state() {
    // 0 -> 1 <-> 2, then 1 -> 3 -> 3 (the goal, forever).
    let edges = [(0, "a", 1), (1, "b", 2), (2, "c", 1), (1, "d", 3)];
    let model = Graph::new(&edges).property(Property::eventually_always("stay 3", |_, s| *s == 3));
    let trace = trace(&model, "stay 3");
    assert_eq!(trace.cycle_start, Some(1));
    assert_eq!(states(&trace), vec![0, 1, 2, 1]);
    // Strong fairness of `d`, enabled in 1 infinitely often, rules the cycle out.
    let fair = Graph::new(&edges)
        .property(Property::eventually_always("stay 3", |_, s| *s == 3))
        .fair(&[
            (FairnessKind::Strong, "d"),
            (FairnessKind::Weak, "a"),
            (FairnessKind::Weak, "b"),
            (FairnessKind::Weak, "c"),
        ]);
    assert_eq!(status(&fair, "stay 3"), Status::Holds);
}

#[test]
fn the_cycle_of_a_counterexample_takes_the_fair_actions_it_must() {
    // A cycle 0 -> 1 -> 2 -> 0 and a chord 1 -> 0; weak fairness of `c` (only on 2 -> 0) is
    // satisfied by the cycle only if it passes through 2.
    let model = Graph::new(&[(0, "a", 1), (1, "b", 2), (2, "c", 0), (1, "chord", 0)])
        .property(Property::eventually("never", |_, _| false))
        .fair(&[(FairnessKind::Weak, "c"), (FairnessKind::Weak, "a")]);
    let trace = trace(&model, "never");
    let states = states(&trace);
    assert!(states.contains(&2), "{states:?}");
    assert_eq!(states.first(), states.last());
}

#[test]
fn liveness_is_unknown_when_the_search_is_not_exhaustive() {
    let model = choice();
    let report = check(
        &model,
        &CheckOptions {
            strategy: Strategy::Random { seed: 1, walks: 3 },
            ..CheckOptions::default()
        },
    );
    assert_eq!(report.property("reach 1").unwrap().status, Status::Unknown);
}

#[test]
fn states_cut_off_by_the_depth_bound_end_no_counterexample() {
    // 0 -> 1 -> 2 -> 3, the goal; a search to depth 2 cannot tell.
    let model = Graph::new(&[(0, "a", 1), (1, "b", 2), (2, "c", 3)])
        .property(Property::eventually("reach 3", |_, s| *s == 3));
    let report = check(
        &model,
        &CheckOptions {
            max_depth: Some(2),
            ..CheckOptions::default()
        },
    );
    assert_ne!(report.property("reach 3").unwrap().status, Status::Violated);
}

mod brute_force {
    //! `<>goal` on small random graphs under random fairness, against an enumeration of every
    //! way a behaviour can end: stuttering in a state, or cycling through a set of edges.

    use super::*;
    use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest, ProptestConfig};
    use proptest::strategy::Strategy as _;

    const LABELS: [&str; 3] = ["x", "y", "z"];

    fn enabled(edges: &[(u8, &str, u8)], v: u8, label: &str) -> bool {
        edges.iter().any(|(f, l, _)| *f == v && *l == label)
    }

    /// Whether some fair behaviour from 0 never visits a goal state.
    fn violated(edges: &[(u8, &str, u8)], goal: &[bool], fair: &[(FairnessKind, &str)]) -> bool {
        // States reachable from 0 through non-goal states only.
        let mut reach = [false; 5];
        if goal[0] {
            return false;
        }
        reach[0] = true;
        for _ in 0..5 {
            for (f, _, t) in edges {
                if reach[*f as usize] && !goal[*t as usize] {
                    reach[*t as usize] = true;
                }
            }
        }
        let stutter =
            (0..5u8).any(|v| reach[v as usize] && fair.iter().all(|(_, l)| !enabled(edges, v, l)));
        if stutter {
            return true;
        }
        // Every set of edges among reachable non-goal states that a closed walk can use exactly.
        let inner: Vec<_> = edges
            .iter()
            .filter(|(f, _, t)| reach[*f as usize] && reach[*t as usize])
            .collect();
        for mask in 1u32..(1 << inner.len()) {
            let chosen: Vec<_> = (0..inner.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| inner[i])
                .collect();
            let mut nodes: Vec<u8> = chosen.iter().flat_map(|(f, _, t)| [*f, *t]).collect();
            nodes.sort();
            nodes.dedup();
            // Strongly connected through the chosen edges: every node reaches every node.
            let reaches = |from: u8, to: u8| {
                let mut seen = vec![from];
                let mut i = 0;
                while i < seen.len() {
                    for (f, _, t) in &chosen {
                        if *f == seen[i] && !seen.contains(t) {
                            seen.push(*t);
                        }
                    }
                    i += 1;
                }
                seen.contains(&to)
            };
            if !nodes.iter().all(|&a| nodes.iter().all(|&b| reaches(a, b))) {
                continue;
            }
            let fair_cycle = fair.iter().all(|(kind, label)| {
                let taken = chosen.iter().any(|(_, l, _)| l == label);
                let enabled_at = |v: &u8| enabled(edges, *v, label);
                taken
                    || match kind {
                        FairnessKind::Weak => !nodes.iter().all(enabled_at),
                        FairnessKind::Strong => !nodes.iter().any(enabled_at),
                    }
            });
            if fair_cycle {
                return true;
            }
        }
        false
    }

    fn edge() -> impl proptest::strategy::Strategy<Value = (u8, &'static str, u8)> {
        (0u8..5, 0usize..3, 0u8..5)
            .prop_filter("no self-loops", |(f, _, t)| f != t)
            .prop_map(|(f, l, t)| (f, LABELS[l], t))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn eventually_agrees_with_enumeration(
            edges in proptest::collection::vec(edge(), 0..8),
            goal in proptest::collection::vec(any::<bool>(), 5),
            kinds in proptest::collection::vec(0u8..3, 3),
        ) {
            let mut edges = edges;
            edges.sort();
            edges.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
            let fair: Vec<(FairnessKind, &'static str)> = kinds
                .iter()
                .zip(LABELS)
                .filter_map(|(k, l)| match k {
                    1 => Some((FairnessKind::Weak, l)),
                    2 => Some((FairnessKind::Strong, l)),
                    _ => None,
                })
                .collect();
            let goal_set = goal.clone();
            let model = Graph::new(&edges)
                .property(Property::eventually("goal", move |_, s| goal_set[*s as usize]))
                .fair(&fair);
            let expected = violated(&edges, &goal, &fair);
            let report = run(&model);
            let entry = report.property("goal").unwrap();
            prop_assert_eq!(entry.status == Status::Violated, expected, "{:?} {:?} {:?}", edges, goal, fair);
            if let Some(trace) = &entry.trace {
                // The counterexample never visits the goal and ends in a cycle or stutter.
                let states = states(trace);
                prop_assert!(states.iter().all(|s| !goal[*s as usize]));
                let start = trace.cycle_start.unwrap();
                prop_assert!(start == states.len() - 1 || states[start] == *states.last().unwrap());
            }
        }
    }
}

#[test]
fn once_the_trigger_holds_the_goal_holds_for_ever() {
    // 0 -> 1 -> 2 -> 3 -> 3 (loop), and 2 may fall back to 0.
    let edges = [
        (0, "a", 1),
        (1, "b", 2),
        (2, "c", 3),
        (3, "d", 3),
        (2, "e", 0),
    ];
    let holds = Graph::new(&edges).property(Property::once_always(
        "3 stays",
        |_, s| *s == 3,
        |_, s| *s == 3,
    ));
    assert_eq!(status(&holds, "3 stays"), Status::Holds);
    // Once in 1, never 0 again: 2 falls back to 0. The counterexample passes the trigger (1),
    // reaches 0 after it, and ends fairly.
    let violated = Graph::new(&edges).property(Property::once_always(
        "1 then not 0",
        |_, s| *s == 1,
        |_, s| *s != 0,
    ));
    let trace = trace(&violated, "1 then not 0");
    let states = states(&trace);
    assert_eq!(&states[..4], &[0, 1, 2, 0], "{states:?}");
    // The state outside the goal must come at or after the trigger: 0 before 1 is no violation.
    let before_only = Graph::new(&[(0, "a", 1), (1, "b", 2), (2, "c", 2)]).property(
        Property::once_always("1 then not 0", |_, s| *s == 1, |_, s| *s != 0),
    );
    assert_eq!(status(&before_only, "1 then not 0"), Status::Holds);
}
