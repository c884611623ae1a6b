//! Reads the scenario a request asks for (contract Part 2 §2).
//!
//! Decision order:
//! 1. the `X-Simulate-Error` header;
//! 2. the `simulateError` query parameter;
//! 3. the `code=` preference of a `Prefer` header (other preferences ignored).
//!
//! An empty value counts as absent and the next source is read. The value is
//! `SELECTOR[; option=value]...`: the selector is an errorCode in any letter
//! case or a status number; options are `retry-after=<seconds>`,
//! `message=<text>` and `reason=<text>`. `;` cannot appear inside an option.

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// An errorCode, upper-cased.
    Code(String),
    /// A status number; `200` means "no error".
    Status(u16),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub retry_after: Option<u32>,
    pub message: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub selector: Selector,
    pub options: Options,
    /// The raw value, for messages.
    pub raw: String,
}

pub const OPTION_NAMES: [&str; 3] = ["retry-after", "message", "reason"];

/// Finds the trigger in precedence order. `prefer` yields every `Prefer`
/// header value of the request.
pub fn find<'a>(
    header: Option<&str>,
    query: Option<&str>,
    prefer: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Trigger>, ApiError> {
    if let Some(value) = header.map(str::trim).filter(|v| !v.is_empty()) {
        return parse(value, "X-Simulate-Error").map(Some);
    }
    if let Some(value) = query.map(str::trim).filter(|v| !v.is_empty()) {
        return parse(value, "simulateError").map(Some);
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
        Some(value) => parse(value, "Prefer").map(Some),
        None => Ok(None),
    }
}

/// Parses `SELECTOR[; option=value]...`; `source` names where it came from.
pub fn parse(value: &str, source: &str) -> Result<Trigger, ApiError> {
    let mut parts = value.split(';');
    let selector = parts.next().unwrap_or_default().trim();
    let selector = match selector.parse::<u16>() {
        Ok(status) => Selector::Status(status),
        Err(_) => Selector::Code(selector.to_ascii_uppercase()),
    };
    let mut options = Options::default();
    for part in parts.map(str::trim).filter(|p| !p.is_empty()) {
        let (name, option) = part
            .split_once('=')
            .map(|(n, v)| (n.trim(), v.trim()))
            .ok_or_else(|| {
                ApiError::invalid_request(
                    source,
                    &format!("option '{part}' must be written name=value"),
                )
            })?;
        match name.to_ascii_lowercase().as_str() {
            "retry-after" => {
                let seconds = option.parse::<u32>().map_err(|_| {
                    ApiError::invalid_request(
                        source,
                        "option retry-after must be a non-negative number of seconds",
                    )
                })?;
                options.retry_after = Some(seconds);
            }
            "message" => options.message = Some(option.to_owned()),
            "reason" => {
                // It is quoted into WWW-Authenticate, so keep it a plain word list.
                if option.is_empty()
                    || !option
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " -_".contains(c))
                {
                    return Err(ApiError::invalid_request(
                        source,
                        "option reason may use only letters, digits, spaces, '-' and '_'",
                    ));
                }
                options.reason = Some(option.to_owned());
            }
            _ => {
                return Err(ApiError::invalid_request(
                    source,
                    &format!(
                        "unknown option '{name}'; known options: {}",
                        OPTION_NAMES.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(Trigger {
        selector,
        options,
        raw: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> Selector {
        Selector::Code(c.to_owned())
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
            (
                Some("429"),
                Some("500"),
                &["code=404"],
                Some(Selector::Status(429)),
            ),
            (
                None,
                Some("record_not_found"),
                &["code=500"],
                Some(code("RECORD_NOT_FOUND")),
            ),
            (
                Some(""),
                Some(" "),
                &["code=404"],
                Some(Selector::Status(404)),
            ),
            (
                None,
                None,
                &["respond-async, code=403"],
                Some(Selector::Status(403)),
            ),
            (
                None,
                None,
                &["respond-async", "code=401; foo"],
                Some(Selector::Status(401)),
            ),
            (None, None, &["respond-async"], None),
            (None, None, &["code=\"200\""], Some(Selector::Status(200))),
        ];
        for (header, query, prefer, expected) in cases {
            let found = find(*header, *query, prefer.iter().copied()).unwrap();
            assert_eq!(
                found.map(|t| t.selector),
                *expected,
                "{header:?} {query:?} {prefer:?}"
            );
        }
    }

    #[test]
    fn options_ride_on_the_value() {
        let t = parse("Request_Throttled; retry-after=30; message=Slow down", "h").unwrap();
        assert_eq!(t.selector, code("REQUEST_THROTTLED"));
        assert_eq!(t.options.retry_after, Some(30));
        assert_eq!(t.options.message.as_deref(), Some("Slow down"));
    }

    #[test]
    fn bad_options_are_invalid_requests_naming_the_source() {
        for value in [
            "429; retry-after=soon",
            "429; colour=red",
            "429; retry-after",
            "401; reason=\"quoted\"",
        ] {
            let err = parse(value, "X-Simulate-Error").unwrap_err();
            assert_eq!(err.code, "INVALID_REQUEST", "{value}");
            assert_eq!(
                err.details.unwrap()["parameter"],
                "X-Simulate-Error",
                "{value}"
            );
        }
    }
}
