//! Microsoft's exact descriptions on operations, parameters and item fields.

use serde_json::json;

use super::{ACTIVITIES, RECORDS, param};
use crate::helpers::spawn_app;

/// (name, Microsoft's description) of each input or output field.
type Described = &'static [(&'static str, &'static str)];

#[actix_web::test]
async fn operations_carry_microsofts_exact_action_and_input_descriptions() {
    // Arrange
    let app = spawn_app().await;
    // (path, action description, [(input, description)])
    let cases: [(&str, &str, Described); 2] = [
        (
            ACTIVITIES,
            "This action gets additional sales insights related to a CRM record that will be shown in the C4S record summary card. The action enhances the existing skills of copilot for sales.",
            &[
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
            ],
        ),
        (
            RECORDS,
            "This action gets records related to a CRM record. The action enhances the existing skills of Copilot for Sales.",
            &[
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
            ],
        ),
    ];
    // Act
    let doc = app.openapi().await;
    // Assert
    for (path, action, inputs) in cases {
        let get = &doc["paths"][path]["get"];
        assert_eq!(get["description"], action, "{path}");
        let summary = get["summary"].as_str().unwrap_or_default();
        assert!(summary.starts_with("Get related "), "{path}: {summary}");
        let queries: Vec<&str> = get["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let names: Vec<&str> = inputs.iter().map(|(n, _)| *n).collect();
        assert_eq!(queries, names, "{path}: the query parameters, in order");
        for (name, description) in inputs {
            assert_eq!(
                param(&doc, path, name)["description"],
                *description,
                "{path} {name}"
            );
        }
    }
    app.stop().await;
}

#[actix_web::test]
async fn item_schemas_carry_microsofts_output_descriptions_and_are_closed() {
    let app = spawn_app().await;
    let cases: [(&str, Described); 2] = [
        (
            "Activity",
            &[
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
            ],
        ),
        (
            "RelatedRecord",
            &[
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
            ],
        ),
    ];
    let doc = app.openapi().await;
    for (definition, fields) in cases {
        let schema = &doc["definitions"][definition];
        assert_eq!(
            schema["additionalProperties"], false,
            "{definition} is closed"
        );
        let properties = schema["properties"].as_object().unwrap();
        assert_eq!(
            properties.len(),
            fields.len(),
            "{definition}: no other fields"
        );
        for (name, description) in fields {
            assert_eq!(
                properties[*name]["description"], *description,
                "{definition} {name}"
            );
        }
        // The contract's field named additionalProperties stays a string map.
        assert_eq!(
            properties["additionalProperties"]["type"], "object",
            "{definition}"
        );
        assert_eq!(
            properties["additionalProperties"]["additionalProperties"],
            json!({ "type": "string" }),
            "{definition}"
        );
    }
    app.stop().await;
}
