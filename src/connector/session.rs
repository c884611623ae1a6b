//! Per-session state: where each session is in its sequences, until when a
//! session was throttled (for Retry-After compliance), and the sticky
//! scenarios set through the admin API. One `Mutex<Sessions>` in `AppState`;
//! every method is short and never awaits. It keeps the state and decides
//! nothing: which answer a request gets is the connector's decision.
//!
//! A session is the `X-Simulate-Session` header (or `simulateSession`
//! parameter) when sent, else the operation, recordType and recordId of the
//! request, so two sessions never share a counter.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::connector::limiter::ClientKey;
use crate::contract::Operation;
use crate::request::delay::Delay;
use crate::request::trigger::{Selector, Single, Trigger};

/// At most this many sessions are remembered; the oldest is forgotten first.
pub const MAX_SESSIONS: usize = 10_000;

/// The longest session name a client may give (`X-Simulate-Session`,
/// `simulateSession`, a sticky's `session`), in bytes. Rationale: it keys
/// both maps here, so with `MAX_TRIGGER_BYTES` it bounds them: positions at
/// `MAX_SESSIONS` x 2 x (256 + 1024) B (the key is kept twice, in the map
/// and in the eviction order), about 25 MiB, and Retry-After deadlines at
/// `MAX_SESSIONS` x 256 B, about 2.5 MiB, besides fixed per-entry overhead.
/// 256 bytes hold a UUID, a test name and a run id.
pub const MAX_SESSION_BYTES: usize = 256;

/// The key the maps keep for `session`: itself when within
/// `MAX_SESSION_BYTES`, else its start and a hash of the whole (a session
/// built from a long recordId, which no client names, so it cannot be
/// refused). Two long sessions share a key only if their 64-bit hashes
/// collide, and then merely share a counter.
pub fn map_key<'s>(session: &'s str, hasher: &impl std::hash::BuildHasher) -> Cow<'s, str> {
    if session.len() <= MAX_SESSION_BYTES {
        return Cow::Borrowed(session);
    }
    let mut end = MAX_SESSION_BYTES - 20;
    while !session.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{}#{:016x}",
        &session[..end],
        hasher.hash_one(session)
    ))
}

/// At most this many sticky scenarios are set at once. Rationale: each is
/// at most a trigger value (`MAX_TRIGGER_BYTES`, kept as text and parsed:
/// up to 100 elements with their options, sharing the trailing message) and
/// a session name (`MAX_SESSION_BYTES`), about 12 KiB, so all of them stay
/// under about 1.2 MiB, and every request that finds any scans them.
pub const MAX_STICKY: usize = 100;

/// How many Retry-After deadlines a full map forgets at once, earliest first.
const EVICT_AT_ONCE: usize = MAX_SESSIONS / 100;

/// How close a new Retry-After deadline must be to the kept one to leave it.
const SAME_UNTIL: Duration = Duration::from_millis(1);

/// A scenario set through `POST /__admin/sticky` for clients that cannot set
/// headers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sticky {
    pub id: u64,
    /// The trigger value, as a header would carry it.
    pub scenario: String,
    /// Shared, so a request that takes it (under the sessions lock) and a
    /// listing copy a pointer, not the parsed trigger.
    #[serde(skip)]
    pub trigger: Arc<Trigger>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// Requests left; `None` means until cleared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// Who a Retry-After applies to: a named session (`client` is `None`), or
/// one client reading one record (`session` is then operation + record).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Throttled {
    pub client: Option<ClientKey>,
    pub session: String,
}

#[derive(Debug, Default)]
pub struct Sessions {
    /// (session, trigger value) -> requests answered so far.
    positions: HashMap<(String, String), u32>,
    order: VecDeque<(String, String)>,
    /// foldhash (randomly seeded per map) rather than SipHash: this map is
    /// read and written by every throttled answer.
    throttled_until: HashMap<Throttled, Instant, foldhash::fast::RandomState>,
    sticky: Vec<Sticky>,
    next_sticky: u64,
}

impl Sessions {
    /// The element of `trigger` (its index and selector) that answers this
    /// request of `session`; `None` once a sequence or a `times=` count is
    /// used up (success).
    pub fn step<'t>(&mut self, session: &str, trigger: &'t Trigger) -> Option<(usize, &'t Single)> {
        if let (Selector::One(single), None) = (&trigger.selector, trigger.options.times) {
            return Some((0, single));
        }
        let key = (session.to_owned(), trigger.raw.clone());
        let seen = match self.positions.get_mut(&key) {
            Some(count) => {
                let seen = *count;
                *count = count.saturating_add(1);
                seen
            }
            None => {
                if self.order.len() >= MAX_SESSIONS
                    && let Some(oldest) = self.order.pop_front()
                {
                    self.positions.remove(&oldest);
                }
                self.order.push_back(key.clone());
                self.positions.insert(key, 1);
                0
            }
        };
        match &trigger.selector {
            Selector::One(single) => {
                (seen < trigger.options.times.unwrap_or(u32::MAX)).then_some((0, single))
            }
            Selector::Sequence(items) => {
                let index = seen as usize;
                items.get(index).map(|single| (index, single))
            }
        }
    }

    /// Each (session, trigger value) with a position, and how many of its
    /// requests were answered so far, oldest first (for
    /// `GET /__admin/sequences`; bounded by `MAX_SESSIONS`).
    pub fn positions(&self) -> impl Iterator<Item = (&str, &str, u32)> {
        self.order.iter().filter_map(|key| {
            let answered = *self.positions.get(key)?;
            Some((key.0.as_str(), key.1.as_str(), answered))
        })
    }

    /// Time left before a client may come back, if it was throttled.
    pub fn throttled_for(&self, key: &Throttled, now: Instant) -> Option<Duration> {
        let until = *self.throttled_until.get(key)?;
        (until > now).then(|| until - now)
    }

    /// Remembers that `session` was told to wait until `until`. A time within
    /// `SAME_UNTIL` of the one kept leaves the entry as it is. Rationale: a
    /// client hammering a throttled path gets thousands of answers a second,
    /// each from either worker; rewriting the entry every time moved its
    /// cache line between the cores on every answer, for a difference of
    /// microseconds on a wait given in whole seconds.
    pub fn throttle(&mut self, key: Throttled, until: Instant, now: Instant) {
        if let Some(kept) = self.throttled_until.get_mut(&key) {
            let apart = until
                .saturating_duration_since(*kept)
                .max(kept.saturating_duration_since(until));
            if apart >= SAME_UNTIL {
                *kept = until;
            }
            return;
        }
        if self.throttled_until.len() >= MAX_SESSIONS {
            self.throttled_until.retain(|_, t| *t > now);
        }
        if self.throttled_until.len() >= MAX_SESSIONS {
            self.evict_earliest_deadlines();
        }
        self.throttled_until.insert(key, until);
    }

    /// Forgets the `EVICT_AT_ONCE` deadlines due first (ties may take a few
    /// more), so a full map makes room and every client is still checked.
    /// Rationale: one scan of the map per `EVICT_AT_ONCE` new clients
    /// rather than per client.
    fn evict_earliest_deadlines(&mut self) {
        let mut deadlines: Vec<Instant> = self.throttled_until.values().copied().collect();
        let nth = EVICT_AT_ONCE.min(deadlines.len()).saturating_sub(1);
        if deadlines.is_empty() {
            return;
        }
        let (_, &mut last, _) = deadlines.select_nth_unstable(nth);
        self.throttled_until.retain(|_, t| *t > last);
    }

    /// The first sticky scenario for this operation and session, counting it.
    pub fn take_sticky(
        &mut self,
        operation: Operation,
        session: &str,
    ) -> Option<(Arc<Trigger>, Option<Delay>)> {
        let index = self.sticky.iter().position(|s| {
            s.operation.is_none_or(|o| o == operation.id())
                && s.session.as_deref().is_none_or(|x| x == session)
        })?;
        let sticky = self.sticky.get_mut(index)?;
        let found = (sticky.trigger.clone(), sticky.delay_ms.map(Delay::fixed));
        if let Some(remaining) = sticky.remaining.as_mut() {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                self.sticky.remove(index);
            }
        }
        Some(found)
    }

    /// Adds `sticky` with its new id; `None` when `MAX_STICKY` are set.
    pub fn add_sticky(&mut self, mut sticky: Sticky) -> Option<Sticky> {
        if self.sticky.len() >= MAX_STICKY {
            return None;
        }
        self.next_sticky += 1;
        sticky.id = self.next_sticky;
        self.sticky.push(sticky.clone());
        Some(sticky)
    }

    /// No sticky scenario and no throttled session.
    pub fn is_idle(&self) -> bool {
        self.sticky.is_empty() && self.throttled_until.is_empty()
    }

    pub fn sticky(&self) -> &[Sticky] {
        &self.sticky
    }

    /// Clears the sticky scenarios; returns how many there were.
    pub fn clear_sticky(&mut self) -> usize {
        std::mem::take(&mut self.sticky).len()
    }

    /// Forgets sequences, throttling and sticky scenarios.
    pub fn reset(&mut self) {
        let next_sticky = self.next_sticky;
        *self = Sessions::default();
        self.next_sticky = next_sticky;
    }
}

#[cfg(test)]
mod tests;
