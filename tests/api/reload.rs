use crm_connector_mock::Config;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_error, dir_with, spawn_with};

const RECORDS: &str = "/api/related-records?recordType=account&recordId=ADM-1";

#[actix_web::test]
async fn reload_picks_up_new_files_and_a_failed_reload_keeps_the_old_ones_serving() {
    let dir = dir_with(
        "reload",
        &[(
            "user.json",
            r#"{"scenarios": [{"errorCode": "FIRST", "status": 503, "message": "m"}]}"#,
        )],
    );
    let file = dir.join("user.json");
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "FIRST")]).await,
        503,
        "FIRST",
    )
    .await;

    std::fs::write(
        &file,
        r#"{"scenarios": [{"errorCode": "SECOND", "status": 502, "message": "m"}]}"#,
    )
    .unwrap();
    let reloaded = app.request(Method::POST, "/__admin/reload").await;
    assert_eq!(reloaded.status().as_u16(), 200);
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "SECOND")]).await,
        502,
        "SECOND",
    )
    .await;
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "FIRST")]).await,
        400,
        "UNKNOWN_SCENARIO",
    )
    .await;

    std::fs::write(
        &file,
        "{\n  \"scenarios\": [{\"errorCode\": \"THIRD\", \"status\": 42, \"message\": \"m\"}]\n}",
    )
    .unwrap();
    let failed = app.request(Method::POST, "/__admin/reload").await;
    let body = assert_error(failed, 400, "INVALID_DEFINITIONS").await;
    let problem = body["details"]["problems"][0].as_str().unwrap();
    assert!(problem.contains("user.json:2:"), "{problem}");
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "SECOND")]).await,
        502,
        "SECOND",
    )
    .await;
    app.stop().await;
}

#[actix_web::test]
async fn reload_refuses_an_activity_time_out_of_range_with_its_location() {
    // Broke: a relative time of -4400000d passed the file checks and then
    // panicked while the dates were computed, so reload answered 500.
    let dir = dir_with("reload-far-past", &[("user.json", r#"{"records": []}"#)]);
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    std::fs::write(
        dir.join("user.json"),
        "{\"records\": [{\"recordType\": \"account\", \"recordId\": \"ADM-1\",\n  \"activities\": [{\"title\": \"t\", \"description\": \"d\", \"at\": \"-4400000d\"}]}]}",
    )
    .unwrap();

    let failed = app.request(Method::POST, "/__admin/reload").await;

    let body = assert_error(failed, 400, "INVALID_DEFINITIONS").await;
    let problem = body["details"]["problems"][0].as_str().unwrap();
    assert!(problem.contains("user.json:2:"), "{problem}");
    assert!(problem.contains("-4400000d"), "{problem}");
    app.stop().await;
}

#[actix_web::test]
async fn reload_parses_off_the_workers_so_requests_meanwhile_are_answered() {
    if crate::helpers::skip_raw_under_tls(
        "reload_parses_off_the_workers_so_requests_meanwhile_are_answered",
    ) {
        return;
    }
    // Regression: reload parsed on the worker thread: a 49 MiB data file held
    // it for a second and every request queued behind it waited.
    let dir = dir_with("reload-off-worker", &[("user.json", "{}")]);
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    // Arrange: a valid file of about 10 MiB, slow to parse.
    let tokens: Vec<String> = (0..600_000).map(|i| format!("expired-{i:010}")).collect();
    std::fs::write(
        dir.join("user.json"),
        json!({ "expiredTokens": tokens }).to_string(),
    )
    .unwrap();
    let address = app.address.trim_start_matches("http://").to_owned();
    let (sent, was_sent) = std::sync::mpsc::channel();
    let reload = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .write_all(b"POST /__admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        sent.send(()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        (answer, std::time::Instant::now())
    });
    actix_web::rt::task::spawn_blocking(move || was_sent.recv())
        .await
        .unwrap()
        .unwrap();
    // Act: the one worker answers while the reload is still being parsed.
    let health = app.get("/health", &[]).await;
    let health_answered = std::time::Instant::now();
    assert_eq!(health.status().as_u16(), 200);
    let (answer, reload_answered) = reload.await.unwrap();
    // Assert
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        health_answered < reload_answered,
        "the health check waited for the reload"
    );
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}

#[actix_web::test]
async fn a_definitions_file_over_the_size_bound_is_a_problem_naming_the_file() {
    let dir = dir_with("too-big", &[("user.json", "{}")]);
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    // 17 MiB of whitespace around an empty object: valid JSON, too big.
    let mut big = String::from("{}");
    big.push_str(&" ".repeat(17 * 1024 * 1024));
    std::fs::write(dir.join("user.json"), big).unwrap();
    let failed = app.request(Method::POST, "/__admin/reload").await;
    let body = assert_error(failed, 400, "INVALID_DEFINITIONS").await;
    let problem = body["details"]["problems"][0].as_str().unwrap();
    assert!(problem.contains("user.json:1:1:"), "{problem}");
    assert!(problem.contains("16 MiB"), "{problem}");
    assert_eq!(app.get(RECORDS, &[]).await.status().as_u16(), 200);
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}
