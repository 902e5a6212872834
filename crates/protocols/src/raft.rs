//! Raft (Ongaro and Ousterhout, 2014): leader election with randomized timeouts, log replication
//! with the consistency check, the commit rule (a leader counts replicas only for entries of its
//! own term), and persistence of term, vote and log before answering.
//!
//! This is the core of the protocol; pre-vote, check-quorum, snapshots, membership changes,
//! ReadIndex and client sessions are not here yet. Runs are bounded: terms up to `max_term`, and
//! up to `max_log` client commands in a log (a leader appends one command of its own per
//! `Propose` timer while it has fewer), plus the no-op each leader appends when elected.
//!
//! History variables, which the protocol never reads, record for the properties every term a
//! server led and every commit a leader made (index, entry, term); they are persisted with the
//! rest so that a crash does not erase what happened.

use std::fmt;
use std::time::Duration;

use valence_check::{ActorAction, ActorModel, ActorState, Property};
use valence_core::{Effects, FaultModel, NetworkSemantics, NodeId, Process};

/// A term number.
pub type Term = u8;

/// The command of the no-op entry a leader appends at the start of its term.
pub const NOOP: u8 = u8::MAX;

/// The client commands (not no-ops) in a log.
fn commands(log: &[Entry]) -> usize {
    log.iter().filter(|e| e.command != NOOP).count()
}

/// A log entry: the term it was created in and the leader that created it (its command).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entry {
    /// The term.
    pub term: Term,
    /// The command: the id of the leader that appended it.
    pub command: u8,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.command == NOOP {
            write!(f, "t{}:noop", self.term)
        } else {
            write!(f, "t{}:c{}", self.term, self.command)
        }
    }
}

/// Raft messages. Log indices are 1-based; 0 means "before the first entry".
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum RaftMsg {
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: Term,
        /// The index of its last entry.
        last_index: u8,
        /// The term of its last entry.
        last_term: Term,
    },
    /// The answer to `RequestVote`.
    Vote {
        /// The voter's term.
        term: Term,
        /// Whether the vote is granted.
        granted: bool,
    },
    /// A leader replicates entries (or only heartbeats).
    Append {
        /// The leader's term.
        term: Term,
        /// The index of the entry before `entries`.
        prev_index: u8,
        /// Its term.
        prev_term: Term,
        /// The entries.
        entries: Vec<Entry>,
        /// The leader's commit index.
        commit: u8,
    },
    /// The answer to `Append`.
    AppendReply {
        /// The follower's term.
        term: Term,
        /// Whether the consistency check passed.
        success: bool,
        /// The index up to which the follower's log matches the leader's.
        match_index: u8,
    },
}

/// Raft timers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum RaftTimer {
    /// A follower or candidate starts an election.
    Election,
    /// A leader sends heartbeats (and missing entries).
    Heartbeat,
    /// A leader appends a client command.
    Propose,
}

/// A server's role.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    /// Follows a leader.
    Follower,
    /// Asks for votes; `votes` is a set of node ids.
    Candidate {
        /// Who granted a vote.
        votes: u64,
    },
    /// Replicates its log.
    Leader {
        /// Per server, the next index to send.
        next: Vec<u8>,
        /// Per server, the highest index known to match.
        matched: Vec<u8>,
    },
}

/// A server's state.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Server {
    /// The current term.
    pub term: Term,
    /// Whom this server voted for in `term`.
    pub voted_for: Option<u16>,
    /// The log.
    pub log: Vec<Entry>,
    /// The commit index.
    pub commit: u8,
    /// The role.
    pub role: Role,
    /// History: the terms this server led.
    pub led: Vec<Term>,
    /// History: the commits this server made as leader: (index, entry, term).
    pub commits: Vec<(u8, Entry, Term)>,
}

impl Server {
    fn last(&self) -> (u8, Term) {
        (self.log.len() as u8, self.log.last().map_or(0, |e| e.term))
    }

    fn term_at(&self, index: u8) -> Term {
        if index == 0 {
            0
        } else {
            self.log[usize::from(index) - 1].term
        }
    }
}

/// Seeded bugs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RaftMutant {
    /// A server grants its vote without checking that the candidate's log is up to date.
    VoteWithoutLogCheck,
    /// `votedFor` is not persisted: a restarted server may vote twice in one term.
    ForgetVote,
    /// A leader commits an entry of an earlier term once a majority stores it (the bug of the
    /// Raft paper's Figure 8). The no-op a new leader appends would mask it (every old entry
    /// then reaches a majority together with an entry of the leader's own term), so this
    /// mutant also appends no no-op, as the paper's Figure 2 does not.
    CommitOldTerm,
}

/// The Raft process: every node is a server.
#[derive(Clone, Debug)]
pub struct Raft {
    /// Number of servers.
    pub servers: usize,
    /// Highest term an election may start.
    pub max_term: Term,
    /// Client commands a leader appends.
    pub max_log: u8,
    /// States with more messages in flight are not expanded (a bound for model checking).
    pub max_messages: usize,
    /// A seeded bug, if any.
    pub mutant: Option<RaftMutant>,
}

fn election_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(150)..Duration::from_millis(300)
}

fn heartbeat_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(50)..Duration::from_millis(50)
}

fn propose_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(20)..Duration::from_millis(100)
}

impl Raft {
    fn majority(&self) -> usize {
        self.servers / 2 + 1
    }

    fn others(&self, me: NodeId) -> impl Iterator<Item = NodeId> {
        (0..self.servers)
            .map(NodeId::from)
            .filter(move |&n| n != me)
    }

    /// Moves to `term` as a follower (a higher term was seen).
    fn step_down(s: &mut Server, term: Term, out: &mut Effects<RaftMsg, RaftTimer>) {
        if term > s.term {
            s.term = term;
            s.voted_for = None;
        }
        if !matches!(s.role, Role::Follower) {
            s.role = Role::Follower;
            out.cancel_timer(RaftTimer::Heartbeat);
            out.cancel_timer(RaftTimer::Propose);
            out.set_timer(RaftTimer::Election, election_delay());
        }
        out.persist();
    }

    fn append_to(&self, s: &Server, to: NodeId, out: &mut Effects<RaftMsg, RaftTimer>) {
        let Role::Leader { next, .. } = &s.role else {
            return;
        };
        let next = next[to.index()].max(1);
        let prev_index = next - 1;
        out.send(
            to,
            RaftMsg::Append {
                term: s.term,
                prev_index,
                prev_term: s.term_at(prev_index),
                entries: s.log[usize::from(prev_index)..].to_vec(),
                commit: s.commit,
            },
        );
    }

    fn become_leader(&self, me: NodeId, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        // A new leader appends a no-op of its own term: entries of earlier terms can only be
        // committed under one of its term (the commit rule), so without it a leader with
        // nothing new to append would never commit them (the Raft thesis, section 6.4).
        if self.mutant != Some(RaftMutant::CommitOldTerm) {
            s.log.push(Entry {
                term: s.term,
                command: NOOP,
            });
        }
        let len = s.log.len() as u8;
        let mut matched = vec![0; self.servers];
        matched[me.index()] = len;
        s.role = Role::Leader {
            next: vec![len + 1; self.servers],
            matched,
        };
        s.led.push(s.term);
        out.persist();
        out.cancel_timer(RaftTimer::Election);
        for to in self.others(me) {
            self.append_to(s, to, out);
        }
        out.set_timer(RaftTimer::Heartbeat, heartbeat_delay());
        if commands(&s.log) < usize::from(self.max_log) {
            out.set_timer(RaftTimer::Propose, propose_delay());
        }
    }

    /// Advances the commit index to the highest index a majority stores, counting only entries
    /// of the leader's term (the commit rule).
    fn advance_commit(&self, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        let Role::Leader { matched, .. } = &s.role else {
            return;
        };
        for index in (s.commit + 1..=s.log.len() as u8).rev() {
            if s.term_at(index) != s.term && self.mutant != Some(RaftMutant::CommitOldTerm) {
                continue;
            }
            let replicas = matched.iter().filter(|&&m| m >= index).count();
            if replicas >= self.majority() {
                for i in s.commit + 1..=index {
                    let entry = s.log[usize::from(i) - 1];
                    s.commits.push((i, entry, s.term));
                }
                s.commit = index;
                out.persist();
                break;
            }
        }
    }
}

impl Process for Raft {
    type Msg = RaftMsg;
    type State = Server;
    type Timer = RaftTimer;

    fn init(&self, _me: NodeId, out: &mut Effects<RaftMsg, RaftTimer>) -> Server {
        out.set_timer(RaftTimer::Election, election_delay());
        Server {
            term: 0,
            voted_for: None,
            log: Vec::new(),
            commit: 0,
            role: Role::Follower,
            led: Vec::new(),
            commits: Vec::new(),
        }
    }

    fn on_message(
        &self,
        me: NodeId,
        s: &mut Server,
        from: NodeId,
        msg: RaftMsg,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        match msg {
            RaftMsg::RequestVote {
                term,
                last_index,
                last_term,
            } => {
                if term > s.term {
                    Raft::step_down(s, term, out);
                }
                let (my_index, my_term) = s.last();
                let up_to_date = (last_term, last_index) >= (my_term, my_index);
                let log_ok = up_to_date || self.mutant == Some(RaftMutant::VoteWithoutLogCheck);
                let granted = term == s.term && s.voted_for.is_none_or(|v| v == from.0) && log_ok;
                if granted {
                    s.voted_for = Some(from.0);
                    out.persist();
                    out.set_timer(RaftTimer::Election, election_delay());
                }
                out.send(
                    from,
                    RaftMsg::Vote {
                        term: s.term,
                        granted,
                    },
                );
            }
            RaftMsg::Vote { term, granted } => {
                if term > s.term {
                    Raft::step_down(s, term, out);
                    return;
                }
                if let Role::Candidate { votes } = &mut s.role {
                    if term == s.term && granted {
                        *votes |= 1 << from.0;
                        if votes.count_ones() as usize >= self.majority() {
                            self.become_leader(me, s, out);
                        }
                    }
                }
            }
            RaftMsg::Append {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
            } => {
                if term < s.term {
                    out.send(
                        from,
                        RaftMsg::AppendReply {
                            term: s.term,
                            success: false,
                            match_index: 0,
                        },
                    );
                    return;
                }
                if term > s.term || !matches!(s.role, Role::Follower) {
                    Raft::step_down(s, term, out);
                }
                out.set_timer(RaftTimer::Election, election_delay());
                let consistent =
                    usize::from(prev_index) <= s.log.len() && s.term_at(prev_index) == prev_term;
                if !consistent {
                    out.send(
                        from,
                        RaftMsg::AppendReply {
                            term: s.term,
                            success: false,
                            match_index: 0,
                        },
                    );
                    return;
                }
                // Append what is missing; truncate only at a conflict (an entry of another
                // term), never because a message is shorter than the log.
                for (offset, entry) in entries.iter().enumerate() {
                    let position = usize::from(prev_index) + offset;
                    match s.log.get(position) {
                        Some(existing) if existing.term == entry.term => {}
                        Some(_) => {
                            s.log.truncate(position);
                            s.log.push(*entry);
                        }
                        None => s.log.push(*entry),
                    }
                }
                let match_index = prev_index + entries.len() as u8;
                s.commit = s.commit.max(commit.min(match_index));
                out.persist();
                out.send(
                    from,
                    RaftMsg::AppendReply {
                        term: s.term,
                        success: true,
                        match_index,
                    },
                );
            }
            RaftMsg::AppendReply {
                term,
                success,
                match_index,
            } => {
                if term > s.term {
                    Raft::step_down(s, term, out);
                    return;
                }
                if term != s.term {
                    return;
                }
                let Role::Leader { next, matched } = &mut s.role else {
                    return;
                };
                let i = from.index();
                if success {
                    matched[i] = matched[i].max(match_index);
                    next[i] = matched[i] + 1;
                    self.advance_commit(s, out);
                } else {
                    next[i] = next[i].saturating_sub(1).max(1);
                    self.append_to(s, from, out);
                }
            }
        }
    }

    fn on_timer(
        &self,
        me: NodeId,
        s: &mut Server,
        timer: RaftTimer,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        match timer {
            RaftTimer::Election => {
                if matches!(s.role, Role::Leader { .. }) || s.term >= self.max_term {
                    return;
                }
                s.term += 1;
                s.voted_for = Some(me.0);
                s.role = Role::Candidate { votes: 1 << me.0 };
                out.persist();
                if self.majority() == 1 {
                    self.become_leader(me, s, out);
                    return;
                }
                let (last_index, last_term) = s.last();
                for to in self.others(me) {
                    out.send(
                        to,
                        RaftMsg::RequestVote {
                            term: s.term,
                            last_index,
                            last_term,
                        },
                    );
                }
                out.set_timer(RaftTimer::Election, election_delay());
            }
            RaftTimer::Heartbeat => {
                if !matches!(s.role, Role::Leader { .. }) {
                    return;
                }
                for to in self.others(me) {
                    self.append_to(s, to, out);
                }
                out.set_timer(RaftTimer::Heartbeat, heartbeat_delay());
            }
            RaftTimer::Propose => {
                if !matches!(s.role, Role::Leader { .. })
                    || commands(&s.log) >= usize::from(self.max_log)
                {
                    return;
                }
                s.log.push(Entry {
                    term: s.term,
                    command: me.0 as u8,
                });
                let len = s.log.len() as u8;
                if let Role::Leader { matched, .. } = &mut s.role {
                    matched[me.index()] = len;
                }
                out.persist();
                self.advance_commit(s, out);
                for to in self.others(me) {
                    self.append_to(s, to, out);
                }
                if commands(&s.log) < usize::from(self.max_log) {
                    out.set_timer(RaftTimer::Propose, propose_delay());
                }
            }
        }
    }

    /// A restarted server keeps its term, vote and log (and history), and starts as a follower
    /// with nothing known committed.
    fn on_restart(
        &self,
        _me: NodeId,
        durable: &Server,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) -> Server {
        out.set_timer(RaftTimer::Election, election_delay());
        let voted_for = if self.mutant == Some(RaftMutant::ForgetVote) {
            None
        } else {
            durable.voted_for
        };
        Server {
            voted_for,
            commit: 0,
            role: Role::Follower,
            ..durable.clone()
        }
    }
}

/// The Raft model as checked by `valence check raft`.
pub type RaftModel = ActorModel<Raft>;

/// Builds the model with the seed's five properties.
pub fn model(raft: Raft, network: NetworkSemantics, faults: FaultModel) -> RaftModel {
    let nodes = raft.servers;
    let names = (0..nodes).map(|i| format!("s{i}")).collect();
    let max_term = raft.max_term;
    ActorModel::new(raft, nodes)
        .network(network)
        .faults(faults)
        .node_names(names)
        .within(move |m: &RaftModel, s: &ActorState<Raft>| {
            // Bound the network too, so that repeated heartbeats cannot grow it forever.
            s.network.len() <= m.process.max_messages && s.nodes.iter().all(|n| n.term <= max_term)
        })
        .property(Property::always(
            "election-safety",
            |_, s: &ActorState<Raft>| {
                // At most one leader per term.
                let mut led: Vec<Term> =
                    s.nodes.iter().flat_map(|n| n.led.iter().copied()).collect();
                let total = led.len();
                led.sort_unstable();
                led.dedup();
                led.len() == total
            },
        ))
        .property(Property::always_step(
            "leader-append-only",
            |_, before: &ActorState<Raft>, action: &ActorAction<Raft>, after: &ActorState<Raft>| {
                // A leader never overwrites or deletes entries in its log.
                if matches!(
                    action,
                    ActorAction::Restart { .. } | ActorAction::Crash { .. }
                ) {
                    return true;
                }
                before.nodes.iter().zip(&after.nodes).all(|(b, a)| {
                    let leader = matches!(b.role, Role::Leader { .. })
                        && matches!(a.role, Role::Leader { .. })
                        && a.term == b.term;
                    !leader || a.log.starts_with(&b.log)
                })
            },
        ))
        .property(Property::always(
            "log-matching",
            |_, s: &ActorState<Raft>| {
                // Same index and term: identical logs up to that entry.
                s.nodes.iter().all(|a| {
                    s.nodes.iter().all(|b| {
                        let common = a.log.len().min(b.log.len());
                        (0..common)
                            .rev()
                            .find(|&i| a.log[i].term == b.log[i].term)
                            .is_none_or(|i| a.log[..=i] == b.log[..=i])
                    })
                })
            },
        ))
        .property(Property::always(
            "leader-completeness",
            |_, s: &ActorState<Raft>| {
                // An entry committed in term T is in the log of every leader of a later term.
                s.nodes.iter().all(|leader| {
                    if !matches!(leader.role, Role::Leader { .. }) {
                        return true;
                    }
                    s.nodes
                        .iter()
                        .flat_map(|n| n.commits.iter())
                        .all(|&(index, entry, term)| {
                            leader.term <= term
                                || leader.log.get(usize::from(index) - 1) == Some(&entry)
                        })
                })
            },
        ))
        .property(Property::always(
            "state-machine-safety",
            |_, s: &ActorState<Raft>| {
                // No two servers apply different entries at one index.
                s.nodes.iter().all(|a| {
                    s.nodes.iter().all(|b| {
                        let applied = usize::from(a.commit.min(b.commit));
                        a.log[..applied] == b.log[..applied]
                    })
                })
            },
        ))
        .property(Property::sometimes(
            "entry-committed",
            |_, s: &ActorState<Raft>| s.nodes.iter().any(|n| n.commit > 0),
        ))
        .decisions(|_, s: &ActorState<Raft>| {
            // Log slots committed anywhere (no-ops included: each is a decided slot).
            s.nodes
                .iter()
                .map(|n| u64::from(n.commit))
                .max()
                .unwrap_or(0)
        })
}
