//! Raft (Ongaro and Ousterhout, 2014): leader election with randomized timeouts, log replication
//! with the consistency check, the commit rule (a leader counts replicas only for entries of its
//! own term), and persistence of term, vote and log before answering.
//!
//! Two ways to drive it:
//! - **Model checking** (`clients: 0`): runs are bounded: terms up to `max_term`, and up to
//!   `max_log` commands in a log (a leader appends one command of its own per `Propose` timer
//!   while it has fewer), plus the no-op each leader appends when elected.
//! - **A replicated key-value store** (`clients > 0`): nodes `servers..servers + clients` are
//!   clients ([`Service`]) that send key-value commands to the leader and retry elsewhere after a
//!   timeout. Servers apply committed commands to a [`KvStore`] with client sessions, so a
//!   command committed twice (a retry after a leader change) takes effect once; the leader
//!   answers. Reads do not go through the log: the leader serves them by ReadIndex (Raft thesis,
//!   section 6.4): it waits until an entry of its term is committed, notes its commit index,
//!   confirms with a round of heartbeats that a majority still follows it, and answers once it
//!   has applied up to the noted index.
//!
//! Two options of the Raft thesis (section 9.6) guard against disruption by servers that were
//! cut off: with `pre_vote`, a server whose election timer fires first asks whether it could
//! win (a `PreVote` for the next term, granted only by servers with no leader heard within an
//! election timeout and a log no more up to date) and starts a real election, bumping its term,
//! only with a majority of pre-votes; with `check_quorum`, a leader that has not heard from a
//! majority within an election timeout steps down.
//!
//! Log compaction (`snapshot_every > 0`): a server that has applied that many entries beyond its
//! snapshot replaces them by a snapshot of the state machine (client sessions included) and
//! persists it; a leader whose follower needs compacted entries sends `InstallSnapshot`. Indices
//! stay absolute: the log holds the entries after `snapshot_index`.
//!
//! Membership changes, one server at a time (thesis, chapter 4): servers `members..servers`
//! start as spares outside the configuration; they receive the log but neither campaign nor
//! count. Leaders add them one by one, then remove the first `retire` servers one by one, each
//! change a configuration entry that takes effect as soon as a server stores it, proposed only
//! once an entry of the leader's term is committed and no earlier change is pending, so that
//! consecutive configurations share a majority. A leader that removed itself steps down once
//! that configuration is committed; removed servers no longer campaign.
//!
//! History variables, which the protocol never reads, record for the properties every term a
//! server led and every commit a leader made (index, entry, term); they are persisted with the
//! rest so that a crash does not erase what happened.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

use valence_check::{ActorAction, ActorModel, ActorState, Property};
use valence_core::{
    Effects, FaultModel, KvOp, KvOutput, NetworkSemantics, NodeId, Process, Service,
};

use crate::kv::{Command, KvStore};

/// A term number.
pub type Term = u16;

/// A log index (1-based; 0 is "before the first entry").
pub type Index = u16;

/// What a log entry carries.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Cmd {
    /// The no-op a leader appends at the start of its term.
    Noop,
    /// A command of the model-checking configuration: the id of the leader that appended it.
    Tag(u8),
    /// A client's key-value command.
    Kv(Command),
    /// A new configuration: the set of voting servers (node ids as bits).
    Config(u64),
}

/// The commands (not no-ops) in a log.
fn commands(log: &[Entry]) -> usize {
    log.iter().filter(|e| e.command != Cmd::Noop).count()
}

/// A log entry: the term it was created in and its command.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The term.
    pub term: Term,
    /// The command.
    pub command: Cmd,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.command {
            Cmd::Noop => write!(f, "t{}:noop", self.term),
            Cmd::Tag(leader) => write!(f, "t{}:c{leader}", self.term),
            Cmd::Kv(c) => write!(f, "t{}:n{}#{}:{:?}", self.term, c.client, c.seq, c.op),
            Cmd::Config(members) => write!(f, "t{}:config{members:#b}", self.term),
        }
    }
}

/// Raft messages. Log indices are 1-based; 0 means "before the first entry".
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum RaftMsg {
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: Term,
        /// The index of its last entry.
        last_index: Index,
        /// The term of its last entry.
        last_term: Term,
    },
    /// A server asks whether it could win an election for `term` (pre-vote); nobody's term
    /// changes.
    PreVote {
        /// The term it would start.
        term: Term,
        /// The index of its last entry.
        last_index: Index,
        /// The term of its last entry.
        last_term: Term,
    },
    /// The answer to `PreVote`.
    PreVoteReply {
        /// The term asked about.
        term: Term,
        /// Whether the pre-vote is granted.
        granted: bool,
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
        prev_index: Index,
        /// Its term.
        prev_term: Term,
        /// The entries.
        entries: Vec<Entry>,
        /// The leader's commit index.
        commit: Index,
        /// The leader's read round (ReadIndex): the follower echoes it to confirm leadership.
        round: u32,
    },
    /// A leader sends its snapshot to a follower that needs compacted entries.
    InstallSnapshot {
        /// The leader's term.
        term: Term,
        /// The last index the snapshot covers.
        last_index: Index,
        /// Its term.
        last_term: Term,
        /// The state machine at `last_index`.
        state: KvStore,
        /// The configuration at `last_index`.
        config: u64,
    },
    /// The answer to `Append` (and to `InstallSnapshot`).
    AppendReply {
        /// The follower's term.
        term: Term,
        /// Whether the consistency check passed.
        success: bool,
        /// The index up to which the follower's log matches the leader's.
        match_index: Index,
        /// The read round of the `Append` answered.
        round: u32,
    },
    /// A client sends a command to the server it believes leads.
    Request {
        /// The client's sequence number for it.
        seq: u32,
        /// The operation.
        op: KvOp,
    },
    /// A server answers a client's command.
    Reply {
        /// The command's sequence number.
        seq: u32,
        /// Its output.
        output: KvOutput,
    },
    /// A server that does not lead turns a client away.
    NotLeader {
        /// The command's sequence number.
        seq: u32,
    },
}

/// Raft timers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum RaftTimer {
    /// A follower or candidate starts an election.
    Election,
    /// A leader sends heartbeats (and missing entries).
    Heartbeat,
    /// A leader appends a command (model-checking configuration).
    Propose,
    /// A client resends its command, to the next server.
    Retry,
    /// A leader checks that a majority answered it within an election timeout (check-quorum).
    CheckQuorum,
}

/// A server's role.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    /// Follows a leader.
    Follower,
    /// Asks for pre-votes before starting an election; `votes` is a set of node ids.
    PreCandidate {
        /// Who granted a pre-vote.
        votes: u64,
    },
    /// Asks for votes; `votes` is a set of node ids.
    Candidate {
        /// Who granted a vote.
        votes: u64,
    },
    /// Replicates its log.
    Leader {
        /// Per server, the next index to send.
        next: Vec<Index>,
        /// Per server, the highest index known to match.
        matched: Vec<Index>,
        /// Per server, the highest read round it acknowledged in this term.
        acked: Vec<u32>,
        /// Check-quorum: who answered since the last check (a set of node ids).
        heard: u64,
    },
}

/// A read the leader serves by ReadIndex.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PendingRead {
    /// The client.
    pub client: u16,
    /// Its sequence number.
    pub seq: u32,
    /// The key.
    pub key: u64,
    /// The commit index to apply before answering; `None` until an entry of the leader's term
    /// is committed.
    pub index: Option<Index>,
    /// The read round a majority must acknowledge.
    pub round: u32,
}

/// A server's state.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Server {
    /// The current term.
    pub term: Term,
    /// Whom this server voted for in `term`.
    pub voted_for: Option<u16>,
    /// The log.
    pub log: Vec<Entry>,
    /// The commit index.
    pub commit: Index,
    /// The role.
    pub role: Role,
    /// History: the terms this server led.
    pub led: Vec<Term>,
    /// History: the commits this server made as leader: (index, entry, term).
    pub commits: Vec<(Index, Entry, Term)>,
    /// The last index the snapshot covers (0: no snapshot); the log holds the entries after it.
    pub snapshot_index: Index,
    /// The term of the entry at `snapshot_index`.
    pub snapshot_term: Term,
    /// The state machine at `snapshot_index`, client sessions included.
    pub snapshot: KvStore,
    /// The configuration at `snapshot_index`.
    pub snapshot_config: u64,
    /// The configuration in force: the last in the log, committed or not (derived from the log
    /// and the snapshot).
    pub config: u64,
    /// The highest index applied to `kv` (volatile: rebuilt from the snapshot and the log after
    /// a restart).
    pub applied: Index,
    /// The key-value state machine (volatile).
    pub kv: KvStore,
    /// Reads the leader is serving (volatile).
    pub reads: Vec<PendingRead>,
    /// The leader's current read round (volatile).
    pub read_round: u32,
    /// Pre-vote: whether a leader was heard from since the election timer last fired
    /// (volatile).
    pub heard_leader: bool,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Server");
        d.field("term", &self.term)
            .field("voted_for", &self.voted_for)
            .field("log", &self.log)
            .field("commit", &self.commit)
            .field("role", &self.role)
            .field("led", &self.led)
            .field("commits", &self.commits);
        // The key-value parts only where there is a store to show.
        if self.snapshot_index > 0 {
            d.field("snapshot", &(self.snapshot_index, self.snapshot_term));
        }
        if self.log.iter().any(|e| matches!(e.command, Cmd::Config(_))) {
            d.field("config", &format_args!("{:#b}", self.config));
        }
        if !self.kv.data.is_empty() || !self.reads.is_empty() {
            d.field("applied", &self.applied)
                .field("kv", &self.kv.data)
                .field("reads", &self.reads);
        }
        d.finish()
    }
}

impl Server {
    fn new(config: u64) -> Server {
        Server {
            term: 0,
            voted_for: None,
            log: Vec::new(),
            commit: 0,
            role: Role::Follower,
            led: Vec::new(),
            commits: Vec::new(),
            snapshot_index: 0,
            snapshot_term: 0,
            snapshot: KvStore::default(),
            snapshot_config: config,
            config,
            applied: 0,
            kv: KvStore::default(),
            reads: Vec::new(),
            read_round: 0,
            heard_leader: false,
        }
    }

    /// Recomputes `config` after the log changed.
    fn refresh_config(&mut self) {
        self.config = self
            .log
            .iter()
            .rev()
            .find_map(|e| match e.command {
                Cmd::Config(members) => Some(members),
                _ => None,
            })
            .unwrap_or(self.snapshot_config);
    }

    /// Whether `set` (node ids as bits) holds a majority of the configuration.
    fn quorum(&self, set: u64) -> bool {
        quorum(self.config, set)
    }

    /// The index of the last entry (compacted or not).
    pub fn last_index(&self) -> Index {
        self.snapshot_index + self.log.len() as Index
    }

    fn last(&self) -> (Index, Term) {
        (
            self.last_index(),
            self.log.last().map_or(self.snapshot_term, |e| e.term),
        )
    }

    /// The entry at `index`, if the log holds it (not compacted, not beyond the end).
    pub fn entry(&self, index: Index) -> Option<&Entry> {
        if index <= self.snapshot_index {
            return None;
        }
        self.log.get(usize::from(index - self.snapshot_index) - 1)
    }

    /// The entries the log holds, with their indices.
    pub fn entries(&self) -> impl Iterator<Item = (Index, &Entry)> {
        (self.snapshot_index + 1..).zip(&self.log)
    }

    fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }

    /// The term of the entry at `index`: 0 before the first, the snapshot's term at the
    /// snapshot's index. Callers never ask about compacted entries before the snapshot's.
    fn term_at(&self, index: Index) -> Term {
        if index == self.snapshot_index {
            self.snapshot_term
        } else {
            self.entry(index).map_or(0, |e| e.term)
        }
    }
}

/// Whether the last configuration entry of the log is not committed yet.
fn config_pending(s: &Server) -> bool {
    (s.commit + 1..=s.last_index())
        .any(|i| matches!(s.entry(i).map(|e| e.command), Some(Cmd::Config(_))))
}

/// Whether `set` (node ids as bits) holds a majority of `config`.
fn quorum(config: u64, set: u64) -> bool {
    2 * (set & config).count_ones() > config.count_ones()
}

/// A client of the key-value store.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Client {
    /// The sequence number of the current (or last) command.
    pub seq: u32,
    /// The command in flight.
    pub op: Option<KvOp>,
    /// The server it sends to.
    pub target: u16,
    /// The output of the completed command, until the driver takes it.
    pub done: Option<KvOutput>,
}

/// A node: a server, or a client of the key-value store.
// States live behind an `Arc` in every model state already; a box would add a second hop.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum RaftNode {
    /// A Raft server.
    Server(Server),
    /// A client.
    Client(Client),
}

impl RaftNode {
    /// The server's state, if this node is a server.
    pub fn server(&self) -> Option<&Server> {
        match self {
            RaftNode::Server(s) => Some(s),
            RaftNode::Client(_) => None,
        }
    }
}

/// The servers' states in a model state.
pub fn servers(state: &ActorState<Raft>) -> impl Iterator<Item = &Server> {
    state.nodes.iter().filter_map(|n| n.server())
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
    /// Servers apply every committed command, without client sessions: a command retried after
    /// a leader change takes effect twice (caught by the linearizability check of the clients'
    /// history).
    NoSessions,
    /// A leader answers reads from its state at once, without ReadIndex's confirmation that it
    /// still leads: a deposed leader serves stale reads.
    StaleRead,
    /// A leader adds every spare server in one configuration change: the old and the new
    /// configuration may then have disjoint majorities, which elect two leaders in one term.
    AddAllAtOnce,
    /// Snapshots keep the data but not the client sessions: a server restarted from a
    /// snapshot, or brought up to date by one, applies a retried command again.
    SnapshotWithoutSessions,
}

/// The Raft process: every node is a server.
#[derive(Clone, Debug)]
pub struct Raft {
    /// Number of servers.
    pub servers: usize,
    /// Highest term an election may start.
    pub max_term: Term,
    /// Commands a leader appends (model-checking configuration; ignored with clients).
    pub max_log: u8,
    /// Clients of the key-value store (0: the model-checking configuration).
    pub clients: usize,
    /// Compact the log after this many applied entries beyond the snapshot (0: never).
    pub snapshot_every: Index,
    /// Servers `0..members` form the initial configuration; the others are spares that leaders
    /// add one at a time (`members >= servers`: no membership change).
    pub members: usize,
    /// After adding the spares, leaders remove servers `0..retire`, one at a time.
    pub retire: usize,
    /// Pre-vote before an election (thesis, section 9.6).
    pub pre_vote: bool,
    /// A leader steps down when a majority has not answered within an election timeout.
    pub check_quorum: bool,
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

fn retry_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(300)..Duration::from_millis(300)
}

fn check_quorum_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(300)..Duration::from_millis(300)
}

fn redirect_delay() -> std::ops::Range<Duration> {
    Duration::from_millis(10)..Duration::from_millis(20)
}

impl Raft {
    /// `servers` servers, every one a member, without clients, snapshots or the options of
    /// section 9.6, no bound on messages, no mutant; terms up to 200, and up to 4 commands per
    /// leader's log.
    pub fn new(servers: usize) -> Raft {
        Raft {
            servers,
            max_term: 200,
            max_log: 4,
            clients: 0,
            snapshot_every: 0,
            members: servers,
            retire: 0,
            pre_vote: false,
            check_quorum: false,
            max_messages: usize::MAX,
            mutant: None,
        }
    }

    /// The configuration membership changes lead to: every server but the retired ones.
    pub fn final_config(&self) -> u64 {
        let all = if self.servers >= 64 {
            u64::MAX
        } else {
            (1u64 << self.servers) - 1
        };
        let retired = (1u64 << self.retire.min(self.servers - 1).min(63)) - 1;
        all & !retired
    }

    /// The initial configuration.
    fn initial_config(&self) -> u64 {
        let members = self.members.clamp(1, self.servers);
        if members >= 64 {
            u64::MAX
        } else {
            (1u64 << members) - 1
        }
    }

    fn others(&self, me: NodeId) -> impl Iterator<Item = NodeId> {
        (0..self.servers)
            .map(NodeId::from)
            .filter(move |&n| n != me)
    }

    /// Moves to `term` as a follower (a higher term was seen).
    fn step_down(&self, s: &mut Server, term: Term, out: &mut Effects<RaftMsg, RaftTimer>) {
        if term > s.term {
            s.term = term;
            s.voted_for = None;
        }
        if !matches!(s.role, Role::Follower) {
            s.role = Role::Follower;
            // Reads in progress cannot be confirmed any more; their clients retry elsewhere.
            s.reads.clear();
            out.cancel_timer(RaftTimer::Heartbeat);
            out.cancel_timer(RaftTimer::Propose);
            if self.check_quorum {
                out.cancel_timer(RaftTimer::CheckQuorum);
            }
            out.set_timer(RaftTimer::Election, election_delay());
        }
        out.persist();
    }

    fn append_to(&self, s: &Server, to: NodeId, out: &mut Effects<RaftMsg, RaftTimer>) {
        let Role::Leader { next, .. } = &s.role else {
            return;
        };
        let next = next[to.index()].max(1);
        if next <= s.snapshot_index {
            // The entries it needs are compacted: send the snapshot.
            out.send(
                to,
                RaftMsg::InstallSnapshot {
                    term: s.term,
                    last_index: s.snapshot_index,
                    last_term: s.snapshot_term,
                    state: s.snapshot.clone(),
                    config: s.snapshot_config,
                },
            );
            return;
        }
        let prev_index = next - 1;
        out.send(
            to,
            RaftMsg::Append {
                term: s.term,
                prev_index,
                prev_term: s.term_at(prev_index),
                entries: s.log[usize::from(prev_index - s.snapshot_index)..].to_vec(),
                commit: s.commit,
                round: s.read_round,
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
                command: Cmd::Noop,
            });
        }
        let len = s.last_index();
        let mut matched = vec![0; self.servers];
        matched[me.index()] = len;
        s.role = Role::Leader {
            next: vec![len + 1; self.servers],
            matched,
            acked: vec![0; self.servers],
            heard: 1 << me.0,
        };
        s.led.push(s.term);
        out.persist();
        out.cancel_timer(RaftTimer::Election);
        if self.check_quorum {
            out.set_timer(RaftTimer::CheckQuorum, check_quorum_delay());
        }
        for to in self.others(me) {
            self.append_to(s, to, out);
        }
        out.set_timer(RaftTimer::Heartbeat, heartbeat_delay());
        if self.clients == 0 && commands(&s.log) < usize::from(self.max_log) {
            out.set_timer(RaftTimer::Propose, propose_delay());
        }
        // A single server commits at once.
        self.advance_commit(me, s, out);
    }

    /// Advances the commit index to the highest index a majority stores, counting only entries
    /// of the leader's term (the commit rule), then applies what is newly committed.
    fn advance_commit(&self, me: NodeId, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        let Role::Leader { matched, .. } = &s.role else {
            return;
        };
        for index in (s.commit + 1..=s.last_index()).rev() {
            if s.term_at(index) != s.term && self.mutant != Some(RaftMutant::CommitOldTerm) {
                continue;
            }
            let replicas = matched
                .iter()
                .enumerate()
                .filter(|&(_, &m)| m >= index)
                .fold(0u64, |set, (i, _)| set | 1 << i);
            if s.quorum(replicas) {
                for i in s.commit + 1..=index {
                    let entry = *s.entry(i).expect("uncommitted entries are not compacted");
                    s.commits.push((i, entry, s.term));
                }
                s.commit = index;
                out.persist();
                break;
            }
        }
        self.apply(me, s, out);
        if s.is_leader() && s.config & (1 << me.0) == 0 && !config_pending(s) {
            // The configuration that removed this leader is committed: it steps down.
            let term = s.term;
            self.step_down(s, term, out);
            return;
        }
        self.reconfigure(me, s, out);
    }

    /// A leader adds the next spare server, once an entry of its term is committed and no
    /// earlier change is pending (one server at a time, thesis section 4.1).
    fn reconfigure(&self, me: NodeId, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        let target = self.final_config();
        if !s.is_leader() || s.config == target || s.term_at(s.commit) != s.term {
            return;
        }
        if config_pending(s) {
            return;
        }
        // Add the missing servers first, then remove the retired ones; one at a time.
        let missing = target & !s.config;
        let extra = s.config & !target;
        let lowest = |set: u64| set & set.wrapping_neg();
        let next = if self.mutant == Some(RaftMutant::AddAllAtOnce) && missing != 0 {
            s.config | missing
        } else if missing != 0 {
            s.config | lowest(missing)
        } else {
            s.config & !lowest(extra)
        };
        self.leader_append(me, s, Cmd::Config(next), out);
    }

    /// The leader appends `command` to its log, persists it and sends it to every server.
    fn leader_append(
        &self,
        me: NodeId,
        s: &mut Server,
        command: Cmd,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        s.log.push(Entry {
            term: s.term,
            command,
        });
        s.refresh_config();
        let len = s.last_index();
        if let Role::Leader { matched, .. } = &mut s.role {
            matched[me.index()] = len;
        }
        out.persist();
        for to in self.others(me) {
            self.append_to(s, to, out);
        }
    }

    /// Applies the committed entries not applied yet to the key-value store; the leader answers
    /// the clients, and serves the reads that have become ready.
    fn apply(&self, me: NodeId, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        while s.applied < s.commit {
            s.applied += 1;
            let entry = *s
                .entry(s.applied)
                .expect("unapplied entries are not compacted");
            let Cmd::Kv(command) = entry.command else {
                continue;
            };
            let output = if self.mutant == Some(RaftMutant::NoSessions) {
                Some(s.kv.execute(command.op))
            } else {
                s.kv.apply(&command)
            };
            if let (true, Some(output)) = (s.is_leader(), output) {
                out.send(
                    NodeId(command.client),
                    RaftMsg::Reply {
                        seq: command.seq,
                        output,
                    },
                );
            }
        }
        if self.snapshot_every > 0 && s.applied - s.snapshot_index >= self.snapshot_every {
            self.compact(s, out);
        }
        self.serve_reads(me, s, out);
    }

    /// Replaces the applied entries of the log by a snapshot of the state machine.
    fn compact(&self, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        let applied = s.applied;
        s.snapshot_term = s.term_at(applied);
        let compacted = usize::from(applied - s.snapshot_index);
        if let Some(config) = s.log[..compacted]
            .iter()
            .rev()
            .find_map(|e| match e.command {
                Cmd::Config(members) => Some(members),
                _ => None,
            })
        {
            s.snapshot_config = config;
        }
        s.log.drain(..compacted);
        s.snapshot_index = applied;
        s.snapshot = s.kv.clone();
        if self.mutant == Some(RaftMutant::SnapshotWithoutSessions) {
            s.snapshot.sessions.clear();
        }
        out.persist();
    }

    /// ReadIndex: once an entry of the leader's term is committed, a read notes the commit
    /// index; it is answered when a majority has acknowledged a read round started after it
    /// arrived and the noted index is applied.
    fn serve_reads(&self, me: NodeId, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        if s.reads.is_empty() {
            return;
        }
        let Role::Leader { acked, .. } = &s.role else {
            return;
        };
        let committed_in_term = s.term_at(s.commit) == s.term;
        let config = s.config;
        let confirmed = |round: u32| {
            let set = (0..self.servers)
                .filter(|&i| i == me.index() || acked[i] >= round)
                .fold(0u64, |set, i| set | 1 << i);
            quorum(config, set)
        };
        let mut answered = Vec::new();
        for read in s.reads.iter_mut() {
            if read.index.is_none() && committed_in_term {
                read.index = Some(s.commit);
            }
            if let Some(index) = read.index {
                if confirmed(read.round) && s.applied >= index {
                    answered.push((read.client, read.seq, read.key));
                }
            }
        }
        if answered.is_empty() {
            return;
        }
        s.reads.retain(|r| {
            !answered
                .iter()
                .any(|&(c, q, _)| c == r.client && q == r.seq)
        });
        for (client, seq, key) in answered {
            let output = s.kv.execute(KvOp::Get(key));
            out.send(NodeId(client), RaftMsg::Reply { seq, output });
        }
    }

    fn on_server_message(
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
                    self.step_down(s, term, out);
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
            RaftMsg::PreVote {
                term,
                last_index,
                last_term,
            } => {
                // Nobody's term changes: a server cut off from the others cannot disrupt them.
                let (my_index, my_term) = s.last();
                let granted = term > s.term
                    && !s.is_leader()
                    && !s.heard_leader
                    && (last_term, last_index) >= (my_term, my_index);
                out.send(from, RaftMsg::PreVoteReply { term, granted });
            }
            RaftMsg::PreVoteReply { term, granted } => {
                let config = s.config;
                if let Role::PreCandidate { votes } = &mut s.role {
                    if granted && term == s.term + 1 {
                        *votes |= 1 << from.0;
                        if quorum(config, *votes) {
                            self.start_election(me, s, out);
                        }
                    }
                }
            }
            RaftMsg::Vote { term, granted } => {
                if term > s.term {
                    self.step_down(s, term, out);
                    return;
                }
                let config = s.config;
                if let Role::Candidate { votes } = &mut s.role {
                    if term == s.term && granted {
                        *votes |= 1 << from.0;
                        if quorum(config, *votes) {
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
                round,
            } => {
                if term < s.term {
                    out.send(
                        from,
                        RaftMsg::AppendReply {
                            term: s.term,
                            success: false,
                            match_index: 0,
                            round,
                        },
                    );
                    return;
                }
                if term > s.term || !matches!(s.role, Role::Follower) {
                    self.step_down(s, term, out);
                }
                if self.pre_vote {
                    s.heard_leader = true;
                }
                out.set_timer(RaftTimer::Election, election_delay());
                // Entries up to the snapshot are committed, so they match the leader's.
                let consistent = prev_index < s.snapshot_index
                    || (prev_index <= s.last_index() && s.term_at(prev_index) == prev_term);
                if !consistent {
                    out.send(
                        from,
                        RaftMsg::AppendReply {
                            term: s.term,
                            success: false,
                            match_index: 0,
                            round,
                        },
                    );
                    return;
                }
                // Append what is missing; truncate only at a conflict (an entry of another
                // term), never because a message is shorter than the log.
                for (offset, entry) in entries.iter().enumerate() {
                    let index = prev_index + offset as Index + 1;
                    if index <= s.snapshot_index {
                        continue;
                    }
                    let position = usize::from(index - s.snapshot_index) - 1;
                    match s.log.get(position) {
                        Some(existing) if existing.term == entry.term => {}
                        Some(_) => {
                            s.log.truncate(position);
                            s.log.push(*entry);
                        }
                        None => s.log.push(*entry),
                    }
                }
                s.refresh_config();
                let match_index = prev_index + entries.len() as Index;
                s.commit = s.commit.max(commit.min(match_index));
                out.persist();
                self.apply(me, s, out);
                out.send(
                    from,
                    RaftMsg::AppendReply {
                        term: s.term,
                        success: true,
                        match_index,
                        round,
                    },
                );
            }
            RaftMsg::InstallSnapshot {
                term,
                last_index,
                last_term,
                state,
                config,
            } => {
                if term < s.term {
                    out.send(
                        from,
                        RaftMsg::AppendReply {
                            term: s.term,
                            success: false,
                            match_index: 0,
                            round: 0,
                        },
                    );
                    return;
                }
                if term > s.term || !matches!(s.role, Role::Follower) {
                    self.step_down(s, term, out);
                }
                if self.pre_vote {
                    s.heard_leader = true;
                }
                out.set_timer(RaftTimer::Election, election_delay());
                if last_index > s.snapshot_index {
                    // Keep the entries after the snapshot if the log agrees with it there;
                    // otherwise the snapshot replaces the whole log.
                    if s.entry(last_index).map(|e| e.term) == Some(last_term) {
                        s.log.drain(..usize::from(last_index - s.snapshot_index));
                    } else {
                        s.log.clear();
                    }
                    s.snapshot_index = last_index;
                    s.snapshot_term = last_term;
                    if s.applied < last_index {
                        s.kv = state.clone();
                        s.applied = last_index;
                    }
                    s.snapshot = state;
                    s.snapshot_config = config;
                    s.refresh_config();
                    s.commit = s.commit.max(last_index);
                    out.persist();
                }
                out.send(
                    from,
                    RaftMsg::AppendReply {
                        term: s.term,
                        success: true,
                        match_index: last_index,
                        round: 0,
                    },
                );
            }
            RaftMsg::AppendReply {
                term,
                success,
                match_index,
                round,
            } => {
                if term > s.term {
                    self.step_down(s, term, out);
                    return;
                }
                if term != s.term {
                    return;
                }
                let Role::Leader {
                    next,
                    matched,
                    acked,
                    heard,
                } = &mut s.role
                else {
                    return;
                };
                let i = from.index();
                if self.check_quorum {
                    *heard |= 1 << from.0;
                }
                // Any answer in this term acknowledges this server as the leader.
                acked[i] = acked[i].max(round);
                if success {
                    matched[i] = matched[i].max(match_index);
                    next[i] = matched[i] + 1;
                    self.advance_commit(me, s, out);
                } else {
                    next[i] = next[i].saturating_sub(1).max(1);
                    self.append_to(s, from, out);
                    self.serve_reads(me, s, out);
                }
            }
            RaftMsg::Request { seq, op } => {
                if !s.is_leader() {
                    out.send(from, RaftMsg::NotLeader { seq });
                    return;
                }
                match op {
                    KvOp::Get(key) if self.mutant == Some(RaftMutant::StaleRead) => {
                        let output = s.kv.execute(KvOp::Get(key));
                        out.send(from, RaftMsg::Reply { seq, output });
                    }
                    KvOp::Get(key) => {
                        // A new read round; the heartbeats that carry it confirm leadership.
                        s.read_round += 1;
                        s.reads.push(PendingRead {
                            client: from.0,
                            seq,
                            key,
                            index: None,
                            round: s.read_round,
                        });
                        for to in self.others(me) {
                            self.append_to(s, to, out);
                        }
                        self.serve_reads(me, s, out);
                    }
                    _ => {
                        let command = Command {
                            client: from.0,
                            seq,
                            op,
                        };
                        self.leader_append(me, s, Cmd::Kv(command), out);
                        self.advance_commit(me, s, out);
                    }
                }
            }
            // Messages for clients.
            RaftMsg::Reply { .. } | RaftMsg::NotLeader { .. } => {}
        }
    }

    fn on_client_message(
        &self,
        c: &mut Client,
        msg: RaftMsg,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        match msg {
            RaftMsg::Reply { seq, output } if c.op.is_some() && seq == c.seq => {
                c.op = None;
                c.done = Some(output);
                out.cancel_timer(RaftTimer::Retry);
            }
            // Try the next server soon.
            RaftMsg::NotLeader { seq } if c.op.is_some() && seq == c.seq => {
                out.set_timer(RaftTimer::Retry, redirect_delay());
            }
            _ => {}
        }
    }

    fn on_server_timer(
        &self,
        me: NodeId,
        s: &mut Server,
        timer: RaftTimer,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        match timer {
            RaftTimer::Election => {
                // Spares (and removed servers) do not campaign.
                if s.is_leader() || s.term >= self.max_term || s.config & (1 << me.0) == 0 {
                    return;
                }
                if !self.pre_vote {
                    self.start_election(me, s, out);
                    return;
                }
                // No leader heard within a timeout: ask for pre-votes for the next term.
                s.heard_leader = false;
                s.role = Role::PreCandidate { votes: 1 << me.0 };
                if s.quorum(1 << me.0) {
                    self.start_election(me, s, out);
                    return;
                }
                let (last_index, last_term) = s.last();
                for to in self.others(me) {
                    out.send(
                        to,
                        RaftMsg::PreVote {
                            term: s.term + 1,
                            last_index,
                            last_term,
                        },
                    );
                }
                out.set_timer(RaftTimer::Election, election_delay());
            }
            RaftTimer::CheckQuorum => {
                let Role::Leader { heard, .. } = &mut s.role else {
                    return;
                };
                if !self.check_quorum {
                    return;
                }
                let heard = *heard;
                if !s.quorum(heard) {
                    // Cut off from a majority: stop serving as leader.
                    let term = s.term;
                    self.step_down(s, term, out);
                    return;
                }
                if let Role::Leader { heard, .. } = &mut s.role {
                    *heard = 1 << me.0;
                }
                out.set_timer(RaftTimer::CheckQuorum, check_quorum_delay());
            }
            RaftTimer::Heartbeat => {
                if !s.is_leader() {
                    return;
                }
                for to in self.others(me) {
                    self.append_to(s, to, out);
                }
                out.set_timer(RaftTimer::Heartbeat, heartbeat_delay());
            }
            RaftTimer::Propose => {
                if !s.is_leader() || commands(&s.log) >= usize::from(self.max_log) {
                    return;
                }
                self.leader_append(me, s, Cmd::Tag(me.0 as u8), out);
                self.advance_commit(me, s, out);
                if commands(&s.log) < usize::from(self.max_log) {
                    out.set_timer(RaftTimer::Propose, propose_delay());
                }
            }
            RaftTimer::Retry => {}
        }
    }

    /// Starts an election for the next term.
    fn start_election(&self, me: NodeId, s: &mut Server, out: &mut Effects<RaftMsg, RaftTimer>) {
        s.term += 1;
        s.voted_for = Some(me.0);
        s.role = Role::Candidate { votes: 1 << me.0 };
        out.persist();
        if s.quorum(1 << me.0) {
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

    /// The client sends its command to the next server.
    fn resend(&self, c: &mut Client, out: &mut Effects<RaftMsg, RaftTimer>) {
        let Some(op) = c.op else {
            return;
        };
        c.target = (c.target + 1) % self.servers as u16;
        out.send(NodeId(c.target), RaftMsg::Request { seq: c.seq, op });
        out.set_timer(RaftTimer::Retry, retry_delay());
    }
}

impl Process for Raft {
    type Msg = RaftMsg;
    type State = RaftNode;
    type Timer = RaftTimer;

    fn init(&self, me: NodeId, out: &mut Effects<RaftMsg, RaftTimer>) -> RaftNode {
        if me.index() >= self.servers {
            return RaftNode::Client(Client {
                seq: 0,
                op: None,
                // Clients start at different servers.
                target: (me.index() % self.servers) as u16,
                done: None,
            });
        }
        out.set_timer(RaftTimer::Election, election_delay());
        RaftNode::Server(Server::new(self.initial_config()))
    }

    fn on_message(
        &self,
        me: NodeId,
        node: &mut RaftNode,
        from: NodeId,
        msg: RaftMsg,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        match node {
            RaftNode::Server(s) => self.on_server_message(me, s, from, msg, out),
            RaftNode::Client(c) => self.on_client_message(c, msg, out),
        }
    }

    fn on_timer(
        &self,
        me: NodeId,
        node: &mut RaftNode,
        timer: RaftTimer,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        match node {
            RaftNode::Server(s) => self.on_server_timer(me, s, timer, out),
            RaftNode::Client(c) => {
                if timer == RaftTimer::Retry {
                    self.resend(c, out);
                }
            }
        }
    }

    /// A restarted server keeps its term, vote and log (and history), and starts as a follower
    /// with nothing known committed and an empty state machine, rebuilt from the log as commits
    /// become known again.
    fn on_restart(
        &self,
        _me: NodeId,
        durable: &RaftNode,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) -> RaftNode {
        let RaftNode::Server(durable) = durable else {
            return durable.clone();
        };
        out.set_timer(RaftTimer::Election, election_delay());
        let voted_for = if self.mutant == Some(RaftMutant::ForgetVote) {
            None
        } else {
            durable.voted_for
        };
        let mut server = Server {
            term: durable.term,
            voted_for,
            log: durable.log.clone(),
            led: durable.led.clone(),
            commits: durable.commits.clone(),
            // The state machine restarts from the snapshot.
            snapshot_index: durable.snapshot_index,
            snapshot_term: durable.snapshot_term,
            snapshot: durable.snapshot.clone(),
            kv: durable.snapshot.clone(),
            applied: durable.snapshot_index,
            commit: durable.snapshot_index,
            snapshot_config: durable.snapshot_config,
            ..Server::new(durable.config)
        };
        server.refresh_config();
        RaftNode::Server(server)
    }
}

impl Service for Raft {
    type Op = KvOp;
    type Output = KvOutput;

    fn is_client(&self, node: NodeId) -> bool {
        node.index() >= self.servers
    }

    fn on_invoke(
        &self,
        _me: NodeId,
        node: &mut RaftNode,
        op: KvOp,
        out: &mut Effects<RaftMsg, RaftTimer>,
    ) {
        let RaftNode::Client(c) = node else {
            return;
        };
        c.seq += 1;
        c.op = Some(op);
        out.send(NodeId(c.target), RaftMsg::Request { seq: c.seq, op });
        out.set_timer(RaftTimer::Retry, retry_delay());
    }

    fn poll_completion(&self, node: &mut RaftNode) -> Option<KvOutput> {
        match node {
            RaftNode::Client(c) => c.done.take(),
            RaftNode::Server(_) => None,
        }
    }
}

/// The Raft model as checked by `valence check raft`.
pub type RaftModel = ActorModel<Raft>;

/// Builds the model with the seed's five properties.
pub fn model(raft: Raft, network: NetworkSemantics, faults: FaultModel) -> RaftModel {
    let server_count = raft.servers;
    let raft_members_change = raft.members < raft.servers || raft.retire > 0;
    let target = raft.final_config();
    let nodes = raft.servers + raft.clients;
    let names = (0..nodes)
        .map(|i| {
            if i < server_count {
                format!("s{i}")
            } else {
                format!("c{}", i - server_count)
            }
        })
        .collect();
    let max_term = raft.max_term;
    let model = ActorModel::new(raft, nodes)
        .network(network)
        .faults(faults)
        .node_names(names)
        .within(move |m: &RaftModel, s: &ActorState<Raft>| {
            // Bound the network too, so that repeated heartbeats cannot grow it forever.
            s.network.len() <= m.process.max_messages && servers(s).all(|n| n.term <= max_term)
        })
        .property(Property::always(
            "election-safety",
            |_, s: &ActorState<Raft>| {
                // At most one leader per term.
                let mut led: Vec<Term> = servers(s).flat_map(|n| n.led.iter().copied()).collect();
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
                servers(before).zip(servers(after)).all(|(b, a)| {
                    let leader = b.is_leader() && a.is_leader() && a.term == b.term;
                    // Every entry it had is still there (or compacted), and none is removed.
                    !leader
                        || (a.last_index() >= b.last_index()
                            && b.entries().all(|(i, e)| a.entry(i).is_none_or(|x| x == e)))
                })
            },
        ))
        .property(Property::always(
            "log-matching",
            |_, s: &ActorState<Raft>| {
                // Same index and term: identical logs up to that entry.
                servers(s).all(|a| {
                    servers(s).all(|b| {
                        // Compare the indices both logs hold (compacted entries are committed).
                        let first = a.snapshot_index.max(b.snapshot_index) + 1;
                        let last = a.last_index().min(b.last_index());
                        (first..=last)
                            .rev()
                            .find(|&i| a.term_at(i) == b.term_at(i))
                            .is_none_or(|i| (first..=i).all(|j| a.entry(j) == b.entry(j)))
                    })
                })
            },
        ))
        .property(Property::always(
            "leader-completeness",
            |_, s: &ActorState<Raft>| {
                // An entry committed in term T is in the log of every leader of a later term.
                servers(s).all(|leader| {
                    if !leader.is_leader() {
                        return true;
                    }
                    servers(s)
                        .flat_map(|n| n.commits.iter())
                        .all(|&(index, entry, term)| {
                            leader.term <= term
                                || index <= leader.snapshot_index
                                || leader.entry(index) == Some(&entry)
                        })
                })
            },
        ))
        .property(Property::always(
            "state-machine-safety",
            |_, s: &ActorState<Raft>| {
                // No two servers apply different entries at one index.
                servers(s).all(|a| {
                    servers(s).all(|b| {
                        let first = a.snapshot_index.max(b.snapshot_index) + 1;
                        let applied = a.commit.min(b.commit);
                        (first..=applied).all(|i| a.entry(i) == b.entry(i))
                            && (a.snapshot_index != b.snapshot_index || a.snapshot == b.snapshot)
                    })
                })
            },
        ))
        .property(Property::sometimes(
            "entry-committed",
            |_, s: &ActorState<Raft>| servers(s).any(|n| n.commit > 0),
        ))
        .decisions(|_, s: &ActorState<Raft>| {
            // Log slots committed anywhere (no-ops included: each is a decided slot).
            servers(s).map(|n| u64::from(n.commit)).max().unwrap_or(0)
        });
    if !raft_members_change {
        return model;
    }
    // With membership changes, the goal is the final configuration, committed.
    model.property(Property::sometimes(
        "reconfigured",
        move |_, s: &ActorState<Raft>| {
            servers(s).any(|n| {
                let committed = (n.snapshot_index + 1..=n.commit)
                    .filter_map(|i| match n.entry(i).map(|e| e.command) {
                        Some(Cmd::Config(c)) => Some(c),
                        _ => None,
                    })
                    .any(|c| c == target);
                committed || n.snapshot_config == target
            })
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use valence_core::Effect;

    fn raft(pre_vote: bool, check_quorum: bool) -> Raft {
        Raft {
            max_term: 10,
            max_log: 0,
            pre_vote,
            check_quorum,
            ..Raft::new(3)
        }
    }

    fn server(node: &RaftNode) -> &Server {
        node.server().expect("a server")
    }

    fn sent(out: &Effects<RaftMsg, RaftTimer>) -> Vec<(NodeId, RaftMsg)> {
        out.effects()
            .iter()
            .filter_map(|e| match e {
                Effect::Send { to, msg } => Some((*to, msg.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_pre_candidate_keeps_its_term_until_a_majority_grants_a_pre_vote() {
        let raft = raft(true, false);
        let me = NodeId(0);
        let mut out = Effects::new();
        let mut node = raft.init(me, &mut out);
        let mut out = Effects::new();
        raft.on_timer(me, &mut node, RaftTimer::Election, &mut out);
        assert_eq!(server(&node).term, 0, "a pre-vote changes no term");
        assert!(matches!(server(&node).role, Role::PreCandidate { .. }));
        assert!(sent(&out)
            .iter()
            .all(|(_, m)| matches!(m, RaftMsg::PreVote { term: 1, .. })));
        let mut out = Effects::new();
        let reply = RaftMsg::PreVoteReply {
            term: 1,
            granted: true,
        };
        raft.on_message(me, &mut node, NodeId(1), reply, &mut out);
        assert_eq!(
            server(&node).term,
            1,
            "a majority of pre-votes starts the election"
        );
        assert!(matches!(server(&node).role, Role::Candidate { .. }));
        assert!(sent(&out)
            .iter()
            .all(|(_, m)| matches!(m, RaftMsg::RequestVote { term: 1, .. })));
    }

    #[test]
    fn a_server_that_hears_a_leader_refuses_pre_votes() {
        let raft = raft(true, false);
        let me = NodeId(1);
        let mut out = Effects::new();
        let mut node = raft.init(me, &mut out);
        let ask = RaftMsg::PreVote {
            term: 2,
            last_index: 0,
            last_term: 0,
        };
        let mut out = Effects::new();
        raft.on_message(me, &mut node, NodeId(2), ask.clone(), &mut out);
        assert!(matches!(
            sent(&out)[..],
            [(_, RaftMsg::PreVoteReply { granted: true, .. })]
        ));
        let heartbeat = RaftMsg::Append {
            term: 1,
            prev_index: 0,
            prev_term: 0,
            entries: Vec::new(),
            commit: 0,
            round: 0,
        };
        raft.on_message(me, &mut node, NodeId(0), heartbeat, &mut Effects::new());
        let mut out = Effects::new();
        raft.on_message(me, &mut node, NodeId(2), ask, &mut out);
        assert!(matches!(
            sent(&out)[..],
            [(_, RaftMsg::PreVoteReply { granted: false, .. })]
        ));
        assert_eq!(
            server(&node).term,
            1,
            "a pre-vote never raises the receiver's term"
        );
    }

    #[test]
    fn spares_do_not_campaign_and_a_leader_adds_them_one_at_a_time() {
        let raft = Raft {
            servers: 5,
            members: 3,
            ..raft(false, false)
        };
        let spare = NodeId(4);
        let mut node = raft.init(spare, &mut Effects::new());
        let mut out = Effects::new();
        raft.on_timer(spare, &mut node, RaftTimer::Election, &mut out);
        assert_eq!(server(&node).term, 0);
        assert!(sent(&out).is_empty());
        // s0 wins term 1 with s1's vote (2 of the 3 members), then commits its no-op.
        let me = NodeId(0);
        let mut node = raft.init(me, &mut Effects::new());
        raft.on_timer(me, &mut node, RaftTimer::Election, &mut Effects::new());
        let vote = RaftMsg::Vote {
            term: 1,
            granted: true,
        };
        raft.on_message(me, &mut node, NodeId(1), vote, &mut Effects::new());
        assert!(server(&node).is_leader());
        let ack = RaftMsg::AppendReply {
            term: 1,
            success: true,
            match_index: 1,
            round: 0,
        };
        raft.on_message(me, &mut node, NodeId(1), ack, &mut Effects::new());
        // The no-op is committed: the leader appends a configuration with one more server.
        assert_eq!(server(&node).commit, 1);
        assert_eq!(server(&node).config, 0b1111);
        assert!(matches!(
            server(&node).log.last().map(|e| e.command),
            Some(Cmd::Config(0b1111))
        ));
    }

    #[test]
    fn check_quorum_makes_a_leader_without_a_majority_step_down() {
        for check_quorum in [false, true] {
            let raft = raft(false, check_quorum);
            let me = NodeId(0);
            let mut out = Effects::new();
            let mut node = raft.init(me, &mut out);
            let mut out = Effects::new();
            raft.on_timer(me, &mut node, RaftTimer::Election, &mut out);
            let vote = RaftMsg::Vote {
                term: 1,
                granted: true,
            };
            raft.on_message(me, &mut node, NodeId(1), vote, &mut out);
            assert!(server(&node).is_leader());
            // A first check passes only with answers; none came.
            raft.on_timer(me, &mut node, RaftTimer::CheckQuorum, &mut Effects::new());
            assert_eq!(server(&node).is_leader(), !check_quorum);
            assert_eq!(server(&node).term, 1);
        }
    }
}
