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

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;

use crossbeam_utils::CachePadded;
use time::OffsetDateTime;

pub const DEFAULT_CAPACITY: usize = 1000;
/// The largest `--journal-capacity`: its slots are allocated at start-up
/// (`SLOT_BYTES` each, 25 MiB here) and it may hold `MAX_ENTRY_BYTES` each.
pub const MAX_CAPACITY: usize = 100_000;

/// What one entry keeps of a request at most. A longer value keeps its first
/// bytes and a marker, `...[+N bytes]`, saying how many were dropped, and the
/// entry says `truncated: true`. Headers past `MAX_HEADERS_BYTES` in all are
/// dropped (`truncated: true` again).
pub const MAX_PATH_BYTES: usize = 1024;
pub const MAX_QUERY_BYTES: usize = 2048;
pub const MAX_HEADER_NAME_BYTES: usize = 128;
pub const MAX_HEADER_VALUE_BYTES: usize = 512;
pub const MAX_HEADERS_BYTES: usize = 4096;
/// The session name and the activityId, each.
pub const MAX_ID_BYTES: usize = 256;
/// A custom method longer than this is kept cut (no marker: a method token).
pub const MAX_METHOD_BYTES: usize = 32;
/// The longest marker: `...[+` and ` bytes]` around a 20-digit number.
const MARKER_BYTES: usize = 32;
/// The slot an entry sits in (its fixed fields, padded to cache lines).
pub const SLOT_BYTES: usize = 256;
/// A bound on one entry's memory: three buffers (target, headers, session)
/// of at most `BUFFER_BYTES` each, a cut activityId, a cut method, and its
/// slot.
pub const MAX_ENTRY_BYTES: usize =
    3 * BUFFER_BYTES + MAX_ID_BYTES + MARKER_BYTES + MAX_METHOD_BYTES + SLOT_BYTES;
/// A buffer's capacity, at most: a longer one is shrunk to fit when made.
const BUFFER_BYTES: usize = 4096;

/// Appends `bytes`, or its first `max` bytes (cut back to a character
/// boundary when `text`) and the marker; returns whether it cut.
fn keep(out: &mut Vec<u8>, bytes: &[u8], max: usize, text: bool) -> bool {
    if bytes.len() <= max {
        out.extend_from_slice(bytes);
        return false;
    }
    let mut end = max;
    while text && end > 0 && bytes.get(end).is_some_and(|b| (0x80..0xC0).contains(b)) {
        end -= 1;
    }
    out.extend_from_slice(bytes.get(..end).unwrap_or_default());
    out.extend_from_slice(b"...[+");
    out.extend_from_slice(itoa::Buffer::new().format(bytes.len() - end).as_bytes());
    out.extend_from_slice(b" bytes]");
    true
}

/// Keeps a buffer within `BUFFER_BYTES`: growth by doubling can overshoot
/// its length. Not shrunk otherwise: a reallocation per request costs more
/// than the slack.
fn fit(buffer: &mut Vec<u8>) {
    if buffer.capacity() > BUFFER_BYTES {
        buffer.shrink_to_fit();
    }
}

/// `text` cut to `max` bytes and marked as `keep` does, if longer.
pub fn keep_str(text: &str, max: usize) -> Option<String> {
    if text.len() <= max {
        return None;
    }
    let mut out = Vec::with_capacity(max + MARKER_BYTES);
    keep(&mut out, text.as_bytes(), max, true);
    // Cut at a character boundary and marked in ASCII: valid UTF-8.
    Some(String::from_utf8(out).unwrap_or_default())
}

/// Parts of a name that make its value a secret: one rule for header names
/// and (percent-decoded) query parameter names, matched on the name
/// lower-cased with `-`, `_`, `.` and spaces removed, so `X-Api-Key`,
/// `api_key` and `access%5Ftoken` are judged alike.
pub const SECRET_PARTS: [&str; 13] = [
    "token",
    "secret",
    "key",
    "pass",
    "pwd",
    "auth",
    "session",
    "credential",
    "cookie",
    "assertion",
    "signature",
    "code",
    "bearer",
];
/// Whole (normalized) names that are secrets though too short to search for.
pub const SECRET_NAMES: [&str; 2] = ["sig", "pw"];
/// The mock's own session knobs: a session *name* to follow in the journal,
/// not a secret (it would match `session`).
const KNOBS: [&str; 2] = ["xsimulatesession", "simulatesession"];
pub const REDACTED: &str = "[REDACTED]";

/// Whether the value of a header or query parameter named `name` (raw, as
/// sent: percent-escapes and `+` are decoded here) must be redacted.
pub fn is_secret_name(name: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    let normalized: String = decoded
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | '+' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    !KNOBS.contains(&normalized.as_str())
        && (SECRET_NAMES.contains(&normalized.as_str())
            || SECRET_PARTS.iter().any(|part| normalized.contains(part)))
}

/// The query string with secret parameters' values replaced.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// One answered request. Recording copies the request target and headers
/// into two small buffers (rather than holding on to actix's request
/// buffers); secrets are redacted and times formatted when an entry is
/// serialized, so recording stays cheap on the request path.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: u64,
    #[serde(rename = "time", serialize_with = "rfc3339")]
    pub at: SystemTime,
    #[serde(serialize_with = "as_str")]
    pub method: Method,
    /// Serialized as `path` and `query` (redacted).
    #[serde(flatten)]
    pub target: Target,
    pub headers: Headers,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// The errorCode sent, or the fault name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(serialize_with = "as_str")]
    pub activity_id: Arc<str>,
    pub duration_ms: f64,
    pub retry_after_violation: bool,
    /// Whether a value was cut or headers dropped (see `MAX_PATH_BYTES`).
    pub truncated: bool,
}

fn rfc3339<S: serde::Serializer>(at: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::data::format_time_millis(OffsetDateTime::from(*at)))
}

fn as_str<S: serde::Serializer>(value: &impl AsRef<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_ref())
}

/// A request target, `path` or `path?query`, copied from the request (each
/// part cut to its bound and marked).
#[derive(Debug, Clone, PartialEq)]
pub struct Target(pub String);

impl Target {
    /// The target and whether a part was cut.
    pub fn new(uri: &Uri) -> (Target, bool) {
        let mut buffer = Vec::with_capacity(256);
        let mut cut = keep(&mut buffer, uri.path().as_bytes(), MAX_PATH_BYTES, true);
        if let Some(query) = uri.query() {
            buffer.push(b'?');
            cut |= keep(&mut buffer, query.as_bytes(), MAX_QUERY_BYTES, true);
        }
        fit(&mut buffer);
        // Kept from a `&str`, cut at character boundaries, marked in ASCII.
        (Target(String::from_utf8(buffer).unwrap_or_default()), cut)
    }

    pub fn path(&self) -> &str {
        self.0.split_once('?').map_or(&self.0, |(path, _)| path)
    }

    pub fn query(&self) -> &str {
        self.0.split_once('?').map_or("", |(_, query)| query)
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("path", self.path())?;
        map.serialize_entry("query", &redact_query(self.query()))?;
        map.end()
    }
}

/// Request headers copied into one buffer: `name NUL value NUL` per header
/// (neither a header name nor a value can contain NUL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers(Vec<u8>);

impl Headers {
    /// The headers and whether one was cut or dropped: a name or value past
    /// its bound is cut and marked, and a header that would take the copy
    /// past `MAX_HEADERS_BYTES` is dropped with every later one. A cut name
    /// can no longer be judged secret, so its value is redacted here.
    pub fn new<'h>(
        headers: impl Iterator<Item = (&'h HeaderName, &'h HeaderValue)>,
    ) -> (Headers, bool) {
        let mut buffer = Vec::with_capacity(256);
        let mut cut = false;
        for (name, value) in headers {
            let (name, value) = (name.as_str().as_bytes(), value.as_bytes());
            let long_name = name.len() > MAX_HEADER_NAME_BYTES;
            let size = name.len().min(MAX_HEADER_NAME_BYTES)
                + value.len().min(MAX_HEADER_VALUE_BYTES)
                + 2 * MARKER_BYTES
                + 2;
            // Once one is dropped, every later one is too.
            if buffer.len() + size > MAX_HEADERS_BYTES {
                cut = true;
                break;
            }
            cut |= keep(&mut buffer, name, MAX_HEADER_NAME_BYTES, false);
            buffer.push(0);
            match long_name {
                true => buffer.extend_from_slice(REDACTED.as_bytes()),
                false => cut |= keep(&mut buffer, value, MAX_HEADER_VALUE_BYTES, false),
            }
            buffer.push(0);
        }
        fit(&mut buffer);
        (Headers(buffer), cut)
    }

    fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut parts = self.0.split(|b| *b == 0);
        std::iter::from_fn(move || Some((parts.next()?, parts.next()?)))
    }
}

/// Serialized as an object (secrets redacted); a repeated header's values
/// are joined with `, `.
impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in self.pairs() {
            let name = String::from_utf8_lossy(name).into_owned();
            let value = match is_secret_name(&name) {
                true => REDACTED.into(),
                false => String::from_utf8_lossy(value),
            };
            map.entry(name)
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert_with(|| value.into_owned());
        }
        serializer.collect_map(map)
    }
}

/// Which entries to list or count; every field set must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub operation: Option<String>,
    pub status: Option<u16>,
    pub scenario: Option<String>,
    pub session: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub violation: Option<bool>,
}

impl Filter {
    fn matches(&self, e: &Entry) -> bool {
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
            && self.violation.is_none_or(|v| v == e.retry_after_violation)
    }
}

/// The journal: the newest `capacity` arrivals across all workers.
///
/// Rationale: one shared ring made both workers take one lock and write one
/// ring per request, which the benchmark showed costing more than a tenth of
/// the throughput; a ring per thread instead held `capacity` entries per
/// worker. So the ring is `capacity` slots, each with a lock of its own on
/// cache lines of its own: a request takes its id on arrival (the one shared
/// write, an atomic add) and, when it completes, writes slot `id % capacity`
/// alone. Two requests contend only when `capacity` arrivals apart, and the
/// journal never holds more than `capacity` entries. A slot keeps the later
/// arrival: a delayed request completing after `capacity` newer ones is
/// already evicted. Listings sort by id, that is by arrival.
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
        }
    }

    fn evicted_before(&self) -> MutexGuard<'_, u64> {
        crate::shard::lock(&self.evicted_before)
    }

    fn slot(&self, index: usize) -> Option<MutexGuard<'_, Option<Entry>>> {
        self.slots.get(index).map(|slot| crate::shard::lock(slot))
    }

    /// The id of a request that has just arrived (its entry's `id`).
    pub fn arrive(&self) -> u64 {
        self.last_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Keeps an entry (its `id` from `arrive`); returns whether its arrival
    /// evicted one.
    pub fn record(&self, entry: Entry) -> bool {
        if entry.retry_after_violation {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        let base = self.base.load(Ordering::Relaxed);
        // Arrived before the last clear: not kept.
        if self.capacity == 0 || entry.id <= base {
            return false;
        }
        let evicted = entry.id - base > self.capacity as u64;
        let index = (entry.id % self.capacity as u64) as usize;
        // A slot keeps the later arrival; what it replaced is freed after
        // the slot's lock is released.
        let _replaced = match self.slot(index) {
            Some(mut slot) if slot.as_ref().is_none_or(|kept| kept.id <= entry.id) => {
                slot.replace(entry)
            }
            _ => None,
        };
        evicted
    }

    /// The ids and slots of the kept entries that match, each slot locked
    /// for a moment only, in no order.
    fn matching(&self, filter: &Filter) -> Vec<(u64, usize)> {
        let base = self.base.load(Ordering::Relaxed);
        (0..self.capacity)
            .filter_map(|index| {
                let slot = self.slot(index)?;
                let entry = slot.as_ref()?;
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
                slot.as_ref().filter(|e| e.id == id).cloned()
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
            .filter(|e| e.id > base)
            .count()
    }

    /// The entries a listing would show.
    pub fn len(&self) -> usize {
        self.count(&Filter::default())
    }

    /// Entries held in memory, including any a listing would not show.
    pub fn held(&self) -> usize {
        (0..self.capacity)
            .filter(|&index| self.slot(index).is_some_and(|slot| slot.is_some()))
            .count()
    }

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
mod tests {
    use super::*;

    fn entry(status: u16, scenario: Option<&str>) -> Entry {
        Entry {
            id: 0,
            at: SystemTime::UNIX_EPOCH,
            method: Method::GET,
            target: Target("/api/related-records".into()),
            headers: Headers::default(),
            status,
            operation: Some("scp-get-related-records"),
            scenario: scenario.map(Arc::from),
            session: Some("s".into()),
            activity_id: "a".into(),
            duration_ms: 0.0,
            retry_after_violation: false,
            truncated: false,
        }
    }

    /// Records as the envelope does: the id is taken on arrival.
    fn record(journal: &Journal, entry: Entry) -> bool {
        journal.record(Entry {
            id: journal.arrive(),
            ..entry
        })
    }

    fn ids(journal: &Journal) -> Vec<u64> {
        let page = journal.page(&Filter::default(), 0, usize::MAX);
        page.entries.iter().map(|e| e.id).collect()
    }

    #[test]
    fn the_journal_evicts_the_oldest_at_capacity_and_counts_evictions() {
        let journal = Journal::new(3);
        for status in [200, 429, 500, 404, 200] {
            record(&journal, entry(status, None));
        }
        assert_eq!(journal.len(), 3);
        assert_eq!(journal.evictions(), 2);
        assert_eq!(ids(&journal), [3, 4, 5]);
    }

    #[test]
    fn entries_from_several_threads_merge_into_the_newest_capacity_by_id() {
        // Arrange: capacity 5, three threads (three rings) recording 4 each.
        let journal = Journal::new(5);
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for _ in 0..4 {
                        record(&journal, entry(200, None));
                    }
                });
            }
        });
        // Act / Assert: as if there were one ring of 5.
        assert_eq!(ids(&journal), [8, 9, 10, 11, 12]);
        assert_eq!(journal.len(), 5);
        assert_eq!(journal.evictions(), 7);
        assert_eq!(journal.clear(), 5);
        record(&journal, entry(200, None));
        assert_eq!(journal.evictions(), 7, "a cleared journal has room again");
        journal.reset();
        assert_eq!(journal.evictions(), 0);
    }

    #[test]
    fn the_capacity_bounds_the_entries_held_across_all_threads() {
        // Regression: each recording thread kept a ring of `capacity`, so
        // memory grew with the number of workers.
        let journal = Journal::new(5);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..6 {
                        record(&journal, entry(200, None));
                    }
                });
            }
        });
        assert_eq!(journal.held(), 5);
        assert_eq!(journal.evictions(), 19);
    }

    #[test]
    fn entries_are_listed_by_arrival_and_a_late_one_never_evicts_a_newer_one() {
        let journal = Journal::new(3);
        let (slow, plain) = (journal.arrive(), journal.arrive());
        journal.record(Entry {
            id: plain,
            ..entry(200, None)
        });
        journal.record(Entry {
            id: slow,
            ..entry(200, None)
        });
        assert_eq!(
            ids(&journal),
            [slow, plain],
            "arrival order, not completion"
        );
        // A request in flight while three newer ones arrive and complete.
        let late = journal.arrive();
        for _ in 0..3 {
            record(&journal, entry(200, None));
        }
        journal.record(Entry {
            id: late,
            ..entry(500, None)
        });
        assert_eq!(ids(&journal), [4, 5, 6]);
        assert_eq!(journal.held(), 3);
        // One that arrived before a clear is not kept after it.
        let before = journal.arrive();
        assert_eq!(journal.clear(), 3);
        journal.record(Entry {
            id: before,
            ..entry(200, None)
        });
        assert!(journal.is_empty());
    }

    #[test]
    fn a_page_is_a_slice_of_the_matching_entries_in_arrival_order() {
        let journal = Journal::new(10);
        for status in [200, 404, 200, 200, 404, 200] {
            record(&journal, entry(status, None));
        }
        let ok = Filter {
            status: Some(200),
            ..Filter::default()
        };
        let page = journal.page(&ok, 1, 2);
        assert_eq!(page.matching, 4);
        let ids: Vec<u64> = page.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, [3, 4]);
        assert!(journal.page(&ok, 4, 2).entries.is_empty());
    }

    #[test]
    fn long_values_are_cut_to_their_bound_and_marked() {
        let uri: Uri = format!("/{}?{}", "p".repeat(2000), "q".repeat(3000))
            .parse()
            .unwrap();
        let (target, cut) = Target::new(&uri);
        assert!(cut);
        assert_eq!(
            target.path().len(),
            MAX_PATH_BYTES + "...[+977 bytes]".len()
        );
        assert!(
            target.path().ends_with("p...[+977 bytes]"),
            "{}",
            target.path()
        );
        assert!(target.query().ends_with("q...[+952 bytes]"));
        let (_, cut) = Target::new(&"/a?b=1".parse().unwrap());
        assert!(!cut);

        let long = HeaderValue::from_str(&"v".repeat(1000)).unwrap();
        let name = HeaderName::from_static("x-long");
        let many: Vec<(HeaderName, HeaderValue)> = (0..20)
            .map(|i| {
                (
                    HeaderName::try_from(format!("x-h{i}")).unwrap(),
                    long.clone(),
                )
            })
            .collect();
        let (headers, cut) = Headers::new(std::iter::once((&name, &long)));
        assert!(cut);
        let (_, value) = headers.pairs().next().unwrap();
        assert!(value.ends_with(b"v...[+488 bytes]"));
        let (headers, cut) = Headers::new(many.iter().map(|(n, v)| (n, v)));
        assert!(cut);
        assert!(headers.0.len() <= MAX_HEADERS_BYTES, "{}", headers.0.len());
        assert!(headers.0.capacity() <= BUFFER_BYTES);
        assert!(headers.pairs().count() < 20);
        let name = HeaderName::try_from("x-".repeat(100)).unwrap();
        let short = HeaderValue::from_static("secret-under-a-long-name");
        let (headers, cut) = Headers::new(std::iter::once((&name, &short)));
        assert!(cut);
        let (_, value) = headers.pairs().next().unwrap();
        assert_eq!(value, REDACTED.as_bytes(), "a cut name cannot be judged");
        // What README promises of an entry's memory.
        assert!(size_of::<CachePadded<Mutex<Option<Entry>>>>() <= SLOT_BYTES);
        const { assert!(MAX_ENTRY_BYTES <= 12_900) };
        assert_eq!(keep_str("abc", 3), None);
        assert_eq!(keep_str("abcé", 4).as_deref(), Some("abc...[+2 bytes]"));
    }

    #[test]
    fn filters_combine() {
        let journal = Journal::new(10);
        record(&journal, entry(429, Some("REQUEST_THROTTLED")));
        record(&journal, entry(200, None));
        let throttled = Filter {
            scenario: Some("request_throttled".into()),
            status: Some(429),
            ..Filter::default()
        };
        assert_eq!(journal.count(&throttled), 1);
        let other_session = Filter {
            session: Some("t".into()),
            ..Filter::default()
        };
        assert_eq!(journal.count(&other_session), 0);
    }

    #[test]
    fn one_rule_judges_header_and_query_names_alike() {
        let cases = [
            ("Authorization", true),
            ("X-Admin-Token", true),
            ("Ocp-Apim-Subscription-Key", true),
            ("X-Functions-Key", true),
            ("X-Auth", true),
            ("Set-Cookie", true),
            ("access%5Ftoken", true),
            ("access%5ftoken", true),
            ("client+secret", true),
            ("client_assertion", true),
            ("code", true),
            ("SIG", true),
            ("pw", true),
            ("session_key", true),
            ("X-Amz-Signature", true),
            ("Accept-Language", false),
            ("recordId", false),
            ("signal", false),
            ("X-Simulate-Session", false),
            ("simulateSession", false),
            ("simulate_session", false),
            ("%ZZ", false),
        ];
        for (name, secret) in cases {
            assert_eq!(is_secret_name(name), secret, "{name}");
        }
        assert_eq!(
            redact_query("recordId=1&access%5Ftoken=abc&Key=x&flag&sig="),
            "recordId=1&access%5Ftoken=[REDACTED]&Key=[REDACTED]&flag&sig=[REDACTED]"
        );
    }
}
