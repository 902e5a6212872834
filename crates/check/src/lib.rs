//! The explicit-state model checker of valence.
//!
//! A [`Model`] is a transition system with named [`Property`]s. [`check`] explores it
//! breadth-first on all threads (shortest counterexamples), depth-first, or by seeded random
//! walks, remembers states as 64-bit fingerprints, optionally reduces by symmetry, and returns a
//! [`Report`] with counts, the status of every property and readable traces.
//! [`ActorModel`] turns `n` [`valence_core::Process`]es plus network semantics into a `Model`.
//!
//! ```
//! use valence_check::{check, CheckOptions, Model, Property, Status};
//!
//! /// A counter that wraps at 3; "reaches 2" is reachable, "stays below 3" is an invariant.
//! struct Counter;
//! impl Model for Counter {
//!     type State = u8;
//!     type Action = ();
//!     fn init_states(&self) -> Vec<u8> { vec![0] }
//!     fn actions(&self, _: &u8, out: &mut Vec<()>) { out.push(()) }
//!     fn next_state(&self, s: &u8, _: &()) -> Option<u8> { Some((s + 1) % 3) }
//!     fn properties(&self) -> Vec<Property<Self>> {
//!         vec![
//!             Property::always("below-3", |_, s| *s < 3),
//!             Property::sometimes("reaches-2", |_, s| *s == 2),
//!         ]
//!     }
//! }
//!
//! let report = check(&Counter, &CheckOptions::default());
//! assert_eq!(report.distinct_states, 3);
//! assert_eq!(report.property("below-3").unwrap().status, Status::Holds);
//! let example = report.property("reaches-2").unwrap().trace.as_ref().unwrap();
//! assert_eq!(example.len(), 2);
//! ```

mod actor;
mod fingerprint;
mod liveness;
mod model;
mod report;
mod search;

pub use actor::{ActorAction, ActorModel, ActorState, Envelope};
pub use fingerprint::{fingerprint, Fingerprint, FingerprintSet, ParentMap, Visited};
pub use model::{
    debug_diff, Condition, Fairness, FairnessKind, FinalCondition, Liveness, Model, ModelError,
    Property, PropertyKind, StateCondition, StepCondition, StepDescription, StepTargets, Trigger,
};
pub use report::{
    ErrorReport, PropertyReport, Report, Status, StopReason, Trace, TraceStep, Verdict,
};
pub use search::{
    check, worker_index, CheckOptions, Progress, Strategy, RANDOM_WALK_DEPTH_DEFAULT,
};
