//! The ABD register under a client workload: histories recorded and checked for
//! linearizability; the read-without-write-back mutant is caught by the history checker.

use std::sync::atomic::AtomicU64;

use valence_history::Verdict;
use valence_protocols::abd::{self, Abd, AbdMutant};
use valence_sim::{simulate_register, swarm_with, RegisterWorkload, SimOptions};

fn abd_model(mutant: Option<AbdMutant>) -> valence_check::ActorModel<Abd> {
    abd::model(Abd {
        servers: 3,
        clients: 3,
        mutant,
    })
}

#[test]
fn abd_histories_are_linearizable_under_faults() {
    let model = abd_model(None);
    let workload = RegisterWorkload::default();
    let run = |seed| simulate_register(&model, &SimOptions::new(seed), &workload).sim;
    let done = AtomicU64::new(0);
    let report = swarm_with(0..300, &run, 2, false, &done);
    assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    let one = simulate_register(&model, &SimOptions::new(5), &workload);
    assert_eq!(one.verdict, Verdict::Holds);
    // Every client ran all its operations.
    assert_eq!(one.history.operations.len(), 30);
}

#[test]
fn reads_without_write_back_are_caught_by_the_history_checker() {
    let model = abd_model(Some(AbdMutant::ReadWithoutWriteBack));
    let workload = RegisterWorkload::default();
    let run = |seed| simulate_register(&model, &SimOptions::new(seed), &workload).sim;
    let done = AtomicU64::new(0);
    let report = swarm_with(0..10_000, &run, 2, true, &done);
    let (seed, why) = report.failures.first().expect("the mutant is caught");
    assert!(why.contains("not linearizable"), "{why}");
    let alone = simulate_register(&model, &SimOptions::new(*seed), &workload);
    assert_eq!(alone.verdict, Verdict::Violated);
}
