//! The `valence` command line.
//!
//! `valence list` shows the built-in models; `valence check MODEL [--PARAM VALUE ...]` model
//! checks one; `valence simulate MODEL` runs it in the deterministic simulator with faults. Exit codes: 0 every property holds, 1 a property is violated, 2 usage or input
//! error, 3 unknown (an incomplete search left something undecided).

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod bench_cmd;
mod check_cmd;
mod history_cmd;
mod output;
mod simulate_cmd;
mod tla_glue;

/// mimalloc instead of the system allocator: checking TLA+ specs allocates and frees many small
/// values per successor state, and glibc's malloc spent about a sixth of the time of
/// MCLamportMutex on it (consolidating free chunks included).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code: every property holds.
pub const EXIT_HOLDS: u8 = 0;
/// Exit code: a property is violated.
pub const EXIT_VIOLATED: u8 = 1;
/// Exit code: usage or input error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the verdict is unknown.
pub const EXIT_UNKNOWN: u8 = 3;

/// valence: distributed-systems theory, executable.
#[derive(Parser, Debug)]
#[command(name = "valence", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the built-in models with their parameters, properties and mutants.
    List(check_cmd::ListArgs),
    /// Model-check a built-in model: `valence check MODEL [--PARAM VALUE ...] [OPTIONS]`.
    ///
    /// Model parameters (for example `--rms 5` for twophase) are listed by `valence list`.
    Check(check_cmd::CheckArgs),
    /// Simulate an actor model with faults, from a seed or a swarm of seeds:
    /// `valence simulate MODEL [--PARAM VALUE ...] [--seed S | --seeds A..B] [OPTIONS]`.
    Simulate(simulate_cmd::SimulateArgs),
    /// Check recorded histories (Jepsen EDN, Porcupine, JSON Lines) for linearizability,
    /// sequential, causal or eventual consistency: `valence history check FILE --model M`.
    History(history_cmd::HistoryArgs),
    /// Measurements: `valence bench complexity` (messages per decision as n grows).
    Bench(bench_cmd::BenchArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();

    let args: Vec<String> = std::env::args().collect();
    // Model parameters are free-form `--NAME VALUE` flags, which clap cannot know in advance;
    // take them out before clap parses the rest.
    let (args, model_params) = match check_cmd::split_model_params(args) {
        Ok(split) => split,
        Err(message) => return usage_error(&message),
    };
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_HOLDS
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::List(args) => check_cmd::list(&args),
        Command::Check(args) => check_cmd::check(&args, &model_params),
        Command::Simulate(args) => simulate_cmd::simulate_cmd(&args, &model_params),
        Command::Bench(args) => bench_cmd::run(&args),
        Command::History(args) => history_cmd::run(&args)
            .map(|code| u8::try_from(code).expect("history exit codes are 0 to 3")),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::from(EXIT_HOLDS);
            }
            match err.downcast_ref::<check_cmd::UsageError>() {
                Some(usage) => usage_error(&usage.0),
                None => {
                    let _ = writeln!(std::io::stderr(), "error: {err:#}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    let _ = writeln!(
        std::io::stderr(),
        "\nFor more information, try '{} --help'.",
        Cli::command().get_name()
    );
    ExitCode::from(EXIT_USAGE)
}
