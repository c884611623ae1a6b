//! The simulated connector: the one place where the decision order lives.
//! It decides; it never touches HTTP types.
//!
//! Decision order for both operations:
//! 1. the query string is decoded and validated (`INVALID_REQUEST`): a
//!    malformed request is a client bug the mock must not hide, even when it
//!    also asks for a scenario;
//! 2. the trigger is read (header > query > `Prefer`) and resolved against the
//!    catalogue (`INVALID_REQUEST` for bad options, `UNKNOWN_SCENARIO` for an
//!    unknown value);
//! 3. a requested scenario answers its error;
//! 4. otherwise the page of data, in the negotiated language.

use crate::contract::{Operation, SIMULATE_ERROR_PARAM};
use crate::error::ApiError;
use crate::lang::Language;
use crate::params::{ConnectorQuery, CrmType, QueryPairs};
use crate::scenario::Vars;
use crate::state::AppState;
use crate::trigger;

/// What the edge extracts from one request.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    pub raw_query: &'a str,
    pub simulate_header: Option<&'a str>,
    pub prefer: Vec<&'a str>,
    pub accept_language: Option<&'a str>,
}

/// A success body and the language it is written in.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    pub body: Vec<u8>,
    pub language: Language,
}

pub fn handle(
    state: &AppState,
    operation: Operation,
    inputs: &Inputs,
) -> Result<Success, ApiError> {
    let language = Language::negotiate(inputs.accept_language);
    let pairs = QueryPairs::parse(inputs.raw_query)?;
    let query = ConnectorQuery::parse(operation, &pairs)?;
    let trigger = trigger::find(
        inputs.simulate_header,
        pairs.get(SIMULATE_ERROR_PARAM)?,
        inputs.prefer.iter().copied(),
    )?;
    if let Some(trigger) = trigger
        && let Some(scenario) = state.catalogue.resolve(&trigger.selector, &trigger.raw)?
    {
        return Err(scenario.to_error(&vars(state, operation, &query), &trigger.options));
    }
    let body = match operation {
        Operation::RelatedActivities => state.dataset.activities_body(&query, language),
        Operation::RelatedRecords => state.dataset.records_body(&query, language),
    };
    Ok(Success { body, language })
}

/// Placeholder values for a scenario answering this request.
fn vars(_state: &AppState, operation: Operation, query: &ConnectorQuery) -> Vars {
    // With no CRM configured, the "connected" CRM is the other type, so the
    // details of INVALID_CRM_CONNECTION always disagree (contract Part 2 §5).
    let connected = query.crm_type.map_or(CrmType::Salesforce, CrmType::other);
    Vars {
        operation: operation.name().to_owned(),
        record_type: query.record_type.clone(),
        record_id: query.record_id.clone(),
        requested_crm_type: query.crm_type.map(|c| c.as_str().to_owned()),
        requested_crm_org_url: query.crm_org_url.clone(),
        connected_crm_type: Some(connected.as_str().to_owned()),
        connected_crm_org_url: Some(connected.sample_org_url().to_owned()),
        retry_after: None,
        reason: Some("expired".to_owned()),
        resource_type: Some(query.record_type.clone()),
        resource_id: Some(query.record_id.clone()),
        privilege: Some("read".to_owned()),
    }
}
