//! `GET /metrics` in the Prometheus text exposition format, through the
//! official `prometheus-client` crate: requests by operation, status and
//! scenario; a latency histogram by operation; Retry-After violations;
//! journal evictions. Counters are monotonic: `POST /__admin/reset` does not
//! reset them (Prometheus computes rates from them).

use std::borrow::Cow;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels borrow `'static` names where they can, so counting a request
/// allocates nothing for the built-in codes.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub operation: &'static str,
    pub status: u16,
    pub scenario: Cow<'static, str>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: &'static str,
}

/// The codes the server itself knows, for allocation-free labels.
const KNOWN_CODES: [&str; 21] = [
    "",
    "INVALID_CRM_CONNECTION",
    "RECORD_NOT_FOUND",
    "INVALID_TOKEN_SPECIFIED",
    "INSUFFICIENT_PERMISSIONS",
    "REQUEST_THROTTLED",
    "INTERNAL_SERVER_ERROR",
    "INVALID_REQUEST",
    "UNKNOWN_SCENARIO",
    "ROUTE_NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "ADMIN_UNAUTHORIZED",
    "PAYLOAD_TOO_LARGE",
    "INVALID_DEFINITIONS",
    "TIMEOUT",
    "CONNECTION_RESET",
    "EMPTY_RESPONSE",
    "EMPTY_BODY",
    "MALFORMED_JSON",
    "TRUNCATED_BODY",
    "SLOW_BODY",
];

fn scenario_label(scenario: &str) -> Cow<'static, str> {
    match KNOWN_CODES.iter().find(|c| **c == scenario) {
        Some(code) => Cow::Borrowed(code),
        None => Cow::Owned(scenario.to_owned()),
    }
}

fn latency_histogram() -> Histogram {
    // 1 ms .. ~16 s: covers delays, TIMEOUT and slow bodies.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.001, 2.0, 15,
    ))
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub duration: Family<OperationLabels, Histogram, fn() -> Histogram>,
    pub retry_after_violations: Counter,
    pub journal_evictions: Counter,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("crm_mock");
        let requests = Family::<RequestLabels, Counter>::default();
        let duration =
            Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        let retry_after_violations = Counter::default();
        let journal_evictions = Counter::default();
        registry.register(
            "requests",
            "Requests answered, by operation, status and scenario",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer, by operation",
            duration.clone(),
        );
        registry.register(
            "retry_after_violations",
            "Requests that came back before their Retry-After elapsed",
            retry_after_violations.clone(),
        );
        registry.register(
            "journal_evictions",
            "Journal entries evicted at capacity",
            journal_evictions.clone(),
        );
        Metrics {
            registry,
            requests,
            duration,
            retry_after_violations,
            journal_evictions,
        }
    }
}

impl Metrics {
    pub fn observe(&self, operation: &'static str, status: u16, scenario: &str, seconds: f64) {
        let labels = RequestLabels {
            operation,
            status,
            scenario: scenario_label(scenario),
        };
        self.requests.get_or_create(&labels).inc();
        self.duration
            .get_or_create(&OperationLabels { operation })
            .observe(seconds);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family() {
        let metrics = Metrics::default();
        metrics.observe("scp-get-related-records", 429, "REQUEST_THROTTLED", 0.002);
        metrics.retry_after_violations.inc();
        let text = metrics.render();
        assert!(text.contains(r#"crm_mock_requests_total{operation="scp-get-related-records",status="429",scenario="REQUEST_THROTTLED"} 1"#), "{text}");
        assert!(
            text.contains("crm_mock_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(
            text.contains("crm_mock_retry_after_violations_total 1"),
            "{text}"
        );
        assert!(
            text.contains("crm_mock_journal_evictions_total 0"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
