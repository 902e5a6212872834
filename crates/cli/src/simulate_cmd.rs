//! `valence simulate`: one seeded run, or a swarm of seeds.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::json;
use valence_check::ActorModel;
use valence_core::{
    Adversary, FaultModel, KvOp, KvOutput, NetworkSemantics, NodeId, Process, RegisterOp,
    RegisterOutput, Service,
};
use valence_history::History;
use valence_protocols::abd::{self, Abd, AbdMutant};
use valence_protocols::catalog::{self, ParamSpec, Params};
use valence_protocols::multipaxos;
use valence_protocols::paxos::{self, Paxos};
use valence_protocols::raft::{self, Raft};
use valence_protocols::vsync::{self, Detector, Vsync};
use valence_sim::{
    render, shrink, simulate, simulate_byzantine, simulate_kv, simulate_register, swarm_with,
    Fault, FaultMix, KvWorkload, RegisterWorkload, ScheduledFault, SimOptions, SimReport,
    SwarmReport, WorkloadReport,
};

use crate::check_cmd::{usage, ModelParams};
use crate::output::thousands;
use crate::{EXIT_HOLDS, EXIT_VIOLATED};

/// Arguments of `valence simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The model to simulate (see `valence list`; actor models only).
    model: String,
    /// Simulate a seeded bug of the model.
    #[arg(long, value_name = "NAME")]
    mutant: Option<String>,
    /// The seed of a single run [default: 0].
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// A swarm: every seed of the range `A..B` (B excluded), in parallel.
    #[arg(long, value_name = "A..B", value_parser = parse_range)]
    seeds: Option<std::ops::Range<u64>>,
    /// Worker threads for a swarm [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Length of the safety phase (faults on), in virtual ms.
    #[arg(long, default_value_t = 1_000, value_name = "MS")]
    safety_ms: u64,
    /// Liveness bound: after the faults stop, goals must be reached within this many virtual ms.
    #[arg(long, default_value_t = 5_000, value_name = "MS")]
    liveness_ms: u64,
    /// Message latency range in virtual ms, `LOW..HIGH`.
    #[arg(long, default_value = "1..10", value_name = "LOW..HIGH", value_parser = parse_range)]
    latency_ms: std::ops::Range<u64>,
    /// Replace this many acceptors by Byzantine adversaries (paxos: equivocating acceptors that
    /// promise while hiding what they accepted and report every proposal as accepted).
    #[arg(long, default_value_t = 0, value_name = "N")]
    byzantine: usize,
    /// No faults: no crashes, partitions, loss, duplication or drift.
    #[arg(long)]
    no_faults: bool,
    /// Print every event of a single run.
    #[arg(long)]
    trace: bool,
    /// Write the clients' history of a single run as JSON Lines, or as Jepsen EDN if FILE ends
    /// in `.edn` (models with a workload).
    #[arg(long, value_name = "FILE")]
    history: Option<std::path::PathBuf>,
    /// Keep running a swarm after the first failing seed.
    #[arg(long)]
    keep_going: bool,
    /// Print one JSON object (the last line of stdout) instead of text.
    #[arg(long)]
    json: bool,
    /// No progress bar on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Shrink the failing run (with `--seeds`, the first failing seed): fewer faults, a calmer
    /// network and a shorter safety phase, the same violation; prints both runs and a command
    /// that replays the shrunk one.
    #[arg(long)]
    shrink: bool,
    /// Run with the nemesis schedule, fault mix and safety phase of FILE (JSON, as `--shrink`
    /// writes it) instead of those drawn from the seed.
    #[arg(long, value_name = "FILE", conflicts_with = "seeds")]
    schedule: Option<std::path::PathBuf>,
    /// Where `--shrink` writes the shrunk schedule [default: shrunk-MODEL-seed-S.json in the
    /// current directory].
    #[arg(long, value_name = "FILE")]
    shrink_to: Option<std::path::PathBuf>,
}

/// A schedule file: what `--schedule` reads and `--shrink` writes.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    /// Length of the safety phase, in virtual ms.
    safety_ms: u64,
    /// Loss, duplication and drift (crash and partition rates are unused: the schedule is
    /// explicit).
    faults: FaultMix,
    /// The nemesis's faults.
    schedule: Vec<ScheduledFault>,
}

/// Reads a schedule file into `options`.
fn load_schedule(path: &std::path::Path, nodes: usize, options: &mut SimOptions) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read the schedule {}: {e}", path.display())))?;
    let file: ScheduleFile = serde_json::from_str(&text)
        .map_err(|e| usage(format!("malformed schedule {}: {e}", path.display())))?;
    for fault in &file.schedule {
        let named = match &fault.fault {
            Fault::Crash { node } | Fault::Restart { node } => vec![*node],
            Fault::Partition { side, .. } => side.clone(),
            Fault::Heal => Vec::new(),
        };
        if let Some(node) = named.iter().find(|&&n| usize::from(n) >= nodes) {
            return Err(usage(format!(
                "malformed schedule {}: node {node} does not exist (the model has {nodes} nodes)",
                path.display()
            )));
        }
    }
    let f = &file.faults;
    if ![f.loss, f.duplication, f.drift]
        .iter()
        .all(|p| (0.0..=1.0).contains(p))
    {
        return Err(usage(format!(
            "malformed schedule {}: loss, duplication and drift must lie in 0..1",
            path.display()
        )));
    }
    options.safety_ms = file.safety_ms;
    options.faults = file.faults;
    options.schedule = Some(file.schedule);
    Ok(())
}

/// Parses `A..B`.
fn parse_range(text: &str) -> Result<std::ops::Range<u64>, String> {
    let (low, high) = text
        .split_once("..")
        .ok_or_else(|| format!("`{text}` is not a range such as 0..10000"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{s}` in `{text}` is not a non-negative integer"))
    };
    let (low, high) = (parse(low)?, parse(high)?);
    if high <= low {
        return Err(format!("the range `{text}` is empty"));
    }
    Ok(low..high)
}

/// A model the simulator can run, behind a trait object.
trait Simulated: Sync {
    /// The number of nodes.
    fn nodes(&self) -> usize;
    /// A run, with the clients' history when the model has a workload.
    fn run_recording(&self, options: &SimOptions) -> (SimReport, Option<History>);
    fn render(&self, report: &SimReport) -> String;
    /// The `valence history check` arguments that check this model's histories.
    fn history_check_args(&self) -> &'static str {
        ""
    }
    fn swarm(
        &self,
        seeds: std::ops::Range<u64>,
        options_for: &(dyn Fn(u64) -> SimOptions + Sync),
        threads: usize,
        stop_at_first_failure: bool,
        done: &AtomicU64,
    ) -> SwarmReport {
        let run = |seed| self.run_recording(&options_for(seed)).0;
        swarm_with(seeds, &run, threads, stop_at_first_failure, done)
    }
}

impl<P: Process> Simulated for ActorModel<P> {
    fn nodes(&self) -> usize {
        self.node_count
    }

    fn run_recording(&self, options: &SimOptions) -> (SimReport, Option<History>) {
        (simulate(self, options), None)
    }

    fn render(&self, report: &SimReport) -> String {
        render(self, report)
    }
}

/// A model some of whose nodes an adversary replaces.
struct WithAdversary<P: Process, A: Adversary<P>> {
    model: ActorModel<P>,
    nodes: Vec<NodeId>,
    adversary: A,
}

impl<P: Process, A: Adversary<P>> Simulated for WithAdversary<P, A> {
    fn nodes(&self) -> usize {
        self.model.node_count
    }

    fn run_recording(&self, options: &SimOptions) -> (SimReport, Option<History>) {
        let report = simulate_byzantine(&self.model, options, &self.nodes, &self.adversary);
        (report, None)
    }

    fn render(&self, report: &SimReport) -> String {
        render(&self.model, report)
    }
}

/// A service with its client workload (register or key-value): each run records and checks a
/// history.
struct WithWorkload<P: Process, W> {
    model: ActorModel<P>,
    workload: W,
    /// The simulator's run for this kind of workload.
    run: fn(&ActorModel<P>, &SimOptions, &W) -> WorkloadReport,
    /// The `valence history check` arguments for its histories.
    check_args: &'static str,
}

impl<P> WithWorkload<P, RegisterWorkload>
where
    P: Service<Op = RegisterOp, Output = RegisterOutput>,
{
    /// A register service: histories checked against a register starting at 0.
    fn register(model: ActorModel<P>, workload: RegisterWorkload) -> Self {
        WithWorkload {
            model,
            workload,
            run: simulate_register::<P>,
            check_args: "--model register --initial 0",
        }
    }
}

impl<P> WithWorkload<P, KvWorkload>
where
    P: Service<Op = KvOp, Output = KvOutput>,
{
    /// A key-value service: histories checked against keys starting as the empty list.
    fn kv(model: ActorModel<P>, workload: KvWorkload) -> Self {
        WithWorkload {
            model,
            workload,
            run: simulate_kv::<P>,
            check_args: "--model kv --initial '[]'",
        }
    }
}

impl<P: Process, W: Sync> Simulated for WithWorkload<P, W> {
    fn nodes(&self) -> usize {
        self.model.node_count
    }

    fn run_recording(&self, options: &SimOptions) -> (SimReport, Option<History>) {
        let report = (self.run)(&self.model, options, &self.workload);
        (report.sim, Some(report.history))
    }

    fn history_check_args(&self) -> &'static str {
        self.check_args
    }

    fn render(&self, report: &SimReport) -> String {
        render(&self.model, report)
    }
}

const MULTIPAXOS_SIM_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "servers",
        default: "3",
        help: "number of servers (each an acceptor, a leader and a replica)",
    },
    ParamSpec {
        name: "clients",
        default: "3",
        help: "number of clients",
    },
    ParamSpec {
        name: "ops",
        default: "10",
        help: "operations per client (1 to 50: the workload must fit in the run)",
    },
    ParamSpec {
        name: "cas",
        default: "0",
        help: "percent of operations that are compare-and-sets (0 to 40, taken from appends)",
    },
];

const RAFT_SIM_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "servers",
        default: "3",
        help: "number of servers",
    },
    ParamSpec {
        name: "max-term",
        default: "200",
        help: "highest term an election may start",
    },
    ParamSpec {
        name: "max-log",
        default: "4",
        help: "commands a leader appends of its own (without clients)",
    },
    ParamSpec {
        name: "pre-vote",
        default: "false",
        help: "pre-vote before elections (true or false)",
    },
    ParamSpec {
        name: "check-quorum",
        default: "false",
        help: "leaders step down without a majority's answers (true or false)",
    },
    ParamSpec {
        name: "clients",
        default: "0",
        help: "clients of a replicated key-value store on Raft (0: leaders append commands \
               of their own); their history is checked for linearizability",
    },
    ParamSpec {
        name: "ops",
        default: "10",
        help: "operations per client",
    },
    ParamSpec {
        name: "spares",
        default: "0",
        help: "servers outside the initial configuration, added by leaders one at a time",
    },
    ParamSpec {
        name: "retire",
        default: "0",
        help: "after adding the spares, leaders remove servers 0..N one at a time",
    },
    ParamSpec {
        name: "snapshot-every",
        default: "0",
        help: "compact the log into a snapshot after this many applied entries (0: never); \
               lagging followers get InstallSnapshot",
    },
    ParamSpec {
        name: "keys",
        default: "3",
        help: "keys the clients' operations touch",
    },
    ParamSpec {
        name: "cas",
        default: "0",
        help: "percent of operations that are compare-and-sets (0 to 40, taken from appends)",
    },
];

const ABD_SIM_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "servers",
        default: "3",
        help: "number of servers (replicas)",
    },
    ParamSpec {
        name: "clients",
        default: "3",
        help: "number of clients",
    },
    ParamSpec {
        name: "ops",
        default: "10",
        help: "operations per client (1 to 50: the workload must fit in the run)",
    },
];

/// The simulation parameters of virtual synchrony: no bounds on view changes, and one process
/// outside the first view, so that every run has a view change (its join).
const VSYNC_SIM_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "nodes",
        default: "3",
        help: "number of processes",
    },
    ParamSpec {
        name: "joiners",
        default: "1",
        help: "processes outside the first view, which join through a view change",
    },
    ParamSpec {
        name: "messages",
        default: "3",
        help: "application messages each process multicasts",
    },
];

/// The simulation parameters of Paxos: as for checking, but proposers retry many times, since
/// a simulated run must make progress after the faults stop.
const PAXOS_SIM_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "proposers",
        default: "2",
        help: "number of proposers",
    },
    ParamSpec {
        name: "acceptors",
        default: "3",
        help: "number of acceptors",
    },
    ParamSpec {
        name: "learners",
        default: "1",
        help: "number of learners",
    },
    ParamSpec {
        name: "rounds",
        default: "20",
        help: "ballots each proposer may start",
    },
];

fn build(
    model: &str,
    given: &ModelParams,
    mutant: Option<&str>,
    byzantine: usize,
) -> Result<(Params, Box<dyn Simulated>)> {
    if byzantine > 0 && model != "paxos" {
        return Err(usage(format!(
            "--byzantine is supported for paxos only, not `{model}`"
        )));
    }
    match model {
        "paxos" => {
            let params = Params::resolve_with("paxos", PAXOS_SIM_PARAMS, given)
                .map_err(|e| usage(e.to_string()))?;
            let int = |name, range| params.int(name, range).map_err(|e| usage(e.to_string()));
            let process = Paxos {
                proposers: int("proposers", 1..=8)? as usize,
                acceptors: int("acceptors", 1..=32)? as usize,
                learners: int("learners", 1..=8)? as usize,
                rounds: int("rounds", 1..=1_000)? as u32,
                mutant: catalog::paxos_mutant(mutant).map_err(|e| usage(e.to_string()))?,
            };
            if byzantine > process.acceptors {
                return Err(usage(format!(
                    "--byzantine {byzantine} exceeds the {} acceptors",
                    process.acceptors
                )));
            }
            let nodes: Vec<NodeId> = (0..byzantine).map(|i| process.acceptor(i)).collect();
            let adversary = process.equivocating_acceptor();
            let model = paxos::model(process, NetworkSemantics::UNORDERED);
            if nodes.is_empty() {
                return Ok((params, Box::new(model)));
            }
            Ok((
                params,
                Box::new(WithAdversary {
                    model,
                    nodes,
                    adversary,
                }),
            ))
        }
        "raft" => {
            let params = Params::resolve_with("raft", RAFT_SIM_PARAMS, given)
                .map_err(|e| usage(e.to_string()))?;
            let int = |name, range| params.int(name, range).map_err(|e| usage(e.to_string()));
            let mutant = catalog::raft_mutant(mutant).map_err(|e| usage(e.to_string()))?;
            let clients = int("clients", 0..=64)? as usize;
            let servers = int("servers", 1..=15)? as usize;
            let spares = int("spares", 0..=14)? as usize;
            let retire = int("retire", 0..=14)? as usize;
            if spares >= servers || retire >= servers {
                return Err(usage(format!(
                    "--spares {spares} and --retire {retire} must each leave at least one of the \
                     {servers} servers"
                )));
            }
            let process = Raft {
                servers,
                max_term: int("max-term", 1..=60_000)? as u16,
                max_log: int("max-log", 0..=100)? as u8,
                clients,
                snapshot_every: int("snapshot-every", 0..=10_000)? as u16,
                members: servers - spares,
                retire,
                pre_vote: params.flag("pre-vote").map_err(|e| usage(e.to_string()))?,
                check_quorum: params
                    .flag("check-quorum")
                    .map_err(|e| usage(e.to_string()))?,
                max_messages: usize::MAX,
                mutant,
            };
            let model = raft::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE);
            if clients == 0 {
                return Ok((params, Box::new(model)));
            }
            let workload = KvWorkload {
                ops_per_client: int("ops", 1..=10_000)? as u32,
                keys: int("keys", 1..=1_000)?,
                cas_ratio: int("cas", 0..=40)? as f64 / 100.0,
                ..KvWorkload::default()
            };
            Ok((params, Box::new(WithWorkload::kv(model, workload))))
        }
        "vsync" => {
            let params = Params::resolve_with("vsync", VSYNC_SIM_PARAMS, given)
                .map_err(|e| usage(e.to_string()))?;
            let int = |name, range| params.int(name, range).map_err(|e| usage(e.to_string()));
            let nodes = int("nodes", 1..=vsync::NODES_MAX as u64)? as usize;
            let joiners = int("joiners", 0..=nodes as u64 - 1)? as usize;
            let process = Vsync {
                nodes,
                initial_members: nodes - joiners,
                messages: int("messages", 0..=100)? as u8,
                max_epoch: u32::MAX,
                max_in_flight: usize::MAX,
                max_suspicions: u32::MAX,
                detector: Detector::Heartbeats,
                mutant: catalog::vsync_mutant(mutant).map_err(|e| usage(e.to_string()))?,
            };
            Ok((params, Box::new(vsync::model(process, FaultModel::NONE))))
        }
        "multipaxos" => {
            let params = Params::resolve_with("multipaxos", MULTIPAXOS_SIM_PARAMS, given)
                .map_err(|e| usage(e.to_string()))?;
            let int = |name, range| params.int(name, range).map_err(|e| usage(e.to_string()));
            let mutant =
                catalog::multipaxos_mutant(mutant, true).map_err(|e| usage(e.to_string()))?;
            let process = multipaxos::simulated(
                int("servers", 1..=15)? as usize,
                int("clients", 1..=16)? as usize,
                mutant,
            );
            let workload = KvWorkload {
                ops_per_client: int("ops", 1..=50)? as u32,
                cas_ratio: int("cas", 0..=40)? as f64 / 100.0,
                ..KvWorkload::default()
            };
            let model = multipaxos::model(process, NetworkSemantics::UNORDERED, FaultModel::NONE);
            Ok((params, Box::new(WithWorkload::kv(model, workload))))
        }
        "abd" => {
            let params = Params::resolve_with("abd", ABD_SIM_PARAMS, given)
                .map_err(|e| usage(e.to_string()))?;
            let int = |name, range| params.int(name, range).map_err(|e| usage(e.to_string()));
            let mutant = match mutant {
                None => None,
                Some("read-without-write-back") => Some(AbdMutant::ReadWithoutWriteBack),
                Some(other) => {
                    return Err(usage(format!(
                    "model `abd` has no mutant `{other}`; valid mutants: read-without-write-back"
                )))
                }
            };
            let process = Abd {
                servers: int("servers", 1..=32)? as usize,
                clients: int("clients", 1..=16)? as usize,
                mutant,
            };
            let workload = RegisterWorkload {
                ops_per_client: int("ops", 1..=50)? as u32,
                ..RegisterWorkload::default()
            };
            Ok((
                params,
                Box::new(WithWorkload::register(abd::model(process), workload)),
            ))
        }
        other => {
            let known = catalog::find(other).is_ok();
            Err(usage(if known {
                format!("model `{other}` is not an actor model and cannot be simulated; simulated models: abd, multipaxos, paxos, raft, vsync")
            } else {
                format!("unknown model `{other}`; simulated models: abd, multipaxos, paxos, raft, vsync")
            }))
        }
    }
}

/// `valence simulate`.
pub fn simulate_cmd(args: &SimulateArgs, model_params: &ModelParams) -> Result<u8> {
    let (params, model) = build(
        &args.model,
        model_params,
        args.mutant.as_deref(),
        args.byzantine,
    )?;
    if args.latency_ms.start == 0 {
        return Err(usage("--latency-ms must start at 1 ms or more"));
    }
    let threads = match args.threads {
        Some(0) => return Err(usage("--threads must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let options_for = |seed: u64| {
        let mut options = SimOptions::new(seed);
        options.latency_ms = (args.latency_ms.start, args.latency_ms.end);
        options.safety_ms = args.safety_ms;
        options.liveness_ms = args.liveness_ms;
        if args.no_faults {
            options.faults = FaultMix::NONE;
        }
        options
    };
    let mut out = std::io::stdout().lock();
    let Some(seeds) = args.seeds.clone() else {
        let seed = args.seed.unwrap_or(0);
        let mut options = options_for(seed);
        options.record_trace = args.trace;
        if let Some(path) = &args.schedule {
            load_schedule(path, model.nodes(), &mut options)?;
        }
        if args.shrink {
            return shrink_cmd(args, model_params, model.as_ref(), &options, &mut out);
        }
        let (report, history) = model.run_recording(&options);
        if let Some(path) = &args.history {
            let Some(history) = &history else {
                return Err(usage(format!(
                    "model `{}` has no client workload, so no history to write",
                    args.model
                )));
            };
            let edn = path.extension().is_some_and(|e| e == "edn");
            let text = if edn {
                valence_history::to_jepsen_edn(history)
            } else {
                valence_history::to_json_lines(history)
            };
            std::fs::write(path, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
        if args.json {
            let mut value = json!(report);
            value["type"] = json!("simulation-report");
            value["model"] = json!(args.model);
            value["params"] = json!(params.values());
            value["mutant"] = json!(args.mutant);
            value["verdict"] = json!(if report.passed() { "holds" } else { "violated" });
            writeln!(out, "{value}")?;
        } else {
            write!(out, "{}", model.render(&report))?;
            if let Some(path) = &args.history {
                writeln!(
                    out,
                    "history    written to {}; check it again with `valence history check {} {}`",
                    path.display(),
                    path.display(),
                    model.history_check_args()
                )?;
            }
        }
        return Ok(if report.passed() {
            EXIT_HOLDS
        } else {
            EXIT_VIOLATED
        });
    };

    let done = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    let started = Instant::now();
    let show = !args.quiet && std::io::stderr().is_terminal();
    let total = seeds.end - seeds.start;
    let report = std::thread::scope(|scope| {
        let bar = show.then(|| {
            scope.spawn(|| {
                let bar = indicatif::ProgressBar::new(total);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} seeds {per_sec} {eta} {msg}",
                    )
                    .expect("valid template"),
                );
                while !finished.load(Ordering::Relaxed) {
                    bar.set_position(done.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            })
        });
        let report = model.swarm(
            seeds.clone(),
            &options_for,
            threads,
            !args.keep_going,
            &done,
        );
        finished.store(true, Ordering::Relaxed);
        if let Some(bar) = bar {
            let _ = bar.join();
        }
        report
    });
    let seconds = started.elapsed().as_secs_f64();
    let reproduce =
        |seed: u64| format!("{} --seed {seed} --trace", command_line(args, model_params));
    if args.json {
        let value = json!({
            "type": "swarm-report",
            "model": args.model,
            "params": params.values(),
            "mutant": args.mutant,
            "seeds": [seeds.start, seeds.end],
            "runs": report.runs,
            "failures": report.failures.iter().map(|(seed, why)| json!({"seed": seed, "failure": why})).collect::<Vec<_>>(),
            "events": report.events,
            "delivered": report.delivered,
            "messages_to_first_goal_mean": report.messages_to_first_goal_mean,
            "first_goal_ms": report.first_goal_ms.map(|(p50, p99, max)| json!({"p50": p50, "p99": p99, "max": max})),
            "seconds": seconds,
            "verdict": if report.failures.is_empty() { "holds" } else { "violated" },
        });
        writeln!(out, "{value}")?;
    } else {
        writeln!(
            out,
            "swarm      {} seeds of {}..{} in {:.2} s on {threads} threads ({} events, {} messages delivered, {}/s)",
            thousands(report.runs),
            seeds.start,
            seeds.end,
            seconds,
            thousands(report.events),
            thousands(report.delivered),
            thousands((report.delivered as f64 / seconds.max(1e-9)) as u64),
        )?;
        if let Some(mean) = report.messages_to_first_goal_mean {
            writeln!(
                out,
                "messages   {mean:.1} sent before the first decision, on average"
            )?;
        }
        if let Some((p50, p99, max)) = report.first_goal_ms {
            writeln!(
                out,
                "latency    first decision at p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms of virtual time"
            )?;
        }
        if report.failures.is_empty() {
            writeln!(out, "verdict    holds on every seed")?;
        } else {
            writeln!(out, "failing seeds ({}):", report.failures.len())?;
            for (seed, why) in report.failures.iter().take(20) {
                writeln!(out, "  seed {seed}: {why}")?;
            }
            if report.failures.len() > 20 {
                writeln!(out, "  ... and {} more", report.failures.len() - 20)?;
            }
            let first = report.failures[0].0;
            writeln!(out, "reproduce  {}", reproduce(first))?;
            if !args.shrink {
                writeln!(out, "verdict    violated")?;
            }
        }
    }
    if args.shrink {
        if let Some(&(first, _)) = report.failures.first() {
            return shrink_cmd(
                args,
                model_params,
                model.as_ref(),
                &options_for(first),
                &mut out,
            );
        }
    }
    Ok(if report.failures.is_empty() {
        EXIT_HOLDS
    } else {
        EXIT_VIOLATED
    })
}

/// The command line of a run of `args`, without its seed: every option that shapes a run.
fn command_line(args: &SimulateArgs, model_params: &ModelParams) -> String {
    let mut command = format!("valence simulate {}", args.model);
    for (name, value) in model_params {
        command.push_str(&format!(" --{name} {value}"));
    }
    if let Some(mutant) = &args.mutant {
        command.push_str(&format!(" --mutant {mutant}"));
    }
    if args.byzantine > 0 {
        command.push_str(&format!(" --byzantine {}", args.byzantine));
    }
    // Every option that shapes a run, where it differs from its default.
    if args.safety_ms != 1_000 {
        command.push_str(&format!(" --safety-ms {}", args.safety_ms));
    }
    if args.liveness_ms != 5_000 {
        command.push_str(&format!(" --liveness-ms {}", args.liveness_ms));
    }
    if args.latency_ms != (1..10) {
        let latency = &args.latency_ms;
        command.push_str(&format!(" --latency-ms {}..{}", latency.start, latency.end));
    }
    if args.no_faults {
        command.push_str(" --no-faults");
    }
    command
}

/// `--shrink`: shrinks the run of `options`, prints the original and the shrunk run with their
/// events, writes the shrunk schedule and prints the command that replays it.
fn shrink_cmd(
    args: &SimulateArgs,
    model_params: &ModelParams,
    model: &dyn Simulated,
    options: &SimOptions,
    out: &mut dyn Write,
) -> Result<u8> {
    let options = SimOptions {
        record_trace: true,
        ..options.clone()
    };
    let seed = options.seed;
    let run = |o: &SimOptions| model.run_recording(o).0;
    let Some(shrunk) = shrink(&run, &options) else {
        if args.json {
            let value = json!({"type": "shrink-report", "model": args.model, "seed": seed, "verdict": "holds"});
            writeln!(out, "{value}")?;
        } else {
            writeln!(out, "seed {seed} passes: nothing to shrink")?;
            writeln!(out, "verdict    holds")?;
        }
        return Ok(EXIT_HOLDS);
    };
    let path = args.shrink_to.clone().unwrap_or_else(|| {
        std::path::PathBuf::from(format!("shrunk-{}-seed-{seed}.json", args.model))
    });
    let file = ScheduleFile {
        safety_ms: shrunk.options.safety_ms,
        faults: shrunk.options.faults,
        schedule: shrunk.report.schedule.clone(),
    };
    let text = serde_json::to_string_pretty(&file)?;
    std::fs::write(&path, text + "\n")
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    let reproduce = format!(
        "{} --seed {seed} --schedule {} --trace",
        command_line(args, model_params),
        path.display()
    );
    let (original, small) = (&shrunk.original, &shrunk.report);
    if args.json {
        let value = json!({
            "type": "shrink-report",
            "model": args.model,
            "seed": seed,
            "original": original,
            "shrunk": small,
            "runs": shrunk.runs,
            "schedule_file": path.display().to_string(),
            "reproduce": reproduce,
            "verdict": "violated",
        });
        writeln!(out, "{value}")?;
        return Ok(EXIT_VIOLATED);
    }
    writeln!(out, "== original run ==")?;
    write!(out, "{}", model.render(original))?;
    writeln!(out, "== shrunk run ==")?;
    write!(out, "{}", model.render(small))?;
    writeln!(out, "== end ==")?;
    writeln!(
        out,
        "shrunk     seed {seed}: {} -> {} faults, {} -> {} events, safety phase {} -> {} ms, \
         loss {:.0}% -> {:.0}%, duplication {:.0}% -> {:.0}%, drift ±{:.0}% -> ±{:.0}% ({} runs)",
        original.schedule.len(),
        small.schedule.len(),
        original.events,
        small.events,
        options.safety_ms,
        shrunk.options.safety_ms,
        original.faults.loss * 100.0,
        small.faults.loss * 100.0,
        original.faults.duplication * 100.0,
        small.faults.duplication * 100.0,
        original.faults.drift * 100.0,
        small.faults.drift * 100.0,
        shrunk.runs
    )?;
    writeln!(out, "schedule   written to {}", path.display())?;
    writeln!(out, "reproduce  {reproduce}")?;
    writeln!(out, "verdict    violated")?;
    Ok(EXIT_VIOLATED)
}
