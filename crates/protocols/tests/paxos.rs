//! Paxos: pinned state counts, every property holding, every mutant caught, symmetry.

use valence_check::{check, CheckOptions, Report, Status, Verdict};
use valence_core::NetworkSemantics;
use valence_protocols::catalog;
use valence_protocols::paxos::{self, Paxos, PaxosMutant};

fn paxos(proposers: usize, acceptors: usize, mutant: Option<PaxosMutant>) -> Paxos {
    Paxos {
        proposers,
        acceptors,
        learners: 1,
        rounds: 1,
        mutant,
    }
}

fn run(process: Paxos, network: NetworkSemantics, symmetry: bool, keep_going: bool) -> Report {
    let model = paxos::model(process, network);
    let options = CheckOptions {
        threads: 2,
        symmetry,
        keep_going,
        ..CheckOptions::default()
    };
    check(&model, &options)
}

fn assert_all_hold(report: &Report) {
    for property in &report.properties {
        let expected = if property.name == "value-chosen" {
            Status::Found
        } else {
            Status::Holds
        };
        assert_eq!(property.status, expected, "{}", property.name);
    }
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn small_configurations_have_pinned_state_counts_and_hold() {
    let cases = [
        (1, 3, NetworkSemantics::UNORDERED, 264, 698),
        (2, 3, NetworkSemantics::UNORDERED, 158_458, 756_709),
        (2, 3, NetworkSemantics::DUPLICATING, 33_489, 658_069),
    ];
    for (proposers, acceptors, network, distinct, generated) in cases {
        let report = run(paxos(proposers, acceptors, None), network, false, false);
        assert_eq!(
            (report.distinct_states, report.generated_states),
            (distinct, generated),
            "{proposers} proposers, {acceptors} acceptors, {network}"
        );
        assert!(report.complete);
        assert_all_hold(&report);
    }
}

#[test]
fn every_mutant_violates_what_the_catalog_says() {
    let spec = catalog::find("paxos").unwrap();
    let mutants = [
        ("accept-despite-promise", PaxosMutant::AcceptDespitePromise),
        ("ignore-promised-value", PaxosMutant::IgnorePromisedValue),
        (
            "promise-uninitialized-value",
            PaxosMutant::PromiseUninitializedValue,
        ),
    ];
    // forget-promise needs crashes to show: see its own test below.
    assert_eq!(spec.mutants.len(), mutants.len() + 1);
    for (name, mutant) in mutants {
        let expected = spec
            .mutants
            .iter()
            .find(|m| m.name == name)
            .unwrap()
            .violates;
        for network in [NetworkSemantics::UNORDERED, NetworkSemantics::DUPLICATING] {
            let report = run(paxos(2, 3, Some(mutant)), network, false, true);
            assert_eq!(report.verdict(), Verdict::Violated, "{name}");
            for property in &report.properties {
                let violated = property.status == Status::Violated;
                assert_eq!(
                    violated,
                    expected.contains(&property.name.as_str()),
                    "{name}: {}",
                    property.name
                );
                if violated {
                    assert!(!property.trace.as_ref().unwrap().is_empty());
                }
            }
        }
    }
}

#[test]
fn p1_counterexample_ends_with_the_bad_accept() {
    let report = run(
        paxos(2, 3, Some(PaxosMutant::AcceptDespitePromise)),
        NetworkSemantics::UNORDERED,
        false,
        false,
    );
    let p1 = report.property("P1").unwrap();
    let trace = p1.trace.as_ref().unwrap();
    let last = trace.steps.last().unwrap();
    assert_eq!(trace.len(), 8);
    assert!(
        last.action
            .as_deref()
            .unwrap()
            .contains("receives Accept(1, 1)"),
        "{last:?}"
    );
    assert!(last.changes[0].contains("promised 2"), "{last:?}");
}

#[test]
fn acceptor_symmetry_keeps_verdicts() {
    for mutant in [
        None,
        Some(PaxosMutant::AcceptDespitePromise),
        Some(PaxosMutant::IgnorePromisedValue),
        Some(PaxosMutant::PromiseUninitializedValue),
    ] {
        let full = run(
            paxos(2, 3, mutant),
            NetworkSemantics::UNORDERED,
            false,
            true,
        );
        let sym = run(paxos(2, 3, mutant), NetworkSemantics::UNORDERED, true, true);
        let statuses = |r: &Report| r.properties.iter().map(|p| p.status).collect::<Vec<_>>();
        assert_eq!(statuses(&sym), statuses(&full), "{mutant:?}");
        if mutant.is_none() {
            assert_eq!(sym.distinct_states, 27_377);
            assert!(sym.distinct_states < full.distinct_states);
        }
    }
}

fn with_crashes(process: Paxos, crashes: u8) -> paxos::PaxosModel {
    paxos::model(process, NetworkSemantics::UNORDERED).faults(valence_core::FaultModel {
        crash: valence_core::CrashMode::Recover,
        max_crashes: crashes,
    })
}

#[test]
fn paxos_survives_a_crash_because_acceptors_persist_before_answering() {
    let options = CheckOptions {
        threads: 2,
        ..CheckOptions::default()
    };
    let report = check(&with_crashes(paxos(2, 3, None), 1), &options);
    assert_eq!(
        (report.distinct_states, report.generated_states),
        (1_703_495, 8_918_963)
    );
    assert_all_hold(&report);
}

#[test]
fn forgetting_a_promise_across_a_crash_breaks_agreement() {
    let mutant = paxos(2, 3, Some(PaxosMutant::ForgetPromise));
    // Without crashes the bug cannot show.
    let report = run(mutant.clone(), NetworkSemantics::UNORDERED, false, false);
    assert_all_hold(&report);
    let options = CheckOptions {
        threads: 2,
        ..CheckOptions::default()
    };
    let report = check(&with_crashes(mutant, 1), &options);
    assert_eq!(report.verdict(), Verdict::Violated);
    let violated: Vec<&str> = report
        .properties
        .iter()
        .filter(|p| p.status == Status::Violated)
        .map(|p| p.name.as_str())
        .collect();
    assert!(
        violated == ["P2"] || violated == ["agreement"],
        "{violated:?}"
    );
    let trace = report
        .properties
        .iter()
        .find_map(|p| p.trace.as_ref().filter(|_| p.status == Status::Violated))
        .unwrap();
    assert!(trace
        .steps
        .iter()
        .any(|s| s.action.as_deref().is_some_and(|a| a.contains("crashes"))));
    assert!(trace
        .steps
        .iter()
        .any(|s| s.action.as_deref().is_some_and(|a| a.contains("restarts"))));
}
