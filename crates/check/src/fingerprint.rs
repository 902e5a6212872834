//! 64-bit state fingerprints and the concurrent set that remembers them.
//!
//! The set stores nothing but the fingerprints: 8 bytes a slot, in open-addressing tables with
//! linear probing, split into shards that each grow on their own (so growth never stops the
//! world and never doubles the whole footprint at once). Parent links for traces are not kept
//! here: the breadth-first search rebuilds a trace by re-exploring up to the depth of the state
//! it needs, with a [`ParentMap`], which costs time only when there is a trace to show.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use parking_lot::Mutex;

/// A 64-bit fingerprint of a state; never zero.
pub type Fingerprint = u64;

/// The fixed seed of the fingerprint hash, so fingerprints are the same in every run.
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// The fingerprint of a hashable value: a fixed-seed, high-quality 64-bit hash, never zero.
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> Fingerprint {
    match foldhash::quality::FixedState::with_seed(SEED).hash_one(value) {
        0 => 1,
        fp => fp,
    }
}

/// What a search remembers about visited states.
pub trait Visited: Sync {
    /// Records `fp`, reached from `parent` (0 for an initial state). Returns true if `fp` is new.
    fn insert(&self, fp: Fingerprint, parent: Fingerprint) -> bool;
    /// Whether `fp` was recorded.
    fn contains(&self, fp: Fingerprint) -> bool;
    /// The number of distinct fingerprints recorded.
    fn len(&self) -> u64;
    /// The number of independently locked shards.
    fn shard_count(&self) -> usize;
    /// The shard that holds `fp`.
    fn shard_of(&self, fp: Fingerprint) -> usize;
    /// Records every `(fp, parent)` of `items`, all of shard `shard`, under one lock; sets
    /// `new[i]` to whether `items[i]` was new.
    fn insert_batch(&self, shard: usize, items: &[(Fingerprint, Fingerprint)], new: &mut [bool]);
    /// Whether nothing was recorded.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fills a table at most to `MAX_LOAD_NUM / MAX_LOAD_DEN` before it grows by half.
const MAX_LOAD_NUM: usize = 4;
const MAX_LOAD_DEN: usize = 5;
const SHARD_CAPACITY_MIN: usize = 1 << 10;

struct Table {
    slots: Vec<u64>,
    len: usize,
}

impl Table {
    fn with_capacity(capacity: usize) -> Self {
        Table {
            slots: vec![0; capacity.max(SHARD_CAPACITY_MIN)],
            len: 0,
        }
    }

    /// Maps a fingerprint to a home slot with a multiply-shift, so capacities need not be
    /// powers of two.
    fn home(fp: u64, capacity: usize) -> usize {
        ((u128::from(fp) * capacity as u128) >> 64) as usize
    }

    fn insert(&mut self, fp: u64) -> bool {
        debug_assert_ne!(fp, 0);
        if (self.len + 1) * MAX_LOAD_DEN > self.slots.len() * MAX_LOAD_NUM {
            self.grow();
        }
        let capacity = self.slots.len();
        let mut index = Self::home(fp, capacity);
        loop {
            let slot = self.slots[index];
            if slot == fp {
                return false;
            }
            if slot == 0 {
                self.slots[index] = fp;
                self.len += 1;
                return true;
            }
            index += 1;
            if index == capacity {
                index = 0;
            }
        }
    }

    /// Hints the processor to fetch `fp`'s home slot: the table is far larger than the caches,
    /// so nearly every insert misses, and a batch can overlap those misses.
    #[inline]
    fn prefetch(&self, fp: u64) {
        let home = Self::home(fp, self.slots.len());
        prefetch_read(&self.slots[home]);
    }

    fn grow(&mut self) {
        let capacity = self.slots.len() + self.slots.len() / 2;
        let old = std::mem::replace(&mut self.slots, vec![0; capacity]);
        self.len = 0;
        for fp in old.into_iter().filter(|&fp| fp != 0) {
            self.insert(fp);
        }
    }

    fn contains(&self, fp: u64) -> bool {
        let capacity = self.slots.len();
        let mut index = Self::home(fp, capacity);
        loop {
            match self.slots[index] {
                0 => return false,
                slot if slot == fp => return true,
                _ => {}
            }
            index += 1;
            if index == capacity {
                index = 0;
            }
        }
    }
}

/// Prefetches the cache line holding `value`. A prefetch is only a hint: it reads nothing the
/// program can observe and cannot fault, so this is sound for any reference.
#[inline]
#[allow(unsafe_code)]
fn prefetch_read<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 processor has (it is part of the
    // baseline target), and it does not dereference the pointer in the language's sense.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (value as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A concurrent set of fingerprints: sharded open-addressing tables, 8 bytes a slot.
pub struct FingerprintSet {
    shards: Box<[Mutex<Table>]>,
    shard_mask: u64,
}

impl FingerprintSet {
    /// A set tuned for `threads` concurrent writers.
    pub fn new(threads: usize) -> Self {
        let shards = (threads.max(1) * 64).next_power_of_two();
        FingerprintSet {
            shards: (0..shards)
                .map(|_| Mutex::new(Table::with_capacity(SHARD_CAPACITY_MIN)))
                .collect(),
            shard_mask: shards as u64 - 1,
        }
    }

    fn shard(&self, fp: Fingerprint) -> &Mutex<Table> {
        // The low bits pick the shard; the home slot comes from the high bits.
        &self.shards[(fp & self.shard_mask) as usize]
    }

    /// Inserts `fp`; true if it was not present.
    pub fn insert(&self, fp: Fingerprint) -> bool {
        assert_ne!(fp, 0, "fingerprint 0 is reserved for empty slots");
        self.shard(fp).lock().insert(fp)
    }

    /// Whether `fp` is present.
    pub fn contains(&self, fp: Fingerprint) -> bool {
        self.shard(fp).lock().contains(fp)
    }

    /// The number of fingerprints stored.
    pub fn len(&self) -> u64 {
        self.shards.iter().map(|s| s.lock().len as u64).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held by the tables.
    pub fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().slots.len() * std::mem::size_of::<u64>())
            .sum()
    }
}

impl Visited for FingerprintSet {
    fn insert(&self, fp: Fingerprint, _parent: Fingerprint) -> bool {
        FingerprintSet::insert(self, fp)
    }

    fn contains(&self, fp: Fingerprint) -> bool {
        FingerprintSet::contains(self, fp)
    }

    fn shard_count(&self) -> usize {
        self.shards.len()
    }

    fn shard_of(&self, fp: Fingerprint) -> usize {
        (fp & self.shard_mask) as usize
    }

    fn insert_batch(&self, shard: usize, items: &[(Fingerprint, Fingerprint)], new: &mut [bool]) {
        /// How many inserts ahead the home slot is prefetched.
        const AHEAD: usize = 8;
        let mut table = self.shards[shard].lock();
        for (i, (&(fp, _), new)) in items.iter().zip(new).enumerate() {
            debug_assert_eq!(self.shard_of(fp), shard);
            assert_ne!(fp, 0, "fingerprint 0 is reserved for empty slots");
            if let Some(&(ahead, _)) = items.get(i + AHEAD) {
                table.prefetch(ahead);
            }
            *new = table.insert(fp);
        }
    }

    fn len(&self) -> u64 {
        FingerprintSet::len(self)
    }
}

/// A hasher for keys that are already uniformly distributed fingerprints.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type FingerprintMap<V> = HashMap<Fingerprint, V, BuildHasherDefault<IdentityHasher>>;

/// A set of fingerprints, hashed as they are.
pub(crate) type FingerprintHashSet =
    std::collections::HashSet<Fingerprint, BuildHasherDefault<IdentityHasher>>;

/// A concurrent map from fingerprint to the fingerprint of the state it was first reached from:
/// the parent links a trace is rebuilt from.
pub struct ParentMap {
    shards: Box<[Mutex<FingerprintMap<Fingerprint>>]>,
    shard_mask: u64,
}

impl ParentMap {
    /// An empty map tuned for `threads` concurrent writers.
    pub fn new(threads: usize) -> Self {
        let shards = (threads.max(1) * 16).next_power_of_two();
        ParentMap {
            shards: (0..shards)
                .map(|_| Mutex::new(HashMap::default()))
                .collect(),
            shard_mask: shards as u64 - 1,
        }
    }

    fn shard(&self, fp: Fingerprint) -> &Mutex<FingerprintMap<Fingerprint>> {
        &self.shards[(fp & self.shard_mask) as usize]
    }

    /// The parent of `fp` (0 for an initial state), if `fp` was recorded.
    pub fn parent(&self, fp: Fingerprint) -> Option<Fingerprint> {
        self.shard(fp).lock().get(&fp).copied()
    }

    /// The fingerprints from an initial state to `fp`, inclusive, or `None` if `fp` is unknown.
    pub fn path_to(&self, fp: Fingerprint) -> Option<Vec<Fingerprint>> {
        let mut path = vec![fp];
        let mut current = fp;
        loop {
            let parent = self.parent(current)?;
            if parent == 0 {
                break;
            }
            assert!(
                path.len() <= self.len() as usize,
                "parent links form a cycle at fingerprint {current:#x}"
            );
            path.push(parent);
            current = parent;
        }
        path.reverse();
        Some(path)
    }
}

impl Visited for ParentMap {
    fn insert(&self, fp: Fingerprint, parent: Fingerprint) -> bool {
        let mut shard = self.shard(fp).lock();
        match shard.entry(fp) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(parent);
                true
            }
        }
    }

    fn contains(&self, fp: Fingerprint) -> bool {
        self.shard(fp).lock().contains_key(&fp)
    }

    fn shard_count(&self) -> usize {
        self.shards.len()
    }

    fn shard_of(&self, fp: Fingerprint) -> usize {
        (fp & self.shard_mask) as usize
    }

    fn insert_batch(&self, shard: usize, items: &[(Fingerprint, Fingerprint)], new: &mut [bool]) {
        let mut map = self.shards[shard].lock();
        for (&(fp, parent), new) in items.iter().zip(new) {
            *new = match map.entry(fp) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(parent);
                    true
                }
            };
        }
    }

    fn len(&self) -> u64 {
        self.shards.iter().map(|s| s.lock().len() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn fingerprints_are_stable_and_nonzero() {
        assert_eq!(fingerprint(&(1u8, 2u8)), fingerprint(&(1u8, 2u8)));
        assert_ne!(fingerprint(&1u64), fingerprint(&2u64));
        assert_ne!(fingerprint(&()), 0);
    }

    proptest! {
        /// The sharded open-addressing set agrees with std's HashSet, through growth.
        #[test]
        fn fingerprint_set_matches_hash_set(values in proptest::collection::vec(1u64..5_000, 0..6_000)) {
            let set = FingerprintSet::new(2);
            let mut oracle = HashSet::new();
            for v in &values {
                let fp = fingerprint(v);
                prop_assert_eq!(set.insert(fp), oracle.insert(fp));
            }
            prop_assert_eq!(set.len(), oracle.len() as u64);
            for v in 0u64..5_000 {
                let fp = fingerprint(&v);
                prop_assert_eq!(set.contains(fp), oracle.contains(&fp));
            }
        }

        /// Parent chains rebuild the path of insertion.
        #[test]
        fn parent_map_rebuilds_paths(len in 1usize..200) {
            let map = ParentMap::new(1);
            let mut parent = 0;
            let mut expected = Vec::new();
            for i in 0..len {
                let fp = fingerprint(&i);
                prop_assert!(map.insert(fp, parent));
                prop_assert!(!map.insert(fp, 12345));
                expected.push(fp);
                parent = fp;
            }
            prop_assert_eq!(map.path_to(parent), Some(expected));
        }
    }

    #[test]
    fn concurrent_inserts_count_each_fingerprint_once() {
        let set = FingerprintSet::new(4);
        let inserted: u64 = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0u64..50_000)
                            .filter(|v| set.insert(fingerprint(v)))
                            .count() as u64
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(inserted, 50_000);
        assert_eq!(set.len(), 50_000);
    }
}
