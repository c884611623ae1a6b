//! `document.operations`: a connector's OpenAPI (Swagger 2.0) document
//! against the contract (Part 1 "upstream rules", Part 3): both operation
//! ids, each input by name with its type, no required input beyond
//! recordType and recordId, no `connectorId`, and descriptions on the
//! operations and their parameters. Since the upstream matches actions and
//! inputs by their descriptions, one that differs from Microsoft's text is a
//! warning; a missing description is a failure.

use serde_json::{Map, Value};

use super::{DOCUMENT, Finding, Verdict};
use crate::contract::Operation;
use crate::contract::fields::{CRM_TYPES, RESERVED_INPUT, action_description, inputs, outputs};

/// Where the document puts an operation: its path (with `basePath`) and
/// its method, and the operation object.
struct Found<'a> {
    path: String,
    method: &'a str,
    operation: &'a Map<String, Value>,
    shared: Option<&'a Vec<Value>>,
}

fn find<'a>(doc: &'a Value, operation: Operation) -> Option<Found<'a>> {
    let base = doc
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    let paths = doc.get("paths")?.as_object()?;
    paths.iter().find_map(|(path, item)| {
        let item = item.as_object()?;
        item.iter().find_map(|(method, op)| {
            let op = op.as_object()?;
            (op.get("operationId").and_then(Value::as_str) == Some(operation.id())).then(|| Found {
                path: format!("{base}{path}"),
                method: method.as_str(),
                operation: op,
                shared: item.get("parameters").and_then(Value::as_array),
            })
        })
    })
}

/// The paths the document gives the two operations, by operation id.
pub fn paths(doc: &Value) -> Result<[String; 2], String> {
    let path = |op: Operation| {
        find(doc, op)
            .map(|f| f.path)
            .ok_or_else(|| format!("the document has no operation {}", op.id()))
    };
    Ok([
        path(Operation::RelatedActivities)?,
        path(Operation::RelatedRecords)?,
    ])
}

/// A parameter, with `$ref: "#/parameters/NAME"` resolved.
fn resolve<'a>(doc: &'a Value, parameter: &'a Value) -> Option<&'a Map<String, Value>> {
    match parameter.get("$ref").and_then(Value::as_str) {
        Some(reference) => doc
            .get("parameters")?
            .get(reference.strip_prefix("#/parameters/")?)?
            .as_object(),
        None => parameter.as_object(),
    }
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// The failures and warnings for one operation.
fn check(doc: &Value, operation: Operation, fails: &mut Vec<String>, warns: &mut Vec<String>) {
    let id = operation.id();
    let Some(found) = find(doc, operation) else {
        fails.push(format!("no operation {id}"));
        return;
    };
    if found.method != "get" {
        fails.push(format!("{id} is {}, expected get", found.method));
    }
    match text(found.operation, "description").map(str::trim) {
        None | Some("") => fails.push(format!("{id} has no description")),
        Some(d) if d != action_description(operation) => {
            warns.push(format!("{id}'s description is not Microsoft's"));
        }
        Some(_) => {}
    }
    let declared: Vec<&Map<String, Value>> = found
        .shared
        .into_iter()
        .flatten()
        .chain(
            found
                .operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .filter_map(|p| resolve(doc, p))
        .collect();
    for p in &declared {
        let name = text(p, "name").unwrap_or("(unnamed)");
        let contract = inputs(operation).find(|(i, _)| i.name == name);
        if name == RESERVED_INPUT {
            fails.push(format!("{id} declares the reserved input {RESERVED_INPUT}"));
        }
        if p.get("required") == Some(&Value::Bool(true))
            && !contract.is_some_and(|(i, _)| i.required)
        {
            fails.push(format!("{id} requires {name}, which the contract does not"));
        }
        if text(p, "description").is_none_or(|d| d.trim().is_empty()) {
            fails.push(format!("{id}'s parameter {name} has no description"));
        }
    }
    for (input, description) in inputs(operation) {
        let name = input.name;
        let Some(p) = declared
            .iter()
            .find(|p| text(p, "name") == Some(name) && text(p, "in") == Some("query"))
        else {
            let problem = format!("{id} has no query parameter {name}");
            if input.required {
                fails.push(problem);
            } else {
                warns.push(problem);
            }
            continue;
        };
        let (want_type, want_format) = input.kind.swagger();
        let got_type = text(p, "type").unwrap_or("(none)");
        if got_type != want_type {
            fails.push(format!("{id}'s {name} is {got_type}, expected {want_type}"));
        } else if want_format.is_some() && text(p, "format") != want_format {
            warns.push(format!(
                "{id}'s {name} has format {}, expected {}",
                text(p, "format").unwrap_or("(none)"),
                want_format.unwrap_or_default()
            ));
        }
        if input.required && p.get("required") != Some(&Value::Bool(true)) {
            warns.push(format!("{id}'s {name} is not marked required"));
        }
        if text(p, "description").is_some_and(|d| !d.trim().is_empty() && d.trim() != description) {
            warns.push(format!("{id}'s {name} description is not Microsoft's"));
        }
        // An enum that lacks a value the Sales agent sends refuses its requests.
        if let Some(values) = p
            .get("enum")
            .and_then(Value::as_array)
            .filter(|_| name == "crmType")
        {
            for want in &CRM_TYPES[..2] {
                if !values.iter().any(|v| v.as_str() == Some(want)) {
                    fails.push(format!("{id}'s crmType enum lacks {want}"));
                }
            }
        }
    }
    check_outputs(doc, operation, found.operation, warns);
}

/// A schema, with `$ref: "#/definitions/NAME"` resolved.
fn schema<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => doc
            .get("definitions")?
            .get(reference.strip_prefix("#/definitions/")?),
        None => Some(schema),
    }
}

/// The item schema's properties of the 200 answer, if the document has one.
fn item_properties<'a>(
    doc: &'a Value,
    op: &'a Map<String, Value>,
) -> Option<&'a Map<String, Value>> {
    let envelope = schema(doc, op.get("responses")?.get("200")?.get("schema")?)?;
    let items = schema(doc, envelope.get("properties")?.get("value")?.get("items")?)?;
    items.get("properties")?.as_object()
}

/// Warnings for the outputs: the upstream maps them by their descriptions too.
fn check_outputs(
    doc: &Value,
    operation: Operation,
    op: &Map<String, Value>,
    warns: &mut Vec<String>,
) {
    let id = operation.id();
    let Some(properties) = item_properties(doc, op) else {
        warns.push(format!(
            "{id}'s 200 answer has no item schema (value.items.properties)"
        ));
        return;
    };
    for field in outputs(operation) {
        match properties.get(field.name).and_then(Value::as_object) {
            None => warns.push(format!("{id}'s item schema lacks {}", field.name)),
            Some(p) if text(p, "description").map(str::trim) != Some(field.description) => {
                warns.push(format!(
                    "{id}'s output {} description is not Microsoft's",
                    field.name
                ));
            }
            Some(_) => {}
        }
    }
}

/// `document.operations` on a whole document.
pub fn operations(doc: &Value) -> Finding {
    let (mut fails, mut warns) = (Vec::new(), Vec::new());
    match doc.get("swagger").and_then(Value::as_str) {
        Some("2.0") => {}
        other => fails.push(format!(
            "swagger is {}, expected \"2.0\" (Power Platform connectors are Swagger 2.0)",
            other.unwrap_or("absent")
        )),
    }
    for operation in Operation::ALL {
        check(doc, operation, &mut fails, &mut warns);
    }
    let first_and_count = |list: &[String]| {
        let more = list.len().saturating_sub(1);
        let first = list.first().map_or("", String::as_str);
        if more == 0 {
            first.to_owned()
        } else {
            format!("{first} (and {more} more)")
        }
    };
    if !fails.is_empty() {
        Finding::new(DOCUMENT, Verdict::Fail, first_and_count(&fails))
    } else if !warns.is_empty() {
        Finding::new(DOCUMENT, Verdict::Warn, first_and_count(&warns))
    } else {
        Finding::new(
            DOCUMENT,
            Verdict::Pass,
            "both operations with the contract's inputs, types and descriptions",
        )
    }
}
