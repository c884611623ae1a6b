//! The served /openapi.json as real Copilot for Sales connectors publish it
//! (issue #15 item 4). `descriptions`: Microsoft's exact action, input and
//! output descriptions and the closed item schemas; `platform`: the Power
//! Platform extensions, publisher, host and schemes, oauth2 only under bearer
//! auth; `answers`: the request and response headers and every status the
//! server answers. Descriptions are the literal strings of contract.md
//! Part 3, not the crate's tables, so a typo cannot pass on both sides.

use serde_json::Value;

mod answers;
mod descriptions;
mod platform;

const ACTIVITIES: &str = "/api/related-activities";
const RECORDS: &str = "/api/related-records";

/// The parameter `name` of the GET at `path`.
fn param<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{path} has no parameter {name}"))
}
