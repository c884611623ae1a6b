//! The test connector's data: the 7 activities and 7 records of
//! `account/42`, in English, German or French, one activity a day from
//! 2026-11-01, with the item-level violations applied.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::connector::{Op, State, Violation};

/// Item `n` of the record, in `language`, with its time (one a day from 2026-11-01).
pub fn item(op: Op, n: usize, language: &str, state: &State) -> (OffsetDateTime, Value) {
    let at = time::macros::datetime!(2026-11-01 09:00 UTC) + time::Duration::days(n as i64);
    let value = match op {
        Op::Activities => {
            let (title, description) = match language {
                "de" => (format!("Anruf {n}"), "Ein Anruf zur Verlängerung."),
                "fr" => (format!("Appel {n}"), "Un appel sur le renouvellement."),
                _ => (format!("Call {n}"), "A call about the renewal."),
            };
            let title = if state.is(Violation::EmptyTitle) {
                String::new()
            } else {
                title
            };
            let date = if state.is(Violation::ExampleDate) {
                "12:50 PM, 11/11/23".to_owned()
            } else {
                at.format(&Rfc3339).expect("a date")
            };
            json!({
                "title": title,
                "description": description,
                "dateTime": date,
                "url": format!("https://partner.example/activities/{n}"),
                "additionalProperties": { "Owner": "Kenny Smith" },
            })
        }
        Op::Records => {
            let (one, many, title) = match language {
                "de" => ("Vertrag", "Verträge", format!("Contoso-Vertrag {n}")),
                "fr" => ("Contrat", "Contrats", format!("Contrat Contoso {n}")),
                _ => ("Contract", "Contracts", format!("Contoso contract {n}")),
            };
            let mut record = json!({
                "recordId": format!("C-{n}"),
                "recordType": "contract",
                "recordTypeDisplayName": one,
                "recordTypePluralDisplayName": many,
                "recordTitle": title,
                "url": format!("https://partner.example/contracts/{n}"),
                "additionalProperties": { "Status": "Signed" },
            });
            if state.is(Violation::NoRecordTitle) {
                record
                    .as_object_mut()
                    .expect("an object")
                    .remove("recordTitle");
            }
            record
        }
    };
    (at, value)
}
