//! Multi-Paxos: the bounded configuration checked exhaustively with pinned state counts, every
//! checker mutant caught with a trace, a swarm of faulty simulated runs whose client histories
//! are linearizable, and every mutant caught by a swarm whose failing seed reproduces alone.

use std::sync::atomic::AtomicU64;

use valence_check::{CheckOptions, PropertyKind, Report, Status};
use valence_core::{FaultModel, NetworkSemantics};
use valence_protocols::catalog::{self, Params};
use valence_protocols::multipaxos::{self, MultiPaxosMutant};
use valence_sim::{simulate_kv, swarm_with, KvWorkload, SimOptions};

fn check_catalog(given: &[(&str, &str)], mutant: Option<&str>) -> Report {
    let spec = catalog::find("multipaxos").unwrap();
    let given: Vec<(String, String)> = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let params = Params::resolve(spec, &given).unwrap();
    let model = spec.build(&params, mutant).unwrap();
    model.check(&CheckOptions {
        threads: 2,
        ..CheckOptions::default()
    })
}

fn assert_all_hold(report: &Report) {
    for property in &report.properties {
        let expected = if property.kind == PropertyKind::Sometimes {
            Status::Found
        } else {
            Status::Holds
        };
        assert_eq!(property.status, expected, "{}", property.name);
    }
}

#[test]
fn the_default_configuration_is_checked_exhaustively() {
    let report = check_catalog(&[], None);
    assert_eq!(
        (report.distinct_states, report.generated_states),
        (173_160, 1_366_105)
    );
    assert!(report.complete);
    assert!(report.bounded, "the message bound cuts some states off");
    assert_all_hold(&report);
    // The shortest example of a decided command: one phase 1, one phase 2.
    let example = report.property("command-decided").unwrap();
    assert_eq!(example.trace.as_ref().unwrap().len(), 6);
}

#[test]
fn crash_recovery_keeps_the_properties() {
    // One crash with restart from what the acceptor persisted, anywhere in the run.
    let report = check_catalog(&[("crashes", "1"), ("max-messages", "8")], None);
    assert_eq!(
        (report.distinct_states, report.generated_states),
        (15_311, 65_509)
    );
    assert!(report.complete);
    assert_all_hold(&report);
}

#[test]
fn every_checker_mutant_violates_what_the_catalog_says() {
    let spec = catalog::find("multipaxos").unwrap();
    assert_eq!(spec.mutants.len(), 4);
    // accept-without-persist needs a crash, and the checker needs some 900,000 states to find
    // one that matters: the simulator's swarm catches it below.
    for mutant in spec
        .mutants
        .iter()
        .filter(|m| m.name != "accept-without-persist")
    {
        let report = check_catalog(&[], Some(mutant.name));
        for property in &report.properties {
            let expected = mutant.violates.contains(&property.name.as_str());
            let violated = property.status == Status::Violated;
            assert_eq!(violated, expected, "{}: {}", mutant.name, property.name);
            if violated {
                let trace = property.trace.as_ref().unwrap();
                assert!(!trace.is_empty(), "{}", mutant.name);
            }
        }
    }
    let unknown = catalog::multipaxos_mutant(Some("skip-session-check"), false);
    assert!(unknown.is_err(), "the checker cannot see the session bug");
}

#[test]
fn accepting_a_lower_ballot_ends_with_a_second_decision_for_a_slot() {
    let report = check_catalog(&[], Some("accept-lower-ballot"));
    let property = report.property("slot-agreement").unwrap();
    let trace = property.trace.as_ref().unwrap();
    assert_eq!(trace.len(), 13);
    let last = trace.steps.last().unwrap();
    let action = last.action.as_deref().unwrap();
    assert!(action.contains("receives Accepted"), "{action}");
}

fn simulated(servers: usize, mutant: Option<MultiPaxosMutant>) -> multipaxos::MultiPaxosModel {
    let process = multipaxos::simulated(servers, 3, mutant);
    multipaxos::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE)
}

#[test]
fn histories_are_linearizable_under_faults_and_every_command_completes() {
    let workload = KvWorkload::default();
    for servers in [3, 5] {
        let model = simulated(servers, None);
        let run = |seed| simulate_kv(&model, &SimOptions::new(seed), &workload).sim;
        let done = AtomicU64::new(0);
        let report = swarm_with(0..1_000, &run, 2, false, &done);
        assert_eq!(report.runs, 1_000);
        assert!(
            report.failures.is_empty(),
            "{servers} servers: {:?}",
            report.failures.first()
        );
    }
    // The swarm's fault mixes include crashes with restarts, partitions, loss and duplication.
    let mixes: Vec<_> = (0..1_000).map(valence_sim::FaultMix::for_seed).collect();
    assert!(mixes.iter().any(|m| m.crash_every_ms.is_some()));
    assert!(mixes.iter().any(|m| m.partition_every_ms.is_some()));
    assert!(mixes.iter().any(|m| m.loss > 0.0 && m.duplication > 0.0));
    let one = simulate_kv(&simulated(3, None), &SimOptions::new(5), &workload);
    assert_eq!(one.sim.history.as_deref(), Some("holds"));
    assert_eq!(one.history.operations.len(), 30);
}

#[test]
fn every_mutant_is_caught_by_a_swarm_and_reproduces() {
    let workload = KvWorkload::default();
    for (mutant, failure) in [
        (MultiPaxosMutant::AcceptLowerBallot, "slot-agreement"),
        (MultiPaxosMutant::IgnorePvalues, "slot-agreement"),
        (MultiPaxosMutant::ApplyOutOfOrder, "applied-prefix"),
        (MultiPaxosMutant::AcceptWithoutPersist, "slot-agreement"),
        (MultiPaxosMutant::SkipSessionCheck, "not linearizable"),
    ] {
        let model = simulated(3, Some(mutant));
        let run = |seed| simulate_kv(&model, &SimOptions::new(seed), &workload).sim;
        let done = AtomicU64::new(0);
        let report = swarm_with(0..10_000, &run, 2, true, &done);
        let (seed, why) = report
            .failures
            .first()
            .unwrap_or_else(|| panic!("{mutant:?} not caught"));
        assert!(why.contains(failure), "{mutant:?}: {why}");
        let alone = simulate_kv(&model, &SimOptions::new(*seed), &workload);
        assert_eq!(alone.sim.failure.as_deref(), Some(why.as_str()));
    }
}

#[test]
fn a_restarted_server_keeps_only_its_acceptor_state() {
    use valence_core::{Effects, NodeId, Process};
    use valence_protocols::multipaxos::{MpMsg, MpNode};
    let process = multipaxos::simulated(3, 1, None);
    let mut out = Effects::new();
    let mut node = process.init(NodeId(0), &mut out);
    // Server 0 adopts ballot 1.1 and accepts a no-op for slot 1 (persisting both), then learns
    // that slot 1 is decided.
    let ballot = multipaxos::Ballot {
        round: 1,
        leader: 1,
    };
    process.on_message(
        NodeId(0),
        &mut node,
        NodeId(1),
        MpMsg::Prepare { ballot },
        &mut out,
    );
    let entry = multipaxos::Entry::Noop;
    let accept = MpMsg::Accept {
        ballot,
        slot: 1,
        entry,
    };
    out.clear();
    process.on_message(NodeId(0), &mut node, NodeId(1), accept, &mut out);
    assert!(out.persisted(), "an acceptor persists before it answers");
    process.on_message(
        NodeId(0),
        &mut node,
        NodeId(1),
        MpMsg::Decision { slot: 1, entry },
        &mut out,
    );
    let restarted = process.on_restart(NodeId(0), &node, &mut out);
    let (MpNode::Server(before), MpNode::Server(after)) = (&node, &restarted) else {
        panic!("server 0 is a server");
    };
    assert_eq!(after.ballot, before.ballot);
    assert_eq!(after.accepted, before.accepted);
    assert!(after.replica.decisions.is_empty());
    assert!(after.replica.applied.is_empty());
    assert_eq!(after.leader.seen_round, 1);
}
