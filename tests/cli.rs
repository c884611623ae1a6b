//! The real binary, run with a cleared environment (ripgrep style).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_crm-connector-mock"));
    command.env_clear();
    command
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = bin().args(args).output().expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// SIGTERM through the shell's builtin kill (present on every machine, unlike
/// /bin/kill).
fn terminate(child: &std::process::Child) {
    signal(child, "TERM");
}

fn signal(child: &std::process::Child, name: &str) {
    let status = Command::new("sh")
        .args(["-c", &format!("kill -{name} {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name}");
}

// Broke: this test said "every flag" but checked a hand-kept list of 8 of
// the 25; the list now comes from clap's own definition of the command.
#[test]
fn help_lists_every_flag_with_its_env_var() {
    use clap::CommandFactory;
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, 0);
    let command = crm_connector_mock::Cli::command();
    let mut flags = 0;
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else {
            continue;
        };
        if long == "help" || long == "version" {
            continue;
        }
        flags += 1;
        assert!(stdout.contains(&format!("--{long}")), "--{long} in --help");
        let env = arg
            .get_env()
            .unwrap_or_else(|| panic!("--{long} has an environment variable"))
            .to_string_lossy();
        assert!(env.starts_with("CRM_MOCK_"), "--{long}: {env}");
        assert!(stdout.contains(&format!("env: {env}")), "{env} in --help");
    }
    assert!(flags >= 25, "clap lists {flags} flags");
    for subcommand in command.get_subcommands() {
        let name = subcommand.get_name();
        assert!(stdout.contains(name), "{name} in --help");
    }
}

#[test]
fn a_bad_flag_value_exits_2_with_clap_message() {
    for args in [
        &["--port", "http"][..],
        &["--clock", "yesterday"][..],
        &["--port", "70000"][..],
    ] {
        let (code, _, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains("invalid value"), "{args:?}: {stderr}");
    }
    let (code, _, stderr) = run(&["--activities-path", "no-slash"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--activities-path"), "{stderr}");
}

#[test]
fn an_env_var_configures_like_the_flag() {
    let output = bin()
        .args(["openapi"])
        .env("CRM_MOCK_RECORDS_PATH", "/from/env")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        doc["paths"]["/from/env"]["get"]["operationId"],
        "scp-get-related-records"
    );
}

#[test]
fn openapi_prints_the_document_for_the_configured_paths() {
    let (code, stdout, _) = run(&["--activities-path", "/acts", "openapi"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        doc["paths"]["/acts"]["get"]["operationId"],
        "scp-get-related-activities"
    );
}

#[test]
fn scenarios_prints_the_catalogue_and_the_defined_records() {
    let (code, stdout, _) = run(&["scenarios"]);
    assert_eq!(code, 0);
    for code in [
        "INVALID_CRM_CONNECTION",
        "RECORD_NOT_FOUND",
        "REQUEST_THROTTLED",
        "0065g00000deletedaaa",
    ] {
        assert!(stdout.contains(code), "{code} in {stdout}");
    }
}

fn temp_dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("crm-mock-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[test]
fn validate_reports_each_problem_with_file_line_and_column_and_exits_1() {
    let dir = temp_dir(
        "bad",
        &[
            (
                "a.json",
                "{\n  \"scenarios\": [\n    {\"errorCode\": \"X\", \"status\": 200, \"message\": \"m\"}\n  ]\n}\n",
            ),
            ("b.json", "{\n  \"records\": [ {\"recordType\": \"a\"\n"),
            (
                "c.json",
                "{\"scenarios\": [{\"errorCode\": \"Y\", \"status\": 503, \"message\": \"{nope}\"}]}",
            ),
        ],
    );
    let (code, stdout, _) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let line_of = |file: &str| {
        stdout
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} in {stdout}"))
            .to_owned()
    };
    assert!(line_of("a.json").contains("a.json:3:"), "{stdout}");
    assert!(
        line_of("a.json").contains("not an error status"),
        "{stdout}"
    );
    assert!(line_of("b.json").contains("b.json:3:"), "{stdout}");
    assert!(
        line_of("c.json").contains("unknown placeholder"),
        "{stdout}"
    );
    assert!(stdout.contains("3 problem(s)"), "{stdout}");
}

#[test]
fn validate_summarises_a_good_directory_and_exits_0() {
    let dir = temp_dir(
        "good",
        &[(
            "mine.json",
            r#"{"scenarios": [{"errorCode": "SERVICE_UNAVAILABLE", "status": 503, "message": "down", "retryAfter": 5, "answersStatus": true}],
               "records": [{"recordType": "account", "recordId": "A-1", "state": "deleted"}]}"#,
        )],
    );
    let (code, stdout, _) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("1 scenario(s), 1 record(s): OK"),
        "{stdout}"
    );
}

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
fn healthcheck_exits_0_against_a_running_server_and_1_when_none_answers() {
    // Arrange: a server on a free port, found from its start-up line.
    let (mut child, address) = start(&[]);
    let port = address.rsplit(':').next().unwrap().to_owned();
    // Act
    let healthy = bin()
        .args(["--port", &port, "healthcheck"])
        .status()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let after_stop = bin()
        .args(["--port", &port, "healthcheck"])
        .output()
        .unwrap();
    // Assert
    assert_eq!(healthy.code(), Some(0));
    assert_eq!(after_stop.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&after_stop.stderr).contains("not healthy"));
}

/// Starts the binary with `--port 0`; returns the child, the address from
/// its `listening on` line, and the rest of its log.
fn launch(
    args: &[&str],
) -> (
    std::process::Child,
    String,
    std::io::Lines<BufReader<std::process::ChildStderr>>,
) {
    let mut child = bin()
        .args(["--port", "0"])
        .args(args)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let address = lines
        .by_ref()
        .take(20)
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_once("listening on http://")
                .map(|(_, a)| a.trim().to_owned())
        })
        .expect("a listening line");
    (child, address, lines)
}

/// Like `launch`, draining the log so the server never blocks on a full pipe.
fn start(args: &[&str]) -> (std::process::Child, String) {
    let (child, address, lines) = launch(args);
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    (child, address)
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

/// A plain HTTP/1.1 GET on its own connection; the whole response as text.
fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Runs the binary to its end, or kills it after 20 s (a server that
/// started); its exit code (`None` when killed) and stderr.
fn run_briefly(args: &[&str]) -> (Option<i32>, String) {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = wait_within(&mut child, std::time::Duration::from_secs(20));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (code, stderr)
}

#[test]
fn validate_and_serve_refuse_the_same_files_with_the_same_located_problem() {
    // Broke: these passed `validate` (exit 0) but `serve` panicked (exit 101)
    // or refused them; the last one panicked `validate` itself.
    let record = |field: &str| {
        format!(
            "{{\n  \"records\": [\n    {{\"recordType\": \"account\", \"recordId\": \"V-1\",\n      {field}}}\n  ]\n}}\n"
        )
    };
    let cases = [
        (
            "far-past",
            record(r#""activities": [{"title": "t", "description": "d", "at": "-4400000d"}]"#),
        ),
        (
            "overflow",
            record(
                r#""activities": [{"title": "t", "description": "d", "at": "-106751991167301d"}]"#,
            ),
        ),
        ("unknown-code", record(r#""simulate": "NO_SUCH_CODE""#)),
    ];
    for (name, text) in cases {
        let dir = temp_dir(name, &[("bad.json", &text)]);
        let dir = dir.to_str().unwrap();

        let (code, stdout, stderr) = run(&["validate", dir]);
        assert_eq!(code, 1, "{name}: validate\n{stdout}{stderr}");
        let problem = stdout
            .lines()
            .find(|l| l.contains("bad.json:4:"))
            .unwrap_or_else(|| panic!("{name}: a bad.json:4: line in {stdout}"));

        let (code, stderr) = run_briefly(&["--port", "0", "--scenarios", dir, "serve"]);
        assert_eq!(code, Some(2), "{name}: serve\n{stderr}");
        assert!(stderr.contains(problem), "{name}: {problem} in {stderr}");
    }
}

#[test]
fn an_admin_token_that_is_not_visible_ascii_is_refused_at_start_up_with_exit_2() {
    // Such a token could never be sent in a bearer header, so it would lock
    // the admin API; the message must not print the token itself.
    for token in ["pass word", "caf\u{e9}-token", "tab\there"] {
        let (code, _, stderr) = run(&["--admin-token", token, "openapi"]);
        assert_eq!(code, 2, "{token:?}: {stderr}");
        assert!(stderr.contains("--admin-token"), "{token:?}: {stderr}");
        assert!(stderr.contains("visible ASCII"), "{token:?}: {stderr}");
        assert!(!stderr.contains(token), "the token is not echoed: {stderr}");
    }
    let (code, _, stderr) = run(&["--admin-token", "p@ss:word!", "openapi"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn validate_reports_a_definitions_file_over_16_mib_as_a_problem() {
    let mut big = String::from("{}");
    big.push_str(&" ".repeat(16 * 1024 * 1024 + 1));
    let dir = temp_dir("too-big", &[("big.json", &big)]);
    let (code, stdout, _) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("big.json:1:1:"), "{stdout}");
    assert!(stdout.contains("16 MiB"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_journal_capacity_over_its_bound_is_refused_at_start_up_with_exit_2() {
    // The journal's slots are allocated at start-up: an unbounded capacity
    // would be an allocation the machine cannot make.
    let (code, _, stderr) = run(&["--journal-capacity", "100001", "openapi"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--journal-capacity"), "{stderr}");
    assert!(stderr.contains("100000"), "{stderr}");
    let (code, _, stderr) = run(&["--journal-capacity", "100000", "openapi"]);
    assert_eq!(code, 0, "{stderr}");
}

/// Waits for `child` to exit within `limit`; kills it (and answers `None`)
/// when it has not, so a test that hangs fails instead.
fn wait_within(child: &mut std::process::Child, limit: std::time::Duration) -> Option<i32> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.code().unwrap_or(-1));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn request_timeout_0_or_over_an_hour_is_refused_with_exit_2() {
    // What broke: --request-timeout 0 started a server without slowloris
    // protection (actix reads 0 as "no limit"), and a huge value panicked.
    for value in ["0", "3600001", "18446744073709551615"] {
        let (code, stderr) = run_briefly(&["--port", "0", "--request-timeout", value]);
        assert_eq!(code, Some(2), "--request-timeout {value}: {stderr}");
        assert!(
            stderr.contains("--request-timeout") && stderr.contains("1 to 3600000"),
            "{value}: {stderr}"
        );
    }
    let (code, _, _) = run(&["--request-timeout", "1", "openapi"]);
    assert_eq!(code, 0, "1 ms is allowed");
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
    let client = reqwest::Client::builder()
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
    let fresh = reqwest::Client::builder()
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

/// Joins `thread` if it finishes within `limit`.
fn join_within<T>(thread: std::thread::JoinHandle<T>, limit: std::time::Duration) -> Option<T> {
    let deadline = std::time::Instant::now() + limit;
    while !thread.is_finished() {
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    thread.join().ok()
}
