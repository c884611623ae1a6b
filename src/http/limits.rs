//! Limits on what a request may be, checked in the envelope before any
//! handler runs, each answered in the standard error body:
//!
//! | limit | default | answer |
//! |---|---|---|
//! | query string | 8 KiB (`--max-query-bytes`) | 414 `URI_TOO_LONG` |
//! | header names and values together | 16 KiB (`--max-header-bytes`) | 431 `HEADERS_TOO_LARGE` |
//! | a body on GET | none allowed | 400 `INVALID_REQUEST` (parameter `body`), unread |
//! | admin request body | 64 KiB (`--max-body-bytes`) | 413 `PAYLOAD_TOO_LARGE` |
//! | time to send the request head | 5 s (`--request-timeout`) | 408, from actix-http |
//!
//! actix-http itself refuses, before any handler and so without a body, a
//! request line it cannot parse (400), more than 96 headers (431) and a head
//! over its own buffer.

use actix_web::http::header::{self, HeaderName, HeaderValue};

use crate::contract;
use crate::error::{ApiError, Input};

/// What the envelope knows of a request head.
pub struct Head<'a> {
    /// GET or HEAD: neither may carry a body.
    pub is_get: bool,
    pub query_len: usize,
    pub header_bytes: usize,
    pub content_length: Option<&'a [u8]>,
    pub chunked: bool,
}

impl<'a> Head<'a> {
    /// Whether the head declares a body: chunked, or a `Content-Length`
    /// other than zero (`0`, `00`, ... all mean none).
    pub fn has_body(&self) -> bool {
        self.chunked
            || self
                .content_length
                .is_some_and(|v| !v.iter().all(|b| *b == b'0'))
    }

    /// Counts one request header.
    pub fn count(&mut self, name: &HeaderName, value: &'a HeaderValue) {
        self.header_bytes += name.as_str().len() + value.len();
        if *name == header::CONTENT_LENGTH {
            self.content_length.get_or_insert(value.as_bytes());
        } else if *name == header::TRANSFER_ENCODING {
            self.chunked = true;
        }
    }
}

/// The first limit `head` breaks, if any.
pub fn check(head: &Head, max_query: usize, max_headers: usize) -> Option<ApiError> {
    if head.query_len > max_query {
        return Some(
            ApiError::new(
                414,
                contract::URI_TOO_LONG,
                format!(
                    "The query string is {} bytes; at most {max_query} are accepted.",
                    head.query_len
                ),
            )
            .with_detail("limit", max_query),
        );
    }
    if head.header_bytes > max_headers {
        return Some(
            ApiError::new(
                431,
                contract::HEADERS_TOO_LARGE,
                format!(
                    "The request headers are {} bytes; at most {max_headers} are accepted.",
                    head.header_bytes
                ),
            )
            .with_detail("limit", max_headers),
        );
    }
    if head.is_get && head.has_body() {
        return Some(ApiError::invalid(
            Input::Body,
            "a GET or HEAD request must not carry a body",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(
        query_len: usize,
        header_bytes: usize,
        content_length: Option<&'static [u8]>,
    ) -> Head<'static> {
        Head {
            is_get: true,
            query_len,
            header_bytes,
            content_length,
            chunked: false,
        }
    }

    #[test]
    fn each_limit_has_its_status_and_code() {
        let code = |h: Head| check(&h, 100, 200).map(|e| (e.status, e.code));
        assert_eq!(code(head(100, 200, None)), None);
        assert_eq!(code(head(100, 200, Some(b"0"))), None);
        assert_eq!(code(head(100, 200, Some(b"00"))), None, "still zero");
        assert_eq!(code(head(101, 0, None)), Some((414, "URI_TOO_LONG".into())));
        assert_eq!(
            code(head(0, 201, None)),
            Some((431, "HEADERS_TOO_LARGE".into()))
        );
        assert_eq!(
            code(head(0, 0, Some(b"5"))),
            Some((400, "INVALID_REQUEST".into()))
        );
    }
}
