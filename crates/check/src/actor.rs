//! [`ActorModel`]: `n` copies of a [`Process`] plus network and fault semantics, as a [`Model`].

use std::fmt::{self, Debug};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use valence_core::{CrashMode, Delivery, Effect, Effects, FaultModel, NetworkSemantics, NodeId};
use valence_core::{Ordering as ChannelOrdering, Process};

use crate::model::{Model, Property, StepDescription};

/// A message in flight.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Envelope<M> {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// The message.
    pub msg: M,
}

/// The global state of an actor system.
///
/// Node states are shared (`Arc`) between a state and its successors: a step clones only the
/// node it changes, so a successor costs a few small allocations, and the frontier stores each
/// distinct node state once however many global states contain it.
pub struct ActorState<P: Process> {
    /// Each node's state, indexed by `NodeId`. A crashed node keeps what it last persisted
    /// (crash-recovery) or its state at the crash (crash-stop).
    pub nodes: Vec<Arc<P::State>>,
    /// Messages in flight, in a canonical order: sorted for unordered networks (a multiset, or a
    /// set when duplicating), grouped by channel in send order for FIFO networks.
    pub network: Vec<Envelope<P::Msg>>,
    /// Each node's pending timers, sorted.
    pub timers: Vec<Vec<P::Timer>>,
    /// Which nodes are down.
    pub crashed: Vec<bool>,
    /// Crashes so far (bounded by the fault model).
    pub crashes: u8,
    /// Each node's persisted state; empty unless crashes are recoverable.
    pub durable: Vec<Arc<P::State>>,
}

impl<P: Process> ActorState<P> {
    /// Whether node `id` is up.
    pub fn is_up(&self, id: NodeId) -> bool {
        !self.crashed[id.index()]
    }
}

impl<P: Process> Clone for ActorState<P> {
    fn clone(&self) -> Self {
        ActorState {
            nodes: self.nodes.clone(),
            network: self.network.clone(),
            timers: self.timers.clone(),
            crashed: self.crashed.clone(),
            crashes: self.crashes,
            durable: self.durable.clone(),
        }
    }
}

impl<P: Process> PartialEq for ActorState<P> {
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
            && self.network == other.network
            && self.timers == other.timers
            && self.crashed == other.crashed
            && self.crashes == other.crashes
            && self.durable == other.durable
    }
}

impl<P: Process> Eq for ActorState<P> {}

impl<P: Process> Hash for ActorState<P> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nodes.hash(state);
        self.network.hash(state);
        self.timers.hash(state);
        self.crashed.hash(state);
        self.crashes.hash(state);
        self.durable.hash(state);
    }
}

impl<P: Process> Debug for ActorState<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ActorState");
        s.field("nodes", &self.nodes)
            .field("network", &self.network);
        if self.timers.iter().any(|t| !t.is_empty()) {
            s.field("timers", &self.timers);
        }
        if self.crashes > 0 {
            s.field("crashed", &self.crashed)
                .field("crashes", &self.crashes);
        }
        s.finish()
    }
}

/// One step of an actor system.
pub enum ActorAction<P: Process> {
    /// `to` receives the message at `index` of the network.
    Deliver {
        /// The envelope's position in [`ActorState::network`].
        index: usize,
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The message.
        msg: P::Msg,
    },
    /// The network loses the message at `index`.
    Drop {
        /// The envelope's position in [`ActorState::network`].
        index: usize,
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The message.
        msg: P::Msg,
    },
    /// A pending timer of `node` expires.
    Timeout {
        /// The node.
        node: NodeId,
        /// The timer.
        timer: P::Timer,
    },
    /// `node` crashes.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// `node` restarts from its persisted state.
    Restart {
        /// The node.
        node: NodeId,
    },
}

impl<P: Process> Clone for ActorAction<P> {
    fn clone(&self) -> Self {
        match self {
            ActorAction::Deliver {
                index,
                from,
                to,
                msg,
            } => ActorAction::Deliver {
                index: *index,
                from: *from,
                to: *to,
                msg: msg.clone(),
            },
            ActorAction::Drop {
                index,
                from,
                to,
                msg,
            } => ActorAction::Drop {
                index: *index,
                from: *from,
                to: *to,
                msg: msg.clone(),
            },
            ActorAction::Timeout { node, timer } => ActorAction::Timeout {
                node: *node,
                timer: timer.clone(),
            },
            ActorAction::Crash { node } => ActorAction::Crash { node: *node },
            ActorAction::Restart { node } => ActorAction::Restart { node: *node },
        }
    }
}

impl<P: Process> Debug for ActorAction<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorAction::Deliver { from, to, msg, .. } => {
                write!(f, "{to} receives {msg:?} from {from}")
            }
            ActorAction::Drop { from, to, msg, .. } => {
                write!(f, "network loses {msg:?} from {from} to {to}")
            }
            ActorAction::Timeout { node, timer } => write!(f, "{node}: timer {timer:?} fires"),
            ActorAction::Crash { node } => write!(f, "{node} crashes"),
            ActorAction::Restart { node } => write!(f, "{node} restarts"),
        }
    }
}

type StateFn<P, T> = Arc<dyn Fn(&ActorModel<P>, &ActorState<P>) -> T + Send + Sync>;

/// `n` copies of a [`Process`] on a network with the given semantics, as a checkable [`Model`].
///
/// Every step is one of: deliver a message in flight, lose one (lossy networks), fire a pending
/// timer (timers fire at any moment: the checker does not model time), crash a node (up to the
/// fault model's bound), restart a crashed node (crash-recovery). A crash loses the messages in
/// flight to the crashed node, except on duplicating networks where messages stay forever.
pub struct ActorModel<P: Process> {
    /// The process every node runs.
    pub process: P,
    /// The number of nodes.
    pub node_count: usize,
    /// Channel ordering, loss and duplication.
    pub network: NetworkSemantics,
    /// Crash faults.
    pub faults: FaultModel,
    properties: Vec<Property<Self>>,
    bounds: Option<StateFn<P, bool>>,
    symmetry: Option<StateFn<P, ActorState<P>>>,
    deadlock: bool,
    names: Vec<String>,
    decisions: Option<StateFn<P, u64>>,
}

impl<P: Process> ActorModel<P> {
    /// `node_count` nodes running `process` on an unordered, lossless network without faults.
    pub fn new(process: P, node_count: usize) -> Self {
        assert!(node_count > 0, "an actor model needs at least one node");
        assert!(
            node_count <= usize::from(u16::MAX),
            "too many nodes: {node_count}"
        );
        ActorModel {
            process,
            node_count,
            network: NetworkSemantics::UNORDERED,
            faults: FaultModel::NONE,
            properties: Vec::new(),
            bounds: None,
            symmetry: None,
            deadlock: false,
            names: (0..node_count).map(|i| format!("n{i}")).collect(),
            decisions: None,
        }
    }

    /// Sets the network semantics.
    pub fn network(mut self, network: NetworkSemantics) -> Self {
        self.network = network;
        self
    }

    /// Sets the fault model.
    pub fn faults(mut self, faults: FaultModel) -> Self {
        self.faults = faults;
        self
    }

    /// Adds a property.
    pub fn property(mut self, property: Property<Self>) -> Self {
        assert!(
            self.properties.iter().all(|p| p.name != property.name),
            "duplicate property name `{}`",
            property.name
        );
        self.properties.push(property);
        self
    }

    /// Limits exploration to states satisfying `bounds`.
    pub fn within(
        mut self,
        bounds: impl Fn(&Self, &ActorState<P>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.bounds = Some(Arc::new(bounds));
        self
    }

    /// Enables symmetry reduction with a representative function (see
    /// [`Model::representative`]).
    pub fn symmetry(
        mut self,
        representative: impl Fn(&Self, &ActorState<P>) -> ActorState<P> + Send + Sync + 'static,
    ) -> Self {
        self.symmetry = Some(Arc::new(representative));
        self
    }

    /// Reports quiescent states (nothing in flight, no timer, nothing to crash) as deadlocks.
    pub fn deadlock(mut self, check: bool) -> Self {
        self.deadlock = check;
        self
    }

    /// Names nodes in traces (`proposer 0`, `acceptor 1`, ...) instead of `n0`, `n1`, ...
    pub fn node_names(mut self, names: Vec<String>) -> Self {
        assert_eq!(names.len(), self.node_count, "one name per node");
        self.names = names;
        self
    }

    /// Counts the decisions a state has reached (commands committed, values chosen), for the
    /// simulator's metrics: messages per decision, decisions per virtual second.
    pub fn decisions(
        mut self,
        count: impl Fn(&Self, &ActorState<P>) -> u64 + Send + Sync + 'static,
    ) -> Self {
        self.decisions = Some(Arc::new(count));
        self
    }

    /// The number of decisions `state` has reached, if the model counts them.
    pub fn decisions_in(&self, state: &ActorState<P>) -> Option<u64> {
        self.decisions.as_ref().map(|count| count(self, state))
    }

    /// The name of node `id` in traces.
    pub fn name(&self, id: NodeId) -> &str {
        &self.names[id.index()]
    }

    fn recoverable(&self) -> bool {
        self.faults.crash == CrashMode::Recover && self.faults.max_crashes > 0
    }

    fn duplicating(&self) -> bool {
        self.network.delivery == Delivery::Duplicating
    }

    /// Adds `envelope` to the network in canonical position.
    fn enqueue(&self, network: &mut Vec<Envelope<P::Msg>>, envelope: Envelope<P::Msg>) {
        match (self.network.ordering, self.network.delivery) {
            (ChannelOrdering::Fifo, _) => {
                let key = (envelope.from, envelope.to);
                let at = network.partition_point(|e| (e.from, e.to) <= key);
                network.insert(at, envelope);
            }
            (ChannelOrdering::Unordered, Delivery::Duplicating) => {
                if let Err(at) = network.binary_search(&envelope) {
                    network.insert(at, envelope);
                }
            }
            (ChannelOrdering::Unordered, _) => {
                let at = network.partition_point(|e| e <= &envelope);
                network.insert(at, envelope);
            }
        }
    }

    /// Applies a handler's effects for `node`; `sent` collects what was sent, for traces.
    fn apply_effects(
        &self,
        state: &mut ActorState<P>,
        node: NodeId,
        out: &mut Effects<P::Msg, P::Timer>,
        mut sent: Option<&mut Vec<Envelope<P::Msg>>>,
    ) {
        let mut persist = false;
        for effect in out.drain() {
            match effect {
                Effect::Send { to, msg } => {
                    assert!(
                        to.index() < self.node_count,
                        "{node} sent {msg:?} to {to}, which does not exist"
                    );
                    let envelope = Envelope {
                        from: node,
                        to,
                        msg,
                    };
                    if let Some(sent) = sent.as_deref_mut() {
                        sent.push(envelope.clone());
                    }
                    self.enqueue(&mut state.network, envelope);
                }
                Effect::Broadcast { msg } => {
                    for to in (0..self.node_count).map(NodeId::from) {
                        if to != node {
                            let envelope = Envelope {
                                from: node,
                                to,
                                msg: msg.clone(),
                            };
                            if let Some(sent) = sent.as_deref_mut() {
                                sent.push(envelope.clone());
                            }
                            self.enqueue(&mut state.network, envelope);
                        }
                    }
                }
                Effect::SetTimer { timer, .. } => {
                    let timers = &mut state.timers[node.index()];
                    if let Err(at) = timers.binary_search(&timer) {
                        timers.insert(at, timer);
                    }
                }
                Effect::CancelTimer { timer } => {
                    let timers = &mut state.timers[node.index()];
                    if let Ok(at) = timers.binary_search(&timer) {
                        timers.remove(at);
                    }
                }
                Effect::Persist => persist = true,
            }
        }
        if persist && self.recoverable() {
            state.durable[node.index()] = Arc::clone(&state.nodes[node.index()]);
        }
    }

    /// The state after `action`, and what was sent, or `None` if `action` is not enabled.
    fn step(
        &self,
        state: &ActorState<P>,
        action: &ActorAction<P>,
        sent: Option<&mut Vec<Envelope<P::Msg>>>,
    ) -> Option<ActorState<P>> {
        let mut next = state.clone();
        let mut out = Effects::new();
        match action {
            ActorAction::Deliver {
                index,
                from,
                to,
                msg,
            } => {
                let envelope = state.network.get(*index)?;
                if envelope.from != *from || envelope.to != *to || envelope.msg != *msg {
                    return None;
                }
                if !state.is_up(*to) {
                    return None;
                }
                if !self.duplicating() {
                    next.network.remove(*index);
                }
                self.process.on_message(
                    *to,
                    Arc::make_mut(&mut next.nodes[to.index()]),
                    *from,
                    msg.clone(),
                    &mut out,
                );
                self.apply_effects(&mut next, *to, &mut out, sent);
            }
            ActorAction::Drop { index, .. } => {
                if self.network.delivery != Delivery::Lossy || *index >= state.network.len() {
                    return None;
                }
                next.network.remove(*index);
            }
            ActorAction::Timeout { node, timer } => {
                let timers = &mut next.timers[node.index()];
                let at = timers.binary_search(timer).ok()?;
                if !state.is_up(*node) {
                    return None;
                }
                timers.remove(at);
                self.process.on_timer(
                    *node,
                    Arc::make_mut(&mut next.nodes[node.index()]),
                    timer.clone(),
                    &mut out,
                );
                self.apply_effects(&mut next, *node, &mut out, sent);
            }
            ActorAction::Crash { node } => {
                if !state.is_up(*node)
                    || self.faults.crash == CrashMode::None
                    || state.crashes >= self.faults.max_crashes
                {
                    return None;
                }
                let i = node.index();
                next.crashed[i] = true;
                next.crashes += 1;
                next.timers[i].clear();
                if !self.duplicating() {
                    next.network.retain(|e| e.to != *node);
                }
                if self.recoverable() {
                    next.nodes[i] = Arc::clone(&next.durable[i]);
                }
            }
            ActorAction::Restart { node } => {
                if state.is_up(*node) || !self.recoverable() {
                    return None;
                }
                let i = node.index();
                next.crashed[i] = false;
                next.nodes[i] =
                    Arc::new(self.process.on_restart(*node, &state.durable[i], &mut out));
                self.apply_effects(&mut next, *node, &mut out, sent);
            }
        }
        Some(next)
    }
}

impl<P: Process> Model for ActorModel<P> {
    type State = ActorState<P>;
    type Action = ActorAction<P>;

    fn init_states(&self) -> Vec<Self::State> {
        let mut state = ActorState {
            nodes: Vec::with_capacity(self.node_count),
            network: Vec::new(),
            timers: vec![Vec::new(); self.node_count],
            crashed: vec![false; self.node_count],
            crashes: 0,
            durable: Vec::new(),
        };
        let mut outs = Vec::with_capacity(self.node_count);
        for id in (0..self.node_count).map(NodeId::from) {
            let mut out = Effects::new();
            state.nodes.push(Arc::new(self.process.init(id, &mut out)));
            outs.push(out);
        }
        if self.recoverable() {
            state.durable = state.nodes.clone();
        }
        for (i, mut out) in outs.into_iter().enumerate() {
            self.apply_effects(&mut state, NodeId::from(i), &mut out, None);
        }
        vec![state]
    }

    fn actions(&self, state: &Self::State, out: &mut Vec<Self::Action>) {
        let fifo = self.network.ordering == ChannelOrdering::Fifo;
        for (index, envelope) in state.network.iter().enumerate() {
            let first_of_channel = index == 0 || {
                let before = &state.network[index - 1];
                (before.from, before.to) != (envelope.from, envelope.to)
            };
            let repeat = index > 0 && state.network[index - 1] == *envelope;
            if state.is_up(envelope.to) && (if fifo { first_of_channel } else { !repeat }) {
                out.push(ActorAction::Deliver {
                    index,
                    from: envelope.from,
                    to: envelope.to,
                    msg: envelope.msg.clone(),
                });
            }
            // Dropping either of two equal neighbours gives the same state.
            if self.network.delivery == Delivery::Lossy && !repeat {
                out.push(ActorAction::Drop {
                    index,
                    from: envelope.from,
                    to: envelope.to,
                    msg: envelope.msg.clone(),
                });
            }
        }
        for (i, timers) in state.timers.iter().enumerate() {
            if !state.crashed[i] {
                for timer in timers {
                    out.push(ActorAction::Timeout {
                        node: NodeId::from(i),
                        timer: timer.clone(),
                    });
                }
            }
        }
        if self.faults.crash != CrashMode::None && state.crashes < self.faults.max_crashes {
            for i in 0..self.node_count {
                if !state.crashed[i] {
                    out.push(ActorAction::Crash {
                        node: NodeId::from(i),
                    });
                }
            }
        }
        if self.recoverable() {
            for i in 0..self.node_count {
                if state.crashed[i] {
                    out.push(ActorAction::Restart {
                        node: NodeId::from(i),
                    });
                }
            }
        }
    }

    fn next_state(&self, state: &Self::State, action: &Self::Action) -> Option<Self::State> {
        self.step(state, action, None)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        self.properties.clone()
    }

    fn within_bounds(&self, state: &Self::State) -> bool {
        self.bounds
            .as_ref()
            .is_none_or(|bounds| bounds(self, state))
    }

    fn checks_deadlock(&self) -> bool {
        self.deadlock
    }

    fn has_symmetry(&self) -> bool {
        self.symmetry.is_some()
    }

    fn representative(&self, state: &Self::State) -> Self::State {
        match &self.symmetry {
            Some(representative) => representative(self, state),
            None => state.clone(),
        }
    }

    fn describe_step(
        &self,
        previous: &Self::State,
        action: &Self::Action,
        next: &Self::State,
    ) -> StepDescription {
        let mut sent = Vec::new();
        let replayed = self.step(previous, action, Some(&mut sent));
        debug_assert!(replayed.as_ref() == Some(next), "steps are deterministic");
        let action_text = match action {
            ActorAction::Deliver { from, to, msg, .. } => {
                format!(
                    "{} receives {msg:?} from {}",
                    self.name(*to),
                    self.name(*from)
                )
            }
            ActorAction::Drop { from, to, msg, .. } => format!(
                "the network loses {msg:?} from {} to {}",
                self.name(*from),
                self.name(*to)
            ),
            ActorAction::Timeout { node, timer } => {
                format!("{}: timer {timer:?} fires", self.name(*node))
            }
            ActorAction::Crash { node } => format!("{} crashes", self.name(*node)),
            ActorAction::Restart { node } => format!("{} restarts", self.name(*node)),
        };
        let mut changes = Vec::new();
        for (i, (before, after)) in previous.nodes.iter().zip(&next.nodes).enumerate() {
            if before != after {
                changes.push(format!(
                    "{}: {before:?} -> {after:?}",
                    self.name(NodeId::from(i))
                ));
            }
        }
        for envelope in sent {
            changes.push(format!(
                "{} sends {:?} to {}",
                self.name(envelope.from),
                envelope.msg,
                self.name(envelope.to)
            ));
        }
        for (i, (before, after)) in previous.timers.iter().zip(&next.timers).enumerate() {
            if before != after {
                changes.push(format!(
                    "{} timers: {before:?} -> {after:?}",
                    self.name(NodeId::from(i))
                ));
            }
        }
        StepDescription {
            action: action_text,
            changes,
        }
    }

    fn describe_state(&self, state: &Self::State) -> String {
        let nodes: Vec<String> = state
            .nodes
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}: {s:?}", self.name(NodeId::from(i))))
            .collect();
        let mut text = nodes.join("; ");
        if !state.network.is_empty() {
            text.push_str(&format!("; in flight: {}", state.network.len()));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{check, CheckOptions};
    use crate::Status;

    /// Node 0 sends `count` numbered messages to node 1, which records the order it saw.
    struct Sender {
        count: u8,
    }

    impl Process for Sender {
        type Msg = u8;
        type State = Vec<u8>;
        type Timer = ();

        fn init(&self, me: NodeId, out: &mut Effects<u8, ()>) -> Vec<u8> {
            if me == NodeId(0) {
                for i in 0..self.count {
                    out.send(NodeId(1), i);
                }
            }
            Vec::new()
        }

        fn on_message(
            &self,
            _me: NodeId,
            state: &mut Vec<u8>,
            _from: NodeId,
            msg: u8,
            _out: &mut Effects<u8, ()>,
        ) {
            state.push(msg);
        }
    }

    fn in_order() -> Property<ActorModel<Sender>> {
        Property::always("in-order", |_, s: &ActorState<Sender>| {
            s.nodes[1].windows(2).all(|w| w[0] < w[1])
        })
    }

    #[test]
    fn fifo_channels_deliver_in_order() {
        let model = ActorModel::new(Sender { count: 3 }, 2)
            .network(NetworkSemantics::FIFO)
            .property(in_order());
        let report = check(&model, &CheckOptions::default());
        assert_eq!(report.property("in-order").unwrap().status, Status::Holds);
        assert_eq!(report.distinct_states, 4);
    }

    #[test]
    fn unordered_channels_reorder() {
        let model = ActorModel::new(Sender { count: 3 }, 2).property(in_order());
        let report = check(&model, &CheckOptions::default());
        let property = report.property("in-order").unwrap();
        assert_eq!(property.status, Status::Violated);
        assert_eq!(property.trace.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn lossy_networks_may_drop_and_duplicating_ones_redeliver() {
        let lossy = ActorModel::new(Sender { count: 1 }, 2).network(NetworkSemantics {
            ordering: ChannelOrdering::Unordered,
            delivery: Delivery::Lossy,
        });
        // Sent, delivered, dropped.
        assert_eq!(check(&lossy, &CheckOptions::default()).distinct_states, 3);
        let duplicating = ActorModel::new(Sender { count: 1 }, 2)
            .network(NetworkSemantics::DUPLICATING)
            .within(|_, s| s.nodes[1].len() <= 3);
        // Received 0, 1, 2, 3 or 4 times (the last is out of bounds and not expanded).
        let report = check(&duplicating, &CheckOptions::default());
        assert_eq!(report.distinct_states, 5);
        assert!(report.bounded);
    }

    /// A node that counts its restarts in durable state and its deliveries in volatile state.
    struct Restarter;

    impl Process for Restarter {
        type Msg = ();
        type State = (u8, u8);
        type Timer = ();

        fn init(&self, _me: NodeId, out: &mut Effects<(), ()>) -> (u8, u8) {
            out.set_timer((), std::time::Duration::ZERO..std::time::Duration::ZERO);
            (0, 0)
        }

        fn on_message(
            &self,
            _: NodeId,
            _: &mut (u8, u8),
            _: NodeId,
            _: (),
            _: &mut Effects<(), ()>,
        ) {
        }

        fn on_timer(&self, _: NodeId, state: &mut (u8, u8), _: (), out: &mut Effects<(), ()>) {
            state.1 += 1;
            if state.1 < 2 {
                out.set_timer((), std::time::Duration::ZERO..std::time::Duration::ZERO);
            }
        }

        fn on_restart(&self, _: NodeId, durable: &(u8, u8), out: &mut Effects<(), ()>) -> (u8, u8) {
            out.persist();
            (durable.0 + 1, 0)
        }
    }

    #[test]
    fn crash_recovery_keeps_only_persisted_state() {
        let model = ActorModel::new(Restarter, 1)
            .faults(FaultModel {
                crash: CrashMode::Recover,
                max_crashes: 2,
            })
            .property(Property::always(
                "restarts-bounded",
                |_, s: &ActorState<Restarter>| s.nodes[0].0 <= 2,
            ))
            .property(Property::sometimes(
                "restarted-twice",
                |_, s: &ActorState<Restarter>| s.nodes[0].0 == 2 && !s.crashed[0],
            ));
        let report = check(&model, &CheckOptions::default());
        assert_eq!(
            report.property("restarts-bounded").unwrap().status,
            Status::Holds
        );
        let example = report.property("restarted-twice").unwrap();
        assert_eq!(example.status, Status::Found);
        // crash, restart, crash, restart.
        assert_eq!(example.trace.as_ref().unwrap().len(), 4);
    }
}
