//! The error standard: the body's shape, the documented code-status pairs,
//! invalid input, the answer a probe expects, `Retry-After` on a 429, and
//! the activityId (contract Part 1 "Error body", Part 2 §4-§6).

use serde_json::Value;

use super::{
    ACTIVITY_ID, CODE_STATUS, Exchange, Finding, INVALID_INPUT, RETRY_AFTER, SHAPE, Sent, Verdict,
};
use crate::contract::fields::documented_status;

fn is_error(x: &Exchange) -> bool {
    (400..600).contains(&x.got.status)
}

/// What is wrong with the standard error shape of this answer, if anything:
/// a failure, or a warning for a null optional field (common from .NET
/// serializers; Swagger 2.0 has no nullable, so a validating client rejects it).
fn shape_problem(x: &Exchange) -> Option<(Verdict, String)> {
    if !x.got.is_json_type() {
        let found = x.got.header("content-type").unwrap_or("(none)");
        return Some((
            Verdict::Fail,
            format!("Content-Type {found:?}, expected application/json"),
        ));
    }
    let Some(body) = x.got.json.as_ref().and_then(Value::as_object) else {
        return Some((Verdict::Fail, "the body is not a JSON object".into()));
    };
    match body.get("errorCode") {
        Some(Value::String(code)) if !code.is_empty() => {}
        Some(other) => {
            return Some((
                Verdict::Fail,
                format!("errorCode is {other}, expected a non-empty string"),
            ));
        }
        None => return Some((Verdict::Fail, "no errorCode".into())),
    }
    let mut warning = None;
    for (name, want_object) in [
        ("errorMessage", false),
        ("activityId", false),
        ("details", true),
    ] {
        match body.get(name) {
            None => {}
            Some(Value::String(_)) if !want_object => {}
            Some(Value::Object(_)) if want_object => {}
            Some(Value::Null) => {
                warning.get_or_insert((Verdict::Warn, format!("{name} is null")));
            }
            Some(other) => {
                let want = if want_object { "an object" } else { "a string" };
                return Some((Verdict::Fail, format!("{name} is {other}, expected {want}")));
            }
        }
    }
    warning
}

/// `error.shape` on every 4xx/5xx.
pub fn shape(x: &Exchange) -> Option<Finding> {
    if !is_error(x) {
        return None;
    }
    Some(match shape_problem(x) {
        Some((verdict, problem)) => {
            Finding::new(SHAPE, verdict, format!("{}; {problem}", x.said()))
        }
        None => Finding::new(
            SHAPE,
            Verdict::Pass,
            format!("{} in the standard shape", x.said()),
        ),
    })
}

/// `error.code-status` on an error body whose errorCode is one of the six.
pub fn code_status(x: &Exchange) -> Option<Finding> {
    if !is_error(x) {
        return None;
    }
    let code = x.got.error_code()?;
    let want = documented_status(code)?;
    Some(if x.got.status == want {
        Finding::new(CODE_STATUS, Verdict::Pass, x.said())
    } else {
        Finding::new(
            CODE_STATUS,
            Verdict::Fail,
            format!("{}; {code} comes with {want}", x.said()),
        )
    })
}

/// What is invalid about a request to an operation, by the contract alone:
/// a missing required input, or a count that is not a non-negative int32.
pub(super) fn invalid(sent: &Sent) -> Option<String> {
    sent.operation?;
    for name in ["recordType", "recordId"] {
        if sent.param(name).is_none() {
            return Some(format!("no {name}"));
        }
    }
    for name in ["top", "skip"] {
        if let Some(value) = sent.param(name).filter(|_| sent.count(name).is_none()) {
            return Some(format!("{name}={value}"));
        }
    }
    None
}

/// `error.invalid-input` on a request the contract calls invalid: a 4xx in
/// the standard shape (not HTML, not a 200, not a 500).
pub fn invalid_input(x: &Exchange) -> Option<Finding> {
    let what = invalid(&x.sent)?;
    let status = x.got.status;
    let problem = if !(400..500).contains(&status) {
        Some(format!("expected a 4xx for {what}"))
    } else {
        match shape_problem(x) {
            Some((Verdict::Fail, problem)) => Some(format!("{problem} (for {what})")),
            _ => None,
        }
    };
    Some(match problem {
        Some(problem) => Finding::new(
            INVALID_INPUT,
            Verdict::Fail,
            format!("{}; {problem}", x.said()),
        ),
        None => Finding::new(
            INVALID_INPUT,
            Verdict::Pass,
            format!("{} for {what}", x.said()),
        ),
    })
}

/// A probe that must get `status` with `error_code` (`error.not-found`,
/// `error.auth`, `error.crm-mismatch`): passes only on both.
pub fn expect_error(x: &Exchange, rule: &'static str, status: u16, error_code: &str) -> Finding {
    if x.got.status == status && x.got.error_code() == Some(error_code) {
        Finding::new(rule, Verdict::Pass, x.said())
    } else {
        Finding::new(
            rule,
            Verdict::Fail,
            format!("{}; expected {status} {error_code}", x.said()),
        )
    }
}

/// `throttle.retry-after` on every 429: integer seconds or an HTTP date.
pub fn retry_after(x: &Exchange) -> Option<Finding> {
    if x.got.status != 429 {
        return None;
    }
    let (verdict, what) = match x.got.header("retry-after").map(str::trim) {
        None => (Verdict::Fail, "no Retry-After".to_owned()),
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            (Verdict::Pass, format!("Retry-After: {v}"))
        }
        Some(v) if httpdate::parse_http_date(v).is_ok() => {
            (Verdict::Pass, format!("Retry-After: {v}"))
        }
        Some(v) => (
            Verdict::Fail,
            format!("Retry-After {v:?} is neither integer seconds nor an HTTP date"),
        ),
    };
    Some(Finding::new(
        RETRY_AFTER,
        verdict,
        format!("{}; {what}", x.said()),
    ))
}

/// `activity-id.echo` on an error body when `x-ms-client-request-id` was
/// sent: the body's activityId should be that id. A warning: the upstream
/// only says "unique identifier for the request".
pub fn activity_id(x: &Exchange) -> Option<Finding> {
    if !is_error(x) {
        return None;
    }
    let sent = x
        .sent
        .header(crate::contract::CLIENT_REQUEST_ID)
        .filter(|v| !v.is_empty())?;
    x.got.error_code()?;
    let body = x.got.json.as_ref()?;
    Some(match body.get("activityId").and_then(Value::as_str) {
        Some(id) if id == sent => Finding::new(ACTIVITY_ID, Verdict::Pass, x.said()),
        Some(id) => Finding::new(
            ACTIVITY_ID,
            Verdict::Warn,
            format!(
                "{}; activityId {id:?} is not the sent x-ms-client-request-id {sent:?}",
                x.said()
            ),
        ),
        None => Finding::new(
            ACTIVITY_ID,
            Verdict::Warn,
            format!(
                "{}; no activityId (sent x-ms-client-request-id {sent:?})",
                x.said()
            ),
        ),
    })
}
