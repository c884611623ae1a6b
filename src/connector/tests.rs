//! The deadline and the wait, as tables.

use super::*;

#[test]
fn a_deadline_is_the_wait_after_now_clamped_to_a_day() {
    let now = Instant::now();
    let day = u64::from(trigger::MAX_RETRY_AFTER_SECS);
    let cases = [
        (0, Duration::ZERO, "no wait"),
        (5, Duration::from_secs(5), "five seconds"),
        (day, Duration::from_secs(day), "a day"),
        (u64::MAX, Duration::from_secs(day), "clamped to a day"),
    ];
    for (seconds, after, why) in cases {
        assert_eq!(deadline(seconds, now), now + after, "{why}");
    }
}

#[test]
fn the_wait_is_the_fault_s_else_the_asked_delay_else_the_latency() {
    let ms = Duration::from_millis;
    let (d10, d20) = (Some(Delay::fixed(10)), Some(Delay::fixed(20)));
    let cases = [
        (None, None, None, ms(0), "nothing asked"),
        (d10, None, None, ms(10), "asked"),
        (d10, Some(ms(30)), None, ms(30), "a fault's wait wins"),
        (None, None, d20, ms(20), "latency when nothing is asked"),
        (d10, None, d20, ms(10), "asked wins over latency"),
        (
            Some(Delay::fixed(0)),
            None,
            d20,
            ms(20),
            "a zero delay leaves the latency",
        ),
        (None, Some(ms(0)), d20, ms(20), "so does a zero fault wait"),
    ];
    for (asked, fault, latency, expected, why) in cases {
        assert_eq!(wait(asked, fault, latency), expected, "{why}");
    }
}
