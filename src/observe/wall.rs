//! Wall-clock time of a monotonic `Instant` the request path has read anyway.
//!
//! Rationale: a request needs the time twice for its latency (an `Instant` at
//! the start and at the end) and the wall-clock time twice more (the journal
//! entry's `at`, the access line's timestamp). Each read is a clock call; on
//! the benchmark's virtual machine the two extra reads were a measurable
//! share of the mock's cost over a bare actix-web server. So each thread
//! keeps one anchor, an `Instant` and the `SystemTime` read right after it,
//! and maps later instants through it; the anchor is read afresh once it is
//! a second old, so a change of the system clock shows within a second, and
//! the drift between the two clocks within one second (at most the kernel's
//! slew, 0.5 ms) is all the error there is.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime};

const REFRESH: Duration = Duration::from_secs(1);

thread_local! {
    static ANCHOR: Cell<Option<(Instant, SystemTime)>> = const { Cell::new(None) };
}

/// The wall-clock time at `at`, an instant read just now by the caller.
pub fn at(at: Instant) -> SystemTime {
    ANCHOR.with(|anchor| {
        if let Some((instant, wall)) = anchor.get()
            && let Some(since) = at.checked_duration_since(instant)
            && since < REFRESH
        {
            return wall + since;
        }
        // The anchor is a pair read together, not `at` (read earlier by the
        // caller, possibly much earlier under load) with a later wall time.
        let instant = Instant::now();
        let wall = SystemTime::now();
        anchor.set(Some((instant, wall)));
        match instant.checked_duration_since(at) {
            Some(before) => wall.checked_sub(before).unwrap_or(wall),
            // An instant ahead of the clock: the fresh reading.
            None => wall,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_times_follow_the_instants_and_stay_near_the_system_clock() {
        let start = Instant::now();
        let first = at(start);
        let later = start + Duration::from_millis(250);
        // Same anchor: exactly the instants' distance apart.
        assert_eq!(
            at(later).duration_since(first).ok(),
            Some(Duration::from_millis(250))
        );
        // A fresh reading is within a generous bound of the system clock.
        let now = at(Instant::now());
        let system = SystemTime::now();
        let gap = system.duration_since(now).unwrap_or_else(|e| e.duration());
        assert!(gap < Duration::from_millis(100), "{gap:?}");
    }

    #[test]
    fn the_first_reading_maps_an_instant_read_a_while_ago_to_its_own_time() {
        // Regression: the anchor paired the caller's (earlier) instant with a
        // later clock reading, so each thread's times ran late by however
        // long the request had been held before its first reading, and two
        // workers' entries could be listed out of time order.
        let Some(earlier) = Instant::now().checked_sub(Duration::from_millis(50)) else {
            return;
        };
        let mapped = std::thread::spawn(move || at(earlier)).join().unwrap();
        let behind = SystemTime::now().duration_since(mapped).unwrap_or_default();
        assert!(behind >= Duration::from_millis(50), "{behind:?}");
    }

    #[test]
    fn an_instant_before_the_anchor_or_a_second_after_it_reads_the_clock_again() {
        let start = Instant::now();
        at(start + Duration::from_secs(5));
        // Before the anchor: answered from a fresh reading, not a negative offset.
        let earlier = at(start);
        let system = SystemTime::now();
        let gap = system
            .duration_since(earlier)
            .unwrap_or_else(|e| e.duration());
        assert!(gap < Duration::from_millis(100), "{gap:?}");
        // Past the refresh interval: a fresh reading again.
        let far = at(start + Duration::from_secs(3));
        let gap = SystemTime::now()
            .duration_since(far)
            .unwrap_or_else(|e| e.duration());
        assert!(gap < Duration::from_millis(100), "{gap:?}");
    }
}
