//! The contract as rules: each rule is a pure function over what was sent
//! and what came back (status, headers, body, elapsed time) and returns a
//! `Finding` (pass, fail, warn or skip, with a one-line message), or nothing
//! when the exchange is not one the rule speaks about. `RULES` lists them
//! with the contract clause each one checks.
//!
//! Three users, one set of rules: `verify` probes a real connector and
//! judges its answers; the black-box tests judge every answer of this
//! server; the proxy (later) judges traffic passing through. So nothing here
//! sends a request, reads a clock or knows this server's configuration:
//! what a rule needs to know (the latency budget, that a record is missing)
//! is an argument.
//!
//! `every` runs the rules any single answer can break; the rules that need
//! an intent (`expect_error`, `expect_success`) or two answers (`paging::skip`,
//! `paging::has_more`, `language`) are called by whoever made the probes.

mod answer;
pub mod document;
mod errors;
mod exchange;
pub mod paging;
pub mod quick;
mod success;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use answer::{budget, language};
pub use errors::{activity_id, code_status, expect_error, invalid_input, retry_after, shape};
pub use exchange::{Exchange, Got, Sent};
pub use success::{datetime, envelope, expect_success, items};

/// What a rule says of an exchange, from the least to the most telling
/// (`summarize` keeps the greatest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Skip,
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Skip => "skip",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// One rule's verdict on one exchange (or on several, or on a document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub verdict: Verdict,
    pub message: String,
}

impl Finding {
    pub fn new(rule: &'static str, verdict: Verdict, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            verdict,
            message: message.into(),
        }
    }
}

/// A rule an answer broke, as the journal keeps it (proxy mode): the rule
/// and the finding's message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub rule: &'static str,
    pub message: String,
}

/// A rule: its id, what it checks, and the clause of `contract.md` (and the
/// upstream page named there) it stands for.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub checks: &'static str,
    pub clause: &'static str,
}

const fn rule(id: &'static str, checks: &'static str, clause: &'static str) -> Rule {
    Rule { id, checks, clause }
}

pub const ENVELOPE: &str = "success.envelope";
pub const ACTIVITY: &str = "success.activity";
pub const RECORD: &str = "success.record";
pub const DATETIME: &str = "success.datetime";
pub const TOP: &str = "paging.top";
pub const SKIP: &str = "paging.skip";
pub const HAS_MORE: &str = "paging.has-more";
pub const WINDOW: &str = "window.dates";
pub const SHAPE: &str = "error.shape";
pub const CODE_STATUS: &str = "error.code-status";
pub const INVALID_INPUT: &str = "error.invalid-input";
pub const NOT_FOUND: &str = "error.not-found";
pub const AUTH: &str = "error.auth";
pub const CRM_MISMATCH: &str = "error.crm-mismatch";
pub const RETRY_AFTER: &str = "throttle.retry-after";
pub const ACTIVITY_ID: &str = "activity-id.echo";
pub const LANGUAGE: &str = "language.content";
pub const BUDGET: &str = "latency.budget";
pub const DOCUMENT: &str = "document.operations";

/// Every rule, in the order reports list them.
pub const RULES: [Rule; 19] = [
    rule(
        ENVELOPE,
        "200, application/json, an object with array value, hasMoreResults boolean when present",
        "Part 1, Success body (extend-record-summary, extend-record-details)",
    ),
    rule(
        ACTIVITY,
        "each activity has title, description, dateTime; strings non-empty; url a string; additionalProperties an object of strings",
        "Part 1, Activity item (extend-record-summary)",
    ),
    rule(
        RECORD,
        "each record has recordId, recordType, recordTypeDisplayName, recordTypePluralDisplayName, recordTitle; strings non-empty; url a string; additionalProperties an object of strings",
        "Part 1, Related-record item (extend-record-details)",
    ),
    rule(
        DATETIME,
        "dateTime is RFC 3339 in UTC (fractional seconds allowed)",
        "Part 1, Activity item; Part 3, fractional seconds",
    ),
    rule(
        TOP,
        "top=N returns at most N items; top=0 none",
        "Part 1, parameters; Part 2 §9",
    ),
    rule(
        SKIP,
        "skip moves the window: page 2 starts where page 1 ended",
        "Part 1, parameters",
    ),
    rule(
        HAS_MORE,
        "hasMoreResults is true exactly when items remain (absent: fine at the end, a warning before it)",
        "Part 1, Success body",
    ),
    rule(
        WINDOW,
        "every activity lies inside [startDateTime, endDateTime]",
        "Part 1, parameters (extend-record-summary)",
    ),
    rule(
        SHAPE,
        "every 4xx/5xx is application/json: non-empty string errorCode, optional string errorMessage/activityId, object details",
        "Part 1, Error body",
    ),
    rule(
        CODE_STATUS,
        "a documented errorCode comes with its documented status",
        "Part 1, the documented scenarios",
    ),
    rule(
        INVALID_INPUT,
        "a missing recordId or recordType, or a top/skip that is not a non-negative integer, gets a 4xx in the standard shape",
        "Part 1, parameters and Error body; Part 2 §6",
    ),
    rule(
        NOT_FOUND,
        "a record named as missing gets 404 RECORD_NOT_FOUND",
        "Part 1, the documented scenarios",
    ),
    rule(
        AUTH,
        "no token or a bad token gets 401 INVALID_TOKEN_SPECIFIED",
        "Part 1, the documented scenarios",
    ),
    rule(
        CRM_MISMATCH,
        "another crmType or crmOrgUrl than the connector's gets 400 INVALID_CRM_CONNECTION",
        "Part 1, the documented scenarios",
    ),
    rule(
        RETRY_AFTER,
        "a 429 carries Retry-After (integer seconds or an HTTP date)",
        "Part 2 §5 (this project's addition; RFC 9110 §10.2.3)",
    ),
    rule(
        ACTIVITY_ID,
        "an error body's activityId equals the sent x-ms-client-request-id (a warning)",
        "Part 1, Error body and request headers; Part 2 §4",
    ),
    rule(
        LANGUAGE,
        "with Accept-Language de or fr, the texts or Content-Language change (a warning)",
        "Part 1, request headers",
    ),
    rule(
        BUDGET,
        "every answer within the budget (default 5000 ms)",
        "Part 1, upstream rules; Part 3",
    ),
    rule(
        DOCUMENT,
        "Swagger 2.0, both operation ids, the contract's parameter names and types, no extra required parameter, no connectorId, descriptions on operations and parameters",
        "Part 1, upstream rules; Part 3, matching by description, reserved connectorId",
    ),
];

/// The rules any one answer can break, for any request: what the tests run
/// on every answer and the proxy on all traffic. `limit` is the latency
/// budget, or `None` to leave latency out (a test that asks for a delay).
pub fn every(exchange: &Exchange, limit: Option<Duration>) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(envelope(exchange));
    findings.extend(items(exchange));
    findings.extend(datetime(exchange));
    findings.extend(paging::top(exchange));
    findings.extend(paging::window(exchange));
    findings.extend(shape(exchange));
    findings.extend(code_status(exchange));
    findings.extend(invalid_input(exchange));
    findings.extend(retry_after(exchange));
    findings.extend(activity_id(exchange));
    if let Some(limit) = limit {
        findings.push(budget(exchange, limit));
    }
    findings
}

/// One line per rule from many findings: the worst verdict wins (fail, then
/// warn, then pass, then skip) and its first message is kept, with a count
/// of the others that share it. A rule without findings is a skip with
/// `skipped[rule]`'s reason, or "no exchange it applies to".
pub fn summarize(
    findings: &[Finding],
    skipped: &dyn Fn(&str) -> Option<String>,
) -> Vec<(Rule, Finding)> {
    RULES
        .iter()
        .map(|rule| {
            let mine: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule.id).collect();
            let worst = mine.iter().map(|f| f.verdict).max();
            let finding = match worst {
                None => Finding::new(
                    rule.id,
                    Verdict::Skip,
                    skipped(rule.id).unwrap_or_else(|| "no exchange it applies to".into()),
                ),
                Some(verdict) => {
                    let same: Vec<&&Finding> =
                        mine.iter().filter(|f| f.verdict == verdict).collect();
                    let mut message = same[0].message.clone();
                    if verdict != Verdict::Skip && same.len() > 1 {
                        message.push_str(&format!(" ({} checks in all)", same.len()));
                    }
                    Finding::new(rule.id, verdict, message)
                }
            };
            (*rule, finding)
        })
        .collect()
}
