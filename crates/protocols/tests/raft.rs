//! Raft in the simulator: the seed's five properties hold over a swarm of faulty runs on 3 and 5
//! servers, a committed entry follows once the faults stop, and each mutant is caught.

use std::sync::atomic::AtomicU64;

use valence_core::{FaultModel, NetworkSemantics};
use valence_protocols::raft::{self, Raft, RaftMutant};
use valence_sim::{simulate, simulate_kv, swarm, swarm_with, KvWorkload, SimOptions};

fn raft_model(servers: usize, mutant: Option<RaftMutant>) -> raft::RaftModel {
    let process = Raft {
        mutant,
        ..Raft::new(servers)
    };
    raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE)
}

#[test]
fn raft_keeps_its_five_properties_and_commits_under_faults() {
    for servers in [3, 5] {
        let model = raft_model(servers, None);
        let done = AtomicU64::new(0);
        let report = swarm(&model, 0..1_000, &SimOptions::new, 2, false, &done);
        assert_eq!(report.runs, 1_000);
        assert!(
            report.failures.is_empty(),
            "{servers} servers: {:?}",
            report.failures.first()
        );
    }
}

#[test]
fn every_raft_mutant_is_caught_and_reproduces() {
    // Figure 8's schedule (an entry of term 1 committed by the leader of term 3, then
    // overwritten by the leader of term 4) needs several elections and isolations: a run of
    // 5 s with faults gives it room.
    let long = |seed| SimOptions {
        safety_ms: 5_000,
        ..SimOptions::new(seed)
    };
    type OptionsFor<'a> = &'a (dyn Fn(u64) -> SimOptions + Sync);
    let cases: [(RaftMutant, &str, OptionsFor); 3] = [
        (
            RaftMutant::VoteWithoutLogCheck,
            "leader-completeness",
            &SimOptions::new,
        ),
        (RaftMutant::ForgetVote, "election-safety", &SimOptions::new),
        (RaftMutant::CommitOldTerm, "leader-completeness", &long),
    ];
    for (mutant, property, options) in cases {
        let model = raft_model(3, Some(mutant));
        let done = AtomicU64::new(0);
        let report = swarm(&model, 0..10_000, options, 2, true, &done);
        let (seed, why) = report
            .failures
            .first()
            .unwrap_or_else(|| panic!("{mutant:?} not caught"));
        assert!(why.contains(property), "{mutant:?}: {why}");
        let alone = simulate(&model, &options(*seed));
        assert_eq!(alone.failure.as_deref(), Some(why.as_str()));
    }
}

fn bounded(mutant: Option<RaftMutant>) -> raft::RaftModel {
    let process = Raft {
        max_term: 2,
        max_log: 1,
        max_messages: 12,
        mutant,
        ..Raft::new(3)
    };
    raft::model(process, NetworkSemantics::DUPLICATING, FaultModel::NONE)
}

#[test]
fn the_bounded_configuration_is_checked_exhaustively() {
    let options = valence_check::CheckOptions {
        threads: 2,
        ..Default::default()
    };
    let report = valence_check::check(&bounded(None), &options);
    assert_eq!(
        (report.distinct_states, report.generated_states),
        (508_921, 2_489_233)
    );
    assert!(report.complete);
    assert!(report.bounded, "the message bound cuts some states off");
    for property in &report.properties {
        let expected = if property.kind == valence_check::PropertyKind::Sometimes {
            valence_check::Status::Found
        } else {
            valence_check::Status::Holds
        };
        assert_eq!(property.status, expected, "{}", property.name);
    }
}

#[test]
fn pre_vote_and_check_quorum_keep_the_five_properties() {
    let process = Raft {
        pre_vote: true,
        check_quorum: true,
        ..bounded(None).process
    };
    let model = raft::model(process, NetworkSemantics::DUPLICATING, FaultModel::NONE);
    let options = valence_check::CheckOptions {
        threads: 2,
        ..Default::default()
    };
    let report = valence_check::check(&model, &options);
    assert_eq!(
        (report.distinct_states, report.generated_states),
        (64_988, 220_057)
    );
    assert!(report.complete);
    assert!(report.properties.iter().all(|p| matches!(
        p.status,
        valence_check::Status::Holds | valence_check::Status::Found
    )));
    for servers in [3, 5] {
        let process = Raft {
            pre_vote: true,
            check_quorum: true,
            ..raft_model(servers, None).process
        };
        let model = raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE);
        let done = AtomicU64::new(0);
        let report = swarm(&model, 0..1_000, &SimOptions::new, 2, false, &done);
        assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    }
}

#[test]
fn the_checker_catches_a_vote_without_the_log_check() {
    let options = valence_check::CheckOptions {
        threads: 2,
        ..Default::default()
    };
    let report = valence_check::check(&bounded(Some(RaftMutant::VoteWithoutLogCheck)), &options);
    let property = report.property("leader-completeness").unwrap();
    assert_eq!(property.status, valence_check::Status::Violated);
    assert!(!property.trace.as_ref().unwrap().is_empty());
}

fn raft_kv(mutant: Option<RaftMutant>) -> raft::RaftModel {
    let process = Raft {
        max_term: 1_000,
        max_log: 0,
        clients: 3,
        mutant,
        ..Raft::new(3)
    };
    raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE)
}

#[test]
fn raft_kv_histories_are_linearizable_under_faults() {
    let model = raft_kv(None);
    let workload = KvWorkload::default();
    let run = |seed| simulate_kv(&model, &SimOptions::new(seed), &workload).sim;
    let done = AtomicU64::new(0);
    let report = swarm_with(0..1_000, &run, 2, false, &done);
    assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    // Every operation completed, and the history has them all.
    let one = simulate_kv(&model, &SimOptions::new(3), &workload);
    assert_eq!(one.history.operations.len(), 30);
    assert!(one
        .history
        .operations
        .iter()
        .all(|op| op.outcome == valence_history::Outcome::Ok));
}

#[test]
fn sessions_and_read_index_mutants_break_linearizability() {
    for mutant in [RaftMutant::NoSessions, RaftMutant::StaleRead] {
        let model = raft_kv(Some(mutant));
        let workload = KvWorkload::default();
        let run = |seed| simulate_kv(&model, &SimOptions::new(seed), &workload).sim;
        let done = AtomicU64::new(0);
        let report = swarm_with(0..10_000, &run, 2, true, &done);
        let (seed, why) = report
            .failures
            .first()
            .unwrap_or_else(|| panic!("{mutant:?} not caught"));
        assert!(why.contains("not linearizable"), "{mutant:?}: {why}");
        let alone = simulate_kv(&model, &SimOptions::new(*seed), &workload);
        assert_eq!(alone.sim.failure.as_deref(), Some(why.as_str()));
    }
}

#[test]
fn snapshots_compact_the_log_and_bring_followers_up_to_date() {
    let with_snapshots = |mutant| {
        let process = Raft {
            snapshot_every: 2,
            members: usize::MAX,
            ..raft_kv(mutant).process
        };
        raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE)
    };
    let model = with_snapshots(None);
    let workload = KvWorkload::default();
    let run = |seed| simulate_kv(&model, &SimOptions::new(seed), &workload).sim;
    let done = AtomicU64::new(0);
    let report = swarm_with(0..1_000, &run, 2, false, &done);
    assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    // Some run sends a snapshot to a lagging follower.
    let installs = (0..20).any(|seed| {
        let options = SimOptions {
            record_trace: true,
            ..SimOptions::new(seed)
        };
        let run = simulate_kv(&model, &options, &workload);
        run.sim
            .trace
            .iter()
            .any(|line| line.contains("InstallSnapshot"))
    });
    assert!(installs, "no run needed InstallSnapshot");
    // Snapshots without the client sessions: a retried command is applied twice somewhere.
    let model = with_snapshots(Some(RaftMutant::SnapshotWithoutSessions));
    let run = |seed| simulate_kv(&model, &SimOptions::new(seed), &workload).sim;
    let report = swarm_with(0..10_000, &run, 2, true, &done);
    let (seed, why) = report.failures.first().expect("the mutant is caught");
    let alone = simulate_kv(&model, &SimOptions::new(*seed), &workload);
    assert_eq!(alone.sim.failure.as_deref(), Some(why.as_str()));
}

#[test]
fn servers_are_added_and_removed_one_at_a_time_and_all_at_once_is_caught() {
    let with_spares = |mutant| {
        let process = Raft {
            servers: 5,
            members: 3,
            ..raft_model(5, mutant).process
        };
        raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE)
    };
    // Every run ends with all five servers in a committed configuration (the liveness goal),
    // and the five properties hold throughout.
    let model = with_spares(None);
    let done = AtomicU64::new(0);
    let report = swarm(&model, 0..1_000, &SimOptions::new, 2, false, &done);
    assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    let one = simulate(&model, &SimOptions::new(2));
    let added = one
        .properties
        .iter()
        .find(|p| p.name == "reconfigured")
        .unwrap();
    assert_eq!(added.status, "reached");
    // Replacing two of the three first servers: add both spares, then remove servers 0 and 1
    // (a leader that removes itself steps down once that configuration is committed).
    let process = Raft {
        retire: 2,
        ..with_spares(None).process
    };
    let model = raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE);
    let report = swarm(&model, 0..1_000, &SimOptions::new, 2, false, &done);
    assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    // Adding both spares in one change lets the old and new configurations elect apart.
    let model = with_spares(Some(RaftMutant::AddAllAtOnce));
    let report = swarm(&model, 0..10_000, &SimOptions::new, 2, true, &done);
    let (seed, why) = report.failures.first().expect("the mutant is caught");
    assert!(why.contains("violated"), "{why}");
    let alone = simulate(&model, &SimOptions::new(*seed));
    assert_eq!(alone.failure.as_deref(), Some(why.as_str()));
}

#[test]
fn compare_and_set_histories_are_linearizable() {
    let model = raft_kv(None);
    let workload = KvWorkload {
        cas_ratio: 0.3,
        ..KvWorkload::default()
    };
    let run = |seed| simulate_kv(&model, &SimOptions::new(seed), &workload).sim;
    let done = AtomicU64::new(0);
    let report = swarm_with(0..1_000, &run, 2, false, &done);
    assert!(report.failures.is_empty(), "{:?}", report.failures.first());
    // Some swaps succeed and some do not.
    let outputs: Vec<valence_history::Value> = (0..20)
        .flat_map(|seed| {
            simulate_kv(&model, &SimOptions::new(seed), &workload)
                .history
                .operations
        })
        .filter(|op| op.f == "cas" && op.outcome == valence_history::Outcome::Ok)
        .map(|op| op.output)
        .collect();
    assert!(outputs.contains(&valence_history::Value::Bool(true)));
    assert!(outputs.contains(&valence_history::Value::Bool(false)));
}

#[test]
fn the_checker_catches_a_forgotten_vote_with_one_crash() {
    let model = raft::model(
        bounded(Some(RaftMutant::ForgetVote)).process,
        NetworkSemantics::DUPLICATING,
        FaultModel {
            crash: valence_core::CrashMode::Recover,
            max_crashes: 1,
        },
    );
    let options = valence_check::CheckOptions {
        threads: 2,
        ..Default::default()
    };
    let report = valence_check::check(&model, &options);
    let property = report.property("election-safety").unwrap();
    assert_eq!(property.status, valence_check::Status::Violated);
    assert!(!property.trace.as_ref().unwrap().is_empty());
}
