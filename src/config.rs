//! Configuration: `Cli` is what clap parses (every option a flag and a
//! `CRM_MOCK_*` env var, shown in `--help`); `Config` is the validated value
//! the server runs with. Tests build `Config` directly, so a stray
//! `CRM_MOCK_*` variable in a developer's shell cannot change their results.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::contract::{
    ADMIN_PREFIX, DEFAULT_ACTIVITIES_PATH, DEFAULT_RECORDS_PATH, HEALTH_PATH, OPENAPI_PATH,
};
use crate::delay::Delay;
use crate::limiter::RateLimit;
use crate::limits;
use crate::params::CrmType;

pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8080;
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 5;
/// Just over the 5-second budget Copilot for Sales gives connector APIs.
pub const DEFAULT_TIMEOUT_DELAY_MS: u64 = 5_500;

#[derive(Debug, Parser)]
#[command(
    name = "crm-connector-mock",
    version,
    about = "A mock Copilot for Sales CRM connector: both operations, every documented error on demand."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on.
    #[arg(long, env = "CRM_MOCK_HOST", default_value = DEFAULT_HOST)]
    pub host: String,

    /// Port to listen on; 0 picks a free port (the log line shows it).
    #[arg(long, env = "CRM_MOCK_PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,

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
    #[arg(long, env = "CRM_MOCK_FAILURE_SCENARIOS", value_name = "CODE=WEIGHT,...", default_value = "INTERNAL_SERVER_ERROR", value_parser = parse_weights)]
    pub failure_scenarios: Weights,

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
    #[arg(long, env = "CRM_MOCK_JOURNAL_CAPACITY", default_value_t = crate::journal::DEFAULT_CAPACITY)]
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
    #[arg(long, env = "CRM_MOCK_MAX_QUERY_BYTES", value_name = "BYTES", default_value_t = limits::MAX_QUERY_BYTES)]
    pub max_query_bytes: usize,

    /// Most header bytes (names and values) accepted; more gets 431 HEADERS_TOO_LARGE.
    #[arg(long, env = "CRM_MOCK_MAX_HEADER_BYTES", value_name = "BYTES", default_value_t = limits::MAX_HEADER_BYTES)]
    pub max_header_bytes: usize,

    /// Largest admin request body accepted; larger gets 413 PAYLOAD_TOO_LARGE.
    #[arg(long, env = "CRM_MOCK_MAX_BODY_BYTES", value_name = "BYTES", default_value_t = limits::MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Milliseconds a client gets to send a complete request head (slow clients get 408); 1 to 3600000.
    #[arg(long, env = "CRM_MOCK_REQUEST_TIMEOUT", value_name = "MS", default_value_t = limits::REQUEST_TIMEOUT_MS)]
    pub request_timeout: u64,

    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT.
    #[arg(long, env = "CRM_MOCK_SHUTDOWN_TIMEOUT", value_name = "SECONDS", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout: u64,
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
}

/// How requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    None,
    Bearer,
}

/// A weighted scenario list (a newtype so clap treats it as one value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights(pub Vec<(String, u32)>);

fn parse_weights(text: &str) -> Result<Weights, String> {
    crate::chaos::parse_weights(text).map(Weights)
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
    OffsetDateTime::parse(value, &Rfc3339)
        .map_err(|e| format!("not an RFC 3339 date-time ({e}), e.g. 2026-01-31T12:00:00Z"))
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub scenarios: Option<PathBuf>,
    pub activities_path: String,
    pub records_path: String,
    pub clock: Option<OffsetDateTime>,
    pub workers: usize,
    pub shutdown_timeout: u64,
    pub crm_type: Option<CrmType>,
    pub crm_org_url: Option<String>,
    pub auth: AuthMode,
    pub expired_tokens: Vec<String>,
    pub rate_limit: Option<RateLimit>,
    pub failure_rate: f64,
    pub failure_scenarios: Vec<(String, u32)>,
    pub seed: Option<u64>,
    pub latency: Option<Delay>,
    pub timeout_delay: u64,
    pub journal_capacity: usize,
    pub admin_token: Option<String>,
    pub no_admin: bool,
    pub max_query_bytes: usize,
    pub max_header_bytes: usize,
    pub max_body_bytes: usize,
    pub request_timeout: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            host: DEFAULT_HOST.to_owned(),
            port: DEFAULT_PORT,
            scenarios: None,
            activities_path: DEFAULT_ACTIVITIES_PATH.to_owned(),
            records_path: DEFAULT_RECORDS_PATH.to_owned(),
            clock: None,
            workers: 0,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT_SECS,
            crm_type: None,
            crm_org_url: None,
            auth: AuthMode::None,
            expired_tokens: Vec::new(),
            rate_limit: None,
            failure_rate: 0.0,
            failure_scenarios: vec![(crate::contract::INTERNAL_SERVER_ERROR.to_owned(), 1)],
            seed: None,
            latency: None,
            timeout_delay: DEFAULT_TIMEOUT_DELAY_MS,
            journal_capacity: crate::journal::DEFAULT_CAPACITY,
            admin_token: None,
            no_admin: false,
            max_query_bytes: limits::MAX_QUERY_BYTES,
            max_header_bytes: limits::MAX_HEADER_BYTES,
            max_body_bytes: limits::MAX_BODY_BYTES,
            request_timeout: limits::REQUEST_TIMEOUT_MS,
        }
    }
}

impl Config {
    pub fn from_cli(cli: &Cli) -> Result<Config, String> {
        let config = Config {
            host: cli.host.clone(),
            port: cli.port,
            scenarios: cli.scenarios.clone(),
            activities_path: cli.activities_path.clone(),
            records_path: cli.records_path.clone(),
            clock: cli.clock,
            workers: cli.workers,
            shutdown_timeout: cli.shutdown_timeout,
            crm_type: cli.crm_type,
            crm_org_url: cli.crm_org_url.clone().filter(|u| !u.trim().is_empty()),
            auth: cli.auth,
            expired_tokens: cli
                .expired_tokens
                .iter()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            rate_limit: cli.rate_limit,
            failure_rate: cli.failure_rate,
            failure_scenarios: cli.failure_scenarios.0.clone(),
            seed: cli.seed,
            latency: cli.latency,
            timeout_delay: cli.timeout_delay,
            journal_capacity: cli.journal_capacity,
            admin_token: cli.admin_token.clone().filter(|t| !t.is_empty()),
            no_admin: cli.no_admin,
            max_query_bytes: cli.max_query_bytes,
            max_header_bytes: cli.max_header_bytes,
            max_body_bytes: cli.max_body_bytes,
            request_timeout: cli.request_timeout,
        };
        config.validate()?;
        Ok(config)
    }

    /// Paths start with `/`, differ from each other and from the reserved
    /// ones; an admin token is visible ASCII; the journal capacity is at
    /// most `journal::MAX_CAPACITY`.
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
            if path == HEALTH_PATH
                || path == OPENAPI_PATH
                || path == "/metrics"
                || path.starts_with(ADMIN_PREFIX)
            {
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
        if self.journal_capacity > crate::journal::MAX_CAPACITY {
            return Err(format!(
                "--journal-capacity must be at most {} (each entry may take up to 12.5 KiB)",
                crate::journal::MAX_CAPACITY
            ));
        }
        if self.activities_path == self.records_path {
            return Err("--activities-path and --records-path must differ".to_owned());
        }
        if !(1..=limits::MAX_REQUEST_TIMEOUT_MS).contains(&self.request_timeout) {
            return Err(format!(
                "--request-timeout {} must be 1 to {} ms (0 would turn off the slowloris protection)",
                self.request_timeout,
                limits::MAX_REQUEST_TIMEOUT_MS
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_paths_are_rejected() {
        for (activities, records) in [
            ("/same", "/same"),
            ("/health", "/r"),
            ("nope", "/r"),
            ("/__admin/x", "/r"),
            ("/a?b", "/r"),
        ] {
            let config = Config {
                activities_path: activities.into(),
                records_path: records.into(),
                ..Config::default()
            };
            assert!(config.validate().is_err(), "{activities} {records}");
        }
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn request_timeouts_outside_1_ms_to_an_hour_are_rejected() {
        for (ms, ok) in [(0, false), (1, true), (3_600_000, true), (3_600_001, false)] {
            let config = Config {
                request_timeout: ms,
                ..Config::default()
            };
            assert_eq!(config.validate().is_ok(), ok, "{ms}");
        }
    }
}
