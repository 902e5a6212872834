//! Shrinking a failing run: fewer faults, fewer events, the same violation.
//!
//! A failing run is replayed with an explicit schedule (the one drawn from its seed), which is
//! then reduced greedily: each scheduled fault is removed in turn, then each pair of a crash and
//! its restart or a partition and its heal; message loss, duplication and timer drift are
//! turned off one by one; and the safety phase is shortened by a binary search on its length.
//! A reduction is kept only if the run still fails the same way ([`failure_kind`]) in no more
//! events than the best run so far, so the result never has more faults or more events than the
//! original. The seed stays the same, so the shrunk run is one set of [`SimOptions`] that
//! replays byte for byte.

use crate::{Fault, ScheduledFault, SimOptions, SimReport, MICROS_PER_MS};

/// A shrunk failing run.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The original run's report.
    pub original: SimReport,
    /// The smallest failing options found: the original seed with an explicit schedule.
    pub options: SimOptions,
    /// The report of a run under `options`.
    pub report: SimReport,
    /// How many runs the search took, the original and the final replay included.
    pub runs: u64,
}

/// How a run failed, in terms that survive shrinking: the first violated `always` property, or
/// the failure's category (`liveness`, `the clients' history`, ...). `None` for a passing run.
pub fn failure_kind(report: &SimReport) -> Option<String> {
    let failure = report.failure.as_ref()?;
    if let Some(p) = report.properties.iter().find(|p| p.status == "violated") {
        return Some(format!("always `{}`", p.name));
    }
    let end = failure.find([':', '(']).unwrap_or(failure.len());
    Some(failure[..end].trim().to_string())
}

/// The greedy search's state: the best (smallest) failing options so far.
struct Search<'r> {
    run: &'r dyn Fn(&SimOptions) -> SimReport,
    kind: String,
    best: SimOptions,
    events: u64,
    runs: u64,
}

impl Search<'_> {
    /// Runs `candidate`; keeps it if it fails the same way in no more events.
    fn attempt(&mut self, candidate: SimOptions) -> bool {
        self.runs += 1;
        let report = (self.run)(&candidate);
        let same = failure_kind(&report).is_some_and(|k| k == self.kind);
        if same && report.events <= self.events {
            self.best = candidate;
            self.events = report.events;
            true
        } else {
            false
        }
    }

    fn schedule(&self) -> &[ScheduledFault] {
        self.best.schedule.as_deref().unwrap_or(&[])
    }

    /// The best options with the faults at `remove` taken out of the schedule.
    fn without(&self, remove: &[usize]) -> SimOptions {
        let schedule = self
            .schedule()
            .iter()
            .enumerate()
            .filter(|(i, _)| !remove.contains(i))
            .map(|(_, f)| f.clone())
            .collect();
        SimOptions {
            schedule: Some(schedule),
            ..self.best.clone()
        }
    }

    /// Removes single faults while that keeps the run failing; whether one was removed.
    fn remove_singles(&mut self) -> bool {
        let mut progress = false;
        let mut i = 0;
        while i < self.schedule().len() {
            if self.attempt(self.without(&[i])) {
                progress = true;
            } else {
                i += 1;
            }
        }
        progress
    }

    /// Removes pairs (a crash and the node's next restart, a partition and the next heal).
    fn remove_pairs(&mut self) -> bool {
        let mut progress = false;
        let mut i = 0;
        while i < self.schedule().len() {
            let schedule = self.schedule();
            let partner = match &schedule[i].fault {
                Fault::Crash { node } => schedule[i + 1..]
                    .iter()
                    .position(|f| f.fault == Fault::Restart { node: *node }),
                Fault::Partition { .. } => schedule[i + 1..]
                    .iter()
                    .position(|f| f.fault == Fault::Heal),
                Fault::Restart { .. } | Fault::Heal => None,
            };
            match partner {
                Some(j) if self.attempt(self.without(&[i, i + 1 + j])) => progress = true,
                _ => i += 1,
            }
        }
        progress
    }

    /// Turns off loss, duplication and drift, each if that keeps the run failing.
    fn calm_network(&mut self) -> bool {
        let mut progress = false;
        let zeroes: [fn(&mut SimOptions) -> bool; 3] = [
            |o| std::mem::replace(&mut o.faults.loss, 0.0) > 0.0,
            |o| std::mem::replace(&mut o.faults.duplication, 0.0) > 0.0,
            |o| std::mem::replace(&mut o.faults.drift, 0.0) > 0.0,
        ];
        for zero in zeroes {
            let mut candidate = self.best.clone();
            if zero(&mut candidate) && self.attempt(candidate) {
                progress = true;
            }
        }
        progress
    }

    /// Shortens the safety phase by a binary search on its length, dropping the faults beyond
    /// it.
    fn shorten_safety(&mut self) {
        let (mut low, mut high) = (0, self.best.safety_ms);
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            let mut candidate = self.best.clone();
            candidate.safety_ms = mid;
            if let Some(schedule) = &mut candidate.schedule {
                schedule.retain(|f| f.at <= mid * MICROS_PER_MS);
            }
            if self.attempt(candidate) {
                high = mid;
            } else {
                low = mid;
            }
        }
    }
}

/// Shrinks the run of `options` (replayed by `run`, which may drive clients or adversaries):
/// returns `None` if it passes, else the smallest failing options found and their report.
pub fn shrink(run: &dyn Fn(&SimOptions) -> SimReport, options: &SimOptions) -> Option<Shrunk> {
    let original = run(options);
    let kind = failure_kind(&original)?;
    let quiet = SimOptions {
        record_trace: false,
        schedule: Some(original.schedule.clone()),
        ..options.clone()
    };
    let mut search = Search {
        run,
        kind,
        best: quiet.clone(),
        events: u64::MAX,
        runs: 1,
    };
    // The drawn schedule made explicit must replay the failure; if it somehow does not, the
    // original options are the answer.
    if !search.attempt(quiet) {
        search.best = options.clone();
        search.events = original.events;
    } else {
        loop {
            let singles = search.remove_singles();
            let pairs = search.remove_pairs();
            let calm = search.calm_network();
            if !(singles || pairs || calm) {
                break;
            }
        }
        search.shorten_safety();
    }
    let mut options = SimOptions {
        record_trace: options.record_trace,
        ..search.best
    };
    // With an explicit schedule the crash and partition rates are unused: name only the kinds
    // of fault the schedule still has.
    if let Some(schedule) = &options.schedule {
        let any = |kind: fn(&Fault) -> bool| schedule.iter().any(|f| kind(&f.fault));
        if !any(|f| matches!(f, Fault::Crash { .. })) {
            options.faults.crash_every_ms = None;
        }
        if !any(|f| matches!(f, Fault::Partition { .. })) {
            options.faults.partition_every_ms = None;
        }
    }
    let report = run(&options);
    Some(Shrunk {
        original,
        options,
        report,
        runs: search.runs + 1,
    })
}
