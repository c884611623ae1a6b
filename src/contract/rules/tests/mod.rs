//! Each rule on answers made by hand: one that keeps it, and one per way of
//! breaking it. `success` and `errors` hold the answer rules, `document`
//! the document rule; the helpers below build exchanges.

mod document;
mod errors;
mod success;

use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::contract::Operation;

pub(super) const ACTS: Option<Operation> = Some(Operation::RelatedActivities);
pub(super) const RECS: Option<Operation> = Some(Operation::RelatedRecords);

pub(super) fn sent(operation: Option<Operation>, query: &str, headers: &[(&str, &str)]) -> Sent {
    Sent {
        operation,
        target: format!("/op?{query}"),
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                (n.to_owned(), v.to_owned())
            })
            .collect(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

pub(super) fn got(status: u16, headers: &[(&str, &str)], body: &str) -> Got {
    let headers = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    Got::new(
        status,
        headers,
        body.as_bytes().to_vec(),
        Duration::from_millis(3),
    )
}

pub(super) fn x(op: Option<Operation>, query: &str, status: u16, body: Value) -> Exchange {
    Exchange {
        sent: sent(op, query, &[("x-ms-client-request-id", "req-1")]),
        got: got(
            status,
            &[("Content-Type", "application/json")],
            &body.to_string(),
        ),
    }
}

pub(super) fn verdict(finding: Option<Finding>) -> Option<Verdict> {
    finding.map(|f| f.verdict)
}

pub(super) const Q: &str = "recordType=account&recordId=42";

pub(super) fn activity(at: &str) -> Value {
    json!({ "title": "Call", "description": "A call.", "dateTime": at })
}
