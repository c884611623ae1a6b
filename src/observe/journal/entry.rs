//! One journal entry: what it keeps of a request (method, target, headers,
//! outcome), each copied value cut to its bound and marked, and how it is
//! serialized for the admin API (secrets redacted, times formatted then, not
//! on the request path). It does not decide what is journaled or how long.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;
use smallvec::SmallVec;
use time::OffsetDateTime;

use super::redact::{REDACTED, is_secret_name, redact_query};
use crate::contract::rules::Violation;
use crate::rfc3339;

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
/// The `Retry-After` value an answer sent, kept inline in the entry's slot
/// (whose padding had the room, so it allocates nothing and leaves the
/// entry's memory bound as it was). This server sends whole seconds; an
/// upstream in proxy mode may send an HTTP-date (29 bytes).
pub const MAX_RETRY_AFTER_BYTES: usize = 32;
/// The longest marker: `...[+` and ` bytes]` around a 20-digit number.
const MARKER_BYTES: usize = 32;
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
pub const MAX_ENTRY_BYTES: usize =
    3 * BUFFER_BYTES + MAX_ID_BYTES + MARKER_BYTES + MAX_METHOD_BYTES + SLOT_BYTES;
/// A spilled buffer's capacity, at most: a longer one is shrunk to fit.
const BUFFER_BYTES: usize = 4096;

/// A copy kept in the entry itself up to `N` bytes, on the heap beyond.
///
/// Rationale: the journal's slots are written in arrival order, so a slot's
/// own memory is where the processor expects the next write; three heap
/// buffers per entry (target, headers, activityId) sat elsewhere, each a
/// cold cache line to fetch per request. Measured with `bench.py --compare`
/// and the server's CPU time per request (2026-12-02, see
/// docs/performance.md).
type Inline<const N: usize> = SmallVec<[u8; N]>;

/// Appends `bytes`, or its first `max` bytes (cut back to a character
/// boundary when `text`) and the marker; returns whether it cut.
fn keep<const N: usize>(out: &mut Inline<N>, bytes: &[u8], max: usize, text: bool) -> bool {
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

/// Keeps a buffer within `BUFFER_BYTES` (growth by doubling can overshoot
/// its length), and moves a copy that fits inline again back into the slot,
/// freeing the heap room a longer one took: a slot holds on to no more than
/// its current entry needs.
fn fit<const N: usize>(buffer: &mut Inline<N>) {
    if buffer.spilled() && (buffer.len() <= N || buffer.capacity() > BUFFER_BYTES) {
        buffer.shrink_to_fit();
    }
}

/// Bytes `keep` cut as text only: valid UTF-8.
fn as_text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// `text` cut to `max` bytes and marked as `keep` does, if longer.
pub fn keep_str(text: &str, max: usize) -> Option<String> {
    if text.len() <= max {
        return None;
    }
    let mut out = Inline::<0>::new();
    keep(&mut out, text.as_bytes(), max, true);
    Some(as_text(&out).to_owned())
}

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
        self.activity_id.0.clear();
        let mut cut = keep(
            &mut self.activity_id.0,
            answer.activity_id.as_bytes(),
            MAX_ID_BYTES,
            true,
        );
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

/// An answer's `Retry-After` value, at most `MAX_RETRY_AFTER_BYTES`; empty
/// means none. A longer value keeps its first bytes and the marker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryAfter {
    len: u8,
    bytes: [u8; MAX_RETRY_AFTER_BYTES],
}

impl RetryAfter {
    /// The value kept and whether it was cut.
    pub fn new(value: &[u8]) -> (RetryAfter, bool) {
        let mut kept = RetryAfter::default();
        let cut = value.len() > MAX_RETRY_AFTER_BYTES;
        let mut out = Inline::<0>::new();
        let bytes = match cut {
            false => value,
            true => {
                // Room for the marker with the longest count `value` can need.
                let digits = itoa::Buffer::new().format(value.len()).len();
                let max = MAX_RETRY_AFTER_BYTES - "...[+ bytes]".len() - digits;
                keep(&mut out, value, max, false);
                &out
            }
        };
        let len = bytes.len().min(MAX_RETRY_AFTER_BYTES);
        if let (Some(to), Some(from)) = (kept.bytes.get_mut(..len), bytes.get(..len)) {
            to.copy_from_slice(from);
            kept.len = len as u8;
        }
        (kept, cut)
    }

    pub fn is_none(&self) -> bool {
        self.len == 0
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl Serialize for RetryAfter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

/// An activityId, cut to `MAX_ID_BYTES` and marked; a UUID fits inline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityId(Inline<40>);

impl AsRef<str> for ActivityId {
    fn as_ref(&self) -> &str {
        as_text(&self.0)
    }
}

/// A request target, `path` or `path?query`, copied from the request (each
/// part cut to its bound and marked); a connector request's fits inline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target(Inline<256>);

impl Target {
    /// Copies `uri` in, in place of what it held; returns whether a part
    /// was cut.
    fn set(&mut self, uri: &Uri) -> bool {
        let buffer = &mut self.0;
        buffer.clear();
        let mut cut = keep(buffer, uri.path().as_bytes(), MAX_PATH_BYTES, true);
        if let Some(query) = uri.query() {
            buffer.push(b'?');
            cut |= keep(buffer, query.as_bytes(), MAX_QUERY_BYTES, true);
        }
        fit(buffer);
        cut
    }

    pub fn path(&self) -> &str {
        let text = as_text(&self.0);
        text.split_once('?').map_or(text, |(path, _)| path)
    }

    pub fn query(&self) -> &str {
        as_text(&self.0)
            .split_once('?')
            .map_or("", |(_, query)| query)
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
pub struct Headers(Inline<256>);

impl Headers {
    /// Copies `headers` in, in place of what it held; returns whether one
    /// was cut or dropped: a name or value past its bound is cut and
    /// marked, and a header that would take the copy past
    /// `MAX_HEADERS_BYTES` is dropped with every later one. A cut name can
    /// no longer be judged secret, so its value is redacted here.
    fn set<'h>(
        &mut self,
        headers: impl Iterator<Item = (&'h HeaderName, &'h HeaderValue)>,
    ) -> bool {
        let buffer = &mut self.0;
        buffer.clear();
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
            cut |= keep(buffer, name, MAX_HEADER_NAME_BYTES, false);
            buffer.push(0);
            match long_name {
                true => buffer.extend_from_slice(REDACTED.as_bytes()),
                false => cut |= keep(buffer, value, MAX_HEADER_VALUE_BYTES, false),
            }
            buffer.push(0);
        }
        fit(buffer);
        cut
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use crossbeam_utils::CachePadded;

    use super::*;

    #[test]
    fn long_values_are_cut_to_their_bound_and_marked() {
        let uri: Uri = format!("/{}?{}", "p".repeat(2000), "q".repeat(3000))
            .parse()
            .unwrap();
        let mut target = Target::default();
        assert!(target.set(&uri));
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
        assert!(target.0.spilled());
        assert!(!target.set(&"/a?b=1".parse().unwrap()));
        assert!(!target.0.spilled(), "a short target goes back inline");
        assert_eq!(target.path(), "/a", "reused, it holds the new target only");
        assert_eq!(target.query(), "b=1");

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
        let mut headers = Headers::default();
        assert!(headers.set(std::iter::once((&name, &long))));
        let (_, value) = headers.pairs().next().unwrap();
        assert!(value.ends_with(b"v...[+488 bytes]"));
        assert!(headers.set(many.iter().map(|(n, v)| (n, v))));
        assert!(headers.0.len() <= MAX_HEADERS_BYTES, "{}", headers.0.len());
        assert!(headers.0.capacity() <= BUFFER_BYTES);
        assert!(headers.pairs().count() < 20);
        let name = HeaderName::try_from("x-".repeat(100)).unwrap();
        let short = HeaderValue::from_static("secret-under-a-long-name");
        assert!(headers.set(std::iter::once((&name, &short))));
        assert_eq!(
            headers.pairs().count(),
            1,
            "reused, it holds the new headers only"
        );
        let (_, value) = headers.pairs().next().unwrap();
        assert_eq!(value, REDACTED.as_bytes(), "a cut name cannot be judged");
        // What README promises of an entry's memory.
        let slot = size_of::<CachePadded<Mutex<Option<Entry>>>>();
        assert!(slot <= SLOT_BYTES, "{slot}");
        const { assert!(MAX_ENTRY_BYTES <= 13_504) };
        let (kept, cut) = RetryAfter::new(b"5");
        assert_eq!((kept.as_bytes(), cut), (&b"5"[..], false));
        let date = b"Wed, 02 Dec 2026 07:00:00 GMT";
        assert_eq!(RetryAfter::new(date).0.as_bytes(), date);
        let (kept, cut) = RetryAfter::new(&[b'9'; 5000]);
        assert!(cut);
        assert!(kept.as_bytes().ends_with(b"9...[+4984 bytes]"), "{kept:?}");
        assert_eq!(kept.as_bytes().len(), MAX_RETRY_AFTER_BYTES);
        assert!(RetryAfter::new(b"").0.is_none());
        assert_eq!(keep_str("abc", 3), None);
        assert_eq!(keep_str("abcé", 4).as_deref(), Some("abc...[+2 bytes]"));
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
