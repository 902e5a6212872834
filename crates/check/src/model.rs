//! What the checker explores: the [`Model`] trait and its [`Property`]s.

use std::fmt::{self, Debug};
use std::hash::Hash;
use std::sync::Arc;

use serde::Serialize;

use crate::fingerprint::{fingerprint, Fingerprint};

/// An error raised by a model while the checker explores it (for example, a TLA+ expression
/// applied a function outside its domain). The checker stops and reports it with a trace.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ModelError {
    /// What went wrong, naming the expression or action where possible.
    pub message: String,
}

impl ModelError {
    /// A model error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        ModelError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelError {}

/// A transition system the checker can explore.
///
/// `actions` lists the candidate actions of a state and `next_state` applies one, returning
/// `None` when the action is not enabled. Every enabled action counts as one generated state,
/// even when it leads back to an already known state (as TLC counts).
pub trait Model: Send + Sync + Sized {
    /// A global state. Equal states must hash equally; the checker keeps only fingerprints.
    type State: Clone + Eq + Hash + Debug + Send + Sync;
    /// A step label, used in traces.
    type Action: Clone + Debug + Send + Sync;

    /// The initial states.
    fn init_states(&self) -> Vec<Self::State>;

    /// Appends the candidate actions of `state` to `out`.
    fn actions(&self, state: &Self::State, out: &mut Vec<Self::Action>);

    /// The state after `action`, or `None` when `action` is not enabled in `state`.
    fn next_state(&self, state: &Self::State, action: &Self::Action) -> Option<Self::State>;

    /// The properties to check.
    fn properties(&self) -> Vec<Property<Self>>;

    /// The fairness assumed when checking liveness properties ([`PropertyKind::Eventually`] and
    /// the other temporal kinds). Behaviours may always stutter (stay in a state forever); a
    /// fairness condition rules out those that neglect an action. The default is weak fairness of
    /// every step: a behaviour stops only in a state without successors, as a running system does
    /// (TLA+'s `WF_vars(Next)`). Models with lossy channels or crashes usually need finer
    /// conditions, such as strong fairness of delivery.
    fn fairness(&self) -> Vec<Fairness<Self>> {
        vec![Fairness::weak("next", |_, _, _, _| true)]
    }

    /// Appends every enabled `(action, successor)` pair to `out`. The default goes through
    /// `actions` and `next_state`, listing candidate actions into `scratch` (which arrives empty,
    /// a buffer the caller reuses so that no state costs an allocation). Front ends that compute
    /// successors together (or can fail while doing so, like a TLA+ evaluator) override it.
    ///
    /// Returns the number of states generated on the way that are not successors, which the
    /// search counts as generated too: TLA+'s composition `A \cdot B` passes through the states
    /// between `A` and `B`, and TLC counts them. Usually 0.
    fn successors(
        &self,
        state: &Self::State,
        scratch: &mut Vec<Self::Action>,
        out: &mut Vec<(Self::Action, Self::State)>,
    ) -> Result<u64, ModelError> {
        scratch.clear();
        self.actions(state, scratch);
        for action in scratch.drain(..) {
            if let Some(next) = self.next_state(state, &action) {
                out.push((action, next));
            }
        }
        Ok(0)
    }

    /// [`Model::successors`], except that a successor for which `known` is true may be left
    /// out, before it is built. `known` says whether a fingerprint ([`Model::fingerprint`]'s)
    /// is that of a state the search has stored or queued for storing, checked when first
    /// found. The search passes `known` when it would do nothing with such a successor but
    /// count it: no step properties, no symmetry. A model may leave one out only if [`Model::in_model`]
    /// holds for every step into a stored state (it does when the constraints read the next
    /// state alone, never the step or anything else), and its fingerprints are
    /// [`Model::fingerprint`]'s. The default ignores `known`.
    ///
    /// When successors are left out, `positions` receives the position of each successor of
    /// `out` in the list [`Model::successors`] gives (the search names a step by it); left
    /// empty, the positions are those in `out`. Returns the count of [`Model::successors`]
    /// and the number of successors left out.
    fn successors_unknown(
        &self,
        state: &Self::State,
        scratch: &mut Vec<Self::Action>,
        out: &mut Vec<(Self::Action, Self::State)>,
        known: &dyn Fn(Fingerprint) -> bool,
        positions: &mut Vec<usize>,
    ) -> Result<(u64, u64), ModelError> {
        let _ = (known, positions);
        self.successors(state, scratch, out)
            .map(|passed| (passed, 0))
    }

    /// Whether `next` belongs to the model (TLA+'s CONSTRAINT, and ACTION_CONSTRAINT for the
    /// step from `state`; `state` is `None` for an initial state). A state outside it is
    /// counted as generated and its state properties are checked, but it is neither stored nor
    /// expanded; it still counts as a successor, so its source is no deadlock. This is what
    /// TLC does with its constraints.
    fn in_model(
        &self,
        state: Option<&Self::State>,
        next: &Self::State,
    ) -> Result<bool, ModelError> {
        let _ = (state, next);
        Ok(true)
    }

    /// Called by [`crate::check`] before the search starts, with the counters it keeps (and
    /// its cancellation flag). A front end whose language can read the search's figures or stop
    /// it (TLC's `TLCGet("distinct")`, `TLCSet("exit", TRUE)`) keeps them; the default ignores
    /// them.
    fn attach_progress(&self, progress: &Arc<crate::search::Progress>) {
        let _ = progress;
    }

    /// Whether the step conditions of [`Model::fairness`] and of the properties depend only on
    /// the two states of a step, not on the action taken, and [`Model::fingerprint`] tells
    /// states apart (no view that merges some). Then the liveness check evaluates them once
    /// per distinct successor: two steps to the same state are the same edge of the state
    /// graph (TLA+'s semantics, where a step is a pair of states). The default, false, keeps
    /// one edge per action, as a label may decide whether a step is an `A` step.
    fn steps_are_state_pairs(&self) -> bool {
        false
    }

    /// States outside the bounds are counted and checked but not expanded.
    fn within_bounds(&self, state: &Self::State) -> bool {
        let _ = state;
        true
    }

    /// Whether a state without successors is reported as a deadlock.
    fn checks_deadlock(&self) -> bool {
        true
    }

    /// Whether [`Model::representative`] implements symmetry reduction.
    fn has_symmetry(&self) -> bool {
        false
    }

    /// The canonical member of `state`'s symmetry class: two states that differ only by a
    /// permutation of interchangeable components must map to equal representatives. Used only
    /// when [`Model::has_symmetry`] is true and the user asks for `--symmetry`.
    fn representative(&self, state: &Self::State) -> Self::State {
        state.clone()
    }

    /// The fingerprint under which `state` is remembered when symmetry reduction is on: equal
    /// for all states of one symmetry class. The default fingerprints the
    /// [`Model::representative`]; a front end may instead take the smallest fingerprint of the
    /// permuted states (TLC's rule), computed without building them.
    fn symmetric_fingerprint(&self, state: &Self::State) -> Fingerprint {
        self.fingerprint(&self.representative(state))
    }

    /// The fingerprint under which `state` is remembered. Front ends may override it to hash
    /// only a view of the state (TLA+'s VIEW).
    fn fingerprint(&self, state: &Self::State) -> Fingerprint {
        fingerprint(state)
    }

    /// A readable rendering of one step of a trace: what happened and what changed.
    fn describe_step(
        &self,
        previous: &Self::State,
        action: &Self::Action,
        next: &Self::State,
    ) -> StepDescription {
        StepDescription {
            action: format!("{action:?}"),
            changes: debug_diff(previous, next),
        }
    }

    /// A readable rendering of a whole state, for the first state of a trace.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }

    /// The rendering of a state in a trace, given the state that follows it there (`None` for
    /// the last): what [`Trace`](crate::Trace)'s steps show. Defaults to
    /// [`Model::describe_state`]; TLA+'s ALIAS shows an expression of both states instead.
    fn describe_trace_state(&self, state: &Self::State, next: Option<&Self::State>) -> String {
        let _ = next;
        self.describe_state(state)
    }
}

/// One step of a trace as text.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct StepDescription {
    /// What happened, e.g. `n3 receives Prepare(1) from n0`.
    pub action: String,
    /// What changed, one line each.
    pub changes: Vec<String>,
}

/// The lines of `next`'s pretty `Debug` rendering that differ from `previous`'s, as
/// `path: old -> new` where the structure lines up, else the whole new state.
pub fn debug_diff<T: Debug>(previous: &T, next: &T) -> Vec<String> {
    let before = format!("{previous:#?}");
    let after = format!("{next:#?}");
    let before: Vec<&str> = before.lines().collect();
    let after: Vec<&str> = after.lines().collect();
    if before.len() != after.len() {
        return vec![format!("{next:?}")];
    }
    let mut changes = Vec::new();
    let mut path: Vec<String> = Vec::new();
    for (old, new) in before.iter().zip(&after) {
        let depth = new.len() - new.trim_start().len();
        let trimmed = new.trim();
        path.truncate(depth / 4);
        if old != new {
            let label = path
                .iter()
                .filter(|p| !p.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(".");
            let old = old.trim().trim_end_matches(',');
            let new = trimmed.trim_end_matches(',');
            if label.is_empty() {
                changes.push(format!("{old} -> {new}"));
            } else {
                changes.push(format!("{label}: {old} -> {new}"));
            }
        }
        if trimmed.ends_with('{') || trimmed.ends_with('[') || trimmed.ends_with('(') {
            let name = trimmed
                .trim_end_matches(['{', '[', '('])
                .trim()
                .trim_end_matches(':')
                .to_string();
            path.push(name);
        }
    }
    changes
}

/// Whether a property must hold in every reachable state (or step), or must hold in some.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropertyKind {
    /// An invariant: true in every reachable state (or, for a step condition, every step).
    Always,
    /// A reachability goal: true in at least one reachable state. Never reaching it is a failure.
    Sometimes,
    /// No reachable state is without successors.
    Deadlock,
    /// Every fair behaviour reaches a goal state (`<>P`).
    Eventually,
    /// Every fair behaviour that passes through a trigger state reaches a goal state then or
    /// later (`P ~> Q`).
    LeadsTo,
    /// Every fair behaviour is in a goal state infinitely often (`[]<>P`).
    InfinitelyOften,
    /// Every fair behaviour ends by staying in goal states forever (`<>[]P`).
    EventuallyAlways,
    /// Another formula of temporal logic, checked through the shape of its counterexamples
    /// (a TLA+ PROPERTY such as `[]<><<A>>_v` or `WF_v(A) => []<>P`).
    Temporal,
    /// A condition on the run, true once the search is over (TLC's POSTCONDITION).
    Postcondition,
}

impl PropertyKind {
    /// Whether the property speaks of whole behaviours and needs the liveness check.
    pub fn is_liveness(self) -> bool {
        matches!(
            self,
            PropertyKind::Eventually
                | PropertyKind::LeadsTo
                | PropertyKind::InfinitelyOften
                | PropertyKind::EventuallyAlways
                | PropertyKind::Temporal
        )
    }
}

impl fmt::Display for PropertyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PropertyKind::Always => "always",
            PropertyKind::Sometimes => "sometimes",
            PropertyKind::Deadlock => "deadlock",
            PropertyKind::Eventually => "eventually",
            PropertyKind::LeadsTo => "leads-to",
            PropertyKind::InfinitelyOften => "infinitely-often",
            PropertyKind::EventuallyAlways => "eventually-always",
            PropertyKind::Temporal => "temporal",
            PropertyKind::Postcondition => "postcondition",
        })
    }
}

/// A condition on the whole run (see [`Condition::Final`]).
pub type FinalCondition<M> = dyn Fn(&M) -> Result<bool, ModelError> + Send + Sync;

/// A predicate on a state.
pub type StateCondition<M> =
    dyn Fn(&M, &<M as Model>::State) -> Result<bool, ModelError> + Send + Sync;
/// A predicate on a step `(previous, action, next)`.
pub type StepCondition<M> = dyn Fn(
        &M,
        &<M as Model>::State,
        &<M as Model>::Action,
        &<M as Model>::State,
    ) -> Result<bool, ModelError>
    + Send
    + Sync;

/// The states that the steps of an action lead to from a state, when the model can list them
/// (`None`: it cannot, and each step is tested with [`Fairness::step`]).
pub type StepTargets<M> = dyn Fn(&M, &<M as Model>::State) -> Result<Option<Vec<<M as Model>::State>>, ModelError>
    + Send
    + Sync;

/// What a property evaluates: one state, or one step.
// A model has a handful of properties, built once: the size of the liveness variant costs
// nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Condition<M: Model> {
    /// A predicate on a state.
    State(Arc<StateCondition<M>>),
    /// A predicate on a step `(previous, action, next)`: an action invariant, as TLA+'s
    /// `[][A]_v`.
    Step(Arc<StepCondition<M>>),
    /// A condition on whole behaviours, checked on the state graph under the model's
    /// [`Model::fairness`].
    Liveness(Liveness<M>),
    /// A condition on the run itself, evaluated once after the search (TLC's POSTCONDITION,
    /// which reads the search's figures): kind [`PropertyKind::Postcondition`].
    Final(Arc<FinalCondition<M>>),
}

impl<M: Model> Clone for Condition<M> {
    fn clone(&self) -> Self {
        match self {
            Condition::State(f) => Condition::State(Arc::clone(f)),
            Condition::Step(f) => Condition::Step(Arc::clone(f)),
            Condition::Liveness(l) => Condition::Liveness(l.clone()),
            Condition::Final(f) => Condition::Final(Arc::clone(f)),
        }
    }
}

/// Where the obligation of a liveness property starts.
pub enum Trigger<M: Model> {
    /// Nowhere in particular: the property speaks only of how behaviours end.
    Anywhere,
    /// In the initial state (`<>P`).
    Initial,
    /// In every state that satisfies the condition (`P ~> Q`).
    State(Arc<StateCondition<M>>),
}

impl<M: Model> Clone for Trigger<M> {
    fn clone(&self) -> Self {
        match self {
            Trigger::Anywhere => Trigger::Anywhere,
            Trigger::Initial => Trigger::Initial,
            Trigger::State(c) => Trigger::State(Arc::clone(c)),
        }
    }
}

/// A liveness property, described by its counterexamples: the property is violated when some
/// fair behaviour, whose initial state satisfies each `initially` condition and every state each
/// `throughout` condition, passes through a [`Trigger`] state, stays in `avoid` states from then
/// on, and
/// ends (cycling forever, or stuttering in one state) such that every state of the end satisfies
/// each `always_states` condition, every step of it each `always_steps` condition, some state
/// of it each `often_states` condition, and some step of it each `often_steps` condition.
/// Stuttering satisfies every `always_steps` condition and no `often_steps` condition (as TLA+'s
/// `[A]_v` and `<<A>>_v`).
///
/// The constructors of [`Property`] build the usual forms: `<>Q` is an initial trigger avoiding
/// `Q`; `P ~> Q` a trigger `P` avoiding `Q`; `[]<>Q` an end always in `~Q`; `<>[]Q` an end
/// often in `~Q`.
pub struct Liveness<M: Model> {
    /// Where the obligation starts.
    pub trigger: Trigger<M>,
    /// What the counterexample keeps true from the trigger on (the negated goal).
    pub avoid: Option<Arc<StateCondition<M>>>,
    /// A state the counterexample reaches at or after the trigger (`[](P => []Q)` fails on a
    /// behaviour that reaches `~Q` at or after a `P` state). Not combined with `avoid`.
    pub reach: Option<Arc<StateCondition<M>>>,
    /// True in the counterexample's initial state.
    pub initially: Vec<Arc<StateCondition<M>>>,
    /// True in every state of the counterexample.
    pub throughout: Vec<Arc<StateCondition<M>>>,
    /// True of every step of the counterexample, from its first state on (stuttering steps
    /// are taken to satisfy them, as `~<<A>>_v` and `[A]_v` are).
    pub throughout_steps: Vec<Arc<StepCondition<M>>>,
    /// True in every state of the counterexample's end.
    pub always_states: Vec<Arc<StateCondition<M>>>,
    /// True of every step of the counterexample's end.
    pub always_steps: Vec<Arc<StepCondition<M>>>,
    /// Each true in some state of the counterexample's end.
    pub often_states: Vec<Arc<StateCondition<M>>>,
    /// Each true of some step of the counterexample's end.
    pub often_steps: Vec<Arc<StepCondition<M>>>,
}

impl<M: Model> Clone for Liveness<M> {
    fn clone(&self) -> Self {
        Liveness {
            trigger: self.trigger.clone(),
            avoid: self.avoid.clone(),
            reach: self.reach.clone(),
            initially: self.initially.clone(),
            throughout: self.throughout.clone(),
            throughout_steps: self.throughout_steps.clone(),
            always_states: self.always_states.clone(),
            always_steps: self.always_steps.clone(),
            often_states: self.often_states.clone(),
            often_steps: self.often_steps.clone(),
        }
    }
}

impl<M: Model> Liveness<M> {
    /// A property whose counterexamples start at `trigger` and avoid `avoid` from then on.
    pub fn avoiding(trigger: Trigger<M>, avoid: Arc<StateCondition<M>>) -> Self {
        Liveness {
            trigger,
            avoid: Some(avoid),
            ..Liveness::default()
        }
    }
}

impl<M: Model> Default for Liveness<M> {
    fn default() -> Self {
        Liveness {
            trigger: Trigger::Anywhere,
            avoid: None,
            reach: None,
            initially: Vec::new(),
            throughout: Vec::new(),
            throughout_steps: Vec::new(),
            always_states: Vec::new(),
            always_steps: Vec::new(),
            often_states: Vec::new(),
            often_steps: Vec::new(),
        }
    }
}

/// `!condition`.
fn negate<M: Model>(
    condition: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
) -> Arc<StateCondition<M>> {
    Arc::new(move |m, s| Ok(!condition(m, s)))
}

/// Weak or strong fairness.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FairnessKind {
    /// An action continuously enabled from some point on is eventually taken (`WF`).
    Weak,
    /// An action enabled infinitely often is taken infinitely often (`SF`).
    Strong,
}

/// A fairness condition on an action: which steps are the action's, and when it is enabled.
pub struct Fairness<M: Model> {
    /// A name for messages.
    pub name: String,
    /// Weak or strong.
    pub kind: FairnessKind,
    /// Whether a step is a step of the action (TLA+'s `<<A>>_v`). A step that leaves the state
    /// unchanged (the same fingerprint) never counts: it is stuttering.
    pub step: Arc<StepCondition<M>>,
    /// Whether the action is enabled in a state; `None`: exactly when some successor of the
    /// state (other than itself) is a step of the action.
    pub enabled: Option<Arc<StateCondition<M>>>,
    /// The states the action's steps lead to from a state, listed once per state instead of
    /// testing [`Fairness::step`] on each of its steps: a step is then the action's when its
    /// target is listed, and the action is enabled when the list holds a state other than the
    /// current one. Used only when [`Model::steps_are_state_pairs`] holds.
    pub targets: Option<Arc<StepTargets<M>>>,
}

impl<M: Model> Clone for Fairness<M> {
    fn clone(&self) -> Self {
        Fairness {
            name: self.name.clone(),
            kind: self.kind,
            step: Arc::clone(&self.step),
            enabled: self.enabled.clone(),
            targets: self.targets.clone(),
        }
    }
}

impl<M: Model> Debug for Fairness<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} fairness of {}", self.kind, self.name)
    }
}

impl<M: Model> Fairness<M> {
    /// Weak fairness of the steps that satisfy `step`.
    pub fn weak(
        name: impl Into<String>,
        step: impl Fn(&M, &M::State, &M::Action, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Fairness {
            name: name.into(),
            kind: FairnessKind::Weak,
            step: Arc::new(move |m, p, a, n| Ok(step(m, p, a, n))),
            enabled: None,
            targets: None,
        }
    }

    /// Strong fairness of the steps that satisfy `step`.
    pub fn strong(
        name: impl Into<String>,
        step: impl Fn(&M, &M::State, &M::Action, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Fairness {
            kind: FairnessKind::Strong,
            ..Fairness::weak(name, step)
        }
    }
}

/// A named property of a model.
pub struct Property<M: Model> {
    /// The property's name, unique within its model.
    pub name: String,
    /// Always or sometimes.
    pub kind: PropertyKind,
    /// What is evaluated.
    pub condition: Condition<M>,
}

impl<M: Model> Clone for Property<M> {
    fn clone(&self) -> Self {
        Property {
            name: self.name.clone(),
            kind: self.kind,
            condition: self.condition.clone(),
        }
    }
}

impl<M: Model> Debug for Property<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

impl<M: Model> Property<M> {
    /// An invariant: `condition` holds in every reachable state.
    pub fn always(
        name: impl Into<String>,
        condition: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind: PropertyKind::Always,
            condition: Condition::State(Arc::new(move |m, s| Ok(condition(m, s)))),
        }
    }

    /// An action invariant: `condition` holds for every step `(previous, action, next)`.
    pub fn always_step(
        name: impl Into<String>,
        condition: impl Fn(&M, &M::State, &M::Action, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind: PropertyKind::Always,
            condition: Condition::Step(Arc::new(move |m, p, a, n| Ok(condition(m, p, a, n)))),
        }
    }

    /// A reachability goal: `condition` holds in some reachable state; the example is reported.
    pub fn sometimes(
        name: impl Into<String>,
        condition: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind: PropertyKind::Sometimes,
            condition: Condition::State(Arc::new(move |m, s| Ok(condition(m, s)))),
        }
    }

    /// A liveness property: every fair behaviour eventually reaches a state where `goal` holds.
    pub fn eventually(
        name: impl Into<String>,
        goal: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind: PropertyKind::Eventually,
            condition: Condition::Liveness(Liveness::avoiding(Trigger::Initial, negate(goal))),
        }
    }

    /// A liveness property: whenever `trigger` holds, `goal` holds then or later, in every fair
    /// behaviour (`trigger ~> goal`).
    pub fn leads_to(
        name: impl Into<String>,
        trigger: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
        goal: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        let trigger = Trigger::State(Arc::new(move |m, s| Ok(trigger(m, s))));
        Property {
            name: name.into(),
            kind: PropertyKind::LeadsTo,
            condition: Condition::Liveness(Liveness::avoiding(trigger, negate(goal))),
        }
    }

    /// A property of every fair behaviour: once `trigger` holds, `goal` holds from then on
    /// (`[](trigger => []goal)`). A counterexample reaches a state outside `goal` at or after
    /// a `trigger` state, then ends fairly.
    pub fn once_always(
        name: impl Into<String>,
        trigger: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
        goal: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind: PropertyKind::Temporal,
            condition: Condition::Liveness(Liveness {
                trigger: Trigger::State(Arc::new(move |m, s| Ok(trigger(m, s)))),
                reach: Some(negate(goal)),
                ..Liveness::default()
            }),
        }
    }

    /// A liveness property: `goal` holds infinitely often in every fair behaviour (`[]<>goal`).
    pub fn infinitely_often(
        name: impl Into<String>,
        goal: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind: PropertyKind::InfinitelyOften,
            condition: Condition::Liveness(Liveness {
                always_states: vec![negate(goal)],
                ..Liveness::default()
            }),
        }
    }

    /// A liveness property: every fair behaviour ends by staying where `goal` holds (`<>[]goal`).
    pub fn eventually_always(
        name: impl Into<String>,
        goal: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind: PropertyKind::EventuallyAlways,
            condition: Condition::Liveness(Liveness {
                often_states: vec![negate(goal)],
                ..Liveness::default()
            }),
        }
    }

    /// A property whose evaluation may fail (for front ends such as TLA+).
    pub fn fallible(kind: PropertyKind, name: impl Into<String>, condition: Condition<M>) -> Self {
        Property {
            name: name.into(),
            kind,
            condition,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Node {
        term: u32,
        role: &'static str,
    }

    #[test]
    fn debug_diff_names_the_changed_field() {
        let a = vec![
            Node {
                term: 1,
                role: "follower",
            },
            Node {
                term: 1,
                role: "follower",
            },
        ];
        let b = vec![
            Node {
                term: 1,
                role: "follower",
            },
            Node {
                term: 2,
                role: "candidate",
            },
        ];
        let changes = debug_diff(&a, &b);
        assert_eq!(
            changes,
            vec![
                "Node: term: 1 -> term: 2".to_string(),
                "Node: role: \"follower\" -> role: \"candidate\"".to_string()
            ]
        );
    }
}
