//! Configuration: `Config` is the one shape of every option. Each field is a
//! flag and a `CRM_MOCK_*` env var with its default, value name and help
//! written once, in its `#[arg]` attribute; `Cli` adds the subcommand.
//! `Config::default()` is those attribute defaults with the environment
//! ignored, so tests that build `Config { port: 0, ..Config::default() }`
//! cannot be changed by a stray `CRM_MOCK_*` variable in a developer's shell.
//! `Config::checked` is the one step after parsing: blank values read as
//! absent, then the checks across fields (`validate`).
//!
//! The configuration owns its defaults and bounds (the consts below); it
//! does not reach into the modules that use them (the journal, the request
//! limits), which are handed the values at start-up.

use std::path::PathBuf;

use clap::{Args, FromArgMatches, Parser, Subcommand};
use time::OffsetDateTime;

use crate::contract::{DEFAULT_ACTIVITIES_PATH, DEFAULT_RECORDS_PATH};
use crate::request::delay::Delay;
use crate::request::params::CrmType;

pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8080;
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 5;
/// Just over the 5-second budget Copilot for Sales gives connector APIs.
pub const DEFAULT_TIMEOUT_DELAY_MS: u64 = 5_500;
pub const DEFAULT_JOURNAL_CAPACITY: usize = 1000;
/// The largest `--journal-capacity`: its slots are allocated at start-up
/// (896 bytes each, 85 MiB here) and each may hold an entry of up to
/// 13,504 bytes (13.2 KiB, `journal::entry::MAX_ENTRY_BYTES`).
pub const MAX_JOURNAL_CAPACITY: usize = 100_000;
pub const DEFAULT_MAX_QUERY_BYTES: usize = 8 * 1024;
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 5_000;
/// How long the upstream connector gets to answer in proxy mode.
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = 10_000;
/// Longest `--request-timeout` (an hour); 0 is refused too, since actix
/// reads it as "no limit" (no slowloris protection).
pub const MAX_REQUEST_TIMEOUT_MS: u64 = 3_600_000;

#[derive(Debug, Parser)]
#[command(
    name = "crm-connector-mock",
    version,
    about = "A mock Copilot for Sales CRM connector: both operations, every documented error on demand."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,
}

/// The configuration the server runs with; parsed from flags and env vars
/// (then `checked`), or built directly by tests from `Config::default()`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "CRM_MOCK_HOST", default_value = DEFAULT_HOST)]
    pub host: String,

    /// Port to listen on; 0 picks a free port (the log line shows it).
    #[arg(long, env = "CRM_MOCK_PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,

    /// The URL clients reach the connector at (scheme://host[:port]): the served document's host and schemes; default: http and the address listened on.
    #[arg(long, env = "CRM_MOCK_PUBLIC_URL", value_name = "URL", value_parser = values::parse_public_url)]
    pub public_url: Option<String>,

    /// Directory of extra scenario and data files (*.json), loaded over the embedded ones.
    #[arg(long, env = "CRM_MOCK_SCENARIOS", value_name = "DIR")]
    pub scenarios: Option<PathBuf>,

    /// Path of GetRelatedActivities (scp-get-related-activities).
    #[arg(long, env = "CRM_MOCK_ACTIVITIES_PATH", default_value = DEFAULT_ACTIVITIES_PATH)]
    pub activities_path: String,

    /// Path of GetRelatedRecords (scp-get-related-records).
    #[arg(long, env = "CRM_MOCK_RECORDS_PATH", default_value = DEFAULT_RECORDS_PATH)]
    pub records_path: String,

    /// Reference time for generated dates (RFC 3339); default: server start.
    #[arg(long, env = "CRM_MOCK_CLOCK", value_name = "RFC3339", value_parser = parse_clock)]
    pub clock: Option<OffsetDateTime>,

    /// Worker threads; 0 means one per CPU core.
    #[arg(long, env = "CRM_MOCK_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// The CRM type the connector is "connected" to; a request naming another gets INVALID_CRM_CONNECTION.
    #[arg(long, env = "CRM_MOCK_CRM_TYPE", value_parser = parse_crm_type)]
    pub crm_type: Option<CrmType>,

    /// The CRM organization host the connector is "connected" to; a request naming another gets INVALID_CRM_CONNECTION.
    #[arg(long, env = "CRM_MOCK_CRM_ORG_URL", value_name = "HOST")]
    pub crm_org_url: Option<String>,

    /// Authentication: "none", or "bearer" (missing, malformed or expired tokens get INVALID_TOKEN_SPECIFIED).
    #[arg(long, env = "CRM_MOCK_AUTH", value_enum, default_value_t = AuthMode::None)]
    pub auth: AuthMode,

    /// Comma-separated bearer tokens to treat as expired (with --auth bearer).
    #[arg(
        long,
        env = "CRM_MOCK_EXPIRED_TOKENS",
        value_name = "TOKENS",
        value_delimiter = ','
    )]
    pub expired_tokens: Vec<String>,

    /// Per-client rate limit, N/period (e.g. 10/s, 100/min); excess requests get REQUEST_THROTTLED.
    #[arg(long, env = "CRM_MOCK_RATE_LIMIT", value_name = "N/PERIOD")]
    pub rate_limit: Option<RateLimit>,

    /// Fraction (0..1) of connector requests that fail with a random scenario.
    #[arg(long, env = "CRM_MOCK_FAILURE_RATE", value_name = "P", default_value_t = 0.0, value_parser = parse_rate)]
    pub failure_rate: f64,

    /// Weighted scenarios for --failure-rate, e.g. INTERNAL_SERVER_ERROR=3,REQUEST_THROTTLED=1.
    // The full path keeps clap from reading a `Vec` as a repeatable flag: the
    // whole list is one value.
    #[arg(long, env = "CRM_MOCK_FAILURE_SCENARIOS", value_name = "CODE=WEIGHT,...", default_value = "INTERNAL_SERVER_ERROR", value_parser = parse_weights)]
    pub failure_scenarios: ::std::vec::Vec<(String, u32)>,

    /// Seed for --failure-rate, so the sequence of failures repeats run after run (default: random).
    #[arg(long, env = "CRM_MOCK_SEED")]
    pub seed: Option<u64>,

    /// Delay added to every connector response: milliseconds (50) or a range (20-80).
    #[arg(long, env = "CRM_MOCK_LATENCY", value_name = "MS|MIN-MAX")]
    pub latency: Option<Delay>,

    /// Milliseconds the TIMEOUT fault waits before answering (just over the 5 s connector budget).
    #[arg(long, env = "CRM_MOCK_TIMEOUT_DELAY", value_name = "MS", default_value_t = DEFAULT_TIMEOUT_DELAY_MS)]
    pub timeout_delay: u64,

    /// Entries the request journal keeps across all workers (oldest evicted first; at most 100000); 0 keeps none.
    #[arg(long, env = "CRM_MOCK_JOURNAL_CAPACITY", default_value_t = DEFAULT_JOURNAL_CAPACITY)]
    pub journal_capacity: usize,

    /// Require `Authorization: Bearer <token>` on /__admin (visible ASCII only).
    #[arg(
        long,
        env = "CRM_MOCK_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,

    /// Do not serve the admin API at all.
    #[arg(long, env = "CRM_MOCK_NO_ADMIN")]
    pub no_admin: bool,

    /// Longest query string accepted; longer gets 414 URI_TOO_LONG.
    #[arg(long, env = "CRM_MOCK_MAX_QUERY_BYTES", value_name = "BYTES", default_value_t = DEFAULT_MAX_QUERY_BYTES)]
    pub max_query_bytes: usize,

    /// Most header bytes (names and values) accepted; more gets 431 HEADERS_TOO_LARGE.
    #[arg(long, env = "CRM_MOCK_MAX_HEADER_BYTES", value_name = "BYTES", default_value_t = DEFAULT_MAX_HEADER_BYTES)]
    pub max_header_bytes: usize,

    /// Largest admin request body accepted; larger gets 413 PAYLOAD_TOO_LARGE.
    #[arg(long, env = "CRM_MOCK_MAX_BODY_BYTES", value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Milliseconds a client gets to send a complete request head (slow clients get 408); 1 to 3600000.
    #[arg(long, env = "CRM_MOCK_REQUEST_TIMEOUT", value_name = "MS", default_value_t = DEFAULT_REQUEST_TIMEOUT_MS)]
    pub request_timeout: u64,

    /// Proxy mode: forward connector requests no simulation answers to this connector (an http(s) base URL).
    #[arg(long, env = "CRM_MOCK_UPSTREAM", value_name = "URL")]
    pub upstream: Option<String>,

    /// The upstream's path of GetRelatedActivities (default: --activities-path).
    #[arg(long, env = "CRM_MOCK_UPSTREAM_ACTIVITIES_PATH", value_name = "PATH")]
    pub upstream_activities_path: Option<String>,

    /// The upstream's path of GetRelatedRecords (default: --records-path).
    #[arg(long, env = "CRM_MOCK_UPSTREAM_RECORDS_PATH", value_name = "PATH")]
    pub upstream_records_path: Option<String>,

    /// Accept any TLS certificate from the upstream.
    #[arg(long, env = "CRM_MOCK_UPSTREAM_INSECURE")]
    pub upstream_insecure: bool,

    /// Milliseconds the upstream gets to answer (1 to 3600000); longer gets 504 UPSTREAM_TIMEOUT.
    #[arg(long, env = "CRM_MOCK_UPSTREAM_TIMEOUT", value_name = "MS", default_value_t = DEFAULT_UPSTREAM_TIMEOUT_MS)]
    pub upstream_timeout: u64,

    /// Answer 502 UPSTREAM_CONTRACT_VIOLATION instead of an upstream answer that breaks the contract.
    #[arg(long, env = "CRM_MOCK_UPSTREAM_STRICT")]
    pub upstream_strict: bool,

    /// Record every successful upstream answer into DIR/recorded-<start time>.json, a data file --scenarios replays (needs --upstream).
    #[arg(long, env = "CRM_MOCK_RECORD", value_name = "DIR")]
    pub record: Option<PathBuf>,

    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT.
    #[arg(long, env = "CRM_MOCK_SHUTDOWN_TIMEOUT", value_name = "SECONDS", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout: u64,

    /// Serve HTTPS with this PEM certificate chain (server certificate first; with --tls-key).
    #[arg(long, env = "CRM_MOCK_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "CRM_MOCK_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a CA and a certificate generated in DIR (ca.pem, cert.pem, key.pem) on first start and reused while they cover the names.
    #[arg(long, env = "CRM_MOCK_TLS_SELF_SIGNED", value_name = "DIR")]
    pub tls_self_signed: Option<PathBuf>,
    /// A further name (DNS name or IP address) the generated certificate covers, beside localhost, 127.0.0.1 and ::1; repeatable.
    #[arg(
        long,
        env = "CRM_MOCK_TLS_SAN",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub tls_san: Vec<String>,
    /// Under TLS, also serve plain HTTP on this port (0 picks a free port).
    #[arg(long, env = "CRM_MOCK_HTTP_PORT", value_name = "PORT")]
    pub http_port: Option<u16>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve (the default when no subcommand is given).
    Serve,
    /// Print the OpenAPI (Swagger 2.0) document for the configured paths.
    Openapi,
    /// Print the loaded scenarios and defined records.
    Scenarios,
    /// Check a scenarios directory: each problem as FILE:LINE:COLUMN, exit 1.
    Validate {
        /// The directory to check.
        dir: PathBuf,
    },
    /// GET /health on the configured host and port: exit 0 when it answers 200, else 1 (for container HEALTHCHECKs).
    Healthcheck,
    /// Probe a running connector at BASE_URL and judge its answers by the contract's rules: exit 0 when none failed, 1 when one did, 2 on a usage error or an unreachable target.
    Verify(Box<crate::verify::Options>),
}

/// How requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    None,
    Bearer,
}

fn parse_crm_type(value: &str) -> Result<CrmType, String> {
    CrmType::parse(value)
        .ok_or_else(|| "must be Salesforce, Dynamics365 or 'Dynamics 365'".to_owned())
}

fn parse_rate(value: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or_else(|| "must be a number from 0 to 1".to_owned())
}

fn parse_clock(value: &str) -> Result<OffsetDateTime, String> {
    crate::rfc3339::parse(value)
}

impl Default for Config {
    /// The defaults of the `#[arg]` attributes, the environment ignored.
    fn default() -> Config {
        // Cannot fail: every field has a default or is optional, and the
        // defaults parse (config/tests.rs holds both).
        defaults_command()
            .try_get_matches_from(["crm-connector-mock"])
            .and_then(|matches| Config::from_arg_matches(&matches))
            .expect("the #[arg] defaults parse")
    }
}

/// `Config`'s arguments with no environment variable, so parsing no
/// arguments yields exactly the attribute defaults.
fn defaults_command() -> clap::Command {
    Config::augment_args(clap::Command::new("crm-connector-mock"))
        .mut_args(|arg| arg.env(None::<&'static str>))
}

impl Config {
    /// The configuration as parsed, ready to run: a blank `--crm-org-url` or
    /// `--admin-token` reads as absent, expired tokens are trimmed and blank
    /// ones dropped; then `validate`.
    pub fn checked(mut self) -> Result<Config, String> {
        self.crm_org_url = self.crm_org_url.filter(|u| !u.trim().is_empty());
        self.admin_token = self.admin_token.filter(|t| !t.is_empty());
        self.expired_tokens = self
            .expired_tokens
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        self.validate()?;
        Ok(self)
    }

    /// Paths start with `/`, differ from each other and from the reserved
    /// ones; an admin token is visible ASCII; the journal capacity is at
    /// most `MAX_JOURNAL_CAPACITY`; the request timeout 1 ms to
    /// `MAX_REQUEST_TIMEOUT_MS`.
    pub fn validate(&self) -> Result<(), String> {
        for (flag, path) in [
            ("--activities-path", &self.activities_path),
            ("--records-path", &self.records_path),
        ] {
            if !path.starts_with('/') || path.len() < 2 || path.contains(['?', '#', ' ', '{', '}'])
            {
                return Err(format!(
                    "{flag} '{path}' must start with '/' and be a plain path"
                ));
            }
            if crate::contract::reserved(path).is_some() {
                return Err(format!(
                    "{flag} '{path}' collides with a path the server reserves"
                ));
            }
        }
        // A bearer header carries visible ASCII only: any other token could
        // never be sent, and would lock the admin API for good. The token is
        // a secret, so the message does not repeat it.
        if self
            .admin_token
            .as_deref()
            .is_some_and(|t| !t.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(
                "--admin-token must be visible ASCII (characters 0x21-0x7E: no spaces, no control or non-ASCII characters)"
                    .to_owned(),
            );
        }
        if self.journal_capacity > MAX_JOURNAL_CAPACITY {
            return Err(format!(
                "--journal-capacity must be at most {MAX_JOURNAL_CAPACITY} (each entry may take up to 13.2 KiB)"
            ));
        }
        if self.activities_path == self.records_path {
            return Err("--activities-path and --records-path must differ".to_owned());
        }
        self.validate_upstream()?;
        self.validate_tls()?;
        if !(1..=MAX_REQUEST_TIMEOUT_MS).contains(&self.request_timeout) {
            return Err(format!(
                "--request-timeout {} must be 1 to {MAX_REQUEST_TIMEOUT_MS} ms (0 would turn off the slowloris protection)",
                self.request_timeout
            ));
        }
        Ok(())
    }
}

mod tls;
mod upstream;
mod values;
pub use values::{RateLimit, parse_weights, upstream_url};

#[cfg(test)]
mod tests;
