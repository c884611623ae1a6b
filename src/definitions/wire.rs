//! The success bodies' items as they go on the wire: `Activity`,
//! `RelatedRecord`, their `additionalProperties` (`Props`) and the
//! `{ value, hasMoreResults }` envelope (`Page`).
//!
//! Plain serializable values: this module must not know where an item comes
//! from (a data file or the generator) nor how a page is cut (`paging.rs`).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use time::OffsetDateTime;

/// Name/value pairs serialized as a JSON object in their written order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props(pub Vec<(String, String)>);

impl Serialize for Props {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Props {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An activity item, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub title: String,
    pub description: String,
    pub date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Props::is_empty")]
    pub additional_properties: Props,
    /// The very second `date_time` writes (`rfc3339::whole_seconds`), for
    /// the window and the order: `startDateTime`/`endDateTime` then compare
    /// the time a client reads (a clock or data time with a fraction of a
    /// second would otherwise fall outside a window of its own written time).
    #[serde(skip)]
    pub at: OffsetDateTime,
}

impl Activity {
    /// Newest first; ties by title so the order never depends on input order.
    pub fn sort_newest_first(items: &mut [Activity]) {
        items.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.title.cmp(&b.title)));
    }
}

/// A related-record item, as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedRecord {
    pub record_id: String,
    pub record_type: String,
    pub record_type_display_name: String,
    pub record_type_plural_display_name: String,
    pub record_title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Props::is_empty")]
    pub additional_properties: Props,
}

/// The success envelope.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<'a, T> {
    pub value: Vec<&'a T>,
    pub has_more_results: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(title: &str, at: &str, props: &[(&str, &str)]) -> Activity {
        let at = crate::rfc3339::parse(at).unwrap();
        Activity {
            title: title.to_owned(),
            description: "d".to_owned(),
            date_time: crate::rfc3339::format(at),
            url: None,
            additional_properties: Props(
                props
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            at,
        }
    }

    #[test]
    fn activities_sort_newest_first_and_ties_by_title() {
        let mut items = [
            activity("b", "2024-01-01T00:00:00Z", &[]),
            activity("a", "2024-01-01T00:00:00Z", &[]),
            activity("c", "2024-02-01T00:00:00Z", &[]),
        ];
        Activity::sort_newest_first(&mut items);
        let titles: Vec<&str> = items.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["c", "a", "b"]);
    }

    #[test]
    fn properties_keep_their_written_order_and_empty_ones_are_left_out() {
        let cases = [
            (
                vec![("z", "1"), ("a", "2")],
                r#","additionalProperties":{"z":"1","a":"2"}}"#,
            ),
            (vec![], r#""dateTime":"2024-01-01T00:00:00Z"}"#),
        ];
        for (props, ending) in cases {
            let item = activity("t", "2024-01-01T00:00:00Z", &props);
            let json = serde_json::to_string(&item).unwrap();
            assert!(json.ends_with(ending), "{json}");
        }
    }
}
