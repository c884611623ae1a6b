//! The real binary, run with a cleared environment (ripgrep style).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

// --help, flag values, env vars and the checks across flags.
mod flags;
// Serving: the bound address, graceful shutdown, signals, the log pipe.
mod serve;
// openapi, scenarios, validate, healthcheck.
mod subcommands;
// The HTTP clients on a machine without CA certificates.
mod roots;

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_crm-connector-mock"));
    command.env_clear();
    command
}

/// A reqwest client builder with the TLS provider reqwest is built without
/// (it refuses to build a client otherwise, even for http://).
fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
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

fn temp_dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("crm-mock-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
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
