//! The plan of probes: which requests `verify` sends and which rule judges
//! each answer. Every answer goes through `rules::every` (shape, items,
//! dates, paging, errors, latency); a probe made for one rule adds that
//! rule's own judgement (`expect_error`, `skip`, `has_more`, `language`).
//!
//! Per operation: the record as given; `top=4` and pages of two (`skip` 0,
//! 2, 4, ... until an empty page, at most `PAGES`); `top=0`; a missing
//! `recordId` or `recordType`, `top=-1`, `top=abc` and `skip=-1`; `Accept-Language: de` and `fr`; and
//! when the options enable them, the missing record, no token and a bad
//! token, the other CRM type and another organization. Activities also get
//! two time windows. About 40 requests in all, one at a time.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::Client;
use super::report::Outcome;
use super::{BURST, Options};
use crate::contract::Operation;
use crate::contract::rules::{self, Exchange, Finding, Verdict};

/// Pages of `PAGE` items, at most `PAGES` of them, for skip and has-more.
const PAGE: usize = 2;
const PAGES: usize = 5;
/// Unanswered requests in a row after which the run stops sending.
const GIVE_UP: usize = 2;
/// Another organization than any connector's, for error.crm-mismatch.
const OTHER_ORG: &str = "crm-mismatch.verify.invalid";

struct Probe<'a> {
    client: Client,
    options: &'a Options,
    /// The `--header`s, parsed.
    given: Vec<(String, String)>,
    /// Requests in a row that got no answer: at `GIVE_UP`, the run stops
    /// sending (a connector that hangs after its first answer would
    /// otherwise cost twice the budget per remaining probe).
    unanswered: usize,
    paths: [String; 2],
    budget: Duration,
    findings: Vec<Finding>,
}

/// Probes the connector `options` name. An error (a bad URL, an unreadable
/// `--openapi`, an unreachable target) is a usage error.
pub async fn run(options: &Options, headers: Vec<(String, String)>) -> Result<Outcome, String> {
    let started = Instant::now();
    let mut client = Client::new(options)?;
    let mut findings = Vec::new();
    let mut paths = [
        options.activities_path.clone(),
        options.records_path.clone(),
    ];
    if let Some(source) = &options.openapi {
        let doc = client.document(source, &headers).await?;
        findings.push(rules::document::operations(&doc));
        if let Ok(found) = rules::document::paths(&doc) {
            paths = found;
        }
    }
    let mut probe = Probe {
        client,
        options,
        given: headers,
        unanswered: 0,
        paths,
        budget: Duration::from_millis(options.budget_ms),
        findings,
    };
    // The first request says whether there is a connector at all.
    let (path, query, headers) = (
        probe.path(Operation::RelatedActivities),
        probe.query(),
        probe.headers("en"),
    );
    let first = probe
        .client
        .get(Operation::RelatedActivities, &path, &query, &headers)
        .await
        .map_err(|e| format!("cannot reach {}: {e}", probe.client.base()))?;
    probe.judge(&first);
    for operation in Operation::ALL {
        probe.operation(operation).await;
    }
    if options.probe_throttling {
        probe.burst().await;
    }
    Ok(Outcome {
        target: probe.client.base().to_owned(),
        findings: probe.findings,
        sent: probe.client.sent,
        took: started.elapsed(),
        stopped: probe.unanswered >= GIVE_UP,
        reasons: [
            (rules::NOT_FOUND, "give --missing-record TYPE/ID"),
            (rules::AUTH, "give --bad-token TOKEN"),
            (rules::CRM_MISMATCH, "give --crm-type or --crm-org-url"),
            (
                rules::RETRY_AFTER,
                "no 429 was seen; --probe-throttling sends a burst",
            ),
            (rules::DOCUMENT, "give --openapi FILE_OR_URL"),
        ],
    })
}

fn pair(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

impl Probe<'_> {
    fn path(&self, operation: Operation) -> String {
        match operation {
            Operation::RelatedActivities => self.paths[0].clone(),
            Operation::RelatedRecords => self.paths[1].clone(),
        }
    }

    /// The record as given, and the connector's CRM when given.
    fn query(&self) -> Vec<(String, String)> {
        let record = &self.options.record;
        let mut query = vec![
            pair("recordType", &record.record_type),
            pair("recordId", &record.record_id),
        ];
        if let Some(crm) = self.options.crm_type {
            query.push(pair("crmType", crm.as_str()));
        }
        if let Some(org) = &self.options.crm_org_url {
            query.push(pair("crmOrgUrl", org));
        }
        query
    }

    fn with(&self, extra: &[(&str, String)]) -> Vec<(String, String)> {
        let mut query = self.query();
        for (name, value) in extra {
            query.retain(|(n, _)| n != name);
            query.push(pair(name, value.clone()));
        }
        query
    }

    /// The headers given, and `Accept-Language: language`.
    fn headers(&self, language: &str) -> Vec<(String, String)> {
        let mut headers = self.given.clone();
        headers.push(pair("Accept-Language", language));
        headers
    }

    /// The rules every answer is judged by.
    fn judge(&mut self, x: &Exchange) {
        self.findings.extend(rules::every(x, Some(self.budget)));
    }

    /// Sends one probe; no answer fails `rule` and the budget.
    async fn send(
        &mut self,
        operation: Operation,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        rule: &'static str,
    ) -> Option<Exchange> {
        if self.unanswered >= GIVE_UP {
            return None;
        }
        let path = self.path(operation);
        match self.client.get(operation, &path, &query, &headers).await {
            Ok(x) => {
                self.unanswered = 0;
                self.judge(&x);
                Some(x)
            }
            Err(reason) => {
                self.unanswered += 1;
                self.findings
                    .push(Finding::new(rule, Verdict::Fail, reason.clone()));
                self.findings
                    .push(Finding::new(rules::BUDGET, Verdict::Fail, reason));
                None
            }
        }
    }

    /// A probe that must succeed: a non-2xx fails success.envelope.
    async fn success(
        &mut self,
        operation: Operation,
        query: Vec<(String, String)>,
        language: &str,
    ) -> Option<Exchange> {
        let headers = self.headers(language);
        let x = self
            .send(operation, query, headers, rules::ENVELOPE)
            .await?;
        if !(200..300).contains(&x.got.status) {
            self.findings.extend(rules::expect_success(&x));
        }
        Some(x)
    }

    /// A probe that must get `status` with `code` for `rule`.
    async fn error(
        &mut self,
        operation: Operation,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
        (rule, status, code): (&'static str, u16, &str),
    ) {
        if let Some(x) = self.send(operation, query, headers, rule).await {
            self.findings
                .push(rules::expect_error(&x, rule, status, code));
        }
    }

    async fn operation(&mut self, op: Operation) {
        let base = self.success(op, self.query(), "en").await;
        self.paging(op).await;
        if op == Operation::RelatedActivities {
            self.windows(base.as_ref()).await;
        }
        let without = |name: &str| {
            self.query()
                .into_iter()
                .filter(|(n, _)| n != name)
                .collect::<Vec<_>>()
        };
        let invalid = [
            without("recordId"),
            without("recordType"),
            self.with(&[("top", "-1".into())]),
            self.with(&[("top", "abc".into())]),
            self.with(&[("skip", "-1".into())]),
        ];
        for query in invalid {
            let headers = self.headers("en");
            self.send(op, query, headers, rules::INVALID_INPUT).await;
        }
        for language in ["de", "fr"] {
            let other = self.success(op, self.query(), language).await;
            if let (Some(base), Some(other)) = (&base, &other) {
                self.findings.extend(rules::language(base, other));
            }
        }
        self.conditions(op).await;
    }

    async fn paging(&mut self, op: Operation) {
        let whole = self
            .success(op, self.with(&[("top", (2 * PAGE).to_string())]), "en")
            .await;
        let mut previous: Option<Exchange> = None;
        for k in 0..PAGES {
            let query = self.with(&[("top", PAGE.to_string()), ("skip", (k * PAGE).to_string())]);
            let Some(page) = self.success(op, query, "en").await else {
                break;
            };
            if let Some(previous) = &previous {
                self.findings
                    .extend(rules::paging::has_more(previous, &page));
            }
            if let (Some(whole), true) = (&whole, k < 2) {
                self.findings.push(rules::paging::skip(whole, &page));
            }
            let empty = page.got.items().is_none_or(Vec::is_empty);
            previous = Some(page);
            if empty {
                break;
            }
        }
        self.success(op, self.with(&[("top", "0".into())]), "en")
            .await;
    }

    /// A window from the base answer's own dates (its newer half), so that a
    /// connector ignoring the window shows older items; and one in 2000.
    async fn windows(&mut self, base: Option<&Exchange>) {
        let mut times: Vec<_> = base
            .and_then(|x| x.got.items())
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("dateTime").and_then(Value::as_str))
            .filter_map(|t| crate::rfc3339::parse(t).ok())
            .collect();
        times.sort();
        let mut windows = vec![(
            "2000-01-01T00:00:00Z".to_owned(),
            "2000-01-02T00:00:00Z".to_owned(),
        )];
        if let (Some(middle), Some(last)) = (times.get(times.len() / 2), times.last()) {
            windows.push((
                crate::rfc3339::format(*middle),
                crate::rfc3339::format(*last),
            ));
        }
        for (start, end) in windows {
            let query = self.with(&[("startDateTime", start), ("endDateTime", end)]);
            self.success(Operation::RelatedActivities, query, "en")
                .await;
        }
    }

    /// The documented conditions the options enable.
    async fn conditions(&mut self, op: Operation) {
        let options = self.options;
        if let Some(missing) = &options.missing_record {
            let query = self.with(&[
                ("recordType", missing.record_type.clone()),
                ("recordId", missing.record_id.clone()),
            ]);
            let headers = self.headers("en");
            self.error(
                op,
                query,
                headers,
                (rules::NOT_FOUND, 404, "RECORD_NOT_FOUND"),
            )
            .await;
        }
        if let Some(token) = &options.bad_token {
            let mut none = self.headers("en");
            none.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
            let mut bad = none.clone();
            bad.push(pair("Authorization", format!("Bearer {token}")));
            for headers in [none, bad] {
                let query = self.query();
                self.error(
                    op,
                    query,
                    headers,
                    (rules::AUTH, 401, "INVALID_TOKEN_SPECIFIED"),
                )
                .await;
            }
        }
        let mut mismatches = Vec::new();
        if let Some(crm) = options.crm_type {
            mismatches.push(self.with(&[("crmType", crm.other().as_str().to_owned())]));
        }
        if options.crm_org_url.is_some() {
            mismatches.push(self.with(&[("crmOrgUrl", OTHER_ORG.to_owned())]));
        }
        for query in mismatches {
            let headers = self.headers("en");
            self.error(
                op,
                query,
                headers,
                (rules::CRM_MISMATCH, 400, "INVALID_CRM_CONNECTION"),
            )
            .await;
        }
    }

    /// Up to `BURST` requests, stopping at the first 429 (which `every`
    /// judges for throttle.retry-after).
    async fn burst(&mut self) {
        for _ in 0..BURST {
            let headers = self.headers("en");
            let query = self.query();
            match self
                .send(
                    Operation::RelatedActivities,
                    query,
                    headers,
                    rules::RETRY_AFTER,
                )
                .await
            {
                Some(x) if x.got.status == 429 => return,
                Some(_) => {}
                None => return,
            }
        }
        self.findings.push(Finding::new(
            rules::RETRY_AFTER,
            Verdict::Skip,
            format!("no 429 in {BURST} requests"),
        ));
    }
}
