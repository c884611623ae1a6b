//! The request journal: a bounded ring of the requests the server answered
//! (connector operations and fallbacks; not `/health`, `/openapi.json`,
//! `/metrics` or the admin API), with secrets redacted, plus the filter the
//! admin API lists and counts with.
//!
//! Capacity is `--journal-capacity` (default 1000) entries across all
//! workers; the oldest arrival is evicted first and evictions are counted.
//! Each entry keeps at most about `MAX_ENTRY_BYTES` (long values are cut and
//! marked), so the journal holds at most capacity × that in bytes under any
//! load.
//!
//! Here: the ring and the filter. `entry` is what one entry keeps of a
//! request and its answer; `copies` the copied values, cut to their bounds
//! and kept inline in the slot; `redact` is which names are secrets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use crossbeam_utils::CachePadded;
use time::OffsetDateTime;

mod copies;
mod entry;
pub mod feed;
mod redact;

pub use entry::{Answer, Entry};

/// Which entries to list or count; every field set must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub operation: Option<String>,
    pub status: Option<u16>,
    pub scenario: Option<String>,
    pub session: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub violation: Option<ViolationFilter>,
    /// Only entries that arrived after this id (the stream's `Last-Event-ID`).
    pub after: Option<u64>,
}

/// `violation=`: a Retry-After violation or not, or a contract violation
/// (proxy mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationFilter {
    RetryAfter(bool),
    Contract,
}

impl Filter {
    pub fn matches(&self, e: &Entry) -> bool {
        self.operation
            .as_deref()
            .is_none_or(|o| e.operation.is_some_and(|eo| eo.eq_ignore_ascii_case(o)))
            && self.status.is_none_or(|s| s == e.status)
            && self.scenario.as_deref().is_none_or(|s| {
                e.scenario
                    .as_deref()
                    .is_some_and(|es| es.eq_ignore_ascii_case(s))
            })
            && self
                .session
                .as_deref()
                .is_none_or(|s| e.session.as_deref() == Some(s))
            && self
                .since
                .is_none_or(|since| e.at >= SystemTime::from(since))
            && self.after.is_none_or(|after| e.id > after)
            && self.violation.is_none_or(|v| match v {
                ViolationFilter::RetryAfter(v) => v == e.retry_after_violation,
                ViolationFilter::Contract => !e.contract_violations.is_empty(),
            })
    }
}

/// The journal: the newest `capacity` arrivals across all workers.
///
/// Rationale: one shared ring made both workers take one lock and write one
/// ring per request, which the benchmark showed costing more than a tenth of
/// the throughput; a ring per thread instead held `capacity` entries per
/// worker. So the ring is `capacity` slots, each with a lock of its own on
/// cache lines of its own: a request takes its id on arrival (the one shared
/// write, an atomic add), writes what it says into slot `id % capacity`
/// then, and its answer there when it completes. Two requests contend only
/// when `capacity` arrivals apart, and the journal never holds more than
/// `capacity` entries. A slot keeps the later arrival: a delayed request
/// completing after `capacity` newer ones is already evicted. Listings sort
/// by id, that is by arrival, and skip entries not answered yet.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    /// The id of the last arrival. Every journaled request writes it, so it
    /// has a cache line to itself rather than slowing reads of its neighbours.
    last_id: CachePadded<AtomicU64>,
    /// `last_id` at the last clear or reset: older entries are not listed.
    base: AtomicU64,
    slots: Box<[CachePadded<Mutex<Option<Entry>>>]>,
    /// Evictions counted before the last clear; also serializes clear/reset.
    evicted_before: Mutex<u64>,
    violations: CachePadded<AtomicU64>,
    /// The live feed of what is recorded (`feed`).
    pub feed: feed::Feed,
}

/// A slot's entry if it is complete, that is listed.
fn listed(slot: &Option<Entry>) -> Option<&Entry> {
    slot.as_ref().filter(|entry| !entry.pending)
}

/// What `with_entry` found.
#[derive(Debug, PartialEq)]
pub enum Lookup<T> {
    /// Evicted, cleared or never kept.
    Gone,
    /// Kept, but the filter does not take it.
    Unmatched,
    Matched(T),
}

/// One page of a listing, copied out of the journal.
#[derive(Debug)]
pub struct Page {
    /// Every kept entry that matches the filter.
    pub matching: usize,
    /// Those from `offset` on, at most `limit`, oldest arrival first.
    pub entries: Vec<Entry>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            last_id: CachePadded::new(AtomicU64::new(0)),
            base: AtomicU64::new(0),
            slots: (0..capacity).map(|_| CachePadded::default()).collect(),
            evicted_before: Mutex::new(0),
            violations: CachePadded::new(AtomicU64::new(0)),
            feed: feed::Feed::default(),
        }
    }

    fn evicted_before(&self) -> MutexGuard<'_, u64> {
        crate::shard::lock(&self.evicted_before)
    }

    fn slot(&self, index: usize) -> Option<MutexGuard<'_, Option<Entry>>> {
        self.slots.get(index).map(|slot| crate::shard::lock(slot))
    }

    /// Takes the id of a request that has just arrived and copies what the
    /// journal keeps of the request itself into its slot, reusing the
    /// buffers of the entry it evicts; the entry is listed once `record`
    /// completes it. Returns the id, or `None` when the journal keeps
    /// nothing.
    pub fn arrive<'h>(
        &self,
        at: SystemTime,
        request: (&http::Method, &http::Uri),
        headers: impl Iterator<Item = (&'h http::HeaderName, &'h http::HeaderValue)>,
    ) -> Option<u64> {
        if self.capacity == 0 {
            return None;
        }
        let id = self.last_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut slot = self.slot((id % self.capacity as u64) as usize)?;
        match slot.as_mut() {
            // A slot keeps the later arrival.
            Some(kept) if kept.id > id => {}
            Some(kept) => kept.arrive(id, at, request, headers),
            None => *slot = Some(Entry::new(id, at, request, headers)),
        }
        Some(id)
    }

    /// Completes entry `id` (from `arrive`) with its answer, unless a later
    /// arrival or a clear took its slot meanwhile; returns whether its
    /// arrival evicted one.
    pub fn record(&self, id: u64, answer: Answer) -> bool {
        if answer.retry_after_violation {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        let base = self.base.load(Ordering::Relaxed);
        // Arrived before the last clear: not kept.
        if self.capacity == 0 || id <= base {
            return false;
        }
        let evicted = id - base > self.capacity as u64;
        let kept = match self.slot((id % self.capacity as u64) as usize) {
            Some(mut slot) => match slot.as_mut() {
                Some(entry) if entry.id == id && entry.pending => {
                    entry.answer(answer);
                    true
                }
                _ => false,
            },
            None => false,
        };
        // Once it is complete in its slot, where the streams will read it.
        if kept {
            self.feed.publish(id);
        }
        evicted
    }

    /// Hands entry `id` to `f` if the journal still keeps it and it matches
    /// `filter`; its slot stays locked meanwhile (a stream serializes it
    /// there rather than copying it: only the arrival `capacity` ids later
    /// writes to that slot).
    pub fn with_entry<T>(
        &self,
        id: u64,
        filter: &Filter,
        f: impl FnOnce(&Entry) -> T,
    ) -> Lookup<T> {
        if self.capacity == 0 || id <= self.base.load(Ordering::Relaxed) {
            return Lookup::Gone;
        }
        let Some(slot) = self.slot((id % self.capacity as u64) as usize) else {
            return Lookup::Gone;
        };
        match listed(&slot) {
            Some(entry) if entry.id == id && filter.matches(entry) => Lookup::Matched(f(entry)),
            Some(entry) if entry.id == id => Lookup::Unmatched,
            _ => Lookup::Gone,
        }
    }

    /// The ids and slots of the kept entries that match, each slot locked
    /// for a moment only, in no order.
    fn matching(&self, filter: &Filter) -> Vec<(u64, usize)> {
        let base = self.base.load(Ordering::Relaxed);
        (0..self.capacity)
            .filter_map(|index| {
                let slot = self.slot(index)?;
                let entry = listed(&slot)?;
                (entry.id > base && filter.matches(entry)).then_some((entry.id, index))
            })
            .collect()
    }

    /// The matching entries from `offset` on, at most `limit`, oldest arrival
    /// first, copied out so the caller serializes them holding no lock the
    /// request path takes. An entry replaced meanwhile is left out.
    pub fn page(&self, filter: &Filter, offset: usize, limit: usize) -> Page {
        let mut found = self.matching(filter);
        found.sort_unstable();
        let entries = found
            .iter()
            .skip(offset)
            .take(limit)
            .filter_map(|&(id, index)| {
                let slot = self.slot(index)?;
                listed(&slot).filter(|e| e.id == id).cloned()
            })
            .collect();
        Page {
            matching: found.len(),
            entries,
        }
    }

    pub fn count(&self, filter: &Filter) -> usize {
        self.matching(filter).len()
    }

    /// Empties the journal; returns how many entries it held.
    pub fn clear(&self) -> usize {
        let mut evicted_before = self.evicted_before();
        *evicted_before = self.evictions_since_clear(*evicted_before);
        self.empty()
    }

    /// Empties the journal and its counters.
    pub fn reset(&self) {
        let mut evicted_before = self.evicted_before();
        self.empty();
        *evicted_before = 0;
        self.violations.store(0, Ordering::Relaxed);
    }

    /// Moves `base` up to the last arrival and takes out every entry up to
    /// it; returns how many of those were listed.
    fn empty(&self) -> usize {
        let last = self.last_id.load(Ordering::Relaxed);
        let base = self.base.swap(last, Ordering::Relaxed);
        (0..self.capacity)
            .filter_map(|index| self.slot(index)?.take_if(|e| e.id <= last))
            .filter(|e| e.id > base && !e.pending)
            .count()
    }

    /// The entries a listing would show.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.count(&Filter::default())
    }

    /// Entries held in memory, including any a listing would not show.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        (0..self.capacity)
            .filter(|&index| self.slot(index).is_some_and(|slot| slot.is_some()))
            .count()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// `before` plus the arrivals beyond capacity since the last clear.
    fn evictions_since_clear(&self, before: u64) -> u64 {
        if self.capacity == 0 {
            return 0;
        }
        let since = self
            .last_id
            .load(Ordering::Relaxed)
            .saturating_sub(self.base.load(Ordering::Relaxed));
        before + since.saturating_sub(self.capacity as u64)
    }

    pub fn evictions(&self) -> u64 {
        let before = *self.evicted_before();
        self.evictions_since_clear(before)
    }

    pub fn violations(&self) -> u64 {
        self.violations.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests;
