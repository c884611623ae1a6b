//! `AppState`: everything a request reads, built once before the server
//! starts and shared by every worker through one `web::Data`. The only
//! mutable parts are the rate limiter and the failure generator, each
//! synchronised on its own.

use std::hash::RandomState;

use time::OffsetDateTime;

use crate::chaos::FailureInjector;
use crate::config::Config;
use crate::data::Dataset;
use crate::files::{self, Problem};
use crate::limiter::Limiter;
use crate::scenario::Catalogue;

#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub catalogue: Catalogue,
    pub dataset: Dataset,
    /// Tokens treated as expired: `--expired-tokens` plus the data files'.
    pub expired_tokens: Vec<String>,
    pub limiter: Option<Limiter>,
    /// Hashes bearer tokens into limiter keys, so tokens are never stored.
    pub key_hasher: RandomState,
    pub failures: Option<FailureInjector>,
    /// The OpenAPI document, rendered once.
    pub openapi: String,
}

/// What the scenario and data files define.
pub struct Loaded {
    pub catalogue: Catalogue,
    pub dataset: Dataset,
    pub expired_tokens: Vec<String>,
}

/// Loads the embedded files and an optional directory: every problem of
/// every file, or the loaded definitions.
pub fn load(config: &Config, reference: OffsetDateTime) -> Result<Loaded, Vec<Problem>> {
    let (sources, problems) = files::read_all(config.scenarios.as_deref());
    if !problems.is_empty() {
        return Err(problems);
    }
    let catalogue = Catalogue::build(&sources, files::EMBEDDED.len())?;
    let dataset = Dataset::build(&sources, reference);
    let expired_tokens = sources
        .iter()
        .flat_map(|s| s.content.expired_tokens.iter().cloned())
        .collect();
    Ok(Loaded {
        catalogue,
        dataset,
        expired_tokens,
    })
}

impl AppState {
    pub fn build(config: Config) -> Result<AppState, String> {
        let reference = config.clock.unwrap_or_else(OffsetDateTime::now_utc);
        let loaded = load(&config, reference).map_err(|problems| {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!("invalid scenario files:\n{}", lines.join("\n"))
        })?;
        for (code, _) in &config.failure_scenarios {
            if loaded.catalogue.get(code).is_none() {
                return Err(format!(
                    "--failure-scenarios names {code}, which is not in the catalogue"
                ));
            }
        }
        let failures = (config.failure_rate > 0.0).then(|| {
            let seed = config.seed.unwrap_or_else(|| rand_seed(reference));
            FailureInjector::new(config.failure_rate, config.failure_scenarios.clone(), seed)
        });
        let mut expired_tokens = config.expired_tokens.clone();
        expired_tokens.extend(loaded.expired_tokens);
        Ok(AppState {
            openapi: crate::openapi::document(&config).to_string(),
            limiter: config.rate_limit.map(Limiter::new),
            key_hasher: RandomState::new(),
            failures,
            expired_tokens,
            catalogue: loaded.catalogue,
            dataset: loaded.dataset,
            config,
        })
    }
}

/// A seed that differs between runs when none is given.
fn rand_seed(reference: OffsetDateTime) -> u64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() ^ reference.unix_timestamp_nanos();
    (nanos as u64) ^ u64::from(std::process::id())
}
