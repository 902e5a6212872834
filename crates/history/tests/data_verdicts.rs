//! Every history under ../shared/data gets the verdict its README gives.
//!
//! The data lives outside the repository (/work/shared/data). When it is absent, each test says
//! so on stderr and lists the verdicts it could not check, instead of failing or passing
//! silently.

use std::path::{Path, PathBuf};
use valence_history::{
    check, read_history, CheckOptions, Consistency, ModelKind, ModelOptions, Value, Verdict,
};

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
}

/// Returns the data directory, or prints why the verdicts are not checked.
fn data_or_skip(what: &str) -> Option<PathBuf> {
    let dir = data_dir();
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: test data is absent ({} not found); NOT checked: {what}",
            dir.display()
        );
        None
    }
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

fn verdict_of(path: &Path, kind: ModelKind, initial: Option<Value>) -> Verdict {
    let text = std::fs::read_to_string(path).expect("readable data file");
    let history = read_history(&text).unwrap_or_else(|e| panic!("{}:{e}", path.display()));
    let report = check(
        &history,
        kind,
        Consistency::Linearizable,
        &ModelOptions { initial },
        &CheckOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    report.verdict
}

fn expect_all(paths: &[PathBuf], kind: ModelKind, initial: Option<Value>, expected: Verdict) {
    assert!(!paths.is_empty(), "no data files found");
    let mut wrong = Vec::new();
    for path in paths {
        let verdict = verdict_of(path, kind, initial.clone());
        if verdict != expected {
            wrong.push(format!("{}: {verdict:?}", path.display()));
        }
    }
    assert!(wrong.is_empty(), "expected {expected:?}, got: {wrong:#?}");
}

#[test]
fn knossos_cas_register_good_histories_are_linearizable() {
    let Some(dir) = data_or_skip("knossos cas-register/good (linearizable)") else {
        return;
    };
    let paths = files(&dir.join("knossos/cas-register/good"), "edn");
    expect_all(&paths, ModelKind::CasRegister, None, Verdict::Holds);
}

#[test]
fn knossos_cas_register_bad_histories_are_not_linearizable() {
    let Some(dir) = data_or_skip("knossos cas-register/bad (not linearizable)") else {
        return;
    };
    let paths = files(&dir.join("knossos/cas-register/bad"), "edn");
    expect_all(&paths, ModelKind::CasRegister, None, Verdict::Violated);
}

#[test]
fn knossos_rethink_histories_are_not_linearizable_from_nil_either() {
    let Some(dir) = data_or_skip("knossos rethink-fail* with initial nil") else {
        return;
    };
    let paths: Vec<PathBuf> = files(&dir.join("knossos/cas-register/bad"), "edn")
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rethink-fail"))
        })
        .collect();
    assert_eq!(paths.len(), 3);
    expect_all(
        &paths,
        ModelKind::CasRegister,
        Some(Value::Nil),
        Verdict::Violated,
    );
}

#[test]
fn knossos_multi_register_good_histories_are_linearizable() {
    let Some(dir) = data_or_skip("knossos multi-register/good (linearizable)") else {
        return;
    };
    let paths = files(&dir.join("knossos/multi-register/good"), "edn");
    expect_all(&paths, ModelKind::MultiRegister, None, Verdict::Holds);
}

#[test]
fn knossos_etcd_mutex_history_is_not_linearizable() {
    let Some(dir) = data_or_skip("knossos mutex/bad/etcd.edn (not linearizable)") else {
        return;
    };
    let paths = vec![dir.join("knossos/mutex/bad/etcd.edn")];
    expect_all(&paths, ModelKind::Mutex, None, Verdict::Violated);
}

#[test]
fn porcupine_etcd_logs_get_porcupines_verdicts() {
    let Some(dir) = data_or_skip("porcupine jepsen/etcd_000..004 (only 002 linearizable)") else {
        return;
    };
    for (name, expected) in [
        ("etcd_000.log", Verdict::Violated),
        ("etcd_001.log", Verdict::Violated),
        ("etcd_002.log", Verdict::Holds),
        ("etcd_003.log", Verdict::Violated),
        ("etcd_004.log", Verdict::Violated),
    ] {
        let verdict = verdict_of(
            &dir.join("porcupine/jepsen").join(name),
            ModelKind::CasRegister,
            None,
        );
        assert_eq!(verdict, expected, "{name}");
    }
}

#[test]
fn porcupine_kv_files_get_porcupines_verdicts() {
    let Some(dir) = data_or_skip("porcupine kv c01/c10/c50 ok (linearizable) and bad (not)") else {
        return;
    };
    for size in ["c01", "c10", "c50"] {
        let ok = dir.join(format!("porcupine/kv/{size}-ok.txt"));
        let bad = dir.join(format!("porcupine/kv/{size}-bad.txt"));
        assert_eq!(
            verdict_of(&ok, ModelKind::Kv, None),
            Verdict::Holds,
            "{size}-ok"
        );
        assert_eq!(
            verdict_of(&bad, ModelKind::Kv, None),
            Verdict::Violated,
            "{size}-bad"
        );
    }
}
