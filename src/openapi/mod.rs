//! The Swagger 2.0 document a real connector would publish (contract Part 2
//! §7): both operation ids, typed parameters, the seven responses, and the
//! item, envelope and error definitions, for the paths as configured. The
//! simulation knobs are documented in docs/, not here.

use serde_json::{Value, json};

use crate::config::Config;
use crate::contract::Operation;

fn string_param(name: &str, required: bool, description: &str) -> Value {
    let mut p = json!({ "name": name, "in": "query", "type": "string", "required": required, "description": description });
    if required {
        p["minLength"] = json!(1);
    } else {
        p["allowEmptyValue"] = json!(true);
    }
    p
}

fn parameters(operation: Operation) -> Vec<Value> {
    let mut params = vec![
        string_param(
            "recordType",
            true,
            "Language-neutral system name of the CRM entity, e.g. account or opportunity.",
        ),
        string_param("recordId", true, "Unique id of the CRM record."),
    ];
    if operation == Operation::RelatedActivities {
        for (name, description) in [
            (
                "startDateTime",
                "Start of the time window (RFC 3339), inclusive.",
            ),
            (
                "endDateTime",
                "End of the time window (RFC 3339), inclusive.",
            ),
        ] {
            params.push(json!({ "name": name, "in": "query", "type": "string", "format": "date-time", "required": false, "allowEmptyValue": true, "description": description }));
        }
    }
    for (name, description) in [
        ("top", "How many items to return."),
        ("skip", "How many items to skip."),
    ] {
        params.push(json!({ "name": name, "in": "query", "type": "integer", "format": "int32", "minimum": 0, "required": false, "allowEmptyValue": true, "description": description }));
    }
    params.push(json!({
        "name": "crmType", "in": "query", "type": "string", "required": false, "allowEmptyValue": true,
        "enum": ["Salesforce", "Dynamics365", "Dynamics 365"],
        "description": "The CRM the caller is connected to."
    }));
    params.push(string_param(
        "crmOrgUrl",
        false,
        "Host name of the CRM organization, e.g. contoso.crm.dynamics.com.",
    ));
    params
}

fn responses(list: &str) -> Value {
    let request_id = json!({ "x-ms-request-id": { "type": "string", "description": "The activityId of this response." } });
    let error = |description: &str| json!({ "description": description, "schema": { "$ref": "#/definitions/Error" }, "headers": request_id });
    let mut throttled = error("Too many requests (REQUEST_THROTTLED).");
    throttled["headers"]["Retry-After"] =
        json!({ "type": "integer", "description": "Seconds to wait before retrying." });
    let mut unauthorized = error("The user is not authenticated (INVALID_TOKEN_SPECIFIED).");
    unauthorized["headers"]["WWW-Authenticate"] = json!({ "type": "string" });
    json!({
        "200": { "description": "OK", "schema": { "$ref": format!("#/definitions/{list}") }, "headers": request_id },
        "400": error("Invalid request or a different CRM connection (INVALID_REQUEST, INVALID_CRM_CONNECTION)."),
        "401": unauthorized,
        "403": error("Insufficient privileges (INSUFFICIENT_PERMISSIONS)."),
        "404": error("The record was not found or was deleted (RECORD_NOT_FOUND)."),
        "429": throttled,
        "500": error("An unhandled service error (INTERNAL_SERVER_ERROR)."),
    })
}

fn string_map() -> Value {
    json!({ "type": "object", "additionalProperties": { "type": "string" } })
}

fn non_empty() -> Value {
    json!({ "type": "string", "minLength": 1 })
}

fn definitions() -> Value {
    json!({
        "Activity": {
            "type": "object",
            "required": ["title", "description", "dateTime"],
            "properties": {
                "title": non_empty(),
                "description": non_empty(),
                "dateTime": { "type": "string", "format": "date-time" },
                "url": { "type": "string" },
                "additionalProperties": string_map()
            }
        },
        "RelatedRecord": {
            "type": "object",
            "required": ["recordId", "recordType", "recordTypeDisplayName", "recordTypePluralDisplayName", "recordTitle"],
            "properties": {
                "recordId": non_empty(),
                "recordType": non_empty(),
                "recordTypeDisplayName": non_empty(),
                "recordTypePluralDisplayName": non_empty(),
                "recordTitle": non_empty(),
                "url": { "type": "string" },
                "additionalProperties": string_map()
            }
        },
        "ActivitiesList": {
            "type": "object",
            "required": ["value"],
            "properties": {
                "value": { "type": "array", "items": { "$ref": "#/definitions/Activity" } },
                "hasMoreResults": { "type": "boolean" }
            }
        },
        "RelatedRecordsList": {
            "type": "object",
            "required": ["value"],
            "properties": {
                "value": { "type": "array", "items": { "$ref": "#/definitions/RelatedRecord" } },
                "hasMoreResults": { "type": "boolean" }
            }
        },
        "Error": {
            "type": "object",
            "required": ["errorCode"],
            "properties": {
                "errorCode": non_empty(),
                "errorMessage": { "type": "string" },
                "activityId": { "type": "string" },
                "details": { "type": "object" }
            }
        }
    })
}

fn operation(op: Operation, summary: &str, description: &str, list: &str) -> Value {
    json!({
        "get": {
            "operationId": op.id(),
            "summary": summary,
            "description": description,
            "produces": ["application/json"],
            "parameters": parameters(op),
            "responses": responses(list)
        }
    })
}

/// The document for the configured paths.
pub fn document(config: &Config) -> Value {
    let mut paths = serde_json::Map::new();
    paths.insert(
        config.activities_path.clone(),
        operation(
            Operation::RelatedActivities,
            "Get related activities",
            "The latest activities in the partner application about one CRM record.",
            "ActivitiesList",
        ),
    );
    paths.insert(
        config.records_path.clone(),
        operation(
            Operation::RelatedRecords,
            "Get related records",
            "Records in the partner application related to one CRM record.",
            "RelatedRecordsList",
        ),
    );
    json!({
        "swagger": "2.0",
        "info": {
            "title": "CRM connector",
            "description": "Partner connector APIs for Copilot for Sales (served by crm-connector-mock).",
            "version": env!("CARGO_PKG_VERSION")
        },
        "basePath": "/",
        "schemes": ["http"],
        "consumes": [],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": definitions()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_has_both_operations_and_seven_responses_at_configured_paths() {
        let config = Config {
            activities_path: "/x/acts".into(),
            ..Config::default()
        };
        let doc = document(&config);
        assert_eq!(doc["swagger"], "2.0");
        assert_eq!(
            doc["paths"]["/x/acts"]["get"]["operationId"],
            "scp-get-related-activities"
        );
        assert_eq!(
            doc["paths"]["/api/related-records"]["get"]["operationId"],
            "scp-get-related-records"
        );
        for path in ["/x/acts", "/api/related-records"] {
            let responses = doc["paths"][path]["get"]["responses"].as_object().unwrap();
            let mut codes: Vec<_> = responses.keys().cloned().collect();
            codes.sort();
            assert_eq!(codes, ["200", "400", "401", "403", "404", "429", "500"]);
        }
        assert_eq!(
            doc["definitions"]["Error"]["required"],
            json!(["errorCode"])
        );
    }
}
