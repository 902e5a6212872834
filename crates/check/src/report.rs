//! The outcome of a check: counts, the status of every property, and traces.

use std::fmt::{self, Display};

use serde::Serialize;

use crate::model::PropertyKind;

/// The status of one property after a search.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// An `always` property (or deadlock freedom) held in every explored state.
    Holds,
    /// An `always` property failed, or a deadlock was found; the trace shows how.
    Violated,
    /// A `sometimes` property was reached; the trace is an example.
    Found,
    /// A `sometimes` property was never reached in an exhaustive search: a failure.
    NotFound,
    /// The search stopped (a violation elsewhere, a bound, cancellation, or an incomplete
    /// strategy) before this property was decided.
    Unknown,
}

impl Status {
    /// Whether this status makes the verdict `violated`.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Violated | Status::NotFound)
    }
}

impl Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Holds => "holds",
            Status::Violated => "violated",
            Status::Found => "found",
            Status::NotFound => "not found",
            Status::Unknown => "unknown",
        })
    }
}

/// The overall verdict of a check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every property holds (within the explored bounds).
    Holds,
    /// Some property failed, or the model raised an error.
    Violated,
    /// Nothing failed, but some property was left undecided: the search was stopped (state
    /// bound, cancellation) or could not be exhaustive (random walks, `--max-depth` for a
    /// `sometimes` property).
    Unknown,
}

impl Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Unknown => "unknown",
        })
    }
}

/// One state of a trace and the step that led to it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct TraceStep {
    /// What happened; `None` for the initial state.
    pub action: Option<String>,
    /// What changed, one line each (empty for the initial state).
    pub changes: Vec<String>,
    /// The whole state after the step.
    pub state: String,
}

/// A path from an initial state: a counterexample, an example, or the way to an error.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Trace {
    /// The initial state first, then one entry per step.
    pub steps: Vec<TraceStep>,
    /// For a counterexample to a liveness property, a lasso: the behaviour goes on forever
    /// from the last step by returning to the step at this index and repeating the steps after
    /// it. When it is the index of the last step itself, the behaviour stutters there forever
    /// (stays in that state); otherwise the last step reached the same state as this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_start: Option<usize>,
}

impl Trace {
    /// The number of steps (transitions), not counting the initial state.
    pub fn len(&self) -> usize {
        self.steps.len().saturating_sub(1)
    }

    /// Whether the trace has no transition.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, step) in self.steps.iter().enumerate() {
            match &step.action {
                None => writeln!(f, "  {index:>3}. initial state: {}", step.state)?,
                Some(action) => {
                    writeln!(f, "  {index:>3}. {action}")?;
                    for change in &step.changes {
                        writeln!(f, "         {change}")?;
                    }
                }
            }
        }
        match self.cycle_start {
            Some(start) if start + 1 == self.steps.len() => {
                writeln!(f, "       then stays in state {start} forever (stuttering)")?
            }
            Some(start) => writeln!(
                f,
                "       back in state {start}: the steps after it repeat forever"
            )?,
            None => {}
        }
        Ok(())
    }
}

/// The result for one property.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PropertyReport {
    /// The property's name.
    pub name: String,
    /// Always, sometimes, deadlock, or a liveness kind.
    pub kind: PropertyKind,
    /// Its status.
    pub status: Status,
    /// The counterexample (violated) or example (found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
}

/// An error the model raised during the search, with the path to the state where it happened.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct ErrorReport {
    /// The model's message.
    pub message: String,
    /// How the failing state was reached.
    pub trace: Option<Trace>,
}

/// Why a search ended before exhausting the state space.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// A property failed (and `keep_going` was off), or the model raised an error.
    Violation,
    /// Every property was decided, so nothing was left to learn.
    AllDecided,
    /// The bound on distinct states was reached.
    StateBound,
    /// The caller cancelled the search.
    Cancelled,
}

/// Everything a search found out.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Report {
    /// Distinct states (fingerprints) seen.
    pub distinct_states: u64,
    /// States generated: initial states plus every successor computed, duplicates included.
    pub generated_states: u64,
    /// The number of states on the longest shortest path from an initial state (an initial state
    /// alone has depth 1), as TLC counts it; for DFS and random walks, the deepest path.
    pub depth: usize,
    /// Whether every reachable state within the bounds was explored.
    pub complete: bool,
    /// Why the search stopped early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<StopReason>,
    /// Whether some state was left unexpanded because of `--max-depth` or the model's bounds.
    pub bounded: bool,
    /// One entry per property, in the model's order, then deadlock freedom if checked.
    pub properties: Vec<PropertyReport>,
    /// An error raised by the model, which ends the search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
    /// Bytes held by the fingerprint set at the end.
    pub fingerprint_bytes: usize,
}

impl Report {
    /// The overall verdict.
    pub fn verdict(&self) -> Verdict {
        if self.error.is_some() || self.properties.iter().any(|p| p.status.is_failure()) {
            Verdict::Violated
        } else if self.properties.iter().any(|p| p.status == Status::Unknown) {
            Verdict::Unknown
        } else {
            Verdict::Holds
        }
    }

    /// The report of the property called `name`.
    pub fn property(&self, name: &str) -> Option<&PropertyReport> {
        self.properties.iter().find(|p| p.name == name)
    }
}
