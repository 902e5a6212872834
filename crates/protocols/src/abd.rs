//! The ABD atomic register (Attiya, Bar-Noy and Dolev, 1995; multi-writer form): a
//! linearizable read/write register replicated on `servers` nodes, any minority of which may
//! crash, used by `clients` client nodes.
//!
//! Every operation has two phases, each waiting for a majority of servers:
//! - a write first queries the servers for their timestamps, then stores its value under a
//!   timestamp above the highest seen (ties broken by the writer's node id);
//! - a read queries the servers for their (timestamp, value) pairs, picks the highest, and
//!   writes it back to a majority before returning it. The write-back is what makes reads
//!   linearizable: without it a read can return a new value and a later read an older one
//!   (the `read-without-write-back` mutant, which the simulator's history check catches).
//!
//! Servers persist before acknowledging a store. Clients resend the current phase's request to
//! servers that have not answered when their `Retry` timer fires, so lost messages delay an
//! operation but do not stall it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

use valence_check::ActorModel;
use valence_core::{
    Effects, NetworkSemantics, NodeId, Process, RegisterOp, RegisterOutput, Service,
};

/// A write's timestamp: a sequence number, then the writer's node id to break ties.
pub type Timestamp = (u32, u16);

/// ABD messages. `op` is the client's operation number, so stale replies are ignored.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AbdMsg {
    /// Client to server: send me your timestamp and value.
    Query {
        /// The client's operation number.
        op: u32,
    },
    /// Server to client: my timestamp and value.
    QueryReply {
        /// The client's operation number.
        op: u32,
        /// The server's timestamp.
        ts: Timestamp,
        /// The server's value.
        value: u64,
    },
    /// Client to server: adopt this value if its timestamp is newer.
    Store {
        /// The client's operation number.
        op: u32,
        /// The timestamp.
        ts: Timestamp,
        /// The value.
        value: u64,
    },
    /// Server to client: stored (or already had something newer).
    StoreAck {
        /// The client's operation number.
        op: u32,
    },
}

impl fmt::Debug for AbdMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbdMsg::Query { op } => write!(f, "Query(op {op})"),
            AbdMsg::QueryReply { op, ts, value } => {
                write!(
                    f,
                    "QueryReply(op {op}, ts {}.{}, value {value})",
                    ts.0, ts.1
                )
            }
            AbdMsg::Store { op, ts, value } => {
                write!(f, "Store(op {op}, ts {}.{}, value {value})", ts.0, ts.1)
            }
            AbdMsg::StoreAck { op } => write!(f, "StoreAck(op {op})"),
        }
    }
}

/// ABD timers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum AbdTimer {
    /// A client resends its current request to the servers that have not answered.
    Retry,
}

/// The phase of a client's operation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Phase {
    /// Waiting for a majority of `QueryReply`s.
    Query,
    /// Waiting for a majority of `StoreAck`s.
    Store,
}

/// A client's operation in progress.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Pending {
    /// What was invoked.
    pub op: RegisterOp,
    /// Its phase.
    pub phase: Phase,
    /// Servers (by index) that answered the current phase.
    pub answered: u64,
    /// The highest (timestamp, value) seen in the query phase.
    pub highest: (Timestamp, u64),
    /// What the store phase stores.
    pub store: (Timestamp, u64),
}

/// A node's state.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum AbdNode {
    /// A replica of the register.
    Server {
        /// The timestamp of the value held.
        ts: Timestamp,
        /// The value held.
        value: u64,
    },
    /// A client.
    Client {
        /// The number of the current (or last) operation.
        op: u32,
        /// The operation in progress.
        pending: Option<Pending>,
        /// The result of the last operation, until the driver takes it.
        completed: Option<RegisterOutput>,
    },
}

/// Seeded bugs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AbdMutant {
    /// Reads return the highest value seen without writing it back to a majority.
    ReadWithoutWriteBack,
}

/// The ABD process: servers are nodes `0..servers`, clients the rest.
#[derive(Clone, Debug)]
pub struct Abd {
    /// Number of servers.
    pub servers: usize,
    /// Number of clients.
    pub clients: usize,
    /// A seeded bug, if any.
    pub mutant: Option<AbdMutant>,
}

fn retry_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(40)..Duration::from_millis(80)
}

impl Abd {
    fn majority(&self) -> usize {
        self.servers / 2 + 1
    }

    fn server_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.servers).map(NodeId::from)
    }

    /// Sends the current phase's request to every server that has not answered it.
    fn send_phase(&self, op: u32, pending: &Pending, out: &mut Effects<AbdMsg, AbdTimer>) {
        let msg = match pending.phase {
            Phase::Query => AbdMsg::Query { op },
            Phase::Store => AbdMsg::Store {
                op,
                ts: pending.store.0,
                value: pending.store.1,
            },
        };
        let waiting = self
            .server_ids()
            .filter(|s| pending.answered & (1 << s.index()) == 0);
        out.send_all(waiting, msg);
        out.set_timer(AbdTimer::Retry, retry_delay());
    }

    fn complete(
        pending: &Pending,
        completed: &mut Option<RegisterOutput>,
        out: &mut Effects<AbdMsg, AbdTimer>,
    ) {
        *completed = Some(match pending.op {
            RegisterOp::Read => RegisterOutput::Read(pending.store.1),
            RegisterOp::Write(_) => RegisterOutput::Written,
        });
        out.cancel_timer(AbdTimer::Retry);
    }
}

impl Process for Abd {
    type Msg = AbdMsg;
    type State = AbdNode;
    type Timer = AbdTimer;

    fn init(&self, me: NodeId, _out: &mut Effects<AbdMsg, AbdTimer>) -> AbdNode {
        if me.index() < self.servers {
            AbdNode::Server {
                ts: (0, 0),
                value: 0,
            }
        } else {
            AbdNode::Client {
                op: 0,
                pending: None,
                completed: None,
            }
        }
    }

    fn on_message(
        &self,
        me: NodeId,
        state: &mut AbdNode,
        from: NodeId,
        msg: AbdMsg,
        out: &mut Effects<AbdMsg, AbdTimer>,
    ) {
        match (state, msg) {
            (AbdNode::Server { ts, value }, AbdMsg::Query { op }) => {
                out.send(
                    from,
                    AbdMsg::QueryReply {
                        op,
                        ts: *ts,
                        value: *value,
                    },
                );
            }
            (
                AbdNode::Server { ts, value },
                AbdMsg::Store {
                    op,
                    ts: new_ts,
                    value: new_value,
                },
            ) => {
                if new_ts > *ts {
                    *ts = new_ts;
                    *value = new_value;
                    out.persist();
                }
                out.send(from, AbdMsg::StoreAck { op });
            }
            (
                AbdNode::Client {
                    op: current,
                    pending: pending_slot,
                    completed,
                },
                reply,
            ) => {
                let Some(pending) = pending_slot.as_mut() else {
                    return;
                };
                let server = from.index();
                if server >= self.servers || pending.answered & (1 << server) != 0 {
                    return;
                }
                match reply {
                    AbdMsg::QueryReply { op, ts, value }
                        if op == *current && pending.phase == Phase::Query =>
                    {
                        pending.answered |= 1 << server;
                        if (ts, value) > pending.highest {
                            pending.highest = (ts, value);
                        }
                        if pending.answered.count_ones() as usize >= self.majority() {
                            pending.store = match pending.op {
                                RegisterOp::Read => pending.highest,
                                RegisterOp::Write(v) => ((pending.highest.0 .0 + 1, me.0), v),
                            };
                            let skip = pending.op == RegisterOp::Read
                                && self.mutant == Some(AbdMutant::ReadWithoutWriteBack);
                            if skip {
                                Abd::complete(pending, completed, out);
                                *pending_slot = None;
                                return;
                            }
                            pending.phase = Phase::Store;
                            pending.answered = 0;
                            self.send_phase(*current, pending, out);
                        }
                    }
                    AbdMsg::StoreAck { op } if op == *current && pending.phase == Phase::Store => {
                        pending.answered |= 1 << server;
                        if pending.answered.count_ones() as usize >= self.majority() {
                            Abd::complete(pending, completed, out);
                            *pending_slot = None;
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn on_timer(
        &self,
        _me: NodeId,
        state: &mut AbdNode,
        _timer: AbdTimer,
        out: &mut Effects<AbdMsg, AbdTimer>,
    ) {
        if let AbdNode::Client {
            op,
            pending: Some(pending),
            ..
        } = state
        {
            self.send_phase(*op, pending, out);
        }
    }

    fn on_restart(
        &self,
        me: NodeId,
        durable: &AbdNode,
        out: &mut Effects<AbdMsg, AbdTimer>,
    ) -> AbdNode {
        match durable {
            AbdNode::Server { .. } => durable.clone(),
            AbdNode::Client { .. } => self.init(me, out),
        }
    }
}

impl Service for Abd {
    type Op = RegisterOp;
    type Output = RegisterOutput;

    fn is_client(&self, node: NodeId) -> bool {
        node.index() >= self.servers
    }

    fn on_invoke(
        &self,
        _me: NodeId,
        state: &mut AbdNode,
        invoked: RegisterOp,
        out: &mut Effects<AbdMsg, AbdTimer>,
    ) {
        let AbdNode::Client { op, pending, .. } = state else {
            panic!("operations are invoked at clients only");
        };
        assert!(pending.is_none(), "a client runs one operation at a time");
        *op += 1;
        let started = Pending {
            op: invoked,
            phase: Phase::Query,
            answered: 0,
            highest: ((0, 0), 0),
            store: ((0, 0), 0),
        };
        self.send_phase(*op, &started, out);
        *pending = Some(started);
    }

    fn poll_completion(&self, state: &mut AbdNode) -> Option<RegisterOutput> {
        match state {
            AbdNode::Client { completed, .. } => completed.take(),
            AbdNode::Server { .. } => None,
        }
    }
}

/// The ABD model for the simulator. Its correctness condition is linearizability of the
/// recorded client history, which the simulator's register workload checks with
/// valence-history; the model itself carries no state property.
pub fn model(abd: Abd) -> ActorModel<Abd> {
    let names = (0..abd.servers + abd.clients)
        .map(|i| {
            if i < abd.servers {
                format!("server{i}")
            } else {
                format!("client{}", i - abd.servers)
            }
        })
        .collect();
    let nodes = abd.servers + abd.clients;
    ActorModel::new(abd, nodes)
        .network(NetworkSemantics::UNORDERED)
        .node_names(names)
}
