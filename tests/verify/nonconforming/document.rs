//! The test connector's `/openapi.json`: a Swagger 2.0 document that passes
//! `document.operations`. Microsoft's descriptions are written out literally
//! (not taken from the crate's tables), so a typo there cannot pass on both
//! sides.

use serde_json::{Value, json};

/// Microsoft's description of each GetRelatedActivities input, by name.
const ACTIVITY_INPUTS: [(&str, &str); 8] = [
    (
        "recordType",
        "This input indicates the entity or object type in CRM for which insights are requested.",
    ),
    (
        "recordId",
        "This input indicates the unique identifier of the CRM record for which insights are requested.",
    ),
    (
        "startDateTime",
        "This input indicates the start date and time for insights requested.",
    ),
    (
        "endDateTime",
        "This input indicates the end date and time for insights requested.",
    ),
    (
        "top",
        "This input indicates the number of insights to fetch.",
    ),
    (
        "skip",
        "This input indicates the number of insights to skip.",
    ),
    (
        "crmType",
        "This input indicates the type of CRM in which the CRM record exists, for which insights are requested.",
    ),
    (
        "crmOrgUrl",
        "This input indicates the URL of the CRM environment in which the CRM record exists, for which insights are requested.",
    ),
];

/// Microsoft's description of each GetRelatedRecords input, by name.
const RECORD_INPUTS: [(&str, &str); 6] = [
    (
        "recordType",
        "This input identifies the record type in CRM for which related records are requested.",
    ),
    (
        "recordId",
        "This input provides the unique identifier of the CRM record for which related records are requested.",
    ),
    (
        "top",
        "This input indicates the number of related records to fetch.",
    ),
    (
        "skip",
        "This input indicates the number of records to skip when fetching related records.",
    ),
    (
        "crmType",
        "This input indicates the type of CRM the related records are fetched from.",
    ),
    (
        "crmOrgUrl",
        "This input indicates the URL of the CRM environment the related records are fetched from.",
    ),
];

const ACTIVITY_OUTPUTS: [(&str, &str); 5] = [
    (
        "title",
        "This output indicates the title of the activity in the citation card.",
    ),
    (
        "description",
        "This output indicates the description of the insight.",
    ),
    (
        "dateTime",
        "This output indicates the time associated with the insight.",
    ),
    ("url", "This output indicates the URL to open insight."),
    (
        "additionalProperties",
        "This output indicates additional properties displayed in the detailed view of the insight.",
    ),
];

const RECORD_OUTPUTS: [(&str, &str); 7] = [
    (
        "recordId",
        "This output uniquely identifies each related record returned by the action.",
    ),
    (
        "recordType",
        "This output indicates the type of each related record returned by the action.",
    ),
    (
        "recordTypeDisplayName",
        "This output indicates the display name of record type of each related record returned by the action.",
    ),
    (
        "recordTypePluralDisplayName",
        "This output indicates the plural display name of the record type of each related record returned by the action.",
    ),
    (
        "recordTitle",
        "This output indicates the title of each related record returned by the action.",
    ),
    (
        "url",
        "This output indicates the URL of each related record returned by the action.",
    ),
    (
        "additionalProperties",
        "This output indicates additional properties as name-value pairs of each related record returned by the action.",
    ),
];

fn parameter(name: &str, description: &str) -> Value {
    let mut p = json!({ "name": name, "in": "query", "description": description });
    let (kind, format) = match name {
        "top" | "skip" => ("integer", Some("int32")),
        "startDateTime" | "endDateTime" => ("string", Some("date-time")),
        _ => ("string", None),
    };
    p["type"] = json!(kind);
    if let Some(format) = format {
        p["format"] = json!(format);
    }
    p["required"] = json!(matches!(name, "recordType" | "recordId"));
    p
}

fn operation(
    id: &str,
    description: &str,
    inputs: &[(&str, &str)],
    outputs: &[(&str, &str)],
) -> Value {
    let properties: serde_json::Map<String, Value> = outputs
        .iter()
        .map(|(name, description)| {
            let schema = match *name {
                "additionalProperties" => json!({
                    "type": "object",
                    "additionalProperties": { "type": "string" },
                    "description": description,
                }),
                _ => json!({ "type": "string", "description": description }),
            };
            ((*name).to_owned(), schema)
        })
        .collect();
    json!({
        "get": {
            "operationId": id,
            "summary": id,
            "description": description,
            "produces": ["application/json"],
            "parameters": inputs.iter().map(|(n, d)| parameter(n, d)).collect::<Vec<_>>(),
            "responses": {
                "200": {
                    "description": "OK",
                    "schema": {
                        "type": "object",
                        "properties": {
                            "value": { "type": "array", "items": { "type": "object", "properties": properties } },
                            "hasMoreResults": { "type": "boolean" }
                        }
                    }
                }
            }
        }
    })
}

/// The document; `connector_id` adds the reserved `connectorId` input to
/// GetRelatedActivities (the `document.operations` violation).
pub fn openapi(connector_id: bool) -> Value {
    let mut doc = json!({
        "swagger": "2.0",
        "info": { "title": "Non-conforming test connector", "version": "1.0" },
        "paths": {
            "/api/related-activities": operation(
                "scp-get-related-activities",
                "This action gets additional sales insights related to a CRM record that will be shown in the C4S record summary card. The action enhances the existing skills of copilot for sales.",
                &ACTIVITY_INPUTS,
                &ACTIVITY_OUTPUTS,
            ),
            "/api/related-records": operation(
                "scp-get-related-records",
                "This action gets records related to a CRM record. The action enhances the existing skills of Copilot for Sales.",
                &RECORD_INPUTS,
                &RECORD_OUTPUTS,
            ),
        }
    });
    if connector_id {
        let extra = parameter("connectorId", "The connector's id.");
        doc["paths"]["/api/related-activities"]["get"]["parameters"]
            .as_array_mut()
            .expect("an array of parameters")
            .push(extra);
    }
    doc
}
