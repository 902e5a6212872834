//! The protocols of valence, each with the seed's properties and seeded-bug mutants that the
//! checker must catch, and a [`catalog`] that the CLI builds models from by name.
//!
//! ```
//! use valence_check::{check, CheckOptions, Status};
//! use valence_protocols::twophase::TwoPhase;
//!
//! let report = check(&TwoPhase::new(3), &CheckOptions::default());
//! assert_eq!((report.distinct_states, report.generated_states), (288, 1_146));
//! assert!(report.properties.iter().all(|p| p.status == Status::Holds));
//! ```

pub mod abd;
pub mod catalog;
pub mod kv;
pub mod multipaxos;
pub mod paxos;
pub mod raft;
pub mod twophase;
pub mod vsync;
