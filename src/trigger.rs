//! Reads the scenario a request asks for (contract Part 2 §2).
//!
//! Decision order:
//! 1. the `X-Simulate-Error` header;
//! 2. the `simulateError` query parameter;
//! 3. the `code=` preference of a `Prefer` header (other preferences ignored).
//!
//! An empty value counts as absent and the next source is read. The value is
//! `SELECTOR[; option=value]...`: the selector is an errorCode or fault name
//! in any letter case, a status number, or a comma-separated sequence of those
//! (`429,429,500,200`: one per request of the session, then success).
//! Options are `retry-after=<seconds>` (0 to `MAX_RETRY_AFTER_SECS`),
//! `message=<text>`, `reason=<text>`, `times=<n>` (answer the selector n
//! times per session, then succeed) and `interval=<ms>` (between the chunks
//! of `SLOW_BODY`).
//!
//! Sequences with options, precisely:
//! 1. The value is split into elements at each `,`, except a `,` inside a
//!    `message=` value: a message runs to the next `;` or the end of the
//!    value. `;` cannot appear inside an option.
//! 2. Each element is `SELECTOR[; option=value]...`.
//! 3. The options written on the last element are the trailing options: they
//!    apply to every element (`429,429,200; retry-after=2`: both 429s say 2,
//!    as before per-element options existed).
//! 4. An element's own options win over the trailing ones, one option at a
//!    time (`429;retry-after=5,429,200;retry-after=2`: 5, then 2).
//! 5. `times=` counts the whole trigger, so it may only be a trailing option.
//!
//! So an option meant for the last element alone cannot be written; give it
//! to every element instead, or put that element earlier.

use std::sync::Arc;

use crate::error::{ApiError, Input};

/// One answer a trigger names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Single {
    /// An errorCode or fault name, upper-cased.
    Code(String),
    /// A status number; `200` means "no error".
    Status(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    One(Single),
    /// One element per request of the session, then success.
    Sequence(Vec<Single>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub retry_after: Option<u32>,
    /// Shared: a sequence's trailing options stand in every element.
    pub message: Option<Arc<str>>,
    pub reason: Option<Arc<str>>,
    pub times: Option<u32>,
    pub interval_ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub selector: Selector,
    /// The options of a single selector, or a sequence's trailing options
    /// (`times=` among them).
    pub options: Options,
    /// A sequence's options per element, the trailing ones filled in;
    /// empty for a single selector.
    pub element_options: Vec<Options>,
    /// The raw value, for messages.
    pub raw: String,
}

pub const OPTION_NAMES: [&str; 5] = ["retry-after", "message", "reason", "times", "interval"];

/// Sequences longer than this are refused, so one header cannot pin memory.
pub const MAX_SEQUENCE: usize = 100;

/// The longest trigger value, in bytes. Rationale: each session keeps its
/// position per trigger value, so this bounds those keys; a sequence of 100
/// statuses is 400 bytes, which leaves room for options and a message.
pub const MAX_TRIGGER_BYTES: usize = 1024;

/// The longest `Retry-After` anything may ask for (one day), in seconds: the
/// `retry-after=` option, a scenario's `retryAfter` and a `Retry-After`
/// header template. Rationale: a wait longer than a day is no retry test,
/// and a bound keeps every deadline far inside the clock's range.
pub const MAX_RETRY_AFTER_SECS: u32 = 86_400;

fn single(text: &str) -> Single {
    match text.trim().parse::<u16>() {
        Ok(status) => Single::Status(status),
        Err(_) => Single::Code(text.trim().to_ascii_uppercase()),
    }
}

/// Finds the trigger in precedence order. `prefer` yields every `Prefer`
/// header value of the request. The trigger is shared (`Arc`) because a
/// sticky session keeps it beyond the request; it is parsed afresh each
/// time (a trigger is a few dozen bytes of text).
pub fn find<'a>(
    header: Option<&str>,
    query: Option<&str>,
    prefer: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Arc<Trigger>>, ApiError> {
    if let Some(value) = header.map(str::trim).filter(|v| !v.is_empty()) {
        return parsed(value, Input::Header("X-Simulate-Error"));
    }
    if let Some(value) = query.map(str::trim).filter(|v| !v.is_empty()) {
        return parsed(value, Input::Query("simulateError"));
    }
    let code = prefer
        .into_iter()
        .flat_map(|h| h.split(','))
        .filter_map(|pref| {
            let (name, value) = pref.split(';').next()?.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("code")
                .then(|| value.trim().trim_matches('"'))
        })
        .find(|v| !v.is_empty());
    match code {
        Some(value) => parsed(value, Input::Header("Prefer")),
        None => Ok(None),
    }
}

fn parsed(value: &str, source: Input) -> Result<Option<Arc<Trigger>>, ApiError> {
    parse(value, source).map(|t| Some(Arc::new(t)))
}

impl Trigger {
    /// The options element `index` answers with.
    pub fn options_for(&self, index: usize) -> &Options {
        self.element_options.get(index).unwrap_or(&self.options)
    }
}

/// Parses `SELECTOR[; option=value]...` or a sequence of those (see the
/// module doc); `source` names where it came from.
pub fn parse(value: &str, source: Input) -> Result<Trigger, ApiError> {
    if value.len() > MAX_TRIGGER_BYTES {
        return Err(ApiError::invalid(
            source,
            &format!(
                "is {} bytes; a trigger value is at most {MAX_TRIGGER_BYTES}",
                value.len()
            ),
        ));
    }
    let elements = split_elements(value);
    if elements.len() > MAX_SEQUENCE {
        return Err(ApiError::invalid(
            source,
            &format!("a sequence is 1 to {MAX_SEQUENCE} comma-separated values with none empty"),
        ));
    }
    let [(selector, parts)] = elements.as_slice() else {
        return sequence(&elements, value, source);
    };
    Ok(Trigger {
        selector: Selector::One(single(selector)),
        options: options(parts, source)?,
        element_options: Vec::new(),
        raw: value.to_owned(),
    })
}

/// A sequence: each element's own options over the trailing ones (those
/// written on the last element), which also stand for the whole trigger.
fn sequence(
    elements: &[(&str, Vec<&str>)],
    value: &str,
    source: Input,
) -> Result<Trigger, ApiError> {
    let mut items = Vec::with_capacity(elements.len());
    let mut own = Vec::with_capacity(elements.len());
    for (selector, parts) in elements {
        let item = single(selector);
        if item == Single::Code(String::new()) {
            return Err(ApiError::invalid(
                source,
                &format!(
                    "a sequence is 1 to {MAX_SEQUENCE} comma-separated values with none empty"
                ),
            ));
        }
        items.push(item);
        own.push(options(parts, source)?);
    }
    let trailing = own.pop().unwrap_or_default();
    if own.iter().any(|o| o.times.is_some()) {
        return Err(ApiError::invalid(
            source,
            "option times counts the whole sequence; write it after the last element",
        ));
    }
    if own.iter().all(|o| *o == Options::default()) {
        // Only trailing options: every element answers with them.
        return Ok(Trigger {
            selector: Selector::Sequence(items),
            options: trailing,
            element_options: Vec::new(),
            raw: value.to_owned(),
        });
    }
    let mut element_options: Vec<Options> = own
        .into_iter()
        .map(|o| Options {
            retry_after: o.retry_after.or(trailing.retry_after),
            message: o.message.or_else(|| trailing.message.clone()),
            reason: o.reason.or_else(|| trailing.reason.clone()),
            times: trailing.times,
            interval_ms: o.interval_ms.or(trailing.interval_ms),
        })
        .collect();
    element_options.push(trailing.clone());
    Ok(Trigger {
        selector: Selector::Sequence(items),
        options: trailing,
        element_options,
        raw: value.to_owned(),
    })
}

/// Splits a trigger value into its elements, each a selector and its raw
/// `name=value` options. A `,` ends an element, except inside a `message=`
/// value, which runs to the next `;` or the end; a `;` starts an option.
fn split_elements(value: &str) -> Vec<(&str, Vec<&str>)> {
    let mut elements = Vec::new();
    let mut rest = value;
    loop {
        let end = rest.find([',', ';']).unwrap_or(rest.len());
        let selector = rest[..end].trim();
        rest = &rest[end..];
        let mut parts = Vec::new();
        while let Some(after) = rest.strip_prefix(';') {
            let stop = after.find([',', ';']).unwrap_or(after.len());
            let is_message = after[..stop]
                .split_once('=')
                .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("message"));
            let end = match is_message {
                true => after.find(';').unwrap_or(after.len()),
                false => stop,
            };
            parts.push(&after[..end]);
            rest = &after[end..];
        }
        elements.push((selector, parts));
        match rest.strip_prefix(',') {
            Some(next) => rest = next,
            None => return elements,
        }
    }
}

/// One element's `name=value` options.
fn options(parts: &[&str], source: Input) -> Result<Options, ApiError> {
    let mut options = Options::default();
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (name, option) = part
            .split_once('=')
            .map(|(n, v)| (n.trim(), v.trim()))
            .ok_or_else(|| {
                ApiError::invalid(
                    source,
                    &format!("option '{part}' must be written name=value"),
                )
            })?;
        match name.to_ascii_lowercase().as_str() {
            "retry-after" => {
                let seconds = option
                    .parse::<u32>()
                    .ok()
                    .filter(|s| *s <= MAX_RETRY_AFTER_SECS)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            source,
                            &format!(
                                "option retry-after must be whole seconds from 0 to {MAX_RETRY_AFTER_SECS}"
                            ),
                        )
                    })?;
                options.retry_after = Some(seconds);
            }
            "message" => options.message = Some(option.into()),
            "times" => options.times = Some(positive(option, source, "times")?),
            "interval" => options.interval_ms = Some(positive(option, source, "interval")?),
            "reason" => {
                // It is quoted into WWW-Authenticate, so keep it a plain word list.
                if option.is_empty()
                    || !option
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " -_".contains(c))
                {
                    return Err(ApiError::invalid(
                        source,
                        "option reason may use only letters, digits, spaces, '-' and '_'",
                    ));
                }
                options.reason = Some(option.into());
            }
            _ => {
                return Err(ApiError::invalid(
                    source,
                    &format!(
                        "unknown option '{name}'; known options: {}",
                        OPTION_NAMES.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(options)
}

fn positive(value: &str, source: Input, name: &str) -> Result<u32, ApiError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0 && *n <= 600_000)
        .ok_or_else(|| {
            ApiError::invalid(
                source,
                &format!("option {name} must be a whole number from 1 to 600000"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const H: Input = Input::Header("h");

    fn code(c: &str) -> Selector {
        Selector::One(Single::Code(c.to_owned()))
    }

    fn status(s: u16) -> Selector {
        Selector::One(Single::Status(s))
    }

    #[test]
    fn precedence_is_header_then_query_then_prefer() {
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            &'a [&'a str],
            Option<Selector>,
        );
        let cases: &[Case] = &[
            (None, None, &[], None),
            (Some("429"), Some("500"), &["code=404"], Some(status(429))),
            (
                None,
                Some("record_not_found"),
                &["code=500"],
                Some(code("RECORD_NOT_FOUND")),
            ),
            (Some(""), Some(" "), &["code=404"], Some(status(404))),
            (None, None, &["respond-async, code=403"], Some(status(403))),
            (
                None,
                None,
                &["respond-async", "code=401; foo"],
                Some(status(401)),
            ),
            (None, None, &["respond-async"], None),
            (None, None, &["code=\"200\""], Some(status(200))),
        ];
        for (header, query, prefer, expected) in cases {
            let found = find(*header, *query, prefer.iter().copied()).unwrap();
            assert_eq!(
                found.map(|t| t.selector.clone()),
                *expected,
                "{header:?} {query:?} {prefer:?}"
            );
        }
    }

    #[test]
    fn options_ride_on_the_value() {
        let t = parse("Request_Throttled; retry-after=30; message=Slow down", H).unwrap();
        assert_eq!(t.selector, code("REQUEST_THROTTLED"));
        assert_eq!(t.options.retry_after, Some(30));
        assert_eq!(t.options.message.as_deref(), Some("Slow down"));
    }

    #[test]
    fn sequences_and_counts_parse() {
        let t = parse("429, 429,internal_server_error,200; times=2", H).unwrap();
        assert_eq!(
            t.selector,
            Selector::Sequence(vec![
                Single::Status(429),
                Single::Status(429),
                Single::Code("INTERNAL_SERVER_ERROR".into()),
                Single::Status(200)
            ])
        );
        assert_eq!(t.options.times, Some(2));
        assert!(parse("429,,500", H).is_err());
        assert!(parse(&vec!["500"; MAX_SEQUENCE + 1].join(","), H).is_err());
    }

    #[test]
    fn each_sequence_element_has_its_own_options_over_the_trailing_ones() {
        // (value, per element: (selector, retry-after, message))
        type Row<'a> = (&'a str, &'a [(Single, Option<u32>, Option<&'a str>)]);
        let s = Single::Status;
        let table: &[Row] = &[
            (
                "429;retry-after=2,429,200",
                &[
                    (s(429), Some(2), None),
                    (s(429), None, None),
                    (s(200), None, None),
                ],
            ),
            (
                "429,429,200; retry-after=2",
                &[
                    (s(429), Some(2), None),
                    (s(429), Some(2), None),
                    (s(200), Some(2), None),
                ],
            ),
            (
                "429;retry-after=5,429,200;retry-after=2",
                &[
                    (s(429), Some(5), None),
                    (s(429), Some(2), None),
                    (s(200), Some(2), None),
                ],
            ),
            (
                "429; message=Slow, please,500",
                &[(s(429), None, Some("Slow, please,500"))],
            ),
            (
                "429;message=a, b;retry-after=3,500; message=c",
                &[(s(429), Some(3), Some("a, b")), (s(500), None, Some("c"))],
            ),
            (
                "429, 500; message=Slow, please",
                &[
                    (s(429), None, Some("Slow, please")),
                    (s(500), None, Some("Slow, please")),
                ],
            ),
        ];
        for (value, elements) in table {
            let t = parse(value, H).unwrap();
            let selectors: Vec<Single> = elements.iter().map(|e| e.0.clone()).collect();
            match &t.selector {
                Selector::One(one) => assert_eq!(vec![one.clone()], selectors, "{value}"),
                Selector::Sequence(items) => assert_eq!(*items, selectors, "{value}"),
            }
            for (index, (_, retry_after, message)) in elements.iter().enumerate() {
                let options = t.options_for(index);
                assert_eq!(options.retry_after, *retry_after, "{value} #{index}");
                assert_eq!(options.message.as_deref(), *message, "{value} #{index}");
            }
        }
        for bad in [
            "429;times=2,200",
            "429;retry-after=2,",
            "429;bogus=1,200",
            ",429",
        ] {
            let err = parse(bad, H).unwrap_err();
            assert_eq!(err.code, "INVALID_REQUEST", "{bad}");
        }
    }

    #[test]
    fn bad_options_are_invalid_requests_naming_the_source() {
        for value in [
            "429; retry-after=soon",
            "429; retry-after=86401",
            "429; retry-after=18446744073709551615",
            "429; colour=red",
            "429; retry-after",
            "401; reason=\"quoted\"",
            "500; times=0",
            "SLOW_BODY; interval=fast",
        ] {
            let err = parse(value, Input::Header("X-Simulate-Error")).unwrap_err();
            assert_eq!(err.code, "INVALID_REQUEST", "{value}");
            assert_eq!(
                err.details.unwrap()["parameter"],
                "X-Simulate-Error",
                "{value}"
            );
        }
    }
}

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
mod delay_tests {
    use super::tests::H;
    use super::*;

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
