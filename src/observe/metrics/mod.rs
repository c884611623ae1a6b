//! `GET /metrics` through the official `prometheus-client` crate: requests
//! by operation, status and scenario; a latency histogram by operation;
//! Retry-After violations; journal evictions; log lines dropped (see
//! `logsink`). Counters are monotonic: `POST /__admin/reset` does not reset
//! them (Prometheus computes rates from them).
//!
//! Two formats, by the request's `Accept`: see `format`.
//!
//! Rationale: prometheus-client's `Family` and `Histogram` keep one lock and
//! one set of counters for all threads, so both workers wrote the same memory
//! on every request. Requests are counted per thread instead (see `shard`),
//! and one `Collector` sums the shards when `/metrics` is scraped and encodes
//! them with prometheus-client's encoder, so the exposition is unchanged.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::shard::Sharded;

mod format;

pub use format::Format;
use format::to_text_0_0_4;

/// Labels borrow `'static` names where they can, so counting a request
/// allocates nothing for the built-in codes.
#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct RequestLabels {
    pub operation: &'static str,
    pub status: u16,
    pub scenario: Cow<'static, str>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: &'static str,
}

/// A label borrowed for the codes the server writes itself (every
/// `contract::ERROR_CODES`, which include the built-in catalogue's, and the
/// transport faults' names) and for a success's empty scenario; a code only
/// a loaded catalogue has is copied.
fn scenario_label(scenario: &str) -> Cow<'static, str> {
    let known = crate::contract::ERROR_CODES.iter().copied();
    let faults = crate::definitions::fault::Fault::ALL
        .into_iter()
        .map(crate::definitions::fault::Fault::name);
    match known.chain(faults).chain([""]).find(|c| *c == scenario) {
        Some(code) => Cow::Borrowed(code),
        None => Cow::Owned(scenario.to_owned()),
    }
}

/// Latency bucket upper bounds: 1 ms doubling to ~16 s (covers delays,
/// TIMEOUT and slow bodies), then +Inf.
const BUCKETS: usize = 16;

fn upper_bound(index: usize) -> f64 {
    match index {
        i if i + 1 < BUCKETS => 0.001 * f64::from(1u32 << i),
        _ => f64::INFINITY,
    }
}

/// One answered request, as the metrics count it.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub operation: &'static str,
    pub status: u16,
    /// The errorCode or fault name sent; empty for a success.
    pub scenario: &'a str,
    pub seconds: f64,
    pub retry_after_violation: bool,
    pub journal_eviction: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Latency {
    sum: f64,
    count: u64,
    /// Observations per bucket (not cumulative; the encoder accumulates).
    buckets: [u64; BUCKETS],
}

impl Latency {
    fn observe(&mut self, seconds: f64) {
        self.sum += seconds;
        self.count += 1;
        let index = (0..BUCKETS)
            .find(|i| seconds <= upper_bound(*i))
            .unwrap_or(BUCKETS - 1);
        if let Some(bucket) = self.buckets.get_mut(index) {
            *bucket += 1;
        }
    }

    fn add(&mut self, other: &Latency) {
        self.sum += other.sum;
        self.count += other.count;
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
    }
}

/// One thread's counts. The label sets seen are few (operations times
/// answers), so a short list beats a hash map here.
#[derive(Debug, Default)]
struct Counts {
    requests: Vec<(RequestLabels, u64)>,
    latency: Vec<(&'static str, Latency)>,
    retry_after_violations: u64,
    journal_evictions: u64,
}

impl Counts {
    fn record(&mut self, o: &Observation) {
        match self.requests.iter_mut().find(|(l, _)| {
            l.operation == o.operation && l.status == o.status && l.scenario == o.scenario
        }) {
            Some((_, n)) => *n += 1,
            None => self.requests.push((
                RequestLabels {
                    operation: o.operation,
                    status: o.status,
                    scenario: scenario_label(o.scenario),
                },
                1,
            )),
        }
        match self.latency.iter_mut().find(|(op, _)| *op == o.operation) {
            Some((_, latency)) => latency.observe(o.seconds),
            None => {
                let mut latency = Latency::default();
                latency.observe(o.seconds);
                self.latency.push((o.operation, latency));
            }
        }
        self.retry_after_violations += u64::from(o.retry_after_violation);
        self.journal_evictions += u64::from(o.journal_eviction);
    }
}

/// The per-thread counts, encoded as the four metric families.
#[derive(Debug, Default)]
struct Shards(Sharded<Counts>);

impl Collector for Shards {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut requests: BTreeMap<RequestLabels, u64> = BTreeMap::new();
        let mut latency: BTreeMap<&'static str, Latency> = BTreeMap::new();
        let (mut violations, mut evictions) = (0, 0);
        for counts in self.0.each() {
            for (labels, n) in &counts.requests {
                *requests.entry(labels.clone()).or_default() += n;
            }
            for (operation, l) in &counts.latency {
                latency.entry(operation).or_default().add(l);
            }
            violations += counts.retry_after_violations;
            evictions += counts.journal_evictions;
        }

        let mut family = encoder.encode_descriptor(
            "requests",
            "Requests answered, by operation, status and scenario.",
            None,
            MetricType::Counter,
        )?;
        for (labels, n) in &requests {
            ConstCounter::new(*n).encode(family.encode_family(labels)?)?;
        }
        let mut family = encoder.encode_descriptor(
            "request_duration_seconds",
            "Time to answer, by operation.",
            None,
            MetricType::Histogram,
        )?;
        for (operation, l) in &latency {
            let buckets: Vec<(f64, u64)> = l
                .buckets
                .iter()
                .enumerate()
                .map(|(i, n)| (upper_bound(i), *n))
                .collect();
            family
                .encode_family(&OperationLabels { operation })?
                .encode_histogram::<NoLabelSet>(l.sum, l.count, &buckets, None)?;
        }
        for (name, help, value) in [
            (
                "retry_after_violations",
                "Requests that came back before their Retry-After elapsed.",
                violations,
            ),
            (
                "journal_evictions",
                "Journal entries evicted at capacity.",
                evictions,
            ),
            (
                "log_lines_dropped",
                "Log lines dropped because stderr could not take them.",
                crate::observe::logsink::dropped(),
            ),
        ] {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

/// The rule an upstream answer broke (proxy mode).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RuleLabels {
    pub rule: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    shards: Arc<Shards>,
    /// Off the hot path (proxy mode only): prometheus-client's own family.
    upstream_violations: Family<RuleLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("crm_mock");
        let shards = Arc::new(Shards::default());
        registry.register_collector(Box::new(shards.clone()));
        let upstream_violations = Family::<RuleLabels, Counter>::default();
        registry.register(
            "upstream_contract_violations",
            "Upstream answers that broke a contract rule (proxy mode), by rule.",
            upstream_violations.clone(),
        );
        Metrics {
            registry,
            shards,
            upstream_violations,
        }
    }
}

impl Metrics {
    /// Counts one answered request (on this thread's shard).
    pub fn observe(&self, observation: &Observation) {
        self.shards.0.mine().record(observation);
    }

    /// Counts an upstream answer that broke `rule`.
    pub fn violated(&self, rule: &'static str) {
        self.upstream_violations
            .get_or_create(&RuleLabels { rule })
            .inc();
    }

    /// The exposition in `format`.
    pub fn render(&self, format: Format) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        match format {
            Format::OpenMetrics => out,
            Format::Text => to_text_0_0_4(&out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family() {
        let metrics = Metrics::default();
        metrics.observe(&Observation {
            operation: "scp-get-related-records",
            status: 429,
            scenario: "REQUEST_THROTTLED",
            seconds: 0.002,
            retry_after_violation: true,
            journal_eviction: false,
        });
        let text = metrics.render(Format::OpenMetrics);
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
        assert!(text.contains("crm_mock_log_lines_dropped_total "), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn every_code_and_fault_the_server_writes_is_labelled_without_allocating() {
        let faults =
            crate::definitions::fault::Fault::ALL.map(crate::definitions::fault::Fault::name);
        let written = crate::contract::ERROR_CODES.iter().chain(&faults);
        for code in written.chain(&[""]) {
            assert!(
                matches!(scenario_label(code), Cow::Borrowed(label) if label == *code),
                "{code}"
            );
        }
    }

    #[test]
    fn a_refused_over_long_query_is_counted_under_its_own_code() {
        let metrics = Metrics::default();
        metrics.observe(&Observation {
            operation: "unmatched",
            status: 414,
            scenario: crate::contract::URI_TOO_LONG,
            seconds: 0.0,
            retry_after_violation: false,
            journal_eviction: false,
        });
        let text = metrics.render(Format::Text);
        assert!(text.contains(r#"crm_mock_requests_total{operation="unmatched",status="414",scenario="URI_TOO_LONG"} 1"#), "{text}");
    }

    #[test]
    fn counts_from_several_threads_are_summed() {
        let metrics = Metrics::default();
        let ok = Observation {
            operation: "scp-get-related-activities",
            status: 200,
            scenario: "",
            seconds: 0.0015,
            retry_after_violation: false,
            journal_eviction: true,
        };
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for _ in 0..2 {
                        metrics.observe(&ok);
                    }
                });
            }
        });
        let text = metrics.render(Format::Text);
        assert!(text.contains(r#"crm_mock_requests_total{operation="scp-get-related-activities",status="200",scenario=""} 6"#), "{text}");
        assert!(text.contains(r#"crm_mock_request_duration_seconds_count{operation="scp-get-related-activities"} 6"#), "{text}");
        // 1.5 ms falls in the 2 ms bucket; buckets are cumulative.
        assert!(text.contains(r#"crm_mock_request_duration_seconds_bucket{le="0.001",operation="scp-get-related-activities"} 0"#), "{text}");
        assert!(text.contains(r#"crm_mock_request_duration_seconds_bucket{le="0.002",operation="scp-get-related-activities"} 6"#), "{text}");
        assert!(text.contains(r#"crm_mock_request_duration_seconds_bucket{le="+Inf",operation="scp-get-related-activities"} 6"#), "{text}");
        assert!(
            text.contains("crm_mock_journal_evictions_total 6"),
            "{text}"
        );
    }
}
