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
        let response = app.get_raw(URL, &[("X-Simulate-Error", fault)]).await;
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
        .get_raw(URL, &[("X-Simulate-Error", "TRUNCATED_BODY")])
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
    let impatient = crate::helpers::client_builder()
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
    let impatient = crate::helpers::client_builder()
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
        // Read the answer to its end (or its failure), so the fault has
        // happened before the next request.
        if let Ok(response) = app
            .client
            .get(format!("{}{URL}", app.address))
            .header("X-Simulate-Error", fault)
            .send()
            .await
        {
            let _ = response.bytes().await;
        }
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

/// The `is_*()` predicates of a reqwest error that hold, as the README writes them.
fn kinds(error: &reqwest::Error) -> String {
    let predicates = [
        ("is_timeout()", error.is_timeout()),
        ("is_connect()", error.is_connect()),
        ("is_request()", error.is_request()),
        ("is_body()", error.is_body()),
        ("is_decode()", error.is_decode()),
    ];
    let held: Vec<String> = predicates
        .iter()
        .filter(|(_, held)| *held)
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    held.join(", ")
}

/// What a reqwest client that wants a JSON body sees of `fault`.
async fn reqwest_sees(client: &reqwest::Client, address: &str, fault: &str) -> String {
    let response = match client
        .get(format!("{address}{URL}"))
        .header("X-Simulate-Error", fault)
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => return format!("`send()` fails, {}", kinds(&e)),
    };
    let status = response.status().as_u16();
    match response.json::<Value>().await {
        Ok(_) => format!("`{status}`, complete"),
        Err(e) => format!("`{status}`, `json()` fails, {}", kinds(&e)),
    }
}

// Broke: the table said reqwest reports TRUNCATED_BODY as a body error; it
// reports `is_decode()`. The reqwest column is now what this test observes.
#[actix_web::test]
async fn the_readme_fault_table_says_what_reqwest_observes_for_every_fault() {
    // Arrange: TIMEOUT waits 600 ms here; the impatient client gives up at 250.
    let app = app().await;
    let patient = crate::helpers::client();
    let impatient = crate::helpers::client_builder()
        .timeout(Duration::from_millis(250))
        .build()
        .unwrap();
    let readme = include_str!("../../docs/faults.md");
    let table = readme
        .split("<!-- fault-table -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /fault-table -->").next())
        .expect("README has <!-- fault-table --> ... <!-- /fault-table -->");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    let catalogue = app.get_json("/__admin/scenarios").await;
    let mut faults: Vec<String> = catalogue["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("`{}`", f["name"].as_str().unwrap()))
        .collect();
    let mut listed: Vec<String> = rows.iter().map(|r| r[1].to_owned()).collect();
    listed.sort();
    faults.sort();
    assert_eq!(listed, faults, "the table lists every fault");
    let mut wrong = Vec::new();
    for row in rows {
        let fault = row[1].trim_matches('`');
        // Act: SLOW_BODY with 100 ms between chunks outlasts 250 ms.
        let value = if fault == "SLOW_BODY" {
            "SLOW_BODY; interval=100".to_owned()
        } else {
            fault.to_owned()
        };
        let mut seen = reqwest_sees(&patient, &app.address, &value).await;
        let hurried = reqwest_sees(&impatient, &app.address, &value).await;
        if hurried != seen {
            seen = format!("{seen}; with a shorter timeout: {hurried}");
        }
        if row[4] != seen {
            wrong.push(format!(
                "{fault}: the README says {:?}, reqwest sees {seen:?}",
                row[4]
            ));
        }
    }
    // Assert
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    app.stop().await;
}
