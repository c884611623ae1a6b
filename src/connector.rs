//! The simulated connector: the one place where the decision order lives.
//! It decides; it never touches HTTP types.
//!
//! Decision order for both operations (the first that applies answers):
//! 1. the query string is decoded and validated (`INVALID_REQUEST`): a
//!    malformed request is a client bug the mock must not hide, even when it
//!    also asks for a scenario;
//! 2. the trigger is read (header > query > `Prefer`) and resolved against the
//!    catalogue (`INVALID_REQUEST` for bad options, `UNKNOWN_SCENARIO` for an
//!    unknown value);
//! 3. a requested scenario answers its error: a simulation wins over every
//!    realistic condition below, and such a request counts against none;
//! 4. `--auth bearer`: a missing, malformed or expired token
//!    (`INVALID_TOKEN_SPECIFIED`);
//! 5. `--rate-limit`: a client over its limit (`REQUEST_THROTTLED`);
//! 6. `--crm-type` / `--crm-org-url`: a request naming another CRM
//!    (`INVALID_CRM_CONNECTION`);
//! 7. the data: a record marked deleted (`RECORD_NOT_FOUND`) or restricted
//!    (`INSUFFICIENT_PERMISSIONS`);
//! 8. `--failure-rate`: a random failure from the weighted list;
//! 9. otherwise the page of data, in the negotiated language.

use std::net::IpAddr;

use crate::auth::{self, TokenProblem};
use crate::config::AuthMode;
use crate::contract::{Operation, SIMULATE_ERROR_PARAM};
use crate::data::RecordState;
use crate::error::ApiError;
use crate::lang::Language;
use crate::limiter::ClientKey;
use crate::params::{ConnectorQuery, CrmType, QueryPairs};
use crate::scenario::Vars;
use crate::state::AppState;
use crate::trigger::{self, Options};

/// What the edge extracts from one request.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    pub raw_query: &'a str,
    pub simulate_header: Option<&'a str>,
    pub prefer: Vec<&'a str>,
    pub accept_language: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub peer: Option<IpAddr>,
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
    let mut vars = vars(state, operation, &query);
    if let Some(trigger) = trigger {
        match state.catalogue.resolve(&trigger.selector, &trigger.raw)? {
            Some(scenario) => return Err(scenario.to_error(&vars, &trigger.options)),
            // An explicit "no error" (200) also skips the realistic conditions.
            None => return Ok(success(state, operation, &query, language)),
        }
    }
    if let Some((code, options)) = realistic_condition(state, &query, inputs, &mut vars) {
        return Err(builtin(state, code, &vars, &options));
    }
    Ok(success(state, operation, &query, language))
}

fn success(
    state: &AppState,
    operation: Operation,
    query: &ConnectorQuery,
    language: Language,
) -> Success {
    let body = match operation {
        Operation::RelatedActivities => state.dataset.activities_body(query, language),
        Operation::RelatedRecords => state.dataset.records_body(query, language),
    };
    Success { body, language }
}

/// Steps 4-8 of the decision order: the errorCode and options of the first
/// condition that applies. May refine `vars` (e.g. the restricted resource).
fn realistic_condition<'s>(
    state: &'s AppState,
    query: &ConnectorQuery,
    inputs: &Inputs,
    vars: &mut Vars,
) -> Option<(&'s str, Options)> {
    let config = &state.config;
    let mut token = None;
    if config.auth == AuthMode::Bearer {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Err(problem) = auth::check(inputs.authorization, &state.expired_tokens, now) {
            let options = Options {
                reason: Some(problem.reason().to_owned()),
                ..Options::default()
            };
            return Some(("INVALID_TOKEN_SPECIFIED", options));
        }
        token = auth::bearer_token(inputs.authorization).ok();
    }
    if let Some(limiter) = &state.limiter {
        // Without --auth the token (if any) still identifies the client.
        let token = token.or_else(|| auth::bearer_token(inputs.authorization).ok());
        if let Err(seconds) = limiter.check(ClientKey::new(token, inputs.peer, &state.key_hasher)) {
            let options = Options {
                retry_after: Some(seconds),
                ..Options::default()
            };
            return Some(("REQUEST_THROTTLED", options));
        }
    }
    if crm_mismatch(config.crm_type, config.crm_org_url.as_deref(), query) {
        return Some(("INVALID_CRM_CONNECTION", Options::default()));
    }
    if let Some(record) = state.dataset.defined(&query.record_type, &query.record_id) {
        match record.state {
            RecordState::Active => {}
            RecordState::Deleted => return Some(("RECORD_NOT_FOUND", Options::default())),
            RecordState::Restricted => {
                if let Some(r) = &record.restriction {
                    vars.resource_type = Some(r.resource_type.clone());
                    vars.resource_id = Some(r.resource_id.clone());
                    vars.privilege = Some(r.privilege.clone());
                }
                return Some(("INSUFFICIENT_PERMISSIONS", Options::default()));
            }
        }
    }
    // The weighted list was checked against the catalogue at start-up.
    let failure = state.failures.as_ref()?.draw()?;
    Some((failure, Options::default()))
}

/// The catalogue's scenario for `code` (a user may have overridden it).
fn builtin(state: &AppState, code: &str, vars: &Vars, options: &Options) -> ApiError {
    match state.catalogue.get(code) {
        Some(scenario) => scenario.to_error(vars, options),
        None => ApiError::internal(format!("scenario {code} is missing from the catalogue")),
    }
}

/// A host name without scheme, path or trailing slash, lower-cased.
fn host(url: &str) -> String {
    let url = url.trim();
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Whether the request names a CRM other than the configured one. A request
/// that names none is not checked.
fn crm_mismatch(crm_type: Option<CrmType>, org_url: Option<&str>, query: &ConnectorQuery) -> bool {
    let type_differs = matches!((crm_type, query.crm_type), (Some(c), Some(q)) if c != q);
    let url_differs =
        matches!((org_url, &query.crm_org_url), (Some(c), Some(q)) if host(c) != host(q));
    type_differs || url_differs
}

/// Placeholder values for a scenario answering this request.
fn vars(state: &AppState, operation: Operation, query: &ConnectorQuery) -> Vars {
    let config = &state.config;
    // With no CRM configured, the "connected" CRM is the other type, so the
    // details of INVALID_CRM_CONNECTION always disagree (contract Part 2 §5).
    let connected = config
        .crm_type
        .unwrap_or_else(|| query.crm_type.map_or(CrmType::Salesforce, CrmType::other));
    let connected_url = config
        .crm_org_url
        .clone()
        .unwrap_or_else(|| connected.sample_org_url().to_owned());
    Vars {
        operation: operation.name().to_owned(),
        record_type: query.record_type.clone(),
        record_id: query.record_id.clone(),
        requested_crm_type: query.crm_type.map(|c| c.as_str().to_owned()),
        requested_crm_org_url: query.crm_org_url.clone(),
        connected_crm_type: Some(connected.as_str().to_owned()),
        connected_crm_org_url: Some(connected_url),
        retry_after: None,
        reason: Some(TokenProblem::Expired.reason().to_owned()),
        resource_type: Some(query.record_type.clone()),
        resource_id: Some(query.record_id.clone()),
        privilege: Some("read".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(crm_type: Option<CrmType>, url: Option<&str>) -> ConnectorQuery {
        ConnectorQuery {
            record_type: "account".into(),
            record_id: "1".into(),
            top: None,
            skip: 0,
            start: None,
            end: None,
            crm_type,
            crm_org_url: url.map(str::to_owned),
        }
    }

    #[test]
    fn crm_connection_compares_types_and_hosts_tolerantly() {
        let d = Some(CrmType::Dynamics365);
        let s = Some(CrmType::Salesforce);
        let url = Some("contoso.crm.dynamics.com");
        let cases = [
            (d, url, query(None, None), false, "request names nothing"),
            (
                d,
                url,
                query(d, Some("contoso.crm.dynamics.com")),
                false,
                "same",
            ),
            (d, url, query(s, None), true, "other type"),
            (
                d,
                url,
                query(None, Some("https://CONTOSO.crm.dynamics.com/")),
                false,
                "scheme, case, slash",
            ),
            (
                d,
                url,
                query(None, Some("fabrikam.crm.dynamics.com")),
                true,
                "other host",
            ),
            (None, url, query(s, None), false, "type not configured"),
            (
                d,
                None,
                query(None, Some("anything")),
                false,
                "url not configured",
            ),
        ];
        for (crm_type, org_url, q, expected, why) in cases {
            assert_eq!(crm_mismatch(crm_type, org_url, &q), expected, "{why}");
        }
    }
}
