//! Virtual synchrony: a group membership service with view-synchronous multicast, in the style
//! of Isis (Birman and Joseph, 1987) and of the view-synchronous communication that Chockler,
//! Keidar and Vitenberg survey ("Group communication specifications", 2001).
//!
//! The members of a group see a sequence of *views* (a view id and a membership). Members
//! multicast messages to the members of their current view and deliver them on receipt. A view
//! change runs a *flush*:
//!
//! 1. The coordinator, the lowest-id node it does not suspect, proposes a new view (the nodes it
//!    believes alive) with a fresh id and sends `FlushReq` to its members. It stops multicasting
//!    and delivering in its old view.
//! 2. A member that accepts the proposal stops too (it is *blocked*) and answers `FlushOk` with
//!    its current view and the messages it delivered in it (its unstable messages).
//! 3. Once every proposed member has answered, the coordinator computes, for each old view, the
//!    union of what its members delivered, and sends `NewView` with those unions.
//! 4. A member delivers the union of its old view that it has not delivered yet, then installs the
//!    new view.
//!
//! The seed states two properties, checked here word for word over history variables:
//! `sent-view-delivery` ("a message is delivered in the view it was sent in",
//! `send(p, m, v) ∧ deliver(q, m, v') → v = v'`) and `view-synchrony` ("two processes that move
//! from view v to view v' delivered the same set of messages in v", the seed's message stability
//! and Chockler et al.'s virtual synchrony). `view-order` adds the seed's "all processes see the
//! same sequence of views": view ids increase at every process, a process is a member of every
//! view it installs, and two processes that install a view with the same id install the same
//! membership. `view-change-completes` and `all-delivered` are `sometimes` goals.
//!
//! View ids are `(epoch, coordinator)` pairs, ordered lexicographically, and a proposal needs the
//! answers of its members only, not of a majority: this is the *partitionable* flavour of the
//! survey (Transis, Horus), where both sides of a partition may install views concurrently and
//! merge afterwards, rather than Isis's primary component. A new view may merge members coming
//! from several old views; the flush computes one union per old view.
//!
//! Failure detection is the only part that differs between drivers. Under the model checker
//! ([`Detector::Suspicions`]) every node may come to suspect any other at any moment, for good
//! (an unreliable failure detector), and view changes are bounded by `max_epoch`. Under the
//! simulator ([`Detector::Heartbeats`]) nodes send heartbeats, suspect silent nodes after a
//! timeout, retry stalled view changes, relay messages of the current view they delivered (so
//! lost multicasts are repaired), and re-admit nodes that restart after a crash: a restarted
//! node is a new incarnation that joins through a view change.
//!
//! History variables, which the protocol never reads, record for every process the views it
//! installed (with the view it came from) and the messages it delivered in each, and for every
//! message the view it was sent in. They are persisted with the rest, so that a crash does not
//! erase what happened.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

use valence_check::{ActorModel, ActorState, Property};
use valence_core::{Effects, FaultModel, NetworkSemantics, NodeId, Process};

/// The most nodes a group may have (memberships are bit sets of 32 bits).
pub const NODES_MAX: usize = 32;

/// A view's identifier: an epoch and the coordinator that proposed it, ordered by epoch first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ViewId {
    /// The epoch: one more than any the coordinator had seen.
    pub epoch: u32,
    /// The node that proposed the view.
    pub coordinator: u16,
}

impl fmt::Debug for ViewId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}", self.epoch, self.coordinator)
    }
}

/// A view: its id and its members, a bit set of node ids.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct View {
    /// The id.
    pub id: ViewId,
    /// The members: bit `i` for node `i`.
    pub members: u32,
}

impl View {
    /// Whether `node` is a member.
    pub fn contains(&self, node: NodeId) -> bool {
        self.members & bit(node) != 0
    }

    fn others(&self, me: NodeId) -> impl Iterator<Item = NodeId> {
        let members = self.members & !bit(me);
        (0..NODES_MAX as u16)
            .map(NodeId)
            .filter(move |&n| members & bit(n) != 0)
    }
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let members: Vec<String> = (0..NODES_MAX)
            .filter(|i| self.members & (1 << i) != 0)
            .map(|i| i.to_string())
            .collect();
        write!(f, "{:?}{{{}}}", self.id, members.join(","))
    }
}

fn bit(node: NodeId) -> u32 {
    1 << node.0
}

/// An application message: its sender and the sender's sequence number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MsgId {
    /// The sender.
    pub sender: u16,
    /// The sender's sequence number (0, 1, ...).
    pub seq: u8,
}

impl fmt::Debug for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}.{}", self.sender, self.seq)
    }
}

/// History: a view a process installed, the view it moved from, and what it delivered in it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ViewRecord {
    /// The view.
    pub view: View,
    /// The view the process was in when it installed this one; `None` when it joined (at the
    /// start or after a restart).
    pub from: Option<ViewId>,
    /// The messages delivered in this view, sorted (a set).
    pub delivered: Vec<MsgId>,
}

impl fmt::Debug for ViewRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}{:?}", self.view, self.delivered)
    }
}

/// A member's answer to a flush, as its coordinator keeps it.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Ack {
    /// Who answered.
    pub node: u16,
    /// Its view (`None`: it is joining).
    pub from: Option<ViewId>,
    /// What it delivered in that view.
    pub delivered: Vec<MsgId>,
}

/// A view change the node coordinates.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Proposal {
    /// The proposed view.
    pub view: View,
    /// The answers so far, the coordinator's own included.
    pub acks: Vec<Ack>,
}

/// The state of a group member.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// Whether the node is in a view: false for a node that has not joined yet or has restarted.
    pub joined: bool,
    /// History (and, when `joined`, the current view: the last record). Ids increase.
    pub views: Vec<ViewRecord>,
    /// The highest view id this node has accepted as a proposal or installed; it accepts only
    /// higher proposals (so a duplicated `FlushReq` cannot be answered twice).
    pub promise: ViewId,
    /// Whether the node answered the flush of `promise` and waits for its `NewView`: it neither
    /// sends nor delivers in its current view meanwhile.
    pub blocked: bool,
    /// The view change this node coordinates, if any.
    pub proposal: Option<Proposal>,
    /// The nodes this node suspects (bit set).
    pub suspects: u32,
    /// The highest epoch this node has heard of.
    pub epoch_seen: u32,
    /// Heartbeats: per node, how many heartbeats in a row reported another view than this
    /// node's (or a blocked node); empty under [`Detector::Suspicions`].
    pub mismatches: Vec<u8>,
    /// History: the view each message this node sent was sent in, by sequence number.
    pub sent: Vec<ViewId>,
}

impl Member {
    /// The current view, when the node is in one.
    pub fn current(&self) -> Option<&ViewRecord> {
        self.views.last().filter(|_| self.joined)
    }

    fn current_mut(&mut self) -> Option<&mut ViewRecord> {
        if self.joined {
            self.views.last_mut()
        } else {
            None
        }
    }

    /// Whether the node may multicast and deliver in its current view.
    fn active(&self) -> bool {
        self.joined && !self.blocked
    }
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.current() {
            Some(record) => write!(f, "in {record:?}")?,
            None => write!(f, "out")?,
        }
        if self.blocked {
            write!(f, " blocked on {:?}", self.promise)?;
        }
        if let Some(proposal) = &self.proposal {
            let acks: Vec<u16> = proposal.acks.iter().map(|a| a.node).collect();
            write!(f, " proposing {:?} acks {acks:?}", proposal.view)?;
        }
        if self.suspects != 0 {
            let suspects: Vec<usize> = (0..NODES_MAX)
                .filter(|i| self.suspects & (1 << i) != 0)
                .collect();
            write!(f, " suspects {suspects:?}")?;
        }
        write!(f, " sent {}", self.sent.len())?;
        if self.views.len() > 1 {
            write!(f, " history {:?}", &self.views[..self.views.len() - 1])?;
        }
        Ok(())
    }
}

/// Messages between members.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum VsyncMsg {
    /// An application message multicast in view `view`.
    Data {
        /// The view it was sent in.
        view: ViewId,
        /// The message.
        id: MsgId,
    },
    /// The coordinator proposes `view` and asks for the members' unstable messages.
    FlushReq {
        /// The proposed view.
        view: View,
    },
    /// A member accepts a proposal and reports what it delivered in its view.
    FlushOk {
        /// The proposal accepted.
        proposal: ViewId,
        /// The member's view (`None`: it is joining).
        from: Option<ViewId>,
        /// What it delivered there.
        delivered: Vec<MsgId>,
    },
    /// The coordinator installs `view`; members first deliver the union of their old view.
    NewView {
        /// The new view.
        view: View,
        /// Per old view, the union of what its members delivered in it.
        unions: Vec<(ViewId, Vec<MsgId>)>,
    },
    /// (Heartbeats only.) The sender is alive; its view, whether it is blocked, the highest
    /// epoch it knows, and what it delivered in its view (for repair of lost multicasts).
    Heartbeat {
        /// The sender's view.
        view: Option<ViewId>,
        /// Whether the sender is blocked in a flush.
        blocked: bool,
        /// The highest epoch the sender knows.
        epoch: u32,
        /// What the sender delivered in its view.
        delivered: Vec<MsgId>,
    },
}

/// Timers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum VsyncTimer {
    /// Multicast the next application message.
    Send,
    /// Suspect this node (under heartbeats: it has been silent for too long).
    Suspect(u16),
    /// (Heartbeats only.) Send heartbeats.
    Heartbeat,
    /// (Heartbeats only.) A flush may have stalled: the coordinator starts over.
    Retry,
}

/// How nodes come to suspect each other.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Detector {
    /// Untimed, for the model checker: each node may suspect any other at any moment, and keeps
    /// suspecting it.
    Suspicions,
    /// Timed, for the simulator: heartbeats, timeouts, retries and repair.
    Heartbeats,
}

/// Seeded bugs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum VsyncMutant {
    /// The coordinator installs the new view without the unions of unstable messages: a member
    /// that missed a message of the old view moves on without it.
    SkipFlush,
    /// A member delivers a late message of an older view in the view it is in now.
    DeliverInNextView,
}

/// The virtual synchrony process: every node is a group member.
#[derive(Clone, Debug)]
pub struct Vsync {
    /// Number of nodes.
    pub nodes: usize,
    /// Nodes `0..initial_members` form the first view; the others join through view changes.
    pub initial_members: usize,
    /// Application messages each node multicasts.
    pub messages: u8,
    /// No view is proposed with a higher epoch (the first view has epoch 1).
    pub max_epoch: u32,
    /// States with more messages in flight are not expanded (a bound for model checking).
    pub max_in_flight: usize,
    /// States where the nodes suspect more than this many nodes in all are not expanded (a bound
    /// for model checking).
    pub max_suspicions: u32,
    /// How suspicion arises.
    pub detector: Detector,
    /// A seeded bug, if any.
    pub mutant: Option<VsyncMutant>,
}

fn send_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(50)..Duration::from_millis(150)
}

fn heartbeat_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(50)..Duration::from_millis(50)
}

fn suspect_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(150)..Duration::from_millis(200)
}

fn retry_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(250)..Duration::from_millis(350)
}

/// Heartbeats in a row that must report another view (or a blocked member) before the
/// coordinator starts a view change: one or two may be stale, sent before a `NewView` arrived.
const MISMATCHES_MAX: u8 = 3;

/// Inserts `id` into the sorted set `set`.
fn insert(set: &mut Vec<MsgId>, id: MsgId) {
    if let Err(at) = set.binary_search(&id) {
        set.insert(at, id);
    }
}

impl Vsync {
    /// The first view: nodes `0..initial_members`, epoch 1, coordinated by node 0.
    pub fn initial_view(&self) -> View {
        View {
            id: ViewId {
                epoch: 1,
                coordinator: 0,
            },
            members: ((1u64 << self.initial_members) - 1) as u32,
        }
    }

    fn everyone(&self) -> u32 {
        ((1u64 << self.nodes) - 1) as u32
    }

    fn others(&self, me: NodeId) -> impl Iterator<Item = NodeId> {
        (0..self.nodes).map(NodeId::from).filter(move |&n| n != me)
    }

    fn timed(&self) -> bool {
        self.detector == Detector::Heartbeats
    }

    /// The nodes `me` believes alive: everyone it does not suspect, itself included.
    fn alive(&self, me: NodeId, s: &Member) -> u32 {
        (self.everyone() & !s.suspects) | bit(me)
    }

    /// Whether `me` is the coordinator: the lowest-id node it believes alive.
    fn coordinates(&self, me: NodeId, s: &Member) -> bool {
        self.alive(me, s).trailing_zeros() == u32::from(me.0)
    }

    /// Arms the timers a node starts with (at init and after a restart) and looks at the group.
    fn start(&self, me: NodeId, s: &mut Member, out: &mut Effects<VsyncMsg, VsyncTimer>) {
        if s.sent.len() < usize::from(self.messages) {
            out.set_timer(VsyncTimer::Send, send_delay());
        }
        for other in self.others(me) {
            out.set_timer(VsyncTimer::Suspect(other.0), suspect_delay());
        }
        if self.timed() {
            out.set_timer(VsyncTimer::Heartbeat, heartbeat_delay());
        }
        self.reconsider(me, s, out);
        out.persist();
    }

    /// After a change in what `me` knows: the coordinator starts a view change when the alive
    /// nodes differ from its view's members (or from the view change under way); a node that is
    /// no longer the coordinator gives its view change up.
    fn reconsider(&self, me: NodeId, s: &mut Member, out: &mut Effects<VsyncMsg, VsyncTimer>) {
        let alive = self.alive(me, s);
        if !self.coordinates(me, s) {
            if s.proposal.take().is_some() {
                // Nobody else can install this proposal, so leaving it is safe.
                s.blocked = false;
            }
            return;
        }
        match &s.proposal {
            Some(proposal) if proposal.view.members == alive => {}
            Some(_) => self.propose(me, s, out),
            // Blocked on another coordinator's view change: wait for it (or for `Retry`).
            None if s.blocked => {}
            None => {
                if s.current().is_none_or(|r| r.view.members != alive) {
                    self.propose(me, s, out);
                }
            }
        }
    }

    /// `me` proposes a view of the nodes it believes alive, with a fresh id.
    fn propose(&self, me: NodeId, s: &mut Member, out: &mut Effects<VsyncMsg, VsyncTimer>) {
        let epoch = s.epoch_seen.max(s.promise.epoch) + 1;
        if epoch > self.max_epoch {
            return;
        }
        let view = View {
            id: ViewId {
                epoch,
                coordinator: me.0,
            },
            members: self.alive(me, s),
        };
        assert!(
            view.id > s.promise,
            "{me}: proposal {view:?} not above {s:?}"
        );
        s.epoch_seen = epoch;
        s.promise = view.id;
        s.blocked = true;
        let own = Ack {
            node: me.0,
            from: s.current().map(|r| r.view.id),
            delivered: s.current().map_or(Vec::new(), |r| r.delivered.clone()),
        };
        s.proposal = Some(Proposal {
            view,
            acks: vec![own],
        });
        out.send_all(view.others(me), VsyncMsg::FlushReq { view });
        if self.timed() {
            out.set_timer(VsyncTimer::Retry, retry_delay());
        }
        self.try_install(me, s, out);
    }

    /// The coordinator installs its proposal once every member has answered.
    fn try_install(&self, me: NodeId, s: &mut Member, out: &mut Effects<VsyncMsg, VsyncTimer>) {
        let complete = s
            .proposal
            .as_ref()
            .is_some_and(|p| p.acks.len() == p.view.members.count_ones() as usize);
        if !complete {
            return;
        }
        let proposal = s.proposal.take().expect("a complete proposal");
        let mut unions: Vec<(ViewId, Vec<MsgId>)> = Vec::new();
        if self.mutant != Some(VsyncMutant::SkipFlush) {
            for ack in &proposal.acks {
                let Some(from) = ack.from else { continue };
                let at = match unions.binary_search_by_key(&from, |(v, _)| *v) {
                    Ok(at) => at,
                    Err(at) => {
                        unions.insert(at, (from, Vec::new()));
                        at
                    }
                };
                for &id in &ack.delivered {
                    insert(&mut unions[at].1, id);
                }
            }
        }
        let view = proposal.view;
        out.send_all(
            view.others(me),
            VsyncMsg::NewView {
                view,
                unions: unions.clone(),
            },
        );
        self.install(me, s, view, &unions, out);
    }

    /// `me` delivers the union of its old view, then installs `view`.
    fn install(
        &self,
        me: NodeId,
        s: &mut Member,
        view: View,
        unions: &[(ViewId, Vec<MsgId>)],
        out: &mut Effects<VsyncMsg, VsyncTimer>,
    ) {
        assert!(s.blocked, "{me} installs {view:?} without a flush: {s:?}");
        assert_eq!(s.promise, view.id, "{me} installs a view it did not accept");
        assert!(
            view.contains(me),
            "{me} installs {view:?}, which excludes it"
        );
        let from = match s.current_mut() {
            Some(record) => {
                if let Some((_, union)) = unions.iter().find(|(v, _)| *v == record.view.id) {
                    for &id in union {
                        insert(&mut record.delivered, id);
                    }
                }
                Some(record.view.id)
            }
            None => None,
        };
        s.views.push(ViewRecord {
            view,
            from,
            delivered: Vec::new(),
        });
        s.joined = true;
        s.blocked = false;
        s.proposal = None;
        s.epoch_seen = s.epoch_seen.max(view.id.epoch);
        s.mismatches.iter_mut().for_each(|m| *m = 0);
        if s.sent.len() < usize::from(self.messages) {
            out.set_timer(VsyncTimer::Send, send_delay());
        }
        self.reconsider(me, s, out);
    }

    /// `me` hears from `from`: under heartbeats, `from` is alive.
    fn heard(&self, s: &mut Member, from: NodeId, out: &mut Effects<VsyncMsg, VsyncTimer>) -> bool {
        if !self.timed() {
            return false;
        }
        out.set_timer(VsyncTimer::Suspect(from.0), suspect_delay());
        let was = s.suspects & bit(from) != 0;
        s.suspects &= !bit(from);
        was
    }

    fn multicast(&self, me: NodeId, s: &mut Member, out: &mut Effects<VsyncMsg, VsyncTimer>) {
        let id = MsgId {
            sender: me.0,
            seq: s.sent.len() as u8,
        };
        let record = s.current_mut().expect("an active member is in a view");
        let view = record.view;
        insert(&mut record.delivered, id);
        s.sent.push(view.id);
        out.send_all(view.others(me), VsyncMsg::Data { view: view.id, id });
    }
}

impl Process for Vsync {
    type Msg = VsyncMsg;
    type State = Member;
    type Timer = VsyncTimer;

    fn init(&self, me: NodeId, out: &mut Effects<VsyncMsg, VsyncTimer>) -> Member {
        assert!(self.nodes <= NODES_MAX, "at most {NODES_MAX} nodes");
        assert!(
            self.initial_members <= self.nodes,
            "initial members are nodes"
        );
        let initial = self.initial_view();
        let joined = initial.contains(me);
        let mut s = Member {
            joined,
            views: if joined {
                vec![ViewRecord {
                    view: initial,
                    from: None,
                    delivered: Vec::new(),
                }]
            } else {
                Vec::new()
            },
            promise: if joined {
                initial.id
            } else {
                ViewId {
                    epoch: 0,
                    coordinator: 0,
                }
            },
            blocked: false,
            proposal: None,
            suspects: 0,
            epoch_seen: initial.id.epoch,
            mismatches: if self.timed() {
                vec![0; self.nodes]
            } else {
                Vec::new()
            },
            sent: Vec::new(),
        };
        self.start(me, &mut s, out);
        s
    }

    fn on_message(
        &self,
        me: NodeId,
        s: &mut Member,
        from: NodeId,
        msg: VsyncMsg,
        out: &mut Effects<VsyncMsg, VsyncTimer>,
    ) {
        let unsuspected = self.heard(s, from, out);
        match msg {
            VsyncMsg::Data { view, id } => {
                let current = s.current().map(|r| r.view.id);
                let late = self.mutant == Some(VsyncMutant::DeliverInNextView)
                    && current.is_some_and(|c| view < c);
                if s.active() && (current == Some(view) || late) {
                    let record = s.current_mut().expect("active");
                    insert(&mut record.delivered, id);
                }
            }
            VsyncMsg::FlushReq { view } => {
                s.epoch_seen = s.epoch_seen.max(view.id.epoch);
                if view.contains(me) && view.id > s.promise {
                    // A higher proposal supersedes the one this node coordinates, if any.
                    s.proposal = None;
                    s.promise = view.id;
                    s.blocked = true;
                    out.send(
                        from,
                        VsyncMsg::FlushOk {
                            proposal: view.id,
                            from: s.current().map(|r| r.view.id),
                            delivered: s.current().map_or(Vec::new(), |r| r.delivered.clone()),
                        },
                    );
                    if self.timed() {
                        out.set_timer(VsyncTimer::Retry, retry_delay());
                    }
                }
            }
            VsyncMsg::FlushOk {
                proposal,
                from: old,
                delivered,
            } => {
                if let Some(p) = &mut s.proposal {
                    let known = p.acks.iter().any(|a| a.node == from.0);
                    if p.view.id == proposal && p.view.contains(from) && !known {
                        let at = p.acks.partition_point(|a| a.node < from.0);
                        p.acks.insert(
                            at,
                            Ack {
                                node: from.0,
                                from: old,
                                delivered,
                            },
                        );
                        self.try_install(me, s, out);
                    }
                }
            }
            VsyncMsg::NewView { view, unions } => {
                if s.blocked && s.promise == view.id {
                    self.install(me, s, view, &unions, out);
                }
            }
            VsyncMsg::Heartbeat {
                view,
                blocked,
                epoch,
                delivered,
            } => {
                s.epoch_seen = s.epoch_seen.max(epoch);
                let current = s.current().map(|r| r.view);
                if s.active() && view.is_some() && view == current.map(|v| v.id) {
                    // The sender is in this view: deliver what it delivered (a relay).
                    let record = s.current_mut().expect("active");
                    for id in delivered {
                        insert(&mut record.delivered, id);
                    }
                }
                let watching = self.coordinates(me, s)
                    && s.active()
                    && s.proposal.is_none()
                    && current.is_some_and(|v| v.contains(from));
                if watching && !unsuspected && self.timed() {
                    let i = from.index();
                    if view != current.map(|v| v.id) || blocked {
                        s.mismatches[i] += 1;
                        if s.mismatches[i] >= MISMATCHES_MAX {
                            s.mismatches[i] = 0;
                            self.propose(me, s, out);
                        }
                    } else {
                        s.mismatches[i] = 0;
                    }
                }
            }
        }
        if unsuspected {
            self.reconsider(me, s, out);
        }
        out.persist();
    }

    fn on_timer(
        &self,
        me: NodeId,
        s: &mut Member,
        timer: VsyncTimer,
        out: &mut Effects<VsyncMsg, VsyncTimer>,
    ) {
        match timer {
            VsyncTimer::Send => {
                if s.active() && s.sent.len() < usize::from(self.messages) {
                    self.multicast(me, s, out);
                }
                if s.sent.len() < usize::from(self.messages) {
                    out.set_timer(VsyncTimer::Send, send_delay());
                }
            }
            VsyncTimer::Suspect(node) => {
                s.suspects |= bit(NodeId(node));
                self.reconsider(me, s, out);
            }
            VsyncTimer::Heartbeat => {
                let current = s.current();
                let heartbeat = VsyncMsg::Heartbeat {
                    view: current.map(|r| r.view.id),
                    blocked: s.blocked,
                    epoch: s.epoch_seen,
                    delivered: current.map_or(Vec::new(), |r| r.delivered.clone()),
                };
                out.send_all(self.others(me), heartbeat);
                out.set_timer(VsyncTimer::Heartbeat, heartbeat_delay());
            }
            VsyncTimer::Retry => {
                if s.blocked {
                    if self.coordinates(me, s) {
                        self.propose(me, s, out);
                    } else {
                        self.reconsider(me, s, out);
                    }
                    if s.blocked {
                        out.set_timer(VsyncTimer::Retry, retry_delay());
                    }
                }
            }
        }
        out.persist();
    }

    /// A restarted node is a new incarnation outside any view: it keeps its history, its promise
    /// (so that it answers no proposal twice), the epochs it knows and its sequence numbers, and
    /// joins again through a view change.
    fn on_restart(
        &self,
        me: NodeId,
        durable: &Member,
        out: &mut Effects<VsyncMsg, VsyncTimer>,
    ) -> Member {
        let mut s = Member {
            joined: false,
            blocked: false,
            proposal: None,
            suspects: 0,
            mismatches: vec![0; durable.mismatches.len()],
            ..durable.clone()
        };
        self.start(me, &mut s, out);
        s
    }
}

/// The virtual synchrony model as checked by `valence check vsync`.
pub type VsyncModel = ActorModel<Vsync>;

/// The messages sent in view `view`, by any node.
fn sent_in(s: &ActorState<Vsync>, view: ViewId) -> Vec<MsgId> {
    let mut ids = Vec::new();
    for (sender, node) in s.nodes.iter().enumerate() {
        for (seq, sent) in node.sent.iter().enumerate() {
            if *sent == view {
                ids.push(MsgId {
                    sender: sender as u16,
                    seq: seq as u8,
                });
            }
        }
    }
    ids.sort_unstable();
    ids
}

/// Builds the model with the seed's properties, the view order, and the `sometimes` goals.
pub fn model(vsync: Vsync, faults: FaultModel) -> VsyncModel {
    assert!(vsync.nodes >= 1, "a group has a node");
    let nodes = vsync.nodes;
    ActorModel::new(vsync, nodes)
        .network(NetworkSemantics::UNORDERED)
        .faults(faults)
        .within(|m: &VsyncModel, s: &ActorState<Vsync>| {
            let suspicions: u32 = s.nodes.iter().map(|n| n.suspects.count_ones()).sum();
            s.network.len() <= m.process.max_in_flight && suspicions <= m.process.max_suspicions
        })
        .property(Property::always(
            "sent-view-delivery",
            |_, s: &ActorState<Vsync>| {
                // send(p, m, v) ∧ deliver(q, m, v') → v = v'.
                s.nodes.iter().all(|node| {
                    node.views.iter().all(|record| {
                        record.delivered.iter().all(|m| {
                            s.nodes[usize::from(m.sender)].sent.get(usize::from(m.seq))
                                == Some(&record.view.id)
                        })
                    })
                })
            },
        ))
        .property(Property::always(
            "view-synchrony",
            |_, s: &ActorState<Vsync>| {
                // Two processes that move from view v to view v' delivered the same set of
                // messages in v.
                let mut moves: Vec<(ViewId, ViewId, &Vec<MsgId>)> = Vec::new();
                for node in &s.nodes {
                    for pair in node.views.windows(2) {
                        if pair[1].from == Some(pair[0].view.id) {
                            moves.push((pair[0].view.id, pair[1].view.id, &pair[0].delivered));
                        }
                    }
                }
                moves.sort_unstable_by_key(|(from, to, _)| (*from, *to));
                moves
                    .windows(2)
                    .all(|w| (w[0].0, w[0].1) != (w[1].0, w[1].1) || w[0].2 == w[1].2)
            },
        ))
        .property(Property::always(
            "view-order",
            |_, s: &ActorState<Vsync>| {
                // View ids increase at each process, each installs only views it is a member
                // of, and a view id names one membership everywhere.
                let mut views: Vec<View> = Vec::new();
                for (i, node) in s.nodes.iter().enumerate() {
                    let increasing = node.views.windows(2).all(|w| w[0].view.id < w[1].view.id);
                    let member = node.views.iter().all(|r| r.view.contains(NodeId::from(i)));
                    if !increasing || !member {
                        return false;
                    }
                    views.extend(node.views.iter().map(|r| r.view));
                }
                views.sort_unstable();
                views.dedup();
                views.windows(2).all(|w| w[0].id != w[1].id)
            },
        ))
        .property(Property::sometimes(
            "view-change-completes",
            |m: &VsyncModel, s: &ActorState<Vsync>| {
                // Every member of some view after the first has installed it.
                let initial = m.process.initial_view().id;
                s.nodes.iter().any(|node| {
                    node.views.iter().any(|r| {
                        r.view.id != initial
                            && (0..m.node_count).all(|j| {
                                !r.view.contains(NodeId::from(j))
                                    || s.nodes[j].views.iter().any(|o| o.view.id == r.view.id)
                            })
                    })
                })
            },
        ))
        .property(Property::sometimes(
            "all-delivered",
            |m: &VsyncModel, s: &ActorState<Vsync>| {
                // Every node is up and active in one view of all nodes, has multicast all its
                // messages, and has delivered every message sent in that view.
                let everyone = m.process.everyone();
                let Some(view) = s.nodes[0].current().map(|r| r.view) else {
                    return false;
                };
                let expected = sent_in(s, view.id);
                view.members == everyone
                    && s.crashed.iter().all(|c| !c)
                    && s.nodes.iter().all(|node| {
                        node.active()
                            && node.sent.len() == usize::from(m.process.messages)
                            && node
                                .current()
                                .is_some_and(|r| r.view == view && r.delivered == expected)
                    })
            },
        ))
        .decisions(|m: &VsyncModel, s: &ActorState<Vsync>| {
            // View changes completed: distinct views after the first that someone installed.
            let initial = m.process.initial_view().id;
            let mut ids: Vec<ViewId> = s
                .nodes
                .iter()
                .flat_map(|n| n.views.iter().map(|r| r.view.id))
                .filter(|id| *id != initial)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len() as u64
        })
}

#[cfg(test)]
mod tests {
    use valence_core::Effect;

    use super::*;

    fn group(detector: Detector) -> Vsync {
        Vsync {
            nodes: 3,
            initial_members: 3,
            messages: 1,
            max_epoch: 2,
            max_in_flight: 8,
            max_suspicions: 2,
            detector,
            mutant: None,
        }
    }

    fn sent(out: &mut Effects<VsyncMsg, VsyncTimer>) -> Vec<(NodeId, VsyncMsg)> {
        out.drain()
            .filter_map(|e| match e {
                Effect::Send { to, msg } => Some((to, msg)),
                _ => None,
            })
            .collect()
    }

    fn proposal(members: u32) -> View {
        View {
            id: ViewId {
                epoch: 2,
                coordinator: 0,
            },
            members,
        }
    }

    #[test]
    fn a_duplicated_flush_request_is_answered_once_and_blocks() {
        let vsync = group(Detector::Suspicions);
        let mut out = Effects::new();
        let mut s = vsync.init(NodeId(1), &mut out);
        out.clear();
        let request = VsyncMsg::FlushReq {
            view: proposal(0b011),
        };
        vsync.on_message(NodeId(1), &mut s, NodeId(0), request.clone(), &mut out);
        let answers = sent(&mut out);
        assert_eq!(answers.len(), 1);
        assert!(matches!(
            answers[0].1,
            VsyncMsg::FlushOk { from: Some(_), .. }
        ));
        assert!(s.blocked);
        vsync.on_message(NodeId(1), &mut s, NodeId(0), request, &mut out);
        assert!(sent(&mut out).is_empty(), "answered twice");
        // Blocked: a message of the old view is not delivered, and nothing is multicast.
        let data = VsyncMsg::Data {
            view: vsync.initial_view().id,
            id: MsgId { sender: 2, seq: 0 },
        };
        vsync.on_message(NodeId(1), &mut s, NodeId(2), data, &mut out);
        vsync.on_timer(NodeId(1), &mut s, VsyncTimer::Send, &mut out);
        assert!(sent(&mut out).is_empty());
        assert!(s.current().unwrap().delivered.is_empty());
    }

    #[test]
    fn a_new_view_delivers_the_union_of_the_old_view_first() {
        let vsync = group(Detector::Suspicions);
        let mut out = Effects::new();
        let mut s = vsync.init(NodeId(1), &mut out);
        let view = proposal(0b011);
        vsync.on_message(
            NodeId(1),
            &mut s,
            NodeId(0),
            VsyncMsg::FlushReq { view },
            &mut out,
        );
        let m = MsgId { sender: 0, seq: 0 };
        let unions = vec![(vsync.initial_view().id, vec![m])];
        vsync.on_message(
            NodeId(1),
            &mut s,
            NodeId(0),
            VsyncMsg::NewView { view, unions },
            &mut out,
        );
        assert_eq!(s.views.len(), 2);
        assert_eq!(s.views[0].delivered, vec![m]);
        assert_eq!(s.views[1].from, Some(vsync.initial_view().id));
        assert_eq!(s.current().unwrap().view, view);
        assert!(!s.blocked);
    }

    #[test]
    fn the_coordinator_proposes_the_nodes_it_does_not_suspect() {
        let vsync = group(Detector::Suspicions);
        let mut out = Effects::new();
        let mut s = vsync.init(NodeId(0), &mut out);
        out.clear();
        vsync.on_timer(NodeId(0), &mut s, VsyncTimer::Suspect(1), &mut out);
        let requests = sent(&mut out);
        assert_eq!(
            requests,
            vec![(
                NodeId(2),
                VsyncMsg::FlushReq {
                    view: proposal(0b101)
                }
            )]
        );
        // The epoch bound (one view change) stops a second proposal.
        vsync.on_timer(NodeId(0), &mut s, VsyncTimer::Suspect(2), &mut out);
        assert!(sent(&mut out).is_empty());
    }

    #[test]
    fn a_restarted_member_is_out_of_its_view_and_answers_no_old_proposal() {
        let vsync = group(Detector::Heartbeats);
        let mut out = Effects::new();
        let mut s = vsync.init(NodeId(2), &mut out);
        let view = proposal(0b111);
        vsync.on_message(
            NodeId(2),
            &mut s,
            NodeId(0),
            VsyncMsg::FlushReq { view },
            &mut out,
        );
        out.clear();
        let restarted = vsync.on_restart(NodeId(2), &s, &mut out);
        assert!(!restarted.joined && !restarted.blocked);
        assert_eq!(restarted.views, s.views, "history survives");
        let mut restarted = restarted;
        out.clear();
        vsync.on_message(
            NodeId(2),
            &mut restarted,
            NodeId(0),
            VsyncMsg::FlushReq { view },
            &mut out,
        );
        assert!(sent(&mut out)
            .iter()
            .all(|(_, m)| !matches!(m, VsyncMsg::FlushOk { .. })));
    }
}
