//! `--rate-limit N/period`: a real per-client limiter (GCRA, via `governor`)
//! that allows bursts of N and refills one request every period/N. A refused
//! request learns the true time until a request would pass, rounded up to
//! whole seconds and at least 1, for `Retry-After`.
//!
//! Clients are keyed by a hash of their bearer token when they send one, else
//! by their IP address; the token itself is never stored.
//!
//! The per-client state is bounded: a client whose window has passed is
//! dropped (`PRUNE_INTERVAL`), and at most `MAX_CLIENTS` are held. Pruning
//! runs on a thread of its own (`Limiter::start`), never on a request: a
//! request checks its key and nothing else (the check runs under the
//! sessions lock, so a scan of 100,000 clients there would stall every
//! worker).

use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use governor::clock::{Clock, MonotonicClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::config::RateLimit;

/// Who a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    Token(u64),
    Peer(IpAddr),
    Unknown,
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientKey::Token(hash) => write!(f, "token-{hash:016x}"),
            ClientKey::Peer(ip) => write!(f, "ip-{ip}"),
            ClientKey::Unknown => f.write_str("unknown"),
        }
    }
}

impl ClientKey {
    /// Keyed by the bearer token's hash when present, else by the peer IP.
    pub fn new(
        bearer_token: Option<&str>,
        peer: Option<IpAddr>,
        hasher: &impl BuildHasher,
    ) -> ClientKey {
        match (bearer_token, peer) {
            (Some(token), _) => ClientKey::Token(hasher.hash_one(token)),
            (None, Some(ip)) => ClientKey::Peer(ip),
            (None, None) => ClientKey::Unknown,
        }
    }
}

/// The pruning thread looks at the limiter's size this often.
pub const PRUNE_LOOK_EVERY: Duration = Duration::from_secs(1);
/// Clients whose window has passed are dropped at most this often.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(10);
/// At most this many clients are held (about 6 MiB: the issue measured some
/// 60 bytes per client). A flood of distinct clients inside one window that
/// still exceeds it after pruning clears the state: every client starts
/// over with a full burst.
pub const MAX_CLIENTS: usize = 100_000;

type Keyed<C> =
    RateLimiter<ClientKey, DashMapStateStore<ClientKey>, C, NoOpMiddleware<<C as Clock>::Instant>>;

pub struct Limiter<C: Clock = MonotonicClock> {
    /// Swapped whole when the state is cleared.
    inner: ArcSwap<Keyed<C>>,
    quota: Quota,
    clock: C,
    max_clients: usize,
    start: C::Instant,
    /// When the state was last pruned, in nanoseconds after `start`.
    pruned_at: AtomicU64,
}

impl<C: Clock> std::fmt::Debug for Limiter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiter")
    }
}

impl Limiter<MonotonicClock> {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter::with_clock(limit, MonotonicClock)
    }

    /// A limiter with its pruning thread, which looks every
    /// `PRUNE_LOOK_EVERY` and ends once the limiter is dropped (a reset
    /// replaces it).
    pub fn start(limit: RateLimit) -> Arc<Limiter> {
        let limiter = Arc::new(Limiter::new(limit));
        let weak = Arc::downgrade(&limiter);
        let spawned = std::thread::Builder::new()
            .name("rate-limit-pruner".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(PRUNE_LOOK_EVERY);
                    match weak.upgrade() {
                        Some(limiter) => limiter.prune_when_due(),
                        None => return,
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("rate limiter: cannot start the pruning thread ({e}); state is not pruned");
        }
        limiter
    }
}

impl<C: Clock + Clone> Limiter<C> {
    pub fn with_clock(limit: RateLimit, clock: C) -> Limiter<C> {
        Limiter::bounded(limit, clock, MAX_CLIENTS)
    }

    fn bounded(limit: RateLimit, clock: C, max_clients: usize) -> Limiter<C> {
        let per_request = limit.period / limit.requests.get();
        let quota = Quota::with_period(per_request.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(limit.requests))
            .allow_burst(limit.requests);
        Limiter {
            inner: ArcSwap::from_pointee(RateLimiter::dashmap_with_clock(quota, clock.clone())),
            quota,
            start: clock.now(),
            clock,
            max_clients,
            pruned_at: AtomicU64::new(0),
        }
    }

    /// How many clients the limiter holds state for.
    #[cfg(test)]
    pub fn clients(&self) -> usize {
        self.inner.load().len()
    }

    /// `Ok` when the request passes; otherwise the whole seconds (>= 1) until
    /// one would.
    pub fn check(&self, key: ClientKey) -> Result<(), u32> {
        let outcome = self.inner.load().check_key(&key);
        outcome.map(|_| ()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            u32::try_from(seconds).unwrap_or(u32::MAX).max(1)
        })
    }

    /// Drops the clients whose window has passed (governor's
    /// `retain_recent`) once `PRUNE_INTERVAL` has passed, or at once when
    /// over `max_clients`; clears the state if that is not enough.
    pub fn prune_when_due(&self) {
        let now = self.clock.now().duration_since(self.start).as_u64();
        let last = self.pruned_at.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= PRUNE_INTERVAL.as_nanos() as u64;
        let inner = self.inner.load();
        if !due && inner.len() <= self.max_clients {
            return;
        }
        // One caller prunes; another at the same time goes on.
        if self
            .pruned_at
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        inner.retain_recent();
        inner.shrink_to_fit();
        let held = inner.len();
        if held > self.max_clients {
            log::warn!(
                "rate limiter: {held} clients inside one window exceed {}; their state is cleared",
                self.max_clients
            );
            self.inner.store(Arc::new(RateLimiter::dashmap_with_clock(
                self.quota,
                self.clock.clone(),
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn limit(text: &str) -> RateLimit {
        text.parse().unwrap()
    }

    #[test]
    fn an_idle_clients_state_is_pruned_after_its_window() {
        // Broke: state was kept for every client ever seen (581k distinct
        // tokens: +34 MiB), never pruned.
        let clock = FakeRelativeClock::default();
        let limiter = Limiter::with_clock(limit("2/min"), clock.clone());
        for token in 0..1000 {
            assert_eq!(limiter.check(ClientKey::Token(token)), Ok(()));
        }
        assert_eq!(limiter.check(ClientKey::Unknown), Ok(()));
        assert_eq!(limiter.clients(), 1001);
        // One client stays busy: refused, and still refused after pruning.
        assert_eq!(limiter.check(ClientKey::Unknown), Ok(()));

        clock.advance(Duration::from_secs(61));
        // The busy client comes back and uses its burst again.
        assert_eq!(limiter.check(ClientKey::Unknown), Ok(()));
        assert_eq!(limiter.check(ClientKey::Unknown), Ok(()));
        limiter.prune_when_due();

        assert_eq!(limiter.clients(), 1, "only the busy client is kept");
        assert!(limiter.check(ClientKey::Unknown).is_err());
    }

    #[test]
    fn a_flood_of_clients_inside_one_window_stays_under_the_bound() {
        let max = 1000;
        let limiter = Limiter::bounded(limit("1/h"), FakeRelativeClock::default(), max);
        // The pruning thread looks every second; here, every 100 checks.
        for token in 0..5000 {
            assert_eq!(limiter.check(ClientKey::Token(token)), Ok(()));
            if token % 100 == 99 {
                limiter.prune_when_due();
            }
            assert!(
                limiter.clients() <= max + 100,
                "{} clients after {token}",
                limiter.clients()
            );
        }
    }

    #[test]
    fn a_burst_passes_then_retry_after_is_the_true_wait_rounded_up() {
        let clock = FakeRelativeClock::default();
        let limiter = Limiter::with_clock(limit("2/min"), clock.clone());
        let key = ClientKey::Unknown;
        assert_eq!(limiter.check(key), Ok(()));
        assert_eq!(limiter.check(key), Ok(()));
        // One request refills every 30 s.
        assert_eq!(limiter.check(key), Err(30));
        clock.advance(Duration::from_millis(10_500));
        assert_eq!(limiter.check(key), Err(20), "19.5 s rounds up to 20");
        clock.advance(Duration::from_millis(19_500));
        assert_eq!(limiter.check(key), Ok(()));
        assert_eq!(limiter.check(key), Err(30));
    }

    #[test]
    fn retry_after_is_at_least_one_second() {
        let clock = FakeRelativeClock::default();
        let limiter = Limiter::with_clock(limit("10/s"), clock.clone());
        for _ in 0..10 {
            assert_eq!(limiter.check(ClientKey::Unknown), Ok(()));
        }
        assert_eq!(
            limiter.check(ClientKey::Unknown),
            Err(1),
            "100 ms rounds up to 1 s"
        );
    }

    #[test]
    fn clients_are_limited_separately() {
        let limiter = Limiter::with_clock(limit("1/h"), FakeRelativeClock::default());
        let hasher = std::hash::RandomState::new();
        let a = ClientKey::new(Some("token-a"), None, &hasher);
        let b = ClientKey::new(Some("token-b"), None, &hasher);
        assert_eq!(limiter.check(a), Ok(()));
        assert_eq!(limiter.check(b), Ok(()));
        assert_eq!(limiter.check(a), Err(3600));
        let ip = ClientKey::new(None, Some("127.0.0.1".parse().unwrap()), &hasher);
        assert_eq!(limiter.check(ip), Ok(()));
    }
}
