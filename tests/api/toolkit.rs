use std::time::{Duration, Instant};

use crm_connector_mock::Config;
use serde_json::Value;

use crate::helpers::{assert_error, header, spawn_app, spawn_with};

const URL: &str = "/api/related-records?recordType=account&recordId=SEQ-1";

#[actix_web::test]
async fn a_requested_delay_holds_the_answer_and_a_bad_one_is_an_invalid_request() {
    let app = spawn_app().await;
    let started = Instant::now();
    let response = app.get(URL, &[("X-Simulate-Delay", "300")]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let ranged = app.get(&format!("{URL}&simulateDelay=10-30"), &[]).await;
    assert_eq!(ranged.status().as_u16(), 200);
    let body = assert_error(
        app.get(URL, &[("X-Simulate-Delay", "soon")]).await,
        400,
        "INVALID_REQUEST",
    )
    .await;
    assert_eq!(body["details"]["parameter"], "X-Simulate-Delay");
    app.stop().await;
}

#[actix_web::test]
async fn delayed_requests_do_not_hold_up_a_plain_one() {
    if crate::helpers::skip_raw_under_tls("delayed_requests_do_not_hold_up_a_plain_one") {
        return;
    }
    use std::io::{ErrorKind, Read, Write};
    // Arrange: one worker, 40 requests each delayed 1.5 s, written whole on
    // their own connections before the plain one connects (the listen queue
    // is first in, first out, so the worker holds them all before it).
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let head = format!(
        "GET {URL} HTTP/1.1\r\nHost: x\r\nX-Simulate-Delay: 1500\r\nConnection: close\r\n\r\n"
    );
    let mut delayed: Vec<std::net::TcpStream> = (0..40)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            stream
        })
        .collect();
    // Act
    let plain = app.get(URL, &[]).await;
    // Assert: it was answered while every delayed one was still waiting.
    assert_eq!(plain.status().as_u16(), 200);
    for stream in &mut delayed {
        stream.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        let error = stream.read(&mut byte).unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::WouldBlock,
            "a delayed one answered first"
        );
    }
    for mut stream in delayed {
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn the_global_latency_applies_to_every_connector_answer() {
    let app = spawn_with(Config {
        latency: Some("200".parse().unwrap()),
        ..Config::default()
    })
    .await;
    for headers in [&[][..], &[("X-Simulate-Error", "500")][..]] {
        let started = Instant::now();
        app.get(URL, headers).await;
        assert!(
            started.elapsed() >= Duration::from_millis(200),
            "{headers:?}"
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_client_back_before_retry_after_gets_429_with_the_time_left_and_a_recorded_violation() {
    let app = spawn_app().await;
    let session = ("X-Simulate-Session", "honour-test");
    // Throttled for 1 s.
    let first = app.get(URL, &[("X-Simulate-Error", "429"), session]).await;
    assert_eq!(header(&first, "retry-after"), Some("1"));
    // Back at once: throttled again, with the time left.
    let early = app.get(URL, &[session]).await;
    assert_eq!(header(&early, "retry-after"), Some("1"));
    let body = assert_error(early, 429, "REQUEST_THROTTLED").await;
    assert_eq!(body["details"]["retryAfterSeconds"], 1);
    // The journal and the metrics saw one violation.
    let count: Value = app
        .get(
            "/__admin/requests/count?violation=true&session=honour-test",
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 1);
    let metrics = app.get("/metrics", &[]).await.text().await.unwrap();
    assert!(
        metrics.contains("crm_mock_retry_after_violations_total 1"),
        "{metrics}"
    );
    // Waiting the full second is compliant.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.get(URL, &[session]).await.status().as_u16(), 200);
    let count: Value = app
        .get("/__admin/requests/count?violation=true", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 1, "no new violation");
    app.stop().await;
}

#[actix_web::test]
async fn a_retry_after_option_over_one_day_is_an_invalid_request() {
    // retry-after=4294967295 was accepted and throttled the client for 136 years.
    let app = spawn_app().await;
    for value in ["429; retry-after=86401", "429; retry-after=4294967295"] {
        let response = app.get(URL, &[("X-Simulate-Error", value)]).await;
        let body = assert_error(response, 400, "INVALID_REQUEST").await;
        assert_eq!(body["details"]["parameter"], "X-Simulate-Error", "{value}");
    }
    let longest = app
        .get(
            URL,
            &[
                ("X-Simulate-Error", "429; retry-after=86400"),
                ("X-Simulate-Session", "a-day"),
            ],
        )
        .await;
    assert_eq!(header(&longest, "retry-after"), Some("86400"));
    app.stop().await;
}

/// Requests every 100 ms (at most 25) until one is not a 429; returns the
/// Retry-After of each 429 and how long after `from` the first other answer
/// came.
async fn retry_every_100_ms(
    app: &crate::helpers::TestApp,
    headers: &[(&str, &str)],
    from: Instant,
) -> (Vec<String>, Option<Duration>) {
    let mut told = Vec::new();
    for _ in 0..25 {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let response = app.get(URL, headers).await;
        if response.status().as_u16() != 429 {
            return (told, Some(from.elapsed()));
        }
        told.push(
            header(&response, "retry-after")
                .unwrap_or("none")
                .to_owned(),
        );
    }
    (told, None)
}

#[actix_web::test]
async fn an_early_retry_is_told_the_time_left_and_does_not_move_the_deadline() {
    // Each early retry was throttled for a fresh whole second, so a client
    // retrying every 100 ms was never let through.
    let app = spawn_app().await;
    let session = ("X-Simulate-Session", "early-retries");
    let first = app.get(URL, &[("X-Simulate-Error", "429"), session]).await;
    let told_at = Instant::now();
    assert_eq!(header(&first, "retry-after"), Some("1"));
    let (told, passed) = retry_every_100_ms(&app, &[session], told_at).await;
    let passed = passed.expect("a retry after the deadline passes");
    assert!(passed < Duration::from_millis(1500), "{passed:?} {told:?}");
    assert!(
        !told.is_empty() && told.iter().all(|t| t == "1"),
        "{told:?}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn an_early_retry_under_a_rate_limit_passes_once_the_first_deadline_is_over() {
    // Under --rate-limit 5/s a client retrying every 100 ms was still refused
    // 1.5 s after the original deadline.
    let app = spawn_with(Config {
        rate_limit: Some("5/s".parse().unwrap()),
        ..Config::default()
    })
    .await;
    // Up to 20, not 6: under CRM_MOCK_TEST_TLS on a loaded machine six
    // requests outlasted the burst's refill, and the sixth passed.
    let mut refused = None;
    for _ in 0..20 {
        let response = app.get(URL, &[]).await;
        if response.status().as_u16() == 429 {
            refused = Some((
                Instant::now(),
                header(&response, "retry-after").map(str::to_owned),
            ));
            break;
        }
    }
    let (told_at, seconds) = refused.expect("a request in a burst is refused");
    assert_eq!(seconds.as_deref(), Some("1"));
    let (told, passed) = retry_every_100_ms(&app, &[], told_at).await;
    let passed = passed.expect("a retry after the deadline passes");
    assert!(passed < Duration::from_millis(1500), "{passed:?} {told:?}");
    app.stop().await;
}

#[actix_web::test]
async fn a_new_client_is_still_checked_once_ten_thousand_clients_are_throttled() {
    // With 10,000 unexpired Retry-After entries, a new client's early retry
    // was never checked and got 200.
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let client = app.judged(app.client.clone());
        let url = format!("{}{URL}", app.address);
        tasks.push(actix_web::rt::spawn(async move {
            for i in (worker..10_000).step_by(8) {
                let response = client
                    .send(
                        client
                            .get(&url)
                            .header("X-Simulate-Error", "429; retry-after=600")
                            .header("X-Simulate-Session", format!("full-{i}")),
                    )
                    .await;
                assert_eq!(response.status().as_u16(), 429);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let session = ("X-Simulate-Session", "the-new-one");
    let told = app.get(URL, &[("X-Simulate-Error", "429"), session]).await;
    assert_eq!(told.status().as_u16(), 429);
    let early = app.get(URL, &[session]).await;
    assert_eq!(header(&early, "retry-after"), Some("1"));
    assert_error(early, 429, "REQUEST_THROTTLED").await;
    app.stop().await;
}
