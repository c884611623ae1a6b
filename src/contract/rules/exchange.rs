//! One request and its answer, as the rules see them: what was sent (the
//! operation, the query pairs, the headers) and what came back (status,
//! headers, body, elapsed time). The body's JSON is parsed once, here.

use std::time::Duration;

use serde_json::Value;

use crate::contract::Operation;

/// What was sent.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The contract operation the request was for; `None` for anything else.
    pub operation: Option<Operation>,
    /// The path and query as sent, for messages.
    pub target: String,
    /// The decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The request headers (names in any case).
    pub headers: Vec<(String, String)>,
}

impl Sent {
    /// The first value of query parameter `name`; an empty value counts as
    /// absent (contract Part 2 §9).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` is in the query at all, empty or not.
    pub fn has_param(&self, name: &str) -> bool {
        self.query.iter().any(|(n, _)| n == name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// `top` or `skip` as a non-negative count, when sent and valid.
    pub fn count(&self, name: &str) -> Option<usize> {
        self.param(name)
            .and_then(|v| v.parse::<i32>().ok())
            .and_then(|n| usize::try_from(n).ok())
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Got {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// The body as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl Got {
    pub fn new(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        elapsed: Duration,
    ) -> Got {
        let json = serde_json::from_slice(&body).ok();
        Got {
            status,
            headers,
            body,
            elapsed,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// Whether `Content-Type` is `application/json` (parameters allowed).
    pub fn is_json_type(&self) -> bool {
        self.header("content-type").is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        })
    }

    /// The success body's `value` array, when there is one.
    pub fn items(&self) -> Option<&Vec<Value>> {
        self.json.as_ref()?.get("value")?.as_array()
    }

    /// The error body's `errorCode`, when there is one.
    pub fn error_code(&self) -> Option<&str> {
        self.json.as_ref()?.get("errorCode")?.as_str()
    }
}

/// A request and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub sent: Sent,
    pub got: Got,
}

impl Exchange {
    /// "GET /api/related-records?recordType=account&recordId=42 got 404
    /// RECORD_NOT_FOUND": what was sent and what came back, for messages.
    pub fn said(&self) -> String {
        const LONGEST: usize = 120;
        let mut target = self.sent.target.clone();
        if target.len() > LONGEST {
            let mut cut = LONGEST;
            while !target.is_char_boundary(cut) {
                cut -= 1;
            }
            target.truncate(cut);
            target.push_str("...");
        }
        let status = self.got.status;
        match self.got.error_code() {
            Some(code) if status >= 400 => format!("GET {target} got {status} {}", shown(code)),
            _ if (300..400).contains(&status) => format!(
                "GET {target} got {status} redirect to {} (redirects are not followed)",
                self.got.header("location").unwrap_or("nowhere")
            ),
            _ => format!("GET {target} got {status}"),
        }
    }
}

/// A connector's own text in a message: as is when it is a plain code
/// (letters, digits, `_`, `-`, `.`) of at most 60 bytes, else quoted with
/// escapes and cut, so no control character or megabyte reaches a report.
fn shown(text: &str) -> String {
    const LONGEST: usize = 60;
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c);
    if text.len() <= LONGEST && !text.is_empty() && text.chars().all(plain) {
        return text.to_owned();
    }
    let mut quoted = format!("{:?}", text.chars().take(LONGEST).collect::<String>());
    if text.chars().count() > LONGEST {
        quoted.push_str("...");
    }
    quoted
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
