//! Each transport fault observed from a real HTTP client (reqwest), with the
//! error kind a client's retry logic would branch on.

use std::error::Error as _;
use std::time::Duration;

use crm_connector_mock::Config;
use serde_json::Value;

use crate::helpers::spawn_with;

const URL: &str = "/api/related-records?recordType=account&recordId=F-1";

/// The whole chain of an error's messages, lower-cased.
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(" | ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.to_lowercase()
}

async fn app() -> crate::helpers::TestApp {
    spawn_with(Config {
        timeout_delay: 600,
        ..Config::default()
    })
    .await
}

#[actix_web::test]
async fn connection_reset_fails_the_request_with_a_reset_before_any_response() {
    let app = app().await;
    let error = app
        .client
        .get(format!("{}{URL}", app.address))
        .header("X-Simulate-Error", "CONNECTION_RESET")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_request(), "{error:?}");
    assert!(chain(&error).contains("reset"), "{}", chain(&error));
    app.stop().await;
}

#[actix_web::test]
async fn empty_response_fails_the_request_with_a_closed_connection() {
    let app = app().await;
    let error = app
        .client
        .get(format!("{}{URL}", app.address))
        .header("X-Simulate-Error", "empty_response")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_request(), "{error:?}");
    let text = chain(&error);
    assert!(!text.contains("reset"), "a FIN, not an RST: {text}");
    assert!(
        text.contains("closed") || text.contains("incomplete"),
        "{text}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn empty_body_and_malformed_json_are_200s_that_fail_to_decode() {
    let app = app().await;
    for fault in ["EMPTY_BODY", "MALFORMED_JSON"] {
        let response = app.get(URL, &[("X-Simulate-Error", fault)]).await;
        assert_eq!(response.status().as_u16(), 200, "{fault}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{fault}"
        );
        let error = response.json::<Value>().await.unwrap_err();
        assert!(error.is_decode(), "{fault}: {error:?}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn truncated_body_promises_more_than_it_sends() {
    let app = app().await;
    let full = app.get(URL, &[]).await.bytes().await.unwrap();
    let response = app
        .get(URL, &[("X-Simulate-Error", "TRUNCATED_BODY")])
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.content_length(),
        Some(full.len() as u64),
        "declares the whole body"
    );
    let error = response.bytes().await.unwrap_err();
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "{error:?}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn slow_body_arrives_whole_but_trips_a_short_timeout() {
    let app = app().await;
    let full = app.get(URL, &[]).await.bytes().await.unwrap();
    let slow = app
        .get(URL, &[("X-Simulate-Error", "SLOW_BODY; interval=50")])
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(slow, full, "the same body, only slower");
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(250))
        .build()
        .unwrap();
    let result = async {
        let response = impatient
            .get(format!("{}{URL}", app.address))
            .header("X-Simulate-Error", "SLOW_BODY; interval=100")
            .send()
            .await?;
        response.bytes().await
    }
    .await;
    let error = result.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    app.stop().await;
}

#[actix_web::test]
async fn timeout_answers_only_after_the_configured_budget() {
    // --timeout-delay is 600 ms here (5500 by default).
    let app = app().await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = impatient
        .get(format!("{}{URL}", app.address))
        .header("X-Simulate-Error", "TIMEOUT")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let started = std::time::Instant::now();
    let patient = app.get(URL, &[("X-Simulate-Error", "timeout")]).await;
    assert_eq!(patient.status().as_u16(), 200);
    assert!(started.elapsed() >= Duration::from_millis(600));
    app.stop().await;
}

#[actix_web::test]
async fn the_server_keeps_serving_after_every_fault() {
    let app = app().await;
    for fault in [
        "CONNECTION_RESET",
        "EMPTY_RESPONSE",
        "TRUNCATED_BODY",
        "EMPTY_BODY",
        "MALFORMED_JSON",
    ] {
        let _ = app
            .client
            .get(format!("{}{URL}", app.address))
            .header("X-Simulate-Error", fault)
            .send()
            .await
            .map(|r| r.bytes());
        assert_eq!(
            app.get("/health", &[]).await.status().as_u16(),
            200,
            "after {fault}"
        );
    }
    let journal: Value = app
        .get("/__admin/requests?scenario=connection_reset", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(journal["count"], 1, "faults are journaled by name");
    app.stop().await;
}
