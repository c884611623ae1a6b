//! The document's definitions: the two item schemas, written from the
//! contract's output tables (`contract::fields`) with Microsoft's output
//! descriptions, the two envelopes and the standard error body.
//!
//! The items are closed (`additionalProperties: false`): they have fixed
//! fields, and the upstream names one of them `additionalProperties`, a
//! string map. That field stays a property like any other; the schema
//! keyword beside `properties` is what says no other field comes.
//! Rationale: without it a generated client (openapi-python-client) gives
//! the item a catch-all `additional_properties` attribute of its own, which
//! collides with the field of that name and fails on every 200.

use serde_json::{Value, json};

use crate::contract::Operation;
use crate::contract::fields::{self, Output, OutputType};

fn property(output: &Output) -> Value {
    let mut p = match output.kind {
        OutputType::Text if output.required => json!({ "type": "string", "minLength": 1 }),
        OutputType::Text | OutputType::Url => json!({ "type": "string" }),
        OutputType::DateTime => json!({ "type": "string", "format": "date-time" }),
        OutputType::StringMap => {
            json!({ "type": "object", "additionalProperties": { "type": "string" } })
        }
    };
    p["description"] = json!(output.description);
    p
}

/// The closed item schema of `operation`, from its output table.
fn item(operation: Operation) -> Value {
    let outputs = fields::outputs(operation);
    let properties: serde_json::Map<String, Value> = outputs
        .iter()
        .map(|o| (o.name.to_owned(), property(o)))
        .collect();
    let required: Vec<&str> = outputs
        .iter()
        .filter(|o| o.required)
        .map(|o| o.name)
        .collect();
    json!({
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false
    })
}

fn list(item: &str, description: &str) -> Value {
    json!({
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": { "type": "array", "items": { "$ref": format!("#/definitions/{item}") }, "description": description },
            "hasMoreResults": { "type": "boolean", "description": "Whether more items exist beyond this page." }
        }
    })
}

/// The definitions section.
pub fn definitions() -> Value {
    json!({
        "Activity": item(Operation::RelatedActivities),
        "RelatedRecord": item(Operation::RelatedRecords),
        "ActivitiesList": list("Activity", "The activities of this page, newest first."),
        "RelatedRecordsList": list("RelatedRecord", "The related records of this page."),
        "Error": {
            "type": "object",
            "required": ["errorCode"],
            "properties": {
                "errorCode": { "type": "string", "minLength": 1, "description": "Short, easy-to-identify error category." },
                "errorMessage": { "type": "string", "description": "Developer-friendly detail (English)." },
                "activityId": { "type": "string", "description": "Unique identifier of the request." },
                "details": { "type": "object", "description": "More detail; its shape depends on the errorCode." }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_closed_and_keep_the_field_named_additional_properties() {
        let defs = definitions();
        for name in ["Activity", "RelatedRecord"] {
            let item = &defs[name];
            assert_eq!(item["additionalProperties"], false, "{name}");
            assert_eq!(
                item["properties"]["additionalProperties"]["additionalProperties"]["type"],
                "string",
                "{name}"
            );
        }
        assert_eq!(
            defs["Activity"]["required"],
            json!(["title", "description", "dateTime"])
        );
    }
}
