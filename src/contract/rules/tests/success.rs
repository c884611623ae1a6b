//! The success body, paging and the time window.

use serde_json::{Value, json};

use super::*;
use crate::contract::rules::*;

#[test]
fn envelope_holds_for_a_200_with_a_value_array_and_fails_every_other_shape() {
    use Verdict::*;
    let cases = [
        (
            "value and hasMoreResults",
            200,
            json!({ "value": [], "hasMoreResults": false }),
            Some(Pass),
        ),
        ("value only", 200, json!({ "value": [] }), Some(Pass)),
        ("no value", 200, json!({ "items": [] }), Some(Fail)),
        (
            "value not an array",
            200,
            json!({ "value": {} }),
            Some(Fail),
        ),
        (
            "hasMoreResults a string",
            200,
            json!({ "value": [], "hasMoreResults": "no" }),
            Some(Fail),
        ),
        ("a 201", 201, json!({ "value": [] }), Some(Fail)),
        (
            "an error is not its business",
            404,
            json!({ "errorCode": "RECORD_NOT_FOUND" }),
            None,
        ),
    ];
    for (what, status, body, want) in cases {
        assert_eq!(verdict(envelope(&x(ACTS, Q, status, body))), want, "{what}");
    }
    let html = Exchange {
        sent: sent(ACTS, Q, &[]),
        got: got(200, &[("content-type", "text/html")], "{\"value\":[]}"),
    };
    assert_eq!(verdict(envelope(&html)), Some(Fail), "an HTML content type");
    assert_eq!(
        verdict(envelope(&x(None, Q, 200, json!({})))),
        None,
        "not an operation"
    );
}

#[test]
fn items_need_every_required_field_non_empty_and_maps_of_strings() {
    use Verdict::*;
    let record = json!({ "recordId": "1", "recordType": "contract", "recordTypeDisplayName": "Contract",
        "recordTypePluralDisplayName": "Contracts", "recordTitle": "Renewal" });
    let with = |mut v: Value, key: &str, value: Value| {
        v[key] = value;
        v
    };
    let cases = [
        (
            "a full activity",
            ACTS,
            activity("2026-11-20T10:00:00Z"),
            Pass,
        ),
        (
            "no title",
            ACTS,
            json!({ "description": "d", "dateTime": "2026-11-20T10:00:00Z" }),
            Fail,
        ),
        (
            "an empty description",
            ACTS,
            with(activity("2026-11-20T10:00:00Z"), "description", json!("")),
            Fail,
        ),
        (
            "a numeric url",
            ACTS,
            with(activity("2026-11-20T10:00:00Z"), "url", json!(7)),
            Fail,
        ),
        (
            "a null url",
            ACTS,
            with(activity("2026-11-20T10:00:00Z"), "url", Value::Null),
            Warn,
        ),
        (
            "a map of strings",
            RECS,
            with(
                record.clone(),
                "additionalProperties",
                json!({ "Status": "Sent" }),
            ),
            Pass,
        ),
        (
            "a map with a number",
            RECS,
            with(
                record.clone(),
                "additionalProperties",
                json!({ "Amount": 5 }),
            ),
            Fail,
        ),
        (
            "a map that is a list",
            RECS,
            with(record.clone(), "additionalProperties", json!(["a"])),
            Fail,
        ),
        ("a full record", RECS, record.clone(), Pass),
        (
            "an empty recordTitle",
            RECS,
            with(record.clone(), "recordTitle", json!("")),
            Fail,
        ),
        (
            "no recordTitle",
            RECS,
            {
                let mut r = record.clone();
                r.as_object_mut().unwrap().remove("recordTitle");
                r
            },
            Fail,
        ),
    ];
    for (what, op, item, want) in cases {
        let found = items(&x(op, Q, 200, json!({ "value": [item] })));
        assert_eq!(verdict(found.clone()), Some(want), "{what}: {found:?}");
    }
    let not_object = items(&x(ACTS, Q, 200, json!({ "value": ["x"] })));
    assert_eq!(verdict(not_object), Some(Fail));
}

#[test]
fn date_times_must_be_rfc3339_in_utc_and_may_carry_fractions() {
    use Verdict::*;
    let cases = [
        ("2026-11-20T10:00:00Z", Pass),
        ("2024-05-07T03:28:38.0667701Z", Pass),
        ("2026-11-20T10:00:00+00:00", Pass),
        ("2026-11-20T12:00:00+02:00", Fail),
        ("12:50 PM, 11/11/23", Fail),
        ("2026-11-20", Fail),
    ];
    for (at, want) in cases {
        let found = datetime(&x(ACTS, Q, 200, json!({ "value": [activity(at)] })));
        assert_eq!(verdict(found), Some(want), "{at}");
    }
}

#[test]
fn top_and_the_window_bound_what_a_page_holds() {
    use Verdict::*;
    let three = json!({ "value": [activity("2026-11-01T00:00:00Z"), activity("2026-11-10T00:00:00Z"), activity("2026-11-20T00:00:00Z")] });
    let cases: [(&str, Option<Verdict>, Option<Verdict>); 5] = [
        ("top=3", Some(Pass), None),
        ("top=2", Some(Fail), None),
        ("top=abc", None, None),
        (
            "startDateTime=2026-11-01T00:00:00Z&endDateTime=2026-11-20T00:00:00Z",
            None,
            Some(Pass),
        ),
        ("startDateTime=2026-11-05T00:00:00Z", None, Some(Fail)),
    ];
    for (query, want_top, want_window) in cases {
        let exchange = x(ACTS, &format!("{Q}&{query}"), 200, three.clone());
        assert_eq!(verdict(paging::top(&exchange)), want_top, "top: {query}");
        assert_eq!(
            verdict(paging::window(&exchange)),
            want_window,
            "window: {query}"
        );
    }
    let none = x(
        ACTS,
        &format!("{Q}&top=0"),
        200,
        json!({ "value": [activity("2026-11-01T00:00:00Z")] }),
    );
    assert_eq!(verdict(paging::top(&none)), Some(Fail), "top=0 holds none");
}

#[test]
fn skip_and_has_more_compare_a_page_with_the_whole_list() {
    use Verdict::*;
    let items: Vec<Value> = (0..4).map(|i| json!({ "n": i })).collect();
    let whole = x(RECS, &format!("{Q}&top=4"), 200, json!({ "value": items }));
    let page = |skip: usize, values: &[Value], more: Option<bool>| {
        let mut body = json!({ "value": values });
        if let Some(more) = more {
            body["hasMoreResults"] = json!(more);
        }
        x(RECS, &format!("{Q}&top=2&skip={skip}"), 200, body)
    };
    let second = page(2, &items[2..4], Some(false));
    assert_eq!(paging::skip(&whole, &second).verdict, Pass);
    assert_eq!(
        paging::skip(&whole, &page(2, &items[0..2], None)).verdict,
        Fail,
        "skip ignored"
    );
    let short = x(
        RECS,
        &format!("{Q}&top=4"),
        200,
        json!({ "value": [items[0]] }),
    );
    assert_eq!(
        paging::skip(&short, &second).verdict,
        Skip,
        "too few items to tell"
    );
    let capped = x(
        RECS,
        &format!("{Q}&top=4"),
        200,
        json!({ "value": items[0..3] }),
    );
    assert_eq!(
        paging::skip(&capped, &second).verdict,
        Pass,
        "a list capped at 3 agrees on item 2"
    );
    assert_eq!(
        paging::skip(&capped, &page(2, &[], None)).verdict,
        Fail,
        "an empty page where items are"
    );

    let first = page(0, &items[0..2], Some(true));
    let empty = page(4, &[], Some(false));
    assert_eq!(verdict(paging::has_more(&first, &second)), Some(Pass));
    assert_eq!(verdict(paging::has_more(&second, &empty)), Some(Pass));
    assert_eq!(
        verdict(paging::has_more(&page(0, &items[0..2], None), &second)),
        Some(Warn),
        "absent while items remain"
    );
    assert_eq!(
        verdict(paging::has_more(&page(2, &items[2..4], None), &empty)),
        Some(Pass),
        "absent at the end"
    );
    assert_eq!(
        verdict(paging::has_more(&page(2, &items[2..4], Some(true)), &empty)),
        Some(Fail),
        "true at the end"
    );
}
