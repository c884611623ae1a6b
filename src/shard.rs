//! Per-thread shards for the state every request writes (the journal and the
//! metrics).
//!
//! Rationale: a value both workers write on every request (one lock, one
//! counter) moves between the two cores on every request; the benchmark
//! showed such shared writes among the largest costs of the mock over a bare
//! actix-web server. Each thread takes one of `SHARDS` slots, round robin, the
//! first time it records, and writes only there: its lock is uncontended
//! unless a reader (an admin or `/metrics` request) is merging the slots.

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
