//! Single-decree Basic Paxos as actors: proposers, acceptors and learners, following the seed's
//! phases 1a, 1b, 2a and 2b (Lamport, "Paxos Made Simple").
//!
//! Nodes `0..P` are proposers, `P..P+A` acceptors, and the rest learners. Proposer `p` proposes
//! its own value `p + 1`; its `r`-th ballot (from 0) is `r * P + p + 1`, so ballots are unique and
//! positive. A proposer starts a ballot when its `Propose` timer fires, which the model checker
//! lets happen at any moment, up to `rounds` times: this models a proposer that gives up on a
//! ballot and retries with a higher one.
//!
//! - 1a: the proposer sends `Prepare(n)` to every acceptor.
//! - 1b: an acceptor that receives `Prepare(n)` with `n` greater than any ballot it promised
//!   promises `n` and answers `Promise(n, v)` with its highest-numbered accepted proposal.
//! - 2a: a proposer with promises from a majority sends `Accept(n, v)`, where `v` is the value of
//!   the highest-numbered proposal reported, or its own value if none was.
//! - 2b: an acceptor that receives `Accept(n, v)` and has not promised a ballot above `n` accepts
//!   and sends `Accepted(n, v)` to every learner. A learner learns `v` once a majority of
//!   acceptors report `Accepted(n, v)` for one `n`.
//!
//! History variables (never read by the protocol) record every proposal an acceptor accepted and
//! every proposal a proposer issued, so that "chosen" can be stated as the paper states it (a
//! majority of acceptors accepted the same proposal) whatever the network does with messages.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

use valence_check::{ActorModel, ActorState, Property};
use valence_core::{Adversary, Effects, NetworkSemantics, NodeId, Process};

/// A proposal number.
pub type Ballot = u32;
/// A proposed value; proposer `p` proposes `p + 1`, so 0 is never proposed.
pub type Value = u8;

/// Paxos messages.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PaxosMsg {
    /// Phase 1a.
    Prepare {
        /// The ballot.
        ballot: Ballot,
    },
    /// Phase 1b, with the acceptor's highest-numbered accepted proposal.
    Promise {
        /// The ballot promised.
        ballot: Ballot,
        /// The highest-numbered proposal accepted so far.
        accepted: Option<(Ballot, Value)>,
    },
    /// Phase 2a.
    Accept {
        /// The ballot.
        ballot: Ballot,
        /// The value.
        value: Value,
    },
    /// Phase 2b.
    Accepted {
        /// The ballot.
        ballot: Ballot,
        /// The value.
        value: Value,
    },
}

impl fmt::Debug for PaxosMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaxosMsg::Prepare { ballot } => write!(f, "Prepare({ballot})"),
            PaxosMsg::Promise {
                ballot,
                accepted: None,
            } => write!(f, "Promise({ballot}, none)"),
            PaxosMsg::Promise {
                ballot,
                accepted: Some((n, v)),
            } => write!(f, "Promise({ballot}, ({n}, {v}))"),
            PaxosMsg::Accept { ballot, value } => write!(f, "Accept({ballot}, {value})"),
            PaxosMsg::Accepted { ballot, value } => write!(f, "Accepted({ballot}, {value})"),
        }
    }
}

/// Paxos timers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum PaxosTimer {
    /// Start (or restart with a higher ballot) phase 1.
    Propose,
}

/// A proposer's state.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Proposer {
    /// Ballots started so far.
    pub rounds: u32,
    /// The current ballot, 0 before the first.
    pub ballot: Ballot,
    /// Acceptors (by index among acceptors) that promised the current ballot.
    pub promises: u64,
    /// The highest-numbered accepted proposal reported by those promises.
    pub highest: Option<(Ballot, Value)>,
    /// The value sent in phase 2a for the current ballot, if any.
    pub proposed: Option<Value>,
    /// History: every proposal `(ballot, value)` this proposer issued.
    pub proposals: Vec<(Ballot, Value)>,
}

/// An acceptor's state.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Acceptor {
    /// The highest ballot promised (0 for none).
    pub promised: Ballot,
    /// The highest-numbered proposal accepted.
    pub accepted: Option<(Ballot, Value)>,
    /// History: every proposal accepted, sorted.
    pub votes: Vec<(Ballot, Value)>,
}

/// A learner's state.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Learner {
    /// Per proposal, the acceptors (by index) that reported accepting it; sorted.
    pub tallies: Vec<((Ballot, Value), u64)>,
    /// Proposals that a majority accepted, sorted.
    pub learned: Vec<(Ballot, Value)>,
}

/// A Paxos node's state, by role.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum PaxosNode {
    /// A proposer.
    Proposer(Proposer),
    /// An acceptor.
    Acceptor(Acceptor),
    /// A learner.
    Learner(Learner),
}

fn proposal(p: Option<(Ballot, Value)>) -> String {
    p.map_or("none".to_string(), |(n, v)| format!("({n}, {v})"))
}

fn acceptor_set(bits: u64) -> String {
    let members: Vec<String> = (0..64)
        .filter(|i| bits & (1 << i) != 0)
        .map(|i| format!("a{i}"))
        .collect();
    format!("{{{}}}", members.join(", "))
}

fn proposals_list(list: &[(Ballot, Value)]) -> String {
    let items: Vec<String> = list.iter().map(|&p| proposal(Some(p))).collect();
    format!("[{}]", items.join(", "))
}

impl fmt::Debug for Proposer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ballot {} (round {}), promises {}, highest {}, proposed {}, history {}",
            self.ballot,
            self.rounds,
            acceptor_set(self.promises),
            proposal(self.highest),
            self.proposed.map_or("none".to_string(), |v| v.to_string()),
            proposals_list(&self.proposals)
        )
    }
}

impl fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "promised {}, accepted {}, history {}",
            self.promised,
            proposal(self.accepted),
            proposals_list(&self.votes)
        )
    }
}

impl fmt::Debug for Learner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tallies: Vec<String> = self
            .tallies
            .iter()
            .map(|&(p, bits)| format!("{} by {}", proposal(Some(p)), acceptor_set(bits)))
            .collect();
        write!(
            f,
            "accepted [{}], learned {}",
            tallies.join(", "),
            proposals_list(&self.learned)
        )
    }
}

impl fmt::Debug for PaxosNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaxosNode::Proposer(p) => p.fmt(f),
            PaxosNode::Acceptor(a) => a.fmt(f),
            PaxosNode::Learner(l) => l.fmt(f),
        }
    }
}

/// Seeded bugs the checker must catch.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PaxosMutant {
    /// An acceptor accepts a lower-numbered proposal after promising a higher one.
    AcceptDespitePromise,
    /// A proposer picks its own value although a promise reported an accepted one.
    IgnorePromisedValue,
    /// An acceptor that has accepted nothing reports an uninitialised proposal `(0, 0)` in its
    /// promise, and the proposer adopts the value 0 that nobody proposed.
    PromiseUninitializedValue,
    /// An acceptor answers `Prepare` without persisting its promise first, so after a crash it
    /// accepts a proposal numbered below the one it promised (needs crashes to show).
    ForgetPromise,
}

/// The Paxos process: roles by node id.
#[derive(Clone, Debug)]
pub struct Paxos {
    /// Number of proposers.
    pub proposers: usize,
    /// Number of acceptors.
    pub acceptors: usize,
    /// Number of learners.
    pub learners: usize,
    /// Ballots each proposer may start.
    pub rounds: u32,
    /// A seeded bug, if any.
    pub mutant: Option<PaxosMutant>,
}

impl Paxos {
    /// The size of a majority of acceptors.
    pub fn majority(&self) -> usize {
        self.acceptors / 2 + 1
    }

    /// The total number of nodes.
    pub fn nodes(&self) -> usize {
        self.proposers + self.acceptors + self.learners
    }

    fn acceptor_ids(&self) -> impl Iterator<Item = NodeId> {
        (self.proposers..self.proposers + self.acceptors).map(NodeId::from)
    }

    fn learner_ids(&self) -> impl Iterator<Item = NodeId> {
        (self.proposers + self.acceptors..self.nodes()).map(NodeId::from)
    }

    /// The value proposer `p` proposes.
    pub fn input(p: usize) -> Value {
        Value::try_from(p + 1).expect("at most 254 proposers")
    }

    fn start_ballot(&self, me: NodeId, p: &mut Proposer, out: &mut Effects<PaxosMsg, PaxosTimer>) {
        if p.rounds >= self.rounds {
            return;
        }
        p.ballot = p.rounds * self.proposers as u32 + u32::from(me.0) + 1;
        p.rounds += 1;
        p.promises = 0;
        p.highest = None;
        p.proposed = None;
        // A restarted proposer must not reuse a ballot.
        out.persist();
        out.send_all(self.acceptor_ids(), PaxosMsg::Prepare { ballot: p.ballot });
        if p.rounds < self.rounds {
            out.set_timer(PaxosTimer::Propose, retry_delay());
        }
    }
}

fn retry_delay() -> std::ops::Range<std::time::Duration> {
    std::time::Duration::from_millis(50)..std::time::Duration::from_millis(150)
}

impl Process for Paxos {
    type Msg = PaxosMsg;
    type State = PaxosNode;
    type Timer = PaxosTimer;

    fn init(&self, me: NodeId, out: &mut Effects<PaxosMsg, PaxosTimer>) -> PaxosNode {
        let i = me.index();
        if i < self.proposers {
            out.set_timer(PaxosTimer::Propose, retry_delay());
            PaxosNode::Proposer(Proposer {
                rounds: 0,
                ballot: 0,
                promises: 0,
                highest: None,
                proposed: None,
                proposals: Vec::new(),
            })
        } else if i < self.proposers + self.acceptors {
            PaxosNode::Acceptor(Acceptor {
                promised: 0,
                accepted: None,
                votes: Vec::new(),
            })
        } else {
            PaxosNode::Learner(Learner {
                tallies: Vec::new(),
                learned: Vec::new(),
            })
        }
    }

    fn on_message(
        &self,
        me: NodeId,
        state: &mut PaxosNode,
        from: NodeId,
        msg: PaxosMsg,
        out: &mut Effects<PaxosMsg, PaxosTimer>,
    ) {
        match (state, msg) {
            // Phase 1b.
            (PaxosNode::Acceptor(a), PaxosMsg::Prepare { ballot }) if ballot > a.promised => {
                a.promised = ballot;
                if self.mutant != Some(PaxosMutant::ForgetPromise) {
                    out.persist();
                }
                let accepted = match (a.accepted, self.mutant) {
                    (None, Some(PaxosMutant::PromiseUninitializedValue)) => Some((0, 0)),
                    (accepted, _) => accepted,
                };
                out.send(from, PaxosMsg::Promise { ballot, accepted });
            }
            // Phase 2a.
            (PaxosNode::Proposer(p), PaxosMsg::Promise { ballot, accepted }) => {
                if ballot != p.ballot || p.proposed.is_some() {
                    return;
                }
                let index = from.index() - self.proposers;
                p.promises |= 1 << index;
                if accepted.is_some_and(|(n, _)| p.highest.is_none_or(|(h, _)| n > h)) {
                    p.highest = accepted;
                }
                if p.promises.count_ones() as usize >= self.majority() {
                    let own = Paxos::input(me.index());
                    let value = match (p.highest, self.mutant) {
                        (_, Some(PaxosMutant::IgnorePromisedValue)) => own,
                        (Some((_, v)), _) => v,
                        (None, _) => own,
                    };
                    p.proposed = Some(value);
                    p.proposals.push((ballot, value));
                    // A restarted proposer must not propose a second value in this ballot.
                    out.persist();
                    out.send_all(self.acceptor_ids(), PaxosMsg::Accept { ballot, value });
                }
            }
            // Phase 2b.
            (PaxosNode::Acceptor(a), PaxosMsg::Accept { ballot, value }) => {
                let allowed =
                    ballot >= a.promised || self.mutant == Some(PaxosMutant::AcceptDespitePromise);
                if allowed {
                    a.promised = a.promised.max(ballot);
                    a.accepted = Some((ballot, value));
                    if let Err(at) = a.votes.binary_search(&(ballot, value)) {
                        a.votes.insert(at, (ballot, value));
                    }
                    out.persist();
                    out.send_all(self.learner_ids(), PaxosMsg::Accepted { ballot, value });
                }
            }
            // Learning.
            (PaxosNode::Learner(l), PaxosMsg::Accepted { ballot, value }) => {
                let index = from.index() - self.proposers;
                let key = (ballot, value);
                let position = match l.tallies.binary_search_by(|(k, _)| k.cmp(&key)) {
                    Ok(at) => at,
                    Err(at) => {
                        l.tallies.insert(at, (key, 0));
                        at
                    }
                };
                l.tallies[position].1 |= 1 << index;
                if l.tallies[position].1.count_ones() as usize >= self.majority() {
                    if let Err(at) = l.learned.binary_search(&key) {
                        l.learned.insert(at, key);
                    }
                }
            }
            // Anything else (a stale or misrouted message) is ignored.
            _ => {}
        }
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut PaxosNode,
        timer: PaxosTimer,
        out: &mut Effects<PaxosMsg, PaxosTimer>,
    ) {
        if let (PaxosNode::Proposer(p), PaxosTimer::Propose) = (state, timer) {
            self.start_ballot(me, p, out);
        }
    }

    /// Proposers and acceptors come back with what they persisted (a proposer also re-arms its
    /// timer if it has ballots left); learners keep nothing and relearn from new `Accepted`s.
    fn on_restart(
        &self,
        me: NodeId,
        durable: &PaxosNode,
        out: &mut Effects<PaxosMsg, PaxosTimer>,
    ) -> PaxosNode {
        match durable {
            PaxosNode::Proposer(p) => {
                if p.rounds < self.rounds {
                    out.set_timer(PaxosTimer::Propose, retry_delay());
                }
                durable.clone()
            }
            PaxosNode::Acceptor(_) => durable.clone(),
            PaxosNode::Learner(_) => self.init(me, &mut Effects::new()),
        }
    }
}

/// A Byzantine acceptor that lies in both phases: it promises every ballot while claiming to
/// have accepted nothing (so a new proposer may pick a fresh value), and it reports every
/// proposal it is sent as accepted. Paxos tolerates crashes, not lies: with one such acceptor
/// among three, two values get chosen.
#[derive(Clone, Debug)]
pub struct EquivocatingAcceptor {
    /// The learners it reports to.
    pub learners: Vec<NodeId>,
}

impl Paxos {
    /// The equivocating adversary for this configuration.
    pub fn equivocating_acceptor(&self) -> EquivocatingAcceptor {
        EquivocatingAcceptor {
            learners: self.learner_ids().collect(),
        }
    }

    /// The node id of acceptor `index`.
    pub fn acceptor(&self, index: usize) -> NodeId {
        assert!(
            index < self.acceptors,
            "acceptor {index} of {}",
            self.acceptors
        );
        NodeId::from(self.proposers + index)
    }
}

impl Adversary<Paxos> for EquivocatingAcceptor {
    fn name(&self) -> &str {
        "equivocating acceptor"
    }

    fn on_message(
        &self,
        _me: NodeId,
        from: NodeId,
        msg: &PaxosMsg,
        _choose: &mut dyn FnMut(u64) -> u64,
        out: &mut Vec<(NodeId, PaxosMsg)>,
    ) {
        match *msg {
            PaxosMsg::Prepare { ballot } => out.push((
                from,
                PaxosMsg::Promise {
                    ballot,
                    accepted: None,
                },
            )),
            PaxosMsg::Accept { ballot, value } => {
                for &to in &self.learners {
                    out.push((to, PaxosMsg::Accepted { ballot, value }));
                }
            }
            _ => {}
        }
    }
}

/// The Paxos model as checked by `valence check paxos`.
pub type PaxosModel = ActorModel<Paxos>;

fn acceptors(s: &ActorState<Paxos>) -> impl Iterator<Item = &Acceptor> {
    s.nodes.iter().filter_map(|n| match &**n {
        PaxosNode::Acceptor(a) => Some(a),
        _ => None,
    })
}

fn proposals(s: &ActorState<Paxos>) -> impl Iterator<Item = (Ballot, Value)> + '_ {
    s.nodes
        .iter()
        .flat_map(|n| match &**n {
            PaxosNode::Proposer(p) => p.proposals.as_slice(),
            _ => &[],
        })
        .copied()
}

fn learned(s: &ActorState<Paxos>) -> impl Iterator<Item = (Ballot, Value)> + '_ {
    s.nodes
        .iter()
        .flat_map(|n| match &**n {
            PaxosNode::Learner(l) => l.learned.as_slice(),
            _ => &[],
        })
        .copied()
}

/// The proposals accepted by a majority of acceptors: the chosen ones, as the paper defines it.
pub fn chosen(paxos: &Paxos, s: &ActorState<Paxos>) -> Vec<(Ballot, Value)> {
    let mut chosen = Vec::new();
    for_each_chosen(paxos, s, |proposal| chosen.push(proposal));
    chosen.sort_unstable();
    chosen
}

/// Calls `f` once per chosen proposal, in order, without allocating: properties run after every
/// event of a simulation and on every state of a model check. Each acceptor's votes are sorted,
/// so one merge over the acceptors counts each proposal's voters.
fn for_each_chosen(paxos: &Paxos, s: &ActorState<Paxos>, mut f: impl FnMut((Ballot, Value))) {
    const MAX: usize = 64;
    let first = paxos.proposers;
    let acceptors = paxos.acceptors;
    let votes = |i: usize| match &*s.nodes[first + i] {
        PaxosNode::Acceptor(a) => &a.votes,
        _ => unreachable!("acceptor slots hold acceptors"),
    };
    if acceptors > MAX {
        // Beyond the merge's fixed buffer: count each proposal at its first voter.
        for i in 0..acceptors {
            for vote in votes(i) {
                if (0..i).any(|j| votes(j).binary_search(vote).is_ok()) {
                    continue;
                }
                let voters = (i..acceptors)
                    .filter(|&j| votes(j).binary_search(vote).is_ok())
                    .count();
                if voters >= paxos.majority() {
                    f(*vote);
                }
            }
        }
        return;
    }
    let total: usize = (0..acceptors).map(|i| votes(i).len()).sum();
    if total < paxos.majority() {
        return;
    }
    let mut heads = [0usize; MAX];
    loop {
        let Some(least) = (0..acceptors)
            .filter_map(|i| votes(i).get(heads[i]))
            .min()
            .copied()
        else {
            return;
        };
        let mut voters = 0;
        for (i, head) in heads.iter_mut().enumerate().take(acceptors) {
            if votes(i).get(*head) == Some(&least) {
                voters += 1;
                *head += 1;
            }
        }
        if voters >= paxos.majority() {
            f(least);
        }
    }
}

/// Builds the checkable model: the process, its network, and the seed's properties.
pub fn model(paxos: Paxos, network: NetworkSemantics) -> PaxosModel {
    let names = (0..paxos.nodes())
        .map(|i| {
            if i < paxos.proposers {
                format!("proposer{i}")
            } else if i < paxos.proposers + paxos.acceptors {
                format!("acceptor{}", i - paxos.proposers)
            } else {
                format!("learner{}", i - paxos.proposers - paxos.acceptors)
            }
        })
        .collect();
    let nodes = paxos.nodes();
    ActorModel::new(paxos, nodes)
        .network(network)
        .node_names(names)
        .property(Property::always("agreement", |m: &PaxosModel, s| {
            let mut value = None;
            let mut agree = true;
            let mut see = |(_, v): (Ballot, Value)| match value {
                None => value = Some(v),
                Some(w) => agree &= w == v,
            };
            for_each_chosen(&m.process, s, &mut see);
            learned(s).for_each(see);
            agree
        }))
        .property(Property::always("validity", |m: &PaxosModel, s| {
            let proposed = |v: Value| (0..m.process.proposers).any(|p| Paxos::input(p) == v);
            let mut valid = true;
            for_each_chosen(&m.process, s, |(_, v)| valid &= proposed(v));
            valid && learned(s).all(|(_, v)| proposed(v))
        }))
        .property(Property::always_step(
            "P1",
            |_m: &PaxosModel, before, _action, after| {
                // An acceptor accepts (n, v) only if it has not responded to Prepare(m), m > n.
                acceptors(before).zip(acceptors(after)).all(|(a, b)| {
                    // Votes are sorted: a new one is found by binary search.
                    match b
                        .votes
                        .iter()
                        .find(|vote| a.votes.binary_search(vote).is_err())
                    {
                        Some(&(n, _)) => a.promised <= n,
                        None => true,
                    }
                })
            },
        ))
        .property(Property::always("P2", |m: &PaxosModel, s| {
            // If (n, v) is chosen, every proposal (m, v') with m > n has v' = v.
            let mut holds = true;
            for_each_chosen(&m.process, s, |(n, v)| {
                holds &= proposals(s).all(|(m, w)| m <= n || w == v);
            });
            holds
        }))
        .property(Property::sometimes("value-chosen", |_m: &PaxosModel, s| {
            learned(s).next().is_some()
        }))
        .symmetry(acceptor_symmetry)
        .decisions(|_, s| u64::from(learned(s).next().is_some()))
}

/// Acceptors are interchangeable: renumber them in the order of everything that tells them
/// apart (their state, the messages they sent and receive, their membership in proposers'
/// promise sets and learners' tallies) and rewrite every acceptor index to match. Acceptors
/// that tie on all of that are identical, so the representative is canonical.
fn acceptor_symmetry(model: &PaxosModel, s: &ActorState<Paxos>) -> ActorState<Paxos> {
    let paxos = &model.process;
    let first = paxos.proposers;
    let count = paxos.acceptors;
    let key = |i: usize| {
        let id = first + i;
        let mut traffic: Vec<(bool, usize, PaxosMsg)> = s
            .network
            .iter()
            .filter(|e| e.from.index() == id || e.to.index() == id)
            .map(|e| {
                if e.from.index() == id {
                    (true, e.to.index(), e.msg)
                } else {
                    (false, e.from.index(), e.msg)
                }
            })
            .collect();
        traffic.sort_unstable();
        let memberships: Vec<bool> = s
            .nodes
            .iter()
            .flat_map(|node| match &**node {
                PaxosNode::Proposer(p) => vec![p.promises & (1 << i) != 0],
                PaxosNode::Learner(l) => l
                    .tallies
                    .iter()
                    .map(|(_, bits)| bits & (1 << i) != 0)
                    .collect(),
                PaxosNode::Acceptor(_) => Vec::new(),
            })
            .collect();
        let PaxosNode::Acceptor(a) = &*s.nodes[id] else {
            unreachable!("acceptor slots hold acceptors")
        };
        let durable = s.durable.get(id).map(|d| format!("{d:?}"));
        (
            a.promised,
            a.accepted,
            a.votes.clone(),
            traffic,
            memberships,
            s.crashed[id],
            durable,
        )
    };
    let keys: Vec<_> = (0..count).map(key).collect();
    // order[new] = old
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&x, &y| keys[x].cmp(&keys[y]));
    let mut new_index = vec![0; count];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let map_bits = |bits: u64| {
        (0..count)
            .filter(|&old| bits & (1 << old) != 0)
            .fold(0u64, |acc, old| acc | 1 << new_index[old])
    };
    let map_node = |id: NodeId| {
        let i = id.index();
        if (first..first + count).contains(&i) {
            NodeId::from(first + new_index[i - first])
        } else {
            id
        }
    };
    let mut out = s.clone();
    for (new, &old) in order.iter().enumerate() {
        out.nodes[first + new] = s.nodes[first + old].clone();
        out.timers[first + new] = s.timers[first + old].clone();
        out.crashed[first + new] = s.crashed[first + old];
        if !s.durable.is_empty() {
            out.durable[first + new] = s.durable[first + old].clone();
        }
    }
    let identity = order.iter().enumerate().all(|(new, &old)| new == old);
    if !identity {
        for node in out.nodes.iter_mut().chain(out.durable.iter_mut()) {
            // Acceptor states hold no acceptor index: only copy what changes.
            if matches!(**node, PaxosNode::Acceptor(_)) {
                continue;
            }
            match Arc::make_mut(node) {
                PaxosNode::Proposer(p) => p.promises = map_bits(p.promises),
                PaxosNode::Learner(l) => {
                    for (_, bits) in &mut l.tallies {
                        *bits = map_bits(*bits);
                    }
                }
                PaxosNode::Acceptor(_) => {}
            }
        }
    }
    for envelope in &mut out.network {
        envelope.from = map_node(envelope.from);
        envelope.to = map_node(envelope.to);
    }
    // Keep the network in the canonical order its semantics uses.
    if model.network.ordering == valence_core::Ordering::Unordered {
        out.network.sort();
    } else {
        out.network.sort_by_key(|e| (e.from, e.to));
    }
    out
}
