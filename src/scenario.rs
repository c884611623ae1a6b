//! The scenario catalogue: what each error scenario answers (status,
//! errorCode, message and `details` templates, extra headers, `Retry-After`),
//! and how a trigger's selector resolves to one.
//!
//! The six documented scenarios live in `scenarios/catalogue.json` (embedded);
//! users add their own in the same format. A user entry may redefine a
//! built-in errorCode, or claim a status number another entry answers, only
//! with `"override": true`; otherwise loading fails with the file and
//! position. Placeholders are a closed set checked when the file is read.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header::{self, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::fault::Fault;
use crate::files::{DefinitionFile, Problem, Source};
use crate::trigger::{MAX_RETRY_AFTER_SECS, Options, Selector, Single};

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

/// The placeholders a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Operation,
    RecordType,
    RecordId,
    RequestedCrmType,
    RequestedCrmOrgUrl,
    ConnectedCrmType,
    ConnectedCrmOrgUrl,
    RetryAfter,
    Reason,
    ResourceType,
    ResourceId,
    Privilege,
}

impl Var {
    const ALL: [(&'static str, Var); 12] = [
        ("operation", Var::Operation),
        ("recordType", Var::RecordType),
        ("recordId", Var::RecordId),
        ("requestedCrmType", Var::RequestedCrmType),
        ("requestedCrmOrgUrl", Var::RequestedCrmOrgUrl),
        ("connectedCrmType", Var::ConnectedCrmType),
        ("connectedCrmOrgUrl", Var::ConnectedCrmOrgUrl),
        ("retryAfter", Var::RetryAfter),
        ("reason", Var::Reason),
        ("resourceType", Var::ResourceType),
        ("resourceId", Var::ResourceId),
        ("privilege", Var::Privilege),
    ];
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Var(Var),
}

/// A string with `{placeholder}`s from the closed set of `Var`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Template {
    source: String,
    #[serde(skip)]
    segments: Vec<Segment>,
}

impl TryFrom<String> for Template {
    type Error = String;
    fn try_from(source: String) -> Result<Self, String> {
        let mut segments = Vec::new();
        let mut rest = source.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in template '{source}'"))?;
            let name = &rest[open + 1..open + close];
            let var = Var::ALL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    let known: Vec<_> = Var::ALL.iter().map(|(n, _)| *n).collect();
                    format!(
                        "unknown placeholder '{{{name}}}'; known: {}",
                        known.join(", ")
                    )
                })?;
            if open > 0 {
                segments.push(Segment::Literal(rest[..open].to_owned()));
            }
            segments.push(Segment::Var(var));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_owned()));
        }
        Ok(Template { source, segments })
    }
}

impl From<Template> for String {
    fn from(t: Template) -> String {
        t.source
    }
}

/// Values for the placeholders of one request, borrowed from the request,
/// the configuration and the data (nothing is copied until rendered).
#[derive(Debug, Clone, Default)]
pub struct Vars<'a> {
    pub operation: &'a str,
    pub record_type: &'a str,
    pub record_id: &'a str,
    pub requested_crm_type: Option<&'a str>,
    pub requested_crm_org_url: Option<&'a str>,
    pub connected_crm_type: Option<&'a str>,
    pub connected_crm_org_url: Option<&'a str>,
    pub retry_after: Option<u32>,
    pub reason: Option<&'a str>,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub privilege: Option<&'a str>,
}

/// One placeholder's value.
enum Piece<'v> {
    Text(&'v str),
    Number(u32),
}

impl<'a> Vars<'a> {
    fn piece(&self, var: Var) -> Option<Piece<'a>> {
        let text = |s: Option<&'a str>| s.map(Piece::Text);
        match var {
            Var::Operation => Some(Piece::Text(self.operation)),
            Var::RecordType => Some(Piece::Text(self.record_type)),
            Var::RecordId => Some(Piece::Text(self.record_id)),
            Var::RequestedCrmType => text(self.requested_crm_type),
            Var::RequestedCrmOrgUrl => text(self.requested_crm_org_url),
            Var::ConnectedCrmType => text(self.connected_crm_type),
            Var::ConnectedCrmOrgUrl => text(self.connected_crm_org_url),
            Var::RetryAfter => self.retry_after.map(Piece::Number),
            Var::Reason => text(self.reason),
            Var::ResourceType => text(self.resource_type),
            Var::ResourceId => text(self.resource_id),
            Var::Privilege => text(self.privilege),
        }
    }
}

/// `Retry-After` seconds as a scenario may send them: digits, at most
/// `MAX_RETRY_AFTER_SECS`.
fn retry_after_seconds(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>()
        .ok()
        .filter(|s| *s <= MAX_RETRY_AFTER_SECS)
}

impl Var {
    fn name(self) -> &'static str {
        Var::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("placeholder", |(n, _)| n)
    }
}

impl Template {
    /// The first placeholder, if any.
    fn first_var(&self) -> Option<Var> {
        self.segments.iter().find_map(|s| match s {
            Segment::Var(v) => Some(*v),
            Segment::Literal(_) => None,
        })
    }

    /// Interpolates; an absent value renders as `(not given)`.
    pub fn render(&self, vars: &Vars) -> String {
        let mut out = String::with_capacity(self.source.len() + 32);
        for segment in &self.segments {
            match segment {
                Segment::Literal(s) => out.push_str(s),
                Segment::Var(v) => match vars.piece(*v) {
                    Some(Piece::Text(s)) => out.push_str(s),
                    Some(Piece::Number(n)) => out.push_str(itoa::Buffer::new().format(n)),
                    None => out.push_str("(not given)"),
                },
            }
        }
        out
    }

    /// For `details`: a template that is exactly one placeholder keeps the
    /// value's JSON type (a number for `{retryAfter}`, `null` when absent).
    pub fn render_value(&self, vars: &Vars) -> Value {
        match self.segments.as_slice() {
            [Segment::Var(v)] => match vars.piece(*v) {
                Some(Piece::Text(s)) => Value::from(s),
                Some(Piece::Number(n)) => Value::from(n),
                None => Value::Null,
            },
            _ => Value::String(self.render(vars)),
        }
    }
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
            if name.1.0 == header::RETRY_AFTER && retry_after_seconds(&rendered).is_none() {
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
                error = error.with_header(name.1.0.clone(), value);
            }
        }
        error
    }
}

/// The loaded catalogue: entries in definition order, and who answers which
/// status number.
#[derive(Debug, Clone)]
pub struct Catalogue {
    scenarios: Vec<Scenario>,
    /// foldhash, not SipHash: looked up twice by every status trigger, and
    /// its keys come from the definitions, not from clients.
    by_status: HashMap<u16, usize, foldhash::fast::FixedState>,
}

impl Catalogue {
    /// Builds the catalogue from parsed files in order (embedded first). The
    /// first file is the built-in catalogue: its entries need no `override`.
    pub fn build(
        sources: &[Source<DefinitionFile>],
        builtin_files: usize,
    ) -> Result<Catalogue, Vec<Problem>> {
        let mut scenarios: Vec<Scenario> = Vec::new();
        let mut by_status = HashMap::default();
        let mut problems = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            let builtin = index < builtin_files;
            for (nth, scenario) in source.content.scenarios.iter().enumerate() {
                let code = scenario.code();
                let same_code = source.content.scenarios[..nth]
                    .iter()
                    .filter(|s| s.code() == code)
                    .count();
                problems.extend(retry_after_problems(source, scenario, same_code));
                if Fault::from_name(code).is_some() {
                    problems.push(source.problem_at(
                        &format!("\"{code}\""),
                        0,
                        format!("errorCode {code} is reserved for a transport fault"),
                    ));
                    continue;
                }
                let existing = scenarios.iter().position(|s| s.code() == code);
                if let Some(i) = existing {
                    if builtin || !scenario.overrides {
                        let nth = source
                            .text
                            .matches(&format!("\"{code}\""))
                            .count()
                            .saturating_sub(1);
                        problems.push(source.problem_at(
                            &format!("\"{code}\""),
                            nth,
                            format!(
                                "errorCode {code} is already defined; set \"override\": true to replace it"
                            ),
                        ));
                        continue;
                    }
                    by_status.retain(|_, v| *v != i);
                    scenarios[i] = scenario.clone();
                } else {
                    scenarios.push(scenario.clone());
                }
                let position = existing.unwrap_or(scenarios.len() - 1);
                if scenario.answers_status {
                    let status = scenario.status.0;
                    if let Some(&other) = by_status.get(&status)
                        && other != position
                        && !scenario.overrides
                    {
                        problems.push(source.problem_at(
                            &format!("\"{code}\""),
                            0,
                            format!(
                                "status {status} is already answered by {}; set \"override\": true to take it over",
                                scenarios.get(other).map_or("another scenario", Scenario::code)
                            ),
                        ));
                        continue;
                    }
                    by_status.insert(status, position);
                }
            }
        }
        match problems.is_empty() {
            true => Ok(Catalogue {
                scenarios,
                by_status,
            }),
            false => Err(problems),
        }
    }

    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    pub fn get(&self, code: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.code() == code)
    }

    /// Every accepted trigger value: codes, fault names, then status numbers
    /// (and `200`).
    pub fn valid_values(&self) -> Vec<String> {
        let mut statuses: Vec<u16> = self.by_status.keys().copied().collect();
        statuses.push(200);
        statuses.sort_unstable();
        self.scenarios
            .iter()
            .map(|s| s.code().to_owned())
            .chain(Fault::ALL.iter().map(|f| f.name().to_owned()))
            .chain(statuses.into_iter().map(|s| s.to_string()))
            .collect()
    }

    /// What one selector element answers.
    pub fn resolve(&self, single: &Single, raw: &str) -> Result<Resolved<'_>, ApiError> {
        let found = match single {
            Single::Status(200) => return Ok(Resolved::Success),
            Single::Status(status) => self
                .by_status
                .get(status)
                .and_then(|&i| self.scenarios.get(i)),
            Single::Code(code) => {
                if let Some(fault) = Fault::from_name(code) {
                    return Ok(Resolved::Fault(fault));
                }
                self.get(code)
            }
        };
        found
            .map(Resolved::Error)
            .ok_or_else(|| ApiError::unknown_scenario(raw, self.valid_values()))
    }

    /// Resolves every element of a selector, so an unknown one is reported
    /// on the first request, not halfway through a sequence.
    pub fn check(&self, selector: &Selector, raw: &str) -> Result<(), ApiError> {
        match selector {
            Selector::One(single) => self.resolve(single, raw).map(|_| ()),
            Selector::Sequence(items) => items
                .iter()
                .try_for_each(|i| self.resolve(i, raw).map(|_| ())),
        }
    }
}

/// A `retryAfter` or fixed `Retry-After` header over `MAX_RETRY_AFTER_SECS`
/// (or not whole seconds), located at the field after the scenario's
/// errorCode (its `nth` occurrence in the file).
fn retry_after_problems(
    source: &Source<DefinitionFile>,
    scenario: &Scenario,
    nth: usize,
) -> Vec<Problem> {
    let code = scenario.code();
    let at = |needle: &str, message: String| {
        let code_needle = format!("\"{code}\"");
        let start = source
            .text
            .match_indices(&code_needle)
            .nth(nth)
            .map_or(0, |(i, _)| i);
        match source.text[start..].find(needle) {
            Some(found) => {
                let before = source.text[..start + found].matches(needle).count();
                source.problem_at(needle, before, message)
            }
            None => source.problem_at(&code_needle, nth, message),
        }
    };
    let mut problems = Vec::new();
    if let Some(seconds) = scenario.retry_after
        && seconds > MAX_RETRY_AFTER_SECS
    {
        problems.push(at(
            "\"retryAfter\"",
            format!(
                "{code}: retryAfter {seconds} is over the maximum of {MAX_RETRY_AFTER_SECS} seconds"
            ),
        ));
    }
    for (name, template) in &scenario.headers {
        let fixed = template.first_var().is_none();
        if name.1.0 == header::RETRY_AFTER
            && fixed
            && retry_after_seconds(&template.source).is_none()
        {
            let plain = !template.source.contains(['"', '\\']);
            let needle = match plain {
                true => format!("\"{}\"", template.source),
                false => format!("\"{}\"", name.0),
            };
            problems.push(at(
                &needle,
                format!(
                    "{code}: header {} must be whole seconds from 0 to {MAX_RETRY_AFTER_SECS}, not '{}'",
                    name.0, template.source
                ),
            ));
        }
    }
    problems
}

/// What a trigger element answers.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    Success,
    Error(&'a Scenario),
    Fault(Fault),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error<'a>(r: Result<Resolved<'a>, ApiError>) -> Option<&'a Scenario> {
        match r.unwrap() {
            Resolved::Error(s) => Some(s),
            _ => None,
        }
    }
    use crate::files;

    fn embedded() -> Catalogue {
        let (sources, problems) = files::read_all(None);
        assert!(problems.is_empty(), "{problems:?}");
        Catalogue::build(&sources, files::EMBEDDED.len()).unwrap()
    }

    #[test]
    fn embedded_catalogue_has_every_documented_scenario_with_its_status() {
        let catalogue = embedded();
        let table = [
            ("INVALID_CRM_CONNECTION", 400),
            ("RECORD_NOT_FOUND", 404),
            ("INVALID_TOKEN_SPECIFIED", 401),
            ("INSUFFICIENT_PERMISSIONS", 403),
            ("REQUEST_THROTTLED", 429),
            ("INTERNAL_SERVER_ERROR", 500),
        ];
        for (code, status) in table {
            let by_code = error(catalogue.resolve(&Single::Code(code.into()), code)).unwrap();
            assert_eq!(by_code.status.0, status, "{code}");
            let by_status = error(catalogue.resolve(&Single::Status(status), "")).unwrap();
            assert_eq!(by_status.code(), code, "{status}");
        }
        assert!(matches!(
            catalogue.resolve(&Single::Status(200), "200"),
            Ok(Resolved::Success)
        ));
        assert!(matches!(
            catalogue.resolve(&Single::Code("slow_body".into()), "slow_body"),
            Ok(Resolved::Fault(Fault::SlowBody))
        ));
    }

    #[test]
    fn unknown_selector_lists_valid_values() {
        let err = embedded().resolve(&Single::Status(418), "418").unwrap_err();
        assert_eq!(err.code, "UNKNOWN_SCENARIO");
        let values = err.details.unwrap()["validValues"].clone();
        assert!(values.as_array().unwrap().iter().any(|v| v == "429"));
        assert!(
            values
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == "REQUEST_THROTTLED")
        );
    }

    #[test]
    fn templates_reject_unknown_placeholders() {
        let err = Template::try_from("Hello {nobody}".to_owned()).unwrap_err();
        assert!(err.contains("unknown placeholder '{nobody}'"), "{err}");
        assert!(Template::try_from("open {recordId".to_owned()).is_err());
    }

    #[test]
    fn single_placeholder_details_keep_their_json_type() {
        let t = Template::try_from("{retryAfter}".to_owned()).unwrap();
        let vars = Vars {
            retry_after: Some(7),
            ..Vars::default()
        };
        assert_eq!(t.render_value(&vars), Value::from(7));
        assert_eq!(t.render_value(&Vars::default()), Value::Null);
    }

    fn user_file(text: &str) -> Result<Catalogue, Vec<Problem>> {
        let (mut sources, _) = files::read_all(None);
        sources.push(files::parse("user.json", text).map_err(|p| vec![p])?);
        Catalogue::build(&sources, files::EMBEDDED.len())
    }

    #[test]
    fn a_user_file_cannot_silently_redefine_a_builtin() {
        let entry = r#"{"errorCode": "REQUEST_THROTTLED", "status": 503, "message": "m"}"#;
        let problems = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap_err();
        assert_eq!(
            (problems[0].file.as_str(), problems[0].line),
            ("user.json", 1)
        );
        assert!(
            problems[0].message.contains("already defined"),
            "{problems:?}"
        );

        let entry = r#"{"errorCode": "REQUEST_THROTTLED", "status": 503, "message": "m", "override": true}"#;
        let catalogue = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap();
        assert_eq!(catalogue.get("REQUEST_THROTTLED").unwrap().status.0, 503);
        // It no longer answers 429, since the override did not claim it.
        assert!(catalogue.resolve(&Single::Status(429), "429").is_err());
    }

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
    fn fault_names_are_reserved() {
        let entry = r#"{"errorCode": "TIMEOUT", "status": 504, "message": "m"}"#;
        let problems = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap_err();
        assert!(problems[0].message.contains("reserved"), "{problems:?}");
    }

    #[test]
    fn a_user_scenario_claims_a_taken_status_only_with_override() {
        let entry =
            r#"{"errorCode": "MY_LIMIT", "status": 429, "message": "m", "answersStatus": true}"#;
        assert!(user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).is_err());
        let entry = r#"{"errorCode": "SERVICE_UNAVAILABLE", "status": 503, "message": "m", "answersStatus": true, "retryAfter": 5}"#;
        let catalogue = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap();
        let s = error(catalogue.resolve(&Single::Status(503), "503")).unwrap();
        let err = s.to_error(&Vars::default(), &Options::default());
        assert_eq!(
            err.headers,
            vec![(header::RETRY_AFTER, HeaderValue::from_static("5"))]
        );
    }

    #[test]
    fn headers_by_reason_replace_or_add_headers_for_that_reason_only() {
        let entry = r#"{"errorCode": "MY_AUTH", "status": 401, "message": "m",
            "headers": {"WWW-Authenticate": "Bearer error=\"invalid_token\"", "X-Kept": "k"},
            "headersByReason": {"missing": {"WWW-Authenticate": "Bearer", "X-Why": "{reason}"}}}"#;
        let catalogue = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap();
        let s = error(catalogue.resolve(&Single::Code("MY_AUTH".into()), "MY_AUTH")).unwrap();
        let headers = |reason: Option<&str>| {
            let options = Options {
                reason: reason.map(Into::into),
                ..Options::default()
            };
            let err = s.to_error(&Vars::default(), &options);
            err.headers
                .iter()
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            headers(Some("missing")),
            ["x-kept: k", "www-authenticate: Bearer", "x-why: missing"]
        );
        for reason in [None, Some("expired")] {
            assert_eq!(
                headers(reason),
                [
                    "www-authenticate: Bearer error=\"invalid_token\"",
                    "x-kept: k"
                ],
                "{reason:?}"
            );
        }
    }
}
