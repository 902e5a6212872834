//! `worker_index`: each worker of a parallel breadth-first search has a number below the
//! thread count, the same at every level, so that a front end can keep per-worker state (TLC's
//! registers) across levels although the search starts new threads for each.

use std::collections::HashMap;
use std::sync::Mutex;

use valence_check::{check, worker_index, CheckOptions, Model, Property};

/// Wide levels: states `(level, i)` for `i < WIDTH`, each with one successor per level.
struct Wide {
    /// Per worker number, the levels of the states it expanded.
    seen: Mutex<HashMap<usize, Vec<u32>>>,
}

const WIDTH: u32 = 4_000;
const LEVELS: u32 = 4;

impl Model for Wide {
    type State = (u32, u32);
    type Action = ();

    fn init_states(&self) -> Vec<(u32, u32)> {
        (0..WIDTH).map(|i| (0, i)).collect()
    }

    fn actions(&self, state: &(u32, u32), out: &mut Vec<()>) {
        // Some work per state, so that every worker thread of a level gets states to expand.
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_micros(20) {
            std::hint::spin_loop();
        }
        self.seen
            .lock()
            .expect("lock")
            .entry(worker_index())
            .or_default()
            .push(state.0);
        if state.0 < LEVELS {
            out.push(());
        }
    }

    fn next_state(&self, state: &(u32, u32), _: &()) -> Option<(u32, u32)> {
        Some((state.0 + 1, state.1))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        Vec::new()
    }

    fn checks_deadlock(&self) -> bool {
        false
    }
}

#[test]
fn workers_keep_their_numbers_below_the_thread_count() {
    for threads in [1, 2, 3] {
        let model = Wide {
            seen: Mutex::new(HashMap::new()),
        };
        let options = CheckOptions {
            threads,
            ..CheckOptions::default()
        };
        let report = check(&model, &options);
        assert_eq!(report.distinct_states, u64::from(WIDTH * (LEVELS + 1)));
        let seen = model.seen.into_inner().expect("lock");
        assert!(
            seen.keys().all(|&w| w < threads),
            "{threads} threads: workers {:?}",
            seen.keys().collect::<Vec<_>>()
        );
        let expanded: usize = seen.values().map(Vec::len).sum();
        assert_eq!(expanded, (WIDTH * (LEVELS + 1)) as usize);
        // The calling thread is worker 0 and takes part in every level; with more threads, the
        // others are numbered too (each level takes 80 ms of work, in chunks of 256 states).
        let levels: std::collections::HashSet<u32> = seen[&0].iter().copied().collect();
        assert_eq!(levels.len(), (LEVELS + 1) as usize, "{threads} threads");
        assert_eq!(
            seen.len(),
            threads,
            "{threads} threads: every worker numbered"
        );
    }
    // Outside a search, the thread is worker 0.
    assert_eq!(worker_index(), 0);
}
