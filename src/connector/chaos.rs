//! `--failure-rate P` with `--seed S`: that fraction of connector requests
//! fails with a scenario drawn from a weighted list (default
//! `INTERNAL_SERVER_ERROR`). The draws come from one seeded generator, so with
//! a seed the sequence of outcomes (in request order) is the same run after
//! run. It only draws: when a draw is asked for (step 9, after every other
//! condition) is the connector's decision.

use std::sync::Mutex;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

#[derive(Debug)]
pub struct FailureInjector {
    rate: f64,
    weighted: Vec<(String, u32)>,
    rng: Mutex<ChaCha8Rng>,
}

impl FailureInjector {
    pub fn new(rate: f64, weighted: Vec<(String, u32)>, seed: u64) -> FailureInjector {
        FailureInjector {
            rate,
            weighted,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// The errorCode this request fails with, if it fails.
    pub fn draw(&self) -> Option<&str> {
        if self.rate <= 0.0 {
            return None;
        }
        let (roll, pick) = {
            let mut rng = crate::shard::lock(&self.rng);
            (rng.next_u64(), rng.next_u64())
        };
        // 53 random bits give a uniform float in [0, 1).
        let unit = (roll >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.rate {
            return None;
        }
        let total: u64 = self.weighted.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut ticket = pick % total.max(1);
        for (code, weight) in &self.weighted {
            if ticket < u64::from(*weight) {
                return Some(code);
            }
            ticket -= u64::from(*weight);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(seed: u64, n: usize) -> Vec<Option<String>> {
        let injector = FailureInjector::new(
            0.3,
            crate::config::parse_weights("INTERNAL_SERVER_ERROR=3,request_throttled=1").unwrap(),
            seed,
        );
        (0..n).map(|_| injector.draw().map(str::to_owned)).collect()
    }

    #[test]
    fn the_rate_and_weights_hold_within_tolerance_and_a_seed_repeats() {
        let run = outcomes(7, 10_000);
        let failures = run.iter().flatten().count();
        assert!((2_700..=3_300).contains(&failures), "{failures}");
        let throttled = run
            .iter()
            .flatten()
            .filter(|c| *c == "REQUEST_THROTTLED")
            .count();
        assert!(
            (500..=1_000).contains(&throttled),
            "{throttled} of {failures}"
        );
        assert_eq!(run, outcomes(7, 10_000));
        assert_ne!(run, outcomes(8, 10_000));
    }
}
