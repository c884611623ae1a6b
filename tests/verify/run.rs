//! Runs `crm-connector-mock verify` (the real binary, cleared environment)
//! and reads its JSON report; starts this server in-process for it.

use std::process::Command;

use crm_connector_mock::Handle;
use crm_connector_mock::{Application, Config};
use serde_json::Value;

/// What one run of `verify` said.
#[derive(Debug)]
pub struct Report {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The JSON report, parsed.
    pub json: Value,
}

impl Report {
    /// The status (`pass`, `fail`, `warn`, `skip`) the report gives `rule`.
    pub fn status(&self, rule: &str) -> &str {
        self.result(rule)["status"].as_str().unwrap_or("(absent)")
    }

    pub fn result(&self, rule: &str) -> &Value {
        self.json["results"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["rule"] == rule))
            .unwrap_or(&Value::Null)
    }

    /// Every rule with its status, for assertion messages.
    pub fn table(&self) -> String {
        format!("exit {}\n{}{}", self.code, self.stdout, self.stderr)
    }
}

/// A file name unique to this test process and `name`.
pub fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("crm-mock-verify-{}-{name}", std::process::id()))
}

/// Runs `verify BASE_URL ARGS... --json FILE` on a blocking thread (the
/// servers under test run on this test's runtime) and reads the report.
pub async fn verify(base: &str, args: &[&str]) -> Report {
    let json = temp(&format!("{}.json", fastrand::u64(..)));
    let mut all = vec!["verify".to_owned(), base.to_owned()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    all.extend(["--json".to_owned(), json.display().to_string()]);
    let output = actix_web::rt::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_crm-connector-mock"))
            .env_clear()
            .args(&all)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("the blocking task ends");
    let text = std::fs::read_to_string(&json).unwrap_or_default();
    let _ = std::fs::remove_file(&json);
    Report {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// This server, started in-process on 127.0.0.1:0 with `config`.
pub struct Server {
    pub base: String,
    handle: Handle,
}

pub async fn serve(config: Config) -> Server {
    let config = Config {
        port: 0,
        workers: config.workers.max(1),
        ..config
    };
    let app = Application::build(config).expect("the server starts");
    let base = app.base_url();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    Server { base, handle }
}

impl Server {
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}
