//! HTTPS and HTTP/2 (`--tls-self-signed`, `--tls-cert`/`--tls-key`,
//! `--http-port`): a client that trusts only the generated `ca.pem` and
//! checks the name `localhost` reaches every route over HTTP/1.1 and h2.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crm_connector_mock::Handle;
use crm_connector_mock::{Application, Config};
use serde_json::Value;

use crate::helpers::{CLOCK, client_builder, trusting};

/// A fresh, empty directory for one test's certificates.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crm-mock-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn self_signed(dir: &Path, sans: &[&str]) -> Config {
    Config {
        port: 0,
        workers: 1,
        clock: time::OffsetDateTime::parse(CLOCK, &time::format_description::well_known::Rfc3339)
            .ok(),
        tls_self_signed: Some(dir.to_owned()),
        tls_san: sans.iter().map(|s| (*s).to_owned()).collect(),
        ..Config::default()
    }
}

/// Starts `config`; a handle to stop it and its port.
fn start(config: Config) -> (Handle, u16) {
    let app = Application::build(config).expect("the TLS server starts");
    assert!(app.base_url().starts_with("https://"), "{}", app.base_url());
    let (handle, port) = (app.handle(), app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    (handle, port)
}

/// A client trusting only `DIR/ca.pem`, speaking HTTP/1.1 only or
/// offering h2 by ALPN.
fn client(dir: &Path, http1_only: bool) -> reqwest::Client {
    let builder = client_builder().tls_certs_only([trusting(&dir.join("ca.pem"))]);
    let builder = if http1_only {
        builder.http1_only()
    } else {
        builder
    };
    builder.build().unwrap()
}

const ROUTES: [&str; 7] = [
    "/health",
    "/openapi.json",
    "/metrics",
    "/api/related-activities?recordType=account&recordId=1&top=2",
    "/api/related-records?recordType=account&recordId=1",
    "/__admin/scenarios",
    "/__admin/requests",
];

#[actix_web::test]
async fn a_client_trusting_only_the_generated_ca_reaches_every_route_over_http1_and_h2() {
    // Arrange
    let dir = fresh_dir("routes");
    let (handle, port) = start(self_signed(&dir, &[]));
    for (http1_only, version) in [
        (true, reqwest::Version::HTTP_11),
        (false, reqwest::Version::HTTP_2),
    ] {
        let client = client(&dir, http1_only);
        for route in ROUTES {
            // Act
            let response = client
                .get(format!("https://localhost:{port}{route}"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{route} over {version:?}: {e:?}"));
            // Assert
            assert_eq!(response.version(), version, "{route}");
            assert_eq!(response.status().as_u16(), 200, "{route} over {version:?}");
            assert!(
                response.headers().contains_key("x-ms-request-id"),
                "{route}"
            );
        }
        // A simulated error answers the same way.
        let throttled = client
            .get(format!(
                "https://localhost:{port}/api/related-activities?recordType=account&recordId=1"
            ))
            .header("X-Simulate-Error", "REQUEST_THROTTLED")
            .send()
            .await
            .unwrap();
        assert_eq!(throttled.status().as_u16(), 429, "{version:?}");
        assert!(throttled.headers().contains_key("retry-after"));
        // Its Retry-After window ends with a reset (a POST, over this version too).
        let reset = client
            .post(format!("https://localhost:{port}/__admin/reset"))
            .send()
            .await
            .unwrap();
        assert_eq!((reset.status().as_u16(), reset.version()), (200, version));
    }
    handle.stop(true).await;
}

#[actix_web::test]
async fn the_generated_files_are_reused_on_a_second_start_and_made_anew_when_a_san_is_added() {
    let dir = fresh_dir("reuse");
    let read = |file: &str| std::fs::read(dir.join(file)).unwrap();
    let (first, _) = start(self_signed(&dir, &["mock"]));
    first.stop(false).await;
    let (ca, cert) = (read("ca.pem"), read("cert.pem"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "key.pem's mode");

    // The same names (and a subset): the same files.
    let (second, _) = start(self_signed(&dir, &["MOCK"]));
    second.stop(false).await;
    assert_eq!(read("ca.pem"), ca, "ca.pem reused");
    assert_eq!(read("cert.pem"), cert, "cert.pem reused");

    // A name added: a new CA and certificate, which serve the new name.
    let (handle, port) = start(self_signed(&dir, &["mock", "crm-mock.test"]));
    assert_ne!(read("ca.pem"), ca, "a new ca.pem");
    let client = client_builder()
        .tls_certs_only([trusting(&dir.join("ca.pem"))])
        .resolve("crm-mock.test", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let response = client
        .get(format!("https://crm-mock.test:{port}/health"))
        .send()
        .await
        .expect("the new name is covered");
    assert_eq!(response.status().as_u16(), 200);
    handle.stop(true).await;
}

#[actix_web::test]
async fn a_mismatched_certificate_and_key_are_refused_naming_the_files_not_the_key() {
    // Two generated pairs; the certificate of one with the key of the other.
    let (a, b) = (fresh_dir("pair-a"), fresh_dir("pair-b"));
    for dir in [&a, &b] {
        let (handle, _) = start(self_signed(dir, &[]));
        handle.stop(false).await;
    }
    let key = std::fs::read_to_string(b.join("key.pem")).unwrap();
    let config = Config {
        port: 0,
        tls_cert: Some(a.join("cert.pem")),
        tls_key: Some(b.join("key.pem")),
        ..Config::default()
    };
    let Err(message) = Application::build(config) else {
        panic!("a mismatched pair must not start");
    };
    assert!(
        message.contains(&b.join("key.pem").display().to_string()),
        "{message}"
    );
    assert!(
        !message.contains("PRIVATE KEY") && !message.contains(&key[40..80]),
        "{message}"
    );

    // An unreadable key names its file.
    let config = Config {
        port: 0,
        tls_cert: Some(a.join("cert.pem")),
        tls_key: Some(a.join("missing.pem")),
        ..Config::default()
    };
    let Err(message) = Application::build(config) else {
        panic!("a missing key must not start");
    };
    assert!(message.contains("missing.pem"), "{message}");
}

#[actix_web::test]
async fn plain_http_on_the_tls_port_fails_fast_and_http_port_serves_plain_http_beside() {
    // Arrange
    let dir = fresh_dir("plain");
    let app = Application::build(Config {
        http_port: Some(0),
        ..self_signed(&dir, &[])
    })
    .unwrap();
    let plain = app.plain_url().expect("--http-port is bound");
    let (handle, port) = (app.handle(), app.port());
    actix_web::rt::spawn(app.run_until_stopped());

    // Act: plain HTTP/1.1 bytes on the TLS port, on a blocking socket with a
    // bounded read (off the runtime's thread).
    let seen = actix_web::rt::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        let outcome = stream.read_to_end(&mut answer);
        (started.elapsed(), outcome.map_err(|e| e.kind()), answer)
    })
    .await
    .unwrap();

    // Assert: closed (or reset) well before the read's bound, never an HTTP answer.
    let (elapsed, outcome, answer) = seen;
    assert!(
        elapsed < Duration::from_secs(4),
        "took {elapsed:?}: {outcome:?}"
    );
    assert!(
        !matches!(
            outcome,
            Err(std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
        ),
        "{outcome:?}"
    );
    assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");

    // --http-port: the same routes in plain HTTP, and HTTPS still on the port.
    let response = client_builder()
        .build()
        .unwrap()
        .get(format!("{plain}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    let response = client(&dir, false)
        .get(format!("https://localhost:{port}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    handle.stop(true).await;
}

#[actix_web::test]
async fn the_served_document_says_https_under_tls_unless_the_public_url_says_otherwise() {
    let dir = fresh_dir("schemes");
    for (public_url, want) in [(None, "https"), (Some("http://c.contoso.test"), "http")] {
        let (handle, port) = start(Config {
            public_url: public_url.map(str::to_owned),
            ..self_signed(&dir, &[])
        });
        let doc: Value = client(&dir, false)
            .get(format!("https://localhost:{port}/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["schemes"], serde_json::json!([want]), "{public_url:?}");
        handle.stop(true).await;
    }
}

/// What reqwest sees of a fault over HTTPS: `send()` fails, or `200` and
/// the body fails (docs/faults.md's TLS table).
async fn seen(client: &reqwest::Client, url: &str, fault: &str) -> &'static str {
    match client
        .get(url)
        .header("X-Simulate-Error", fault)
        .send()
        .await
    {
        Err(e) if e.is_request() => "send() fails, is_request()",
        Err(_) => "send() fails",
        Ok(response) if response.status().as_u16() == 200 => match response.bytes().await {
            Err(e) if e.is_decode() || e.is_body() => "200, the body fails",
            Err(_) => "200, the body fails otherwise",
            Ok(_) => "200, complete",
        },
        Ok(_) => "another status",
    }
}

#[actix_web::test]
async fn the_connection_faults_break_the_connection_over_http1_and_h2() {
    // Broke: over h2 the head went out before the failing body, so
    // CONNECTION_RESET and EMPTY_RESPONSE looked like a 200 with a cut body.
    let dir = fresh_dir("faults");
    let (handle, port) = start(self_signed(&dir, &[]));
    let url =
        format!("https://localhost:{port}/api/related-records?recordType=account&recordId=T-1");
    for http1_only in [true, false] {
        for (fault, want) in [
            ("CONNECTION_RESET", "send() fails, is_request()"),
            ("EMPTY_RESPONSE", "send() fails, is_request()"),
            ("TRUNCATED_BODY", "200, the body fails"),
        ] {
            // A client per request: a broken connection takes its pool along.
            let client = client(&dir, http1_only);
            let got = seen(&client, &url, fault).await;
            assert_eq!(got, want, "{fault}, http1_only {http1_only}");
        }
    }
    // The server keeps serving over both.
    for http1_only in [true, false] {
        let response = client(&dir, http1_only)
            .get(format!("https://localhost:{port}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    handle.stop(true).await;
}

#[actix_web::test]
async fn the_proxy_reaches_an_https_upstream_and_refuses_one_it_cannot_trust() {
    // Arrange: an HTTPS upstream whose CA the proxies' system roots lack.
    let dir = fresh_dir("proxy-upstream");
    let (upstream, port) = start(self_signed(&dir, &[]));
    let url = format!("https://localhost:{port}");
    // Built here, not by the helpers: under CRM_MOCK_TEST_TLS=1 they make
    // every proxy accept any upstream certificate.
    let proxy = |insecure| {
        let app = Application::build(Config {
            port: 0,
            workers: 1,
            upstream: Some(url.clone()),
            upstream_insecure: insecure,
            ..Config::default()
        })
        .expect("the proxy starts");
        let (base, handle) = (app.base_url(), app.handle());
        actix_web::rt::spawn(app.run_until_stopped());
        // A plain client: the proxies speak plain HTTP in every test mode.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().build().unwrap();
        (crate::helpers::TestApp::detached_with(base, client), handle)
    };
    let ((checking, first), (insecure, second)) = (proxy(false), proxy(true));
    let path = "/api/related-records?recordType=account&recordId=1";
    // Act
    let refused = checking.get(path, &[]).await;
    let passed = insecure
        .get(path, &[("x-ms-client-request-id", "via-proxy")])
        .await;
    let direct = reqwest::Client::builder()
        .tls_certs_only([trusting(&dir.join("ca.pem"))])
        .build()
        .unwrap();
    let journal: Value = direct
        .get(format!("{url}/__admin/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let direct = direct.get(format!("{url}{path}")).send().await.unwrap();
    // Assert
    let body = crate::helpers::assert_error(refused, 502, "UPSTREAM_UNAVAILABLE").await;
    let cause = body["details"]["cause"].as_str().unwrap_or_default();
    assert!(cause.contains("certificate"), "{body}");
    assert_eq!(passed.status().as_u16(), 200);
    let (passed, direct): (Value, Value) =
        (passed.json().await.unwrap(), direct.json().await.unwrap());
    assert_eq!(passed, direct);
    // It spoke h2 (offered by ALPN): an HTTP/1.1 request carries a `host`
    // header, h2 carries the authority as `:authority` instead.
    let proxied = journal["requests"].as_array().and_then(|r| {
        r.iter()
            .find(|e| e["activityId"] == "via-proxy")
            .map(|e| e["headers"].clone())
    });
    let proxied = proxied.expect("the upstream journaled the proxied request");
    assert!(proxied.get("host").is_none(), "{proxied}");
    for handle in [first, second, upstream] {
        handle.stop(false).await;
    }
}
