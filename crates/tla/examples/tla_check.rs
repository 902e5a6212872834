//! Checks a TLA+ spec on one thread and prints the counts and the speed:
//! `cargo run --release -p valence-tla --example tla_check -- SPEC.tla [SPEC.cfg] [THREADS]`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use valence_check::{check, CheckOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(spec) = args.next().map(PathBuf::from) else {
        eprintln!("usage: tla_check SPEC.tla [SPEC.cfg] [THREADS]");
        std::process::exit(2);
    };
    let config = args.next().map(PathBuf::from);
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(1);
    let start = Instant::now();
    let model = match valence_tla::load(&spec, config.as_deref()) {
        Ok(model) => model,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let loaded = start.elapsed();
    let options = CheckOptions {
        threads,
        ..CheckOptions::default()
    };
    let start = Instant::now();
    let report = check(&model, &options);
    let elapsed = start.elapsed().as_secs_f64();
    // A closed pipe (`| head`) ends the output quietly.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{}: {} distinct, {} generated, depth {}, verdict {} in {elapsed:.2}s (load {:.3}s) on {threads} thread(s): {:.0} distinct/s, {:.0} generated/s",
        model.module_name(),
        report.distinct_states,
        report.generated_states,
        report.depth,
        report.verdict(),
        loaded.as_secs_f64(),
        report.distinct_states as f64 / elapsed,
        report.generated_states as f64 / elapsed,
    );
    for property in &report.properties {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            property.kind, property.name, property.status
        );
        if let Some(trace) = &property.trace {
            let _ = write!(out, "{}", valence_tla::format_trace(trace));
        }
    }
    for name in model.unchecked_properties() {
        let _ = writeln!(out, "  property {name}: not checked (liveness)");
    }
    if let Some(error) = &report.error {
        let _ = writeln!(out, "error: {}", error.message);
    }
}
