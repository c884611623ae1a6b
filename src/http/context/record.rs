//! What the envelope records of each answered request once it is done:
//! the access log line, the metrics and (for all but the reserved paths) the
//! journal entry. It decides nothing about the answer.

use actix_web::http::Method;

use super::Outcome;
use crate::connector::state::AppState;
use crate::contract::{HEALTH_PATH, METRICS_PATH, OPENAPI_PATH, Operation, reserved};
use crate::observe::journal::Answer;
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

/// Metrics for every request; the journal entry's answer for one that
/// arrived in the journal as `journal_id`, with the `Retry-After` it sent.
pub(super) fn record(
    state: &AppState,
    outcome: Outcome,
    status: u16,
    seconds: f64,
    path: &str,
    activity_id: &str,
    journaled: Option<(u64, Option<&[u8]>)>,
) {
    let operation = outcome
        .operation
        .map_or_else(|| endpoint_label(path), Operation::id);
    let journal_eviction = journaled.is_some_and(|(id, retry_after)| {
        state.journal().record(
            id,
            Answer {
                status,
                operation: outcome.operation.map(Operation::id),
                // Errors only: a success has no scenario to copy.
                scenario: outcome.scenario.clone(),
                session: outcome.session,
                activity_id,
                seconds,
                retry_after_violation: outcome.retry_after_violation,
                retry_after,
                upstream: outcome.upstream,
                contract_violations: outcome.violations.clone(),
            },
        )
    });
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
    use std::sync::Arc;

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
