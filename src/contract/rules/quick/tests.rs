//! `conforming` held to `every`.

use super::*;
use crate::contract::rules::tests::{ACTS, Q, RECS, activity, got, sent};
use crate::contract::rules::{Exchange, Verdict, every};
use serde_json::{Value, json};

/// `conforming` agrees with `every`: true only when `every` finds
/// nothing, and true on the plain conforming answers.
fn agrees(op: Option<Operation>, query: &str, status: u16, body: &str) -> bool {
    let sent = sent(op, query, &[]);
    let quick = conforming(&sent, status, Some("application/json"), body.as_bytes());
    let exchange = Exchange {
        sent,
        got: got(status, &[("content-type", "application/json")], body),
    };
    let clean = every(&exchange, None)
        .iter()
        .all(|f| matches!(f.verdict, Verdict::Pass | Verdict::Skip));
    assert!(
        !quick || clean,
        "quick said conforming, the rules did not: {query} {body}"
    );
    quick
}

#[test]
fn it_says_conforming_only_where_every_finds_nothing() {
    let record = json!({ "recordId": "1", "recordType": "contract", "recordTypeDisplayName": "Contract",
        "recordTypePluralDisplayName": "Contracts", "recordTitle": "Renewal", "url": "https://x",
        "additionalProperties": { "Status": "Sent" } });
    let with = |mut v: Value, key: &str, value: Value| {
        v[key] = value;
        v
    };
    let a = activity("2026-11-20T10:00:00Z");
    type Case = (&'static str, Option<Operation>, String, u16, Value, bool);
    let cases: Vec<Case> = vec![
        (
            "an activity",
            ACTS,
            Q.into(),
            200,
            json!({ "value": [a], "hasMoreResults": true }),
            true,
        ),
        (
            "a record",
            RECS,
            Q.into(),
            200,
            json!({ "value": [record] }),
            true,
        ),
        (
            "an empty page",
            RECS,
            Q.into(),
            200,
            json!({ "value": [] }),
            true,
        ),
        (
            "escapes",
            ACTS,
            Q.into(),
            200,
            json!({ "value": [with(a.clone(), "title", json!("a \"q\" \u{e9}"))] }),
            true,
        ),
        (
            "extra fields",
            RECS,
            Q.into(),
            200,
            json!({ "value": [with(record.clone(), "x", json!(1))], "y": 2 }),
            true,
        ),
        (
            "fractions",
            ACTS,
            Q.into(),
            200,
            json!({ "value": [activity("2024-05-07T03:28:38.0667701Z")] }),
            true,
        ),
        (
            "inside the window",
            ACTS,
            format!("{Q}&startDateTime=2026-11-01T00:00:00Z"),
            200,
            json!({ "value": [a] }),
            true,
        ),
        (
            "outside the window",
            ACTS,
            format!("{Q}&endDateTime=2026-11-01T00:00:00Z"),
            200,
            json!({ "value": [a] }),
            false,
        ),
        (
            "over top",
            ACTS,
            format!("{Q}&top=0"),
            200,
            json!({ "value": [a] }),
            false,
        ),
        (
            "a null url",
            RECS,
            Q.into(),
            200,
            json!({ "value": [with(record.clone(), "url", Value::Null)] }),
            false,
        ),
        (
            "a number in the map",
            RECS,
            Q.into(),
            200,
            json!({ "value": [with(record.clone(), "additionalProperties", json!({ "n": 1 }))] }),
            false,
        ),
        (
            "an empty title",
            ACTS,
            Q.into(),
            200,
            json!({ "value": [with(a.clone(), "title", json!(""))] }),
            false,
        ),
        (
            "no recordTitle",
            RECS,
            Q.into(),
            200,
            json!({ "value": [{ "recordId": "1" }] }),
            false,
        ),
        (
            "not UTC",
            ACTS,
            Q.into(),
            200,
            json!({ "value": [activity("2026-11-20T12:00:00+02:00")] }),
            false,
        ),
        (
            "hasMoreResults null",
            RECS,
            Q.into(),
            200,
            json!({ "value": [], "hasMoreResults": null }),
            false,
        ),
        (
            "no value",
            RECS,
            Q.into(),
            200,
            json!({ "items": [] }),
            false,
        ),
        (
            "an invalid request",
            RECS,
            "recordType=account".into(),
            200,
            json!({ "value": [] }),
            false,
        ),
        (
            "an error",
            RECS,
            Q.into(),
            404,
            json!({ "errorCode": "RECORD_NOT_FOUND" }),
            false,
        ),
        (
            "not an operation",
            None,
            Q.into(),
            200,
            json!({ "value": [] }),
            false,
        ),
    ];
    for (what, op, query, status, body, want) in cases {
        assert_eq!(
            agrees(op, &query, status, &body.to_string()),
            want,
            "{what}"
        );
    }
    // Broke (review): serde's derive read a struct from an array, and
    // IgnoredAny skipped values serde_json's own parse refuses.
    for body in [
        "[[]]".to_owned(),
        r#"{"value":[["t","d","2026-11-20T10:00:00Z"]]}"#.to_owned(),
        r#"{"value":[],"x":1e400}"#.to_owned(),
        format!(
            r#"{{"value":[],"x":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        ),
    ] {
        assert!(!agrees(ACTS, Q, 200, &body), "{body}");
    }
    let duplicate = r#"{"value": [{"title": "a", "title": "", "description": "d", "dateTime": "2026-11-20T10:00:00Z"}]}"#;
    assert!(!agrees(ACTS, Q, 200, duplicate), "a duplicate field");
    let html = sent(ACTS, Q, &[]);
    assert!(
        !conforming(&html, 200, Some("text/html"), br#"{"value": []}"#),
        "not JSON"
    );
}

#[test]
fn a_body_that_is_not_utf8_is_left_to_the_full_rules() {
    // `conforming` reads the body as one `str` (no per-string check after);
    // a byte that is not UTF-8, inside a string or not, must still say false.
    let sent = sent(RECS, Q, &[]);
    let good = br#"{"value":[]}"#.to_vec();
    assert!(conforming(&sent, 200, Some("application/json"), &good));
    let inside = b"{\"value\":[],\"x\":\"\xff\"}".to_vec();
    let outside = b"{\"value\":[]}\xff".to_vec();
    for body in [inside, outside] {
        assert!(!conforming(&sent, 200, Some("application/json"), &body));
    }
}
