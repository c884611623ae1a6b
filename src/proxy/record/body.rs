//! A success body read as the recording's items: per item what is the same
//! in every language (`Neutral`) and its texts in order, checked to be what
//! a data file can hold (non-blank texts and ids, RFC 3339 dateTimes).
//! Fields a body adds beyond the contract's are ignored.

use serde::Deserialize;

use crate::contract::Operation;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Neutral {
    /// `[dateTime]`, or `[recordId, recordType]`.
    pub fields: Vec<String>,
    pub url: Option<String>,
    pub properties: usize,
}

/// Name/value pairs in the order the body wrote them.
#[derive(Debug, Default)]
struct Pairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pairs, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Pairs, M::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<T> {
    value: Vec<T>,
    #[serde(default)]
    has_more_results: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireActivity {
    title: String,
    description: String,
    date_time: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    additional_properties: Option<Pairs>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRecord {
    record_id: String,
    record_type: String,
    record_type_display_name: String,
    record_type_plural_display_name: String,
    record_title: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    additional_properties: Option<Pairs>,
}

/// An item of an answer as a slot's parts: (neutral, texts).
pub(super) type Parts = (Neutral, Vec<String>);

fn with_pairs(mut texts: Vec<String>, pairs: Option<Pairs>) -> (Vec<String>, usize) {
    let pairs = pairs.unwrap_or_default().0;
    let count = pairs.len();
    texts.extend(pairs.into_iter().flat_map(|(n, v)| [n, v]));
    (texts, count)
}

/// The items of a body, or why it cannot be recorded.
pub(super) fn items(operation: Operation, body: &[u8]) -> Result<(Vec<Parts>, bool), &'static str> {
    let not_a_body = "the body is not a success body of the operation";
    let (items, more) = match operation {
        Operation::RelatedActivities => {
            let page: Envelope<WireActivity> =
                serde_json::from_slice(body).map_err(|_| not_a_body)?;
            let items = page.value.into_iter().map(|a| {
                if crate::rfc3339::parse(&a.date_time).is_err() {
                    return Err("a dateTime is not RFC 3339");
                }
                let (texts, properties) =
                    with_pairs(vec![a.title, a.description], a.additional_properties);
                let fields = vec![a.date_time];
                Ok((
                    Neutral {
                        fields,
                        url: a.url,
                        properties,
                    },
                    texts,
                ))
            });
            (items.collect::<Result<Vec<_>, _>>()?, page.has_more_results)
        }
        Operation::RelatedRecords => {
            let page: Envelope<WireRecord> =
                serde_json::from_slice(body).map_err(|_| not_a_body)?;
            let items = page.value.into_iter().map(|r| {
                let texts = vec![
                    r.record_type_display_name,
                    r.record_type_plural_display_name,
                    r.record_title,
                ];
                let (texts, properties) = with_pairs(texts, r.additional_properties);
                let fields = vec![r.record_id, r.record_type];
                Ok::<_, &str>((
                    Neutral {
                        fields,
                        url: r.url,
                        properties,
                    },
                    texts,
                ))
            });
            (items.collect::<Result<Vec<_>, _>>()?, page.has_more_results)
        }
    };
    // A data file's texts and ids must not be blank: it would not load.
    let blank = |s: &String| s.trim().is_empty();
    if items
        .iter()
        .any(|(n, texts)| texts.iter().any(blank) || n.fields.iter().any(blank))
    {
        return Err("a text or id is empty, which a data file cannot hold");
    }
    Ok((items, more.unwrap_or(false)))
}
