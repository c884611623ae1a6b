//! The records of a data file, as written: `RecordDef` with its activities
//! and related records, each field checked when the file is read (`NonEmpty`
//! ids, `Text`s, `When`s, a `TriggerText` for `simulate`).
//!
//! Schema only: rendering a record per language and serving it is the
//! dataset's job (`data.rs`).

use serde::{Deserialize, Serialize};

use crate::definitions::schema::text::Text;
use crate::definitions::schema::when::When;
use crate::request::trigger::Trigger;

/// Whether a record can be read; `deleted` and `restricted` records answer
/// errors when realistic conditions are on (see the scenarios issue).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    #[default]
    Active,
    Deleted,
    Restricted,
}

/// What a restricted record's 403 names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Restriction {
    pub resource_type: String,
    pub resource_id: String,
    pub privilege: String,
}

/// A non-empty string (ids and system names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct NonEmpty(pub String);

impl TryFrom<String> for NonEmpty {
    type Error = String;
    fn try_from(s: String) -> Result<NonEmpty, String> {
        match s.trim().is_empty() {
            true => Err("must not be empty".to_owned()),
            false => Ok(NonEmpty(s)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyDef {
    pub name: Text,
    pub value: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActivityDef {
    pub title: Text,
    pub description: Text,
    pub at: When,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub additional_properties: Vec<PropertyDef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RelatedRecordDef {
    pub record_id: NonEmpty,
    pub record_type: NonEmpty,
    pub record_type_display_name: Text,
    pub record_type_plural_display_name: Text,
    pub record_title: Text,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub additional_properties: Vec<PropertyDef>,
}

/// One CRM record, as written in a data file; read through `Written`, so
/// that the fields' checks across each other run as the file is read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "Written")]
pub struct RecordDef {
    pub record_type: NonEmpty,
    pub record_id: NonEmpty,
    #[serde(default)]
    pub state: RecordState,
    #[serde(default)]
    pub restriction: Option<Restriction>,
    /// Absent means generated; `[]` means none.
    #[serde(default)]
    pub activities: Option<Vec<ActivityDef>>,
    /// Absent means generated; `[]` means none.
    #[serde(default)]
    pub related_records: Option<Vec<RelatedRecordDef>>,
    /// A trigger value answered to every session of this record that sends
    /// no trigger of its own, e.g. `"503,503,200"` or `"429; times=2"`.
    #[serde(default)]
    pub simulate: Option<TriggerText>,
    /// The connector has more activities than `activities` holds (a
    /// recording that saw only the first pages): a page that reaches the
    /// end of the list says `hasMoreResults: true`. Needs `activities`.
    #[serde(default)]
    pub more_activities: bool,
    /// As `more_activities`, for `related_records`.
    #[serde(default)]
    pub more_related_records: bool,
}

/// `RecordDef` as the file writes it, before the checks across fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Written {
    record_type: NonEmpty,
    record_id: NonEmpty,
    #[serde(default)]
    state: RecordState,
    #[serde(default)]
    restriction: Option<Restriction>,
    #[serde(default)]
    activities: Option<Vec<ActivityDef>>,
    #[serde(default)]
    related_records: Option<Vec<RelatedRecordDef>>,
    #[serde(default)]
    simulate: Option<TriggerText>,
    #[serde(default)]
    more_activities: bool,
    #[serde(default)]
    more_related_records: bool,
}

impl TryFrom<Written> for RecordDef {
    type Error = String;
    fn try_from(w: Written) -> Result<RecordDef, String> {
        for (more, list, name) in [
            (w.more_activities, w.activities.is_some(), "activities"),
            (
                w.more_related_records,
                w.related_records.is_some(),
                "relatedRecords",
            ),
        ] {
            if more && !list {
                return Err(format!(
                    "record {} '{}': more{}{} needs the {name} list it continues (without it the list is generated)",
                    w.record_type.0,
                    w.record_id.0,
                    name[..1].to_ascii_uppercase(),
                    &name[1..]
                ));
            }
        }
        Ok(RecordDef {
            record_type: w.record_type,
            record_id: w.record_id,
            state: w.state,
            restriction: w.restriction,
            activities: w.activities,
            related_records: w.related_records,
            simulate: w.simulate,
            more_activities: w.more_activities,
            more_related_records: w.more_related_records,
        })
    }
}

impl RecordDef {
    /// Every natural-language text of the record, for the translation check
    /// (`data/translations.rs`).
    #[cfg(test)]
    pub(crate) fn texts(&self) -> Vec<&Text> {
        fn properties(ps: &[PropertyDef]) -> Vec<&Text> {
            ps.iter().flat_map(|p| [&p.name, &p.value]).collect()
        }
        let activities = self.activities.iter().flatten().flat_map(|a| {
            [&a.title, &a.description]
                .into_iter()
                .chain(properties(&a.additional_properties))
        });
        let related = self.related_records.iter().flatten().flat_map(|r| {
            [
                &r.record_type_display_name,
                &r.record_type_plural_display_name,
                &r.record_title,
            ]
            .into_iter()
            .chain(properties(&r.additional_properties))
        });
        activities.chain(related).collect()
    }
}

/// A trigger value checked when the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TriggerText(#[serde(skip)] pub Trigger);

impl TryFrom<String> for TriggerText {
    type Error = String;
    fn try_from(value: String) -> Result<TriggerText, String> {
        crate::request::trigger::parse(value.trim(), crate::error::Input::Field("simulate"))
            .map(TriggerText)
            .map_err(|e| e.message)
    }
}

impl From<TriggerText> for String {
    fn from(t: TriggerText) -> String {
        t.0.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_system_names_must_not_be_blank() {
        let cases = [("", false), ("  ", false), ("\t\n", false), ("A-1", true)];
        for (text, ok) in cases {
            assert_eq!(NonEmpty::try_from(text.to_owned()).is_ok(), ok, "{text:?}");
        }
    }

    #[test]
    fn a_record_needs_only_its_type_and_id_and_refuses_unknown_fields() {
        let minimal: RecordDef =
            serde_json::from_str(r#"{"recordType": "account", "recordId": "A-1"}"#).unwrap();
        assert_eq!(minimal.state, RecordState::Active);
        assert!(minimal.activities.is_none() && minimal.related_records.is_none());
        let typo = r#"{"recordType": "account", "recordId": "A-1", "activites": []}"#;
        let error = serde_json::from_str::<RecordDef>(typo)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `activites`"), "{error}");
    }

    #[test]
    fn a_more_flag_needs_the_list_it_continues() {
        let cases = [
            (r#""activities": [], "moreActivities": true"#, true),
            (r#""moreActivities": true"#, false),
            (r#""relatedRecords": [], "moreRelatedRecords": true"#, true),
            (r#""activities": [], "moreRelatedRecords": true"#, false),
            (r#""moreActivities": false"#, true),
            (r#""moreActivities": "yes""#, false),
        ];
        for (fields, ok) in cases {
            let json = format!(r#"{{"recordType": "account", "recordId": "A-1", {fields}}}"#);
            let parsed = serde_json::from_str::<RecordDef>(&json);
            assert_eq!(parsed.is_ok(), ok, "{json}: {parsed:?}");
        }
        let error = serde_json::from_str::<RecordDef>(
            r#"{"recordType": "account", "recordId": "A-1", "moreActivities": true}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("moreActivities needs the activities list"),
            "{error}"
        );
    }

    #[test]
    fn a_simulate_value_is_a_trigger_checked_when_read_and_written_back_as_given() {
        let text = TriggerText::try_from(" 503,503,200 ".to_owned()).unwrap();
        assert_eq!(String::from(text), "503,503,200");
        let too_long = "5".repeat(crate::request::trigger::MAX_TRIGGER_BYTES + 1);
        let message = TriggerText::try_from(too_long).unwrap_err();
        assert!(message.contains("a trigger value is at most"), "{message}");
    }
}
