//! A fast path for the common case of proxy mode: a 200 that keeps every
//! rule. `every` parses the body into a `serde_json::Value` tree, and
//! building and dropping that tree was three quarters of the proxy's
//! instructions per request (callgrind, records 200: 318k instructions, of
//! which 263k the tree). `conforming` reads the body into borrowed, typed
//! fields instead (no allocation per string) and checks what the rules
//! check of a success.
//!
//! It can only say "nothing to report": when it answers `true`, `every`
//! would find no failure and no warning (the latency budget aside, which
//! the caller checks); on anything unusual (a null, a number where a string
//! belongs, a duplicate field, an invalid request, an error status) it says
//! `false` and the caller runs `every` for the exact findings. Its unit test
//! holds it to `every` on conforming answers and on each way of breaking one
//! (a review found arrays read as objects and skipped values escaping
//! serde_json's checks; both are cases now).

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

use super::Sent;
use crate::contract::Operation;
use crate::contract::fields::{OutputType, outputs};

/// Whether a `status` answer with `content_type` and `body` to `sent`
/// certainly keeps every rule `every` checks (but the latency budget).
pub fn conforming(sent: &Sent, status: u16, content_type: Option<&str>, body: &[u8]) -> bool {
    let Some(operation) = sent.operation else {
        return false;
    };
    let json = content_type.is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if status != 200 || !json || super::errors::invalid(sent).is_some() {
        return false;
    }
    // One UTF-8 check of the whole body, then serde_json's `str` reader,
    // which checks no string again: the per-string checks of `from_slice`
    // were a quarter of this function (callgrind, records 200).
    let Ok(body) = std::str::from_utf8(body) else {
        return false;
    };
    let Ok(envelope) = serde_json::from_str::<Envelope>(body) else {
        return false;
    };
    if sent
        .count("top")
        .is_some_and(|top| envelope.value.len() > top)
    {
        return false;
    }
    let bound = |name| sent.param(name).and_then(|v| crate::rfc3339::parse(v).ok());
    let (start, end) = (bound("startDateTime"), bound("endDateTime"));
    envelope.value.iter().all(|item| {
        outputs(operation).iter().all(|field| {
            let text = item.text(field.name);
            match field.kind {
                OutputType::Text => text.is_some_and(|t| !t.is_empty()) || !field.required,
                OutputType::Url => true,
                OutputType::StringMap => true,
                OutputType::DateTime => text.is_some_and(|t| {
                    crate::rfc3339::parse(t).is_ok_and(|at| {
                        at.offset().is_utc()
                            && (operation != Operation::RelatedActivities
                                || (start.is_none_or(|s| at >= s) && end.is_none_or(|e| at <= e)))
                    })
                }),
            }
        })
    })
}

/// The envelope, read as a JSON object only (serde's derive would also take
/// an array for a struct) and strictly: a duplicate key or a null sends the
/// answer to the full rules.
struct Envelope<'a> {
    value: Vec<Item<'a>>,
}

impl<'de> Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Envelope<'de>, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Envelope<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object with a value array")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
                let (mut value, mut more) = (None, None);
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match key.0.as_ref() {
                        "value" if value.is_none() => {
                            value = Some(map.next_value::<Vec<Item<'de>>>()?)
                        }
                        "hasMoreResults" if more.is_none() => {
                            more = Some(map.next_value::<bool>()?)
                        }
                        "value" | "hasMoreResults" => {
                            return Err(A::Error::custom("a duplicate key"));
                        }
                        _ => map.next_value::<Skip>().map(|_| ())?,
                    }
                }
                let value = value.ok_or_else(|| A::Error::custom("no value"))?;
                Ok(Envelope { value })
            }
        }
        d.deserialize_map(Fields)
    }
}

/// The string fields either operation's items may have, by name.
const NAMES: [&str; 9] = [
    "title",
    "description",
    "dateTime",
    "url",
    "recordId",
    "recordType",
    "recordTypeDisplayName",
    "recordTypePluralDisplayName",
    "recordTitle",
];

/// One item: its string fields (borrowed from the body unless they hold
/// escapes), read as a JSON object only; `additionalProperties` must be an
/// object of strings; any other key is skipped (the rules allow them).
struct Item<'a> {
    texts: [Option<Text<'a>>; NAMES.len()],
}

impl<'de> Deserialize<'de> for Item<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item<'de>, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Item<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an item object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<'de>, A::Error> {
                let mut item = Item {
                    texts: Default::default(),
                };
                let mut properties = false;
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    let key = key.0.as_ref();
                    match NAMES.iter().position(|n| *n == key) {
                        Some(i) => match item.texts.get_mut(i) {
                            Some(slot @ None) => *slot = Some(map.next_value::<Text<'de>>()?),
                            _ => return Err(A::Error::custom("a duplicate key")),
                        },
                        None if key == "additionalProperties" && !properties => {
                            properties = true;
                            map.next_value::<StringMap>()?;
                        }
                        None if key == "additionalProperties" => {
                            return Err(A::Error::custom("a duplicate key"));
                        }
                        None => map.next_value::<Skip>().map(|_| ())?,
                    }
                }
                Ok(item)
            }
        }
        d.deserialize_map(Fields)
    }
}

impl Item<'_> {
    fn text(&self, name: &str) -> Option<&str> {
        let i = NAMES.iter().position(|n| *n == name)?;
        self.texts.get(i)?.as_ref().map(|t| t.0.as_ref())
    }
}

/// Any JSON value, read through (so serde_json's depth limit and number
/// checks apply, as they do to the full rules' parse) and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        struct Anything;
        impl<'de> Visitor<'de> for Anything {
            type Value = Skip;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_unit<E>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Skip)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(Skip)
            }
        }
        d.deserialize_any(Anything)
    }
}

/// A string borrowed from the body, or owned when it holds escapes. (serde's
/// own `Cow<str>` always owns, unless it is the field itself.)
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text<'de>, D::Error> {
        struct Chars;
        impl<'de> Visitor<'de> for Chars {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }
        d.deserialize_str(Chars)
    }
}

/// An object whose values are all strings, read without keeping them.
struct StringMap;

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
        struct Strings;
        impl<'de> Visitor<'de> for Strings {
            type Value = StringMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringMap, A::Error> {
                while map.next_entry::<Skip, Text<'de>>()?.is_some() {}
                Ok(StringMap)
            }
        }
        d.deserialize_map(Strings)
    }
}

#[cfg(test)]
mod tests;
