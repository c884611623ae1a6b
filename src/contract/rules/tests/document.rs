//! `document.operations` on documents built from the contract's tables,
//! each broken one way. (The black-box tests check the served document's
//! strings literally; here the logic of the comparison is under test.)

use serde_json::{Value, json};

use crate::contract::Operation;
use crate::contract::fields::{action_description, inputs, outputs};
use crate::contract::rules::Verdict;
use crate::contract::rules::document::{operations, paths};

/// A document that keeps every part of the rule.
fn conforming() -> Value {
    let mut doc = json!({ "swagger": "2.0", "basePath": "/v1", "paths": {}, "definitions": {} });
    for (op, path) in [
        (Operation::RelatedActivities, "/acts"),
        (Operation::RelatedRecords, "/recs"),
    ] {
        let parameters: Vec<Value> = inputs(op)
            .map(|(input, description)| {
                let (kind, format) = input.kind.swagger();
                let mut p = json!({ "name": input.name, "in": "query", "type": kind,
                    "required": input.required, "description": description });
                if let Some(format) = format {
                    p["format"] = json!(format);
                }
                p
            })
            .collect();
        let properties: serde_json::Map<String, Value> = outputs(op)
            .iter()
            .map(|f| {
                (
                    f.name.to_owned(),
                    json!({ "type": "string", "description": f.description }),
                )
            })
            .collect();
        let item = format!("Item{path}").replace('/', "");
        doc["definitions"][&item] = json!({ "type": "object", "properties": properties });
        doc["paths"][path] = json!({ "get": {
            "operationId": op.id(), "description": action_description(op), "parameters": parameters,
            "responses": { "200": { "description": "OK", "schema": { "type": "object",
                "properties": { "value": { "type": "array", "items": { "$ref": format!("#/definitions/{item}") } } } } } }
        } });
    }
    doc
}

fn parameter<'a>(doc: &'a mut Value, path: &str, name: &str) -> &'a mut Value {
    let list = doc["paths"][path]["get"]["parameters"]
        .as_array_mut()
        .unwrap();
    list.iter_mut().find(|p| p["name"] == name).unwrap()
}

#[test]
fn a_document_built_from_the_contract_passes_and_gives_its_paths_with_the_base_path() {
    let doc = conforming();
    let finding = operations(&doc);
    assert_eq!(finding.verdict, Verdict::Pass, "{}", finding.message);
    assert_eq!(
        paths(&doc),
        Ok(["/v1/acts".to_owned(), "/v1/recs".to_owned()])
    );
}

#[test]
fn each_way_of_breaking_the_document_fails_or_warns() {
    type Break = fn(&mut Value);
    let cases: [(&str, Break, Verdict); 11] = [
        ("swagger 3", |d| d["swagger"] = json!("3.0"), Verdict::Fail),
        (
            "no records operation",
            |d| {
                d["paths"]
                    .as_object_mut()
                    .unwrap()
                    .retain(|k, _| k != "/recs")
            },
            Verdict::Fail,
        ),
        (
            "connectorId",
            |d| {
                d["paths"]["/acts"]["get"]["parameters"].as_array_mut().unwrap().push(
                json!({ "name": "connectorId", "in": "query", "type": "string", "description": "x" }))
            },
            Verdict::Fail,
        ),
        (
            "an extra required input",
            |d| {
                d["paths"]["/recs"]["get"]["parameters"].as_array_mut().unwrap().push(
                json!({ "name": "tenant", "in": "header", "type": "string", "required": true, "description": "x" }))
            },
            Verdict::Fail,
        ),
        (
            "top a string",
            |d| parameter(d, "/acts", "top")["type"] = json!("string"),
            Verdict::Fail,
        ),
        (
            "no description on skip",
            |d| parameter(d, "/recs", "skip")["description"] = json!(""),
            Verdict::Fail,
        ),
        (
            "no operation description",
            |d| {
                d["paths"]["/acts"]["get"]
                    .as_object_mut()
                    .unwrap()
                    .remove("description");
            },
            Verdict::Fail,
        ),
        (
            "crmType without Dynamics365",
            |d| parameter(d, "/acts", "crmType")["enum"] = json!(["Salesforce"]),
            Verdict::Fail,
        ),
        (
            "another description",
            |d| parameter(d, "/acts", "recordId")["description"] = json!("The id."),
            Verdict::Warn,
        ),
        (
            "no endDateTime",
            |d| {
                d["paths"]["/acts"]["get"]["parameters"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|p| p["name"] != "endDateTime")
            },
            Verdict::Warn,
        ),
        (
            "another output description",
            |d| {
                d["definitions"]["Itemrecs"]["properties"]["recordTitle"]["description"] =
                    json!("Title")
            },
            Verdict::Warn,
        ),
    ];
    for (what, break_it, want) in cases {
        let mut doc = conforming();
        break_it(&mut doc);
        let finding = operations(&doc);
        assert_eq!(finding.verdict, want, "{what}: {}", finding.message);
    }
}

#[test]
fn shared_and_referenced_parameters_count_as_declared() {
    let mut doc = conforming();
    let op = &mut doc["paths"]["/recs"]["get"];
    let list = op["parameters"].as_array_mut().unwrap();
    let record_type = list.remove(0);
    let record_id = list.remove(0);
    list.push(json!({ "$ref": "#/parameters/recordId" }));
    doc["parameters"] = json!({ "recordId": record_id });
    doc["paths"]["/recs"]["parameters"] = json!([record_type]);
    let finding = operations(&doc);
    assert_eq!(finding.verdict, Verdict::Pass, "{}", finding.message);
}
