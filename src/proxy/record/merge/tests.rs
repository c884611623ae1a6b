//! The merge: pages at offsets, languages, the more flags, the bound, and
//! that what is rendered loads as a data file.

use super::*;

fn answer(operation: Operation, query: &str, language: Language, body: &str) -> Answer {
    Answer {
        operation,
        query: query.to_owned(),
        language,
        body: bytes::Bytes::from(body.to_owned()),
    }
}

fn activity(title: &str, at: &str) -> String {
    format!(r#"{{"title":"{title}","description":"d {title}","dateTime":"{at}"}}"#)
}

fn page(items: &[String], more: bool) -> String {
    format!(
        r#"{{"value":[{}],"hasMoreResults":{more}}}"#,
        items.join(",")
    )
}

fn rendered(recording: &Recording) -> serde_json::Value {
    let text = recording.render();
    // What is rendered is a data file `--scenarios` loads.
    let file: crate::definitions::schema::DefinitionFile =
        serde_json::from_slice(&text).expect("a data file");
    assert!(!file.records.is_empty());
    serde_json::from_slice(&text).unwrap()
}

const A: Operation = Operation::RelatedActivities;
const R: Operation = Operation::RelatedRecords;

#[test]
fn pages_at_offsets_fill_the_list_in_order_and_a_gap_waits_for_its_page() {
    let mut recording = Recording::default();
    let items: Vec<String> = (0..6)
        .map(|i| activity(&format!("t{i}"), &format!("2026-11-2{}T10:00:00Z", 9 - i)))
        .collect();
    let query = |skip: u32| format!("recordType=account&recordId=A-1&top=2&skip={skip}");
    let merged = recording.merge(&answer(
        A,
        &query(4),
        Language::En,
        &page(&items[4..6], true),
    ));
    assert_eq!(merged, Merged::Changed);
    // Only a page past the start: the list is not written yet.
    assert!(
        rendered(&recording)["records"][0]
            .get("activities")
            .is_none()
    );
    recording.merge(&answer(
        A,
        &query(0),
        Language::En,
        &page(&items[0..2], true),
    ));
    let file = rendered(&recording);
    let record = &file["records"][0];
    let titles: Vec<&str> = record["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["t0", "t1"], "written up to the gap");
    assert_eq!(
        record["moreActivities"], true,
        "items are held past the gap"
    );
    recording.merge(&answer(
        A,
        &query(2),
        Language::En,
        &page(&items[2..4], true),
    ));
    let file = rendered(&recording);
    assert_eq!(
        file["records"][0]["activities"].as_array().unwrap().len(),
        6
    );
    assert_eq!(
        file["records"][0]["moreActivities"], true,
        "the last page said so"
    );
    assert_eq!(
        file["records"][0]["activities"][5]["at"],
        "2026-11-24T10:00:00Z"
    );
}

#[test]
fn the_last_page_saying_no_more_clears_the_flag_and_an_empty_list_is_written_empty() {
    let mut recording = Recording::default();
    let items = [activity("a", "2026-11-20T10:00:00Z")];
    let q = "recordType=account&recordId=A-1";
    recording.merge(&answer(A, q, Language::En, &page(&items, false)));
    recording.merge(&answer(
        R,
        "recordType=account&recordId=B-2",
        Language::En,
        &page(&[], false),
    ));
    let file = rendered(&recording);
    assert!(file["records"][0].get("moreActivities").is_none());
    assert_eq!(file["records"][1]["relatedRecords"], serde_json::json!([]));
    assert!(
        file["records"][1].get("activities").is_none(),
        "never asked: generated"
    );
}

#[test]
fn languages_merge_into_one_text_per_item_and_agreeing_ones_stay_one_string() {
    let mut recording = Recording::default();
    let body = |name: &str, value: &str, title: &str| {
        page(
            &[format!(
                r#"{{"recordId":"C-1","recordType":"contract","recordTypeDisplayName":"{name}","recordTypePluralDisplayName":"{name}s","recordTitle":"{title}","url":"https://x.example/C-1","additionalProperties":{{"z":"{value}","a":"1"}}}}"#
            )],
            false,
        )
    };
    let q = "recordType=Account&recordId=42";
    recording.merge(&answer(
        R,
        q,
        Language::En,
        &body("Contract", "Sent", "Renewal"),
    ));
    recording.merge(&answer(
        R,
        q,
        Language::De,
        &body("Vertrag", "Gesendet", "Renewal"),
    ));
    let file = rendered(&recording);
    let record = &file["records"][0];
    assert_eq!(record["recordType"], "Account", "as the request spelled it");
    let item = &record["relatedRecords"][0];
    assert_eq!(
        item["recordTypeDisplayName"],
        serde_json::json!({"en": "Contract", "de": "Vertrag"})
    );
    assert_eq!(
        item["recordTitle"], "Renewal",
        "the same in both: one string"
    );
    assert_eq!(item["url"], "https://x.example/C-1");
    let props = item["additionalProperties"].as_array().unwrap();
    assert_eq!(props[0]["name"], "z", "written order kept");
    assert_eq!(
        props[0]["value"],
        serde_json::json!({"en": "Sent", "de": "Gesendet"})
    );
    // The same record in another spelling is the same record.
    recording.merge(&answer(
        R,
        "recordType=account&recordId=42",
        Language::Fr,
        &body("Contrat", "Envoyé", "Renewal"),
    ));
    assert_eq!(recording.records(), 1);
}

#[test]
fn a_language_seen_alone_is_written_as_english_too() {
    let mut recording = Recording::default();
    let q = "recordType=account&recordId=A-1";
    recording.merge(&answer(
        A,
        q,
        Language::De,
        &page(&[activity("Vertrag", "2026-11-20T10:00:00Z")], false),
    ));
    recording.merge(&answer(
        A,
        q,
        Language::Fr,
        &page(&[activity("Contrat", "2026-11-20T10:00:00Z")], false),
    ));
    let file = rendered(&recording);
    let title = &file["records"][0]["activities"][0]["title"];
    assert_eq!(
        *title,
        serde_json::json!({"en": "Vertrag", "de": "Vertrag", "fr": "Contrat"})
    );
}

#[test]
fn a_changed_item_replaces_the_held_one_in_every_language() {
    let mut recording = Recording::default();
    let q = "recordType=account&recordId=A-1";
    recording.merge(&answer(
        A,
        q,
        Language::En,
        &page(&[activity("a", "2026-11-20T10:00:00Z")], false),
    ));
    recording.merge(&answer(
        A,
        q,
        Language::De,
        &page(&[activity("b", "2026-11-21T10:00:00Z")], false),
    ));
    let file = rendered(&recording);
    assert_eq!(file["records"][0]["activities"][0]["title"], "b");
}

#[test]
fn what_a_data_file_cannot_hold_is_skipped() {
    let mut recording = Recording::default();
    let q = "recordType=account&recordId=A-1";
    let cases = [
        (
            q,
            r#"{"value":[{"title":" ","description":"d","dateTime":"2026-11-20T10:00:00Z"}]}"#,
        ),
        (
            q,
            r#"{"value":[{"title":"t","description":"d","dateTime":"yesterday"}]}"#,
        ),
        (q, r#"{"errorCode":"X"}"#),
        (
            q,
            r#"{"value":[{"title":"t","description":"d","dateTime":"2026-11-20T10:00:00Z","additionalProperties":{"n":""}}]}"#,
        ),
        (
            "recordType=account&recordId=A-1&startDateTime=2026-11-01T00:00:00Z",
            &page(&[], false),
        ),
        ("recordId=A-1", &page(&[], false)),
    ];
    for (query, body) in cases {
        let merged = recording.merge(&answer(A, query, Language::En, body));
        assert!(
            matches!(merged, Merged::Skipped(_)),
            "{query} {body}: {merged:?}"
        );
    }
    assert_eq!(recording.records(), 0);
}

#[test]
fn past_the_bound_nothing_more_is_merged() {
    let mut recording = Recording::default();
    for n in 0..MAX_RECORDS {
        let q = format!("recordType=account&recordId=R-{n}");
        assert_eq!(
            recording.merge(&answer(R, &q, Language::En, &page(&[], false))),
            Merged::Changed
        );
    }
    let next = answer(
        R,
        "recordType=account&recordId=one-more",
        Language::En,
        &page(&[], false),
    );
    assert!(matches!(recording.merge(&next), Merged::Full(_)));
    // A known record still fits.
    let known = answer(
        R,
        "recordType=account&recordId=R-0",
        Language::En,
        &page(&[], false),
    );
    assert_eq!(recording.merge(&known), Merged::Changed);

    let mut recording = Recording::default();
    // Title and description: about 2/5 of the bound per answer.
    let big = "x".repeat(MAX_BYTES / 5);
    let body = page(&[activity(&big, "2026-11-20T10:00:00Z")], false);
    let merge = |recording: &mut Recording, id: &str| {
        let q = format!("recordType=account&recordId={id}");
        recording.merge(&answer(A, &q, Language::En, &body))
    };
    assert_eq!(merge(&mut recording, "A-1"), Merged::Changed);
    // The same item again replaces what is held: it does not add up.
    assert_eq!(merge(&mut recording, "A-1"), Merged::Changed);
    assert_eq!(merge(&mut recording, "A-2"), Merged::Changed);
    assert!(matches!(merge(&mut recording, "A-3"), Merged::Full(_)));
}
