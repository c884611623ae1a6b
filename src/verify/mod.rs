//! `crm-connector-mock verify BASE_URL`: probe a running connector (a
//! partner's real one, or this server) and judge its answers with the
//! contract's rules (`contract::rules`). It owns the options, the plan of
//! probes (`probes`), the HTTP client (`client`) and the reports
//! (`report`); the rules themselves know nothing of it.
//!
//! Exit codes: 0 when no rule failed, 1 when one did, 2 on a usage error or
//! an unreachable target. It sends at most a few dozen requests (plus a
//! burst of at most `BURST` with `--probe-throttling`), one at a time, each
//! cut off at `timeout(budget)`.

mod client;
mod probes;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::contract::fields::LATENCY_BUDGET_MS;
use crate::contract::{DEFAULT_ACTIVITIES_PATH, DEFAULT_RECORDS_PATH};
use crate::request::params::CrmType;

/// The most requests the throttling probe sends.
pub const BURST: usize = 200;
/// How long past the budget a request may take before it is cut off: as
/// long again as the budget, at most 5 s (an answer late by more is late
/// enough to report, and a short budget keeps a hung connector's run short).
pub const GRACE: Duration = Duration::from_secs(5);

/// When a request is cut off: `budget + min(budget, GRACE)`.
pub fn timeout(budget: Duration) -> Duration {
    budget + budget.min(GRACE)
}

/// The options of `verify`; each has a `CRM_MOCK_VERIFY_*` env var.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct Options {
    /// The connector's base URL, e.g. https://connector.example.com (the
    /// operation paths are appended to it).
    #[arg(value_name = "BASE_URL")]
    pub base_url: String,

    /// Path of GetRelatedActivities under BASE_URL.
    #[arg(long, env = "CRM_MOCK_VERIFY_ACTIVITIES_PATH", default_value = DEFAULT_ACTIVITIES_PATH)]
    pub activities_path: String,

    /// Path of GetRelatedRecords under BASE_URL.
    #[arg(long, env = "CRM_MOCK_VERIFY_RECORDS_PATH", default_value = DEFAULT_RECORDS_PATH)]
    pub records_path: String,

    /// The connector's OpenAPI document (a JSON file, or an http(s) URL fetched
    /// with the --headers): checked by document.operations, and the operation
    /// paths are taken from it by operation id, with its basePath (so
    /// BASE_URL is then the scheme and host alone).
    #[arg(long, env = "CRM_MOCK_VERIFY_OPENAPI", value_name = "FILE_OR_URL")]
    pub openapi: Option<String>,

    /// An existing record the probes ask about.
    #[arg(long, env = "CRM_MOCK_VERIFY_RECORD", value_name = "TYPE/ID", default_value = "account/42", value_parser = parse_record)]
    pub record: Record,

    /// A record that does not exist (enables error.not-found).
    #[arg(long, env = "CRM_MOCK_VERIFY_MISSING_RECORD", value_name = "TYPE/ID", value_parser = parse_record)]
    pub missing_record: Option<Record>,

    /// A header sent with every request, e.g. 'Authorization: Bearer ...'
    /// (repeatable; in the env var, one per line). Values are never printed.
    #[arg(
        long = "header",
        env = "CRM_MOCK_VERIFY_HEADER",
        value_name = "NAME: VALUE",
        value_delimiter = '\n',
        hide_env_values = true
    )]
    pub headers: Vec<String>,

    /// A token the connector must refuse (enables error.auth: no token and
    /// this one each get 401).
    #[arg(
        long,
        env = "CRM_MOCK_VERIFY_BAD_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub bad_token: Option<String>,

    /// The CRM the connector is connected to (sent with every probe; enables
    /// error.crm-mismatch with the other type).
    #[arg(long, env = "CRM_MOCK_VERIFY_CRM_TYPE", value_parser = parse_crm_type)]
    pub crm_type: Option<CrmType>,

    /// The connector's CRM organization host (sent with every probe; enables
    /// error.crm-mismatch with another host).
    #[arg(long, env = "CRM_MOCK_VERIFY_CRM_ORG_URL")]
    pub crm_org_url: Option<String>,

    /// Send a burst (at most 200 requests, stopping at the first 429) to see
    /// throttle.retry-after.
    #[arg(long, env = "CRM_MOCK_VERIFY_PROBE_THROTTLING")]
    pub probe_throttling: bool,

    /// The latency budget of latency.budget, in milliseconds.
    #[arg(long, env = "CRM_MOCK_VERIFY_BUDGET_MS", default_value_t = LATENCY_BUDGET_MS, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub budget_ms: u64,

    /// Write a JUnit XML report (one testcase per rule) to FILE.
    #[arg(long, env = "CRM_MOCK_VERIFY_JUNIT", value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write a JSON report ({"target", "results": [{"rule", "status", "message"}]}) to FILE.
    #[arg(long, env = "CRM_MOCK_VERIFY_JSON", value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Accept any TLS certificate (a self-signed test connector).
    #[arg(long, env = "CRM_MOCK_VERIFY_INSECURE")]
    pub insecure: bool,
}

/// A CRM record by type and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub record_type: String,
    pub record_id: String,
}

fn parse_record(value: &str) -> Result<Record, String> {
    match value.split_once('/') {
        Some((t, id)) if !t.trim().is_empty() && !id.trim().is_empty() => Ok(Record {
            record_type: t.trim().to_owned(),
            record_id: id.trim().to_owned(),
        }),
        _ => Err("must be TYPE/ID, e.g. account/42".into()),
    }
}

/// `Name: value`; the error never repeats the value (it may be a secret).
/// Checked here rather than by clap, whose error repeats the value it refused.
fn parse_header(value: &str) -> Result<(String, String), String> {
    let (name, value) = value
        .split_once(':')
        .ok_or_else(|| "must be 'Name: value'".to_owned())?;
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        return Err("must be 'Name: value' with a header name of letters, digits and -".into());
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

fn parse_crm_type(value: &str) -> Result<CrmType, String> {
    CrmType::parse(value).ok_or_else(|| "must be Salesforce, Dynamics365 or 'Dynamics 365'".into())
}

/// Runs `verify`: probes, prints the table and the summary, writes the
/// reports, and says how it ended.
pub fn run(options: &Options) -> ExitCode {
    let mut headers = Vec::new();
    for (i, header) in options.headers.iter().enumerate() {
        match parse_header(header) {
            Ok(header) => headers.push(header),
            Err(problem) => return usage(&format!("--header number {} {problem}", i + 1)),
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return usage(&format!("cannot start the client runtime: {e}")),
    };
    let outcome = match runtime.block_on(probes::run(options, headers)) {
        Ok(outcome) => outcome,
        Err(message) => return usage(&message),
    };
    let lines = outcome.lines();
    print!("{}", report::table(&lines));
    println!("{}", report::summary(&lines, &outcome));
    let reports: [(_, fn(&_, &_) -> String); 2] = [
        (&options.junit, report::junit),
        (&options.json, report::json),
    ];
    for (path, write) in reports {
        let Some(path) = path else { continue };
        if let Err(e) = std::fs::write(path, write(&lines, &outcome)) {
            return usage(&format!("cannot write {}: {e}", path.display()));
        }
    }
    if report::failed(&lines) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("crm-connector-mock verify: {message}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_headers_parse_and_their_errors_never_repeat_the_value() {
        assert_eq!(
            parse_record("opportunity/7f3c").map(|r| (r.record_type, r.record_id)),
            Ok(("opportunity".into(), "7f3c".into()))
        );
        for bad in ["account", "/42", "account/", ""] {
            assert!(parse_record(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_header("Authorization: Bearer abc"),
            Ok(("Authorization".into(), "Bearer abc".into()))
        );
        for bad in ["Bearer s3cret", "Bad Name: s3cret", ": s3cret"] {
            let error = parse_header(bad).unwrap_err();
            assert!(!error.contains("s3cret"), "{error}");
        }
    }
}
