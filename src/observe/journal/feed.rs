//! The journal's live feed, for `GET /__admin/requests/stream`: the ids of
//! the entries the journal keeps, in the order they are kept, in one ring
//! every stream reads at its own pace.
//!
//! The request path must not pay for dashboards, however many: with no
//! stream connected, publishing is one atomic load; with some, it is one
//! short lock and the id's store into the ring. It never copies an entry,
//! never serializes one and never wakes a task. Each stream comes by on its
//! own clock (`stream.rs`), takes the ids kept since its last visit and reads
//! those entries from the journal's slots. A stream that falls more than
//! `CAPACITY` ids behind loses the oldest and is told how many, so a stalled
//! page can neither slow requests nor grow memory.
//!
//! Measured: with a stream per entry handed through a broadcast channel (a
//! clone of the entry per request, a wake-up of every stream per request,
//! an event serialized per stream per request), ten connected streams cut
//! the request throughput to about a fifth (`bench.py --dashboards`).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Ids the ring holds for the slowest stream (8 bytes each: 8 KiB).
pub const CAPACITY: usize = 1024;

#[derive(Debug)]
pub struct Feed {
    ring: Mutex<Ring>,
    /// Streams connected; counted here so that publishing with none takes
    /// no lock.
    subscribers: Arc<AtomicUsize>,
    /// The server is stopping: streams end (`close`).
    closed: AtomicBool,
}

#[derive(Debug)]
struct Ring {
    /// How many ids were ever published: the sequence number of the next.
    next: u64,
    ids: Box<[u64]>,
}

impl Default for Feed {
    fn default() -> Feed {
        Feed {
            ring: Mutex::new(Ring {
                next: 0,
                ids: vec![0; CAPACITY].into_boxed_slice(),
            }),
            subscribers: Arc::new(AtomicUsize::new(0)),
            closed: AtomicBool::new(false),
        }
    }
}

/// One stream's place in the feed; counted while it lives.
#[derive(Debug)]
pub struct Subscription {
    /// The sequence number of the next id this stream has not taken.
    cursor: u64,
    subscribers: Arc<AtomicUsize>,
}

impl Subscription {
    /// Gives back the last `count` ids `take` handed out, to be taken again
    /// on the next visit (a stream whose chunk is full).
    pub fn give_back(&mut self, count: usize) {
        self.cursor = self.cursor.saturating_sub(count as u64);
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.subscribers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a stream takes on one visit.
#[derive(Debug, Default, PartialEq)]
pub struct Taken {
    /// The ids kept since the last visit, oldest first.
    pub ids: Vec<u64>,
    /// Ids that fell out of the ring before this visit.
    pub missed: u64,
}

impl Feed {
    /// Tells the streams, if any, that the journal now keeps entry `id`.
    pub fn publish(&self, id: u64) {
        if self.subscribers.load(Ordering::Relaxed) > 0 {
            let mut ring = crate::shard::lock(&self.ring);
            let at = (ring.next % CAPACITY as u64) as usize;
            if let Some(slot) = ring.ids.get_mut(at) {
                *slot = id;
            }
            ring.next += 1;
        }
    }

    /// The server is stopping: every stream ends at its next visit.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// A stream's place: from the next id published on.
    pub fn subscribe(&self) -> Subscription {
        self.subscribers.fetch_add(1, Ordering::Relaxed);
        Subscription {
            cursor: crate::shard::lock(&self.ring).next,
            subscribers: self.subscribers.clone(),
        }
    }

    /// At most `max` of the ids published since `subscription`'s last
    /// visit, oldest first, and how many it can no longer have.
    pub fn take(&self, subscription: &mut Subscription, max: usize) -> Taken {
        let ring = crate::shard::lock(&self.ring);
        let behind = ring.next.saturating_sub(subscription.cursor);
        let missed = behind.saturating_sub(CAPACITY as u64);
        let first = subscription.cursor + missed;
        let count = (behind - missed).min(max as u64);
        let ids = (first..first + count)
            .filter_map(|seq| ring.ids.get((seq % CAPACITY as u64) as usize).copied())
            .collect();
        subscription.cursor = first + count;
        Taken { ids, missed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_takes_what_was_kept_since_its_last_visit_and_is_told_what_it_missed() {
        let feed = Feed::default();
        feed.publish(1); // nobody listens: nothing is kept
        let mut subscription = feed.subscribe();
        assert_eq!(feed.take(&mut subscription, 10), Taken::default());
        feed.publish(2);
        feed.publish(4); // kept before 3 (3 was a slower request)
        feed.publish(3);
        let taken = feed.take(&mut subscription, 2);
        assert_eq!((taken.ids, taken.missed), (vec![2, 4], 0));
        subscription.give_back(1);
        let taken = feed.take(&mut subscription, 10);
        assert_eq!((taken.ids, taken.missed), (vec![4, 3], 0));
        for id in 5..(5 + CAPACITY as u64 + 10) {
            feed.publish(id);
        }
        let taken = feed.take(&mut subscription, CAPACITY);
        assert_eq!(taken.missed, 10);
        assert_eq!(taken.ids.first(), Some(&15));
        assert_eq!(taken.ids.len(), CAPACITY);
        drop(subscription);
        assert_eq!(feed.subscribers.load(Ordering::Relaxed), 0);
    }
}
