//! The simulator on Paxos: reproducible from a seed, every mutant caught by a swarm of at most
//! 10,000 seeds with a failing seed that reproduces alone, liveness failures reported.

use std::sync::atomic::AtomicU64;

use valence_check::{ActorModel, ActorState, Property};
use valence_core::{Effects, NetworkSemantics, NodeId, Process};
use valence_protocols::paxos::{self, Paxos, PaxosMutant};
use valence_sim::{render, simulate, swarm, FaultMix, SimOptions};

fn paxos_model(mutant: Option<PaxosMutant>) -> paxos::PaxosModel {
    let process = Paxos {
        proposers: 2,
        acceptors: 3,
        learners: 1,
        rounds: 20,
        mutant,
    };
    paxos::model(process, NetworkSemantics::UNORDERED)
}

fn traced(seed: u64) -> SimOptions {
    SimOptions {
        record_trace: true,
        ..SimOptions::new(seed)
    }
}

#[test]
fn one_seed_gives_byte_identical_runs_and_seeds_differ() {
    let model = paxos_model(None);
    let first = render(&model, &simulate(&model, &traced(7)));
    let second = render(&model, &simulate(&model, &traced(7)));
    assert_eq!(first, second);
    assert!(
        first.starts_with("seed       7\n"),
        "the seed is printed first"
    );
    assert!(first.contains("schedule\n"));
    let other = render(&model, &simulate(&model, &traced(8)));
    assert_ne!(first, other);
}

#[test]
fn correct_paxos_holds_and_decides_under_faults() {
    let model = paxos_model(None);
    let done = AtomicU64::new(0);
    let report = swarm(&model, 0..500, &SimOptions::new, 2, false, &done);
    assert_eq!(report.runs, 500);
    assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    assert!(report.messages_to_first_goal_mean.unwrap() > 10.0);
    let (p50, p99, max) = report.first_goal_ms.unwrap();
    assert!(p50 <= p99 && p99 <= max);
    // Without faults a decision takes one round: 2 x 3 messages in phase 1, 2 x 3 + 3 in phase 2
    // at most, and it comes once the first proposer's timer fires.
    let calm = SimOptions {
        faults: FaultMix::NONE,
        ..SimOptions::new(1)
    };
    let run = simulate(&model, &calm);
    assert!(run.passed());
    assert_eq!(run.dropped, 0);
    assert!(run.messages_to_first_goal.unwrap() <= 30);
}

#[test]
fn every_mutant_is_caught_by_a_swarm_and_the_seed_reproduces() {
    let mutants = [
        (PaxosMutant::AcceptDespitePromise, "P1"),
        (PaxosMutant::IgnorePromisedValue, "P2"),
        (PaxosMutant::PromiseUninitializedValue, "validity"),
        (PaxosMutant::ForgetPromise, "P2"),
    ];
    for (mutant, property) in mutants {
        let model = paxos_model(Some(mutant));
        let done = AtomicU64::new(0);
        let report = swarm(&model, 0..10_000, &SimOptions::new, 2, true, &done);
        let (seed, why) = report
            .failures
            .first()
            .unwrap_or_else(|| panic!("{mutant:?} not caught"));
        assert!(why.contains("violated"), "{mutant:?}: {why}");
        let alone = simulate(&model, &traced(*seed));
        assert!(!alone.passed(), "{mutant:?}: seed {seed} reproduces alone");
        assert_eq!(alone.failure.as_deref(), Some(why.as_str()));
        assert!(
            alone
                .properties
                .iter()
                .any(|p| p.name == property && p.status == "violated"),
            "{mutant:?} violates {property}: {:?}",
            alone.properties
        );
        assert!(!alone.trace.is_empty());
    }
}

/// A node that never hears back: its goal cannot be reached.
struct Silent;

impl Process for Silent {
    type Msg = ();
    type State = bool;
    type Timer = ();

    fn init(&self, _me: NodeId, _out: &mut Effects<(), ()>) -> bool {
        false
    }

    fn on_message(&self, _: NodeId, s: &mut bool, _: NodeId, _: (), _: &mut Effects<(), ()>) {
        *s = true;
    }
}

#[test]
fn an_unreached_goal_is_a_liveness_failure() {
    let model = ActorModel::new(Silent, 2)
        .property(Property::sometimes("heard", |_, s: &ActorState<Silent>| {
            *s.nodes[0]
        }));
    let report = simulate(
        &model,
        &SimOptions {
            faults: FaultMix::NONE,
            ..SimOptions::new(3)
        },
    );
    let failure = report.failure.unwrap();
    assert!(
        failure.starts_with("liveness: heard not reached"),
        "{failure}"
    );
}

#[test]
fn bytes_are_counted_in_postcards_encoding() {
    // With no faults and one decision, every message is one of the protocol's, each at least
    // a byte (its variant) and at most a few varints.
    let report = simulate(
        &paxos_model(None),
        &SimOptions {
            faults: FaultMix::NONE,
            ..SimOptions::new(1)
        },
    );
    assert!(report.bytes >= report.sent && report.bytes <= 16 * report.sent);
    assert_eq!(report.decision_bytes.len(), report.decisions.len());
    assert!(report.decision_bytes[0] > 0);
}

#[test]
fn a_goal_met_only_while_faults_are_on_is_a_liveness_failure() {
    // "Some node is down" holds only while the nemesis crashes nodes: after the faults stop
    // every node is up again, so the goal does not count.
    let model = paxos_model(None).property(Property::sometimes(
        "someone-down",
        |_, s: &ActorState<paxos::Paxos>| s.crashed.iter().any(|&c| c),
    ));
    let run = (0..200)
        .map(|seed| simulate(&model, &SimOptions::new(seed)))
        .find(|r| {
            r.properties
                .iter()
                .any(|p| p.name == "someone-down" && p.at.is_some())
        })
        .expect("some run crashes a node");
    let failure = run.failure.unwrap();
    assert!(
        failure.contains("someone-down (reached at") && failure.contains("but not after"),
        "{failure}"
    );
}

#[test]
fn one_equivocating_acceptor_of_three_breaks_agreement() {
    let process = Paxos {
        proposers: 2,
        acceptors: 3,
        learners: 1,
        rounds: 20,
        mutant: None,
    };
    let byzantine = [process.acceptor(0)];
    let adversary = process.equivocating_acceptor();
    let model = paxos::model(process, NetworkSemantics::UNORDERED);
    let run = |seed| {
        valence_sim::simulate_byzantine(&model, &SimOptions::new(seed), &byzantine, &adversary)
    };
    let done = AtomicU64::new(0);
    let report = valence_sim::swarm_with(0..10_000, &run, 2, true, &done);
    let (seed, why) = report
        .failures
        .first()
        .expect("Paxos does not tolerate a liar");
    assert!(why.contains("agreement") || why.contains("P2"), "{why}");
    let alone = run(*seed);
    assert_eq!(alone.failure.as_deref(), Some(why.as_str()));
    assert_eq!(alone.byzantine, ["acceptor0 (equivocating acceptor)"]);
}

#[test]
fn failing_seeds_shrink_to_fewer_faults_and_events_and_replay() {
    let model = paxos_model(Some(PaxosMutant::AcceptDespitePromise));
    let done = AtomicU64::new(0);
    let report = swarm(&model, 0..40, &SimOptions::new, 2, false, &done);
    assert!(report.failures.len() >= 10, "{:?}", report.failures);
    let run = |options: &SimOptions| simulate(&model, options);
    let mut faults_removed = 0;
    for (seed, _) in &report.failures {
        let shrunk = valence_sim::shrink(&run, &traced(*seed)).expect("the seed fails");
        let (original, small) = (&shrunk.original, &shrunk.report);
        assert!(
            small.schedule.len() <= original.schedule.len(),
            "seed {seed}"
        );
        assert!(small.events <= original.events, "seed {seed}");
        assert!(small.faults_stop <= original.faults_stop, "seed {seed}");
        assert_eq!(
            valence_sim::failure_kind(small),
            valence_sim::failure_kind(original)
        );
        assert!(
            small
                .properties
                .iter()
                .any(|p| p.name == "P1" && p.status == "violated"),
            "seed {seed}: {:?}",
            small.properties
        );
        assert_eq!(shrunk.options.seed, *seed);
        // The shrunk options replay byte for byte.
        let again = render(&model, &simulate(&model, &shrunk.options));
        assert_eq!(render(&model, small), again, "seed {seed}");
        assert!(!small.trace.is_empty());
        faults_removed += original.schedule.len() - small.schedule.len();
    }
    assert!(faults_removed > 0);
    // Seed 7: 38 scheduled faults and 76 events shrink to 6 faults and 39 events.
    let seven = valence_sim::shrink(&run, &SimOptions::new(7)).expect("seed 7 fails");
    assert_eq!(
        (seven.original.schedule.len(), seven.original.events),
        (38, 76)
    );
    assert_eq!((seven.report.schedule.len(), seven.report.events), (6, 39));
    // A passing run has nothing to shrink.
    let correct = paxos_model(None);
    let run = |options: &SimOptions| simulate(&correct, options);
    assert!(valence_sim::shrink(&run, &SimOptions::new(7)).is_none());
}
