//! Proxy mode, black-box: this server as the upstream (its own journal shows
//! what reached it) behind a second one started with `--upstream`, and
//! test-only upstreams that break the contract or never answer.

use actix_web::{App, HttpResponse, HttpServer, web};
use crm_connector_mock::Config;
use serde_json::Value;

use crate::helpers::{TestApp, assert_error, header, json_of, spawn_plain, spawn_with};

const RECORDS: &str = "/api/related-records?recordType=account&recordId=42";
const ACTIVITIES: &str = "/api/related-activities?recordType=opportunity&recordId=7";

async fn proxy_to(upstream: &str, config: Config) -> TestApp {
    spawn_with(Config {
        upstream: Some(upstream.to_owned()),
        ..config
    })
    .await
}

/// What the upstream's journal saw, newest first.
async fn seen(upstream: &TestApp) -> Vec<Value> {
    let journal = json_of(upstream.get("/__admin/requests", &[]).await).await;
    journal["requests"].as_array().cloned().unwrap_or_default()
}

#[actix_web::test]
async fn without_a_simulation_the_client_gets_the_upstream_answer_unchanged() {
    // Arrange
    let upstream = spawn_plain(Config::default()).await;
    let proxy = proxy_to(&upstream.address, Config::default()).await;
    for (path, language) in [(RECORDS, "de"), (ACTIVITIES, "fr")] {
        let headers = [
            ("Accept-Language", language),
            ("x-ms-client-request-id", "proxy-1"),
        ];
        // Act
        let direct = upstream.get(path, &headers).await;
        let proxied = proxy.get(path, &headers).await;
        // Assert
        assert_eq!(proxied.status(), direct.status(), "{path}");
        for name in ["content-type", "content-language", "x-ms-request-id"] {
            assert_eq!(
                header(&proxied, name),
                header(&direct, name),
                "{path}: {name}"
            );
        }
        let (direct, proxied) = (
            direct.bytes().await.unwrap(),
            proxied.bytes().await.unwrap(),
        );
        assert_eq!(proxied, direct, "{path}: the body, byte for byte");
    }
    proxy.stop().await;
    upstream.stop().await;
}

#[actix_web::test]
async fn end_to_end_headers_go_up_and_the_simulation_knobs_do_not() {
    let upstream = spawn_plain(Config::default()).await;
    let proxy = proxy_to(&upstream.address, Config::default()).await;

    let headers = [
        ("Authorization", "Bearer up-token"),
        ("Accept-Language", "de"),
        ("x-ms-user-agent", "sales-copilot"),
        ("X-Simulate-Session", "mine"),
        ("Prefer", "respond-async, code=200"),
    ];
    let answer = proxy
        .get(&format!("{RECORDS}&simulateDelay=0"), &headers)
        .await;
    assert_eq!(answer.status().as_u16(), 200);

    let entries = seen(&upstream).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    let sent = &entry["headers"];
    assert_eq!(
        sent["authorization"], "[REDACTED]",
        "passed up (and redacted in the upstream's journal)"
    );
    assert_eq!(sent["accept-language"], "de");
    assert_eq!(sent["x-ms-user-agent"], "sales-copilot");
    assert_eq!(sent["prefer"], "respond-async", "code= was the proxy's");
    assert!(sent.get("x-simulate-session").is_none(), "{sent}");
    assert!(
        sent["x-ms-client-request-id"].is_string(),
        "the proxy's activityId goes up: {sent}"
    );
    assert_eq!(entry["query"], "recordType=account&recordId=42");
    proxy.stop().await;
    upstream.stop().await;
}

#[actix_web::test]
async fn a_simulated_answer_never_reaches_the_upstream() {
    let upstream = spawn_plain(Config::default()).await;
    let proxy = proxy_to(&upstream.address, Config::default()).await;

    let throttled = proxy.get(RECORDS, &[("X-Simulate-Error", "429")]).await;
    assert_error(throttled, 429, "REQUEST_THROTTLED").await;
    let malformed = proxy
        .get_raw(RECORDS, &[("X-Simulate-Error", "MALFORMED_JSON")])
        .await;
    assert_eq!(malformed.status().as_u16(), 200);

    assert!(seen(&upstream).await.is_empty(), "nothing went up");
    let state = json_of(proxy.get("/__admin/proxy", &[]).await).await;
    assert_eq!(state["forwarded"], 0, "{state}");
    proxy.stop().await;
    upstream.stop().await;
}

#[actix_web::test]
async fn a_truncated_body_fault_cuts_the_upstream_body() {
    let upstream = spawn_plain(Config::default()).await;
    let proxy = proxy_to(&upstream.address, Config::default()).await;
    let full = upstream.get(RECORDS, &[]).await.bytes().await.unwrap();

    let cut = proxy
        .get_raw(RECORDS, &[("X-Simulate-Error", "TRUNCATED_BODY")])
        .await;

    assert_eq!(
        cut.content_length(),
        Some(full.len() as u64),
        "the upstream body's length is promised"
    );
    assert!(cut.bytes().await.is_err(), "and not kept");
    assert_eq!(
        seen(&upstream).await.len(),
        2,
        "the direct request and the proxied one"
    );
    proxy.stop().await;
    upstream.stop().await;
}

#[actix_web::test]
async fn an_upstream_that_refuses_or_hangs_answers_502_or_504_without_its_credentials() {
    // A closed port: bound, then dropped.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let proxy = proxy_to(&format!("http://127.0.0.1:{port}"), Config::default()).await;
    let refused = proxy
        .get(RECORDS, &[("Authorization", "Bearer s3cret")])
        .await;
    let body = assert_error(refused, 502, "UPSTREAM_UNAVAILABLE").await;
    assert_eq!(
        body["details"]["upstream"],
        format!("http://127.0.0.1:{port}")
    );
    assert!(
        body["details"]["cause"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{body}"
    );
    assert!(!body.to_string().contains("s3cret"), "{body}");
    let journal = json_of(proxy.get("/__admin/requests", &[]).await).await;
    assert!(!journal.to_string().contains("s3cret"), "{journal}");
    proxy.stop().await;
    // Credentials in --upstream are refused at start-up (the URL is shown).
    let checked = Config {
        upstream: Some(format!("http://user:s3cret@127.0.0.1:{port}")),
        ..Config::default()
    }
    .checked();
    assert!(
        checked.as_ref().is_err_and(|e| !e.contains("s3cret")),
        "{checked:?}"
    );

    // An upstream slower than --upstream-timeout.
    let slow = spawn_plain(Config {
        latency: Some("500".parse().unwrap()),
        ..Config::default()
    })
    .await;
    let proxy = proxy_to(
        &slow.address,
        Config {
            upstream_timeout: 100,
            ..Config::default()
        },
    )
    .await;
    let late = proxy.get(RECORDS, &[]).await;
    let body = assert_error(late, 504, "UPSTREAM_TIMEOUT").await;
    assert_eq!(body["details"]["cause"], "timed out");
    let state = json_of(proxy.get("/__admin/proxy", &[]).await).await;
    assert_eq!(
        (state["forwarded"].as_u64(), state["failed"].as_u64()),
        (Some(1), Some(1)),
        "{state}"
    );
    proxy.stop().await;
    slow.stop().await;
}

/// A test-only upstream whose success bodies have no `value`.
async fn broken_upstream() -> (String, actix_web::dev::ServerHandle) {
    let server = HttpServer::new(|| {
        App::new().default_service(web::to(|| async {
            HttpResponse::Ok()
                .content_type("application/json")
                .body(r#"{"items": []}"#)
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (base, handle)
}

#[actix_web::test]
async fn an_answer_that_breaks_the_contract_is_journaled_counted_and_refused_when_strict() {
    let (base, handle) = broken_upstream().await;
    let proxy = proxy_to(&base, Config::default()).await;

    // Passed on (the client asked for no strictness) but recorded.
    let passed = proxy.get_raw(RECORDS, &[]).await;
    assert_eq!(passed.status().as_u16(), 200);
    assert_eq!(passed.text().await.unwrap(), r#"{"items": []}"#);
    let plain = proxy.get(ACTIVITIES, &[("X-Simulate-Error", "404")]).await;
    assert_eq!(plain.status().as_u16(), 404);

    let flagged = json_of(proxy.get("/__admin/requests?violation=contract", &[]).await).await;
    assert_eq!(flagged["count"], 1, "{flagged}");
    let entry = &flagged["requests"][0];
    assert_eq!(entry["upstream"], true);
    assert_eq!(
        entry["contractViolations"][0]["rule"], "success.envelope",
        "{entry}"
    );
    let metrics = proxy.get("/metrics", &[]).await.text().await.unwrap();
    assert!(
        metrics
            .contains(r#"crm_mock_upstream_contract_violations_total{rule="success.envelope"} 1"#),
        "{metrics}"
    );
    proxy.stop().await;

    let strict = proxy_to(
        &base,
        Config {
            upstream_strict: true,
            ..Config::default()
        },
    )
    .await;
    let refused = strict.get(RECORDS, &[]).await;
    let body = assert_error(refused, 502, "UPSTREAM_CONTRACT_VIOLATION").await;
    assert_eq!(
        body["details"]["rules"],
        serde_json::json!(["success.envelope"])
    );
    strict.stop().await;
    handle.stop(false).await;
}

#[actix_web::test]
async fn the_admin_api_shows_the_proxy_state_and_a_plain_server_says_it_is_none() {
    let upstream = spawn_plain(Config::default()).await;
    let proxy = proxy_to(&upstream.address, Config::default()).await;
    proxy.get(RECORDS, &[]).await;

    let state = json_of(proxy.get("/__admin/proxy", &[]).await).await;
    assert_eq!(state["upstream"], upstream.address.as_str());
    assert_eq!(state["activitiesPath"], "/api/related-activities");
    assert_eq!(
        (
            state["forwarded"].as_u64(),
            state["failed"].as_u64(),
            state["violating"].as_u64()
        ),
        (Some(1), Some(0), Some(0))
    );
    let plain = json_of(upstream.get("/__admin/proxy", &[]).await).await;
    assert_eq!(plain, serde_json::json!({ "upstream": null }));
    proxy.stop().await;
    upstream.stop().await;
}

/// A test-only upstream on a raw socket that answers every connection with
/// `reply` (nothing at all: it closes at once) and closes it.
fn raw_upstream(reply: &'static [u8]) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        // Bounded: the tests below send a handful of requests.
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            let mut head = [0u8; 1024];
            let _ = stream.read(&mut head);
            let _ = stream.write_all(reply);
        }
    });
    address
}

#[actix_web::test]
async fn an_upstream_that_closes_the_connection_or_answers_garbage_is_unavailable() {
    for (what, reply) in [
        ("closes without a byte", &b""[..]),
        (
            "answers something that is not HTTP",
            &b"SSH-2.0-OpenSSH_9.6\r\n"[..],
        ),
    ] {
        let proxy = proxy_to(raw_upstream(reply).as_str(), Config::default()).await;
        let answer = proxy.get(RECORDS, &[]).await;
        let body = assert_error(answer, 502, "UPSTREAM_UNAVAILABLE").await;
        assert!(
            body["details"]["cause"]
                .as_str()
                .is_some_and(|c| !c.is_empty()),
            "{what}: {body}"
        );
        assert_eq!(
            proxy.get("/health", &[]).await.status().as_u16(),
            200,
            "{what}: still serving"
        );
        proxy.stop().await;
    }
}

// The exact header set that comes back: end-to-end ones as sent, not the
// hop-by-hop ones (those the upstream's Connection names included), not its Date.
#[actix_web::test]
async fn end_to_end_answer_headers_come_back_and_hop_by_hop_ones_do_not() {
    let reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\
X-Upstream: yes\r\nRetry-After: 7\r\nConnection: close, x-hop\r\nx-hop: dropped\r\n\
Keep-Alive: timeout=5\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n{\"value\": []}";
    let proxy = proxy_to(raw_upstream(reply).as_str(), Config::default()).await;

    let answer = proxy.get(RECORDS, &[]).await;

    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(header(&answer, "x-upstream"), Some("yes"));
    assert_eq!(header(&answer, "retry-after"), Some("7"));
    assert_eq!(header(&answer, "content-type"), Some("application/json"));
    for hop in ["x-hop", "keep-alive"] {
        assert_eq!(header(&answer, hop), None, "{hop}");
    }
    assert_ne!(
        header(&answer, "date"),
        Some("Mon, 01 Jan 2024 00:00:00 GMT"),
        "this server's own Date"
    );
    assert_eq!(answer.text().await.unwrap(), r#"{"value": []}"#);
    proxy.stop().await;
}

// An upstream's Retry-After throttles the client as this server's own do:
// coming back early is answered by the proxy (and recorded), not sent up.
#[actix_web::test]
async fn an_upstream_retry_after_throttles_the_client_and_an_early_retry_stays_here() {
    let reply = b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\
Content-Length: 34\r\nRetry-After: 30\r\n\r\n{\"errorCode\": \"REQUEST_THROTTLED\"}";
    let proxy = proxy_to(raw_upstream(reply).as_str(), Config::default()).await;

    let first = proxy.get(RECORDS, &[]).await;
    assert_eq!(first.status().as_u16(), 429, "the upstream's 429");
    let early = proxy.get(RECORDS, &[]).await;
    let body = assert_error(early, 429, "REQUEST_THROTTLED").await;

    assert!(
        body["details"]["retryAfterSeconds"]
            .as_u64()
            .is_some_and(|s| s <= 30),
        "{body}"
    );
    let state = json_of(proxy.get("/__admin/proxy", &[]).await).await;
    assert_eq!(
        state["forwarded"], 1,
        "the early retry did not go up: {state}"
    );
    let flagged = json_of(proxy.get("/__admin/requests?violation=true", &[]).await).await;
    assert_eq!(flagged["count"], 1, "{flagged}");
    proxy.stop().await;
}
