//! One journal entry: what it keeps of a request (method, target, headers,
//! outcome), each copied value cut to its bound and marked, and how it is
//! serialized for the admin API (secrets redacted, times formatted then, not
//! on the request path). It does not decide what is journaled or how long.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Serialize;
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
/// The slot an entry sits in (its fixed fields, padded to cache lines).
/// This and `MAX_ENTRY_BYTES` are the documented memory bounds the tests
/// hold the journal to; the code itself never needs them.
#[cfg(test)]
pub const SLOT_BYTES: usize = 256;
/// A bound on one entry's memory: three buffers (target, headers, session)
/// of at most `BUFFER_BYTES` each, a cut activityId, a cut method, and its
/// slot.
#[cfg(test)]
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
        let mut out = Vec::new();
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
}
