//! What the envelope records of each answered request once it is done:
//! the access log line, the metrics and (for all but the reserved paths) the
//! journal entry. It decides nothing about the answer.

use std::sync::Arc;

use actix_web::http::{Method, Uri};

use super::Outcome;
use crate::connector::state::AppState;
use crate::contract::{HEALTH_PATH, METRICS_PATH, OPENAPI_PATH, Operation, reserved};
use crate::observe::journal::{
    Entry, Headers, MAX_ID_BYTES, MAX_METHOD_BYTES, RetryAfter, Target, keep_str,
};
use crate::observe::metrics::Observation;

/// Paths the journal skips: the reserved ones (the service endpoints and
/// the admin API).
pub(super) fn journaled(path: &str) -> bool {
    reserved(path).is_none()
}

/// The metrics label of a request that is not a connector operation.
fn endpoint_label(path: &str) -> &'static str {
    match reserved(path) {
        Some(HEALTH_PATH) => "health",
        Some(OPENAPI_PATH) => "openapi",
        Some(METRICS_PATH) => "metrics",
        Some(_) => "admin",
        None => "unmatched",
    }
}

/// What the journal keeps of the request, captured before it is handed on.
pub(super) struct Seen {
    /// The arrival number: the journal lists by it.
    pub id: u64,
    pub at: std::time::SystemTime,
    pub headers: Headers,
    /// Whether a header was cut or dropped (or the Retry-After cut).
    pub truncated: bool,
    /// The answer's `Retry-After`, set once the answer is known.
    pub retry_after: RetryAfter,
}

/// `GET /path 200 scenario=X 0.1ms activityId=...` (no scenario on success).
pub(super) fn access_line(
    line: &mut Vec<u8>,
    method: &Method,
    path: &str,
    status: u16,
    outcome: &Outcome,
    elapsed: std::time::Duration,
    activity_id: &str,
) {
    let mut number = itoa::Buffer::new();
    line.extend_from_slice(method.as_str().as_bytes());
    line.push(b' ');
    line.extend_from_slice(path.as_bytes());
    line.push(b' ');
    line.extend_from_slice(number.format(status).as_bytes());
    if let Some(scenario) = &outcome.scenario {
        line.extend_from_slice(b" scenario=");
        line.extend_from_slice(scenario.as_bytes());
    }
    let micros = elapsed.as_micros();
    line.push(b' ');
    line.extend_from_slice(number.format(micros / 1000).as_bytes());
    line.push(b'.');
    line.extend_from_slice(number.format(micros % 1000 / 100).as_bytes());
    line.extend_from_slice(b"ms activityId=");
    line.extend_from_slice(activity_id.as_bytes());
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

/// Metrics for every request; a journal entry for those `seen` captured.
pub(super) fn record(
    state: &AppState,
    outcome: Outcome,
    status: u16,
    seconds: f64,
    (method, uri): (&Method, &Uri),
    activity_id: &Arc<str>,
    seen: Option<Seen>,
) {
    let operation = outcome
        .operation
        .map_or_else(|| endpoint_label(uri.path()), Operation::id);
    let journal_eviction = match seen {
        Some(seen) => {
            let (target, target_cut) = Target::new(uri);
            // Client-chosen values, rarely long: copied (cut) only then.
            let session_cut = outcome
                .session
                .as_deref()
                .and_then(|s| keep_str(s, MAX_ID_BYTES));
            let id_cut = keep_str(activity_id, MAX_ID_BYTES);
            let (method, method_cut) = kept_method(method);
            let truncated = seen.truncated
                || target_cut
                || method_cut
                || id_cut.is_some()
                || session_cut.is_some();
            let session = session_cut.or(outcome.session);
            let activity_id = id_cut.map_or_else(|| activity_id.clone(), Arc::from);
            state.journal().record(Entry {
                id: seen.id,
                at: seen.at,
                method,
                target,
                headers: seen.headers,
                status,
                operation: outcome.operation.map(Operation::id),
                // Errors only: a success has no scenario to copy.
                scenario: outcome.scenario.clone(),
                session,
                activity_id,
                duration_ms: (seconds * 1_000_000.0).round() / 1000.0,
                retry_after_violation: outcome.retry_after_violation,
                retry_after: seen.retry_after,
                upstream: outcome.upstream,
                contract_violations: outcome.violations.clone().into_boxed_slice(),
                truncated,
            })
        }
        None => false,
    };
    for violation in &outcome.violations {
        state.metrics.violated(violation.rule);
    }
    state.metrics.observe(&Observation {
        operation,
        status,
        scenario: outcome.scenario.as_deref().unwrap_or(""),
        seconds,
        retry_after_violation: outcome.retry_after_violation,
        journal_eviction,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_paths_are_not_journaled_and_are_labelled_by_endpoint() {
        let cases = [
            ("/health", false, "health"),
            ("/openapi.json", false, "openapi"),
            ("/metrics", false, "metrics"),
            ("/__admin/requests", false, "admin"),
            ("/api/related-records", true, "unmatched"),
            ("/nowhere", true, "unmatched"),
        ];
        for (path, journal, label) in cases {
            assert_eq!(journaled(path), journal, "{path}");
            assert_eq!(endpoint_label(path), label, "{path}");
        }
    }

    #[test]
    fn a_long_custom_method_is_kept_cut_and_a_standard_one_whole() {
        let long = Method::from_bytes("X".repeat(40).as_bytes()).unwrap();
        let (kept, cut) = kept_method(&long);
        assert!(cut);
        assert_eq!(kept.as_str().len(), MAX_METHOD_BYTES);
        assert_eq!(kept_method(&Method::GET), (Method::GET, false));
    }

    #[test]
    fn the_access_line_names_the_scenario_only_on_an_error() {
        let cases = [
            (None, "GET /r 200 1.2ms activityId=a"),
            (
                Some("REQUEST_THROTTLED"),
                "GET /r 200 scenario=REQUEST_THROTTLED 1.2ms activityId=a",
            ),
        ];
        for (scenario, expected) in cases {
            let outcome = Outcome {
                scenario: scenario.map(Arc::from),
                ..Outcome::default()
            };
            let mut line = Vec::new();
            let elapsed = std::time::Duration::from_micros(1234);
            access_line(&mut line, &Method::GET, "/r", 200, &outcome, elapsed, "a");
            assert_eq!(String::from_utf8(line).unwrap(), expected);
        }
    }
}
