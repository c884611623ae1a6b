//! `X-Simulate-Delay`, the `simulateDelay` parameter and `--latency`: a
//! delay in milliseconds, fixed or a uniform range, at most `MAX_DELAY_MS`.
//! It parses and picks a duration; it never sleeps (the connector waits).

use crate::error::{ApiError, Input};

/// A delay in milliseconds: fixed (`200`) or a uniform range (`100-300`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay {
    pub min_ms: u64,
    pub max_ms: u64,
}

/// Longest delay a request may ask for (two minutes).
pub const MAX_DELAY_MS: u64 = 120_000;

impl Delay {
    pub fn fixed(ms: u64) -> Delay {
        Delay {
            min_ms: ms,
            max_ms: ms,
        }
    }

    /// Parses `MS` or `MIN-MAX`; `source` names the header or parameter.
    pub fn parse(value: &str, source: Input) -> Result<Delay, ApiError> {
        Delay::parse_text(value).map_err(|reason| ApiError::invalid(source, &reason))
    }

    /// `parse`, the error being only what is wrong (for `--latency`).
    fn parse_text(value: &str) -> Result<Delay, String> {
        let problem =
            || format!("must be milliseconds (200) or a range (100-300), at most {MAX_DELAY_MS}");
        let number = |s: &str| {
            s.trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms <= MAX_DELAY_MS)
        };
        let (min, max) = match value.split_once('-') {
            Some((min, max)) => (number(min), number(max)),
            None => (number(value), number(value)),
        };
        match (min, max) {
            (Some(min_ms), Some(max_ms)) if min_ms <= max_ms => Ok(Delay { min_ms, max_ms }),
            _ => Err(problem()),
        }
    }

    /// A delay drawn uniformly from the range.
    pub fn pick(self) -> std::time::Duration {
        std::time::Duration::from_millis(fastrand::u64(self.min_ms..=self.max_ms))
    }
}

impl std::str::FromStr for Delay {
    type Err = String;
    fn from_str(value: &str) -> Result<Delay, String> {
        Delay::parse_text(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Input = Input::Header("h");

    #[test]
    fn delays_parse_as_fixed_or_ranges() {
        assert_eq!(Delay::parse("200", H).unwrap(), Delay::fixed(200));
        assert_eq!(
            Delay::parse("100-300", H).unwrap(),
            Delay {
                min_ms: 100,
                max_ms: 300
            }
        );
        for bad in ["", "-5", "300-100", "fast", "999999999"] {
            assert!(Delay::parse(bad, H).is_err(), "{bad}");
        }
        let d = Delay {
            min_ms: 10,
            max_ms: 20,
        }
        .pick()
        .as_millis();
        assert!((10..=20).contains(&d));
    }
}
