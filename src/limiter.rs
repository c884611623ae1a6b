//! `--rate-limit N/period`: a real per-client limiter (GCRA, via `governor`)
//! that allows bursts of N and refills one request every period/N. A refused
//! request learns the true time until a request would pass, rounded up to
//! whole seconds and at least 1, for `Retry-After`.
//!
//! Clients are keyed by a hash of their bearer token when they send one, else
//! by their IP address; the token itself is never stored.

use std::hash::BuildHasher;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

/// `N/period` as written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: NonZeroU32,
    pub period: Duration,
}

impl std::str::FromStr for RateLimit {
    type Err = String;
    fn from_str(text: &str) -> Result<RateLimit, String> {
        let problem = || format!("'{text}' is not N/period, e.g. 10/s, 100/min, 5000/h");
        let (count, unit) = text.split_once('/').ok_or_else(problem)?;
        let requests = count.trim().parse::<NonZeroU32>().map_err(|_| problem())?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(problem()),
        };
        Ok(RateLimit { requests, period })
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.requests, self.period.as_secs())
    }
}

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

pub struct Limiter<C: Clock = MonotonicClock> {
    inner: RateLimiter<ClientKey, DashMapStateStore<ClientKey>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
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
}

impl<C: Clock + Clone> Limiter<C> {
    pub fn with_clock(limit: RateLimit, clock: C) -> Limiter<C> {
        let per_request = limit.period / limit.requests.get();
        let quota = Quota::with_period(per_request.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(limit.requests))
            .allow_burst(limit.requests);
        Limiter {
            inner: RateLimiter::dashmap_with_clock(quota, clock.clone()),
            clock,
        }
    }

    /// `Ok` when the request passes; otherwise the whole seconds (>= 1) until
    /// one would.
    pub fn check(&self, key: ClientKey) -> Result<(), u32> {
        self.inner.check_key(&key).map(|_| ()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            u32::try_from(seconds).unwrap_or(u32::MAX).max(1)
        })
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
    fn rate_limits_parse() {
        assert_eq!(limit("10/s").period, Duration::from_secs(1));
        assert_eq!(limit("100/min").requests.get(), 100);
        for bad in ["10", "0/s", "-1/s", "10/fortnight", "x/s"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
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
