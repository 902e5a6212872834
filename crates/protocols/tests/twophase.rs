//! TwoPhase: TLC's state counts, the commit-early mutant, and symmetry reduction.

use valence_check::{check, CheckOptions, Report, Status, Strategy, Verdict};
use valence_protocols::twophase::{TwoPhase, TwoPhaseMutant};

fn bfs(model: &TwoPhase, threads: usize, symmetry: bool) -> Report {
    let options = CheckOptions {
        threads,
        symmetry,
        ..CheckOptions::default()
    };
    check(model, &options)
}

/// Distinct and generated states as TLC reports them for Lamport and Gray's TwoPhase spec.
const TLC_COUNTS: &[(usize, u64, u64)] = &[
    (3, 288, 1_146),
    (4, 1_568, 8_258),
    (5, 8_832, 58_146),
    (6, 50_816, 402_306),
    (7, 296_448, 2_744_706),
];

#[test]
fn state_counts_equal_tlc_for_3_to_7_rms() {
    for &(rms, distinct, generated) in TLC_COUNTS {
        for threads in [1, 2] {
            let report = bfs(&TwoPhase::new(rms), threads, false);
            assert_eq!(
                report.distinct_states, distinct,
                "rms {rms}, threads {threads}"
            );
            assert_eq!(
                report.generated_states, generated,
                "rms {rms}, threads {threads}"
            );
            assert!(report.complete);
            assert_eq!(report.verdict(), Verdict::Holds, "rms {rms}");
        }
    }
}

#[test]
fn depth_first_search_sees_the_same_states() {
    let report = check(
        &TwoPhase::new(5),
        &CheckOptions {
            strategy: Strategy::Dfs,
            ..CheckOptions::default()
        },
    );
    assert_eq!(report.distinct_states, 8_832);
    assert_eq!(report.generated_states, 58_146);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn commit_early_is_caught_with_a_shortest_trace() {
    let model = TwoPhase::new(3).with_mutant(Some(TwoPhaseMutant::CommitEarly));
    let report = bfs(&model, 2, false);
    assert_eq!(report.verdict(), Verdict::Violated);
    let consistent = report.property("consistent").unwrap();
    assert_eq!(consistent.status, Status::Violated);
    let trace = consistent.trace.as_ref().unwrap();
    let actions: Vec<&str> = trace
        .steps
        .iter()
        .filter_map(|s| s.action.as_deref())
        .collect();
    assert_eq!(
        actions,
        ["TMCommit", "RMChooseToAbort(rm0)", "RMRcvCommitMsg(rm1)"]
    );
    assert_eq!(
        trace.steps[3].state,
        "rmState = [aborted, committed, working], tmState = committed, tmPrepared = {}, \
         msgs = {Commit}"
    );
    for strategy in [
        Strategy::Dfs,
        Strategy::Random {
            seed: 1,
            walks: 1_000,
        },
    ] {
        let options = CheckOptions {
            strategy,
            ..CheckOptions::default()
        };
        let report = check(&model, &options);
        assert_eq!(
            report.property("consistent").unwrap().status,
            Status::Violated,
            "{strategy:?}"
        );
    }
}

#[test]
fn symmetry_reduces_states_and_keeps_verdicts() {
    let expected = [(3, 80u64), (4, 166), (5, 314), (6, 553), (7, 920)];
    for (rms, reduced) in expected {
        let full = bfs(&TwoPhase::new(rms), 2, false);
        let sym = bfs(&TwoPhase::new(rms), 2, true);
        assert_eq!(sym.distinct_states, reduced, "rms {rms}");
        assert!(sym.distinct_states < full.distinct_states);
        assert_eq!(sym.verdict(), full.verdict());
        let mutant = TwoPhase::new(rms).with_mutant(Some(TwoPhaseMutant::CommitEarly));
        let full = bfs(&mutant, 2, false);
        let sym = bfs(&mutant, 2, true);
        assert_eq!(sym.verdict(), Verdict::Violated);
        // Symmetry does not lengthen the shortest counterexample.
        let len = |r: &Report| {
            r.property("consistent")
                .unwrap()
                .trace
                .as_ref()
                .unwrap()
                .len()
        };
        assert_eq!(len(&sym), len(&full));
    }
}

#[test]
fn every_rm_eventually_decides_under_weak_fairness() {
    for rms in [2, 3, 4] {
        let report = bfs(&TwoPhase::new(rms).with_termination(true), 2, false);
        assert_eq!(report.verdict(), Verdict::Holds, "rms {rms}");
        assert_eq!(
            report.property("all-decide").unwrap().status,
            Status::Holds,
            "rms {rms}"
        );
    }
}

#[test]
fn commit_to_one_is_caught_only_by_the_liveness_property() {
    let model = TwoPhase::new(3)
        .with_mutant(Some(TwoPhaseMutant::CommitToOne))
        .with_termination(true);
    let report = bfs(&model, 2, false);
    assert_eq!(report.property("consistent").unwrap().status, Status::Holds);
    assert_eq!(
        report.property("deadlock-free").unwrap().status,
        Status::Holds
    );
    let all_decide = report.property("all-decide").unwrap();
    assert_eq!(all_decide.status, Status::Violated);
    let trace = all_decide.trace.as_ref().unwrap();
    // A shortest lasso: every RM prepares, the TM commits, the first RM commits, and the
    // behaviour stops there with two RMs prepared for ever.
    assert_eq!(
        trace.cycle_start,
        Some(trace.steps.len() - 1),
        "ends stuttering"
    );
    let last = &trace.steps.last().unwrap().state;
    assert!(
        last.starts_with("rmState = [committed, prepared, prepared], tmState = committed"),
        "{last}"
    );
    // Without the liveness property the mutant passes unnoticed.
    let safety_only = TwoPhase::new(3).with_mutant(Some(TwoPhaseMutant::CommitToOne));
    assert_eq!(bfs(&safety_only, 2, false).verdict(), Verdict::Holds);
}
