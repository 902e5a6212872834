//! valence's checker against Stateright 0.31 on Lamport and Gray's TwoPhase spec.
//!
//! ```text
//! cargo bench -p valence-benches --bench stateright -- [--rms 9] [--threads 1,2] [--runs 1]
//! ```
//!
//! Every measurement runs in a child process of its own, so that each checker's peak resident
//! memory (VmHWM) is its own. Three contenders, all breadth-first, no symmetry:
//!
//! - `valence`: valence-check on `valence_protocols::twophase::TwoPhase` (packed state);
//! - `stateright-same-model`: Stateright on the very same `TwoPhase` code (same state type, same
//!   transition function), so that the difference is the checker alone;
//! - `stateright-idiomatic`: Stateright on TwoPhase written as its own example does (vectors and a
//!   `BTreeSet` of messages), which is what a Stateright user would run.
//!
//! Distinct state counts are asserted equal (and equal to TLC's) before any ratio is printed.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Instant;

use stateright::{Checker, Model as SrModel, Property as SrProperty};
use valence_check::{check, CheckOptions, Model};
use valence_protocols::twophase::{RmState, TwoPhase, TwoPhaseAction, TwoPhaseState};

/// Stateright on valence's own TwoPhase model code.
struct SameModel(TwoPhase);

impl SrModel for SameModel {
    type State = TwoPhaseState;
    type Action = TwoPhaseAction;

    fn init_states(&self) -> Vec<TwoPhaseState> {
        Model::init_states(&self.0)
    }

    fn actions(&self, state: &TwoPhaseState, actions: &mut Vec<TwoPhaseAction>) {
        Model::actions(&self.0, state, actions);
    }

    fn next_state(&self, state: &TwoPhaseState, action: TwoPhaseAction) -> Option<TwoPhaseState> {
        Model::next_state(&self.0, state, &action)
    }

    fn properties(&self) -> Vec<SrProperty<Self>> {
        vec![SrProperty::always(
            "consistent",
            |m: &SameModel, s: &TwoPhaseState| {
                let rms = m.0.rms();
                let any = |wanted| (0..rms).any(|rm| s.rm(rm) == wanted);
                !(any(RmState::Committed) && any(RmState::Aborted))
            },
        )]
    }
}

/// TwoPhase in Stateright's own idiom.
struct Idiomatic {
    rms: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct IdiomaticState {
    rm_state: Vec<RmState>,
    tm_state: u8,
    tm_prepared: Vec<bool>,
    msgs: BTreeSet<Msg>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Msg {
    Prepared(usize),
    Commit,
    Abort,
}

const TM_INIT: u8 = 0;
const TM_COMMITTED: u8 = 1;
const TM_ABORTED: u8 = 2;

impl SrModel for Idiomatic {
    type State = IdiomaticState;
    type Action = TwoPhaseAction;

    fn init_states(&self) -> Vec<IdiomaticState> {
        vec![IdiomaticState {
            rm_state: vec![RmState::Working; self.rms],
            tm_state: TM_INIT,
            tm_prepared: vec![false; self.rms],
            msgs: BTreeSet::new(),
        }]
    }

    fn actions(&self, s: &IdiomaticState, actions: &mut Vec<TwoPhaseAction>) {
        if s.tm_state == TM_INIT && s.tm_prepared.iter().all(|p| *p) {
            actions.push(TwoPhaseAction::TmCommit);
        }
        if s.tm_state == TM_INIT {
            actions.push(TwoPhaseAction::TmAbort);
        }
        for rm in 0..self.rms {
            if s.tm_state == TM_INIT && s.msgs.contains(&Msg::Prepared(rm)) {
                actions.push(TwoPhaseAction::TmRcvPrepared(rm));
            }
            if s.rm_state[rm] == RmState::Working {
                actions.push(TwoPhaseAction::RmPrepare(rm));
                actions.push(TwoPhaseAction::RmChooseToAbort(rm));
            }
            if s.msgs.contains(&Msg::Commit) {
                actions.push(TwoPhaseAction::RmRcvCommitMsg(rm));
            }
            if s.msgs.contains(&Msg::Abort) {
                actions.push(TwoPhaseAction::RmRcvAbortMsg(rm));
            }
        }
    }

    fn next_state(&self, s: &IdiomaticState, action: TwoPhaseAction) -> Option<IdiomaticState> {
        let mut s = s.clone();
        match action {
            TwoPhaseAction::TmRcvPrepared(rm) => s.tm_prepared[rm] = true,
            TwoPhaseAction::TmCommit => {
                s.tm_state = TM_COMMITTED;
                s.msgs.insert(Msg::Commit);
            }
            TwoPhaseAction::TmAbort => {
                s.tm_state = TM_ABORTED;
                s.msgs.insert(Msg::Abort);
            }
            TwoPhaseAction::RmPrepare(rm) => {
                s.rm_state[rm] = RmState::Prepared;
                s.msgs.insert(Msg::Prepared(rm));
            }
            TwoPhaseAction::RmChooseToAbort(rm) => s.rm_state[rm] = RmState::Aborted,
            TwoPhaseAction::RmRcvCommitMsg(rm) => s.rm_state[rm] = RmState::Committed,
            TwoPhaseAction::RmRcvAbortMsg(rm) => s.rm_state[rm] = RmState::Aborted,
        }
        Some(s)
    }

    fn properties(&self) -> Vec<SrProperty<Self>> {
        vec![SrProperty::always(
            "consistent",
            |_: &Idiomatic, s: &IdiomaticState| {
                !(s.rm_state.contains(&RmState::Committed)
                    && s.rm_state.contains(&RmState::Aborted))
            },
        )]
    }
}

/// One measurement, as a child prints it.
#[derive(Debug)]
struct Run {
    distinct: u64,
    generated: u64,
    seconds: f64,
    peak_rss: u64,
}

fn child(side: &str, rms: usize, threads: usize) {
    let started = Instant::now();
    let (distinct, generated) = match side {
        "valence" => {
            let options = CheckOptions {
                threads,
                ..CheckOptions::default()
            };
            let report = check(&TwoPhase::new(rms), &options);
            assert_eq!(report.verdict(), valence_check::Verdict::Holds);
            (report.distinct_states, report.generated_states)
        }
        "stateright-same-model" => {
            let checker = SameModel(TwoPhase::new(rms))
                .checker()
                .threads(threads)
                .spawn_bfs()
                .join();
            checker.assert_properties();
            (
                checker.unique_state_count() as u64,
                checker.state_count() as u64,
            )
        }
        "stateright-idiomatic" => {
            let checker = Idiomatic { rms }
                .checker()
                .threads(threads)
                .spawn_bfs()
                .join();
            checker.assert_properties();
            (
                checker.unique_state_count() as u64,
                checker.state_count() as u64,
            )
        }
        other => panic!("unknown side {other}"),
    };
    let seconds = started.elapsed().as_secs_f64();
    let peak_rss = valence_benches::peak_rss_bytes().unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({
            "distinct": distinct, "generated": generated, "seconds": seconds, "peak_rss": peak_rss,
        })
    );
}

fn measure(side: &str, rms: usize, threads: usize) -> Run {
    let output = Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--side",
            side,
            "--rms",
            &rms.to_string(),
            "--threads",
            &threads.to_string(),
        ])
        .output()
        .expect("the bench re-runs itself");
    assert!(
        output.status.success(),
        "{side} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().expect("a result line");
    let value: serde_json::Value = serde_json::from_str(line).expect("JSON result");
    Run {
        distinct: value["distinct"].as_u64().unwrap(),
        generated: value["generated"].as_u64().unwrap(),
        seconds: value["seconds"].as_f64().unwrap(),
        peak_rss: value["peak_rss"].as_u64().unwrap(),
    }
}

fn median_run(side: &str, rms: usize, threads: usize, runs: usize) -> Run {
    let mut all: Vec<Run> = (0..runs).map(|_| measure(side, rms, threads)).collect();
    all.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    all.swap_remove(all.len() / 2)
}

/// TLC's distinct and generated state counts for TwoPhase with 3, 4 and 5 RMs.
const TLC_COUNTS: &[(usize, u64, u64)] = &[(3, 288, 1_146), (4, 1_568, 8_258), (5, 8_832, 58_146)];

fn smoke() {
    for &(rms, distinct, generated) in TLC_COUNTS {
        for side in ["valence", "stateright-same-model", "stateright-idiomatic"] {
            for threads in [1, 2] {
                let run = measure(side, rms, threads);
                assert_eq!(
                    (run.distinct, run.generated),
                    (distinct, generated),
                    "{side} with {rms} RMs on {threads} thread(s)"
                );
            }
        }
    }
    println!("stateright bench smoke test: 3 checkers agree with TLC on TwoPhase 3..5 RMs");
}

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rms: usize = arg(&args, "--rms").map_or(9, |v| v.parse().expect("--rms N"));
    if let Some(side) = arg(&args, "--side") {
        let threads = arg(&args, "--threads").map_or(1, |v| v.parse().expect("--threads N"));
        child(side, rms, threads);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test` runs this target (test = true) without it,
    // and then it only checks, quickly, that all three contenders agree with TLC's counts.
    if !args.iter().any(|a| a == "--bench") {
        smoke();
        return;
    }
    let threads: Vec<usize> = arg(&args, "--threads")
        .unwrap_or("1,2")
        .split(',')
        .map(|t| t.parse().expect("--threads N[,M...]"))
        .collect();
    let runs: usize = arg(&args, "--runs").map_or(1, |v| v.parse().expect("--runs N"));
    println!("TwoPhase with {rms} RMs, breadth-first, median of {runs} run(s) each");
    println!(
        "{:<24} {:>7} {:>12} {:>12} {:>9} {:>14} {:>10}",
        "checker", "threads", "distinct", "generated", "seconds", "distinct/s", "peak MiB"
    );
    for &t in &threads {
        let valence = median_run("valence", rms, t, runs);
        let mut rows = vec![("valence", valence)];
        for side in ["stateright-same-model", "stateright-idiomatic"] {
            rows.push((side, median_run(side, rms, t, runs)));
        }
        for (side, run) in &rows {
            assert_eq!(
                run.distinct, rows[0].1.distinct,
                "{side} explores the same states"
            );
            println!(
                "{:<24} {:>7} {:>12} {:>12} {:>9.2} {:>14.0} {:>10.1}",
                side,
                t,
                run.distinct,
                run.generated,
                run.seconds,
                run.distinct as f64 / run.seconds,
                run.peak_rss as f64 / (1024.0 * 1024.0)
            );
        }
        let ours = &rows[0].1;
        for (side, run) in &rows[1..] {
            println!(
                "  valence vs {side} at {t} thread(s): {:.2}x distinct states/s, {:.2}x peak memory",
                run.seconds / ours.seconds,
                ours.peak_rss as f64 / run.peak_rss as f64
            );
        }
    }
}
