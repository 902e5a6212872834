//! The sans-IO process model of valence.
//!
//! A protocol is written once as a [`Process`]: a deterministic state machine that receives
//! inputs (`init`, `on_message`, `on_timer`, `on_restart`) and answers with effects collected in
//! an [`Effects`] outbox (send, broadcast, set or cancel a timer, persist). It performs no IO and
//! reads no clock, so the same code runs under the model checker (`valence-check`'s
//! `ActorModel`), the simulator, and the TCP runtime.
//!
//! ```
//! use valence_core::{Effects, NodeId, Process};
//!
//! /// Every node pings its right neighbour once and counts the pings it receives.
//! struct Ping { nodes: u16 }
//!
//! impl Process for Ping {
//!     type Msg = ();
//!     type State = u32;
//!     type Timer = ();
//!     fn init(&self, me: NodeId, out: &mut Effects<(), ()>) -> u32 {
//!         out.send(NodeId((me.0 + 1) % self.nodes), ());
//!         0
//!     }
//!     fn on_message(&self, _me: NodeId, s: &mut u32, _from: NodeId, _m: (), _out: &mut Effects<(), ()>) {
//!         *s += 1;
//!     }
//! }
//!
//! let mut out = Effects::new();
//! let s = Ping { nodes: 3 }.init(NodeId(2), &mut out);
//! assert_eq!(s, 0);
//! assert_eq!(out.effects().len(), 1);
//! ```

use std::fmt::{self, Debug, Display};
use std::hash::Hash;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

mod network;
pub use network::{CrashMode, Delivery, FaultModel, NetworkSemantics, Ordering, NETWORK_NAMES};

/// The identity of a node: dense, `0..n`, so that symmetry reduction can permute nodes.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
pub struct NodeId(pub u16);

impl NodeId {
    /// The node id as an index into per-node tables.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl From<usize> for NodeId {
    fn from(index: usize) -> Self {
        let id = u16::try_from(index).expect("node index fits in u16");
        NodeId(id)
    }
}

/// A protocol participant written as a deterministic state machine that performs no IO.
///
/// A process with several roles (proposer, acceptor, learner) uses one `State` enum and decides
/// its role from its `NodeId`. Handlers must be deterministic functions of their inputs: the model
/// checker relies on it to explore every interleaving exactly once.
pub trait Process: Send + Sync {
    /// Messages between nodes. `Ord` gives networks a canonical order for hashing; serde
    /// encodes them for the wire (the simulator counts their encoded bytes).
    type Msg: Clone + Eq + Ord + Hash + Debug + Send + Sync + Serialize + DeserializeOwned;
    /// The state of one node.
    type State: Clone + Eq + Hash + Debug + Send + Sync;
    /// Timer names; at most one timer of each name is pending per node.
    type Timer: Clone + Eq + Ord + Hash + Debug + Send + Sync;

    /// The initial state of node `me`; may already emit effects (send, set timers).
    fn init(&self, me: NodeId, out: &mut Effects<Self::Msg, Self::Timer>) -> Self::State;

    /// Handles message `msg` from node `from`.
    fn on_message(
        &self,
        me: NodeId,
        state: &mut Self::State,
        from: NodeId,
        msg: Self::Msg,
        out: &mut Effects<Self::Msg, Self::Timer>,
    );

    /// Handles the expiry of timer `timer`. The default ignores timers.
    fn on_timer(
        &self,
        me: NodeId,
        state: &mut Self::State,
        timer: Self::Timer,
        out: &mut Effects<Self::Msg, Self::Timer>,
    ) {
        let _ = (me, state, timer, out);
    }

    /// Rebuilds a node after a crash from the state it last persisted (or its initial state if
    /// it never persisted). Volatile parts must be reset here. The default keeps nothing: it
    /// starts over from `init`.
    fn on_restart(
        &self,
        me: NodeId,
        durable: &Self::State,
        out: &mut Effects<Self::Msg, Self::Timer>,
    ) -> Self::State {
        let _ = durable;
        self.init(me, out)
    }
}

/// One effect requested by a process handler, in the order it was requested.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Effect<M, T> {
    /// Send `msg` to node `to`.
    Send {
        /// The receiver.
        to: NodeId,
        /// The message.
        msg: M,
    },
    /// Send `msg` to every node except the sender.
    Broadcast {
        /// The message.
        msg: M,
    },
    /// Arm timer `timer`; it expires after a delay drawn from `delay` (drivers without time,
    /// such as the model checker, let it expire at any moment). Re-arming replaces it.
    SetTimer {
        /// The timer's name.
        timer: T,
        /// The range the delay is drawn from.
        delay: std::ops::Range<Duration>,
    },
    /// Disarm timer `timer` if it is pending.
    CancelTimer {
        /// The timer's name.
        timer: T,
    },
    /// Make the node's state, as it stands when the handler returns, durable. Drivers write it
    /// before they deliver any message the same handler sent (persist before send).
    Persist,
}

/// The outbox a handler writes its effects into; the driver drains it after the handler returns.
#[derive(Clone, Debug)]
pub struct Effects<M, T> {
    effects: Vec<Effect<M, T>>,
}

impl<M, T> Default for Effects<M, T> {
    fn default() -> Self {
        Effects {
            effects: Vec::new(),
        }
    }
}

impl<M, T> Effects<M, T> {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `msg` to `to`.
    pub fn send(&mut self, to: NodeId, msg: M) {
        self.effects.push(Effect::Send { to, msg });
    }

    /// Sends `msg` to each node of `to`.
    pub fn send_all(&mut self, to: impl IntoIterator<Item = NodeId>, msg: M)
    where
        M: Clone,
    {
        for node in to {
            self.send(node, msg.clone());
        }
    }

    /// Sends `msg` to every node except the sender.
    pub fn broadcast(&mut self, msg: M) {
        self.effects.push(Effect::Broadcast { msg });
    }

    /// Arms `timer` to expire after a delay within `delay`.
    pub fn set_timer(&mut self, timer: T, delay: std::ops::Range<Duration>) {
        self.effects.push(Effect::SetTimer { timer, delay });
    }

    /// Disarms `timer`.
    pub fn cancel_timer(&mut self, timer: T) {
        self.effects.push(Effect::CancelTimer { timer });
    }

    /// Makes the node's state at the end of this handler durable (written before any send).
    pub fn persist(&mut self) {
        self.effects.push(Effect::Persist);
    }

    /// The effects requested so far, in order.
    pub fn effects(&self) -> &[Effect<M, T>] {
        &self.effects
    }

    /// Whether the handler asked for its state to be persisted.
    pub fn persisted(&self) -> bool {
        self.effects.iter().any(|e| matches!(e, Effect::Persist))
    }

    /// Removes and returns all effects, leaving the outbox empty for reuse.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Effect<M, T>> {
        self.effects.drain(..)
    }

    /// Whether no effect was requested.
    pub fn is_empty(&self) -> bool {
        self.effects.is_empty()
    }

    /// Forgets all effects.
    pub fn clear(&mut self) {
        self.effects.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_keep_their_order() {
        let mut out: Effects<u8, u8> = Effects::new();
        out.persist();
        out.send(NodeId(1), 7);
        out.broadcast(8);
        out.set_timer(1, Duration::from_millis(1)..Duration::from_millis(2));
        out.cancel_timer(1);
        assert!(out.persisted());
        let kinds: Vec<_> = out
            .drain()
            .map(|e| match e {
                Effect::Persist => "persist",
                Effect::Send { .. } => "send",
                Effect::Broadcast { .. } => "broadcast",
                Effect::SetTimer { .. } => "set",
                Effect::CancelTimer { .. } => "cancel",
            })
            .collect();
        assert_eq!(kinds, ["persist", "send", "broadcast", "set", "cancel"]);
        assert!(out.is_empty());
    }

    #[test]
    fn node_id_displays_and_indexes() {
        assert_eq!(NodeId(3).to_string(), "n3");
        assert_eq!(NodeId::from(5usize).index(), 5);
    }
}

/// A register operation a client invokes, for protocols that implement a replicated register.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum RegisterOp {
    /// Read the register.
    Read,
    /// Write a value.
    Write(u64),
}

/// The result of a completed register operation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum RegisterOutput {
    /// A read returned this value.
    Read(u64),
    /// A write took effect.
    Written,
}

/// A process with a client interface: some nodes are clients, which invoke operations and, some
/// time later, complete them. Drivers (the simulator's workloads, later the runtime's clients)
/// call [`Service::on_invoke`] to start an operation at a client node and
/// [`Service::poll_completion`] after each of its handlers to collect the result.
pub trait Service: Process {
    /// What a client invokes.
    type Op: Clone + std::fmt::Debug + Send + Sync;
    /// What a completed operation returns.
    type Output: Clone + std::fmt::Debug + Send + Sync;

    /// Whether `node` is a client (clients are not crashed by fault injection).
    fn is_client(&self, node: NodeId) -> bool;

    /// Client `me` starts `op`; a client runs one operation at a time.
    fn on_invoke(
        &self,
        me: NodeId,
        state: &mut Self::State,
        op: Self::Op,
        out: &mut Effects<Self::Msg, Self::Timer>,
    );

    /// The result of the client's operation, once it has completed (taken, so it is returned
    /// once).
    fn poll_completion(&self, state: &mut Self::State) -> Option<Self::Output>;
}

/// A Byzantine node: an adversary that replaces a node's protocol and may drop, alter, replay or
/// invent messages. Drivers hand it every message sent to that node; what it returns is sent in
/// the node's name. `choose(n)` draws a number below `n` from the driver's seeded generator, so
/// runs stay reproducible.
pub trait Adversary<P: Process>: Send + Sync {
    /// A name for reports, e.g. `equivocating acceptor`.
    fn name(&self) -> &str;

    /// Node `me`, under the adversary's control, receives `msg` from `from`; it appends the
    /// messages it sends to `out` as `(receiver, message)`.
    fn on_message(
        &self,
        me: NodeId,
        from: NodeId,
        msg: &P::Msg,
        choose: &mut dyn FnMut(u64) -> u64,
        out: &mut Vec<(NodeId, P::Msg)>,
    );
}

/// A key-value operation a client invokes, for protocols that replicate a key-value store.
/// Values are lists of numbers: `Put` replaces a key's list by `[value]`, `Append` pushes
/// `value` onto it, and `Get` returns it (a missing key reads as the empty list). With unique
/// values, a list records which writes a read saw and in what order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum KvOp {
    /// Read a key.
    Get(u64),
    /// Replace a key's value by `[value]`: `(key, value)`.
    Put(u64, u64),
    /// Append to a key's value: `(key, value)`.
    Append(u64, u64),
    /// Compare and set: if the key's value is `[expected]`, replace it by `[new]`:
    /// `(key, expected, new)`.
    Cas(u64, u64, u64),
}

impl KvOp {
    /// The key the operation touches.
    pub fn key(&self) -> u64 {
        match *self {
            KvOp::Get(key) | KvOp::Put(key, _) | KvOp::Append(key, _) | KvOp::Cas(key, _, _) => key,
        }
    }
}

/// The result of a completed key-value operation.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum KvOutput {
    /// A get returned this list.
    Value(Vec<u64>),
    /// A put or append took effect.
    Done,
    /// A compare-and-set swapped (`true`) or found another value (`false`).
    Swapped(bool),
}
