//! `AppState`: everything a request reads, built once before the server
//! starts and shared by every worker through one `web::Data`.
//!
//! - Definitions (catalogue, data, expired tokens) sit behind an `ArcSwap`:
//!   requests read them without a lock, `/__admin/reload` swaps them whole,
//!   and a failed reload leaves the old ones serving.
//! - Mutable state is behind short-held, poison-tolerant mutexes: `sessions`
//!   (decided on before the answer) and the journal's slots (one written
//!   after it). None is held across an `.await`.
//! - The rate limiter and the failure generator synchronise on their own.

use std::hash::RandomState;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::{ArcSwap, ArcSwapOption};
use crossbeam_utils::CachePadded;
use time::OffsetDateTime;

use crate::config::Config;
use crate::connector::chaos::FailureInjector;
use crate::connector::limiter::Limiter;
use crate::connector::session::Sessions;
use crate::definitions::data::Dataset;
use crate::definitions::files::{self, Problem};
use crate::definitions::scenario::Catalogue;
use crate::observe::journal::Journal;
use crate::observe::metrics::Metrics;

/// What the scenario and data files define.
#[derive(Debug)]
pub struct Definitions {
    pub catalogue: Catalogue,
    pub dataset: Dataset,
    /// `--expired-tokens` plus the files' `expiredTokens`.
    pub expired_tokens: Vec<String>,
    /// How many files were read (embedded included).
    pub files: usize,
    /// What the user's directory defines, for `validate`'s summary.
    pub user: UserCounts,
}

/// Files, scenarios and records of the user's directory alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounts {
    pub files: usize,
    pub scenarios: usize,
    pub records: usize,
}

#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    /// The reference clock of generated and relative dates.
    pub reference: OffsetDateTime,
    pub defs: ArcSwap<Definitions>,
    /// On lines of its own: a throttled or triggered request locks it, and
    /// its lock word must not share a line with what every request reads.
    sessions: CachePadded<Mutex<Sessions>>,
    /// No sticky scenario and no throttled session: a request without a
    /// trigger then needs nothing from `sessions` and skips its lock.
    sessions_idle: AtomicBool,
    journal: Journal,
    pub metrics: Metrics,
    pub limiter: ArcSwapOption<Limiter>,
    /// Hashes bearer tokens into limiter keys, so tokens are never stored.
    pub key_hasher: RandomState,
    pub failures: Option<FailureInjector>,
    /// Proxy mode's upstream connector (`--upstream`).
    pub upstream: Option<crate::proxy::Upstream>,
    /// The OpenAPI document, rendered once.
    pub openapi: String,
    /// Held while a reload reads and builds: one at a time, so concurrent
    /// reloads cannot each hold a copy of large files.
    reloading: Mutex<()>,
}

/// Loads the embedded files and an optional directory: every problem of
/// every file, or the definitions. The one set of checks: start-up,
/// `/__admin/reload` and `validate` all call this, so a file one of them
/// accepts the others accept too.
pub fn load(config: &Config, reference: OffsetDateTime) -> Result<Definitions, Vec<Problem>> {
    let (sources, problems) = files::read_all(config.scenarios.as_deref());
    if !problems.is_empty() {
        return Err(problems);
    }
    definitions(config, sources, reference)
}

/// The checks and the build of `load`, over files already read and parsed
/// (the embedded ones first); the loader fuzz target calls it directly.
pub fn definitions(
    config: &Config,
    sources: Vec<files::Source<files::DefinitionFile>>,
    reference: OffsetDateTime,
) -> Result<Definitions, Vec<Problem>> {
    let catalogue = Catalogue::build(&sources, files::EMBEDDED.len())?;
    let mut problems: Vec<Problem> = sources
        .iter()
        .flat_map(|source| {
            source.content.records.iter().filter_map(|record| {
                let trigger = &record.simulate.as_ref()?.0;
                let error = catalogue.check(&trigger.selector, &trigger.raw).err()?;
                Some(source.problem_at(&format!("\"{}\"", trigger.raw), 0, error.message))
            })
        })
        .collect();
    problems.extend(
        config
            .failure_scenarios
            .iter()
            .filter(|(code, _)| catalogue.get(code).is_none())
            .map(|(code, _)| Problem {
                file: "--failure-scenarios".into(),
                line: 1,
                column: 1,
                message: format!("{code} is not in the catalogue"),
            }),
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    let dataset = Dataset::build(&sources, reference);
    let mut expired_tokens = config.expired_tokens.clone();
    expired_tokens.extend(
        sources
            .iter()
            .flat_map(|s| s.content.expired_tokens.iter().cloned()),
    );
    let user = sources.get(files::EMBEDDED.len()..).unwrap_or_default();
    Ok(Definitions {
        catalogue,
        dataset,
        expired_tokens,
        files: sources.len(),
        user: UserCounts {
            files: user.len(),
            scenarios: user.iter().map(|s| s.content.scenarios.len()).sum(),
            records: user.iter().map(|s| s.content.records.len()).sum(),
        },
    })
}

fn describe(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!("invalid scenario files:\n{}", lines.join("\n"))
}

impl AppState {
    pub fn build(config: Config) -> Result<AppState, String> {
        let reference = config.clock.unwrap_or_else(OffsetDateTime::now_utc);
        let defs = load(&config, reference).map_err(|p| describe(&p))?;
        let failures = (config.failure_rate > 0.0).then(|| {
            let seed = config.seed.unwrap_or_else(|| fastrand::u64(..));
            FailureInjector::new(config.failure_rate, config.failure_scenarios.clone(), seed)
        });
        Ok(AppState {
            upstream: crate::proxy::Upstream::new(&config)?,
            openapi: crate::openapi::document(&config).to_string(),
            limiter: ArcSwapOption::from(config.rate_limit.map(Limiter::start)),
            key_hasher: RandomState::new(),
            failures,
            reference,
            defs: ArcSwap::from_pointee(defs),
            sessions: CachePadded::new(Mutex::new(Sessions::default())),
            sessions_idle: AtomicBool::new(true),
            journal: Journal::new(config.journal_capacity),
            metrics: Metrics::default(),
            reloading: Mutex::new(()),
            config,
        })
    }

    /// The session state. A panic elsewhere must not take it down with it.
    pub fn sessions(&self) -> SessionsGuard<'_> {
        SessionsGuard {
            sessions: crate::shard::lock(&self.sessions),
            idle: &self.sessions_idle,
        }
    }

    /// Read without the lock; kept current by every `SessionsGuard`.
    pub fn sessions_idle(&self) -> bool {
        self.sessions_idle.load(Ordering::Relaxed)
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Clears the journal and its counters, sequences, throttling, sticky
    /// scenarios and the rate limiter.
    pub fn reset(&self) {
        self.journal().reset();
        self.sessions().reset();
        self.limiter
            .store(self.config.rate_limit.map(Limiter::start));
    }

    /// Re-reads the scenario and data files; on any problem the old
    /// definitions keep serving. Blocks for as long as the files take to
    /// read and build: call it off the workers (`web::block`).
    pub fn reload(&self) -> Result<Arc<Definitions>, Vec<Problem>> {
        let _one_at_a_time = crate::shard::lock(&self.reloading);
        let defs = Arc::new(load(&self.config, self.reference)?);
        self.defs.store(defs.clone());
        Ok(defs)
    }
}

/// The locked sessions; updates `AppState::sessions_idle` when released.
pub struct SessionsGuard<'a> {
    sessions: MutexGuard<'a, Sessions>,
    idle: &'a AtomicBool,
}

impl std::ops::Deref for SessionsGuard<'_> {
    type Target = Sessions;

    fn deref(&self) -> &Sessions {
        &self.sessions
    }
}

impl std::ops::DerefMut for SessionsGuard<'_> {
    fn deref_mut(&mut self) -> &mut Sessions {
        &mut self.sessions
    }
}

impl Drop for SessionsGuard<'_> {
    fn drop(&mut self) {
        let idle = self.sessions.is_idle();
        // Written only on a change, so readers keep the line shared.
        if self.idle.load(Ordering::Relaxed) != idle {
            self.idle.store(idle, Ordering::Relaxed);
        }
    }
}
