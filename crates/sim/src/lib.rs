//! The deterministic simulator of valence.
//!
//! Where the model checker explores every interleaving of a small system, the simulator runs one
//! schedule at a time, in virtual time, with faults, reproducibly from a seed: every random
//! choice (message latency, loss, duplication, timer delays, the nemesis's faults) comes from
//! ChaCha generators seeded by `--seed`, and events at equal times are ordered by a sequence
//! number, so one seed gives one run, bit for bit.
//!
//! It runs the same [`ActorModel`] the checker explores, and evaluates the same
//! [`valence_check::Property`] objects after every event: `always` properties must hold after
//! each event (a violation ends the run with its trace), `sometimes` properties are liveness
//! goals: after the faults stop, each must hold (again) within the liveness bound; a goal met only
//! while faults were on does not count.
//!
//! A run has two phases. In the safety phase the nemesis crashes and restarts nodes (a restarted
//! node keeps only what it persisted), partitions the network and heals it, and the network
//! loses, duplicates and reorders messages. In the liveness phase every node is up, the network
//! is whole and reliable, and progress must follow.
//!
//! In-flight messages live in the simulator's event queue, not in [`ActorState::network`], which
//! stays empty here: properties given to the simulator should look at nodes, not the network.
//!
//! ```
//! use valence_check::{ActorModel, ActorState, Property};
//! use valence_core::{Effects, NodeId, Process};
//! use valence_sim::{simulate, FaultMix, SimOptions};
//!
//! /// Node 0 sends a ping to every other node; each counts what it got.
//! struct Ping;
//! impl Process for Ping {
//!     type Msg = ();
//!     type State = u32;
//!     type Timer = ();
//!     fn init(&self, me: NodeId, out: &mut Effects<(), ()>) -> u32 {
//!         if me == NodeId(0) { out.broadcast(()); }
//!         0
//!     }
//!     fn on_message(&self, _: NodeId, s: &mut u32, _: NodeId, _: (), _: &mut Effects<(), ()>) {
//!         *s += 1;
//!     }
//! }
//!
//! let model = ActorModel::new(Ping, 3)
//!     .property(Property::sometimes("all-pinged", |_, s: &ActorState<Ping>| {
//!         s.nodes[1..].iter().all(|n| **n >= 1)
//!     }));
//! let options = SimOptions { faults: FaultMix::NONE, ..SimOptions::new(7) };
//! let report = simulate(&model, &options);
//! assert!(report.passed());
//! assert_eq!(report.delivered, 2);
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::sync::Arc;

mod shrink;
mod workload;
pub use shrink::{failure_kind, shrink, Shrunk};
pub use workload::{simulate_kv, simulate_register, KvWorkload, RegisterWorkload, WorkloadReport};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use valence_check::{
    ActorAction, ActorModel, ActorState, Condition, Envelope, Model, PropertyKind,
};
use valence_core::{Adversary, Effect, Effects, NodeId, Process};

/// Virtual time, in microseconds.
pub type Micros = u64;

const MICROS_PER_MS: u64 = 1_000;

/// The faults a run suffers in its safety phase.
#[derive(Clone, Copy, PartialEq, Debug, Serialize, Deserialize)]
pub struct FaultMix {
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message is delivered twice.
    pub duplication: f64,
    /// Mean time between crashes, in ms (`None`: no crashes).
    pub crash_every_ms: Option<u64>,
    /// Mean time between partitions, in ms (`None`: no partitions).
    pub partition_every_ms: Option<u64>,
    /// Timers of node `i` run at a rate drawn from `1 ± drift`.
    pub drift: f64,
}

impl FaultMix {
    /// No faults at all.
    pub const NONE: FaultMix = FaultMix {
        loss: 0.0,
        duplication: 0.0,
        crash_every_ms: None,
        partition_every_ms: None,
        drift: 0.0,
    };

    /// A fault mix drawn from `seed`, as swarm testing does: each seed gets its own mixture, so
    /// that a swarm covers calm runs, lossy ones, crash-heavy ones and partitioned ones.
    pub fn for_seed(seed: u64) -> FaultMix {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6a09_e667_f3bc_c908);
        let pick =
            |rng: &mut ChaCha8Rng, choices: &[f64]| choices[rng.random_range(0..choices.len())];
        let every = |rng: &mut ChaCha8Rng, choices: &[u64]| {
            let ms = choices[rng.random_range(0..choices.len())];
            (ms > 0).then_some(ms)
        };
        FaultMix {
            loss: pick(&mut rng, &[0.0, 0.0, 0.01, 0.05, 0.2]),
            duplication: pick(&mut rng, &[0.0, 0.0, 0.02, 0.1]),
            crash_every_ms: every(&mut rng, &[0, 0, 50, 150, 400]),
            partition_every_ms: every(&mut rng, &[0, 0, 100, 300]),
            drift: pick(&mut rng, &[0.0, 0.05, 0.2]),
        }
    }
}

/// Options of one run.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Message latency, drawn uniformly from this range, in ms.
    pub latency_ms: (u64, u64),
    /// The faults of the safety phase.
    pub faults: FaultMix,
    /// Length of the safety phase (faults on), in ms.
    pub safety_ms: u64,
    /// After the faults stop, every `sometimes` property must have been reached within this
    /// many ms, or the run fails.
    pub liveness_ms: u64,
    /// Stop after this many events (a bound on runaway protocols).
    pub max_events: u64,
    /// Record a line per event, for a readable trace.
    pub record_trace: bool,
    /// An explicit nemesis schedule that replaces the one drawn from the seed (and makes
    /// `faults.crash_every_ms` and `faults.partition_every_ms` irrelevant). Faults after the
    /// safety phase are ignored, as are crashes and restarts of nodes the run may not crash
    /// (a workload's clients, Byzantine nodes); the report's schedule is the one that ran.
    /// Shrinking ([`shrink`]) produces these.
    pub schedule: Option<Vec<ScheduledFault>>,
}

impl SimOptions {
    /// Defaults for `seed`: latency 1-10 ms, the fault mix drawn from the seed, a 1 s safety
    /// phase and a 5 s liveness bound.
    pub fn new(seed: u64) -> Self {
        SimOptions {
            seed,
            latency_ms: (1, 10),
            faults: FaultMix::for_seed(seed),
            safety_ms: 1_000,
            liveness_ms: 5_000,
            max_events: 2_000_000,
            record_trace: false,
            schedule: None,
        }
    }
}

/// A fault the nemesis injects, at a time fixed before the run starts.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Fault {
    /// The node crashes: volatile state lost, persisted state kept.
    Crash {
        /// The node.
        node: u16,
    },
    /// The node restarts from its persisted state.
    Restart {
        /// The node.
        node: u16,
    },
    /// Messages between the two sides are lost.
    Partition {
        /// One side; the other is everyone else.
        side: Vec<u16>,
        /// How the side was chosen.
        shape: String,
    },
    /// The network is whole again.
    Heal,
}

/// A fault with its time.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ScheduledFault {
    /// When, in virtual microseconds.
    pub at: Micros,
    /// What.
    pub fault: Fault,
}

/// The status of one property at the end of a run.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PropertyOutcome {
    /// The property's name.
    pub name: String,
    /// Always or sometimes.
    pub kind: PropertyKind,
    /// `holds`, `violated`, `reached` or `not-reached`.
    pub status: &'static str,
    /// When it was violated or first reached, in virtual microseconds.
    pub at: Option<Micros>,
}

/// Everything one run found out.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct SimReport {
    /// The seed.
    pub seed: u64,
    /// The fault mix of the safety phase.
    pub faults: FaultMix,
    /// The nemesis's schedule.
    pub schedule: Vec<ScheduledFault>,
    /// Events processed.
    pub events: u64,
    /// Messages sent (each copy of a broadcast counts).
    pub sent: u64,
    /// Bytes sent: every message's size in postcard's encoding (compact varints), as a wire
    /// would carry it without framing.
    pub bytes: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages lost (loss, partitions, crashed receivers).
    pub dropped: u64,
    /// Extra copies delivered by duplication.
    pub duplicated: u64,
    /// Timers that fired.
    pub timers: u64,
    /// Virtual time at the end, in microseconds.
    pub end: Micros,
    /// When the liveness phase began (faults stopped), in microseconds.
    pub faults_stop: Micros,
    /// Messages sent before the first `sometimes` goal was reached (the first decision).
    pub messages_to_first_goal: Option<u64>,
    /// For models that count decisions: when each decision was reached (virtual
    /// microseconds) and how many messages had been sent by then.
    pub decisions: Vec<(Micros, u64)>,
    /// Bytes sent by each decision in `decisions`.
    pub decision_bytes: Vec<u64>,
    /// Every property's outcome.
    pub properties: Vec<PropertyOutcome>,
    /// Why the run failed, if it did.
    pub failure: Option<String>,
    /// With a client workload: the history checker's verdict on the clients' history.
    pub history: Option<String>,
    /// With a client workload: the latency of completed operations in virtual ms (p50, p99,
    /// max).
    pub op_latency_ms: Option<(f64, f64, f64)>,
    /// The nodes an adversary replaced, with the adversary's name.
    pub byzantine: Vec<String>,
    /// One line per event, when recorded.
    pub trace: Vec<String>,
}

impl SimReport {
    /// Whether no property was violated and every liveness goal was reached in time.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

#[derive(Clone, Debug)]
enum Event<M, T> {
    /// A workload's client starts its next operation.
    Invoke(NodeId),
    Deliver(Envelope<M>),
    Timer {
        node: NodeId,
        timer: T,
        generation: u64,
    },
    Fault(Fault),
    FaultsStop,
}

struct Queued<M, T> {
    at: Micros,
    seq: u64,
    event: Event<M, T>,
}

impl<M, T> PartialEq for Queued<M, T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<M, T> Eq for Queued<M, T> {}
impl<M, T> PartialOrd for Queued<M, T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<M, T> Ord for Queued<M, T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Draws the nemesis's schedule for the safety phase from its own generator, so that the
/// schedule depends only on the seed and can be printed before the run.
pub fn schedule<P: Process>(model: &ActorModel<P>, options: &SimOptions) -> Vec<ScheduledFault> {
    schedule_for(model, options, &|_| true)
}

/// The schedule, crashing only the nodes `crashable` allows (workloads keep clients up).
fn schedule_for<P: Process>(
    model: &ActorModel<P>,
    options: &SimOptions,
    crashable: &dyn Fn(NodeId) -> bool,
) -> Vec<ScheduledFault> {
    if let Some(explicit) = &options.schedule {
        let end = options.safety_ms * MICROS_PER_MS;
        return explicit
            .iter()
            .filter(|f| f.at <= end)
            .filter(|f| match &f.fault {
                Fault::Crash { node } | Fault::Restart { node } => {
                    usize::from(*node) < model.node_count && crashable(NodeId(*node))
                }
                Fault::Partition { .. } | Fault::Heal => true,
            })
            .cloned()
            .collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0xbb67_ae85_84ca_a73b);
    let n = model.node_count;
    let end = options.safety_ms * MICROS_PER_MS;
    let mut faults = Vec::new();
    if let Some(every) = options.faults.crash_every_ms {
        // Crash a node at exponentially spaced times; it stays down for a while, then restarts.
        // At most a minority is down at once, so the survivors can make progress.
        let mut down_until = vec![0; n];
        let mut t = 0;
        loop {
            t += exponential(&mut rng, every * MICROS_PER_MS);
            if t >= end {
                break;
            }
            let down = down_until.iter().filter(|&&u| u > t).count();
            if (down + 1) * 2 > n {
                continue;
            }
            let node = rng.random_range(0..n);
            if down_until[node] > t || !crashable(NodeId::from(node)) {
                continue;
            }
            let restart = t + rng.random_range(MICROS_PER_MS..=200 * MICROS_PER_MS);
            down_until[node] = restart;
            faults.push(ScheduledFault {
                at: t,
                fault: Fault::Crash { node: node as u16 },
            });
            faults.push(ScheduledFault {
                at: restart.min(end),
                fault: Fault::Restart { node: node as u16 },
            });
        }
    }
    if let (Some(every), true) = (options.faults.partition_every_ms, n > 1) {
        let mut t = 0;
        loop {
            t += exponential(&mut rng, every * MICROS_PER_MS);
            if t >= end {
                break;
            }
            let mut nodes: Vec<u16> = (0..n as u16).collect();
            for i in (1..nodes.len()).rev() {
                nodes.swap(i, rng.random_range(0..=i));
            }
            let (side, shape) = match rng.random_range(0..3) {
                0 => (
                    nodes[..n.div_ceil(2) - usize::from(n % 2 == 0)].to_vec(),
                    "minority",
                ),
                1 => (nodes[..1].to_vec(), "isolated node"),
                _ => (nodes[..rng.random_range(1..n)].to_vec(), "random halves"),
            };
            let mut side = side;
            side.sort_unstable();
            let heal = (t + rng.random_range(10 * MICROS_PER_MS..=300 * MICROS_PER_MS)).min(end);
            faults.push(ScheduledFault {
                at: t,
                fault: Fault::Partition {
                    side,
                    shape: shape.to_string(),
                },
            });
            faults.push(ScheduledFault {
                at: heal,
                fault: Fault::Heal,
            });
            t = heal;
        }
    }
    faults.sort_by_key(|f| f.at);
    faults
}

/// A delay with the exponential distribution of mean `mean`, at least 1 µs.
fn exponential(rng: &mut ChaCha8Rng, mean: u64) -> u64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    ((-u.ln()) * mean as f64).max(1.0) as u64
}

struct World<'m, P: Process> {
    model: &'m ActorModel<P>,
    options: &'m SimOptions,
    rng: ChaCha8Rng,
    now: Micros,
    seq: u64,
    queue: BinaryHeap<Reverse<Queued<P::Msg, P::Timer>>>,
    state: ActorState<P>,
    /// Per node and timer, the generation of the pending arming; older firings are stale.
    generations: Vec<Vec<(P::Timer, u64)>>,
    rates: Vec<f64>,
    /// The side of the current partition, if any.
    partition: Option<Vec<bool>>,
    faults_on: bool,
    /// Per property: a `sometimes` goal that held at some point after the faults stopped (only
    /// those count for liveness).
    live: Vec<bool>,
    /// Nodes replaced by the adversary.
    byzantine: Vec<bool>,
    adversary: Option<&'m dyn Adversary<P>>,
    report: SimReport,
}

impl<'m, P: Process> World<'m, P> {
    fn push(&mut self, at: Micros, event: Event<P::Msg, P::Timer>) {
        self.seq += 1;
        self.queue.push(Reverse(Queued {
            at,
            seq: self.seq,
            event,
        }));
    }

    fn name(&self, id: NodeId) -> &str {
        self.model.name(id)
    }

    fn log(&mut self, line: impl FnOnce(&Self) -> String) {
        if self.options.record_trace {
            let text = line(self);
            let stamp = format!("{:>10.3} ms  ", self.now as f64 / MICROS_PER_MS as f64);
            self.report.trace.push(stamp + &text);
        }
    }

    fn latency(&mut self) -> Micros {
        let (low, high) = self.options.latency_ms;
        self.rng
            .random_range(low * MICROS_PER_MS..=high.max(low) * MICROS_PER_MS)
    }

    fn blocked(&self, from: NodeId, to: NodeId) -> bool {
        self.partition
            .as_ref()
            .is_some_and(|side| side[from.index()] != side[to.index()])
    }

    fn send(&mut self, envelope: Envelope<P::Msg>) {
        self.report.sent += 1;
        self.report.bytes += wire_size(&envelope.msg);
        let faults = self.faults_on.then_some(self.options.faults);
        if let Some(mix) = faults {
            if self.rng.random_bool(mix.loss.clamp(0.0, 1.0)) {
                self.report.dropped += 1;
                return;
            }
        }
        if self.blocked(envelope.from, envelope.to) {
            self.report.dropped += 1;
            return;
        }
        if let Some(mix) = faults {
            if self.rng.random_bool(mix.duplication.clamp(0.0, 1.0)) {
                self.report.duplicated += 1;
                let at = self.now + self.latency();
                self.push(at, Event::Deliver(envelope.clone()));
            }
        }
        let at = self.now + self.latency();
        self.push(at, Event::Deliver(envelope));
    }

    fn apply(&mut self, node: NodeId, out: &mut Effects<P::Msg, P::Timer>) {
        let mut persist = false;
        let effects: Vec<_> = out.drain().collect();
        for effect in effects {
            match effect {
                Effect::Send { to, msg } => {
                    assert!(
                        to.index() < self.model.node_count,
                        "{node} sent to {to}, which does not exist"
                    );
                    self.send(Envelope {
                        from: node,
                        to,
                        msg,
                    });
                }
                Effect::Broadcast { msg } => {
                    for to in (0..self.model.node_count).map(NodeId::from) {
                        if to != node {
                            self.send(Envelope {
                                from: node,
                                to,
                                msg: msg.clone(),
                            });
                        }
                    }
                }
                Effect::SetTimer { timer, delay } => {
                    let low = delay.start.as_micros() as u64;
                    let high = (delay.end.as_micros() as u64).max(low);
                    let base = self.rng.random_range(low..=high);
                    let at = self.now + (base as f64 * self.rates[node.index()]) as u64;
                    let generation = self.seq + 1;
                    let slot = &mut self.generations[node.index()];
                    match slot.iter_mut().find(|(t, _)| *t == timer) {
                        Some(entry) => entry.1 = generation,
                        None => slot.push((timer.clone(), generation)),
                    }
                    let timers = &mut self.state.timers[node.index()];
                    if let Err(at) = timers.binary_search(&timer) {
                        timers.insert(at, timer.clone());
                    }
                    self.push(
                        at,
                        Event::Timer {
                            node,
                            timer,
                            generation,
                        },
                    );
                }
                Effect::CancelTimer { timer } => {
                    self.generations[node.index()].retain(|(t, _)| *t != timer);
                    let timers = &mut self.state.timers[node.index()];
                    if let Ok(at) = timers.binary_search(&timer) {
                        timers.remove(at);
                    }
                }
                Effect::Persist => persist = true,
            }
        }
        if persist {
            self.state.durable[node.index()] = Arc::clone(&self.state.nodes[node.index()]);
        }
    }

    fn crash(&mut self, node: NodeId) {
        let i = node.index();
        if self.state.crashed[i] {
            return;
        }
        self.state.crashed[i] = true;
        self.state.crashes = self.state.crashes.saturating_add(1);
        self.state.timers[i].clear();
        self.generations[i].clear();
        self.state.nodes[i] = Arc::clone(&self.state.durable[i]);
    }

    fn restart(&mut self, node: NodeId) {
        let i = node.index();
        if !self.state.crashed[i] {
            return;
        }
        self.state.crashed[i] = false;
        let mut out = Effects::new();
        let durable = Arc::clone(&self.state.durable[i]);
        self.state.nodes[i] = Arc::new(self.model.process.on_restart(node, &durable, &mut out));
        self.apply(node, &mut out);
    }

    fn handle(&mut self, event: Event<P::Msg, P::Timer>) {
        match event {
            Event::Invoke(_) => unreachable!("the run loop hands invocations to the driver"),
            Event::Deliver(envelope) => {
                let to = envelope.to;
                let down = self.state.crashed[to.index()];
                let adversary = self.adversary.filter(|_| self.byzantine[to.index()]);
                let receives = match (down, adversary.is_some()) {
                    (true, _) => "is down and loses",
                    (false, true) => "(byzantine) receives",
                    (false, false) => "receives",
                };
                self.log(|w| {
                    format!(
                        "{} {receives} {:?} from {}",
                        w.name(to),
                        envelope.msg,
                        w.name(envelope.from)
                    )
                });
                if down {
                    self.report.dropped += 1;
                    return;
                }
                self.report.delivered += 1;
                if let Some(adversary) = adversary {
                    let mut sends = Vec::new();
                    let rng = &mut self.rng;
                    let mut choose = |n: u64| rng.random_range(0..n.max(1));
                    adversary.on_message(to, envelope.from, &envelope.msg, &mut choose, &mut sends);
                    for (dest, msg) in sends {
                        if dest.index() < self.model.node_count {
                            self.send(Envelope {
                                from: to,
                                to: dest,
                                msg,
                            });
                        }
                    }
                    return;
                }
                let mut out = Effects::new();
                let node = Arc::make_mut(&mut self.state.nodes[to.index()]);
                self.model
                    .process
                    .on_message(to, node, envelope.from, envelope.msg, &mut out);
                self.apply(to, &mut out);
            }
            Event::Timer {
                node,
                timer,
                generation,
            } => {
                let current = self.generations[node.index()]
                    .iter()
                    .any(|(t, g)| *t == timer && *g == generation);
                if !current || self.state.crashed[node.index()] || self.byzantine[node.index()] {
                    return;
                }
                self.generations[node.index()].retain(|(t, _)| *t != timer);
                let timers = &mut self.state.timers[node.index()];
                if let Ok(at) = timers.binary_search(&timer) {
                    timers.remove(at);
                }
                self.report.timers += 1;
                self.log(|w| format!("{}: timer {timer:?} fires", w.name(node)));
                let mut out = Effects::new();
                let state = Arc::make_mut(&mut self.state.nodes[node.index()]);
                self.model.process.on_timer(node, state, timer, &mut out);
                self.apply(node, &mut out);
            }
            Event::Fault(fault) => {
                self.log(|_| format!("nemesis: {}", describe_fault(self.model, &fault)));
                match fault {
                    Fault::Crash { node } => self.crash(NodeId(node)),
                    Fault::Restart { node } => self.restart(NodeId(node)),
                    Fault::Partition { side, .. } => {
                        let mut mask = vec![false; self.model.node_count];
                        // An explicit schedule may name nodes that do not exist: they are ignored.
                        for node in side {
                            if let Some(inside) = mask.get_mut(usize::from(node)) {
                                *inside = true;
                            }
                        }
                        self.partition = Some(mask);
                    }
                    Fault::Heal => self.partition = None,
                }
            }
            Event::FaultsStop => {
                self.faults_on = false;
                self.partition = None;
                self.log(|_| "faults stop: every node up, the network whole and reliable".into());
                for i in 0..self.model.node_count {
                    self.restart(NodeId::from(i));
                }
            }
        }
    }
}

/// A fault as text, with node names.
pub fn describe_fault<P: Process>(model: &ActorModel<P>, fault: &Fault) -> String {
    let name = |n: u16| model.name(NodeId(n)).to_string();
    match fault {
        Fault::Crash { node } => format!("crash {}", name(*node)),
        Fault::Restart { node } => format!("restart {}", name(*node)),
        Fault::Partition { side, shape } => {
            let inside: Vec<String> = side.iter().map(|&n| name(n)).collect();
            let outside: Vec<String> = (0..model.node_count as u16)
                .filter(|n| !side.contains(n))
                .map(name)
                .collect();
            format!(
                "partition ({shape}) {{{}}} | {{{}}}",
                inside.join(", "),
                outside.join(", ")
            )
        }
        Fault::Heal => "heal the partition".to_string(),
    }
}

/// What drives clients during a run (nothing, for protocols without a client interface).
trait Driver<P: Process> {
    /// Whether the nemesis may crash `node`.
    fn crashable(&self, node: NodeId) -> bool;
    /// Schedules the first operations.
    fn start(&mut self, world: &mut World<'_, P>);
    /// Client `client` starts its next operation.
    fn invoke(&mut self, world: &mut World<'_, P>, client: NodeId);
    /// A handler ran on `node`: collect a completed operation.
    fn after(&mut self, world: &mut World<'_, P>, node: NodeId);
    /// Operations not completed yet (including those not yet invoked).
    fn unfinished(&self) -> u64;
}

/// No clients.
struct NoClients;

impl<P: Process> Driver<P> for NoClients {
    fn crashable(&self, _node: NodeId) -> bool {
        true
    }
    fn start(&mut self, _world: &mut World<'_, P>) {}
    fn invoke(&mut self, _world: &mut World<'_, P>, _client: NodeId) {}
    fn after(&mut self, _world: &mut World<'_, P>, _node: NodeId) {}
    fn unfinished(&self) -> u64 {
        0
    }
}

/// The size of `msg` in postcard's encoding.
fn wire_size<M: serde::Serialize>(msg: &M) -> u64 {
    postcard::serialize_with_flavor(msg, postcard::ser_flavors::Size::default())
        .map_or(0, |n: usize| n as u64)
}

/// Crashes the leader once `after` decisions have been made.
struct LeaderCrash<'a, P: Process> {
    leader: &'a dyn Fn(&ActorState<P>) -> Option<NodeId>,
    after: u64,
    crashed: Option<(NodeId, Micros, u64)>,
}

impl<P: Process> Driver<P> for LeaderCrash<'_, P> {
    fn crashable(&self, _node: NodeId) -> bool {
        true
    }
    fn start(&mut self, _world: &mut World<'_, P>) {}
    fn invoke(&mut self, _world: &mut World<'_, P>, _client: NodeId) {}
    fn after(&mut self, world: &mut World<'_, P>, _node: NodeId) {
        if self.crashed.is_some() || (world.report.decisions.len() as u64) < self.after {
            return;
        }
        if let Some(leader) = (self.leader)(&world.state) {
            self.crashed = Some((leader, world.now, world.report.sent));
            world.push(world.now, Event::Fault(Fault::Crash { node: leader.0 }));
        }
    }
    fn unfinished(&self) -> u64 {
        0
    }
}

/// A run in which the leader crashes (and stays down until the faults stop) once `after`
/// decisions have been made: the cost of a leader change. `leader` names the leader in a
/// state. Returns the report and, if a leader was crashed, the node, the virtual time and the
/// messages sent until then.
pub fn simulate_leader_crash<P: Process>(
    model: &ActorModel<P>,
    options: &SimOptions,
    leader: &dyn Fn(&ActorState<P>) -> Option<NodeId>,
    after: u64,
) -> (SimReport, Option<(NodeId, Micros, u64)>) {
    let mut driver = LeaderCrash {
        leader,
        after,
        crashed: None,
    };
    let report = run(model, options, &mut driver, None).report;
    (report, driver.crashed)
}

/// Runs `model` once under `options`.
pub fn simulate<P: Process>(model: &ActorModel<P>, options: &SimOptions) -> SimReport {
    run(model, options, &mut NoClients, None).report
}

/// Runs `model` once with the nodes of `byzantine` replaced by `adversary`, which receives what
/// is sent to them and sends what it likes in their name. Byzantine nodes are neither crashed
/// nor restarted, and their timers do not fire.
pub fn simulate_byzantine<P: Process>(
    model: &ActorModel<P>,
    options: &SimOptions,
    byzantine: &[NodeId],
    adversary: &dyn Adversary<P>,
) -> SimReport {
    run(model, options, &mut NoClients, Some((byzantine, adversary))).report
}

/// Runs `model` once under `options` with `driver`'s clients and, optionally, Byzantine nodes.
fn run<'m, P: Process, D: Driver<P>>(
    model: &'m ActorModel<P>,
    options: &'m SimOptions,
    driver: &mut D,
    adversary: Option<(&[NodeId], &'m dyn Adversary<P>)>,
) -> World<'m, P> {
    let mut byzantine = vec![false; model.node_count];
    for node in adversary.map_or(&[][..], |(nodes, _)| nodes) {
        assert!(
            node.index() < model.node_count,
            "byzantine node {node} does not exist"
        );
        byzantine[node.index()] = true;
    }
    let schedule = schedule_for(model, options, &|node| {
        driver.crashable(node) && !byzantine[node.index()]
    });
    let n = model.node_count;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let drift = options.faults.drift.clamp(0.0, 0.9);
    let rates = (0..n)
        .map(|_| {
            if drift > 0.0 {
                rng.random_range(1.0 - drift..=1.0 + drift)
            } else {
                1.0
            }
        })
        .collect();
    let properties = model.properties();
    let mut world = World {
        model,
        options,
        rng,
        now: 0,
        seq: 0,
        queue: BinaryHeap::new(),
        state: ActorState {
            nodes: Vec::with_capacity(n),
            network: Vec::new(),
            timers: vec![Vec::new(); n],
            crashed: vec![false; n],
            crashes: 0,
            durable: Vec::new(),
        },
        generations: vec![Vec::new(); n],
        rates,
        partition: None,
        faults_on: true,
        live: Vec::new(),
        byzantine,
        adversary: adversary.map(|(_, a)| a),
        report: SimReport {
            seed: options.seed,
            faults: options.faults,
            schedule: schedule.clone(),
            events: 0,
            sent: 0,
            bytes: 0,
            delivered: 0,
            dropped: 0,
            duplicated: 0,
            timers: 0,
            end: 0,
            faults_stop: options.safety_ms * MICROS_PER_MS,
            messages_to_first_goal: None,
            decisions: Vec::new(),
            decision_bytes: Vec::new(),
            properties: properties
                .iter()
                .map(|p| PropertyOutcome {
                    name: p.name.clone(),
                    kind: p.kind,
                    status: match p.kind {
                        PropertyKind::Sometimes => "not-reached",
                        // Checked by the model checker, not on a finite run.
                        kind if kind.is_liveness() => "not-checked",
                        _ => "holds",
                    },
                    at: None,
                })
                .collect(),
            failure: None,
            history: None,
            op_latency_ms: None,
            byzantine: Vec::new(),
            trace: Vec::new(),
        },
    };
    let mut outs = Vec::with_capacity(n);
    for id in (0..n).map(NodeId::from) {
        let mut out = Effects::new();
        world
            .state
            .nodes
            .push(Arc::new(model.process.init(id, &mut out)));
        outs.push(out);
    }
    world.state.durable = world.state.nodes.clone();
    for (i, mut out) in outs.into_iter().enumerate() {
        if world.byzantine[i] {
            let name = model.name(NodeId::from(i)).to_string();
            let adversary = world
                .adversary
                .map_or("adversary", |a| a.name())
                .to_string();
            world.report.byzantine.push(format!("{name} ({adversary})"));
        } else {
            world.apply(NodeId::from(i), &mut out);
        }
    }
    for fault in schedule {
        world.push(fault.at, Event::Fault(fault.fault));
    }
    let faults_stop = options.safety_ms * MICROS_PER_MS;
    world.push(faults_stop, Event::FaultsStop);
    let deadline = faults_stop + options.liveness_ms * MICROS_PER_MS;
    driver.start(&mut world);

    world.live = vec![false; properties.len()];
    let goals_left = |world: &World<'_, P>| {
        world
            .report
            .properties
            .iter()
            .zip(&world.live)
            .filter(|(p, &live)| p.kind == PropertyKind::Sometimes && !live)
            .count()
    };
    let step_properties = properties
        .iter()
        .any(|p| matches!(p.condition, Condition::Step(_)));
    evaluate(&mut world, &properties, None);
    let mut previous = step_properties.then(|| world.state.clone());
    while world.report.failure.is_none() {
        let Some(Reverse(next)) = world.queue.pop() else {
            break;
        };
        if next.at > deadline {
            break;
        }
        // Once the faults have stopped, every goal is reached and every client operation has
        // completed, the run has shown what it can.
        if next.at > faults_stop && goals_left(&world) == 0 && driver.unfinished() == 0 {
            break;
        }
        world.now = next.at;
        world.report.events += 1;
        // Step properties see the state before the event (kept in `previous`, which differs from
        // the current state only at the node an event touches) and the event as an action.
        let action = step_properties
            .then(|| step_action::<P>(&next.event))
            .flatten();
        let touched = touched_node(&next.event);
        match next.event {
            Event::Invoke(client) => driver.invoke(&mut world, client),
            event => world.handle(event),
        }
        match touched {
            Some(node) => driver.after(&mut world, node),
            None => {
                for i in 0..n {
                    driver.after(&mut world, NodeId::from(i));
                }
            }
        }
        let step = match (&previous, action) {
            (Some(previous), Some(action)) => Some((previous, action)),
            _ => None,
        };
        evaluate(&mut world, &properties, step);
        if let Some(previous) = &mut previous {
            match touched {
                Some(node) => {
                    let i = node.index();
                    previous.nodes[i] = Arc::clone(&world.state.nodes[i]);
                    previous.timers[i].clone_from(&world.state.timers[i]);
                    previous.crashed[i] = world.state.crashed[i];
                    previous.durable[i] = Arc::clone(&world.state.durable[i]);
                    previous.crashes = world.state.crashes;
                }
                None => *previous = world.state.clone(),
            }
        }
        if world.report.events >= options.max_events {
            world.report.failure = Some(format!(
                "the run exceeded {} events (a protocol that never quiesces?)",
                options.max_events
            ));
        }
    }
    world.report.end = world.now;
    if world.report.failure.is_none() {
        let missing: Vec<String> = world
            .report
            .properties
            .iter()
            .zip(&world.live)
            .filter(|(p, &live)| p.kind == PropertyKind::Sometimes && !live)
            .map(|(p, _)| match p.at {
                Some(at) => format!(
                    "{} (reached at {:.3} ms, during the faults, but not after)",
                    p.name,
                    at as f64 / MICROS_PER_MS as f64
                ),
                None => p.name.clone(),
            })
            .collect();
        if !missing.is_empty() {
            world.report.failure = Some(format!(
                "liveness: {} not reached within {} ms after the faults stopped",
                missing.join(", "),
                options.liveness_ms
            ));
        } else if driver.unfinished() > 0 {
            world.report.failure = Some(format!(
                "liveness: {} client operations did not complete within {} ms after the faults \
                 stopped",
                driver.unfinished(),
                options.liveness_ms
            ));
        }
    }
    world
}

/// The actor action an event amounts to, for step properties (faults that touch no single node
/// have none).
fn step_action<P: Process>(event: &Event<P::Msg, P::Timer>) -> Option<ActorAction<P>> {
    match event {
        Event::Deliver(envelope) => Some(ActorAction::Deliver {
            index: 0,
            from: envelope.from,
            to: envelope.to,
            msg: envelope.msg.clone(),
        }),
        Event::Timer { node, timer, .. } => Some(ActorAction::Timeout {
            node: *node,
            timer: timer.clone(),
        }),
        Event::Fault(Fault::Crash { node }) => Some(ActorAction::Crash {
            node: NodeId(*node),
        }),
        Event::Fault(Fault::Restart { node }) => Some(ActorAction::Restart {
            node: NodeId(*node),
        }),
        _ => None,
    }
}

/// The one node an event can change, or `None` when it may change several (faults stopping
/// restarts every node) or none.
fn touched_node<M, T>(event: &Event<M, T>) -> Option<NodeId> {
    match event {
        Event::Deliver(envelope) => Some(envelope.to),
        Event::Timer { node, .. } => Some(*node),
        Event::Fault(Fault::Crash { node } | Fault::Restart { node }) => Some(NodeId(*node)),
        Event::Invoke(client) => Some(*client),
        Event::Fault(_) | Event::FaultsStop => None,
    }
}

/// Evaluates every property on the current state (and step properties on the step from
/// `before`, when given), and records new decisions.
fn evaluate<P: Process>(
    world: &mut World<'_, P>,
    properties: &[valence_check::Property<ActorModel<P>>],
    before: Option<(&ActorState<P>, ActorAction<P>)>,
) {
    if let Some(count) = world.model.decisions_in(&world.state) {
        while (world.report.decisions.len() as u64) < count {
            let entry = (world.now, world.report.sent);
            world.report.decisions.push(entry);
            world.report.decision_bytes.push(world.report.bytes);
        }
    }
    let mut violated = false;
    for (i, property) in properties.iter().enumerate() {
        // A violated invariant stays violated; a goal is watched until it holds after the faults
        // stopped.
        let done = match property.kind {
            PropertyKind::Sometimes => world.live[i],
            _ => world.report.properties[i].at.is_some(),
        };
        if done {
            continue;
        }
        let result = match (&property.condition, &before) {
            (Condition::State(condition), _) => condition(world.model, &world.state),
            (Condition::Step(condition), Some((previous, action))) => {
                condition(world.model, previous, action, &world.state)
            }
            (Condition::Step(_), None) => continue,
            // Properties of infinite behaviours under fairness are for the model checker; a run
            // is finite. Its liveness goals are `sometimes` properties that must hold once the
            // faults stop.
            (Condition::Liveness(_), _) => continue,
            // A condition on a model checker's run (TLC's POSTCONDITION) says nothing of a
            // simulated one.
            (Condition::Final(_), _) => continue,
        };
        let holds = match result {
            Ok(holds) => holds,
            Err(error) => {
                world.report.failure = Some(format!("property `{}`: {error}", property.name));
                return;
            }
        };
        match property.kind {
            PropertyKind::Always if !holds => {
                world.report.properties[i].status = "violated";
                world.report.properties[i].at = Some(world.now);
                if world.report.failure.is_none() {
                    world.report.failure = Some(format!(
                        "always `{}` violated at {:.3} ms",
                        property.name,
                        world.now as f64 / MICROS_PER_MS as f64
                    ));
                }
                violated = true;
            }
            PropertyKind::Sometimes if holds => {
                if world.report.properties[i].at.is_none() {
                    world.report.properties[i].status = "reached";
                    world.report.properties[i].at = Some(world.now);
                }
                if !world.faults_on {
                    world.live[i] = true;
                }
                if world.report.messages_to_first_goal.is_none() {
                    world.report.messages_to_first_goal = Some(world.report.sent);
                }
            }
            _ => {}
        }
    }
    if violated {
        let state = world.model.describe_state(&world.state);
        world.log(|_| format!("state: {state}"));
    }
}

/// Renders a report as text: seed, schedule, trace (if recorded), properties, metrics, verdict.
pub fn render<P: Process>(model: &ActorModel<P>, report: &SimReport) -> String {
    let ms = |t: Micros| t as f64 / MICROS_PER_MS as f64;
    let mut text = String::new();
    let _ = writeln!(text, "seed       {}", report.seed);
    let f = &report.faults;
    let _ = writeln!(
        text,
        "faults     loss {:.0}%, duplication {:.0}%, crashes {}, partitions {}, timer drift ±{:.0}%",
        f.loss * 100.0,
        f.duplication * 100.0,
        f.crash_every_ms.map_or("none".to_string(), |ms| format!("every ~{ms} ms")),
        f.partition_every_ms.map_or("none".to_string(), |ms| format!("every ~{ms} ms")),
        f.drift * 100.0
    );
    if !report.byzantine.is_empty() {
        let _ = writeln!(text, "byzantine  {}", report.byzantine.join(", "));
    }
    let _ = writeln!(text, "schedule");
    for fault in &report.schedule {
        let _ = writeln!(
            text,
            "  {:>10.3} ms  {}",
            ms(fault.at),
            describe_fault(model, &fault.fault)
        );
    }
    let _ = writeln!(
        text,
        "  {:>10.3} ms  faults stop; liveness phase",
        ms(report.faults_stop)
    );
    if !report.trace.is_empty() {
        let _ = writeln!(text, "trace");
        for line in &report.trace {
            let _ = writeln!(text, "  {line}");
        }
    }
    let _ = writeln!(text, "properties");
    for p in &report.properties {
        let at =
            p.at.map_or(String::new(), |t| format!(" at {:.3} ms", ms(t)));
        let _ = writeln!(
            text,
            "  {:<10} {:<24} {}{at}",
            p.kind.to_string(),
            p.name,
            p.status
        );
    }
    if let Some(history) = &report.history {
        let _ = writeln!(text, "  {:<10} {:<24} {history}", "history", "linearizable");
    }
    let _ = writeln!(
        text,
        "metrics    {} events, {} messages ({} bytes) sent, {} delivered, {} lost, {} duplicated, {} timers, {:.3} ms of virtual time",
        report.events, report.sent, report.bytes, report.delivered, report.dropped, report.duplicated, report.timers, ms(report.end)
    );
    if let Some(line) = decision_metrics(report) {
        let _ = writeln!(text, "           {line}");
    }
    if let Some((p50, p99, max)) = report.op_latency_ms {
        let _ = writeln!(
            text,
            "           client operations: latency p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"
        );
    }
    if let Some(messages) = report.messages_to_first_goal {
        let first = report
            .properties
            .iter()
            .filter_map(|p| {
                (p.kind == PropertyKind::Sometimes)
                    .then_some(p.at)
                    .flatten()
            })
            .min()
            .unwrap_or(0);
        let _ = writeln!(
            text,
            "           first goal reached after {messages} messages, at {:.3} ms",
            ms(first)
        );
    }
    match &report.failure {
        None => {
            let _ = writeln!(text, "verdict    holds");
        }
        Some(why) => {
            let _ = writeln!(text, "verdict    violated: {why}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_mixes_vary_with_the_seed_and_repeat_for_one() {
        assert_eq!(FaultMix::for_seed(3), FaultMix::for_seed(3));
        let mixes: Vec<FaultMix> = (0..50).map(FaultMix::for_seed).collect();
        assert!(mixes.iter().any(|m| m.crash_every_ms.is_some()));
        assert!(mixes.iter().any(|m| m.crash_every_ms.is_none()));
        assert!(mixes.iter().any(|m| m.loss > 0.0));
        assert!(mixes.iter().any(|m| m.partition_every_ms.is_some()));
    }

    #[test]
    fn exponential_delays_are_positive_with_the_right_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let samples: Vec<u64> = (0..20_000).map(|_| exponential(&mut rng, 1_000)).collect();
        assert!(samples.iter().all(|&s| s >= 1));
        let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
        assert!((900.0..1100.0).contains(&mean), "mean {mean}");
    }
}

/// Messages per decision and decisions per virtual second, for models that count decisions.
pub fn decision_metrics(report: &SimReport) -> Option<String> {
    let (last_at, last_sent) = *report.decisions.last()?;
    let last_bytes = report.decision_bytes.last().copied().unwrap_or(0);
    let count = report.decisions.len();
    let seconds = last_at as f64 / 1e6;
    let mut line = format!(
        "{count} decisions, {:.1} messages and {:.0} bytes per decision, {:.1} decisions per \
         virtual second",
        last_sent as f64 / count as f64,
        last_bytes as f64 / count as f64,
        count as f64 / seconds.max(1e-9)
    );
    if count > 1 {
        // After the first decision: the steady state, without the start-up (an election).
        let first_sent = report.decisions[0].1;
        let first_bytes = report.decision_bytes.first().copied().unwrap_or(0);
        line.push_str(&format!(
            "; after the first: {:.1} messages and {:.0} bytes per decision",
            (last_sent - first_sent) as f64 / (count - 1) as f64,
            (last_bytes - first_bytes) as f64 / (count - 1) as f64
        ));
    }
    Some(line)
}

/// What a swarm of seeds found out.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct SwarmReport {
    /// Seeds run.
    pub runs: u64,
    /// Failing seeds with why they failed, sorted by seed.
    pub failures: Vec<(u64, String)>,
    /// Events over all runs.
    pub events: u64,
    /// Messages delivered over all runs.
    pub delivered: u64,
    /// Messages sent before the first goal, averaged over the runs that reached one.
    pub messages_to_first_goal_mean: Option<f64>,
    /// Virtual time to the first goal (the first decision) over the runs: p50, p99, max, in ms.
    pub first_goal_ms: Option<(f64, f64, f64)>,
}

/// Runs every seed of `seeds` on `threads` threads, `options_for(seed)` giving each run's
/// options. With `stop_at_first_failure`, workers stop taking seeds once one has failed (the
/// failing seeds found are still sorted, so the smallest one reported is deterministic only
/// without it). `done` counts finished seeds, for a progress display.
pub fn swarm<P: Process>(
    model: &ActorModel<P>,
    seeds: std::ops::Range<u64>,
    options_for: &(dyn Fn(u64) -> SimOptions + Sync),
    threads: usize,
    stop_at_first_failure: bool,
    done: &std::sync::atomic::AtomicU64,
) -> SwarmReport {
    let run = |seed| simulate(model, &options_for(seed));
    swarm_with(seeds, &run, threads, stop_at_first_failure, done)
}

/// [`swarm`] over any run function, e.g. runs with a client workload.
pub fn swarm_with(
    seeds: std::ops::Range<u64>,
    run: &(dyn Fn(u64) -> SimReport + Sync),
    threads: usize,
    stop_at_first_failure: bool,
    done: &std::sync::atomic::AtomicU64,
) -> SwarmReport {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let next = AtomicU64::new(seeds.start);
    let stop = AtomicBool::new(false);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= seeds.end {
                        break;
                    }
                    let report = run(seed);
                    if !report.passed() && stop_at_first_failure {
                        stop.store(true, Ordering::Relaxed);
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                    let first_goal = report
                        .properties
                        .iter()
                        .filter_map(|p| {
                            (p.kind == PropertyKind::Sometimes)
                                .then_some(p.at)
                                .flatten()
                        })
                        .min();
                    mine.push((
                        seed,
                        report.failure,
                        report.events,
                        report.delivered,
                        report.messages_to_first_goal,
                        first_goal,
                    ));
                }
                results.lock().expect("no worker panicked").extend(mine);
            });
        }
    });
    let mut results = results.into_inner().expect("no worker panicked");
    results.sort_by_key(|r| r.0);
    let mut failures = Vec::new();
    let mut events = 0;
    let mut delivered = 0;
    let mut messages = Vec::new();
    let mut latencies = Vec::new();
    for (seed, failure, e, d, m, first) in &results {
        events += e;
        delivered += d;
        if let Some(why) = failure {
            failures.push((*seed, why.clone()));
        }
        if let Some(m) = m {
            messages.push(*m as f64);
        }
        if let Some(t) = first {
            latencies.push(*t as f64 / MICROS_PER_MS as f64);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let percentile = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    SwarmReport {
        runs: results.len() as u64,
        failures,
        events,
        delivered,
        messages_to_first_goal_mean: (!messages.is_empty())
            .then(|| messages.iter().sum::<f64>() / messages.len() as f64),
        first_goal_ms: (!latencies.is_empty()).then(|| {
            (
                percentile(0.5),
                percentile(0.99),
                *latencies.last().expect("non-empty"),
            )
        }),
    }
}
