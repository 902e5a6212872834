//! Two-phase commit with the exact semantics of Lamport and Gray's `TwoPhase` TLA+ spec.
//!
//! The variables are those of the spec: `rmState` (each resource manager is working, prepared,
//! committed or aborted), `tmState` (init, committed or aborted), the set `tmPrepared`, and the
//! set `msgs` of messages `Prepared(rm)`, `Commit` and `Abort` (messages are never removed, as in
//! the spec). The actions are `TMRcvPrepared(rm)`, `TMCommit`, `TMAbort`, `RMPrepare(rm)`,
//! `RMChooseToAbort(rm)`, `RMRcvCommitMsg(rm)` and `RMRcvAbortMsg(rm)`, with the spec's guards,
//! so the state space is TLC's: 288 distinct and 1,146 generated states for 3 RMs.
//!
//! The seed's `TwoPhaseCommit` fragment differs (a `preparing` coordinator state, messages with
//! destinations); we follow the original TwoPhase spec, which the seed's fragment abbreviates.
//!
//! The state is packed into a few machine words (2 bits per RM), so up to 32 RMs fit.

use serde::{Deserialize, Serialize};
use std::fmt;

use valence_check::{Model, Property, StepDescription};

/// The most resource managers the packed state holds.
pub const RMS_MAX: usize = 32;

/// A resource manager's state.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum RmState {
    /// Working on the transaction.
    Working = 0,
    /// Prepared to commit.
    Prepared = 1,
    /// Committed.
    Committed = 2,
    /// Aborted.
    Aborted = 3,
}

impl RmState {
    fn from_bits(bits: u64) -> Self {
        match bits & 3 {
            0 => RmState::Working,
            1 => RmState::Prepared,
            2 => RmState::Committed,
            _ => RmState::Aborted,
        }
    }

    fn name(self) -> &'static str {
        match self {
            RmState::Working => "working",
            RmState::Prepared => "prepared",
            RmState::Committed => "committed",
            RmState::Aborted => "aborted",
        }
    }
}

/// The transaction manager's state.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum TmState {
    /// Collecting `Prepared` messages.
    Init,
    /// Decided to commit.
    Committed,
    /// Decided to abort.
    Aborted,
}

impl TmState {
    fn name(self) -> &'static str {
        match self {
            TmState::Init => "init",
            TmState::Committed => "committed",
            TmState::Aborted => "aborted",
        }
    }
}

/// A state of the spec, packed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TwoPhaseState {
    /// `rmState`, 2 bits per RM.
    rm_states: u64,
    /// `tmPrepared`, one bit per RM.
    tm_prepared: u32,
    /// The `Prepared(rm)` messages in `msgs`, one bit per RM.
    prepared_msgs: u32,
    /// `tmState`.
    tm: TmState,
    /// Whether `Commit` is in `msgs`.
    commit_msg: bool,
    /// Whether `Abort` is in `msgs`.
    abort_msg: bool,
}

impl TwoPhaseState {
    /// The state of resource manager `rm`.
    pub fn rm(&self, rm: usize) -> RmState {
        RmState::from_bits(self.rm_states >> (2 * rm))
    }

    fn set_rm(&mut self, rm: usize, state: RmState) {
        self.rm_states = (self.rm_states & !(3 << (2 * rm))) | ((state as u64) << (2 * rm));
    }

    /// The transaction manager's state.
    pub fn tm(&self) -> TmState {
        self.tm
    }

    /// Whether `rm` is in `tmPrepared`.
    pub fn tm_prepared(&self, rm: usize) -> bool {
        self.tm_prepared & (1 << rm) != 0
    }

    /// Whether `Prepared(rm)` is in `msgs`.
    pub fn prepared_msg(&self, rm: usize) -> bool {
        self.prepared_msgs & (1 << rm) != 0
    }

    fn render(&self, rms: usize) -> String {
        let states: Vec<&str> = (0..rms).map(|rm| self.rm(rm).name()).collect();
        let prepared: Vec<String> = (0..rms)
            .filter(|&rm| self.tm_prepared(rm))
            .map(|rm| format!("rm{rm}"))
            .collect();
        let mut msgs: Vec<String> = (0..rms)
            .filter(|&rm| self.prepared_msg(rm))
            .map(|rm| format!("Prepared(rm{rm})"))
            .collect();
        if self.commit_msg {
            msgs.push("Commit".into());
        }
        if self.abort_msg {
            msgs.push("Abort".into());
        }
        format!(
            "rmState = [{}], tmState = {}, tmPrepared = {{{}}}, msgs = {{{}}}",
            states.join(", "),
            self.tm.name(),
            prepared.join(", "),
            msgs.join(", ")
        )
    }
}

impl fmt::Debug for TwoPhaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Without the RM count, show every RM slot that is not a packed default.
        let rms = (0..RMS_MAX)
            .rev()
            .find(|&rm| {
                self.rm(rm) != RmState::Working || self.tm_prepared(rm) || self.prepared_msg(rm)
            })
            .map_or(1, |rm| rm + 1);
        f.write_str(&self.render(rms))
    }
}

/// An action of the spec.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TwoPhaseAction {
    /// `TMRcvPrepared(rm)`.
    TmRcvPrepared(usize),
    /// `TMCommit`.
    TmCommit,
    /// `TMAbort`.
    TmAbort,
    /// `RMPrepare(rm)`.
    RmPrepare(usize),
    /// `RMChooseToAbort(rm)`.
    RmChooseToAbort(usize),
    /// `RMRcvCommitMsg(rm)`.
    RmRcvCommitMsg(usize),
    /// `RMRcvAbortMsg(rm)`.
    RmRcvAbortMsg(usize),
}

impl fmt::Display for TwoPhaseAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TwoPhaseAction::TmRcvPrepared(rm) => write!(f, "TMRcvPrepared(rm{rm})"),
            TwoPhaseAction::TmCommit => write!(f, "TMCommit"),
            TwoPhaseAction::TmAbort => write!(f, "TMAbort"),
            TwoPhaseAction::RmPrepare(rm) => write!(f, "RMPrepare(rm{rm})"),
            TwoPhaseAction::RmChooseToAbort(rm) => write!(f, "RMChooseToAbort(rm{rm})"),
            TwoPhaseAction::RmRcvCommitMsg(rm) => write!(f, "RMRcvCommitMsg(rm{rm})"),
            TwoPhaseAction::RmRcvAbortMsg(rm) => write!(f, "RMRcvAbortMsg(rm{rm})"),
        }
    }
}

/// Seeded bugs the checker must catch.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TwoPhaseMutant {
    /// The TM commits without waiting for every RM to be prepared.
    CommitEarly,
    /// The commit message reaches only the first RM: the other prepared RMs wait for ever. No
    /// state is a deadlock (the first RM may receive the message again), so only the liveness
    /// property `all-decide` catches it (see [`TwoPhase::with_termination`]).
    CommitToOne,
}

/// The two-phase commit model with `rms` resource managers.
#[derive(Clone, Debug)]
pub struct TwoPhase {
    rms: usize,
    mutant: Option<TwoPhaseMutant>,
    termination: bool,
}

impl TwoPhase {
    /// The model with `rms` resource managers (1 to [`RMS_MAX`]).
    pub fn new(rms: usize) -> Self {
        assert!(
            (1..=RMS_MAX).contains(&rms),
            "rms must be within 1..={RMS_MAX}, not {rms}"
        );
        TwoPhase {
            rms,
            mutant: None,
            termination: false,
        }
    }

    /// Also checks the liveness property `all-decide`: every RM eventually commits or aborts,
    /// under weak fairness of every step. Lamport and Gray's spec has no such property, so it
    /// is off by default (and TLC's counts are compared without it).
    pub fn with_termination(mut self, termination: bool) -> Self {
        self.termination = termination;
        self
    }

    /// The model with a seeded bug.
    pub fn with_mutant(mut self, mutant: Option<TwoPhaseMutant>) -> Self {
        self.mutant = mutant;
        self
    }

    /// The number of resource managers.
    pub fn rms(&self) -> usize {
        self.rms
    }

    fn all_rms(&self) -> u32 {
        if self.rms == 32 {
            u32::MAX
        } else {
            (1u32 << self.rms) - 1
        }
    }
}

impl Model for TwoPhase {
    type State = TwoPhaseState;
    type Action = TwoPhaseAction;

    fn init_states(&self) -> Vec<TwoPhaseState> {
        vec![TwoPhaseState {
            rm_states: 0,
            tm_prepared: 0,
            prepared_msgs: 0,
            tm: TmState::Init,
            commit_msg: false,
            abort_msg: false,
        }]
    }

    /// Lists the enabled actions only (the guards are cheap bit tests); `next_state` checks
    /// the same guards again, so it also rejects an action that is not enabled.
    fn actions(&self, s: &TwoPhaseState, out: &mut Vec<TwoPhaseAction>) {
        let all_prepared = s.tm_prepared == self.all_rms();
        let early = self.mutant == Some(TwoPhaseMutant::CommitEarly);
        if s.tm == TmState::Init {
            if all_prepared || early {
                out.push(TwoPhaseAction::TmCommit);
            }
            out.push(TwoPhaseAction::TmAbort);
        }
        for rm in 0..self.rms {
            if s.tm == TmState::Init && s.prepared_msg(rm) {
                out.push(TwoPhaseAction::TmRcvPrepared(rm));
            }
            if s.rm(rm) == RmState::Working {
                out.push(TwoPhaseAction::RmPrepare(rm));
                out.push(TwoPhaseAction::RmChooseToAbort(rm));
            }
            if s.commit_msg && (rm == 0 || self.mutant != Some(TwoPhaseMutant::CommitToOne)) {
                out.push(TwoPhaseAction::RmRcvCommitMsg(rm));
            }
            if s.abort_msg {
                out.push(TwoPhaseAction::RmRcvAbortMsg(rm));
            }
        }
    }

    fn next_state(&self, s: &TwoPhaseState, action: &TwoPhaseAction) -> Option<TwoPhaseState> {
        let mut next = *s;
        match *action {
            TwoPhaseAction::TmRcvPrepared(rm) => {
                if s.tm != TmState::Init || !s.prepared_msg(rm) {
                    return None;
                }
                next.tm_prepared |= 1 << rm;
            }
            TwoPhaseAction::TmCommit => {
                let all_prepared = s.tm_prepared == self.all_rms();
                let early = self.mutant == Some(TwoPhaseMutant::CommitEarly);
                if s.tm != TmState::Init || !(all_prepared || early) {
                    return None;
                }
                next.tm = TmState::Committed;
                next.commit_msg = true;
            }
            TwoPhaseAction::TmAbort => {
                if s.tm != TmState::Init {
                    return None;
                }
                next.tm = TmState::Aborted;
                next.abort_msg = true;
            }
            TwoPhaseAction::RmPrepare(rm) => {
                if s.rm(rm) != RmState::Working {
                    return None;
                }
                next.set_rm(rm, RmState::Prepared);
                next.prepared_msgs |= 1 << rm;
            }
            TwoPhaseAction::RmChooseToAbort(rm) => {
                if s.rm(rm) != RmState::Working {
                    return None;
                }
                next.set_rm(rm, RmState::Aborted);
            }
            TwoPhaseAction::RmRcvCommitMsg(rm) => {
                if !s.commit_msg || (rm != 0 && self.mutant == Some(TwoPhaseMutant::CommitToOne)) {
                    return None;
                }
                next.set_rm(rm, RmState::Committed);
            }
            TwoPhaseAction::RmRcvAbortMsg(rm) => {
                if !s.abort_msg {
                    return None;
                }
                next.set_rm(rm, RmState::Aborted);
            }
        }
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let mut properties = vec![Property::always(
            "consistent",
            |model: &TwoPhase, s: &TwoPhaseState| {
                let any = |wanted| (0..model.rms).any(|rm| s.rm(rm) == wanted);
                !(any(RmState::Committed) && any(RmState::Aborted))
            },
        )];
        if self.termination {
            properties.push(Property::eventually(
                "all-decide",
                |model: &TwoPhase, s: &TwoPhaseState| {
                    (0..model.rms)
                        .all(|rm| matches!(s.rm(rm), RmState::Committed | RmState::Aborted))
                },
            ));
        }
        properties
    }

    fn has_symmetry(&self) -> bool {
        true
    }

    /// RMs are interchangeable: sorting them by what describes each one (its state, whether the
    /// TM counted it prepared, whether its `Prepared` message is out) gives a canonical form.
    fn representative(&self, s: &TwoPhaseState) -> TwoPhaseState {
        let mut keys: Vec<(RmState, bool, bool)> = (0..self.rms)
            .map(|rm| (s.rm(rm), s.tm_prepared(rm), s.prepared_msg(rm)))
            .collect();
        keys.sort_unstable();
        let mut canonical = *s;
        canonical.rm_states = 0;
        canonical.tm_prepared = 0;
        canonical.prepared_msgs = 0;
        for (rm, (state, prepared, msg)) in keys.into_iter().enumerate() {
            canonical.set_rm(rm, state);
            canonical.tm_prepared |= u32::from(prepared) << rm;
            canonical.prepared_msgs |= u32::from(msg) << rm;
        }
        canonical
    }

    fn describe_step(
        &self,
        previous: &TwoPhaseState,
        action: &TwoPhaseAction,
        next: &TwoPhaseState,
    ) -> StepDescription {
        let mut changes = Vec::new();
        for rm in 0..self.rms {
            if previous.rm(rm) != next.rm(rm) {
                changes.push(format!(
                    "rmState[rm{rm}]: {} -> {}",
                    previous.rm(rm).name(),
                    next.rm(rm).name()
                ));
            }
            if previous.tm_prepared(rm) != next.tm_prepared(rm) {
                changes.push(format!("tmPrepared: + rm{rm}"));
            }
            if previous.prepared_msg(rm) != next.prepared_msg(rm) {
                changes.push(format!("msgs: + Prepared(rm{rm})"));
            }
        }
        if previous.tm != next.tm {
            changes.push(format!(
                "tmState: {} -> {}",
                previous.tm.name(),
                next.tm.name()
            ));
        }
        if previous.commit_msg != next.commit_msg {
            changes.push("msgs: + Commit".into());
        }
        if previous.abort_msg != next.abort_msg {
            changes.push("msgs: + Abort".into());
        }
        StepDescription {
            action: action.to_string(),
            changes,
        }
    }

    fn describe_state(&self, state: &TwoPhaseState) -> String {
        state.render(self.rms)
    }
}
