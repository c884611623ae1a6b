//! The reports of `verify`: the terminal table and its one-line summary, the
//! JSON report (`{"target", "results": [{"rule", "status", "message"}]}`)
//! and the JUnit XML one (one testcase per rule: a failure is `<failure>`,
//! a skip `<skipped>`, a warning passes with the warning in
//! `<system-out>`, since JUnit has no warning).

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Serialize;

use std::time::Duration;

use crate::contract::rules::{self, Finding, Rule, Verdict};

/// What a run found, for the reports.
pub struct Outcome {
    pub target: String,
    pub findings: Vec<Finding>,
    pub sent: usize,
    pub took: Duration,
    /// Whether the run stopped early (`GIVE_UP` requests in a row unanswered).
    pub stopped: bool,
    /// Why a rule that saw nothing was skipped.
    pub reasons: [(&'static str, &'static str); 5],
}

impl Outcome {
    /// One line per rule (`rules::summarize`), with the reason a rule that
    /// saw nothing was skipped.
    pub fn lines(&self) -> Vec<(Rule, Finding)> {
        let reasons = self.reasons;
        rules::summarize(&self.findings, &move |id| {
            reasons
                .iter()
                .find(|(rule, _)| *rule == id)
                .map(|(_, why)| (*why).to_owned())
        })
    }
}

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
    let stopped = if outcome.stopped {
        "; stopped early: 2 requests in a row got no answer"
    } else {
        ""
    };
    format!(
        "{} rules: {} pass, {} fail, {} warn, {} skip; {} requests in {:.1} s ({}){stopped}",
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

pub fn json(lines: &[(Rule, Finding)], outcome: &Outcome) -> String {
    let results = lines
        .iter()
        .map(|(rule, f)| JsonResult {
            rule: rule.id,
            status: f.verdict.as_str(),
            message: &f.message,
        })
        .collect();
    let report = JsonReport {
        target: &outcome.target,
        results,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

pub fn junit(lines: &[(Rule, Finding)], outcome: &Outcome) -> String {
    let (tests, failures, skipped) = (
        lines.len().to_string(),
        count(lines, Verdict::Fail).to_string(),
        count(lines, Verdict::Skip).to_string(),
    );
    let time = format!("{:.3}", outcome.took.as_secs_f64());
    let suite = xml_text(&format!("crm-connector-mock verify {}", outcome.target));
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
        let message = xml_text(&finding.message);
        // (element, its message attribute, its text)
        let inside = match finding.verdict {
            Verdict::Pass => None,
            Verdict::Fail => Some((
                "failure",
                Some(message),
                format!("{}\n{}", rule.checks, rule.clause),
            )),
            Verdict::Skip => Some(("skipped", Some(message), String::new())),
            Verdict::Warn => Some(("system-out", None, format!("warn: {message}"))),
        };
        let Some((tag, attribute, text)) = inside else {
            events.push(Event::Empty(case));
            continue;
        };
        events.push(Event::Start(case));
        let mut start = BytesStart::new(tag);
        if let Some(message) = &attribute {
            start.push_attribute(("message", message.as_str()));
        }
        if text.is_empty() {
            events.push(Event::Empty(start));
        } else {
            events.push(Event::Start(start));
            events.push(Event::Text(BytesText::new(&text).into_owned()));
            events.push(Event::End(BytesEnd::new(tag)));
        }
        events.push(Event::End(BytesEnd::new("testcase")));
    }
    events.push(Event::End(BytesEnd::new("testsuite")));
    events.push(Event::End(BytesEnd::new("testsuites")));
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    for event in events {
        // Writing to a Vec cannot fail.
        let _ = writer.write_event(event);
    }
    let mut text = String::from_utf8(writer.into_inner()).unwrap_or_default();
    text.push('\n');
    text
}

/// `text` with the characters XML 1.0 cannot hold at all (control
/// characters other than tab and newline, U+FFFE, U+FFFF) replaced by
/// U+FFFD; escaping the rest is quick-xml's job.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_hold_are_replaced_and_the_rest_kept() {
        assert_eq!(
            xml_text("a\u{1}b\tc<d>\u{FFFF}é"),
            "a\u{FFFD}b\tc<d>\u{FFFD}é"
        );
    }
}
