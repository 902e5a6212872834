//! Multi-Paxos with a replicated key-value store, in the structure of "Paxos Made Moderately
//! Complex" (van Renesse and Altinbuken, 2015): acceptors, leaders (with their scout for phase 1
//! and one commander per slot for phase 2) and replicas. Every server plays all three roles, so
//! a leader talks to its own acceptor and replica by function call and to the others by message;
//! clients are separate nodes.
//!
//! Nodes `0..servers` are servers, the rest clients. The protocol:
//!
//! - A client sends its command (`kv::Command`: client, sequence number, `KvOp`) to every server
//!   and resends it, with the same sequence number, when its `Retry` timer fires. It completes
//!   when a server answers with the output of the applied command.
//! - Leader election is phase 1 (the scout): a server whose `Lead` timer fires picks a ballot
//!   `(round, id)` above every ballot it has seen and sends `Prepare` to the acceptors. An acceptor
//!   adopts a higher ballot, persists it, and answers `Promise` with its accepted pvalues. With a
//!   majority of promises the leader is active for that ballot and runs phase 1 no more: one
//!   phase 1 per ballot, then phase 2 for as many slots as it likes.
//! - On adoption the leader takes, per slot, the pvalue of the highest ballot reported (what its
//!   own replica already knows decided wins), fills every gap below the highest such slot with a
//!   no-op, and runs phase 2 for every slot not known decided.
//! - Phase 2 is pipelined: the active leader gives each new client command the next free slot at
//!   once and sends `Accept` (2a) for it, without waiting for earlier slots. An acceptor accepts
//!   a pvalue whose ballot is at least the one it adopted, persists, and answers `Accepted` (2b).
//!   A majority decides the slot: the leader's replica learns it and the others get `Decision`.
//! - Preemption: an answer carrying a higher ballot (or the server's own acceptor adopting one)
//!   makes the leader idle; it tries a higher ballot only when its `Lead` timer fires, after a
//!   randomized back-off. Heartbeats from the active leader keep other servers' `Lead` timers
//!   from firing, and carry how many slots the leader knows decided, so that a lagging replica
//!   (one that lost `Decision`s or restarted) asks for the rest (`CatchUp`, `Decisions`). The
//!   leader also resends `Accept` for undecided slots with each heartbeat, so lost messages
//!   delay a slot but do not stall it.
//! - Replicas apply decided commands in slot order to a [`KvStore`], whose client sessions make
//!   application exactly-once: a command decided in two slots (a retry after a leader change)
//!   is applied once, and a retry of an applied command is answered from the session table.
//!
//! Acceptors persist their ballot and accepted pvalues before answering; a restarted server
//! keeps only that (and the history variables) and rebuilds its replica by catching up.
//!
//! Runs are bounded for model checking: ballots up to round `max_round`, slots up to
//! `max_slots`, `client_ops` commands per client (clients that run their own script, for the
//! checker; 0 for the simulator, whose workload invokes operations), and at most
//! `max_messages` messages in flight.
//!
//! History variables, which the protocol never reads: each server records the `(slot, entry)`
//! pairs its commanders decided (persisted, so a crash does not erase them) and each replica the
//! sequence of entries it applied.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

use valence_check::{ActorModel, ActorState, Property};
use valence_core::{
    Effects, FaultModel, KvOp, KvOutput, NetworkSemantics, NodeId, Process, Service,
};

use crate::kv::{Command, KvStore};

/// A slot of the replicated log, from 1.
pub type Slot = u32;

/// A ballot: a round, then the id of the leader that owns it, so ballots are unique and totally
/// ordered. `Ballot::default()` (round 0) is below every real ballot.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Ballot {
    /// The round.
    pub round: u32,
    /// The leader (server id) that owns the ballot.
    pub leader: u16,
}

impl fmt::Debug for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}.{}", self.round, self.leader)
    }
}

/// What a slot holds: a client command or a no-op (a new leader's filler for a gap).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Entry {
    /// Nothing to apply.
    Noop,
    /// A client command.
    Cmd(Command),
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Noop => write!(f, "noop"),
            Entry::Cmd(c) => write!(f, "n{}#{}", c.client, c.seq),
        }
    }
}

/// A pvalue: an acceptor accepted `entry` for `slot` in `ballot`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PValue {
    /// The slot.
    pub slot: Slot,
    /// The ballot.
    pub ballot: Ballot,
    /// The entry.
    pub entry: Entry,
}

impl fmt::Debug for PValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{:?}:{:?}", self.slot, self.ballot, self.entry)
    }
}

/// Multi-Paxos messages.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum MpMsg {
    /// Client to servers: please apply this command.
    Request {
        /// The command.
        cmd: Command,
    },
    /// Server to client: the output of your command `seq`.
    Response {
        /// The command's sequence number.
        seq: u32,
        /// What applying it returned.
        output: KvOutput,
    },
    /// Phase 1a (the scout).
    Prepare {
        /// The ballot.
        ballot: Ballot,
    },
    /// Phase 1b: the acceptor's ballot (the scout's if adopted, a higher one if not) and its
    /// accepted pvalues.
    Promise {
        /// The acceptor's ballot.
        ballot: Ballot,
        /// Its accepted pvalues, one per slot (the highest ballot), sorted by slot.
        accepted: Vec<PValue>,
    },
    /// Phase 2a (a commander).
    Accept {
        /// The ballot.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
        /// The entry.
        entry: Entry,
    },
    /// Phase 2b: the acceptor's ballot (the commander's if accepted, a higher one if not).
    Accepted {
        /// The acceptor's ballot.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
    },
    /// A leader to the replicas: `slot` is decided.
    Decision {
        /// The slot.
        slot: Slot,
        /// The decided entry.
        entry: Entry,
    },
    /// The active leader is alive and knows slots `1..=decided` decided.
    Heartbeat {
        /// The leader's ballot.
        ballot: Ballot,
        /// How many slots, from 1, the leader's replica knows decided.
        decided: Slot,
    },
    /// A lagging replica asks for the decisions from slot `from` on.
    CatchUp {
        /// The first slot the replica misses.
        from: Slot,
    },
    /// Decisions of consecutive slots from `first`.
    Decisions {
        /// The slot of the first entry.
        first: Slot,
        /// The entries.
        entries: Vec<Entry>,
    },
}

/// Multi-Paxos timers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum MpTimer {
    /// A server that is not the active leader tries a higher ballot (an election timeout, a
    /// scout's timeout and a preempted leader's back-off in one).
    Lead,
    /// The active leader sends heartbeats and resends `Accept` for undecided slots.
    Heartbeat,
    /// A client resends its command.
    Retry,
}

/// A leader's proposal for one slot, with its commander's progress.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Proposal {
    /// The proposed entry.
    pub entry: Entry,
    /// The acceptors (by server id) that accepted it in the leader's ballot.
    pub acks: u64,
}

/// What a server's leader is doing.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Phase {
    /// Not leading: waits for its `Lead` timer.
    Idle,
    /// Phase 1 for the leader's ballot.
    Scouting {
        /// The acceptors that adopted the ballot.
        promised: u64,
        /// The pvalues they reported, the highest ballot per slot, sorted by slot.
        pvalues: Vec<PValue>,
    },
    /// Adopted: phase 2 for any number of slots.
    Active,
}

/// The leader role of a server (volatile).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Leader {
    /// The ballot it leads or tries to lead.
    pub ballot: Ballot,
    /// What it is doing.
    pub phase: Phase,
    /// While active: the proposal for slot `i + 1` at index `i`.
    pub proposals: Vec<Proposal>,
    /// The highest round seen in any message, so the next ballot is above it.
    pub seen_round: u32,
}

/// The replica role of a server (volatile: rebuilt by catching up after a restart).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Replica {
    /// The decision for slot `i + 1` at index `i`, if known.
    pub decisions: Vec<Option<Entry>>,
    /// The next slot to apply.
    pub slot_out: Slot,
    /// The key-value store with its client sessions.
    pub kv: KvStore,
    /// History: the entries applied, in the order applied.
    pub applied: Vec<Entry>,
}

impl Replica {
    fn new() -> Self {
        Replica {
            decisions: Vec::new(),
            slot_out: 1,
            kv: KvStore::default(),
            applied: Vec::new(),
        }
    }

    /// How many slots from 1 on are known decided without a gap.
    pub fn decided_prefix(&self) -> Slot {
        self.decisions.iter().take_while(|d| d.is_some()).count() as Slot
    }

    fn decision(&self, slot: Slot) -> Option<Entry> {
        self.decisions.get(slot as usize - 1).copied().flatten()
    }
}

/// A server: acceptor, leader and replica.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Server {
    /// Acceptor (durable): the highest ballot adopted.
    pub ballot: Ballot,
    /// Acceptor (durable): the accepted pvalue of the highest ballot per slot, sorted by slot.
    pub accepted: Vec<PValue>,
    /// The leader role.
    pub leader: Leader,
    /// The replica role.
    pub replica: Replica,
    /// History (durable): the `(slot, entry)` pairs this server's commanders decided, sorted.
    pub chosen: Vec<(Slot, Entry)>,
}

/// A client.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Client {
    /// The sequence number of the current (or last) command.
    pub seq: u32,
    /// The operation in progress.
    pub pending: Option<KvOp>,
    /// The output of the last operation, until the driver takes it.
    pub completed: Option<KvOutput>,
}

/// A node's state.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum MpNode {
    /// A server.
    Server(Server),
    /// A client.
    Client(Client),
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ballot {:?}, accepted {:?}", self.ballot, self.accepted)?;
        match &self.leader.phase {
            Phase::Idle => {}
            Phase::Scouting { promised, pvalues } => write!(
                f,
                "; scouting {:?}, promised {promised:#b}, pvalues {pvalues:?}",
                self.leader.ballot
            )?,
            Phase::Active => {
                let proposals: Vec<String> = self
                    .leader
                    .proposals
                    .iter()
                    .map(|p| format!("{:?} acks {:#b}", p.entry, p.acks))
                    .collect();
                write!(
                    f,
                    "; leading {:?}, proposals [{}]",
                    self.leader.ballot,
                    proposals.join(", ")
                )?;
            }
        }
        write!(
            f,
            "; decisions {:?}, applied {:?}, chosen {:?}",
            self.replica.decisions, self.replica.applied, self.chosen
        )
    }
}

impl fmt::Debug for MpNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MpNode::Server(s) => s.fmt(f),
            MpNode::Client(c) => write!(
                f,
                "seq {}, pending {:?}, completed {:?}",
                c.seq, c.pending, c.completed
            ),
        }
    }
}

/// Seeded bugs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MultiPaxosMutant {
    /// An acceptor accepts a pvalue whose ballot is below the one it adopted.
    AcceptLowerBallot,
    /// A newly adopted leader ignores the pvalues its scout collected and proposes new commands
    /// in slots that may already be decided.
    IgnorePvalues,
    /// A replica applies each decision as it arrives instead of in slot order.
    ApplyOutOfOrder,
    /// An acceptor answers `Accept` without persisting the pvalue first, so a crash can erase a
    /// vote that helped decide a slot (needs crashes to show).
    AcceptWithoutPersist,
    /// Replicas apply every decided command without the session check, so a command decided in
    /// two slots is applied twice (caught by the simulator's linearizability check).
    SkipSessionCheck,
}

/// The Multi-Paxos process: servers are nodes `0..servers`, clients the rest.
#[derive(Clone, Debug)]
pub struct MultiPaxos {
    /// Number of servers (each an acceptor, a leader and a replica), at most 64.
    pub servers: usize,
    /// Servers `0..leaders` run for leader (the others are acceptors and replicas only);
    /// clients send their commands to these.
    pub leaders: usize,
    /// Number of clients.
    pub clients: usize,
    /// Commands each client runs by itself from the start (for the model checker); with 0,
    /// clients wait for [`Service::on_invoke`].
    pub client_ops: u32,
    /// The highest ballot round a leader may start.
    pub max_round: u32,
    /// The highest slot a leader may propose in.
    pub max_slots: Slot,
    /// States with more messages in flight between servers are not expanded (a bound for model
    /// checking).
    pub max_messages: usize,
    /// A seeded bug, if any.
    pub mutant: Option<MultiPaxosMutant>,
}

type Out = Effects<MpMsg, MpTimer>;

fn lead_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(150)..Duration::from_millis(300)
}

fn heartbeat_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(50)..Duration::from_millis(50)
}

fn retry_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(200)..Duration::from_millis(400)
}

fn bit(node: NodeId) -> u64 {
    1 << node.index()
}

/// Inserts `pvalue` into `list` (sorted by slot, one per slot), keeping the higher ballot.
fn merge_pvalue(list: &mut Vec<PValue>, pvalue: PValue) {
    match list.binary_search_by_key(&pvalue.slot, |p| p.slot) {
        Ok(at) => {
            if pvalue.ballot > list[at].ballot {
                list[at] = pvalue;
            }
        }
        Err(at) => list.insert(at, pvalue),
    }
}

impl MultiPaxos {
    /// The size of a majority of servers.
    pub fn majority(&self) -> usize {
        self.servers / 2 + 1
    }

    /// Whether `node` is a server.
    pub fn is_server(&self, node: NodeId) -> bool {
        node.index() < self.servers
    }

    /// Whether server `node` runs for leader.
    pub fn can_lead(&self, node: NodeId) -> bool {
        node.index() < self.leaders.min(self.servers)
    }

    fn server_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.servers).map(NodeId::from)
    }

    fn others(&self, me: NodeId) -> impl Iterator<Item = NodeId> {
        self.server_ids().filter(move |&n| n != me)
    }

    /// The command a scripted client runs as its `seq`-th.
    fn scripted_op(me: NodeId, seq: u32) -> KvOp {
        KvOp::Append(0, u64::from(me.0) * 1_000 + u64::from(seq))
    }

    fn invoke(&self, me: NodeId, c: &mut Client, op: KvOp, out: &mut Out) {
        c.seq += 1;
        c.pending = Some(op);
        self.send_request(me, c, out);
    }

    fn send_request(&self, me: NodeId, c: &Client, out: &mut Out) {
        let Some(op) = c.pending else {
            return;
        };
        let cmd = Command {
            client: me.0,
            seq: c.seq,
            op,
        };
        let leaders = (0..self.leaders.min(self.servers)).map(NodeId::from);
        out.send_all(leaders, MpMsg::Request { cmd });
        out.set_timer(MpTimer::Retry, retry_delay());
    }

    fn note_round(s: &mut Server, round: u32) {
        s.leader.seen_round = s.leader.seen_round.max(round);
    }

    /// The leader gives up its ballot: it waits for its `Lead` timer (a randomized back-off)
    /// before it tries a higher one.
    fn preempt(s: &mut Server, out: &mut Out) {
        s.leader.phase = Phase::Idle;
        s.leader.proposals.clear();
        out.cancel_timer(MpTimer::Heartbeat);
        out.set_timer(MpTimer::Lead, lead_delay());
    }

    /// A server heard from a leader (or would-be leader) of a ballot at least its own: it holds
    /// off its own attempt by re-arming its `Lead` timer, as a Raft follower does when it
    /// grants a vote or hears a heartbeat. Servers that cannot lead, or have no ballot left,
    /// have nothing to hold off.
    fn hold_off(&self, me: NodeId, s: &Server, out: &mut Out) {
        let ballots_left = s.leader.seen_round.max(s.ballot.round) < self.max_round;
        if s.leader.phase == Phase::Idle && self.can_lead(me) && ballots_left {
            out.set_timer(MpTimer::Lead, lead_delay());
        }
    }

    /// After the acceptor adopted a higher ballot, a leader of a lower one is preempted.
    fn check_preempted(s: &mut Server, out: &mut Out) {
        if s.leader.phase != Phase::Idle && s.leader.ballot < s.ballot {
            MultiPaxos::preempt(s, out);
        }
    }

    /// Phase 1a: a scout for a ballot above every one seen.
    fn start_scout(&self, me: NodeId, s: &mut Server, out: &mut Out) {
        let round = s.leader.seen_round.max(s.ballot.round).saturating_add(1);
        if round > self.max_round {
            // Out of ballots (a bound for model checking): stay idle for good.
            s.leader.phase = Phase::Idle;
            s.leader.proposals.clear();
            return;
        }
        let ballot = Ballot {
            round,
            leader: me.0,
        };
        s.leader.ballot = ballot;
        s.leader.seen_round = round;
        s.leader.proposals.clear();
        // The local acceptor adopts the ballot (it is above the acceptor's: rounds only grow).
        debug_assert!(ballot > s.ballot);
        s.ballot = ballot;
        out.persist();
        s.leader.phase = Phase::Scouting {
            promised: bit(me),
            pvalues: s.accepted.clone(),
        };
        out.cancel_timer(MpTimer::Heartbeat);
        if self.majority() == 1 {
            self.adopt(me, s, out);
            return;
        }
        out.send_all(self.others(me), MpMsg::Prepare { ballot });
        // If no majority answers in time, the timer tries a higher ballot.
        out.set_timer(MpTimer::Lead, lead_delay());
    }

    /// The scout's ballot is adopted by a majority: propose, per slot, the highest-ballot pvalue
    /// reported, fill the gaps with no-ops, and start a commander for every undecided slot.
    fn adopt(&self, me: NodeId, s: &mut Server, out: &mut Out) {
        let Phase::Scouting { pvalues, .. } = std::mem::replace(&mut s.leader.phase, Phase::Active)
        else {
            return;
        };
        let pvalues = if self.mutant == Some(MultiPaxosMutant::IgnorePvalues) {
            Vec::new()
        } else {
            pvalues
        };
        let known = s.replica.decisions.len() as Slot;
        let highest = pvalues.last().map_or(0, |p| p.slot).max(known);
        let mut proposals = Vec::with_capacity(highest as usize);
        for slot in 1..=highest {
            let reported = pvalues
                .binary_search_by_key(&slot, |p| p.slot)
                .ok()
                .map(|at| pvalues[at].entry);
            let entry = s.replica.decision(slot).or(reported).unwrap_or(Entry::Noop);
            proposals.push(Proposal { entry, acks: 0 });
        }
        s.leader.proposals = proposals;
        out.cancel_timer(MpTimer::Lead);
        out.set_timer(MpTimer::Heartbeat, heartbeat_delay());
        for slot in 1..=highest {
            if s.replica.decision(slot).is_none() {
                self.command(me, s, slot, out);
            }
        }
    }

    /// Phase 2a for `slot`: the local acceptor accepts by function call, the others get
    /// `Accept`.
    fn command(&self, me: NodeId, s: &mut Server, slot: Slot, out: &mut Out) {
        let ballot = s.leader.ballot;
        let entry = s.leader.proposals[slot as usize - 1].entry;
        let reported = self.acceptor_accept(s, ballot, slot, entry, out);
        if reported == ballot {
            self.on_accepted(me, s, me, ballot, slot, out);
        }
        if s.leader.phase == Phase::Active && s.replica.decision(slot).is_none() {
            out.send_all(
                self.others(me),
                MpMsg::Accept {
                    ballot,
                    slot,
                    entry,
                },
            );
        }
    }

    /// Phase 2b at the acceptor: accepts when `ballot` is at least the adopted one, persists,
    /// and returns the ballot to report (the pvalue's if accepted, its own if not).
    fn acceptor_accept(
        &self,
        s: &mut Server,
        ballot: Ballot,
        slot: Slot,
        entry: Entry,
        out: &mut Out,
    ) -> Ballot {
        let allowed =
            ballot >= s.ballot || self.mutant == Some(MultiPaxosMutant::AcceptLowerBallot);
        if !allowed {
            return s.ballot;
        }
        s.ballot = s.ballot.max(ballot);
        let pvalue = PValue {
            slot,
            ballot,
            entry,
        };
        match s.accepted.binary_search_by_key(&slot, |p| p.slot) {
            Ok(at) => s.accepted[at] = pvalue,
            Err(at) => s.accepted.insert(at, pvalue),
        }
        if self.mutant != Some(MultiPaxosMutant::AcceptWithoutPersist) {
            out.persist();
        }
        MultiPaxos::check_preempted(s, out);
        ballot
    }

    /// A commander hears `Accepted` from acceptor `from`.
    fn on_accepted(
        &self,
        me: NodeId,
        s: &mut Server,
        from: NodeId,
        ballot: Ballot,
        slot: Slot,
        out: &mut Out,
    ) {
        MultiPaxos::note_round(s, ballot.round);
        if ballot > s.leader.ballot && s.leader.phase != Phase::Idle {
            MultiPaxos::preempt(s, out);
            return;
        }
        if s.leader.phase != Phase::Active
            || ballot != s.leader.ballot
            || s.replica.decision(slot).is_some()
        {
            return;
        }
        let Some(proposal) = s.leader.proposals.get_mut(slot as usize - 1) else {
            return;
        };
        proposal.acks |= bit(from);
        if proposal.acks.count_ones() as usize >= self.majority() {
            let entry = proposal.entry;
            if let Err(at) = s.chosen.binary_search(&(slot, entry)) {
                s.chosen.insert(at, (slot, entry));
                // Only the history variable needs this: a crash must not erase what was decided.
                out.persist();
            }
            self.learn(s, slot, entry, out);
            out.send_all(self.others(me), MpMsg::Decision { slot, entry });
        }
    }

    /// The replica learns that `slot` holds `entry` and applies what it can. A second, different
    /// decision for a slot (only a broken protocol makes one) is ignored; the `slot-agreement`
    /// property reports it.
    fn learn(&self, s: &mut Server, slot: Slot, entry: Entry, out: &mut Out) {
        let index = slot as usize - 1;
        let replica = &mut s.replica;
        if replica.decisions.len() <= index {
            replica.decisions.resize(index + 1, None);
        }
        if replica.decisions[index].is_some() {
            return;
        }
        replica.decisions[index] = Some(entry);
        let respond = s.leader.phase == Phase::Active;
        if self.mutant == Some(MultiPaxosMutant::ApplyOutOfOrder) {
            self.apply(replica, entry, respond, out);
            replica.slot_out = replica.decided_prefix() + 1;
            return;
        }
        while let Some(entry) = replica.decision(replica.slot_out) {
            self.apply(replica, entry, respond, out);
            replica.slot_out += 1;
        }
    }

    /// Applies one entry to the store; the active leader's replica answers the client.
    fn apply(&self, replica: &mut Replica, entry: Entry, respond: bool, out: &mut Out) {
        replica.applied.push(entry);
        let Entry::Cmd(cmd) = entry else {
            return;
        };
        let output = if self.mutant == Some(MultiPaxosMutant::SkipSessionCheck) {
            Some(replica.kv.execute(cmd.op))
        } else {
            replica.kv.apply(&cmd)
        };
        if let (true, Some(output)) = (respond, output) {
            out.send(
                NodeId(cmd.client),
                MpMsg::Response {
                    seq: cmd.seq,
                    output,
                },
            );
        }
    }

    /// A client's command reaches a server: answered from the session table if already applied,
    /// given the next slot if this server is the active leader and the command is not in
    /// flight, ignored otherwise (the client retries).
    fn on_request(&self, me: NodeId, s: &mut Server, cmd: Command, out: &mut Out) {
        if self.mutant != Some(MultiPaxosMutant::SkipSessionCheck) {
            if let Some((last, output)) = s.replica.kv.sessions.get(&cmd.client) {
                if cmd.seq == *last {
                    let output = output.clone();
                    out.send(
                        NodeId(cmd.client),
                        MpMsg::Response {
                            seq: cmd.seq,
                            output,
                        },
                    );
                    return;
                }
                if cmd.seq < *last {
                    return;
                }
            }
        }
        if s.leader.phase != Phase::Active {
            return;
        }
        // A command whose commander is still running is not proposed again; one decided but
        // not yet applied may be (its session makes the second application a no-op).
        let in_flight = s.leader.proposals.iter().enumerate().any(|(i, p)| {
            p.entry == Entry::Cmd(cmd) && s.replica.decision(i as Slot + 1).is_none()
        });
        let slot = s.leader.proposals.len() as Slot + 1;
        if in_flight || slot > self.max_slots {
            return;
        }
        s.leader.proposals.push(Proposal {
            entry: Entry::Cmd(cmd),
            acks: 0,
        });
        self.command(me, s, slot, out);
    }

    fn on_server_message(
        &self,
        me: NodeId,
        s: &mut Server,
        from: NodeId,
        msg: MpMsg,
        out: &mut Out,
    ) {
        match msg {
            MpMsg::Request { cmd } => self.on_request(me, s, cmd, out),
            MpMsg::Prepare { ballot } => {
                MultiPaxos::note_round(s, ballot.round);
                if ballot > s.ballot {
                    s.ballot = ballot;
                    out.persist();
                    MultiPaxos::check_preempted(s, out);
                    self.hold_off(me, s, out);
                }
                // A refusal (the acceptor adopted a higher ballot) needs no pvalues: it only
                // tells the scout that it is preempted.
                let accepted = if s.ballot == ballot {
                    s.accepted.clone()
                } else {
                    Vec::new()
                };
                out.send(
                    from,
                    MpMsg::Promise {
                        ballot: s.ballot,
                        accepted,
                    },
                );
            }
            MpMsg::Promise { ballot, accepted } => {
                MultiPaxos::note_round(s, ballot.round);
                if ballot > s.leader.ballot && s.leader.phase != Phase::Idle {
                    MultiPaxos::preempt(s, out);
                    return;
                }
                if ballot != s.leader.ballot {
                    return;
                }
                let Phase::Scouting { promised, pvalues } = &mut s.leader.phase else {
                    return;
                };
                if *promised & bit(from) != 0 {
                    return;
                }
                *promised |= bit(from);
                for pvalue in accepted {
                    merge_pvalue(pvalues, pvalue);
                }
                if promised.count_ones() as usize >= self.majority() {
                    self.adopt(me, s, out);
                }
            }
            MpMsg::Accept {
                ballot,
                slot,
                entry,
            } => {
                MultiPaxos::note_round(s, ballot.round);
                let reported = self.acceptor_accept(s, ballot, slot, entry, out);
                out.send(
                    from,
                    MpMsg::Accepted {
                        ballot: reported,
                        slot,
                    },
                );
            }
            MpMsg::Accepted { ballot, slot } => self.on_accepted(me, s, from, ballot, slot, out),
            MpMsg::Decision { slot, entry } => self.learn(s, slot, entry, out),
            MpMsg::Heartbeat { ballot, decided } => {
                MultiPaxos::note_round(s, ballot.round);
                if ballot >= s.ballot {
                    // The current leader is alive: hold off elections.
                    if s.leader.phase != Phase::Idle && s.leader.ballot < ballot {
                        MultiPaxos::preempt(s, out);
                    }
                    self.hold_off(me, s, out);
                }
                let prefix = s.replica.decided_prefix();
                if prefix < decided {
                    out.send(from, MpMsg::CatchUp { from: prefix + 1 });
                }
            }
            MpMsg::CatchUp { from: first } => {
                let prefix = s.replica.decided_prefix();
                if first >= 1 && first <= prefix {
                    let entries = s.replica.decisions[first as usize - 1..prefix as usize]
                        .iter()
                        .map(|d| d.expect("a decided prefix has no gaps"))
                        .collect();
                    out.send(from, MpMsg::Decisions { first, entries });
                }
            }
            MpMsg::Decisions { first, entries } => {
                for (offset, entry) in entries.into_iter().enumerate() {
                    self.learn(s, first + offset as Slot, entry, out);
                }
            }
            MpMsg::Response { .. } => {}
        }
    }

    fn new_server() -> Server {
        Server {
            ballot: Ballot::default(),
            accepted: Vec::new(),
            leader: Leader {
                ballot: Ballot::default(),
                phase: Phase::Idle,
                proposals: Vec::new(),
                seen_round: 0,
            },
            replica: Replica::new(),
            chosen: Vec::new(),
        }
    }
}

impl Process for MultiPaxos {
    type Msg = MpMsg;
    type State = MpNode;
    type Timer = MpTimer;

    fn init(&self, me: NodeId, out: &mut Out) -> MpNode {
        if self.is_server(me) {
            if self.can_lead(me) {
                out.set_timer(MpTimer::Lead, lead_delay());
            }
            return MpNode::Server(MultiPaxos::new_server());
        }
        let mut client = Client {
            seq: 0,
            pending: None,
            completed: None,
        };
        if self.client_ops > 0 {
            self.invoke(me, &mut client, MultiPaxos::scripted_op(me, 1), out);
        }
        MpNode::Client(client)
    }

    fn on_message(&self, me: NodeId, state: &mut MpNode, from: NodeId, msg: MpMsg, out: &mut Out) {
        match state {
            MpNode::Server(s) => {
                // Slots and ballots come from other nodes: ignore what a correct sender never
                // sends (slot 0, a slot past the bound), so bad input cannot panic a handler.
                let bad_slot = match &msg {
                    MpMsg::Accept { slot, .. }
                    | MpMsg::Accepted { slot, .. }
                    | MpMsg::Decision { slot, .. } => *slot == 0 || *slot > self.max_slots,
                    MpMsg::Decisions { first, entries } => {
                        *first == 0
                            || u64::from(*first) + entries.len() as u64
                                > u64::from(self.max_slots) + 1
                    }
                    MpMsg::Promise { accepted, .. } => accepted
                        .iter()
                        .any(|p| p.slot == 0 || p.slot > self.max_slots),
                    _ => false,
                };
                // Only clients send requests, each in its own name; only servers send the rest.
                let bad_sender = match &msg {
                    MpMsg::Request { cmd } => cmd.client != from.0 || self.is_server(from),
                    _ => !self.is_server(from),
                };
                if bad_slot || bad_sender {
                    return;
                }
                self.on_server_message(me, s, from, msg, out);
            }
            MpNode::Client(c) => {
                let MpMsg::Response { seq, output } = msg else {
                    return;
                };
                if c.pending.is_none() || seq != c.seq {
                    return;
                }
                c.pending = None;
                out.cancel_timer(MpTimer::Retry);
                if self.client_ops > 0 {
                    if c.seq < self.client_ops {
                        self.invoke(me, c, MultiPaxos::scripted_op(me, c.seq + 1), out);
                    }
                } else {
                    c.completed = Some(output);
                }
            }
        }
    }

    fn on_timer(&self, me: NodeId, state: &mut MpNode, timer: MpTimer, out: &mut Out) {
        match (state, timer) {
            (MpNode::Server(s), MpTimer::Lead)
                if s.leader.phase != Phase::Active && self.can_lead(me) =>
            {
                self.start_scout(me, s, out);
            }
            (MpNode::Server(s), MpTimer::Heartbeat) => {
                if s.leader.phase != Phase::Active {
                    return;
                }
                let ballot = s.leader.ballot;
                for (i, proposal) in s.leader.proposals.iter().enumerate() {
                    let slot = i as Slot + 1;
                    if s.replica.decision(slot).is_some() {
                        continue;
                    }
                    let waiting = self.others(me).filter(|&n| proposal.acks & bit(n) == 0);
                    out.send_all(
                        waiting,
                        MpMsg::Accept {
                            ballot,
                            slot,
                            entry: proposal.entry,
                        },
                    );
                }
                let decided = s.replica.decided_prefix();
                out.send_all(self.others(me), MpMsg::Heartbeat { ballot, decided });
                out.set_timer(MpTimer::Heartbeat, heartbeat_delay());
            }
            (MpNode::Client(c), MpTimer::Retry) => self.send_request(me, c, out),
            _ => {}
        }
    }

    /// A restarted server keeps its acceptor's ballot and pvalues (and the history of what it
    /// decided); its leader starts idle and its replica empty, to be rebuilt by catching up.
    /// A restarted client starts over.
    fn on_restart(&self, me: NodeId, durable: &MpNode, out: &mut Out) -> MpNode {
        match durable {
            MpNode::Server(d) => {
                if self.can_lead(me) {
                    out.set_timer(MpTimer::Lead, lead_delay());
                }
                let mut s = MultiPaxos::new_server();
                s.ballot = d.ballot;
                s.accepted = d.accepted.clone();
                s.chosen = d.chosen.clone();
                s.leader.seen_round = d.ballot.round;
                MpNode::Server(s)
            }
            MpNode::Client(_) => self.init(me, out),
        }
    }
}

impl Service for MultiPaxos {
    type Op = KvOp;
    type Output = KvOutput;

    fn is_client(&self, node: NodeId) -> bool {
        !self.is_server(node)
    }

    fn on_invoke(&self, me: NodeId, state: &mut MpNode, op: KvOp, out: &mut Out) {
        let MpNode::Client(c) = state else {
            panic!("operations are invoked at clients only, not at server {me}");
        };
        assert!(c.pending.is_none(), "a client runs one operation at a time");
        self.invoke(me, c, op, out);
    }

    fn poll_completion(&self, state: &mut MpNode) -> Option<KvOutput> {
        match state {
            MpNode::Client(c) => c.completed.take(),
            MpNode::Server(_) => None,
        }
    }
}

/// The process as the simulator runs it: every server runs for leader, clients wait for the
/// workload's operations, and ballots, slots and messages are bounded only far beyond what a
/// run uses.
pub fn simulated(servers: usize, clients: usize, mutant: Option<MultiPaxosMutant>) -> MultiPaxos {
    MultiPaxos {
        servers,
        leaders: servers,
        clients,
        client_ops: 0,
        max_round: u32::MAX - 1,
        max_slots: 1_000_000,
        max_messages: usize::MAX,
        mutant,
    }
}

/// The Multi-Paxos model as checked by `valence check multipaxos`.
pub type MultiPaxosModel = ActorModel<MultiPaxos>;

fn servers(s: &ActorState<MultiPaxos>) -> impl Iterator<Item = &Server> {
    s.nodes.iter().filter_map(|n| match &**n {
        MpNode::Server(server) => Some(server),
        MpNode::Client(_) => None,
    })
}

/// Builds the model with its properties: `slot-agreement` (no two different entries are
/// decided in one slot, by any commander or as any replica learned it), `applied-prefix`
/// (every two replicas applied sequences one of which is a prefix of the other), and the
/// `sometimes` property `command-decided`.
pub fn model(
    process: MultiPaxos,
    network: NetworkSemantics,
    faults: FaultModel,
) -> MultiPaxosModel {
    assert!(
        (1..=64).contains(&process.servers),
        "1 to 64 servers, not {}",
        process.servers
    );
    let nodes = process.servers + process.clients;
    let names = (0..nodes)
        .map(|i| {
            if i < process.servers {
                format!("s{i}")
            } else {
                format!("c{}", i - process.servers)
            }
        })
        .collect();
    ActorModel::new(process, nodes)
        .network(network)
        .faults(faults)
        .node_names(names)
        .within(|m: &MultiPaxosModel, s: &ActorState<MultiPaxos>| {
            // Client traffic is bounded by itself (a client's retries repeat one message), so
            // the bound counts messages between servers only.
            let between_servers = s
                .network
                .iter()
                .filter(|e| m.process.is_server(e.from) && m.process.is_server(e.to))
                .count();
            between_servers <= m.process.max_messages
        })
        .property(Property::always(
            "slot-agreement",
            |_, s: &ActorState<MultiPaxos>| {
                let mut decided: Vec<Option<Entry>> = Vec::new();
                let mut agree = |slot: Slot, entry: Entry| {
                    let index = slot as usize - 1;
                    if decided.len() <= index {
                        decided.resize(index + 1, None);
                    }
                    match decided[index] {
                        Some(seen) => seen == entry,
                        None => {
                            decided[index] = Some(entry);
                            true
                        }
                    }
                };
                servers(s).all(|server| {
                    server
                        .chosen
                        .iter()
                        .all(|&(slot, entry)| agree(slot, entry))
                        && server
                            .replica
                            .decisions
                            .iter()
                            .enumerate()
                            .all(|(i, d)| d.is_none_or(|entry| agree(i as Slot + 1, entry)))
                })
            },
        ))
        .property(Property::always(
            "applied-prefix",
            |_, s: &ActorState<MultiPaxos>| {
                servers(s).all(|a| {
                    servers(s).all(|b| {
                        let common = a.replica.applied.len().min(b.replica.applied.len());
                        a.replica.applied[..common] == b.replica.applied[..common]
                    })
                })
            },
        ))
        .property(Property::sometimes(
            "command-decided",
            |_, s: &ActorState<MultiPaxos>| {
                servers(s).any(|server| {
                    server
                        .chosen
                        .iter()
                        .any(|(_, entry)| matches!(entry, Entry::Cmd(_)))
                })
            },
        ))
        .decisions(|_, s: &ActorState<MultiPaxos>| {
            // Slots decided anywhere without a gap (no-ops included: each is a decided slot).
            servers(s)
                .map(|server| u64::from(server.replica.decided_prefix()))
                .max()
                .unwrap_or(0)
        })
}
