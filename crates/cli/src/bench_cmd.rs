//! `valence bench complexity`: messages per decision as the cluster grows, measured in the
//! simulator, with the fitted exponent beside the seed's claims.

use std::io::Write;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;
use valence_check::ActorState;
use valence_core::{FaultModel, NetworkSemantics, NodeId};
use valence_protocols::multipaxos;
use valence_protocols::paxos::{self, Paxos};
use valence_protocols::raft::{self, Raft, Role};
use valence_sim::{simulate, simulate_leader_crash, FaultMix, SimOptions};

use crate::EXIT_HOLDS;

/// Arguments of `valence bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Messages per decision for n = 3, 5, 7, 9, 11, fitted to n^k, beside the seed's claims.
    Complexity(ComplexityArgs),
}

#[derive(Args, Debug)]
struct ComplexityArgs {
    /// Seeds averaged per size.
    #[arg(long, default_value_t = 20)]
    seeds: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `valence bench`.
pub fn run(args: &BenchArgs) -> Result<u8> {
    match &args.command {
        BenchCommand::Complexity(args) => complexity(args),
    }
}

const SIZES: [usize; 5] = [3, 5, 7, 9, 11];

/// The slope of log(messages) against log(n), by least squares.
fn fit_exponent(points: &[(usize, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .map(|&(n, m)| ((n as f64).ln(), m.ln()))
        .collect();
    let count = logs.len() as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / count;
    let covariance: f64 = logs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let variance: f64 = logs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    covariance / variance
}

/// Mean messages sent over `seeds` fault-free runs of `model`: before the first decision, or
/// in the whole run (`whole`), which for a protocol that quiesces after one decision is the
/// decision's full cost.
fn messages_per_decision<P: valence_core::Process>(
    model: &valence_check::ActorModel<P>,
    seeds: u64,
    whole: bool,
) -> Result<f64> {
    let mut total = 0.0;
    for seed in 0..seeds {
        let options = SimOptions {
            faults: FaultMix::NONE,
            ..SimOptions::new(seed)
        };
        let report = simulate(model, &options);
        let messages = report.messages_to_first_goal.ok_or_else(|| {
            anyhow::anyhow!(
                "seed {seed}: no decision in a fault-free run ({})",
                report.failure.unwrap_or_default()
            )
        })?;
        total += if whole { report.sent } else { messages } as f64;
    }
    Ok(total / seeds as f64)
}

/// Mean messages per decision after the first, over `seeds` fault-free runs of `model`.
fn steady_messages_per_decision<P: valence_core::Process>(
    model: &valence_check::ActorModel<P>,
    seeds: u64,
) -> Result<f64> {
    let mut total = 0.0;
    for seed in 0..seeds {
        let options = SimOptions {
            faults: FaultMix::NONE,
            ..SimOptions::new(seed)
        };
        let report = simulate(model, &options);
        let (first, last) = match (report.decisions.first(), report.decisions.last()) {
            (Some(first), Some(last)) if report.decisions.len() > 1 => (*first, *last),
            _ => anyhow::bail!("seed {seed}: fewer than two decisions in a fault-free run"),
        };
        total += (last.1 - first.1) as f64 / (report.decisions.len() - 1) as f64;
    }
    Ok(total / seeds as f64)
}

/// Mean messages, over `seeds` fault-free runs, from a crash of the leader (after two
/// decisions) to the next decision: the cost of a leader change.
fn leader_change_messages<P: valence_core::Process>(
    model: &valence_check::ActorModel<P>,
    seeds: u64,
    leader: &dyn Fn(&ActorState<P>) -> Option<NodeId>,
) -> Result<f64> {
    let mut total = 0.0;
    for seed in 0..seeds {
        let options = SimOptions {
            faults: FaultMix::NONE,
            ..SimOptions::new(seed)
        };
        let (report, crashed) = simulate_leader_crash(model, &options, leader, 2);
        let Some((_, at, sent)) = crashed else {
            anyhow::bail!("seed {seed}: no leader to crash after two decisions");
        };
        let Some(&(_, after)) = report.decisions.iter().find(|(when, _)| *when > at) else {
            anyhow::bail!(
                "seed {seed}: no decision after the leader crashed ({})",
                report.failure.unwrap_or_default()
            );
        };
        total += (after - sent) as f64;
    }
    Ok(total / seeds as f64)
}

fn complexity(args: &ComplexityArgs) -> Result<u8> {
    let seeds = args.seeds.max(1);
    let mut rows = Vec::new();
    // Paxos as the seed counts it: one proposer with one ballot, n acceptors, and every
    // acceptor's Accepted going to n learners; the run quiesces after the decision, so every
    // message it sent belongs to it (n + n + n + n^2).
    let mut paxos_points = Vec::new();
    for n in SIZES {
        let process = Paxos {
            proposers: 1,
            acceptors: n,
            learners: n,
            rounds: 1,
            mutant: None,
        };
        let model = paxos::model(process, NetworkSemantics::UNORDERED);
        paxos_points.push((n, messages_per_decision(&model, seeds, true)?));
    }
    rows.push(("paxos", "O(n^2)", 2.0, paxos_points));
    // Raft: n servers; the first decision is the commit of the first leader's no-op, after one
    // election and one round of replication.
    let mut raft_points = Vec::new();
    for n in SIZES {
        let process = Raft {
            max_log: 0,
            ..Raft::new(n)
        };
        let model = raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE);
        raft_points.push((n, messages_per_decision(&model, seeds, false)?));
    }
    rows.push(("raft", "O(n)", 1.0, raft_points));
    // Raft's common case: messages per committed slot after the first commit (the election
    // is over), heartbeats included, with the leader appending 10 commands.
    let mut steady_points = Vec::new();
    for n in SIZES {
        let process = Raft {
            max_log: 10,
            ..Raft::new(n)
        };
        let model = raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE);
        steady_points.push((n, steady_messages_per_decision(&model, seeds)?));
    }
    rows.push(("raft/cmd", "O(n)", 1.0, steady_points));
    // A leader change: the leader crashes after two commits; the messages from the crash to
    // the next commit (the new leader's election and its no-op's replication).
    let mut change_points = Vec::new();
    for n in SIZES {
        let process = Raft {
            max_log: 10,
            ..Raft::new(n)
        };
        let model = raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE);
        let leader = |s: &ActorState<Raft>| {
            (0..s.nodes.len())
                .find(|&i| {
                    !s.crashed[i]
                        && s.nodes[i]
                            .server()
                            .is_some_and(|server| matches!(server.role, Role::Leader { .. }))
                })
                .map(NodeId::from)
        };
        change_points.push((n, leader_change_messages(&model, seeds, &leader)?));
    }
    rows.push(("raft/chg", "O(n)", 1.0, change_points));
    // Multi-Paxos's common case: one client runs 10 commands one after another; messages per
    // decided slot after the first decision (phase 1 is over), heartbeats included.
    // n servers and one client running 10 commands one after another.
    let multipaxos_model = |n| {
        let process = multipaxos::MultiPaxos {
            client_ops: 10,
            ..multipaxos::simulated(n, 1, None)
        };
        multipaxos::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE)
    };
    let mut multipaxos_points = Vec::new();
    for n in SIZES {
        let model = multipaxos_model(n);
        multipaxos_points.push((n, steady_messages_per_decision(&model, seeds)?));
    }
    rows.push(("mpaxos/cmd", "O(n)", 1.0, multipaxos_points));
    // Multi-Paxos with a leader change: the active leader crashes after two decisions; the
    // messages to the next decision (a new ballot's phase 1, then phase 2 for the slot).
    let mut multipaxos_change = Vec::new();
    for n in SIZES {
        let model = multipaxos_model(n);
        let leader = |s: &ActorState<multipaxos::MultiPaxos>| {
            (0..s.nodes.len())
                .find(|&i| {
                    !s.crashed[i]
                        && matches!(&*s.nodes[i], multipaxos::MpNode::Server(server)
                            if server.leader.phase == multipaxos::Phase::Active)
                })
                .map(NodeId::from)
        };
        multipaxos_change.push((n, leader_change_messages(&model, seeds, &leader)?));
    }
    rows.push(("mpaxos/chg", "O(n)", 1.0, multipaxos_change));

    let mut out = std::io::stdout().lock();
    if args.json {
        let value = json!({
            "type": "complexity-report",
            "seeds": seeds,
            "protocols": rows.iter().map(|(name, claim, _, points)| json!({
                "protocol": name,
                "claim": claim,
                "exponent": fit_exponent(points),
                "messages": points.iter().map(|(n, m)| json!({"n": n, "messages": m})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        writeln!(out, "{value}")?;
        return Ok(EXIT_HOLDS);
    }
    writeln!(
        out,
        "messages per decision, fault-free runs of the simulator, mean of {seeds} seeds"
    )?;
    write!(out, "{:<10}", "n")?;
    for n in SIZES {
        write!(out, "{n:>9}")?;
    }
    writeln!(out, "{:>10}  seed's claim", "fitted")?;
    for (name, claim, _, points) in &rows {
        write!(out, "{name:<10}")?;
        for (_, messages) in points {
            write!(out, "{messages:>9.1}")?;
        }
        writeln!(
            out,
            "{:>10}  {claim}",
            format!("n^{:.2}", fit_exponent(points))
        )?;
    }
    writeln!(
        out,
        "\npaxos: every message of one decision: 1 proposer, n acceptors, n learners (Accepted \
         broadcast to every learner)\nraft: messages until the first commit, election included \
         (split votes grow with n)\nraft/cmd: messages per committed entry after the first \
         commit, heartbeats included (the common case)\nraft/chg: messages from a crash of the \
         leader to the next commit (election and the new leader's first replication)\nmpaxos/cmd: Multi-Paxos, messages per \
         decided slot after the first decision, heartbeats included (request to n servers, n-1 \
         Accept, n-1 Accepted, n-1 Decision, one response)\nmpaxos/chg: messages from a crash \
         of the active leader to the next decision (a new ballot's phase 1, then phase 2)"
    )?;
    Ok(EXIT_HOLDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_fit_powers() {
        let square: Vec<(usize, f64)> = SIZES.iter().map(|&n| (n, (n * n) as f64 * 3.0)).collect();
        assert!((fit_exponent(&square) - 2.0).abs() < 1e-9);
        let linear: Vec<(usize, f64)> = SIZES.iter().map(|&n| (n, n as f64 * 4.0)).collect();
        assert!((fit_exponent(&linear) - 1.0).abs() < 1e-9);
    }
}
