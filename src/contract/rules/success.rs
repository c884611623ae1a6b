//! The success body: the envelope, each item's fields, and `dateTime`
//! (contract Part 1, "Success body", and Part 3 on fractional seconds and a
//! null `url`).

use serde_json::{Map, Value};

use super::{ACTIVITY, DATETIME, ENVELOPE, Exchange, Finding, RECORD, Verdict};
use crate::contract::Operation;
use crate::contract::fields::{OutputType, outputs};

/// `success.envelope` on a 2xx answer of an operation.
pub fn envelope(x: &Exchange) -> Option<Finding> {
    x.sent.operation?;
    if !(200..300).contains(&x.got.status) {
        return None;
    }
    let fail = |what: &str| {
        Some(Finding::new(
            ENVELOPE,
            Verdict::Fail,
            format!("{}; {what}", x.said()),
        ))
    };
    if x.got.status != 200 {
        return fail("expected 200");
    }
    if !x.got.is_json_type() {
        return fail(&format!(
            "Content-Type {:?}, expected application/json",
            x.got.header("content-type").unwrap_or("(none)")
        ));
    }
    let Some(body) = x.got.json.as_ref().and_then(Value::as_object) else {
        return fail("the body is not a JSON object");
    };
    let Some(items) = body.get("value").and_then(Value::as_array) else {
        return fail("no array \"value\"");
    };
    match body.get("hasMoreResults") {
        None | Some(Value::Bool(_)) => {}
        Some(other) => return fail(&format!("hasMoreResults is {other}, expected a boolean")),
    }
    Some(Finding::new(
        ENVELOPE,
        Verdict::Pass,
        format!("{} with {} item(s)", x.said(), items.len()),
    ))
}

/// `success.envelope` for a probe that must succeed: anything but a 2xx
/// fails it (a redirect too: it is not followed).
pub fn expect_success(x: &Exchange) -> Option<Finding> {
    if (200..300).contains(&x.got.status) {
        return envelope(x);
    }
    Some(Finding::new(
        ENVELOPE,
        Verdict::Fail,
        format!("{}; expected 200 with a value array", x.said()),
    ))
}

/// `success.activity` or `success.record` on each item of a 200.
pub fn items(x: &Exchange) -> Option<Finding> {
    let operation = x.sent.operation?;
    if x.got.status != 200 {
        return None;
    }
    let items = x.got.items()?;
    let rule = match operation {
        Operation::RelatedActivities => ACTIVITY,
        Operation::RelatedRecords => RECORD,
    };
    let mut warning = None;
    for (i, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return Some(Finding::new(
                rule,
                Verdict::Fail,
                format!("{}; item {i} is not an object", x.said()),
            ));
        };
        match item_problem(operation, item) {
            Some((Verdict::Warn, problem)) => {
                warning.get_or_insert(format!("{}; item {i}: {problem}", x.said()));
            }
            Some((verdict, problem)) => {
                return Some(Finding::new(
                    rule,
                    verdict,
                    format!("{}; item {i}: {problem}", x.said()),
                ));
            }
            None => {}
        }
    }
    Some(match warning {
        Some(message) => Finding::new(rule, Verdict::Warn, message),
        None => Finding::new(
            rule,
            Verdict::Pass,
            format!("{}: {} item(s) with every field", x.said(), items.len()),
        ),
    })
}

/// The first thing wrong with one item: a failure, or a warning (a null
/// `url`, which upstream examples write although the schema says string).
fn item_problem(operation: Operation, item: &Map<String, Value>) -> Option<(Verdict, String)> {
    let mut warning = None;
    for field in outputs(operation) {
        let name = field.name;
        let value = match item.get(name) {
            None if field.required => return Some((Verdict::Fail, format!("{name} is missing"))),
            None => continue,
            Some(value) => value,
        };
        let problem = match (field.kind, value) {
            (OutputType::Url, Value::Null) => {
                warning.get_or_insert(format!(
                    "{name} is null (upstream examples write it; the schema says string)"
                ));
                continue;
            }
            (OutputType::Text, Value::String(s)) if s.is_empty() => {
                format!("{name} is an empty string")
            }
            (OutputType::Text | OutputType::DateTime | OutputType::Url, Value::String(_)) => {
                continue;
            }
            (OutputType::StringMap, Value::Object(map)) => {
                match map.iter().find(|(_, v)| !v.is_string()) {
                    Some((key, v)) => format!("{name}.{key} is {v}, expected a string"),
                    None => continue,
                }
            }
            (OutputType::StringMap, other) => format!("{name} is {other}, expected an object"),
            (_, other) => format!("{name} is {other}, expected a string"),
        };
        return Some((Verdict::Fail, problem));
    }
    warning.map(|w| (Verdict::Warn, w))
}

/// `success.datetime` on the activities of a 200: RFC 3339, offset zero.
pub fn datetime(x: &Exchange) -> Option<Finding> {
    if x.sent.operation? != Operation::RelatedActivities || x.got.status != 200 {
        return None;
    }
    let items = x.got.items()?;
    for (i, item) in items.iter().enumerate() {
        let Some(text) = item.get("dateTime").and_then(Value::as_str) else {
            continue;
        };
        let problem = match crate::rfc3339::parse(text) {
            Err(message) => message,
            Ok(at) if !at.offset().is_utc() => "is not in UTC (offset Z or +00:00)".to_owned(),
            Ok(_) => continue,
        };
        return Some(Finding::new(
            DATETIME,
            Verdict::Fail,
            format!("{}; item {i}: dateTime {text:?} {problem}", x.said()),
        ));
    }
    let dated = items.iter().filter(|i| i.get("dateTime").is_some()).count();
    (dated > 0).then(|| {
        Finding::new(
            DATETIME,
            Verdict::Pass,
            format!("{}: {dated} dateTime(s) in RFC 3339 UTC", x.said()),
        )
    })
}
