//! One operation of the served document: its parameters (the contract's
//! inputs from `contract::fields`, with Microsoft's descriptions, then the
//! two request headers a real caller sends) and every response the server
//! can give it. It writes no input name or description of its own: those
//! are the tables'; what it adds is the Power Platform dressing
//! (`x-ms-summary`, `x-ms-visibility`) and the status list.

use serde_json::{Value, json};

use crate::contract::fields::{self, Input, InputType};
use crate::contract::{self, Operation};
use crate::request::lang::Language;

/// A short title for each input (Power Automate shows it as the field's
/// label); the description stays Microsoft's sentence. An input this table
/// misses gets its own name (a unit test keeps the table complete).
fn title(name: &str) -> &str {
    match name {
        "recordType" => "Record type",
        "recordId" => "Record ID",
        "startDateTime" => "Start date and time",
        "endDateTime" => "End date and time",
        "top" => "Top",
        "skip" => "Skip",
        "crmType" => "CRM type",
        "crmOrgUrl" => "CRM organization URL",
        other => other,
    }
}

/// `important` for the two inputs every call carries, `advanced` for the
/// optional ones: the Power Platform designer shows important fields first
/// and folds advanced ones away, which is what a person wiring the action
/// by hand needs.
fn visibility(input: &Input) -> &'static str {
    if input.required {
        "important"
    } else {
        "advanced"
    }
}

fn query_parameter(input: &Input, description: &str) -> Value {
    let (kind, format) = input.kind.swagger();
    let mut p = json!({
        "name": input.name,
        "in": "query",
        "type": kind,
        "required": input.required,
        "description": description,
        "x-ms-summary": title(input.name),
        "x-ms-visibility": visibility(input),
    });
    if let Some(format) = format {
        p["format"] = json!(format);
    }
    if input.required {
        p["minLength"] = json!(1);
    } else {
        // An empty optional value counts as absent (contract Part 2 §9).
        p["allowEmptyValue"] = json!(true);
    }
    if input.kind == InputType::Int32 {
        p["minimum"] = json!(0);
    }
    if input.name == "crmType" {
        p["enum"] = json!(fields::CRM_TYPES);
    }
    p
}

/// The request headers a real caller sends (contract Part 1). `internal`:
/// the platform sets them, the person wiring the action never does.
fn header_parameters() -> [Value; 2] {
    let languages: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
    [
        json!({
            "name": "Accept-Language", "in": "header", "type": "string", "required": false,
            "description": format!(
                "The user's language: every natural-language string of the answer is in it. This connector speaks {}; anything else gets {}.",
                languages.join(", "), Language::DEFAULT.tag()
            ),
            "x-ms-summary": "Language",
            "x-ms-visibility": "internal",
        }),
        json!({
            "name": contract::CLIENT_REQUEST_ID, "in": "header", "type": "string", "required": false,
            "description": "Unique identifier of the incoming request, for diagnostics: the answer's activityId and x-ms-request-id repeat it.",
            "x-ms-summary": "Client request ID",
            "x-ms-visibility": "internal",
        }),
    ]
}

fn parameters(operation: Operation) -> Vec<Value> {
    let mut params: Vec<Value> = fields::inputs(operation)
        .map(|(input, description)| query_parameter(input, description))
        .collect();
    params.extend(header_parameters());
    params
}

/// The error codes the server answers an operation with on its own, beside
/// the documented scenarios (`fields::DOCUMENTED_ERRORS`): validation and
/// triggers (400), a wrong method on the path (405), the limits checked
/// before any handler (414, 431) and the panic guard (500). 413 is not here:
/// a GET with a body gets 400 (`limits`); only the admin API reads bodies.
/// 408 and actix-http's own 400/431 carry no body at all.
const OWN_ERRORS: [(&str, u16); 6] = [
    (contract::INVALID_REQUEST, 400),
    (contract::UNKNOWN_SCENARIO, 400),
    (contract::METHOD_NOT_ALLOWED, 405),
    (contract::URI_TOO_LONG, 414),
    (contract::HEADERS_TOO_LARGE, 431),
    (contract::INTERNAL_SERVER_ERROR, 500),
];

/// What a status means, in the response's description.
fn meaning(status: u16) -> &'static str {
    match status {
        400 => "Invalid request, an unknown scenario, or a CRM connection other than the caller's.",
        401 => "The user is not authenticated.",
        403 => "The user has insufficient privileges.",
        404 => "The record was not found or was deleted.",
        405 => "A method other than GET or HEAD on this path.",
        414 => "The query string is too long.",
        429 => "Too many requests.",
        431 => "The request headers are too large.",
        500 => "An unhandled service error.",
        _ => "An error.",
    }
}

/// Every error status an operation can answer, ascending, each with its
/// errorCodes (documented first, then the server's own), each once.
pub fn error_statuses() -> Vec<(u16, Vec<&'static str>)> {
    let mut out: Vec<(u16, Vec<&'static str>)> = Vec::new();
    for (code, status) in fields::DOCUMENTED_ERRORS.into_iter().chain(OWN_ERRORS) {
        match out.iter_mut().find(|(s, _)| *s == status) {
            Some((_, codes)) if codes.contains(&code) => {}
            Some((_, codes)) => codes.push(code),
            None => out.push((status, vec![code])),
        }
    }
    out.sort_by_key(|(status, _)| *status);
    out
}

fn header(kind: &str, description: &str) -> Value {
    json!({ "type": kind, "description": description })
}

/// The headers every response carries (contract Part 2 §4).
fn common_headers() -> serde_json::Map<String, Value> {
    let mut headers = serde_json::Map::new();
    headers.insert(
        contract::REQUEST_ID.into(),
        header("string", "The activityId of this response."),
    );
    headers.insert(
        contract::CLIENT_REQUEST_ID.into(),
        header(
            "string",
            "The request's x-ms-client-request-id, when it had one.",
        ),
    );
    headers
}

fn responses(list: &str) -> Value {
    let mut out = serde_json::Map::new();
    let mut ok = common_headers();
    // Only 200s are localized, so only they say in which language.
    let languages: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
    ok.insert(
        "Content-Language".into(),
        json!({ "type": "string", "enum": languages, "description": "The language of the answer's texts, negotiated from Accept-Language." }),
    );
    out.insert(
        "200".into(),
        json!({ "description": "OK", "schema": { "$ref": format!("#/definitions/{list}") }, "headers": ok }),
    );
    for (status, codes) in error_statuses() {
        let mut headers = common_headers();
        match status {
            401 => {
                headers.insert(
                    "WWW-Authenticate".into(),
                    header(
                        "string",
                        "Bearer, with error=\"invalid_token\" and the reason.",
                    ),
                );
            }
            405 => {
                headers.insert(
                    "Allow".into(),
                    header("string", "The methods this path answers."),
                );
            }
            429 => {
                headers.insert(
                    "Retry-After".into(),
                    header("integer", "Seconds to wait before retrying."),
                );
            }
            _ => {}
        }
        out.insert(
            status.to_string(),
            json!({ "description": format!("{} ({})", meaning(status), codes.join(", ")), "schema": { "$ref": "#/definitions/Error" }, "headers": headers }),
        );
    }
    Value::Object(out)
}

/// The path item of `op`, answering with `list` (an envelope definition).
pub fn path_item(op: Operation, summary: &str, list: &str) -> Value {
    json!({
        "get": {
            "operationId": op.id(),
            "summary": summary,
            "description": fields::action_description(op),
            "tags": [super::TAG],
            "x-ms-visibility": "important",
            "produces": ["application/json"],
            "parameters": parameters(op),
            "responses": responses(list)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_has_a_title_of_its_own() {
        for input in fields::INPUTS {
            assert_ne!(title(input.name), input.name, "{}", input.name);
        }
    }

    #[test]
    fn no_parameter_is_named_connector_id_and_only_record_type_and_id_are_required() {
        for op in Operation::ALL {
            let params = parameters(op);
            assert!(params.iter().all(|p| p["name"] != fields::RESERVED_INPUT));
            let required: Vec<_> = params
                .iter()
                .filter(|p| p["required"] == true)
                .map(|p| p["name"].as_str().unwrap_or_default())
                .collect();
            assert_eq!(required, ["recordType", "recordId"], "{op:?}");
        }
    }

    #[test]
    fn every_status_of_the_embedded_catalogue_is_documented_with_its_code() {
        let config = crate::config::Config::default();
        let defs = crate::connector::state::load(&config, time::OffsetDateTime::UNIX_EPOCH)
            .unwrap_or_else(|p| panic!("the embedded catalogue loads: {p:?}"));
        let statuses = error_statuses();
        for scenario in defs.catalogue.scenarios() {
            let status = scenario.status.0;
            assert!(
                statuses
                    .iter()
                    .any(|(s, codes)| *s == status && codes.contains(&scenario.code())),
                "{} {status}",
                scenario.code()
            );
            assert_ne!(meaning(status), meaning(0), "{status} has a meaning");
        }
        let listed: Vec<u16> = statuses.iter().map(|(s, _)| *s).collect();
        assert_eq!(listed, [400, 401, 403, 404, 405, 414, 429, 431, 500]);
        assert_eq!(
            statuses[0].1,
            [
                "INVALID_CRM_CONNECTION",
                "INVALID_REQUEST",
                "UNKNOWN_SCENARIO"
            ]
        );
    }
}
