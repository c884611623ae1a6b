//! A machine without CA certificates (a `FROM scratch` image): the HTTP
//! clients of proxy mode and `verify` still start, and reach plain HTTP.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::{bin, http_get, start, terminate};

/// The binary as on a machine whose system has no CA certificate to load.
fn without_roots() -> std::process::Command {
    let mut command = bin();
    command
        .env("SSL_CERT_FILE", "/nonexistent/ca.pem")
        .env("SSL_CERT_DIR", "/nonexistent");
    command
}

// Broke: rustls-platform-verifier refuses to build a client when the system
// has no CA certificates, so --upstream exited 2 at start-up ("cannot build
// the upstream client") and verify exited 2, even for http:// targets.
#[test]
fn proxy_mode_and_verify_work_on_a_machine_without_ca_certificates() {
    let (mut upstream, upstream_address) = start(&[]);

    let mut proxy = without_roots()
        .args([
            "--port",
            "0",
            "--upstream",
            &format!("http://{upstream_address}"),
        ])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(proxy.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    let listening = lines.by_ref().take(20).map_while(Result::ok).any(|l| {
        log.push(l.clone());
        l.contains("listening on")
    });
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    if listening {
        terminate(&proxy);
    }
    proxy.wait().unwrap();
    let verified = without_roots()
        .args(["verify", &format!("http://{upstream_address}")])
        .output()
        .unwrap();
    // Every process stopped before any assertion, so a failure leaks none.
    let health = http_get(&upstream_address, "/health");
    terminate(&upstream);
    upstream.wait().unwrap();

    assert!(listening, "the proxy did not start: {log:?}");
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );

    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
}
