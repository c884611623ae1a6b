//! Per-thread shards for the state every request writes (the metrics), and
//! `Slots`, the small table a thread keeps of what it served
//! last.
//!
//! Rationale: a value both workers write on every request (one lock, one
//! counter) moves between the two cores on every request; the benchmark
//! showed such shared writes among the largest costs of the mock over a bare
//! actix-web server. Each thread takes one of `SHARDS` slots, round robin, the
//! first time it records, and writes only there: its lock is uncontended
//! unless a reader (an admin or `/metrics` request) is merging the slots.

use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crossbeam_utils::CachePadded;

/// Up to this many threads never share a slot.
pub const SHARDS: usize = 16;

static NEXT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

/// Each slot on cache lines of its own: side by side, two threads' slots
/// would share a line, and every write to one would move it away from the
/// other (false sharing).
#[derive(Debug)]
pub struct Sharded<T>(Box<[CachePadded<Mutex<T>>]>);

impl<T: Default> Default for Sharded<T> {
    fn default() -> Self {
        Sharded((0..SHARDS).map(|_| CachePadded::default()).collect())
    }
}

/// Locks a mutex, taking over a poisoned one: a panic in one request must
/// not take shared state down for every later one.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T> Sharded<T> {
    /// This thread's slot.
    pub fn mine(&self) -> MutexGuard<'_, T> {
        self.slot(SLOT.with(|slot| *slot))
    }

    /// Every slot, one at a time.
    pub fn each(&self) -> impl Iterator<Item = MutexGuard<'_, T>> {
        (0..SHARDS).map(|index| self.slot(index))
    }

    fn slot(&self, index: usize) -> MutexGuard<'_, T> {
        match self.0.get(index) {
            Some(slot) => lock(slot),
            None => unreachable!("slot indices are taken modulo SHARDS"),
        }
    }
}

/// What one thread served last, for its own reuse (the errors of
/// `connector::kept`): direct-mapped, so a key has one slot (by its hash)
/// and a newer entry takes it. Nothing in it is shared with another thread.
pub struct Slots<T, const N: usize>([Option<T>; N]);

impl<T, const N: usize> Slots<T, N> {
    pub fn new() -> Self {
        Slots(std::array::from_fn(|_| None))
    }

    /// A fixed seed is enough: a collision only costs a miss.
    fn index(key: &impl Hash) -> usize {
        (foldhash::fast::FixedState::default().hash_one(key) % N as u64) as usize
    }

    /// The entry in `key`'s slot, if `matches` says it is `key`'s.
    pub fn find(&self, key: &impl Hash, matches: impl FnOnce(&T) -> bool) -> Option<&T> {
        self.0
            .get(Self::index(key))?
            .as_ref()
            .filter(|entry| matches(entry))
    }

    pub fn put(&mut self, key: &impl Hash, entry: T) {
        if let Some(slot) = self.0.get_mut(Self::index(key)) {
            *slot = Some(entry);
        }
    }
}

impl<T, const N: usize> Default for Slots<T, N> {
    fn default() -> Self {
        Self::new()
    }
}
