//! `valence history check FILE --model M [--consistency C] [--json] [--timeout S] [--viz FILE]`:
//! checks a recorded history (Jepsen EDN, Porcupine kv, Jepsen log, or valence JSON Lines,
//! detected from the content).
//!
//! Exit codes: 0 holds, 1 violated, 2 input or usage error, 3 unknown (timeout).

use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use valence_history::{
    check, read_history, render_html, CheckError, CheckOptions, Consistency, History, ModelKind,
    ModelOptions, Report, Value, Verdict, Witness,
};

/// Exit code when the criterion holds.
const EXIT_HOLDS: i32 = 0;
/// Exit code when it is violated.
const EXIT_VIOLATED: i32 = 1;
/// Exit code for an input or usage error.
const EXIT_INPUT: i32 = 2;
/// Exit code when the check was cut short.
const EXIT_UNKNOWN: i32 = 3;

/// Operations listed in a human-readable witness before eliding the rest.
const WITNESS_LINES_MAX: usize = 12;

/// Check recorded histories of concurrent operations.
#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

/// The `history` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum HistoryCommand {
    /// Check a history file against a model and a consistency criterion.
    Check(HistoryCheckArgs),
}

/// Arguments of `valence history check`.
#[derive(clap::Args, Debug)]
pub struct HistoryCheckArgs {
    /// The history file: Jepsen EDN, Porcupine kv, Jepsen log lines, or JSON Lines.
    pub file: PathBuf,
    /// The sequential specification.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(
        ["cas-register", "register", "kv", "multi-register", "mutex", "set", "queue", "counter"]
    ))]
    pub model: String,
    /// The consistency criterion.
    #[arg(long, default_value = "linearizable", value_parser = clap::builder::PossibleValuesParser::new(
        ["linearizable", "sequential", "causal", "eventual"]
    ))]
    pub consistency: String,
    /// Print one JSON object line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Give up after this many seconds and report "unknown" (exit 3).
    #[arg(long, value_name = "S")]
    pub timeout: Option<f64>,
    /// Write a self-contained HTML page drawing the history and the verdict.
    #[arg(long, value_name = "FILE")]
    pub viz: Option<PathBuf>,
    /// The initial value of the register(s) or of every key, as JSON (defaults depend on the
    /// format: 0 for Knossos EDN registers, null for Jepsen logs and JSON Lines, "" for kv).
    #[arg(long, value_name = "JSON")]
    pub initial: Option<String>,
}

/// Runs a `history` subcommand; returns the exit code.
pub fn run(args: &HistoryArgs) -> anyhow::Result<i32> {
    match &args.command {
        HistoryCommand::Check(check_args) => run_check(check_args),
    }
}

fn input_error(message: impl std::fmt::Display) -> anyhow::Result<i32> {
    let _ = writeln!(std::io::stderr(), "{message}");
    Ok(EXIT_INPUT)
}

fn run_check(args: &HistoryCheckArgs) -> anyhow::Result<i32> {
    let file = args.file.display().to_string();
    let Some(kind) = ModelKind::parse(&args.model) else {
        return input_error(format!("error: unknown model {}", args.model));
    };
    let Some(consistency) = Consistency::parse(&args.consistency) else {
        return input_error(format!("error: unknown consistency {}", args.consistency));
    };
    let initial = match &args.initial {
        None => None,
        Some(text) => match serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| e.to_string())
            .and_then(|json| Value::from_json(&json))
        {
            Ok(value) => Some(value),
            Err(message) => return input_error(format!("error: --initial: {message}")),
        },
    };
    if let Some(timeout) = args.timeout {
        if !(timeout.is_finite() && timeout >= 0.0) {
            return input_error("error: --timeout must be a non-negative number of seconds");
        }
    }
    let text = match std::fs::read(&args.file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => return input_error(format!("{file}: the file is not UTF-8 text")),
        },
        Err(error) => return input_error(format!("{file}: cannot read: {error}")),
    };
    let history = match read_history(&text) {
        Ok(history) => history,
        Err(error) => return input_error(format!("{file}:{}: {}", error.line, error.message)),
    };

    let cancel = Arc::new(AtomicBool::new(false));
    if let Some(timeout) = args.timeout {
        let cancel = cancel.clone();
        // The timer thread is detached: the process exits when the check returns.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(timeout));
            cancel.store(true, Ordering::Relaxed);
        });
    }
    let start = Instant::now();
    let clock = move || u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let options = CheckOptions {
        cancel: Some(&cancel),
        clock: Some(&clock),
    };
    let report = match check(
        &history,
        kind,
        consistency,
        &ModelOptions { initial },
        &options,
    ) {
        Ok(report) => report,
        Err(CheckError::Model(error)) => {
            return input_error(format!("{file}:{}: {}", error.line, error.message))
        }
        Err(CheckError::Shape { line, message }) => {
            return input_error(format!("{file}:{line}: {message}"))
        }
        Err(error) => return input_error(format!("error: {error}")),
    };
    let elapsed = start.elapsed();

    if let Some(viz) = &args.viz {
        let title = format!("valence history check {file}");
        let html = render_html(&history, &report, &title);
        if let Err(error) = std::fs::write(viz, html) {
            return input_error(format!("{}: cannot write: {error}", viz.display()));
        }
    }

    let mut out = std::io::stdout().lock();
    if args.json {
        print_json(&mut out, &file, &history, &report, elapsed)?;
    } else {
        print_human(
            &mut out,
            &file,
            &history,
            &report,
            elapsed,
            args.viz.as_ref(),
        )?;
    }
    out.flush().context("writing the report")?;
    Ok(match report.verdict {
        Verdict::Holds => EXIT_HOLDS,
        Verdict::Violated => EXIT_VIOLATED,
        Verdict::Unknown => EXIT_UNKNOWN,
    })
}

fn verdict_word(consistency: Consistency, verdict: Verdict) -> &'static str {
    match (consistency, verdict) {
        (_, Verdict::Unknown) => "unknown",
        (Consistency::Linearizable, Verdict::Holds) => "linearizable",
        (Consistency::Linearizable, Verdict::Violated) => "not linearizable",
        (Consistency::Sequential, Verdict::Holds) => "sequentially consistent",
        (Consistency::Sequential, Verdict::Violated) => "not sequentially consistent",
        (Consistency::Causal, Verdict::Holds) => "causally consistent",
        (Consistency::Causal, Verdict::Violated) => "not causally consistent",
        (Consistency::Eventual, Verdict::Holds) => "eventually consistent",
        (Consistency::Eventual, Verdict::Violated) => "not eventually consistent",
    }
}

fn milliseconds(ns: u64) -> String {
    format!("{:.1} ms", ns as f64 / 1e6)
}

fn print_json(
    out: &mut impl Write,
    file: &str,
    history: &History,
    report: &Report,
    elapsed: Duration,
) -> anyhow::Result<()> {
    let data = serde_json::json!({
        "file": file,
        "format": history.format.name(),
        "operations": history.operations.len(),
        "result": verdict_word(report.consistency, report.verdict),
        "elapsed_ns": u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
        "report": report,
    });
    let line = serde_json::json!({"type": "history-check", "data": data});
    writeln!(out, "{line}")?;
    Ok(())
}

fn describe(history: &History, index: usize) -> String {
    match history.operations.get(index) {
        Some(operation) => format!("#{index} {operation}"),
        None => format!("#{index}"),
    }
}

fn print_human(
    out: &mut impl Write,
    file: &str,
    history: &History,
    report: &Report,
    elapsed: Duration,
    viz: Option<&PathBuf>,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "history: {file} ({}, {} operations)",
        history.format.name(),
        history.operations.len()
    )?;
    writeln!(
        out,
        "model: {}, consistency: {}",
        report.model,
        report.consistency.name()
    )?;
    for partition in &report.partitions {
        let label = match &partition.key {
            Some(key) => format!("key {key}"),
            None => "history".to_string(),
        };
        let timing = partition
            .elapsed_ns
            .map(|ns| format!(", {}", milliseconds(ns)))
            .unwrap_or_default();
        let nodes = if partition.nodes > 0 {
            format!(", {} search nodes", partition.nodes)
        } else {
            String::new()
        };
        let word = if partition.verdict == Verdict::Unknown && report.verdict == Verdict::Violated {
            "not finished (stopped at the first violation)"
        } else {
            verdict_word(report.consistency, partition.verdict)
        };
        writeln!(
            out,
            "  {label}: {word} ({} ops, {} info{nodes}{timing})",
            partition.operations, partition.info_operations,
        )?;
    }
    for criterion in &report.criteria {
        writeln!(
            out,
            "  {}: {}{}",
            criterion.criterion,
            match criterion.verdict {
                Verdict::Holds => "holds",
                Verdict::Violated => "violated",
                Verdict::Unknown => "unknown",
            },
            criterion
                .witness
                .as_ref()
                .map(|w| format!(" ({})", w.pattern))
                .unwrap_or_default()
        )?;
    }
    for note in &report.notes {
        if report.criteria.is_empty() {
            writeln!(out, "  note: {note}")?;
        }
    }
    match &report.witness {
        Some(Witness::Order(witness)) => {
            if let Some(key) = &witness.key {
                writeln!(out, "witness (key {key}):")?;
            } else {
                writeln!(out, "witness:")?;
            }
            writeln!(
                out,
                "  longest legal prefix: {} operations",
                witness.prefix.len()
            )?;
            let skip = witness.prefix.len().saturating_sub(WITNESS_LINES_MAX);
            if skip > 0 {
                writeln!(out, "    ... {skip} earlier operations")?;
            }
            for &index in &witness.prefix[skip..] {
                writeln!(out, "    {}", describe(history, index))?;
            }
            writeln!(out, "  state after the prefix: {}", witness.state)?;
            writeln!(out, "  operations that cannot be placed next:")?;
            for &index in witness.stuck.iter().take(WITNESS_LINES_MAX) {
                writeln!(out, "    {}", describe(history, index))?;
            }
            if witness.stuck.len() > WITNESS_LINES_MAX {
                writeln!(
                    out,
                    "    ... {} more",
                    witness.stuck.len() - WITNESS_LINES_MAX
                )?;
            }
        }
        Some(Witness::Causal(witness)) => {
            writeln!(
                out,
                "witness: {} {}: {}",
                witness.criterion, witness.pattern, witness.description
            )?;
            for step in &witness.cycle {
                let edge = if step.edge.is_empty() {
                    String::new()
                } else {
                    format!("  --{}-->", step.edge)
                };
                writeln!(out, "    {}{edge}", describe(history, step.operation))?;
            }
        }
        Some(Witness::Eventual(witness)) => {
            writeln!(out, "witness: {}", witness.description)?;
            for &index in witness.reads.iter().take(WITNESS_LINES_MAX) {
                writeln!(out, "    read {}", describe(history, index))?;
            }
            for &index in witness.missing.iter().take(WITNESS_LINES_MAX) {
                writeln!(out, "    missing {}", describe(history, index))?;
            }
        }
        None => {}
    }
    for criterion in report.criteria.iter().skip(1) {
        if let Some(witness) = &criterion.witness {
            writeln!(
                out,
                "{} witness: {}: {}",
                criterion.criterion, witness.pattern, witness.description
            )?;
            for step in &witness.cycle {
                writeln!(
                    out,
                    "    {}  --{}-->",
                    describe(history, step.operation),
                    step.edge
                )?;
            }
        }
    }
    if let Some(viz) = viz {
        writeln!(out, "visualisation: {}", viz.display())?;
    }
    writeln!(
        out,
        "checked in {}",
        milliseconds(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
    )?;
    writeln!(out, "{}", verdict_word(report.consistency, report.verdict))?;
    Ok(())
}
