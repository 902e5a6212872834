//! Times the cases of the Porcupine comparison (issue 3, item 8): kv c50-ok, the etcd logs,
//! and N concurrent crashed writes followed by one read. Not a timed test: it prints figures.
//!
//! Run: `cargo bench -p valence-history --bench porcupine` (add `all` to also time every data
//! file with a 20 s timeout each).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use valence_history::{
    check, read_history, CheckOptions, Consistency, HistoryBuilder, ModelKind, ModelOptions,
    Report, Value,
};

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
}

fn run(
    history: &valence_history::History,
    kind: ModelKind,
    timeout: Duration,
) -> (Report, Duration) {
    let cancel = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let timer = {
        let cancel = cancel.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < timeout && !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(5));
            }
            cancel.store(true, Ordering::Relaxed);
        })
    };
    let start = Instant::now();
    let report = check(
        history,
        kind,
        Consistency::Linearizable,
        &ModelOptions::default(),
        &CheckOptions {
            cancel: Some(&cancel),
            clock: None,
        },
    )
    .expect("checkable history");
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = timer.join();
    (report, elapsed)
}

/// Best of `repeats` runs, including parsing.
fn time_file(path: &Path, kind: ModelKind, repeats: usize) -> (String, Duration) {
    let mut best = Duration::MAX;
    let mut verdict = String::new();
    for _ in 0..repeats {
        let start = Instant::now();
        let text = std::fs::read_to_string(path).expect("readable");
        let history = read_history(&text).expect("parsable");
        let (report, _) = run(&history, kind, Duration::from_secs(60));
        best = best.min(start.elapsed());
        verdict = format!("{:?}", report.verdict);
    }
    (verdict, best)
}

fn crashed_writes(n: usize, read_value: i64) -> valence_history::History {
    let mut builder = HistoryBuilder::new();
    for p in 0..n {
        builder.invoke(p as u64, "write", None, Value::Int(p as i64 + 1), None);
    }
    for p in 0..n {
        builder.info(p as u64, "write", None);
    }
    builder.invoke(n as u64, "read", None, Value::Nil, None);
    builder.ok(n as u64, "read", Value::Int(read_value), None);
    builder.finish().expect("well-formed")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let all = args.iter().any(|a| a == "all");
    let dir = data_dir();
    if let Some(at) = args.iter().position(|a| a == "--file") {
        let path = PathBuf::from(&args[at + 1]);
        let kind = ModelKind::parse(&args[at + 2]).expect("a model name");
        let text = std::fs::read_to_string(&path).expect("readable");
        let history = read_history(&text).expect("parsable");
        let (report, t) = run(&history, kind, Duration::from_secs(10));
        for p in &report.partitions {
            println!(
                "  key {:?}: {:?} {} nodes, {} ops",
                p.key, p.verdict, p.nodes, p.operations
            );
        }
        println!(
            "{}: {:?} in {:.1} ms",
            path.display(),
            report.verdict,
            t.as_secs_f64() * 1e3
        );
        return;
    }
    println!(
        "machine: {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if dir.is_dir() {
        let (verdict, t) = time_file(&dir.join("porcupine/kv/c50-ok.txt"), ModelKind::Kv, 5);
        println!(
            "kv c50-ok: {verdict} in {:.1} ms (best of 5, parse included)",
            t.as_secs_f64() * 1e3
        );
        let (verdict, t) = time_file(&dir.join("porcupine/kv/c50-bad.txt"), ModelKind::Kv, 5);
        println!("kv c50-bad: {verdict} in {:.1} ms", t.as_secs_f64() * 1e3);
        let mut total = Duration::ZERO;
        for i in 0..5 {
            let path = dir.join(format!("porcupine/jepsen/etcd_00{i}.log"));
            let (verdict, t) = time_file(&path, ModelKind::CasRegister, 5);
            total += t;
            println!("etcd_00{i}: {verdict} in {:.2} ms", t.as_secs_f64() * 1e3);
        }
        println!("etcd (5 logs): {:.2} ms total", total.as_secs_f64() * 1e3);
    } else {
        println!("data absent at {}: file cases not timed", dir.display());
    }
    for n in [18usize, 20, 100, 1000] {
        for (label, read_value) in [
            ("read sees a crashed write", 1i64),
            ("read sees nothing written", -1),
        ] {
            let history = crashed_writes(n, read_value);
            let (report, t) = run(&history, ModelKind::Register, Duration::from_secs(60));
            println!(
                "{n} crashed writes + 1 read ({label}): {:?} in {:.2} ms",
                report.verdict,
                t.as_secs_f64() * 1e3
            );
        }
    }
    if all && dir.is_dir() {
        let mut cases: Vec<(PathBuf, ModelKind)> = Vec::new();
        for (sub, kind, ext) in [
            ("knossos/cas-register/good", ModelKind::CasRegister, "edn"),
            ("knossos/cas-register/bad", ModelKind::CasRegister, "edn"),
            (
                "knossos/multi-register/good",
                ModelKind::MultiRegister,
                "edn",
            ),
            ("knossos/mutex/bad", ModelKind::Mutex, "edn"),
            ("porcupine/kv", ModelKind::Kv, "txt"),
            ("porcupine/jepsen", ModelKind::CasRegister, "log"),
        ] {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
                .expect("listable")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect();
            paths.sort();
            cases.extend(paths.into_iter().map(|p| (p, kind)));
        }
        for (path, kind) in cases {
            let text = std::fs::read_to_string(&path).expect("readable");
            let history = read_history(&text).expect("parsable");
            let (report, t) = run(&history, kind, Duration::from_secs(20));
            let nodes: u64 = report.partitions.iter().map(|p| p.nodes).sum();
            println!(
                "{}: {:?} in {:.1} ms ({} nodes, {} ops)",
                path.strip_prefix(&dir).unwrap_or(&path).display(),
                report.verdict,
                t.as_secs_f64() * 1e3,
                nodes,
                history.operations.len()
            );
        }
    }
}
