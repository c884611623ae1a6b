//! `GET /__admin/requests/stream`: the journal live, as server-sent events.

use std::time::Duration;

use crate::helpers::{TestApp, spawn_app};

const RECORDS: &str = "/api/related-records?recordType=account&recordId=42";

/// Opens the stream (unjudged: it never ends) with extra headers.
async fn open(app: &TestApp, query: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app
        .client
        .get(format!("{}/__admin/requests/stream{query}", app.address));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the stream opens")
}

/// Reads the stream until `wanted` appears, for at most a second.
async fn read_until(stream: &mut reqwest::Response, wanted: &str) -> String {
    let mut text = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    while !text.contains(wanted) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match actix_web::rt::time::timeout(left, stream.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    text
}

/// The id of the oldest entry the journal keeps.
async fn oldest_id(app: &TestApp) -> u64 {
    let listing: serde_json::Value = app
        .get("/__admin/requests?limit=1", &[])
        .await
        .json()
        .await
        .unwrap();
    listing["requests"][0]["id"].as_u64().unwrap()
}

#[actix_web::test]
async fn a_request_arrives_on_the_stream_within_a_second_as_a_server_sent_event() {
    let app = spawn_app().await;
    let mut stream = open(&app, "", &[]).await;
    assert_eq!(stream.status().as_u16(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    app.get(RECORDS, &[("x-ms-client-request-id", "stream-1")])
        .await;
    let text = read_until(&mut stream, "stream-1").await;

    assert!(text.contains("event: request\n"), "{text}");
    let data = text
        .lines()
        .find(|l| l.starts_with("data: "))
        .expect("a data line");
    let entry: serde_json::Value = serde_json::from_str(&data["data: ".len()..]).unwrap();
    assert_eq!(entry["activityId"], "stream-1");
    assert_eq!(entry["status"], 200);
    assert!(text.contains(&format!("id: {}\n", entry["id"])), "{text}");
    drop(stream);
    app.stop().await;
}

#[actix_web::test]
async fn the_stream_takes_the_listing_s_filters_and_resumes_after_the_last_event_id() {
    let app = spawn_app().await;
    let mut throttled = open(&app, "?status=429", &[]).await;
    app.get(RECORDS, &[("x-ms-client-request-id", "plain")])
        .await;
    app.get(
        RECORDS,
        &[
            ("X-Simulate-Error", "429"),
            ("X-Simulate-Session", "s"),
            ("x-ms-client-request-id", "limited"),
        ],
    )
    .await;
    let text = read_until(&mut throttled, "limited").await;
    assert!(
        text.contains("limited") && !text.contains("plain"),
        "{text}"
    );
    drop(throttled);

    // Reconnecting with Last-Event-ID gets what was kept after it.
    let first = oldest_id(&app).await;
    let mut resumed = open(&app, "", &[("Last-Event-ID", &first.to_string())]).await;
    let text = read_until(&mut resumed, "limited").await;
    assert!(
        text.contains("limited") && !text.contains("\"plain\""),
        "{text}"
    );
    drop(resumed);
    app.stop().await;
}

#[actix_web::test]
async fn a_bad_filter_gets_the_standard_error_and_no_stream() {
    let app = spawn_app().await;
    let answer = app.get("/__admin/requests/stream?status=abc", &[]).await;
    crate::helpers::assert_error(answer, 400, "INVALID_REQUEST").await;
    app.stop().await;
}

#[actix_web::test]
async fn a_resume_further_back_than_one_page_is_told_what_it_missed_and_gets_the_newest() {
    // A resume used to send the oldest 1000 entries after Last-Event-ID and
    // silently skip the rest, the newest ones.
    let app = crate::helpers::spawn_with(crm_connector_mock::Config {
        journal_capacity: 2000,
        ..crm_connector_mock::Config::default()
    })
    .await;
    app.get(RECORDS, &[("x-ms-client-request-id", "before")])
        .await;
    for i in 0..1100 {
        let id = format!("r-{i}");
        app.get(RECORDS, &[("x-ms-client-request-id", id.as_str())])
            .await;
    }
    let first = oldest_id(&app).await;

    let mut resumed = open(&app, "", &[("Last-Event-ID", &first.to_string())]).await;
    let text = read_until(&mut resumed, "\"r-1099\"").await;

    assert!(
        text.starts_with("event: missed\ndata: {\"missed\":100}\n\n"),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(
        text.contains("\"r-1099\"") && text.contains("\"r-100\""),
        "the newest 1000 arrive"
    );
    assert!(!text.contains("\"r-99\""), "the missed ones are not sent");
    drop(resumed);
    app.stop().await;
}

#[actix_web::test]
async fn a_graceful_stop_ends_open_streams_rather_than_waiting_out_the_shutdown_timeout() {
    // An open dashboard held a graceful stop (docker stop) for the whole
    // --shutdown-timeout: its stream never ends on its own.
    let app = crate::helpers::spawn_with(crm_connector_mock::Config {
        shutdown_timeout: 30,
        ..crm_connector_mock::Config::default()
    })
    .await;
    let mut stream = open(&app, "", &[]).await;
    let stopping = actix_web::rt::spawn(app.stop());

    let ended = actix_web::rt::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;

    assert!(
        ended.is_ok(),
        "the stream was still open 10 s into a stop allowed 30 s"
    );
    stopping.await.unwrap();
}
