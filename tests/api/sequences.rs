use crm_connector_mock::Config;
use serde_json::Value;

use crate::helpers::{assert_error, header, spawn_app, spawn_with};

const URL: &str = "/api/related-records?recordType=account&recordId=SEQ-1";

async fn statuses(app: &crate::helpers::TestApp, headers: &[(&str, &str)], n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(app.get(URL, headers).await.status().as_u16());
    }
    out
}

#[actix_web::test]
async fn an_explicit_sequence_answers_one_element_per_request_then_succeeds() {
    let app = spawn_app().await;
    let seq = [
        ("X-Simulate-Error", "429,429,500,200"),
        ("X-Simulate-Session", "retry-test-1"),
    ];
    assert_eq!(
        statuses(&app, &seq, 6).await,
        [429, 429, 500, 200, 200, 200]
    );
    // Another session starts from the beginning.
    let other = [
        ("X-Simulate-Error", "429,429,500,200"),
        ("X-Simulate-Session", "retry-test-2"),
    ];
    assert_eq!(statuses(&app, &other, 1).await, [429]);
    app.stop().await;
}

#[actix_web::test]
async fn times_fails_n_times_then_succeeds_and_reset_starts_over() {
    let app = spawn_app().await;
    let fail_twice = [("X-Simulate-Error", "INTERNAL_SERVER_ERROR; times=2")];
    assert_eq!(statuses(&app, &fail_twice, 4).await, [500, 500, 200, 200]);
    let reset = app.request(reqwest::Method::POST, "/__admin/reset").await;
    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(statuses(&app, &fail_twice, 1).await, [500]);
    app.stop().await;
}

#[actix_web::test]
async fn without_a_session_header_the_sequence_is_per_operation_and_record() {
    let app = spawn_app().await;
    let seq = [("X-Simulate-Error", "404,200")];
    assert_eq!(app.get(URL, &seq).await.status().as_u16(), 404);
    let other_record = app
        .get(
            "/api/related-records?recordType=account&recordId=SEQ-2",
            &seq,
        )
        .await;
    assert_eq!(
        other_record.status().as_u16(),
        404,
        "another record is another session"
    );
    let other_operation = app
        .get(
            "/api/related-activities?recordType=account&recordId=SEQ-1",
            &seq,
        )
        .await;
    assert_eq!(
        other_operation.status().as_u16(),
        404,
        "another operation is another session"
    );
    assert_eq!(app.get(URL, &seq).await.status().as_u16(), 200);
    app.stop().await;
}

#[actix_web::test]
async fn concurrent_sessions_never_share_a_counter() {
    let app = spawn_with(Config {
        workers: 2,
        ..Config::default()
    })
    .await;
    let mut handles = Vec::new();
    for session in ["a", "b", "c"] {
        for _ in 0..10 {
            let client = app.judged(app.client.clone());
            let url = format!("{}{URL}", app.address);
            handles.push(actix_web::rt::spawn(async move {
                let response = client
                    .send(
                        client
                            .get(url)
                            .header("X-Simulate-Error", "500,429")
                            .header("X-Simulate-Session", session),
                    )
                    .await;
                (session, response.status().as_u16())
            }));
        }
    }
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    for session in ["a", "b", "c"] {
        let mut seen: Vec<u16> = results
            .iter()
            .filter(|(s, _)| *s == session)
            .map(|(_, st)| *st)
            .collect();
        seen.sort_unstable();
        let mut expected = vec![200; 8];
        expected.extend([429, 500]);
        expected.sort_unstable();
        assert_eq!(seen, expected, "session {session}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_record_can_carry_its_own_sequence_in_the_data() {
    let app = spawn_app().await;
    let url = "/api/related-activities?recordType=account&recordId=0015g00000FlakyAAA";
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(
            app.get(url, &[("X-Simulate-Session", "flaky")])
                .await
                .status()
                .as_u16(),
        );
    }
    if crate::helpers::proxied() {
        // Behind a proxy the 200 goes up, to a server that holds the same
        // record and so runs its sequence again, from the first element.
        assert_eq!(seen, [500, 429, 500]);
        app.stop().await;
        return;
    }
    assert_eq!(seen, [500, 429, 200]);
    let body: Value = app
        .get(url, &[("X-Simulate-Session", "flaky")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["hasMoreResults"], true, "its items are generated");
    app.stop().await;
}

#[actix_web::test]
async fn session_names_and_trigger_values_over_their_byte_bounds_are_invalid_requests() {
    // An 8 KB X-Simulate-Session with a 15 KB trigger value was kept, 10,000
    // times over (624 MiB).
    let app = spawn_app().await;
    let long_session = "s".repeat(257);
    let long_trigger = format!("429; message={}", "m".repeat(1024));
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 3] = [
        (
            URL.to_owned(),
            vec![
                ("X-Simulate-Session", &long_session),
                ("X-Simulate-Error", "500,200"),
            ],
            "X-Simulate-Session",
        ),
        (
            format!("{URL}&simulateSession={long_session}"),
            vec![("X-Simulate-Error", "500,200")],
            "simulateSession",
        ),
        (
            URL.to_owned(),
            vec![("X-Simulate-Error", &long_trigger)],
            "X-Simulate-Error",
        ),
    ];
    for (url, headers, parameter) in cases {
        let body = assert_error(app.get(&url, &headers).await, 400, "INVALID_REQUEST").await;
        assert_eq!(body["details"]["parameter"], parameter, "{body}");
    }
    // At the bounds, both are accepted.
    let session = "s".repeat(256);
    let trigger = format!("429; message={}", "m".repeat(1024 - "429; message=".len()));
    let response = app
        .get(
            URL,
            &[
                ("X-Simulate-Session", &session),
                ("X-Simulate-Error", &trigger),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 429);
    app.stop().await;
}

#[actix_web::test]
async fn a_long_record_id_still_has_its_own_sequence() {
    // Guards the compacted key of a derived session over the byte bound.
    let app = spawn_app().await;
    let url = |id: &str| format!("/api/related-records?recordType=account&recordId={id}");
    let (a, b) = ("a".repeat(2000), "b".repeat(2000));
    let seq = [("X-Simulate-Error", "500,200")];
    let mut seen = Vec::new();
    for id in [&a, &b, &a, &b] {
        seen.push(app.get(&url(id), &seq).await.status().as_u16());
    }
    assert_eq!(seen, [500, 500, 200, 200]);
    app.stop().await;
}

#[actix_web::test]
async fn sequence_elements_carry_their_own_options_and_trailing_options_apply_to_all() {
    // `429;retry-after=2,429,200` was refused as an unknown option value.
    let app = spawn_app().await;
    let cases = [
        (
            "429;retry-after=2,429,200",
            "per-element",
            [Some("2"), Some("1"), None],
        ),
        (
            "429,429,200; retry-after=2",
            "trailing",
            [Some("2"), Some("2"), None],
        ),
        (
            "429;retry-after=3,429,200;retry-after=2",
            "both",
            [Some("3"), Some("2"), None],
        ),
    ];
    for (value, session, expected) in cases {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let response = app
                .get(
                    URL,
                    &[("X-Simulate-Error", value), ("X-Simulate-Session", session)],
                )
                .await;
            seen.push((
                response.status().as_u16(),
                header(&response, "retry-after").map(str::to_owned),
            ));
        }
        let want: Vec<(u16, Option<String>)> = expected
            .iter()
            .map(|r| (if r.is_some() { 429 } else { 200 }, r.map(str::to_owned)))
            .collect();
        assert_eq!(seen, want, "{value}");
    }
    app.stop().await;
}
