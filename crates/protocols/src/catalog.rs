//! The built-in models by name, with their parameters, properties and mutants: what
//! `valence list` shows and `valence check MODEL` builds.

use std::collections::BTreeMap;

use thiserror::Error;
use valence_check::{check, CheckOptions, Model, PropertyKind, Report};
use valence_core::{CrashMode, FaultModel, NetworkSemantics, NETWORK_NAMES};

use crate::multipaxos::{self, MultiPaxos, MultiPaxosMutant};
use crate::paxos::{self, Paxos, PaxosMutant};
use crate::raft::{self, Raft, RaftMutant};
use crate::twophase::{TwoPhase, TwoPhaseMutant, RMS_MAX};
use crate::vsync::{self, Detector, Vsync, VsyncMutant};

/// A parameter of a model.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// The name, used as `--NAME VALUE`.
    pub name: &'static str,
    /// The default value.
    pub default: &'static str,
    /// What it sets.
    pub help: &'static str,
}

/// A seeded bug of a model.
#[derive(Clone, Copy, Debug)]
pub struct MutantSpec {
    /// The name, used as `--mutant NAME`.
    pub name: &'static str,
    /// What is wrong with it.
    pub help: &'static str,
    /// The properties the checker must find violated.
    pub violates: &'static [&'static str],
}

/// Builds a model from resolved parameters and an optional mutant name.
type Builder = fn(&Params, Option<&str>) -> Result<Box<dyn Checkable>, CatalogError>;

/// A model the CLI can build.
pub struct ModelSpec {
    /// The name, used as `valence check NAME`.
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    /// Its mutants.
    pub mutants: &'static [MutantSpec],
    build: Builder,
}

/// Bad input when building a model by name.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CatalogError {
    /// No model has this name.
    #[error("unknown model `{name}`; valid models: {valid}")]
    UnknownModel {
        /// The name given.
        name: String,
        /// The valid names.
        valid: String,
    },
    /// The model has no such parameter.
    #[error("model `{model}` has no parameter `--{param}`; valid parameters: {valid}")]
    UnknownParam {
        /// The model.
        model: String,
        /// The parameter given.
        param: String,
        /// The valid parameters.
        valid: String,
    },
    /// A parameter's value is not acceptable.
    #[error("bad value `{value}` for `--{param}`: {reason}")]
    BadValue {
        /// The parameter.
        param: String,
        /// The value given.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The model has no such mutant.
    #[error("model `{model}` has no mutant `{mutant}`; valid mutants: {valid}")]
    UnknownMutant {
        /// The model.
        model: String,
        /// The mutant given.
        mutant: String,
        /// The valid mutants.
        valid: String,
    },
}

/// A model behind a trait object, so the CLI can check any of them.
pub trait Checkable: Send + Sync {
    /// Runs the checker.
    fn check(&self, options: &CheckOptions) -> Report;
    /// Whether `--symmetry` is supported.
    fn has_symmetry(&self) -> bool;
    /// Properties by name and kind, deadlock freedom included when checked.
    fn property_kinds(&self) -> Vec<(String, PropertyKind)>;
}

impl<M: Model> Checkable for M {
    fn check(&self, options: &CheckOptions) -> Report {
        check(self, options)
    }

    fn has_symmetry(&self) -> bool {
        Model::has_symmetry(self)
    }

    fn property_kinds(&self) -> Vec<(String, PropertyKind)> {
        let mut kinds: Vec<_> = self
            .properties()
            .into_iter()
            .map(|p| (p.name, p.kind))
            .collect();
        if self.checks_deadlock() {
            kinds.push(("deadlock-free".to_string(), PropertyKind::Deadlock));
        }
        kinds
    }
}

/// Parameter values by name, with the defaults filled in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// The values as given, then completed with `spec`'s defaults. Unknown names are errors.
    pub fn resolve(spec: &ModelSpec, given: &[(String, String)]) -> Result<Self, CatalogError> {
        Self::resolve_with(spec.name, spec.params, given)
    }

    /// The values as given, then completed with the defaults of `params`, for model `model`.
    pub fn resolve_with(
        model: &str,
        params: &[ParamSpec],
        given: &[(String, String)],
    ) -> Result<Self, CatalogError> {
        let mut values = BTreeMap::new();
        for (name, value) in given {
            if !params.iter().any(|p| p.name == name) {
                return Err(CatalogError::UnknownParam {
                    model: model.to_string(),
                    param: name.clone(),
                    valid: if params.is_empty() {
                        "none".to_string()
                    } else {
                        params
                            .iter()
                            .map(|p| format!("--{}", p.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                });
            }
            values.insert(name.clone(), value.clone());
        }
        for param in params {
            values
                .entry(param.name.to_string())
                .or_insert_with(|| param.default.to_string());
        }
        Ok(Params { values })
    }

    /// All values, by name.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    fn raw(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .expect("resolved parameters include every declared one")
    }

    /// The value of `name` as an integer within `range`.
    pub fn int(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, CatalogError> {
        let raw = self.raw(name);
        let bad = |reason: String| CatalogError::BadValue {
            param: name.to_string(),
            value: raw.to_string(),
            reason,
        };
        let value: u64 = raw
            .parse()
            .map_err(|_| bad("expected a non-negative integer".to_string()))?;
        if !range.contains(&value) {
            return Err(bad(format!(
                "must be within {}..={}",
                range.start(),
                range.end()
            )));
        }
        Ok(value)
    }

    /// The value of `name` parsed with `FromStr`.
    pub fn parse<T: std::str::FromStr<Err = String>>(&self, name: &str) -> Result<T, CatalogError> {
        let raw = self.raw(name);
        raw.parse().map_err(|reason| CatalogError::BadValue {
            param: name.to_string(),
            value: raw.to_string(),
            reason,
        })
    }
}

impl Params {
    /// The boolean parameter `name`: `true` or `false`.
    pub fn flag(&self, name: &str) -> Result<bool, CatalogError> {
        let raw = self.raw(name);
        match raw {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(CatalogError::BadValue {
                param: name.to_string(),
                value: raw.to_string(),
                reason: "expected true or false".to_string(),
            }),
        }
    }
}

fn mutant_named<T: Copy>(
    model: &str,
    specs: &[MutantSpec],
    table: &[(&str, T)],
    name: Option<&str>,
) -> Result<Option<T>, CatalogError> {
    debug_assert_eq!(specs.len(), table.len());
    let Some(name) = name else {
        return Ok(None);
    };
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| Some(*m))
        .ok_or_else(|| CatalogError::UnknownMutant {
            model: model.to_string(),
            mutant: name.to_string(),
            valid: if specs.is_empty() {
                "none".to_string()
            } else {
                specs.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
            },
        })
}

const TWOPHASE_MUTANTS: &[MutantSpec] = &[
    MutantSpec {
        name: "commit-early",
        help: "the TM commits before every RM is prepared",
        violates: &["consistent"],
    },
    MutantSpec {
        name: "commit-to-one",
        help: "the commit message reaches only the first RM, so the other prepared RMs wait for \
               ever; no state deadlocks, only the liveness property all-decide catches it",
        violates: &["all-decide"],
    },
];

/// The seeded bugs of Paxos.
pub const PAXOS_MUTANTS: &[MutantSpec] = &[
    MutantSpec {
        name: "accept-despite-promise",
        help: "an acceptor accepts a lower-numbered proposal after promising a higher one",
        violates: &["P1", "P2", "agreement"],
    },
    MutantSpec {
        name: "ignore-promised-value",
        help: "a proposer picks its own value although a promise reported an accepted one",
        violates: &["P2", "agreement"],
    },
    MutantSpec {
        name: "promise-uninitialized-value",
        help: "an acceptor that accepted nothing reports an uninitialised proposal (0, 0), \
               and its value 0, which nobody proposed, gets chosen",
        violates: &["validity"],
    },
    MutantSpec {
        name: "forget-promise",
        help: "an acceptor answers Prepare without persisting its promise, so after a crash \
               it accepts a lower-numbered proposal (caught with --crashes 1)",
        violates: &["P2", "agreement"],
    },
];

fn build_twophase(
    params: &Params,
    mutant: Option<&str>,
) -> Result<Box<dyn Checkable>, CatalogError> {
    let rms = params.int("rms", 1..=RMS_MAX as u64)? as usize;
    let mutant = mutant_named(
        "twophase",
        TWOPHASE_MUTANTS,
        &[
            ("commit-early", TwoPhaseMutant::CommitEarly),
            ("commit-to-one", TwoPhaseMutant::CommitToOne),
        ],
        mutant,
    )?;
    let termination = params.flag("termination")?;
    Ok(Box::new(
        TwoPhase::new(rms)
            .with_mutant(mutant)
            .with_termination(termination),
    ))
}

/// The Paxos mutant called `name`, if any; an unknown name is an error listing the valid ones.
pub fn paxos_mutant(name: Option<&str>) -> Result<Option<PaxosMutant>, CatalogError> {
    mutant_named(
        "paxos",
        PAXOS_MUTANTS,
        &[
            ("accept-despite-promise", PaxosMutant::AcceptDespitePromise),
            ("ignore-promised-value", PaxosMutant::IgnorePromisedValue),
            (
                "promise-uninitialized-value",
                PaxosMutant::PromiseUninitializedValue,
            ),
            ("forget-promise", PaxosMutant::ForgetPromise),
        ],
        name,
    )
}

fn build_paxos(params: &Params, mutant: Option<&str>) -> Result<Box<dyn Checkable>, CatalogError> {
    let proposers = params.int("proposers", 1..=8)? as usize;
    let acceptors = params.int("acceptors", 1..=32)? as usize;
    let learners = params.int("learners", 1..=8)? as usize;
    let rounds = params.int("rounds", 1..=16)? as u32;
    let network: NetworkSemantics = params.parse("network")?;
    let crashes = params.int("crashes", 0..=8)? as u8;
    let mutant = paxos_mutant(mutant)?;
    let process = Paxos {
        proposers,
        acceptors,
        learners,
        rounds,
        mutant,
    };
    let faults = FaultModel {
        crash: if crashes > 0 {
            CrashMode::Recover
        } else {
            CrashMode::None
        },
        max_crashes: crashes,
    };
    Ok(Box::new(paxos::model(process, network).faults(faults)))
}

/// The seeded bugs of Multi-Paxos that the checker catches. A fourth,
/// `skip-session-check`, breaks exactly-once application, which only the simulator's
/// linearizability check of the clients' history sees (`valence simulate multipaxos`).
pub const MULTIPAXOS_MUTANTS: &[MutantSpec] = &[
    MutantSpec {
        name: "accept-lower-ballot",
        help: "an acceptor accepts a pvalue whose ballot is below the one it adopted",
        violates: &["slot-agreement", "applied-prefix"],
    },
    MutantSpec {
        name: "ignore-pvalues",
        help: "a new leader ignores the pvalues its scout collected and proposes new commands \
               in slots that may already be decided",
        violates: &["slot-agreement", "applied-prefix"],
    },
    MutantSpec {
        name: "apply-out-of-order",
        help: "a replica applies each decision as it arrives instead of in slot order",
        violates: &["applied-prefix"],
    },
    MutantSpec {
        name: "accept-without-persist",
        help: "an acceptor answers Accept before persisting the pvalue, so a crash erases a \
               vote that decided a slot (needs crashes: caught by `valence simulate \
               multipaxos`, and by the checker with --crashes 1 after some 900,000 states)",
        violates: &["slot-agreement"],
    },
];

/// The Multi-Paxos mutant called `name`, if any: those of [`MULTIPAXOS_MUTANTS`] and, with
/// `simulated`, `skip-session-check` too. An unknown name is an error listing the valid ones.
pub fn multipaxos_mutant(
    name: Option<&str>,
    simulated: bool,
) -> Result<Option<MultiPaxosMutant>, CatalogError> {
    if simulated && name == Some("skip-session-check") {
        return Ok(Some(MultiPaxosMutant::SkipSessionCheck));
    }
    mutant_named(
        "multipaxos",
        MULTIPAXOS_MUTANTS,
        &[
            ("accept-lower-ballot", MultiPaxosMutant::AcceptLowerBallot),
            ("ignore-pvalues", MultiPaxosMutant::IgnorePvalues),
            ("apply-out-of-order", MultiPaxosMutant::ApplyOutOfOrder),
            (
                "accept-without-persist",
                MultiPaxosMutant::AcceptWithoutPersist,
            ),
        ],
        name,
    )
    .map_err(|error| match error {
        CatalogError::UnknownMutant {
            model,
            mutant,
            valid,
        } if simulated => CatalogError::UnknownMutant {
            model,
            mutant,
            valid: format!("{valid}, skip-session-check"),
        },
        other => other,
    })
}

fn build_multipaxos(
    params: &Params,
    mutant: Option<&str>,
) -> Result<Box<dyn Checkable>, CatalogError> {
    let servers = params.int("servers", 1..=64)? as usize;
    let leaders = params.int("leaders", 1..=64)? as usize;
    let clients = params.int("clients", 1..=16)? as usize;
    let client_ops = params.int("client-ops", 0..=1_000)? as u32;
    let max_round = params.int("max-round", 1..=1_000_000)? as u32;
    let max_slots = params.int("max-slots", 1..=1_000_000)? as u32;
    let max_messages = params.int("max-messages", 1..=10_000)? as usize;
    let crashes = params.int("crashes", 0..=8)? as u8;
    let network: NetworkSemantics = params.parse("network")?;
    let mutant = multipaxos_mutant(mutant, false)?;
    let faults = FaultModel {
        crash: if crashes > 0 {
            CrashMode::Recover
        } else {
            CrashMode::None
        },
        max_crashes: crashes,
    };
    let process = MultiPaxos {
        servers,
        leaders,
        clients,
        client_ops,
        max_round,
        max_slots,
        max_messages,
        mutant,
    };
    Ok(Box::new(multipaxos::model(process, network, faults)))
}

const RAFT_MUTANTS: &[MutantSpec] = &[
    MutantSpec {
        name: "vote-without-log-check",
        help: "a server grants its vote without checking that the candidate's log is up to date",
        violates: &["leader-completeness"],
    },
    MutantSpec {
        name: "forget-vote",
        help: "votedFor is not persisted, so a restarted server votes twice in one term \
               (needs crashes: `--crashes 1`, or `valence simulate raft`)",
        violates: &["election-safety"],
    },
    MutantSpec {
        name: "commit-old-term",
        help: "a leader commits entries of earlier terms by counting replicas (the Raft paper's \
               Figure 8; it also skips the election no-op, which would mask the bug). Its schedule \
               needs 4 terms, beyond what the checker explores: caught by `valence simulate \
               raft --mutant commit-old-term --seeds 0..10000 --safety-ms 5000`",
        violates: &["leader-completeness"],
    },
    MutantSpec {
        name: "no-sessions",
        help: "servers apply a command every time it is committed: a client's retry after a \
               leader change takes effect twice (caught by `valence simulate raft --clients 3`, \
               whose history is not linearizable)",
        violates: &[],
    },
    MutantSpec {
        name: "stale-read",
        help: "a leader serves reads from its state without ReadIndex's confirmation that it \
               still leads (caught by `valence simulate raft --clients 3`: a deposed leader \
               answers a stale read)",
        violates: &[],
    },
    MutantSpec {
        name: "snapshot-without-sessions",
        help: "snapshots keep the data but not the client sessions, so a server restarted from \
               one applies a retried command again (caught by `valence simulate raft --clients \
               3 --snapshot-every 2`)",
        violates: &[],
    },
    MutantSpec {
        name: "add-all-at-once",
        help: "a leader adds every spare server in one configuration change, so the old and \
               the new configuration can have disjoint majorities (caught by `valence simulate \
               raft --servers 5 --spares 2 --seeds 0..10000`)",
        violates: &[],
    },
];

/// The Raft mutant called `name`, if any; an unknown name is an error listing the valid ones.
pub fn raft_mutant(name: Option<&str>) -> Result<Option<RaftMutant>, CatalogError> {
    mutant_named(
        "raft",
        RAFT_MUTANTS,
        &[
            ("vote-without-log-check", RaftMutant::VoteWithoutLogCheck),
            ("forget-vote", RaftMutant::ForgetVote),
            ("commit-old-term", RaftMutant::CommitOldTerm),
            ("no-sessions", RaftMutant::NoSessions),
            ("stale-read", RaftMutant::StaleRead),
            (
                "snapshot-without-sessions",
                RaftMutant::SnapshotWithoutSessions,
            ),
            ("add-all-at-once", RaftMutant::AddAllAtOnce),
        ],
        name,
    )
}

fn build_raft(params: &Params, mutant: Option<&str>) -> Result<Box<dyn Checkable>, CatalogError> {
    let servers = params.int("servers", 1..=9)? as usize;
    let max_term = params.int("max-term", 1..=60_000)? as u16;
    let max_log = params.int("max-log", 0..=100)? as u8;
    let max_messages = params.int("max-messages", 1..=10_000)? as usize;
    let crashes = params.int("crashes", 0..=8)? as u8;
    let network: NetworkSemantics = params.parse("network")?;
    let mutant = raft_mutant(mutant)?;
    let faults = FaultModel {
        crash: if crashes > 0 {
            CrashMode::Recover
        } else {
            CrashMode::None
        },
        max_crashes: crashes,
    };
    let process = Raft {
        servers,
        max_term,
        max_log,
        clients: 0,
        snapshot_every: 0,
        // Membership changes need more messages than a bounded check can explore: they are
        // simulated (`valence simulate raft --spares N`).
        members: servers,
        retire: 0,
        pre_vote: params.flag("pre-vote")?,
        check_quorum: params.flag("check-quorum")?,
        max_messages,
        mutant,
    };
    Ok(Box::new(raft::model(process, network, faults)))
}

/// The seeded bugs of virtual synchrony.
pub const VSYNC_MUTANTS: &[MutantSpec] = &[
    MutantSpec {
        name: "skip-flush",
        help: "the coordinator installs the new view without the unions of unstable messages, \
               so one survivor delivered m in the old view and another did not",
        violates: &["view-synchrony"],
    },
    MutantSpec {
        name: "deliver-in-next-view",
        help: "a member delivers a late message of view v after installing v'",
        violates: &["sent-view-delivery"],
    },
];

/// The virtual synchrony mutant called `name`, if any; an unknown name is an error listing the
/// valid ones.
pub fn vsync_mutant(name: Option<&str>) -> Result<Option<VsyncMutant>, CatalogError> {
    mutant_named(
        "vsync",
        VSYNC_MUTANTS,
        &[
            ("skip-flush", VsyncMutant::SkipFlush),
            ("deliver-in-next-view", VsyncMutant::DeliverInNextView),
        ],
        name,
    )
}

fn build_vsync(params: &Params, mutant: Option<&str>) -> Result<Box<dyn Checkable>, CatalogError> {
    let nodes = params.int("nodes", 1..=vsync::NODES_MAX as u64)? as usize;
    let joiners = params.int("joiners", 0..=nodes as u64 - 1)? as usize;
    let messages = params.int("messages", 0..=100)? as u8;
    let view_changes = params.int("view-changes", 0..=100)? as u32;
    let max_in_flight = params.int("max-in-flight", 1..=10_000)? as usize;
    let max_suspicions = params.int("suspicions", 0..=1_000)? as u32;
    let crashes = params.int("crashes", 0..=8)? as u8;
    let process = Vsync {
        nodes,
        initial_members: nodes - joiners,
        messages,
        max_epoch: 1 + view_changes,
        max_in_flight,
        max_suspicions,
        detector: Detector::Suspicions,
        mutant: vsync_mutant(mutant)?,
    };
    let faults = FaultModel {
        crash: if crashes > 0 {
            CrashMode::Stop
        } else {
            CrashMode::None
        },
        max_crashes: crashes,
    };
    Ok(Box::new(vsync::model(process, faults)))
}

const PAXOS_NETWORK_HELP: &str = "network semantics: unordered, unordered-lossy, \
     unordered-duplicating, fifo, fifo-lossy";

static MODELS: &[ModelSpec] = &[
    ModelSpec {
        name: "multipaxos",
        summary: "Multi-Paxos (replicas, leaders with scouts and commanders, acceptors) with a \
                  replicated key-value store and client sessions (bounded: ballots, slots, \
                  commands, messages in flight)",
        params: &[
            ParamSpec {
                name: "servers",
                default: "3",
                help: "number of servers (each an acceptor and a replica)",
            },
            ParamSpec {
                name: "leaders",
                default: "2",
                help: "servers that run for leader (servers 0..leaders)",
            },
            ParamSpec {
                name: "clients",
                default: "1",
                help: "number of clients",
            },
            ParamSpec {
                name: "client-ops",
                default: "2",
                help: "commands each client runs, one after another",
            },
            ParamSpec {
                name: "max-round",
                default: "1",
                help: "highest ballot round a leader may start",
            },
            ParamSpec {
                name: "max-slots",
                default: "2",
                help: "highest slot a leader may propose in",
            },
            ParamSpec {
                name: "max-messages",
                default: "14",
                help: "states with more messages between servers in flight are not expanded",
            },
            ParamSpec {
                name: "crashes",
                default: "0",
                help: "crash-recovery faults",
            },
            ParamSpec {
                name: "network",
                default: "unordered-duplicating",
                help: PAXOS_NETWORK_HELP,
            },
        ],
        mutants: MULTIPAXOS_MUTANTS,
        build: build_multipaxos,
    },
    ModelSpec {
        name: "paxos",
        summary: "single-decree Basic Paxos (proposers, acceptors, learners; phases 1a-2b)",
        params: &[
            ParamSpec {
                name: "proposers",
                default: "2",
                help: "number of proposers (proposer p proposes value p+1)",
            },
            ParamSpec {
                name: "acceptors",
                default: "3",
                help: "number of acceptors",
            },
            ParamSpec {
                name: "learners",
                default: "1",
                help: "number of learners",
            },
            ParamSpec {
                name: "rounds",
                default: "1",
                help: "ballots each proposer may start",
            },
            ParamSpec {
                name: "network",
                default: "unordered",
                help: PAXOS_NETWORK_HELP,
            },
            ParamSpec {
                name: "crashes",
                default: "0",
                help: "crash-recovery faults (nodes restart from what they persisted)",
            },
        ],
        mutants: PAXOS_MUTANTS,
        build: build_paxos,
    },
    ModelSpec {
        name: "raft",
        summary: "Raft's core: elections, log replication, the commit rule, persistence \
                  (bounded: terms, commands, messages in flight)",
        params: &[
            ParamSpec {
                name: "servers",
                default: "3",
                help: "number of servers",
            },
            ParamSpec {
                name: "max-term",
                default: "2",
                help: "highest term an election may start",
            },
            ParamSpec {
                name: "max-log",
                default: "1",
                help: "client commands a leader appends (besides its no-op)",
            },
            ParamSpec {
                name: "pre-vote",
                default: "false",
                help: "pre-vote before elections (true or false)",
            },
            ParamSpec {
                name: "check-quorum",
                default: "false",
                help: "leaders step down without a majority's answers (true or false)",
            },
            ParamSpec {
                name: "max-messages",
                default: "12",
                help: "states with more messages in flight are not expanded",
            },
            ParamSpec {
                name: "crashes",
                default: "0",
                help: "crash-recovery faults",
            },
            ParamSpec {
                name: "network",
                default: "unordered-duplicating",
                help: PAXOS_NETWORK_HELP,
            },
        ],
        mutants: RAFT_MUTANTS,
        build: build_raft,
    },
    ModelSpec {
        name: "twophase",
        summary: "two-phase commit, exactly Lamport and Gray's TwoPhase TLA+ spec",
        params: &[
            ParamSpec {
                name: "rms",
                default: "3",
                help: "number of resource managers (1 to 32)",
            },
            ParamSpec {
                name: "termination",
                default: "true",
                help: "also check the liveness property all-decide: every RM eventually commits \
                       or aborts, under weak fairness of every step",
            },
        ],
        mutants: TWOPHASE_MUTANTS,
        build: build_twophase,
    },
    ModelSpec {
        name: "vsync",
        summary: "virtual synchrony: group membership with view-synchronous multicast and a \
                  flush at each view change (bounded: messages, view changes, messages in flight)",
        params: &[
            ParamSpec {
                name: "nodes",
                default: "3",
                help: "number of processes",
            },
            ParamSpec {
                name: "joiners",
                default: "0",
                help: "processes outside the first view, which join through a view change",
            },
            ParamSpec {
                name: "messages",
                default: "1",
                help: "application messages each process multicasts",
            },
            ParamSpec {
                name: "view-changes",
                default: "1",
                help: "view changes after the first view (epochs above 1 + this are not proposed)",
            },
            ParamSpec {
                name: "suspicions",
                default: "2",
                help: "suspicions in all (any process may suspect any other at any moment)",
            },
            ParamSpec {
                name: "max-in-flight",
                default: "8",
                help: "states with more messages in flight are not expanded",
            },
            ParamSpec {
                name: "crashes",
                default: "0",
                help: "crash-stop faults (suspicions are always possible)",
            },
        ],
        mutants: VSYNC_MUTANTS,
        build: build_vsync,
    },
];

/// Every built-in model, sorted by name.
pub fn models() -> &'static [ModelSpec] {
    MODELS
}

/// The model called `name`.
pub fn find(name: &str) -> Result<&'static ModelSpec, CatalogError> {
    MODELS
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| CatalogError::UnknownModel {
            name: name.to_string(),
            valid: MODELS.iter().map(|m| m.name).collect::<Vec<_>>().join(", "),
        })
}

impl ModelSpec {
    /// Builds the model with resolved `params` and an optional mutant.
    pub fn build(
        &self,
        params: &Params,
        mutant: Option<&str>,
    ) -> Result<Box<dyn Checkable>, CatalogError> {
        (self.build)(params, mutant)
    }

    /// The model with default parameters and no mutant.
    pub fn build_default(&self) -> Box<dyn Checkable> {
        let params = Params::resolve(self, &[]).expect("defaults resolve");
        self.build(&params, None).expect("defaults are valid")
    }
}

/// The names of the network semantics a `--network` parameter accepts.
pub fn network_names() -> &'static [&'static str] {
    NETWORK_NAMES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_builds_with_defaults() {
        for spec in models() {
            let model = spec.build_default();
            assert!(
                !model.property_kinds().is_empty(),
                "{} has properties",
                spec.name
            );
        }
    }

    #[test]
    fn models_are_sorted_by_name() {
        let names: Vec<_> = models().iter().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    #[test]
    fn bad_input_names_the_valid_choices() {
        let err = find("raft2").err().unwrap();
        assert!(err
            .to_string()
            .contains("valid models: multipaxos, paxos, raft, twophase"));
        let spec = find("twophase").unwrap();
        let err = Params::resolve(spec, &[("rm".into(), "3".into())]).unwrap_err();
        assert!(err.to_string().contains("--rms"));
        let params = Params::resolve(spec, &[("rms".into(), "x".into())]).unwrap();
        let err = spec.build(&params, None).err().unwrap();
        assert!(matches!(err, CatalogError::BadValue { .. }));
        let params = Params::resolve(spec, &[("rms".into(), "33".into())]).unwrap();
        assert!(spec.build(&params, None).is_err());
        let params = Params::resolve(spec, &[]).unwrap();
        let err = spec.build(&params, Some("nope")).err().unwrap();
        assert!(err.to_string().contains("commit-early"));
    }

    #[test]
    fn every_mutant_names_properties_the_model_has() {
        for spec in models() {
            let names: Vec<String> = spec
                .build_default()
                .property_kinds()
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            for mutant in spec.mutants {
                for violated in mutant.violates {
                    assert!(
                        names.iter().any(|n| n == violated),
                        "{} {}",
                        spec.name,
                        violated
                    );
                }
            }
        }
    }
}
