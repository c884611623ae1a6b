//! `ApiError`, the one error type of the server, and `body`, the only code
//! that builds an error body (contract Part 2 §3):
//! `{ errorCode, errorMessage, activityId, details? }`. It renders to bytes
//! and knows no web framework: the edge (`reply`) turns a rendered error into
//! a response with `Content-Type: application/json`.
//!
//! Rationale: `ApiError` does not implement actix's `ResponseError`, because the
//! body needs the request's activityId and `ResponseError::error_response`
//! never sees the request. Rendering explicitly with the activityId keeps
//! one renderer, and a handler cannot return a bare `ApiError` by accident.
//!
//! It is a struct and not an enum because most errors are data (catalogue
//! entries with status, code, message and headers); the built-in ones are a
//! few constructors.

use std::sync::Arc;

use http::header::{ALLOW, HeaderName, HeaderValue, RETRY_AFTER};
use serde_json::{Map, Value};

use crate::contract;

/// What an `INVALID_REQUEST` is about: the kind of input, which its message
/// names, and the input's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    Query(&'a str),
    Header(&'a str),
    /// The whole request body.
    Body,
    /// A field of a JSON body or of a definitions file.
    Field(&'a str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Option<Map<String, Value>>,
    /// Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            details: None,
            headers: Vec::new(),
        }
    }

    /// Adds one `details` field.
    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details
            .get_or_insert_with(Map::new)
            .insert(key.to_owned(), value.into());
        self
    }

    /// Adds one response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The `Retry-After` seconds this error sends, if any.
    pub fn retry_after(&self) -> Option<u64> {
        self.headers
            .iter()
            .find(|(name, _)| name == RETRY_AFTER)
            .and_then(|(_, value)| value.to_str().ok()?.parse().ok())
    }

    /// 400 `INVALID_REQUEST` about the query parameter `parameter`.
    pub fn invalid_request(parameter: &str, reason: &str) -> Self {
        ApiError::invalid(Input::Query(parameter), reason)
    }

    /// 400 `INVALID_REQUEST` naming the input (by its kind and name) and what
    /// is wrong with it; `details.parameter` is the name (`body` for the body).
    pub fn invalid(input: Input, reason: &str) -> Self {
        let (what, name) = match input {
            Input::Query(name) => (format!("The query parameter '{name}'"), name),
            Input::Header(name) => (format!("The header '{name}'"), name),
            Input::Body => ("The request body".to_owned(), "body"),
            Input::Field(name) => (format!("The field '{name}'"), name),
        };
        ApiError::new(
            400,
            contract::INVALID_REQUEST,
            format!("{what} is invalid: {reason}."),
        )
        .with_detail("parameter", name)
        .with_detail("reason", reason)
    }

    /// 400 `UNKNOWN_SCENARIO` listing every accepted trigger value.
    pub fn unknown_scenario(given: &str, valid_values: Vec<String>) -> Self {
        ApiError::new(
            400,
            contract::UNKNOWN_SCENARIO,
            format!(
                "'{given}' is not a known scenario; use one of the errorCodes or statuses in details.validValues."
            ),
        )
        .with_detail("value", given)
        .with_detail("validValues", valid_values)
    }

    /// 404 `ROUTE_NOT_FOUND`: deliberately not `RECORD_NOT_FOUND`.
    pub fn route_not_found(method: &str, path: &str) -> Self {
        ApiError::new(
            404,
            contract::ROUTE_NOT_FOUND,
            format!("No route matches {method} {path}."),
        )
        .with_detail("path", path)
    }

    /// 405 `METHOD_NOT_ALLOWED` with the `Allow` header.
    pub fn method_not_allowed(method: &str, path: &str, allow: &'static str) -> Self {
        ApiError::new(
            405,
            contract::METHOD_NOT_ALLOWED,
            format!("{path} does not support {method}; allowed: {allow}."),
        )
        .with_detail("method", method)
        .with_detail("allowed", allow)
        .with_header(ALLOW, HeaderValue::from_static(allow))
    }

    /// 500 `INTERNAL_SERVER_ERROR` for a real (not simulated) failure.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(500, contract::INTERNAL_SERVER_ERROR, message)
    }

    /// Rendered once for many answers: only the activityId changes.
    pub fn render(self) -> Rendered {
        let head = self.head();
        let mut tail = Vec::new();
        self.tail(&mut tail);
        Rendered {
            status: self.status,
            retry_after: self.retry_after(),
            code: self.code.into(),
            headers: self.headers,
            head,
            tail,
        }
    }

    /// `{"errorCode":…,"errorMessage":…,"activityId":…,"details":…}`, in that
    /// order, `details` only when there are any. The only place an error
    /// body is built.
    pub fn body(&self, activity_id: &str) -> Vec<u8> {
        let mut out = self.head();
        json_string(&mut out, activity_id);
        self.tail(&mut out);
        out
    }

    /// The body up to the activityId's value.
    fn head(&self) -> Vec<u8> {
        // Sized for the usual body at once rather than grown step by step.
        let mut out = Vec::with_capacity(160 + self.code.len() + self.message.len());
        out.extend_from_slice(b"{\"errorCode\":");
        json_string(&mut out, &self.code);
        out.extend_from_slice(b",\"errorMessage\":");
        json_string(&mut out, &self.message);
        out.extend_from_slice(b",\"activityId\":");
        out
    }

    /// The body after the activityId's value.
    fn tail(&self, out: &mut Vec<u8>) {
        if let Some(details) = &self.details {
            out.extend_from_slice(b",\"details\":");
            // A map of JSON values always serializes.
            if serde_json::to_writer(&mut *out, details).is_err() {
                out.extend_from_slice(b"{}");
            }
        }
        out.push(b'}');
    }
}

/// An error rendered once: what its answers share, with the body split
/// around the activityId, which is the only part that differs.
#[derive(Debug)]
pub struct Rendered {
    status: u16,
    /// The `Retry-After` seconds it sends, if any.
    pub retry_after: Option<u64>,
    /// Shared with the outcome of each answer (journal, metrics, log), so
    /// an answer copies no string.
    pub code: Arc<str>,
    headers: Vec<(HeaderName, HeaderValue)>,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Rendered {
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Extra response headers, e.g. `Retry-After`.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    /// The body for one answer.
    pub fn body(&self, activity_id: &str) -> Vec<u8> {
        let mut body =
            Vec::with_capacity(self.head.len() + activity_id.len() + 2 + self.tail.len());
        body.extend_from_slice(&self.head);
        json_string(&mut body, activity_id);
        body.extend_from_slice(&self.tail);
        body
    }
}

/// Appends `text` as a JSON string. serde_json escapes exactly the control
/// characters, `"` and `\`; a string with none of them (nearly every one
/// here) is copied as it is after one scan without early exit, which the
/// compiler vectorizes, instead of serde_json's byte-by-byte table walk.
fn json_string(out: &mut Vec<u8>, text: &str) {
    let needs_escape = text.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if needs_escape {
        // Serializing a `str` cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_standard_shape_and_escapes_like_serde_json() {
        let cases = [
            ("plain", "GetRelatedRecords for account '1' failed."),
            ("quote and backslash", r#"id "a\b" failed"#),
            ("control characters", "line\nbreak\ttab\u{1}"),
            ("non-ASCII and slash", "Überprüfung für /records — 記録"),
        ];
        for (why, message) in cases {
            let error = ApiError::new(429, "REQUEST_THROTTLED", message)
                .with_detail("retryAfterSeconds", 1)
                .with_detail("note", message);
            let body = error.body("id-\"1\"");
            let expected = serde_json::json!({
                "errorCode": "REQUEST_THROTTLED",
                "errorMessage": message,
                "activityId": "id-\"1\"",
                "details": {"retryAfterSeconds": 1, "note": message},
            });
            let parsed: Value = serde_json::from_slice(&body).expect(why);
            assert_eq!(parsed, expected, "{why}");
            // The contract's field order.
            let at = |key: &str| {
                let key = format!("\"{key}\":");
                body.windows(key.len()).position(|w| w == key.as_bytes())
            };
            let order = ["errorCode", "errorMessage", "activityId", "details"].map(at);
            assert!(order.iter().all(Option::is_some), "{why}");
            assert!(order.is_sorted(), "{why}: {order:?}");
            let mut direct = Vec::new();
            json_string(&mut direct, message);
            assert_eq!(direct, serde_json::to_vec(message).unwrap(), "{why}");
        }
        let bare = ApiError::new(500, "INTERNAL_SERVER_ERROR", "m").body("x");
        assert_eq!(
            bare,
            br#"{"errorCode":"INTERNAL_SERVER_ERROR","errorMessage":"m","activityId":"x"}"#
        );
    }
}
