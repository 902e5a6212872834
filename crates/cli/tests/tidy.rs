//! Tidy: the habits of STYLE.md that a machine can check. No debugging leftovers or stubs
//! anywhere; no wall clock, thread RNG, file or network IO in the core crates; rustfmt clean.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn offenders(dirs: &[&str], needles: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(!files.is_empty(), "tidy found no Rust files under {dirs:?}");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for needle in needles {
                if code.contains(needle) {
                    found.push(format!(
                        "{}:{}: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_debugging_leftovers_or_stubs() {
    // Spelled in pieces so that this file does not match itself.
    let needles = [
        concat!("dbg", "!("),
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
    ];
    let found = offenders(&["crates", "benches"], &needles);
    assert!(found.is_empty(), "leftovers:\n{}", found.join("\n"));
}

#[test]
fn core_crates_read_no_clock_and_do_no_io() {
    let needles = [
        "Instant::now",
        "SystemTime",
        "thread_rng",
        "rand::rng()",
        "std::fs",
        "std::net",
        "tokio",
    ];
    let found = offenders(
        &[
            "crates/core/src",
            "crates/check/src",
            "crates/protocols/src",
            "crates/history/src",
        ],
        &needles,
    );
    assert!(
        found.is_empty(),
        "clock, RNG or IO in a core crate:\n{}",
        found.join("\n")
    );
}

#[test]
fn code_is_rustfmt_clean() {
    let output = std::process::Command::new("cargo")
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(root())
        .output();
    match output {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "cargo fmt --all -- --check failed; run `cargo fmt --all`:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(err) => panic!("cannot run cargo fmt: {err}"),
    }
}
