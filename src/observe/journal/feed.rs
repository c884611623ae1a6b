//! The journal's live feed, for `GET /__admin/requests/stream`: each entry
//! recorded is also handed to the feed's subscribers, through one bounded
//! ring (tokio's broadcast channel) they all read.
//!
//! The request path must not pay for a dashboard it does not have, nor wait
//! for one that is slow: with no subscriber, publishing is one atomic load;
//! with some, it is a clone of the entry into the ring, never a wait. A
//! subscriber that falls `CAPACITY` entries behind loses the oldest and is
//! told how many (`Missed`), so a stalled page can neither slow requests nor
//! grow memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::broadcast;

use super::Entry;

/// Entries the ring holds for the slowest subscriber (each at most
/// `MAX_ENTRY_BYTES`, 12.5 KiB: the ring is bounded by about 3 MiB whatever
/// the number of subscribers).
pub const CAPACITY: usize = 256;

#[derive(Debug)]
pub struct Feed {
    sender: broadcast::Sender<Arc<Entry>>,
    /// Counted here: the channel's own count takes a lock per read.
    subscribers: Arc<AtomicUsize>,
}

impl Default for Feed {
    fn default() -> Feed {
        Feed {
            sender: broadcast::channel(CAPACITY).0,
            subscribers: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// What a subscriber gets next.
#[derive(Debug)]
pub enum Next {
    Entry(Arc<Entry>),
    /// The subscriber fell behind and lost this many entries.
    Missed(u64),
    /// The feed is gone (the server is stopping).
    Closed,
}

/// One subscriber; counted while it lives.
#[derive(Debug)]
pub struct Subscription {
    receiver: broadcast::Receiver<Arc<Entry>>,
    subscribers: Arc<AtomicUsize>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.subscribers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Subscription {
    pub async fn next(&mut self) -> Next {
        match self.receiver.recv().await {
            Ok(entry) => Next::Entry(entry),
            Err(broadcast::error::RecvError::Lagged(missed)) => Next::Missed(missed),
            Err(broadcast::error::RecvError::Closed) => Next::Closed,
        }
    }
}

impl Feed {
    /// Hands `entry` to the subscribers, if there are any.
    pub fn publish(&self, entry: &Entry) {
        if self.subscribers.load(Ordering::Relaxed) > 0 {
            let _ = self.sender.send(Arc::new(entry.clone()));
        }
    }

    pub fn subscribe(&self) -> Subscription {
        self.subscribers.fetch_add(1, Ordering::Relaxed);
        Subscription {
            receiver: self.sender.subscribe(),
            subscribers: self.subscribers.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64) -> Entry {
        let mut entry = crate::observe::journal::tests::entry(200, None);
        entry.id = id;
        entry
    }

    #[test]
    fn a_subscriber_gets_what_is_published_and_is_told_what_it_missed() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(told_what_it_missed());
    }

    async fn told_what_it_missed() {
        let feed = Feed::default();
        feed.publish(&entry(1)); // nobody listens: nothing is kept
        let mut subscription = feed.subscribe();
        feed.publish(&entry(2));
        assert!(matches!(subscription.next().await, Next::Entry(e) if e.id == 2));
        for id in 3..(3 + CAPACITY as u64 + 10) {
            feed.publish(&entry(id));
        }
        assert!(matches!(subscription.next().await, Next::Missed(10)));
        assert!(matches!(subscription.next().await, Next::Entry(e) if e.id == 13));
        drop(subscription);
        assert_eq!(feed.subscribers.load(Ordering::Relaxed), 0);
    }
}
