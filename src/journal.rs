//! The request journal: a bounded ring of the requests the server answered
//! (connector operations and fallbacks; not `/health`, `/openapi.json`,
//! `/metrics` or the admin API), with secrets redacted, plus the filter the
//! admin API lists and counts with.
//!
//! Capacity is `--journal-capacity` (default 1000); the oldest entry is
//! evicted first and evictions are counted, so memory stays bounded under any
//! load.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;

use crate::shard::Sharded;
use crossbeam_utils::CachePadded;
use time::OffsetDateTime;

pub const DEFAULT_CAPACITY: usize = 1000;

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
}

fn rfc3339<S: serde::Serializer>(at: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::data::format_time_millis(OffsetDateTime::from(*at)))
}

fn as_str<S: serde::Serializer>(value: &impl AsRef<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_ref())
}

/// A request target, `path` or `path?query`, copied from the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Target(pub String);

impl Target {
    pub fn new(uri: &Uri) -> Target {
        // A cleared buffer is empty, hence valid UTF-8.
        let mut target = String::from_utf8(spare::take()).unwrap_or_default();
        target.push_str(uri.path_and_query().map_or("/", |pq| pq.as_str()));
        Target(target)
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
    pub fn new<'h>(headers: impl Iterator<Item = (&'h HeaderName, &'h HeaderValue)>) -> Headers {
        let mut buffer = spare::take();
        for (name, value) in headers {
            buffer.extend_from_slice(name.as_str().as_bytes());
            buffer.push(0);
            buffer.extend_from_slice(value.as_bytes());
            buffer.push(0);
        }
        // Not shrunk: a reallocation per request costs more than the slack.
        Headers(buffer)
    }

    fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut parts = self.0.split(|b| *b == 0);
        std::iter::from_fn(move || Some((parts.next()?, parts.next()?)))
    }
}

/// An empty `String` for a value the next journal entry will keep (its
/// session), from the buffers evicted entries left behind.
pub fn spare_string() -> String {
    String::from_utf8(spare::take()).unwrap_or_default()
}

/// Buffers of entries this thread's ring evicted, reused by the next entries
/// this thread records, so a full journal records without allocating.
mod spare {
    use std::cell::RefCell;

    /// Per thread: a few buffers (an entry has up to three), none larger than
    /// an ordinary request's.
    const KEPT: usize = 6;
    const MAX_BYTES: usize = 4096;

    thread_local! {
        static BUFFERS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    }

    /// An empty buffer: a spare one, else a new one.
    pub fn take() -> Vec<u8> {
        BUFFERS
            .try_with(|b| b.borrow_mut().pop())
            .ok()
            .flatten()
            .unwrap_or_else(|| Vec::with_capacity(256))
    }

    pub fn give(mut buffer: Vec<u8>) {
        if buffer.capacity() > MAX_BYTES {
            return;
        }
        buffer.clear();
        let _ = BUFFERS.try_with(|b| {
            let mut spare = b.borrow_mut();
            if spare.len() < KEPT {
                spare.push(buffer);
            }
        });
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

/// The journal: the newest `capacity` entries across all threads.
///
/// Rationale: one shared ring made both workers take one lock and write one
/// ring per request, which the benchmark showed costing more than a tenth of
/// the throughput. Each thread that records appends to its own ring (see
/// `shard`); readers merge the rings by id. Every
/// ring keeps up to `capacity` entries, so the newest `capacity` overall are
/// always kept, and evictions are counted as if there were one ring: every
/// entry recorded beyond `capacity` since the last clear evicts one. Memory
/// is at most `capacity` entries per worker thread.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    /// The id of the last entry recorded. Every request writes it, so it has
    /// a cache line to itself rather than slowing reads of its neighbours.
    last_id: CachePadded<AtomicU64>,
    /// `last_id` at the last clear or reset.
    base: AtomicU64,
    rings: Sharded<VecDeque<Entry>>,
    /// Evictions counted before the last clear; also serializes clear/reset.
    evicted_before: Mutex<u64>,
    violations: CachePadded<AtomicU64>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            last_id: CachePadded::new(AtomicU64::new(0)),
            base: AtomicU64::new(0),
            rings: Sharded::default(),
            evicted_before: Mutex::new(0),
            violations: CachePadded::new(AtomicU64::new(0)),
        }
    }

    fn evicted_before(&self) -> MutexGuard<'_, u64> {
        crate::shard::lock(&self.evicted_before)
    }

    /// Appends an entry (its id is assigned here); returns whether an entry
    /// was evicted to make room.
    pub fn record(&self, mut entry: Entry) -> bool {
        entry.id = self.last_id.fetch_add(1, Ordering::Relaxed) + 1;
        if entry.retry_after_violation {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        if self.capacity == 0 {
            return false;
        }
        let base = self.base.load(Ordering::Relaxed);
        let evicted = entry.id.saturating_sub(base) > self.capacity as u64;
        let dropped = {
            let mut ring = self.rings.mine();
            ring.push_back(entry);
            (ring.len() > self.capacity).then(|| ring.pop_front())
        };
        // Outside the lock: the evicted entry's buffers go to the next entries.
        if let Some(old) = dropped.flatten() {
            spare::give(old.target.0.into_bytes());
            spare::give(old.headers.0);
            if let Some(session) = old.session {
                spare::give(session.into_bytes());
            }
        }
        evicted
    }

    /// Runs `f` on the kept entries that match `filter`, oldest first. The
    /// rings stay locked meanwhile, so nothing is copied.
    pub fn with_matching<R>(&self, filter: &Filter, f: impl FnOnce(&[&Entry]) -> R) -> R {
        let rings: Vec<_> = self.rings.each().collect();
        let mut kept: Vec<&Entry> = rings.iter().flat_map(|ring| ring.iter()).collect();
        kept.sort_unstable_by_key(|e| e.id);
        let excess = kept.len().saturating_sub(self.capacity);
        kept.drain(..excess);
        kept.retain(|e| filter.matches(e));
        f(&kept)
    }

    pub fn count(&self, filter: &Filter) -> usize {
        self.with_matching(filter, |entries| entries.len())
    }

    /// Empties the journal; returns how many entries it held.
    pub fn clear(&self) -> usize {
        let mut evicted_before = self.evicted_before();
        let held = self.empty_rings().min(self.capacity);
        *evicted_before = self.evictions_since_clear(*evicted_before);
        self.base
            .store(self.last_id.load(Ordering::Relaxed), Ordering::Relaxed);
        held
    }

    /// Empties the journal and its counters.
    pub fn reset(&self) {
        let mut evicted_before = self.evicted_before();
        self.empty_rings();
        *evicted_before = 0;
        self.base
            .store(self.last_id.load(Ordering::Relaxed), Ordering::Relaxed);
        self.violations.store(0, Ordering::Relaxed);
    }

    /// Empties every ring; returns how many entries they held.
    fn empty_rings(&self) -> usize {
        self.rings
            .each()
            .map(|mut ring| std::mem::take(&mut *ring).len())
            .sum()
    }

    pub fn len(&self) -> usize {
        let held: usize = self.rings.each().map(|ring| ring.len()).sum();
        held.min(self.capacity)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// `before` plus the entries recorded beyond capacity since the last clear.
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
        }
    }

    #[test]
    fn the_journal_evicts_the_oldest_at_capacity_and_counts_evictions() {
        let journal = Journal::new(3);
        for status in [200, 429, 500, 404, 200] {
            journal.record(entry(status, None));
        }
        assert_eq!(journal.len(), 3);
        assert_eq!(journal.evictions(), 2);
        let ids: Vec<u64> =
            journal.with_matching(&Filter::default(), |e| e.iter().map(|e| e.id).collect());
        assert_eq!(ids, [3, 4, 5]);
    }

    #[test]
    fn entries_from_several_threads_merge_into_the_newest_capacity_by_id() {
        // Arrange: capacity 5, three threads (three rings) recording 4 each.
        let journal = Journal::new(5);
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for _ in 0..4 {
                        journal.record(entry(200, None));
                    }
                });
            }
        });
        // Act
        let ids: Vec<u64> =
            journal.with_matching(&Filter::default(), |e| e.iter().map(|e| e.id).collect());
        // Assert: as if there were one ring of 5.
        assert_eq!(ids, [8, 9, 10, 11, 12]);
        assert_eq!(journal.len(), 5);
        assert_eq!(journal.evictions(), 7);
        assert_eq!(journal.clear(), 5);
        journal.record(entry(200, None));
        assert_eq!(journal.evictions(), 7, "a cleared journal has room again");
        journal.reset();
        assert_eq!(journal.evictions(), 0);
    }

    #[test]
    fn filters_combine() {
        let journal = Journal::new(10);
        journal.record(entry(429, Some("REQUEST_THROTTLED")));
        journal.record(entry(200, None));
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
