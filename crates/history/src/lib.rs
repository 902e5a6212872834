//! Operation histories and consistency checkers.
//!
//! A [`History`] is a list of [`Operation`]s, each with a process, a call and a return position,
//! and an [`Outcome`]: `ok`, `fail` (it certainly did not happen) or `info` (unknown: it may take
//! effect at any time after its call, or never). Readers parse Jepsen EDN histories,
//! Porcupine's kv files and Jepsen log lines, and valence's JSON Lines (specified in
//! `docs/history-format.md`); [`write_json_lines`] writes the latter.
//!
//! Checkers:
//! - [`check_linearizable`]: Wing-Gong/Lowe search with memoisation of (linearized set, state),
//!   per-key partitioning checked in parallel, and an `info` treatment that keeps only minimal
//!   sets of crashed operations (see the `search` module docs), so N concurrent crashed writes
//!   cost O(N²), not 2^N;
//! - [`check_sequential`]: the same search with only per-process order;
//! - causal (CC, CM, CCv with witness cycles) and eventual (convergence) consistency through
//!   [`check`].
//!
//! Sequential specifications implement [`Model`]; built-in ones are [`Register`] (with or
//! without compare-and-set), [`Kv`], [`MultiRegister`], [`Mutex`], [`Set`], [`Queue`] and
//! [`Counter`]. The crate does no IO and reads no clock: pass a cancellation flag and, for
//! timings, a clock in [`CheckOptions`].
//!
//! ```
//! use valence_history::{check, read_history, CheckOptions, Consistency, ModelKind, ModelOptions, Verdict};
//!
//! let text = r#"{"type":"invoke","process":0,"f":"write","value":1}
//! {"type":"invoke","process":1,"f":"read","value":null}
//! {"type":"ok","process":0,"f":"write","value":1}
//! {"type":"ok","process":1,"f":"read","value":1}
//! {"type":"invoke","process":1,"f":"read","value":null}
//! {"type":"ok","process":1,"f":"read","value":null}
//! "#;
//! let history = read_history(text).unwrap();
//! let report = check(
//!     &history,
//!     ModelKind::Register,
//!     Consistency::Linearizable,
//!     &ModelOptions::default(),
//!     &CheckOptions::default(),
//! )
//! .unwrap();
//! // The second read saw the initial value after the write of 1 had completed.
//! assert_eq!(report.verdict, Verdict::Violated);
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod causal;
mod check;
mod edn;
mod eventual;
mod history;
mod model;
mod read;
mod search;
mod viz;

pub use causal::{CausalWitness, CriterionReport, CycleStep};
pub use check::{
    check, check_linearizable, check_sequential, CheckError, CheckOptions, Consistency,
    OrderWitness, PartitionReport, Report, Verdict, Witness,
};
pub use eventual::EventualWitness;
pub use history::{
    Event, EventKind, Format, History, HistoryBuilder, HistoryError, Operation, Outcome, ProcessId,
};
pub use model::{
    Counter, CounterOp, Kv, KvOp, MicroOp, Model, ModelError, ModelKind, ModelOptions,
    MultiRegister, Mutex, MutexOp, Queue, QueueOp, Register, RegisterOp, Set, SetOp,
};
pub use read::{
    detect_format, event_to_edn, event_to_json_line, read_history, read_history_from,
    read_jepsen_edn, read_jepsen_log, read_json_lines, to_jepsen_edn, to_json_lines,
    write_jepsen_edn, write_json_lines,
};
pub use value::Value;
pub use viz::render_html;

mod value;
