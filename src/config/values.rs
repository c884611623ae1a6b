//! The values of flags that need more than a number: `--rate-limit N/period`
//! and the weighted `--failure-scenarios` list. They are parsed here, with
//! the configuration that holds them; the limiter and the failure injector
//! only use the parsed values.

use std::num::NonZeroU32;
use std::time::Duration;

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

/// A weighted scenario list as written: `INTERNAL_SERVER_ERROR=3,REQUEST_THROTTLED=1`.
pub fn parse_weights(text: &str) -> Result<Vec<(String, u32)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (code, weight) = entry.split_once('=').unwrap_or((entry, "1"));
            let weight: u32 = weight
                .trim()
                .parse()
                .ok()
                .filter(|w| *w > 0)
                .ok_or_else(|| format!("weight of '{entry}' must be a positive integer"))?;
            Ok((code.trim().to_ascii_uppercase(), weight))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn weights_parse() {
        assert_eq!(parse_weights("A").unwrap(), vec![("A".to_owned(), 1)]);
        assert!(parse_weights("A=0").is_err());
        assert!(parse_weights("A=x").is_err());
    }
}
