//! `When`: the time of an activity in a data file, an RFC 3339 date-time or
//! a time before the reference clock (`-2d`, `-5h30m`, `-1d2h3m`), checked
//! when the file is read.
//!
//! It only parses; turning a relative time into a date against the reference
//! clock is the dataset's job (`data.rs`).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// When an activity happened: an RFC 3339 date-time, or a time before the
/// reference clock written `-2d`, `-5h30m`, `-1d2h3m`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub enum When {
    At(#[serde(skip)] OffsetDateTime),
    Ago(#[serde(skip)] Duration),
}

/// A relative time reaches back at most this many days (about 10,000
/// years): from any reference clock `--clock` accepts (year 0 on), the date
/// stays in the range `time` represents, so no clock makes it overflow and
/// `validate` needs no clock to decide.
pub const MAX_AGO_DAYS: i64 = 3_650_000;

impl TryFrom<String> for When {
    type Error = String;
    fn try_from(text: String) -> Result<When, String> {
        let problem = || {
            format!(
                "'{text}' {} or a relative time like -2d5h30m",
                crate::rfc3339::MESSAGE
            )
        };
        let Some(relative) = text.strip_prefix('-') else {
            return crate::rfc3339::parse(&text)
                .map(When::At)
                .map_err(|_| problem());
        };
        let too_far = || {
            format!(
                "'{text}' reaches back more than {MAX_AGO_DAYS} days (about 10,000 years), the most a relative time may"
            )
        };
        let max_seconds = MAX_AGO_DAYS * 86_400;
        let mut seconds: i64 = 0;
        let mut digits = String::new();
        for c in relative.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit: i64 = match c {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                _ => return Err(problem()),
            };
            // Digits only, so a failed parse is a number beyond i64.
            let n: i64 = match digits.is_empty() {
                true => return Err(problem()),
                false => digits.parse().map_err(|_| too_far())?,
            };
            digits.clear();
            seconds = n
                .checked_mul(unit)
                .and_then(|s| seconds.checked_add(s))
                .filter(|s| *s <= max_seconds)
                .ok_or_else(too_far)?;
        }
        match digits.is_empty() && !relative.is_empty() {
            true => Ok(When::Ago(Duration::seconds(seconds))),
            false => Err(problem()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_times_parse() {
        assert_eq!(
            When::try_from("-1d2h".to_owned()),
            Ok(When::Ago(Duration::hours(26)))
        );
        assert!(matches!(
            When::try_from("2024-05-01T10:00:00Z".to_owned()),
            Ok(When::At(_))
        ));
        for bad in ["-", "-5", "-2x", "yesterday", "2024-05-01"] {
            let message = When::try_from(bad.to_owned()).unwrap_err();
            assert_eq!(
                message,
                format!(
                    "'{bad}' must be an RFC 3339 date-time such as 2017-07-21T17:32:28Z or a relative time like -2d5h30m"
                )
            );
        }
    }

    #[test]
    fn an_absolute_time_keeps_its_fraction_until_it_is_written() {
        // The dataset drops the fraction when it writes the item
        // (`rfc3339::whole_seconds`), not the parser.
        let Ok(When::At(at)) = When::try_from("2024-05-07T03:28:38.0667701Z".to_owned()) else {
            panic!("parses");
        };
        assert_eq!(at.nanosecond(), 66_770_100);
        assert_eq!(crate::rfc3339::format(at), "2024-05-07T03:28:38Z");
    }

    #[test]
    fn a_relative_time_beyond_the_bound_is_a_problem_not_a_panic() {
        // Broke: `-106751991167301d` overflowed `Duration::days` (a panic), and
        // `-4400000d` parsed but overflowed the date when subtracted.
        let cases = [
            ("-3650000d", true),
            ("-3649999d23h60m", true),
            ("-3650000d1m", false),
            ("-4400000d", false),
            ("-106751991167301d", false),
            ("-9223372036854775807m", false),
            ("-99999999999999999999h", false),
            ("-3650000d3650000d", false),
        ];
        for (text, ok) in cases {
            let parsed = When::try_from(text.to_owned());
            assert_eq!(parsed.is_ok(), ok, "{text}: {parsed:?}");
            if let Err(message) = parsed {
                assert!(message.contains("3650000 days"), "{text}: {message}");
            }
        }
        // The earliest reference clock `--clock` accepts still reaches back
        // that far without leaving time's range.
        let earliest = crate::rfc3339::parse("0000-01-01T00:00:00+23:59").unwrap();
        assert!(earliest.checked_sub(Duration::days(MAX_AGO_DAYS)).is_some());
    }
}
