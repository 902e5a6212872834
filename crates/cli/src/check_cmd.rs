//! `valence list` and `valence check`.

use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use valence_check::{CheckOptions, Progress, PropertyKind, Report, Strategy, Verdict};
use valence_protocols::catalog::{self, Params};

use crate::output::{bytes, peak_memory_bytes, thousands};
use crate::{EXIT_HOLDS, EXIT_UNKNOWN, EXIT_VIOLATED};

/// A usage or input error, reported with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A usage error as an `anyhow::Error` the CLI reports with exit code 2.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// Arguments of `valence list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum StrategyArg {
    /// Breadth-first on all threads; shortest counterexamples.
    Bfs,
    /// Depth-first on one thread.
    Dfs,
    /// Seeded random walks.
    Random,
}

/// Arguments of `valence check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The model to check (see `valence list`), or a TLA+ specification `SPEC.tla`.
    model: String,
    /// The TLC configuration file of a TLA+ specification [default: SPEC.cfg next to it].
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Check a seeded bug of the model instead of the model itself.
    #[arg(long, value_name = "NAME")]
    mutant: Option<String>,
    /// Worker threads for breadth-first search [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// How to explore the state space.
    #[arg(long, value_enum, default_value = "bfs")]
    strategy: StrategyArg,
    /// Seed of the random walks (with `--strategy random`).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of random walks (with `--strategy random`).
    #[arg(long, default_value_t = 1_000, value_name = "N")]
    walks: u64,
    /// Do not expand states deeper than this (an initial state has depth 1).
    #[arg(long, value_name = "D")]
    max_depth: Option<usize>,
    /// Stop after this many distinct states.
    #[arg(long, value_name = "N")]
    max_states: Option<u64>,
    /// Reduce the state space by the model's symmetry (interchangeable nodes).
    #[arg(long)]
    symmetry: bool,
    /// Keep searching after the first violation until every property is decided.
    #[arg(long)]
    keep_going: bool,
    /// Do not report states without successors as deadlocks.
    #[arg(long)]
    no_deadlock: bool,
    /// Stop (verdict unknown) when the process's resident memory exceeds this size, e.g.
    /// `512M` or `16G` [default: 80% of the machine's memory].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    /// Print one JSON object (the last line of stdout) instead of text.
    #[arg(long)]
    json: bool,
    /// No progress line on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// Model parameters as `(name, value)` pairs, in the order given.
pub type ModelParams = Vec<(String, String)>;

/// Splits `valence check` and `valence simulate` arguments into those clap knows and the
/// model's `--NAME VALUE` parameters. Any long flag the subcommand does not define is taken as a
/// model parameter;
/// the model then rejects the ones it does not have, naming the valid ones.
pub fn split_model_params(args: Vec<String>) -> Result<(Vec<String>, ModelParams), String> {
    let Some(position) = args.iter().skip(1).position(|a| !a.starts_with('-')) else {
        return Ok((args, Vec::new()));
    };
    let command = match args[position + 1].as_str() {
        "check" => CheckArgs::augment_args(clap::Command::new("check")),
        "simulate" => {
            crate::simulate_cmd::SimulateArgs::augment_args(clap::Command::new("simulate"))
        }
        _ => return Ok((args, Vec::new())),
    };
    let known: Vec<(String, bool)> = command
        .get_arguments()
        .filter_map(|a| {
            a.get_long()
                .map(|long| (long.to_string(), a.get_action().takes_values()))
        })
        .chain([("help".to_string(), false), ("version".to_string(), false)])
        .collect();
    let mut kept = args[..=position + 1].to_vec();
    let mut params = Vec::new();
    let mut rest = args[position + 2..].iter();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            kept.push(arg.clone());
            kept.extend(rest.cloned());
            break;
        }
        let Some(flag) = arg.strip_prefix("--") else {
            kept.push(arg.clone());
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (flag, None),
        };
        match known.iter().find(|(long, _)| long == name) {
            Some((_, takes_value)) => {
                kept.push(arg.clone());
                if *takes_value && inline.is_none() {
                    if let Some(value) = rest.next() {
                        kept.push(value.clone());
                    }
                }
            }
            None => {
                let value = match inline {
                    Some(value) => value,
                    None => match rest.next() {
                        Some(value) if !value.starts_with("--") => value.clone(),
                        _ => return Err(format!("model parameter `--{name}` needs a value")),
                    },
                };
                params.push((name.to_string(), value));
            }
        }
    }
    Ok((kept, params))
}

/// `valence list`.
pub fn list(args: &ListArgs) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    if args.json {
        let models: Vec<Value> = catalog::models()
            .iter()
            .map(|spec| {
                let model = spec.build_default();
                json!({
                    "name": spec.name,
                    "summary": spec.summary,
                    "params": spec.params.iter().map(|p| json!({
                        "name": p.name, "default": p.default, "help": p.help,
                    })).collect::<Vec<_>>(),
                    "properties": model.property_kinds().into_iter().map(|(name, kind)| json!({
                        "name": name, "kind": kind,
                    })).collect::<Vec<_>>(),
                    "mutants": spec.mutants.iter().map(|m| json!({
                        "name": m.name, "help": m.help, "violates": m.violates,
                    })).collect::<Vec<_>>(),
                    "symmetry": model.has_symmetry(),
                })
            })
            .collect();
        writeln!(out, "{}", json!({ "models": models }))?;
        return Ok(EXIT_HOLDS);
    }
    for (i, spec) in catalog::models().iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let model = spec.build_default();
        writeln!(out, "{}: {}", spec.name, spec.summary)?;
        writeln!(out, "  parameters:")?;
        for p in spec.params {
            writeln!(out, "    --{:<12} {:<10} {}", p.name, p.default, p.help)?;
        }
        writeln!(out, "  properties:")?;
        for (name, kind) in model.property_kinds() {
            writeln!(out, "    {:<10} {}", kind.to_string(), name)?;
        }
        writeln!(out, "  mutants:")?;
        for m in spec.mutants {
            if m.violates.is_empty() {
                writeln!(out, "    {:<28} {}", m.name, m.help)?;
            } else {
                writeln!(
                    out,
                    "    {:<28} {} (violates {})",
                    m.name,
                    m.help,
                    m.violates.join(", ")
                )?;
            }
        }
        if model.has_symmetry() {
            writeln!(out, "  symmetry: supported (--symmetry)")?;
        }
    }
    Ok(EXIT_HOLDS)
}

/// `valence check`.
pub fn check(args: &CheckArgs, model_params: &[(String, String)]) -> Result<u8> {
    // The clock includes loading: a TLA+ spec's initial states are computed as it loads, and
    // TLC's time includes them too.
    let started = Instant::now();
    let threads = match args.threads {
        Some(0) => return Err(usage("--threads must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let (name, params, model) = if args.model.ends_with(".tla") {
        // A TLA+ specification: its constants come from its configuration file.
        if let Some((param, _)) = model_params.first() {
            return Err(usage(format!(
                "a TLA+ specification takes no `--{param}`: its constants are set in the \
                 configuration file (--config)"
            )));
        }
        if args.mutant.is_some() {
            return Err(usage(
                "--mutant applies to built-in models, not TLA+ specifications",
            ));
        }
        let path = std::path::Path::new(&args.model);
        // A spec that does not load is not a usage error: exit 2 with the located message, and
        // no hint about the command line.
        // What TLCGet("config") reports, which an ASSUME may read while the spec loads.
        let settings = valence_tla::RunSettings {
            mode: match args.strategy {
                StrategyArg::Bfs => "bfs",
                StrategyArg::Dfs => "dfs",
                StrategyArg::Random => "simulate",
            },
            workers: if args.strategy == StrategyArg::Bfs {
                threads
            } else {
                1
            },
            seed: args.seed,
            depth: args
                .max_depth
                .map_or(-1, |d| i64::try_from(d).unwrap_or(i64::MAX)),
            traces: if args.strategy == StrategyArg::Random {
                i64::try_from(args.walks).unwrap_or(i64::MAX)
            } else {
                -1
            },
            deadlock: args.no_deadlock.then_some(false),
        };
        let model = crate::tla_glue::load_checkable(path, args.config.as_deref(), settings)
            .map_err(|message| anyhow::anyhow!(message))?;
        (args.model.clone(), Params::default(), model)
    } else {
        if args.config.is_some() {
            return Err(usage(
                "--config applies to TLA+ specifications (SPEC.tla) only",
            ));
        }
        let spec = catalog::find(&args.model).map_err(|e| usage(e.to_string()))?;
        let params = Params::resolve(spec, model_params).map_err(|e| usage(e.to_string()))?;
        let model = spec
            .build(&params, args.mutant.as_deref())
            .map_err(|e| usage(e.to_string()))?;
        (spec.name.to_string(), params, model)
    };
    let is_spec = args.model.ends_with(".tla");
    if args.symmetry && !model.has_symmetry() {
        return Err(usage(format!("model `{name}` does not support --symmetry")));
    }
    // A TLA+ configuration that names a SYMMETRY set asks for the reduction, as TLC does.
    let symmetry = args.symmetry || (is_spec && model.has_symmetry());
    if args.max_depth == Some(0) {
        return Err(usage("--max-depth must be at least 1"));
    }
    let strategy = match args.strategy {
        StrategyArg::Bfs => Strategy::Bfs,
        StrategyArg::Dfs => Strategy::Dfs,
        StrategyArg::Random => Strategy::Random {
            seed: args.seed,
            walks: args.walks,
        },
    };
    let progress = Arc::new(Progress::default());
    // Ctrl-C stops the search cleanly: the report covers what was explored, verdict unknown.
    // A second Ctrl-C (or a handler that cannot be installed) leaves the default behaviour.
    {
        let progress = Arc::clone(&progress);
        let _ = ctrlc::set_handler(move || {
            if progress.cancel.swap(true, Ordering::Relaxed) {
                std::process::exit(130);
            }
        });
    }
    let options = CheckOptions {
        strategy,
        threads: if args.strategy == StrategyArg::Bfs {
            threads
        } else {
            1
        },
        max_depth: args.max_depth,
        max_states: args.max_states,
        symmetry,
        keep_going: args.keep_going,
        deadlock: args.no_deadlock.then_some(false),
        progress: Some(Arc::clone(&progress)),
    };
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let memory_limit = args.max_memory.or_else(default_memory_limit);
    let done = std::sync::atomic::AtomicBool::new(false);
    let out_of_memory = std::sync::atomic::AtomicBool::new(false);
    let report = std::thread::scope(|scope| {
        let display = show_progress.then(|| {
            let progress = Arc::clone(&progress);
            let done = &done;
            scope.spawn(move || draw_progress(&progress, done, started))
        });
        let guard = memory_limit.map(|limit| {
            let progress = Arc::clone(&progress);
            let (done, out_of_memory) = (&done, &out_of_memory);
            scope.spawn(move || guard_memory(&progress, done, out_of_memory, limit))
        });
        let report = model.check(&options);
        done.store(true, Ordering::Relaxed);
        for handle in display.into_iter().chain(guard) {
            let _ = handle.join();
        }
        report
    });
    let memory_stop = out_of_memory
        .load(Ordering::Relaxed)
        .then_some(memory_limit)
        .flatten();
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_memory_bytes();
    let summary = Summary {
        model: &name,
        params: &params,
        mutant: args.mutant.as_deref(),
        strategy: args.strategy,
        threads: options.threads,
        seed: args.seed,
        symmetry,
        seconds,
        peak,
        memory_stop,
        stopped_by_model: progress.stopped_by_model.load(Ordering::Relaxed),
        tla: is_spec,
    };
    if symmetry && report.properties.iter().any(|p| p.kind.is_liveness()) {
        eprintln!(
            "note: liveness was checked on the states reduced by symmetry, which can miss a \
             violation whose cycle tells symmetric states apart (TLC warns of the same)"
        );
    }
    if args.json {
        let value = report_json(&summary, &report);
        writeln!(std::io::stdout().lock(), "{value}")?;
    } else {
        print_report(&summary, &report)?;
    }
    Ok(match report.verdict() {
        Verdict::Holds => EXIT_HOLDS,
        Verdict::Violated => EXIT_VIOLATED,
        Verdict::Unknown => EXIT_UNKNOWN,
    })
}

fn draw_progress(progress: &Progress, done: &std::sync::atomic::AtomicBool, started: Instant) {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .expect("valid template"),
    );
    while !done.load(Ordering::Relaxed) {
        let distinct = progress.distinct.load(Ordering::Relaxed);
        let generated = progress.generated.load(Ordering::Relaxed);
        let elapsed = started.elapsed().as_secs_f64().max(1e-9);
        let liveness = progress.liveness_states.load(Ordering::Relaxed);
        if liveness > 0 {
            bar.set_message(format!(
                "checking liveness: {} of {} states in the graph",
                thousands(liveness),
                thousands(distinct)
            ));
            bar.tick();
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        let phase = if progress.rebuilding_traces.load(Ordering::Relaxed) {
            "rebuilding traces: "
        } else {
            ""
        };
        bar.set_message(format!(
            "{phase}{} distinct states, {} generated, {}/s, depth {}, queue {}",
            thousands(distinct),
            thousands(generated),
            thousands((distinct as f64 / elapsed) as u64),
            progress.depth.load(Ordering::Relaxed),
            thousands(progress.queued.load(Ordering::Relaxed)),
        ));
        bar.tick();
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

/// Parses `512M`, `16G`, `1.5G`, `4096K` or a plain number of bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let scale: u64 = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("unknown unit `{unit}` (use K, M, G or T)")),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 512M or 16G"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("`{text}` must be a positive size"));
    }
    Ok((value * scale as f64) as u64)
}

/// 80% of the machine's memory (`MemTotal` in `/proc/meminfo`), if the kernel reports it.
fn default_memory_limit() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib * 1024 / 10 * 8)
}

/// The resident memory of this process (`VmRSS`), in bytes.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Cancels the search when resident memory passes `limit`, so that a state space too large
/// for the machine ends with a verdict of "unknown" instead of the kernel's OOM killer.
fn guard_memory(
    progress: &Progress,
    done: &std::sync::atomic::AtomicBool,
    out_of_memory: &std::sync::atomic::AtomicBool,
    limit: u64,
) {
    while !done.load(Ordering::Relaxed) {
        if resident_bytes().is_some_and(|rss| rss > limit) {
            out_of_memory.store(true, Ordering::Relaxed);
            progress.cancel.store(true, Ordering::Relaxed);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Summary<'a> {
    model: &'a str,
    params: &'a Params,
    mutant: Option<&'a str>,
    strategy: StrategyArg,
    threads: usize,
    seed: u64,
    symmetry: bool,
    seconds: f64,
    peak: Option<u64>,
    /// The memory limit, if the search was stopped for reaching it.
    memory_stop: Option<u64>,
    /// Whether the model stopped the search (TLC's `TLCSet("exit", TRUE)`).
    stopped_by_model: bool,
    /// A TLA+ specification: traces are printed in TLC's style.
    tla: bool,
}

fn strategy_name(strategy: StrategyArg) -> &'static str {
    match strategy {
        StrategyArg::Bfs => "bfs",
        StrategyArg::Dfs => "dfs",
        StrategyArg::Random => "random",
    }
}

fn report_json(summary: &Summary<'_>, report: &Report) -> Value {
    let rate = report.distinct_states as f64 / summary.seconds.max(1e-9);
    let first_failure = report
        .properties
        .iter()
        .find(|p| p.status.is_failure() && p.trace.is_some())
        .and_then(|p| p.trace.as_ref())
        .or_else(|| report.error.as_ref().and_then(|e| e.trace.as_ref()));
    let mut value = json!({
        "type": "check-report",
        "model": summary.model,
        "params": summary.params.values(),
        "mutant": summary.mutant,
        "strategy": strategy_name(summary.strategy),
        "threads": summary.threads,
        "symmetry": summary.symmetry,
        "distinct_states": report.distinct_states,
        "generated_states": report.generated_states,
        "depth": report.depth,
        "complete": report.complete,
        "bounded": report.bounded,
        "seconds": summary.seconds,
        "states_per_second": rate,
        "peak_memory_bytes": summary.peak,
        "fingerprint_bytes": report.fingerprint_bytes,
        "verdict": report.verdict(),
        "properties": report.properties,
        "trace": first_failure,
    });
    if summary.strategy == StrategyArg::Random {
        value["seed"] = json!(summary.seed);
    }
    if let Some(stopped) = report.stopped {
        value["stopped"] = json!(stopped);
    }
    if let Some(limit) = summary.memory_stop {
        value["stopped"] = json!("memory-limit");
        value["memory_limit_bytes"] = json!(limit);
    }
    if summary.stopped_by_model && report.stopped.is_some() {
        value["stopped"] = json!("model");
    }
    if let Some(error) = &report.error {
        value["error"] = json!(error);
    }
    value
}

fn print_report(summary: &Summary<'_>, report: &Report) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let params: Vec<String> = summary
        .params
        .values()
        .iter()
        .map(|(k, v)| format!("--{k} {v}"))
        .collect();
    write!(out, "model      {} {}", summary.model, params.join(" "))?;
    if let Some(mutant) = summary.mutant {
        write!(out, " --mutant {mutant}")?;
    }
    writeln!(out)?;
    let mut search = strategy_name(summary.strategy).to_string();
    if summary.strategy == StrategyArg::Bfs {
        search.push_str(&format!(", {} threads", summary.threads));
    }
    if summary.strategy == StrategyArg::Random {
        search.push_str(&format!(", seed {}", summary.seed));
    }
    if summary.symmetry {
        search.push_str(", symmetry reduction");
    }
    writeln!(out, "search     {search}")?;
    let completeness = if report.complete {
        if report.bounded {
            "complete within bounds"
        } else {
            "complete"
        }
    } else {
        match report.stopped {
            Some(valence_check::StopReason::Violation) => "stopped at the first violation",
            Some(valence_check::StopReason::AllDecided) => "stopped: every property decided",
            Some(valence_check::StopReason::StateBound) => "stopped at --max-states",
            Some(valence_check::StopReason::Cancelled) if summary.memory_stop.is_some() => {
                "stopped at the memory limit (--max-memory; try --symmetry or a smaller \
                 configuration)"
            }
            Some(valence_check::StopReason::Cancelled) if summary.stopped_by_model => {
                "stopped by the model (TLCSet(\"exit\", TRUE))"
            }
            Some(valence_check::StopReason::Cancelled) => "cancelled",
            None => "incomplete (random walks)",
        }
    };
    writeln!(
        out,
        "states     {} distinct, {} generated, depth {}, {completeness}",
        thousands(report.distinct_states),
        thousands(report.generated_states),
        report.depth
    )?;
    let rate = report.distinct_states as f64 / summary.seconds.max(1e-9);
    write!(
        out,
        "time       {:.2} s, {} distinct states/s",
        summary.seconds,
        thousands(rate as u64)
    )?;
    if let Some(peak) = summary.peak {
        write!(out, ", peak memory {}", bytes(peak))?;
    }
    writeln!(out)?;
    writeln!(out, "properties")?;
    let kind_width = report
        .properties
        .iter()
        .map(|p| p.kind.to_string().len())
        .max()
        .unwrap_or(0)
        .max(10);
    for property in &report.properties {
        writeln!(
            out,
            "  {:<kind_width$} {:<24} {}",
            property.kind.to_string(),
            property.name,
            property.status
        )?;
    }
    let mut traced: Vec<_> = report
        .properties
        .iter()
        .filter(|p| p.trace.is_some())
        .collect();
    traced.sort_by_key(|p| !p.status.is_failure());
    for property in traced {
        let trace = property.trace.as_ref().expect("filtered");
        let what = if property.kind == PropertyKind::Sometimes {
            "example for"
        } else {
            "counterexample to"
        };
        let steps = if trace.len() == 1 { "step" } else { "steps" };
        writeln!(
            out,
            "\n{what} `{}` ({}), {} {steps}:",
            property.name,
            property.kind,
            trace.len()
        )?;
        if summary.tla {
            write!(out, "{}", valence_tla::format_trace(trace))?;
        } else {
            write!(out, "{trace}")?;
        }
    }
    if let Some(error) = &report.error {
        writeln!(out, "\nerror: {}", error.message)?;
        if let Some(trace) = &error.trace {
            writeln!(out, "reached by:")?;
            if summary.tla {
                write!(out, "{}", valence_tla::format_trace(trace))?;
            } else {
                write!(out, "{trace}")?;
            }
        }
    }
    writeln!(out, "\nverdict: {}", report.verdict())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn model_params_are_split_from_checker_flags() {
        let (kept, params) = split_model_params(strings(&[
            "valence",
            "check",
            "twophase",
            "--rms",
            "5",
            "--threads",
            "2",
            "--json",
            "--mutant=commit-early",
        ]))
        .unwrap();
        assert_eq!(
            kept,
            strings(&[
                "valence",
                "check",
                "twophase",
                "--threads",
                "2",
                "--json",
                "--mutant=commit-early"
            ])
        );
        assert_eq!(params, vec![("rms".to_string(), "5".to_string())]);
    }

    #[test]
    fn a_param_without_value_is_an_error() {
        let err =
            split_model_params(strings(&["valence", "check", "paxos", "--acceptors"])).unwrap_err();
        assert!(err.contains("--acceptors"));
    }

    #[test]
    fn other_subcommands_are_untouched() {
        let args = strings(&["valence", "list", "--json"]);
        assert_eq!(split_model_params(args.clone()).unwrap(), (args, vec![]));
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn check_args_are_consistent() {
        crate::Cli::command().debug_assert();
    }
}
