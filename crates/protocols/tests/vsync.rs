//! Virtual synchrony: the bounded configuration is checked exhaustively, and each seeded bug is
//! caught by the checker with a trace and by a swarm of simulated runs whose failing seed
//! reproduces alone.

use std::sync::atomic::AtomicU64;

use valence_check::{check, CheckOptions, PropertyKind, Status};
use valence_core::FaultModel;
use valence_protocols::vsync::{self, Detector, Vsync, VsyncMutant};
use valence_sim::{simulate, swarm, SimOptions};

/// `valence check vsync`'s default: 3 processes, one message each, one view change, two
/// suspicions, 8 messages in flight.
fn bounded(mutant: Option<VsyncMutant>) -> vsync::VsyncModel {
    let process = Vsync {
        nodes: 3,
        initial_members: 3,
        messages: 1,
        max_epoch: 2,
        max_in_flight: 8,
        max_suspicions: 2,
        detector: Detector::Suspicions,
        mutant,
    };
    vsync::model(process, FaultModel::NONE)
}

/// `valence simulate vsync`'s default: 3 processes, one of which joins at the start, three
/// messages each, heartbeats.
fn simulated(mutant: Option<VsyncMutant>) -> vsync::VsyncModel {
    let process = Vsync {
        nodes: 3,
        initial_members: 2,
        messages: 3,
        max_epoch: u32::MAX,
        max_in_flight: usize::MAX,
        max_suspicions: u32::MAX,
        detector: Detector::Heartbeats,
        mutant,
    };
    vsync::model(process, FaultModel::NONE)
}

fn options() -> CheckOptions {
    CheckOptions {
        threads: 2,
        ..Default::default()
    }
}

#[test]
fn the_bounded_configuration_is_checked_exhaustively() {
    let report = check(&bounded(None), &options());
    assert_eq!(
        (report.distinct_states, report.generated_states),
        (176_420, 363_423)
    );
    assert!(report.complete);
    assert!(report.bounded, "the suspicion bound cuts some states off");
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
fn the_checker_catches_each_mutant_with_a_trace() {
    for (mutant, property, steps) in [
        // A multicast, a suspicion, the flush request, its answer, the new view.
        (VsyncMutant::SkipFlush, "view-synchrony", 5),
        (VsyncMutant::DeliverInNextView, "sent-view-delivery", 4),
    ] {
        let report = check(&bounded(Some(mutant)), &options());
        let found = report.property(property).unwrap();
        assert_eq!(found.status, Status::Violated, "{mutant:?}");
        let trace = found.trace.as_ref().unwrap();
        assert_eq!(trace.len(), steps, "{mutant:?}");
    }
}

#[test]
fn virtual_synchrony_holds_and_the_group_settles_under_faults() {
    let model = simulated(None);
    let done = AtomicU64::new(0);
    let report = swarm(&model, 0..1_000, &SimOptions::new, 2, false, &done);
    assert_eq!(report.runs, 1_000);
    assert!(
        report.failures.is_empty(),
        "{} failures, first {:?}",
        report.failures.len(),
        report.failures.first()
    );
}

#[test]
fn every_mutant_is_caught_by_a_swarm_and_reproduces() {
    for (mutant, property) in [
        (VsyncMutant::SkipFlush, "view-synchrony"),
        (VsyncMutant::DeliverInNextView, "sent-view-delivery"),
    ] {
        let model = simulated(Some(mutant));
        let done = AtomicU64::new(0);
        let report = swarm(&model, 0..10_000, &SimOptions::new, 2, true, &done);
        let (seed, why) = report
            .failures
            .first()
            .unwrap_or_else(|| panic!("{mutant:?} not caught"));
        assert!(why.contains(property), "{mutant:?}: {why}");
        let alone = simulate(&model, &SimOptions::new(*seed));
        assert_eq!(alone.failure.as_deref(), Some(why.as_str()));
    }
}
