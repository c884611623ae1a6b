//! The error standard, Retry-After, the activityId, the budget, the
//! language, and the summary.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::contract::rules::*;

#[test]
fn errors_need_the_standard_shape_and_documented_codes_their_status() {
    use Verdict::*;
    let cases = [
        (
            "full",
            404,
            json!({ "errorCode": "RECORD_NOT_FOUND", "errorMessage": "m", "activityId": "req-1", "details": {} }),
            Some(Pass),
            Some(Pass),
        ),
        (
            "code only",
            500,
            json!({ "errorCode": "INTERNAL_SERVER_ERROR" }),
            Some(Pass),
            Some(Pass),
        ),
        (
            "wrong status for the code",
            500,
            json!({ "errorCode": "RECORD_NOT_FOUND" }),
            Some(Pass),
            Some(Fail),
        ),
        (
            "an own code",
            409,
            json!({ "errorCode": "CONFLICT" }),
            Some(Pass),
            None,
        ),
        (
            "no errorCode",
            400,
            json!({ "message": "bad" }),
            Some(Fail),
            None,
        ),
        (
            "an empty errorCode",
            400,
            json!({ "errorCode": "" }),
            Some(Fail),
            None,
        ),
        (
            "details a string",
            400,
            json!({ "errorCode": "X", "details": "d" }),
            Some(Fail),
            None,
        ),
        (
            "details null",
            400,
            json!({ "errorCode": "X", "details": null }),
            Some(Warn),
            None,
        ),
        (
            "a success is not its business",
            200,
            json!({ "value": [] }),
            None,
            None,
        ),
    ];
    for (what, status, body, want_shape, want_code) in cases {
        let exchange = x(RECS, Q, status, body);
        assert_eq!(verdict(shape(&exchange)), want_shape, "shape: {what}");
        assert_eq!(
            verdict(code_status(&exchange)),
            want_code,
            "code-status: {what}"
        );
    }
    let html = Exchange {
        sent: sent(RECS, Q, &[]),
        got: got(404, &[("content-type", "text/html")], "<h1>Not Found</h1>"),
    };
    assert_eq!(verdict(shape(&html)), Some(Fail), "HTML");
}

#[test]
fn invalid_input_needs_a_standard_4xx_and_valid_input_is_not_its_business() {
    use Verdict::*;
    let error = json!({ "errorCode": "INVALID_REQUEST" });
    let cases = [
        ("recordType=account", 400, error.clone(), Some(Pass)),
        (
            "recordType=account&recordId=",
            400,
            error.clone(),
            Some(Pass),
        ),
        (
            "recordType=account&recordId=1&top=-1",
            400,
            error.clone(),
            Some(Pass),
        ),
        (
            "recordType=account&recordId=1&top=abc",
            200,
            json!({ "value": [] }),
            Some(Fail),
        ),
        (
            "recordType=account&recordId=1&skip=1.5",
            500,
            json!({ "errorCode": "INTERNAL_SERVER_ERROR" }),
            Some(Fail),
        ),
        (
            "recordType=account&recordId=1&top=5",
            200,
            json!({ "value": [] }),
            None,
        ),
        (
            "recordType=account&recordId=1&top=",
            200,
            json!({ "value": [] }),
            None,
        ),
    ];
    for (query, status, body, want) in cases {
        assert_eq!(
            verdict(invalid_input(&x(ACTS, query, status, body))),
            want,
            "{query}"
        );
    }
}

#[test]
fn a_429_needs_retry_after_in_seconds_or_as_an_http_date() {
    use Verdict::*;
    let cases = [
        (Some("30"), Some(Pass)),
        (Some("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Pass)),
        (Some("soon"), Some(Fail)),
        (Some("-1"), Some(Fail)),
        (None, Some(Fail)),
    ];
    for (value, want) in cases {
        let mut headers = vec![("content-type", "application/json")];
        headers.extend(value.map(|v| ("Retry-After", v)));
        let exchange = Exchange {
            sent: sent(RECS, Q, &[]),
            got: got(429, &headers, r#"{"errorCode":"REQUEST_THROTTLED"}"#),
        };
        assert_eq!(verdict(retry_after(&exchange)), want, "{value:?}");
    }
    assert_eq!(
        verdict(retry_after(&x(RECS, Q, 200, json!({ "value": [] })))),
        None
    );
}

#[test]
fn the_activity_id_echo_is_a_warning_and_the_budget_a_failure() {
    use Verdict::*;
    let echoed = x(
        RECS,
        Q,
        404,
        json!({ "errorCode": "RECORD_NOT_FOUND", "activityId": "req-1" }),
    );
    let fresh = x(
        RECS,
        Q,
        404,
        json!({ "errorCode": "RECORD_NOT_FOUND", "activityId": "other" }),
    );
    assert_eq!(verdict(activity_id(&echoed)), Some(Pass));
    assert_eq!(verdict(activity_id(&fresh)), Some(Warn));
    assert_eq!(budget(&echoed, Duration::from_millis(3)).verdict, Pass);
    assert_eq!(budget(&echoed, Duration::from_millis(2)).verdict, Fail);
}

#[test]
fn language_passes_on_other_texts_or_another_content_language_and_warns_otherwise() {
    use Verdict::*;
    let answer = |lang: &str, title: &str, content_language: Option<&str>| {
        let mut headers = vec![("content-type", "application/json")];
        headers.extend(content_language.map(|l| ("Content-Language", l)));
        Exchange {
            sent: sent(ACTS, Q, &[("Accept-Language", lang)]),
            got: got(
                200,
                &headers,
                &json!({ "value": [{ "title": title }] }).to_string(),
            ),
        }
    };
    let en = answer("en", "Call", Some("en"));
    assert_eq!(
        verdict(language(&en, &answer("de", "Anruf", Some("de")))),
        Some(Pass)
    );
    assert_eq!(
        verdict(language(&en, &answer("de", "Call", Some("de")))),
        Some(Pass)
    );
    assert_eq!(
        verdict(language(&en, &answer("de", "Call", Some("en")))),
        Some(Warn)
    );
    assert_eq!(
        verdict(language(
            &answer("en", "Call", None),
            &answer("fr", "Call", None)
        )),
        Some(Warn)
    );
}

#[test]
fn summarize_keeps_the_worst_verdict_of_each_rule_and_skips_the_silent_ones() {
    let findings = [
        Finding::new(ENVELOPE, Verdict::Pass, "a"),
        Finding::new(ENVELOPE, Verdict::Fail, "b"),
        Finding::new(ACTIVITY_ID, Verdict::Warn, "c"),
        Finding::new(ACTIVITY_ID, Verdict::Pass, "d"),
    ];
    let reasons = |rule: &str| (rule == AUTH).then(|| "give --bad-token".to_owned());
    let lines = summarize(&findings, &reasons);
    assert_eq!(lines.len(), RULES.len());
    let of = |id: &str| {
        lines
            .iter()
            .find(|(r, _)| r.id == id)
            .map(|(_, f)| f.clone())
            .unwrap()
    };
    assert_eq!(
        (of(ENVELOPE).verdict, of(ENVELOPE).message.as_str()),
        (Verdict::Fail, "b")
    );
    assert_eq!(of(ACTIVITY_ID).verdict, Verdict::Warn);
    assert_eq!(
        (of(AUTH).verdict, of(AUTH).message.as_str()),
        (Verdict::Skip, "give --bad-token")
    );
}

#[test]
fn every_rule_id_is_listed_once() {
    for (i, rule) in RULES.iter().enumerate() {
        assert!(!RULES[..i].iter().any(|r| r.id == rule.id), "{}", rule.id);
        assert!(
            !rule.checks.is_empty() && !rule.clause.is_empty(),
            "{}",
            rule.id
        );
    }
}
