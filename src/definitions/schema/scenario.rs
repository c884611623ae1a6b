//! One scenario entry as a file writes it (`Scenario` and its checked field
//! types: `ErrorCode`, `ErrorStatus`, `HeaderNameText`), and the error it
//! answers for one request (`Scenario::to_error`).
//!
//! One entry alone: which entry a trigger selects, and whether a user file
//! may redefine one, is the catalogue's job (`scenario.rs`).

use std::collections::BTreeMap;

use http::header::{self, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::definitions::schema::template::{Template, Var, Vars};
use crate::error::ApiError;
use crate::request::trigger::{MAX_RETRY_AFTER_SECS, Options};

/// One catalogue entry, as written in a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    pub error_code: ErrorCode,
    pub status: ErrorStatus,
    #[serde(default)]
    pub description: String,
    pub message: Template,
    #[serde(default)]
    pub details: BTreeMap<String, Template>,
    #[serde(default)]
    pub headers: BTreeMap<HeaderNameText, Template>,
    /// Headers that replace (or add to) `headers` when the error's `reason`
    /// is the key: a request with no token gets a bare `Bearer` challenge,
    /// without `error=` (RFC 6750 section 3.1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers_by_reason: BTreeMap<String, BTreeMap<HeaderNameText, Template>>,
    /// Seconds for `Retry-After` (and `{retryAfter}`); a trigger option wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    /// Whether the bare status number selects this scenario.
    #[serde(default)]
    pub answers_status: bool,
    /// Set by a user file that deliberately redefines a code or status.
    #[serde(default, rename = "override")]
    pub overrides: bool,
}

/// `UPPER_SNAKE_CASE`, so a trigger in any letter case finds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ErrorCode(String);

impl TryFrom<String> for ErrorCode {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        let valid = !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && !code.bytes().all(|b| b.is_ascii_digit());
        match valid {
            true => Ok(ErrorCode(code)),
            false => Err(format!(
                "errorCode '{code}' must be UPPER_SNAKE_CASE letters, digits and '_'"
            )),
        }
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> String {
        code.0
    }
}

impl ErrorCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An error status, 400-599.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct ErrorStatus(pub u16);

impl TryFrom<u16> for ErrorStatus {
    type Error = String;
    fn try_from(status: u16) -> Result<Self, String> {
        match status {
            400..=599 => Ok(ErrorStatus(status)),
            _ => Err(format!("status {status} is not an error status (400-599)")),
        }
    }
}

impl From<ErrorStatus> for u16 {
    fn from(status: ErrorStatus) -> u16 {
        status.0
    }
}

/// A header name checked (and parsed once) when the file is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HeaderNameText(String, #[serde(skip)] HeaderNameOrd);

impl HeaderNameText {
    /// The name as written in the file.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The name, parsed.
    pub fn name(&self) -> &HeaderName {
        &self.1.0
    }
}

/// A parsed header name, ordered by its text so the map stays sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderNameOrd(HeaderName);

impl PartialOrd for HeaderNameOrd {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HeaderNameOrd {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.as_str().cmp(other.0.as_str())
    }
}

impl TryFrom<String> for HeaderNameText {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(parsed) => Ok(HeaderNameText(name, HeaderNameOrd(parsed))),
            Err(_) => Err(format!("'{name}' is not a valid header name")),
        }
    }
}

impl From<HeaderNameText> for String {
    fn from(name: HeaderNameText) -> String {
        name.0
    }
}

/// `Retry-After` seconds as a scenario may send them: digits, at most
/// `MAX_RETRY_AFTER_SECS`.
pub(crate) fn retry_after_seconds(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>()
        .ok()
        .filter(|s| *s <= MAX_RETRY_AFTER_SECS)
}

impl Scenario {
    pub fn code(&self) -> &str {
        self.error_code.as_str()
    }

    /// The error this scenario answers for one request.
    pub fn to_error(&self, vars: &Vars, options: &Options) -> ApiError {
        let mut vars = vars.clone();
        vars.retry_after = options.retry_after.or(self.retry_after);
        if let Some(reason) = &options.reason {
            vars.reason = Some(reason);
        }
        let message = options
            .message
            .as_deref()
            .map_or_else(|| self.message.render(&vars), str::to_owned);
        let mut error = ApiError::new(self.status.0, self.code(), message);
        if !self.details.is_empty() {
            let details: Map<String, Value> = self
                .details
                .iter()
                .map(|(k, t)| (k.clone(), t.render_value(&vars)))
                .collect();
            error.details = Some(details);
        }
        if let Some(seconds) = vars.retry_after {
            error = error.with_header(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        let by_reason = vars.reason.and_then(|r| self.headers_by_reason.get(r));
        let replaced = |name: &HeaderNameText| by_reason.is_some_and(|h| h.contains_key(name));
        let headers = self.headers.iter().filter(|(name, _)| !replaced(name));
        for (name, template) in headers.chain(by_reason.into_iter().flatten()) {
            let rendered = template.render(&vars);
            // A fixed value was checked when the file was read; one built
            // from the request must come out as seconds in range too.
            if name.name() == header::RETRY_AFTER && retry_after_seconds(&rendered).is_none() {
                return ApiError::invalid_request(
                    template.first_var().map_or("Retry-After", Var::name),
                    &format!(
                        "scenario {} sends it as Retry-After '{}', which must be whole seconds from 0 to {MAX_RETRY_AFTER_SECS}",
                        self.code(),
                        rendered.chars().take(64).collect::<String>()
                    ),
                );
            }
            // A header value built from request data may be unusable; skip it
            // rather than fail the response.
            if let Ok(value) = HeaderValue::try_from(rendered) {
                error = error.with_header(name.name().clone(), value);
            }
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_a_scenario_sends_is_whole_seconds_up_to_one_day() {
        let cases = [
            ("0", Some(0)),
            ("86400", Some(86_400)),
            (" 30 ", None),
            ("86401", None),
            ("18446744073709551615", None),
            ("-1", None),
            ("+5", None),
            ("1.5", None),
            ("", None),
            ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ];
        for (text, expected) in cases {
            assert_eq!(retry_after_seconds(text), expected, "{text:?}");
        }
    }

    #[test]
    fn an_error_code_is_upper_snake_case_and_not_a_number() {
        let cases = [
            ("REQUEST_THROTTLED", true),
            ("ERROR_2", true),
            ("request_throttled", false),
            ("429", false),
            ("", false),
            ("A-B", false),
        ];
        for (code, ok) in cases {
            assert_eq!(ErrorCode::try_from(code.to_owned()).is_ok(), ok, "{code:?}");
        }
    }

    #[test]
    fn an_error_status_is_400_to_599() {
        let cases = [
            (399, false),
            (400, true),
            (599, true),
            (600, false),
            (200, false),
        ];
        for (status, ok) in cases {
            assert_eq!(ErrorStatus::try_from(status).is_ok(), ok, "{status}");
        }
    }

    #[test]
    fn a_header_name_is_checked_and_ordered_by_its_text() {
        assert!(HeaderNameText::try_from("bad name".to_owned()).is_err());
        let a = HeaderNameText::try_from("A-First".to_owned()).unwrap();
        let b = HeaderNameText::try_from("b-second".to_owned()).unwrap();
        assert_eq!(a.text(), "A-First");
        assert_eq!(a.name().as_str(), "a-first");
        assert!(a < b);
    }
}
