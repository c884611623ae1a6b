//! Serving: the bound address in the log, graceful shutdown on SIGTERM and
//! SIGINT, a second signal that exits at once, a stderr nobody reads.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::{http_get, join_within, launch, signal, start, terminate, wait_within};

#[test]
fn port_zero_logs_the_real_bound_address_and_serves() {
    // Arrange / Act: the start-up line, then one request.
    let (mut child, address, lines) = launch(&[]);
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret-token-123\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    // A graceful stop flushes the buffered log (see src/logsink.rs).
    terminate(&child);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    child.wait().unwrap();
    // Assert
    assert!(!address.ends_with(":0"), "{address}");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let access = rest
        .iter()
        .find(|l| l.contains("GET /health 200"))
        .expect("an access log line");
    assert!(access.contains("activityId="), "{access}");
    assert!(
        rest.iter().all(|l| !l.contains("secret-token-123")),
        "authorization is never logged"
    );
}

#[test]
fn sigterm_and_sigint_let_in_flight_requests_finish_and_exit_0() {
    for signal_name in ["TERM", "INT"] {
        // Arrange: one request that takes 800 ms is in flight. One worker,
        // so the worker that answers /health below has taken it up first.
        let (mut child, address) = start(&["--shutdown-timeout", "5", "--workers", "1"]);
        let mut stream = TcpStream::connect(&address).unwrap();
        stream
            .write_all(b"GET /api/related-records?recordType=a&recordId=1 HTTP/1.1\r\nHost: x\r\nX-Simulate-Delay: 800\r\nConnection: close\r\n\r\n")
            .unwrap();
        let in_flight = std::thread::spawn(move || {
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        });
        // The listen queue is first in, first out, and the one worker reads
        // its connections in the order it accepted them: once a later
        // connection is answered, the in-flight request has started.
        let health = http_get(&address, "/health");
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        // Act
        signal(&child, signal_name);
        // Assert: the request completes and the process exits cleanly.
        let response = in_flight.join().unwrap();
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "{signal_name}: {response}"
        );
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "SIG{signal_name} exits 0");
        assert!(
            TcpStream::connect(&address).is_err(),
            "no longer accepting after SIG{signal_name}"
        );
    }
}

#[test]
fn a_second_signal_during_graceful_shutdown_exits_at_once() {
    for (signal_name, exit_code) in [("TERM", 143), ("INT", 130)] {
        // What broke: a second SIGTERM/SIGINT was ignored, so the process
        // waited for a 10 s request (up to --shutdown-timeout 30).
        // Arrange: a request that takes 10 s is in flight.
        let (mut child, address) = start(&["--shutdown-timeout", "30"]);
        let mut stream = TcpStream::connect(&address).unwrap();
        stream
            .write_all(b"GET /api/related-records?recordType=a&recordId=1 HTTP/1.1\r\nHost: x\r\nX-Simulate-Delay: 10000\r\n\r\n")
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        // Act
        signal(&child, signal_name);
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the first SIG{signal_name} waits for the request"
        );
        signal(&child, signal_name);
        // Assert
        let code = wait_within(&mut child, std::time::Duration::from_secs(3));
        assert_eq!(code, Some(exit_code), "second SIG{signal_name}");
    }
}

#[actix_web::test]
async fn a_stderr_pipe_that_is_never_read_does_not_stop_the_server() {
    // What broke: with stderr never read, the log buffers filled and the
    // request threads blocked writing to stderr: after ~15,000 requests even
    // /health stopped answering. Long activityIds make each access line
    // ~8 KB, so 600 requests log ~5 MB, far past the pipe and the buffers.
    let (mut child, address, lines) = launch(&[]);
    let client = crate::client_builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    let long_id = "x".repeat(8000);
    for i in 0..600 {
        let response = client
            .get(format!("http://{address}/health"))
            .header("x-ms-client-request-id", &long_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("request {i} is answered: {e}"));
        assert_eq!(response.status().as_u16(), 200, "request {i}");
    }
    let fresh = crate::client_builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    let metrics = fresh
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .expect("/metrics answers on a new connection")
        .text()
        .await
        .unwrap();
    let dropped: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("crm_mock_log_lines_dropped_total "))
        .unwrap_or_else(|| panic!("the dropped-lines counter in {metrics}"))
        .trim()
        .parse()
        .unwrap();
    assert!(dropped > 0, "{metrics}");
    // Once stderr is read again, one line says how many were dropped.
    let reader = std::thread::spawn(move || {
        lines
            .map_while(Result::ok)
            .find(|l| l.contains("log lines dropped"))
    });
    let notice = join_within(reader, std::time::Duration::from_secs(5));
    terminate(&child);
    let _ = wait_within(&mut child, std::time::Duration::from_secs(5));
    let notice = notice
        .flatten()
        .expect("a dropped-lines notice once stderr is read");
    assert!(notice.contains("WARN"), "{notice}");
}
