//! One journal entry: what it keeps of a request (method, target, headers,
//! outcome) and of its answer, and how it is serialized for the admin API
//! (times formatted then, not on the request path; the copies' own
//! serialization redacts secrets). It does not decide what is journaled or
//! how long.

use std::sync::Arc;
use std::time::SystemTime;

use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;
use time::OffsetDateTime;

use super::copies::{
    ActivityId, Headers, MAX_ID_BYTES, MAX_METHOD_BYTES, RetryAfter, Target, keep_str,
};
use crate::contract::rules::Violation;
use crate::rfc3339;

/// The slot an entry sits in (its fixed fields and inline buffers, padded
/// to cache lines).
/// This and `MAX_ENTRY_BYTES` are the documented memory bounds the tests
/// hold the journal to; the code itself never needs them.
#[cfg(test)]
pub const SLOT_BYTES: usize = 896;
/// A bound on one entry's memory: three buffers (target, headers, session)
/// of at most `BUFFER_BYTES` each, a cut activityId, a cut method, and its
/// slot.
#[cfg(test)]
pub const MAX_ENTRY_BYTES: usize = 3 * super::copies::BUFFER_BYTES
    + MAX_ID_BYTES
    + super::copies::MARKER_BYTES
    + MAX_METHOD_BYTES
    + SLOT_BYTES;

/// One answered request. On arrival its target and headers are copied into
/// the buffers of its slot's entry (rather than holding on to actix's
/// request buffers), which keep their room for the next arrival in that
/// slot, so recording allocates nothing once the ring has filled; secrets
/// are redacted and times formatted when an entry is serialized, so
/// recording stays cheap on the request path.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: u64,
    /// Arrived, not answered yet: not listed.
    #[serde(skip)]
    pub pending: bool,
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
    pub activity_id: ActivityId,
    pub duration_ms: f64,
    pub retry_after_violation: bool,
    /// The `Retry-After` the answer carried, as sent; absent when none.
    #[serde(skip_serializing_if = "RetryAfter::is_none")]
    pub retry_after: RetryAfter,
    /// Proxy mode: the answer came from the upstream connector.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub upstream: bool,
    /// Proxy mode: the rules the upstream's answer broke (at most
    /// `proxy::MAX_VIOLATIONS`, each message cut to 256 bytes).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub contract_violations: Box<[Violation]>,
    /// Whether a value was cut or headers dropped (see `MAX_PATH_BYTES`).
    pub truncated: bool,
}

/// What the answer adds to an entry.
#[derive(Debug, Default)]
pub struct Answer<'a> {
    pub status: u16,
    pub operation: Option<&'static str>,
    pub scenario: Option<Arc<str>>,
    pub session: Option<String>,
    pub activity_id: &'a str,
    pub seconds: f64,
    pub retry_after_violation: bool,
    /// The `Retry-After` the answer carried.
    pub retry_after: Option<&'a [u8]>,
    pub upstream: bool,
    pub contract_violations: Vec<Violation>,
}

impl Entry {
    /// An arrival's entry: what the request itself says, copied (cut) in.
    pub fn new<'h>(
        id: u64,
        at: SystemTime,
        (method, uri): (&Method, &Uri),
        headers: impl Iterator<Item = (&'h HeaderName, &'h HeaderValue)>,
    ) -> Entry {
        let mut entry = Entry {
            id,
            pending: true,
            at,
            method: Method::GET,
            target: Target::default(),
            headers: Headers::default(),
            status: 0,
            operation: None,
            scenario: None,
            session: None,
            activity_id: ActivityId::default(),
            duration_ms: 0.0,
            retry_after_violation: false,
            retry_after: RetryAfter::default(),
            upstream: false,
            contract_violations: Box::default(),
            truncated: false,
        };
        entry.arrive(id, at, (method, uri), headers);
        entry
    }

    /// Makes this the entry of a new arrival, reusing its buffers.
    pub fn arrive<'h>(
        &mut self,
        id: u64,
        at: SystemTime,
        (method, uri): (&Method, &Uri),
        headers: impl Iterator<Item = (&'h HeaderName, &'h HeaderValue)>,
    ) {
        let (method, method_cut) = kept_method(method);
        let target_cut = self.target.set(uri);
        let headers_cut = self.headers.set(headers);
        self.id = id;
        self.pending = true;
        self.at = at;
        self.method = method;
        self.truncated = method_cut || target_cut || headers_cut;
    }

    /// Completes the entry with its answer; it is listed from then on.
    pub fn answer(&mut self, answer: Answer) {
        let mut cut = self.activity_id.set(answer.activity_id);
        self.session = answer
            .session
            .map(|session| match keep_str(&session, MAX_ID_BYTES) {
                Some(kept) => {
                    cut = true;
                    kept
                }
                None => session,
            });
        let (retry_after, retry_after_cut) = answer
            .retry_after
            .map_or_else(|| (RetryAfter::default(), false), RetryAfter::new);
        self.pending = false;
        self.status = answer.status;
        self.operation = answer.operation;
        self.scenario = answer.scenario;
        self.duration_ms = (answer.seconds * 1_000_000.0).round() / 1000.0;
        self.retry_after_violation = answer.retry_after_violation;
        self.retry_after = retry_after;
        self.upstream = answer.upstream;
        self.contract_violations = answer.contract_violations.into_boxed_slice();
        self.truncated |= cut || retry_after_cut;
    }
}

/// The method as the journal keeps it: a custom one (which may be as long
/// as the request head) is cut to `MAX_METHOD_BYTES`; `true` when cut.
fn kept_method(method: &Method) -> (Method, bool) {
    let bytes = method.as_str().as_bytes();
    match bytes.get(..MAX_METHOD_BYTES) {
        Some(start) if bytes.len() > MAX_METHOD_BYTES => (
            // A prefix of a method token is a method token.
            Method::from_bytes(start).unwrap_or(Method::OPTIONS),
            true,
        ),
        _ => (method.clone(), false),
    }
}

fn rfc3339<S: serde::Serializer>(at: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339::format_millis(OffsetDateTime::from(*at)))
}

fn as_str<S: serde::Serializer>(value: &impl AsRef<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_ref())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use crossbeam_utils::CachePadded;

    use super::*;

    #[test]
    fn an_entry_takes_its_slot_and_at_most_its_documented_bound() {
        // What docs/admin.md promises of an entry's memory.
        let slot = size_of::<CachePadded<Mutex<Option<Entry>>>>();
        assert!(slot <= SLOT_BYTES, "{slot}");
        const { assert!(MAX_ENTRY_BYTES <= 13_504) };
    }

    #[test]
    fn a_long_custom_method_is_kept_cut_and_a_standard_one_whole() {
        let long = Method::from_bytes("X".repeat(40).as_bytes()).unwrap();
        let (kept, cut) = kept_method(&long);
        assert!(cut);
        assert_eq!(kept.as_str().len(), MAX_METHOD_BYTES);
        assert_eq!(kept_method(&Method::GET), (Method::GET, false));
    }
}
