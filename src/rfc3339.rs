//! RFC 3339 date-times: the one parser, with the one message, for every
//! date-time a user writes (a data file's `at`, `--clock`, the
//! `startDateTime`/`endDateTime` parameters, the journal's `since`), and the
//! two ways the mock writes one: whole seconds in bodies, milliseconds in the
//! journal.
//!
//! It must not know where a text came from: a caller puts the field's name in
//! front of the message ("startDateTime must be an RFC 3339 ..."), so every
//! place says the same thing.

use time::format_description::FormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// What is wrong with a text `parse` refuses, written to follow a field name.
pub const MESSAGE: &str = "must be an RFC 3339 date-time such as 2017-07-21T17:32:28Z";

/// A full RFC 3339 date-time (a bare date or a missing offset is refused).
pub fn parse(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| MESSAGE.to_owned())
}

/// The instant in UTC with the fraction of a second dropped: the time
/// `format` writes.
pub fn whole_seconds(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

/// UTC, whole seconds, as bodies write it: `2026-11-20T14:30:00Z`.
pub fn format(at: OffsetDateTime) -> String {
    whole_seconds(at).format(&Rfc3339).unwrap_or_default()
}

/// UTC with milliseconds, always three digits, as the journal writes it:
/// `2026-11-20T14:30:00.120Z`. The fixed width lets a client sort the
/// journal's times as text (RFC 3339's own format trims trailing zeros).
pub fn format_millis(at: OffsetDateTime) -> String {
    const MILLIS: &[FormatItem<'_>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(UtcOffset::UTC)
        .format(MILLIS)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_full_date_times_and_refuses_the_rest_with_one_message() {
        let cases = [
            ("2017-07-21T17:32:28Z", Some("2017-07-21T17:32:28Z")),
            ("2017-07-21T19:32:28+02:00", Some("2017-07-21T17:32:28Z")),
            ("2017-07-21t17:32:28z", Some("2017-07-21T17:32:28Z")),
            ("2017-07-21T17:32:28.999Z", Some("2017-07-21T17:32:28Z")),
            ("2017-07-21T00:30:00-01:00", Some("2017-07-21T01:30:00Z")),
            ("2017-07-21", None),
            ("2017-07-21T17:32:28", None),
            // RFC 3339 section 5.6 lets a space stand for the `T`.
            ("2017-07-21 17:32:28Z", Some("2017-07-21T17:32:28Z")),
            ("2017-02-30T00:00:00Z", None),
            ("yesterday", None),
            ("", None),
        ];
        for (text, expected) in cases {
            match (parse(text), expected) {
                (Ok(at), Some(written)) => assert_eq!(format(at), written, "{text}"),
                (Err(message), None) => assert_eq!(message, MESSAGE, "{text}"),
                (got, _) => panic!("{text}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn the_message_reads_after_a_field_name() {
        let message = format!("startDateTime {MESSAGE}");
        assert_eq!(
            message,
            "startDateTime must be an RFC 3339 date-time such as 2017-07-21T17:32:28Z"
        );
        // The example in the message is itself accepted.
        assert!(parse("2017-07-21T17:32:28Z").is_ok());
    }

    #[test]
    fn bodies_write_whole_seconds_and_the_journal_milliseconds_both_in_utc() {
        let cases = [
            (
                "2024-05-07T03:28:38.0667701Z",
                "2024-05-07T03:28:38Z",
                "2024-05-07T03:28:38.066Z",
            ),
            (
                "2024-05-07T05:28:38.999999999+02:00",
                "2024-05-07T03:28:38Z",
                "2024-05-07T03:28:38.999Z",
            ),
            // Always three digits, so the journal's times sort as text (a
            // trimmed ".62Z" sorted after ".621Z" and broke the journal's
            // arrival-order test once in a while).
            (
                "2024-05-07T03:28:38.620Z",
                "2024-05-07T03:28:38Z",
                "2024-05-07T03:28:38.620Z",
            ),
            (
                "2024-05-07T03:28:38Z",
                "2024-05-07T03:28:38Z",
                "2024-05-07T03:28:38.000Z",
            ),
        ];
        for (text, seconds, millis) in cases {
            let at = parse(text).unwrap();
            assert_eq!(format(at), seconds, "{text}");
            assert_eq!(format_millis(at), millis, "{text}");
            assert_eq!(whole_seconds(at), parse(seconds).unwrap(), "{text}");
        }
    }
}
