//! The copies a journal entry keeps of a request's values, each cut to its
//! bound and marked (`...[+N bytes]`), kept inline in the entry's slot up to
//! a size and on the heap beyond, and serialized with secrets redacted.

use std::collections::BTreeMap;

use http::{HeaderName, HeaderValue, Uri};
use serde::Serialize;
use smallvec::SmallVec;

use super::redact::{REDACTED, is_secret_name, redact_query};

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
pub(super) const MARKER_BYTES: usize = 32;
/// A spilled buffer's capacity, at most: a longer one is shrunk to fit.
pub(super) const BUFFER_BYTES: usize = 4096;

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

impl ActivityId {
    /// Copies `id` in, in place of what it held; returns whether it was cut.
    pub(super) fn set(&mut self, id: &str) -> bool {
        self.0.clear();
        let cut = keep(&mut self.0, id.as_bytes(), MAX_ID_BYTES, true);
        fit(&mut self.0);
        cut
    }
}

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
    pub(super) fn set(&mut self, uri: &Uri) -> bool {
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
    pub(super) fn set<'h>(
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
