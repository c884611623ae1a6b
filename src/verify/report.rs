//! The reports of `verify`: the terminal table and its one-line summary, the
//! JSON report (`{"target", "results": [{"rule", "status", "message"}]}`)
//! and the JUnit XML one (one testcase per rule: a failure is `<failure>`,
//! a skip `<skipped>`, a warning passes with the warning in
//! `<system-out>`, since JUnit has no warning).

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Serialize;

use super::Options;
use super::probes::Outcome;
use crate::contract::rules::{Finding, Rule, Verdict};

pub fn failed(lines: &[(Rule, Finding)]) -> bool {
    lines.iter().any(|(_, f)| f.verdict == Verdict::Fail)
}

fn count(lines: &[(Rule, Finding)], verdict: Verdict) -> usize {
    lines.iter().filter(|(_, f)| f.verdict == verdict).count()
}

/// One row per rule: id, verdict, message.
pub fn table(lines: &[(Rule, Finding)]) -> String {
    let width = lines.iter().map(|(r, _)| r.id.len()).max().unwrap_or(0);
    let mut out = format!("{:<width$}  result  message\n", "rule");
    for (rule, finding) in lines {
        out.push_str(&format!(
            "{:<width$}  {:<6}  {}\n",
            rule.id,
            finding.verdict.as_str(),
            finding.message
        ));
    }
    out
}

/// "19 rules: 16 pass, 0 fail, 1 warn, 2 skip; 41 requests in 0.3 s (http://...)".
pub fn summary(lines: &[(Rule, Finding)], outcome: &Outcome) -> String {
    format!(
        "{} rules: {} pass, {} fail, {} warn, {} skip; {} requests in {:.1} s ({})",
        lines.len(),
        count(lines, Verdict::Pass),
        count(lines, Verdict::Fail),
        count(lines, Verdict::Warn),
        count(lines, Verdict::Skip),
        outcome.sent,
        outcome.took.as_secs_f64(),
        outcome.target
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    target: &'a str,
    results: Vec<JsonResult<'a>>,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    rule: &'a str,
    status: &'a str,
    message: &'a str,
}

pub fn json(options: &Options, lines: &[(Rule, Finding)], _: &Outcome) -> String {
    let results = lines
        .iter()
        .map(|(rule, f)| JsonResult {
            rule: rule.id,
            status: f.verdict.as_str(),
            message: &f.message,
        })
        .collect();
    let report = JsonReport {
        target: &options.base_url,
        results,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

pub fn junit(options: &Options, lines: &[(Rule, Finding)], outcome: &Outcome) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let (tests, failures, skipped) = (
        lines.len().to_string(),
        count(lines, Verdict::Fail).to_string(),
        count(lines, Verdict::Skip).to_string(),
    );
    let time = format!("{:.3}", outcome.took.as_secs_f64());
    let suite = format!("crm-connector-mock verify {}", options.base_url);
    let attrs = |tag: &'static str| {
        BytesStart::new(tag).with_attributes([
            ("name", suite.as_str()),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", "0"),
            ("skipped", skipped.as_str()),
            ("time", time.as_str()),
        ])
    };
    let mut events = vec![
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
        Event::Start(attrs("testsuites")),
        Event::Start(attrs("testsuite")),
    ];
    for (rule, finding) in lines {
        let case = BytesStart::new("testcase").with_attributes([
            ("name", rule.id),
            ("classname", "contract"),
            ("time", "0"),
        ]);
        let message = finding.message.as_str();
        match finding.verdict {
            Verdict::Pass => events.push(Event::Empty(case)),
            Verdict::Fail | Verdict::Skip | Verdict::Warn => {
                events.push(Event::Start(case));
                let (tag, text) = match finding.verdict {
                    Verdict::Fail => ("failure", Some(format!("{}\n{}", rule.checks, rule.clause))),
                    Verdict::Skip => ("skipped", None),
                    _ => ("system-out", None),
                };
                if tag == "system-out" {
                    events.push(Event::Start(BytesStart::new(tag)));
                    events.push(Event::Text(
                        BytesText::new(&format!("warn: {message}")).into_owned(),
                    ));
                    events.push(Event::End(BytesEnd::new(tag)));
                } else {
                    let start = BytesStart::new(tag).with_attributes([("message", message)]);
                    match text {
                        Some(text) => {
                            events.push(Event::Start(start));
                            events.push(Event::Text(BytesText::new(&text).into_owned()));
                            events.push(Event::End(BytesEnd::new(tag)));
                        }
                        None => events.push(Event::Empty(start)),
                    }
                }
                events.push(Event::End(BytesEnd::new("testcase")));
            }
        }
    }
    events.push(Event::End(BytesEnd::new("testsuite")));
    events.push(Event::End(BytesEnd::new("testsuites")));
    for event in events {
        // Writing to a Vec cannot fail.
        let _ = writer.write_event(event);
    }
    let mut text = String::from_utf8(writer.into_inner()).unwrap_or_default();
    text.push('\n');
    text
}
