//! `verify` against a test-only connector (`nonconforming::connector`) with
//! one switch per violation: the conforming connector passes every rule,
//! and each violation fails (or warns for) exactly the rule it targets while
//! every other rule still passes. Also the JUnit report, parsed, and the
//! exit code 2 of an unreachable target and of a usage error.

mod connector;
mod document;
mod items;

use futures_util::StreamExt;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use self::connector::{Connector, Violation};
use crate::run::{Report, temp, verify};

/// Every rule id, in the report's order.
const RULES: [&str; 19] = [
    "success.envelope",
    "success.activity",
    "success.record",
    "success.datetime",
    "paging.top",
    "paging.skip",
    "paging.has-more",
    "window.dates",
    "error.shape",
    "error.code-status",
    "error.invalid-input",
    "error.not-found",
    "error.auth",
    "error.crm-mismatch",
    "throttle.retry-after",
    "activity-id.echo",
    "language.content",
    "latency.budget",
    "document.operations",
];

/// One violation, the rule it targets and the status verify must give it.
struct Row {
    violation: Violation,
    rule: &'static str,
    status: &'static str,
    /// Extra arguments for this row only.
    extra: &'static [&'static str],
}

const fn row(violation: Violation, rule: &'static str, status: &'static str) -> Row {
    Row {
        violation,
        rule,
        status,
        extra: &[],
    }
}

fn rows() -> Vec<Row> {
    use Violation::*;
    vec![
        row(HtmlSuccess, "success.envelope", "fail"),
        row(EmptyTitle, "success.activity", "fail"),
        row(NoRecordTitle, "success.record", "fail"),
        row(ExampleDate, "success.datetime", "fail"),
        row(TopZeroIgnored, "paging.top", "fail"),
        row(SkipIgnored, "paging.skip", "fail"),
        row(NeverMore, "paging.has-more", "fail"),
        row(WindowIgnored, "window.dates", "fail"),
        row(DetailsText, "error.shape", "fail"),
        row(NotFoundAs400, "error.code-status", "fail"),
        row(TopTextAccepted, "error.invalid-input", "fail"),
        row(MissingIsEmpty, "error.not-found", "fail"),
        row(NoTokenAccepted, "error.auth", "fail"),
        row(CrmTypeIgnored, "error.crm-mismatch", "fail"),
        row(NoRetryAfter, "throttle.retry-after", "fail"),
        // The upstream only says "unique identifier for the request": a warning.
        row(FreshActivityId, "activity-id.echo", "warn"),
        // A connector may have nothing to translate: a warning.
        row(EnglishOnly, "language.content", "warn"),
        Row {
            // A small budget, so the one slow answer costs 600 ms, not 5 s.
            extra: &["--budget-ms", "300"],
            ..row(SlowRecords, "latency.budget", "fail")
        },
        row(ConnectorIdInput, "document.operations", "fail"),
    ]
}

/// Every option verify has, so that no rule is skipped.
fn every_option(base: &str) -> Vec<String> {
    [
        "--missing-record",
        "account/missing",
        "--header",
        "Authorization: Bearer good-token",
        "--bad-token",
        "bad",
        "--crm-type",
        "Salesforce",
        "--crm-org-url",
        "contoso.my.salesforce.com",
        "--probe-throttling",
        "--openapi",
    ]
    .map(String::from)
    .into_iter()
    .chain([format!("{base}/openapi.json")])
    .collect()
}

/// Starts a connector with `violation`, runs verify with every option and
/// `extra`, and stops the connector.
async fn verify_against(violation: Option<Violation>, extra: &[&str]) -> Report {
    let connector = Connector::start(violation).await;
    let mut args = every_option(&connector.base);
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = verify(&connector.base, &args).await;
    connector.stop().await;
    report
}

/// What is wrong with `report`, given the rule that should get `want`
/// (none: every rule passes) and the exit code.
fn mismatches(report: &Report, target: Option<(&str, &str)>, code: i32) -> Vec<String> {
    let mut wrong = Vec::new();
    for rule in RULES {
        let want = match target {
            Some((t, status)) if t == rule => status,
            _ => "pass",
        };
        if report.status(rule) != want {
            wrong.push(format!(
                "{rule} is {}, expected {want}: {}",
                report.status(rule),
                report.result(rule)["message"]
            ));
        }
    }
    if report.code != code {
        wrong.push(format!("exit {}, expected {code}", report.code));
    }
    wrong
}

#[actix_web::test]
async fn the_conforming_connector_passes_every_rule_with_every_option() {
    let report = verify_against(None, &[]).await;

    let wrong = mismatches(&report, None, 0);
    assert!(wrong.is_empty(), "{wrong:#?}\n{}", report.table());
}

#[actix_web::test]
async fn each_violation_fails_or_warns_its_own_rule_and_every_other_rule_passes() {
    // Four at a time: the cores are shared, and each run is its own process.
    let results: Vec<(Row, Report)> = futures_util::stream::iter(rows())
        .map(|row| async move {
            let report = verify_against(Some(row.violation), row.extra).await;
            (row, report)
        })
        .buffer_unordered(4)
        .collect()
        .await;

    let mut wrong = Vec::new();
    for (row, report) in &results {
        let code = if row.status == "fail" { 1 } else { 0 };
        for problem in mismatches(report, Some((row.rule, row.status)), code) {
            wrong.push(format!("{:?}: {problem}", row.violation));
        }
    }
    assert_eq!(results.len(), RULES.len(), "one violation per rule");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The JUnit report as read back: testcase names, the suite's counts, and
/// each failure's message by testcase.
#[derive(Debug, Default)]
struct Junit {
    cases: Vec<String>,
    failures_attr: Option<usize>,
    skipped_attr: Option<usize>,
    failures: Vec<(String, String)>,
    skipped: Vec<String>,
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .map(|a| a.expect("a well-formed attribute"))
        .find(|a| a.key.into_inner() == name)
        .map(|a| {
            a.normalized_value(XmlVersion::Explicit1_0)
                .expect("an escaped value")
                .into_owned()
        })
}

fn read_junit(xml: &str) -> Junit {
    let mut reader = Reader::from_str(xml);
    let mut junit = Junit::default();
    let mut case = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().into_inner() {
                "testsuite" => {
                    let number = |n| attr(&e, n).and_then(|v| v.parse().ok());
                    junit.failures_attr = number("failures");
                    junit.skipped_attr = number("skipped");
                }
                "testcase" => {
                    case = attr(&e, "name").expect("a testcase name");
                    junit.cases.push(case.clone());
                }
                "failure" => junit.failures.push((
                    case.clone(),
                    attr(&e, "message").expect("a failure message"),
                )),
                "skipped" => junit.skipped.push(case.clone()),
                _ => {}
            },
            _ => {}
        }
    }
    junit
}

#[actix_web::test]
async fn the_junit_report_is_xml_with_a_testcase_per_rule_and_the_failure_in_its_testcase() {
    // No --bad-token and no --openapi: two rules skip, so the skipped count means something.
    let connector = Connector::start(Some(Violation::NeverMore)).await;
    let file = temp("nonconforming-junit.xml");
    let file_arg = file.display().to_string();
    let args = [
        "--missing-record",
        "account/missing",
        "--header",
        "Authorization: Bearer good-token",
        "--junit",
        file_arg.as_str(),
    ];
    let report = verify(&connector.base, &args).await;
    connector.stop().await;
    let xml = std::fs::read_to_string(&file).expect("the JUnit report is written");
    let _ = std::fs::remove_file(&file);

    let junit = read_junit(&xml);
    assert_eq!(report.code, 1, "{}", report.table());
    assert_eq!(junit.cases, RULES, "one testcase per rule, in order");
    assert_eq!(junit.failures_attr, Some(junit.failures.len()), "{xml}");
    assert_eq!(junit.skipped_attr, Some(junit.skipped.len()), "{xml}");
    assert_eq!(junit.failures.len(), 1, "{xml}");
    let (case, message) = &junit.failures[0];
    assert_eq!(case, "paging.has-more");
    assert!(message.contains("hasMoreResults false"), "{message}");
    assert_eq!(
        junit.skipped,
        [
            "error.auth",
            "error.crm-mismatch",
            "throttle.retry-after",
            "document.operations"
        ]
    );
}

#[actix_web::test]
async fn an_unreachable_target_and_a_usage_error_each_exit_2() {
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let connector = Connector::start(None).await;

    let unreachable = verify(&base, &[]).await;
    let usage = verify(&connector.base, &["--record", "nonsense"]).await;
    connector.stop().await;

    assert_eq!(unreachable.code, 2, "{}", unreachable.table());
    assert!(
        unreachable.stderr.contains("cannot reach"),
        "{}",
        unreachable.table()
    );
    assert_eq!(usage.code, 2, "{}", usage.table());
    assert!(usage.stderr.contains("TYPE/ID"), "{}", usage.table());
}
