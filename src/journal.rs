//! The request journal: a bounded ring of the requests the server answered
//! (connector operations and fallbacks; not `/health`, `/openapi.json`,
//! `/metrics` or the admin API), with secrets redacted, plus the filter the
//! admin API lists and counts with.
//!
//! Capacity is `--journal-capacity` (default 1000); the oldest entry is
//! evicted first and evictions are counted, so memory stays bounded under any
//! load.

use std::collections::{BTreeMap, VecDeque};

use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;
use time::OffsetDateTime;

pub const DEFAULT_CAPACITY: usize = 1000;

/// Header names whose values are never kept.
const SECRET_HEADERS: [&str; 6] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
];
/// Query parameter names whose values are never kept.
const SECRET_PARAMS: [&str; 7] = [
    "access_token",
    "token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
];
pub const REDACTED: &str = "[REDACTED]";

/// Whether a header's value must be redacted.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&name.as_str()) || name.contains("token") || name.contains("secret")
}

/// The query string with secret parameters' values replaced.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(name)) => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// One answered request. Kept as received (headers are cheap reference
/// counted clones); secrets are redacted and times formatted when an entry is
/// serialized, so recording stays cheap on the request path.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: u64,
    #[serde(rename = "time", serialize_with = "rfc3339")]
    pub at: OffsetDateTime,
    #[serde(serialize_with = "as_str")]
    pub method: Method,
    /// Serialized as `path` and `query` (redacted).
    #[serde(flatten)]
    pub uri: Target,
    #[serde(serialize_with = "redacted_headers")]
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// The errorCode sent, or the fault name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    pub activity_id: String,
    pub duration_ms: f64,
    pub retry_after_violation: bool,
}

fn rfc3339<S: serde::Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::data::format_time_millis(*at))
}

fn as_str<S: serde::Serializer>(method: &Method, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(method.as_str())
}

/// A request target (a cheap clone of the request's URI).
#[derive(Debug, Clone)]
pub struct Target(pub Uri);

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("path", self.0.path())?;
        map.serialize_entry("query", &redact_query(self.0.query().unwrap_or("")))?;
        map.end()
    }
}

fn redacted_headers<S: serde::Serializer>(
    headers: &[(HeaderName, HeaderValue)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let map: BTreeMap<&str, String> = headers
        .iter()
        .map(|(name, value)| {
            let value = match is_secret_header(name.as_str()) {
                true => REDACTED.to_owned(),
                false => String::from_utf8_lossy(value.as_bytes()).into_owned(),
            };
            (name.as_str(), value)
        })
        .collect();
    serializer.collect_map(map)
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
            && self.since.is_none_or(|since| e.at >= since)
            && self.violation.is_none_or(|v| v == e.retry_after_violation)
    }
}

#[derive(Debug)]
pub struct Journal {
    entries: VecDeque<Entry>,
    capacity: usize,
    next_id: u64,
    evictions: u64,
    violations: u64,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            entries: VecDeque::with_capacity(capacity.min(DEFAULT_CAPACITY)),
            capacity,
            next_id: 0,
            evictions: 0,
            violations: 0,
        }
    }

    /// Appends an entry (its id is assigned here); returns whether the oldest
    /// entry was evicted to make room.
    pub fn record(&mut self, mut entry: Entry) -> bool {
        self.next_id += 1;
        entry.id = self.next_id;
        self.violations += u64::from(entry.retry_after_violation);
        if self.capacity == 0 {
            return false;
        }
        let evicted = self.entries.len() >= self.capacity;
        if evicted {
            self.entries.pop_front();
            self.evictions += 1;
        }
        self.entries.push_back(entry);
        evicted
    }

    pub fn list(&self, filter: &Filter) -> Vec<&Entry> {
        self.entries.iter().filter(|e| filter.matches(e)).collect()
    }

    pub fn count(&self, filter: &Filter) -> usize {
        self.entries.iter().filter(|e| filter.matches(e)).count()
    }

    /// Empties the journal; returns how many entries it held.
    pub fn clear(&mut self) -> usize {
        let n = self.entries.len();
        self.entries.clear();
        n
    }

    /// Empties the journal and its counters.
    pub fn reset(&mut self) {
        self.entries.clear();
        self.evictions = 0;
        self.violations = 0;
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    pub fn violations(&self) -> u64 {
        self.violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(status: u16, scenario: Option<&str>) -> Entry {
        Entry {
            id: 0,
            at: OffsetDateTime::UNIX_EPOCH,
            method: Method::GET,
            uri: Target(Uri::from_static("/api/related-records")),
            headers: Vec::new(),
            status,
            operation: Some("scp-get-related-records"),
            scenario: scenario.map(str::to_owned),
            session: Some("s".into()),
            activity_id: "a".into(),
            duration_ms: 0.0,
            retry_after_violation: false,
        }
    }

    #[test]
    fn the_journal_evicts_the_oldest_at_capacity_and_counts_evictions() {
        let mut journal = Journal::new(3);
        for status in [200, 429, 500, 404, 200] {
            journal.record(entry(status, None));
        }
        assert_eq!(journal.len(), 3);
        assert_eq!(journal.evictions(), 2);
        let ids: Vec<u64> = journal
            .list(&Filter::default())
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [3, 4, 5]);
    }

    #[test]
    fn filters_combine() {
        let mut journal = Journal::new(10);
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
    fn secrets_are_redacted() {
        assert!(is_secret_header("Authorization"));
        assert!(is_secret_header("X-Admin-Token"));
        assert!(!is_secret_header("Accept-Language"));
        assert_eq!(
            redact_query("recordId=1&access_token=abc&Key=x"),
            "recordId=1&access_token=[REDACTED]&Key=[REDACTED]"
        );
    }
}
