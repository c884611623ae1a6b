//! Steps 1 and 2 of the decision, the part read from the request alone: the
//! query, the trigger (every element resolved against the catalogue), the
//! delay knobs and the session name. Each is a refusal (`INVALID_REQUEST`,
//! `UNKNOWN_SCENARIO`) or a typed value. `Caller` is who asks, as the
//! session maps and the limiter know them (session, bearer token, client).
//!
//! It reads; it must not touch the sessions, so a refused request leaves
//! every counter as it was, and it never sees HTTP types. The calls keep the
//! order in which a request with several mistakes learns of them: query,
//! trigger, delay, unknown scenario, session.

use std::sync::Arc;

use super::Inputs;
use crate::connector::limiter::ClientKey;
use crate::connector::session::{self, MAX_SESSION_BYTES, Throttled};
use crate::connector::state::AppState;
use crate::contract::{Operation, SIMULATE_DELAY_PARAM, SIMULATE_SESSION_PARAM};
use crate::definitions::scenario::{Catalogue, Resolved};
use crate::error::{ApiError, Input};
use crate::request::auth::{self, TokenProblem};
use crate::request::delay::Delay;
use crate::request::params::{ConnectorQuery, Param, Params};
use crate::request::trigger::{self, Selector, Trigger};

/// A trigger the request sent, each element resolved: step 3 answers from
/// these without asking the catalogue again.
#[derive(Debug)]
pub(super) struct Requested<'d> {
    pub trigger: Arc<Trigger>,
    pub resolved: Vec<Resolved<'d>>,
}

/// Steps 1-2 as read from the request alone.
#[derive(Debug)]
pub(super) struct Request<'a, 'd> {
    pub query: ConnectorQuery<'a>,
    pub trigger: Option<Requested<'d>>,
    pub delay: Option<Delay>,
    /// The session the client names, if it names one.
    pub named_session: Option<&'a str>,
}

/// Steps 1-2, in the order a request with several mistakes learns of them.
pub(super) fn request<'a, 'd>(
    operation: Operation,
    inputs: &Inputs<'a>,
    params: &'a Params,
    catalogue: &'d Catalogue,
) -> Result<Request<'a, 'd>, ApiError> {
    let query = query(operation, params)?;
    let trigger = requested_trigger(inputs, params)?;
    let delay = requested_delay(inputs.delay_header, params)?;
    let trigger = match trigger {
        Some(trigger) => Some(resolve_all(catalogue, trigger)?),
        None => None,
    };
    let named_session = named_session(inputs.session_header, params)?;
    Ok(Request {
        query,
        trigger,
        delay,
        named_session,
    })
}

/// Step 1: the query string decoded and validated.
pub(super) fn query<'p>(
    operation: Operation,
    params: &'p Params,
) -> Result<ConnectorQuery<'p>, ApiError> {
    ConnectorQuery::parse(operation, params)
}

/// Step 2: the trigger the request sends (header > query > `Prefer`).
pub(super) fn requested_trigger(
    inputs: &Inputs,
    params: &Params,
) -> Result<Option<Arc<Trigger>>, ApiError> {
    trigger::find(
        inputs.simulate_header,
        params.get(Param::SimulateError)?,
        inputs.prefer.iter().copied(),
    )
}

/// Step 2: the delay asked for (`X-Simulate-Delay` > `simulateDelay`).
pub(super) fn requested_delay(
    header: Option<&str>,
    params: &Params,
) -> Result<Option<Delay>, ApiError> {
    match header.filter(|v| !v.trim().is_empty()) {
        Some(value) => Some(Delay::parse(value, Input::Header("X-Simulate-Delay"))).transpose(),
        None => params
            .get(Param::SimulateDelay)?
            .map(|v| Delay::parse(v, Input::Query(SIMULATE_DELAY_PARAM)))
            .transpose(),
    }
}

/// Step 2: every element of the request's trigger resolved against the
/// catalogue, so an unknown one is refused on the first request, not halfway
/// through a sequence.
pub(super) fn resolve_all(
    catalogue: &Catalogue,
    trigger: Arc<Trigger>,
) -> Result<Requested<'_>, ApiError> {
    let resolved = match &trigger.selector {
        Selector::One(single) => vec![catalogue.resolve(single, &trigger.raw)?],
        Selector::Sequence(items) => items
            .iter()
            .map(|single| catalogue.resolve(single, &trigger.raw))
            .collect::<Result<_, _>>()?,
    };
    Ok(Requested { trigger, resolved })
}

/// Step 2: the session the client names (`X-Simulate-Session` >
/// `simulateSession`), at most `MAX_SESSION_BYTES`.
pub(super) fn named_session<'a>(
    header: Option<&'a str>,
    params: &'a Params,
) -> Result<Option<&'a str>, ApiError> {
    let named = match header.map(str::trim).filter(|v| !v.is_empty()) {
        Some(header) => Some((header, Input::Header("X-Simulate-Session"))),
        None => params
            .get(Param::SimulateSession)?
            .map(|v| (v, Input::Query(SIMULATE_SESSION_PARAM))),
    };
    match named {
        Some((name, source)) if name.len() > MAX_SESSION_BYTES => Err(ApiError::invalid(
            source,
            &format!(
                "is {} bytes; a session name is at most {MAX_SESSION_BYTES}",
                name.len()
            ),
        )),
        named => Ok(named.map(|(name, _)| name)),
    }
}

/// The sequence session: the name given, else operation + record.
pub(super) fn sequence_session(
    named: Option<&str>,
    operation: Operation,
    query: &ConnectorQuery,
) -> String {
    match named {
        Some(name) => name.to_owned(),
        None => {
            // Pushed rather than `format!`ed: this runs on every request.
            let id = operation.id();
            let mut session =
                String::with_capacity(id.len() + query.type_key.len() + query.id_key.len() + 2);
            session.push_str(id);
            for part in [&query.type_key, &query.id_key] {
                session.push(':');
                session.push_str(part);
            }
            session
        }
    }
}

/// Who is asking, as the session maps and the limiter know them.
pub(super) struct Caller<'t> {
    /// The sequence session: the name given, else operation + record.
    pub session: String,
    /// The bearer token, read once: it keys the client and step 4 judges it.
    pub token: Result<&'t str, TokenProblem>,
    pub client: ClientKey,
    /// Who a Retry-After applies to; its `session` is the sequence session
    /// as the maps keep it (bounded even for a long recordId).
    pub compliance: Throttled,
}

impl<'t> Caller<'t> {
    pub fn new(
        state: &AppState,
        operation: Operation,
        request: &Request,
        inputs: &Inputs<'t>,
    ) -> Caller<'t> {
        let named = request.named_session;
        let session = sequence_session(named, operation, &request.query);
        let token = auth::bearer_token(inputs.authorization);
        let client = ClientKey::new(token.ok(), inputs.peer, &state.key_hasher);
        let compliance = Throttled {
            client: named.is_none().then_some(client),
            session: session::map_key(&session, &state.key_hasher).into_owned(),
        };
        Caller {
            session,
            token,
            client,
            compliance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(raw: &str) -> Params<'_> {
        Params::parse(raw).unwrap()
    }

    fn code<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
        result.unwrap_err().code
    }

    #[test]
    fn the_delay_header_wins_over_the_query_and_a_blank_one_is_absent() {
        let q = params("simulateDelay=20");
        let none = params("");
        let cases = [
            (Some("10"), &q, Some(Delay::fixed(10)), "header wins"),
            (Some("  "), &q, Some(Delay::fixed(20)), "blank header"),
            (None, &q, Some(Delay::fixed(20)), "query"),
            (None, &none, None, "neither"),
        ];
        for (header, params, expected, why) in cases {
            assert_eq!(requested_delay(header, params).unwrap(), expected, "{why}");
        }
        assert_eq!(
            code(requested_delay(Some("soon"), &none)),
            "INVALID_REQUEST"
        );
    }

    #[test]
    fn a_named_session_is_the_trimmed_header_else_the_query_and_is_bounded() {
        let q = params("simulateSession=from-query");
        assert_eq!(named_session(Some(" h "), &q).unwrap(), Some("h"));
        assert_eq!(named_session(Some(""), &q).unwrap(), Some("from-query"));
        assert_eq!(named_session(None, &params("")).unwrap(), None);
        let long = "s".repeat(MAX_SESSION_BYTES + 1);
        let error = named_session(Some(&long), &q).unwrap_err();
        assert_eq!(error.code, "INVALID_REQUEST");
        assert!(error.message.contains("X-Simulate-Session"), "{error:?}");
    }

    #[test]
    fn the_sequence_session_is_the_name_given_else_operation_and_record() {
        let p = params("recordType=Account&recordId=A1");
        let q = query(Operation::RelatedRecords, &p).unwrap();
        let op = Operation::RelatedRecords.id();
        assert_eq!(
            sequence_session(Some("run-1"), Operation::RelatedRecords, &q),
            "run-1"
        );
        assert_eq!(
            sequence_session(None, Operation::RelatedRecords, &q),
            format!("{op}:account:a1")
        );
    }

    #[test]
    fn every_element_of_a_requested_trigger_is_resolved_or_the_request_refused() {
        let (sources, problems) = crate::definitions::files::read_all(None);
        assert!(problems.is_empty(), "{problems:?}");
        let catalogue =
            Catalogue::build(&sources, crate::definitions::files::EMBEDDED.len()).unwrap();
        let t = |raw: &str| Arc::new(trigger::parse(raw, Input::Header("test")).unwrap());
        let requested = resolve_all(&catalogue, t("429,TIMEOUT,200")).unwrap();
        assert!(matches!(
            requested.resolved[..],
            [Resolved::Error(_), Resolved::Fault(_), Resolved::Success]
        ));
        assert_eq!(
            code(resolve_all(&catalogue, t("429,NO_SUCH"))),
            "UNKNOWN_SCENARIO"
        );
    }

    #[test]
    fn a_trigger_is_read_from_the_header_before_the_query() {
        let p = params("simulateError=404");
        let inputs = Inputs {
            simulate_header: Some("429"),
            ..Inputs::default()
        };
        let found = requested_trigger(&inputs, &p).unwrap().unwrap();
        assert_eq!(found.raw, "429");
        let found = requested_trigger(&Inputs::default(), &p).unwrap().unwrap();
        assert_eq!(found.raw, "404");
        let twice = params("simulateError=404&simulateError=500");
        assert_eq!(
            code(requested_trigger(&Inputs::default(), &twice)),
            "INVALID_REQUEST"
        );
    }
}
