//! Client workloads: virtual clients that drive a protocol's client interface, with the history
//! of their operations recorded and checked by valence-history.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use valence_check::ActorModel;
use valence_core::{Effects, KvOp, KvOutput, NodeId, RegisterOp, RegisterOutput, Service};
use valence_history::{
    check, CheckOptions, Consistency, History, HistoryBuilder, ModelKind, ModelOptions, Value,
    Verdict,
};

use crate::{run, Driver, Event, SimOptions, SimReport, World, MICROS_PER_MS};

/// A register workload: every client runs `ops_per_client` operations one after another, each
/// after a think time, reading or writing (a fresh value each write, so values are unique).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RegisterWorkload {
    /// Operations each client runs.
    pub ops_per_client: u32,
    /// Think time before each operation, drawn uniformly from this range, in ms.
    pub think_ms: (u64, u64),
    /// The share of writes.
    pub write_ratio: f64,
}

impl Default for RegisterWorkload {
    fn default() -> Self {
        RegisterWorkload {
            ops_per_client: 10,
            think_ms: (0, 50),
            write_ratio: 0.5,
        }
    }
}

/// A key-value workload: every client runs `ops_per_client` operations one after another, each
/// after a think time, on keys drawn from `0..keys`; puts and appends write fresh values, so
/// every written value is unique.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct KvWorkload {
    /// Operations each client runs.
    pub ops_per_client: u32,
    /// Think time before each operation, drawn uniformly from this range, in ms.
    pub think_ms: (u64, u64),
    /// Keys are drawn from `0..keys`.
    pub keys: u64,
    /// The share of gets.
    pub get_ratio: f64,
    /// The share of puts.
    pub put_ratio: f64,
    /// The share of compare-and-sets (the rest are appends); each expects the value the last
    /// put or swap invoked on the key wrote.
    pub cas_ratio: f64,
}

impl Default for KvWorkload {
    fn default() -> Self {
        KvWorkload {
            ops_per_client: 10,
            think_ms: (0, 50),
            keys: 3,
            get_ratio: 0.4,
            put_ratio: 0.2,
            cas_ratio: 0.0,
        }
    }
}

/// A run with a workload: the simulation's report, the recorded history, and the history's
/// linearizability verdict.
#[derive(Debug)]
pub struct WorkloadReport {
    /// The simulation (its `failure` includes a non-linearizable history).
    pub sim: SimReport,
    /// The operations as the clients saw them, times in virtual microseconds.
    pub history: History,
    /// The history checker's verdict (linearizability against a register starting at 0).
    pub verdict: Verdict,
}

struct Client {
    node: NodeId,
    /// The operation in flight: its function name, for the history.
    pending: Option<&'static str>,
    issued: u32,
}

/// What a workload's clients invoke and how their operations are written into the history.
trait Ops {
    type Op: std::fmt::Debug;
    type Output: std::fmt::Debug;
    /// Operations each client runs.
    fn ops_per_client(&self) -> u32;
    /// Think time before each operation, in ms.
    fn think_ms(&self) -> (u64, u64);
    /// The next operation, with `fresh` a value never used before: the operation, its history
    /// function name, key and input. `written` holds, per key, the last value a client set
    /// (for compare-and-sets that may succeed).
    fn next(
        &self,
        rng: &mut ChaCha8Rng,
        fresh: u64,
        written: &mut BTreeMap<u64, u64>,
    ) -> (Self::Op, &'static str, Option<Value>, Value);
    /// A completed operation's output as the history records it.
    fn output(output: &Self::Output) -> Value;
}

impl Ops for RegisterWorkload {
    type Op = RegisterOp;
    type Output = RegisterOutput;

    fn ops_per_client(&self) -> u32 {
        self.ops_per_client
    }

    fn think_ms(&self) -> (u64, u64) {
        self.think_ms
    }

    fn next(
        &self,
        rng: &mut ChaCha8Rng,
        fresh: u64,
        _written: &mut BTreeMap<u64, u64>,
    ) -> (RegisterOp, &'static str, Option<Value>, Value) {
        if rng.random_bool(self.write_ratio.clamp(0.0, 1.0)) {
            (
                RegisterOp::Write(fresh),
                "write",
                None,
                Value::Int(fresh as i64),
            )
        } else {
            (RegisterOp::Read, "read", None, Value::Nil)
        }
    }

    fn output(output: &RegisterOutput) -> Value {
        match output {
            RegisterOutput::Read(value) => Value::Int(*value as i64),
            RegisterOutput::Written => Value::Nil,
        }
    }
}

impl Ops for KvWorkload {
    type Op = KvOp;
    type Output = KvOutput;

    fn ops_per_client(&self) -> u32 {
        self.ops_per_client
    }

    fn think_ms(&self) -> (u64, u64) {
        self.think_ms
    }

    fn next(
        &self,
        rng: &mut ChaCha8Rng,
        fresh: u64,
        written: &mut BTreeMap<u64, u64>,
    ) -> (KvOp, &'static str, Option<Value>, Value) {
        let key = rng.random_range(0..self.keys.max(1));
        let key_value = Some(Value::Int(key as i64));
        let draw: f64 = rng.random();
        if draw < self.get_ratio {
            (KvOp::Get(key), "get", key_value, Value::Nil)
        } else if draw < self.get_ratio + self.put_ratio {
            // A put replaces the value by a one-element list.
            let input = Value::List(vec![Value::Int(fresh as i64)]);
            written.insert(key, fresh);
            (KvOp::Put(key, fresh), "put", key_value, input)
        } else if draw < self.get_ratio + self.put_ratio + self.cas_ratio {
            // Expect the value last set on the key (0 if none), so that some swap.
            let expected = written.get(&key).copied().unwrap_or(0);
            written.insert(key, fresh);
            let list = |v: u64| Value::List(vec![Value::Int(v as i64)]);
            let input = Value::List(vec![list(expected), list(fresh)]);
            (KvOp::Cas(key, expected, fresh), "cas", key_value, input)
        } else {
            (
                KvOp::Append(key, fresh),
                "append",
                key_value,
                Value::Int(fresh as i64),
            )
        }
    }

    fn output(output: &KvOutput) -> Value {
        match output {
            KvOutput::Value(items) => {
                Value::List(items.iter().map(|&v| Value::Int(v as i64)).collect())
            }
            KvOutput::Done => Value::Nil,
            KvOutput::Swapped(swapped) => Value::Bool(*swapped),
        }
    }
}

struct WorkloadDriver<'w, W> {
    workload: &'w W,
    rng: ChaCha8Rng,
    clients: Vec<Client>,
    history: HistoryBuilder,
    next_value: u64,
    written: BTreeMap<u64, u64>,
    unfinished: u64,
}

impl<'w, W: Ops> WorkloadDriver<'w, W> {
    fn client(&mut self, node: NodeId) -> Option<usize> {
        self.clients.iter().position(|c| c.node == node)
    }

    fn schedule_next<P: Service>(&mut self, world: &mut World<'_, P>, index: usize) {
        if self.clients[index].issued >= self.workload.ops_per_client() {
            return;
        }
        let (low, high) = self.workload.think_ms();
        let think = self
            .rng
            .random_range(low * MICROS_PER_MS..=high.max(low) * MICROS_PER_MS);
        let at = world.now + think;
        world.push(at, Event::Invoke(self.clients[index].node));
    }
}

impl<P, W> Driver<P> for WorkloadDriver<'_, W>
where
    W: Ops,
    P: Service<Op = W::Op, Output = W::Output>,
{
    fn crashable(&self, node: NodeId) -> bool {
        !self.clients.iter().any(|c| c.node == node)
    }

    fn start(&mut self, world: &mut World<'_, P>) {
        for index in 0..self.clients.len() {
            self.schedule_next(world, index);
        }
    }

    fn invoke(&mut self, world: &mut World<'_, P>, node: NodeId) {
        let Some(index) = self.client(node) else {
            return;
        };
        self.next_value += 1;
        let (op, f, key, input) =
            self.workload
                .next(&mut self.rng, self.next_value, &mut self.written);
        let client = &mut self.clients[index];
        client.pending = Some(f);
        client.issued += 1;
        self.history
            .invoke(index as u64, f, key, input, Some(world.now as i64));
        let name = world.model.name(node).to_string();
        world.log(|_| format!("{name} invokes {op:?}"));
        let mut out = Effects::new();
        let state = Arc::make_mut(&mut world.state.nodes[node.index()]);
        world.model.process.on_invoke(node, state, op, &mut out);
        world.apply(node, &mut out);
        // An operation may complete at once (a protocol that answers locally).
        self.after(world, node);
    }

    fn after(&mut self, world: &mut World<'_, P>, node: NodeId) {
        let Some(index) = self.client(node) else {
            return;
        };
        if self.clients[index].pending.is_none() {
            return;
        }
        let state = Arc::make_mut(&mut world.state.nodes[node.index()]);
        let Some(output) = world.model.process.poll_completion(state) else {
            return;
        };
        let f = self.clients[index].pending.take().expect("checked above");
        let value = W::output(&output);
        let name = world.model.name(node).to_string();
        world.log(|_| format!("{name} completes {f}: {output:?}"));
        self.history
            .ok(index as u64, f, value, Some(world.now as i64));
        self.unfinished -= 1;
        self.schedule_next(world, index);
    }

    fn unfinished(&self) -> u64 {
        self.unfinished
    }
}

/// Runs `model` once with `workload`'s clients (every client node of the service), records
/// their history and checks it for linearizability against a register starting at 0. A
/// history that is not linearizable makes the run fail, like a violated invariant.
pub fn simulate_register<P>(
    model: &ActorModel<P>,
    options: &SimOptions,
    workload: &RegisterWorkload,
) -> WorkloadReport
where
    P: Service<Op = RegisterOp, Output = RegisterOutput>,
{
    simulate_workload(model, options, workload, ModelKind::Register, Value::Int(0))
}

/// Runs `model` once with `workload`'s clients, records their history and checks it for
/// linearizability against a key-value store whose keys start as the empty list.
pub fn simulate_kv<P>(
    model: &ActorModel<P>,
    options: &SimOptions,
    workload: &KvWorkload,
) -> WorkloadReport
where
    P: Service<Op = KvOp, Output = KvOutput>,
{
    simulate_workload(
        model,
        options,
        workload,
        ModelKind::Kv,
        Value::List(Vec::new()),
    )
}

fn simulate_workload<P, W>(
    model: &ActorModel<P>,
    options: &SimOptions,
    workload: &W,
    kind: ModelKind,
    initial: Value,
) -> WorkloadReport
where
    W: Ops,
    P: Service<Op = W::Op, Output = W::Output>,
{
    let clients: Vec<Client> = (0..model.node_count)
        .map(NodeId::from)
        .filter(|&node| model.process.is_client(node))
        .map(|node| Client {
            node,
            pending: None,
            issued: 0,
        })
        .collect();
    let mut driver = WorkloadDriver {
        workload,
        rng: ChaCha8Rng::seed_from_u64(options.seed ^ 0x3c6e_f372_fe94_f82b),
        unfinished: clients.len() as u64 * u64::from(workload.ops_per_client()),
        clients,
        history: HistoryBuilder::new(),
        next_value: 0,
        written: BTreeMap::new(),
    };
    let world = run(model, options, &mut driver, None);
    let end = world.now as i64;
    let mut sim = world.report;
    // Operations still in flight have an unknown outcome.
    for (index, client) in driver.clients.iter().enumerate() {
        if let Some(f) = client.pending {
            driver.history.info(index as u64, f, Some(end));
        }
    }
    let history = driver
        .history
        .finish()
        .expect("the driver records well-formed histories");
    let model_options = ModelOptions {
        initial: Some(initial),
    };
    let verdict = match check(
        &history,
        kind,
        Consistency::Linearizable,
        &model_options,
        &CheckOptions::default(),
    ) {
        Ok(report) => report.verdict,
        Err(error) => {
            sim.failure
                .get_or_insert(format!("checking the history: {error}"));
            Verdict::Unknown
        }
    };
    let mut latencies: Vec<f64> = history
        .operations
        .iter()
        .filter(|op| op.outcome == valence_history::Outcome::Ok)
        .filter_map(|op| Some((op.ret_time? - op.call_time?) as f64 / MICROS_PER_MS as f64))
        .collect();
    latencies.sort_by(f64::total_cmp);
    if let Some(&max) = latencies.last() {
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
        sim.op_latency_ms = Some((at(0.5), at(0.99), max));
    }
    sim.history = Some(
        match verdict {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Unknown => "unknown",
        }
        .to_string(),
    );
    if verdict == Verdict::Violated && sim.failure.is_none() {
        sim.failure = Some(format!(
            "the clients' history ({} operations) is not linearizable",
            history.operations.len()
        ));
    }
    WorkloadReport {
        sim,
        history,
        verdict,
    }
}
