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
//!
//! This module only parses: whether the catalogue knows a selector, and
//! where a session stands in a sequence, are decided elsewhere (the
//! connector and the sessions). The delay headers are `crate::request::delay`'s.

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
mod tests;
