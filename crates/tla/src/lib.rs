//! The TLA+ front end of valence: loads a `.tla` specification with its TLC configuration
//! (`.cfg`) and checks it with TLC's semantics, using the valence checker's parallel search,
//! fingerprints and traces.
//!
//! [`load`] parses the spec with tree-sitter-tlaplus, resolves EXTENDS (the standard modules
//! `Naturals`, `Integers`, `Sequences`, `FiniteSets`, `TLC` and `Bags` are built in; user
//! modules are read from the spec's directory), reads the configuration, evaluates the
//! constants and computes the initial states. The resulting [`TlaModel`] is a
//! [`valence_check::Model`]: successors are generated as TLC generates them, so distinct and
//! generated state counts match TLC's.
//!
//! ```
//! use std::io::Write;
//! use valence_check::{check, CheckOptions};
//!
//! let scratch = tempfile::Builder::new().prefix("valence-tla-doc-").tempdir().unwrap();
//! let dir = scratch.path();
//! let spec = dir.join("Counter.tla");
//! std::fs::write(&spec, "---- MODULE Counter ----\nEXTENDS Naturals\nVARIABLE x\n\
//!     Init == x = 0\nNext == x < 3 /\\ x' = x + 1\nSmall == x <= 3\n====\n").unwrap();
//! std::fs::write(dir.join("Counter.cfg"), "INIT Init\nNEXT Next\nINVARIANT Small\n\
//!     CHECK_DEADLOCK FALSE\n").unwrap();
//!
//! let model = valence_tla::load(&spec, None).unwrap();
//! let report = check(&model, &CheckOptions::default());
//! assert_eq!(report.distinct_states, 4);
//! assert_eq!(report.generated_states, 4);
//! ```
#![warn(missing_docs)]

mod action;
mod ast;
mod community;
mod compile;
mod config;
mod error;
mod eval;
mod fold;
mod graphs;
mod io;
mod lower;
mod model;
mod svg;
mod symmetry;
mod temporal;
mod tlc;
mod value;

pub use action::TlaAction;
pub use error::{Location, TlaError};
pub use model::{format_trace, load, load_with, TlaModel, TlaState};
pub use tlc::RunSettings;
pub use value::{Sym, Value};
