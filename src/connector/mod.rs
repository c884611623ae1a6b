//! The simulated connector: the one place where the decision order lives.
//! It decides; it never touches HTTP types.
//!
//! Decision order for both operations (the first that applies answers):
//! 1. the query string is decoded and validated (`INVALID_REQUEST`): a
//!    malformed request is a client bug the mock must not hide, even when it
//!    also asks for a scenario;
//! 2. the trigger is read (header > query > `Prefer`, else a sticky scenario
//!    from the admin API, else the record's `simulate` in the data) and every
//!    element is resolved against the catalogue
//!    (`INVALID_REQUEST` for bad options, `UNKNOWN_SCENARIO` for an unknown
//!    value); the delay knobs are read (`INVALID_REQUEST` when malformed);
//! 3. a trigger answers its element for this session (an error, a fault, or
//!    success once a sequence or `times=` is used up): a simulation wins over
//!    every realistic condition below. A session that comes back before its
//!    Retry-After elapsed still has the violation recorded;
//! 4. `--auth bearer`: a missing, malformed or expired token
//!    (`INVALID_TOKEN_SPECIFIED`);
//! 5. Retry-After compliance: a client told to wait (by any answer with
//!    `Retry-After`) that comes back early gets `REQUEST_THROTTLED` again with
//!    the time left to that deadline (rounded up), which it does not move,
//!    and a violation is recorded;
//! 6. `--rate-limit`: a client over its limit (`REQUEST_THROTTLED`);
//! 7. `--crm-type` / `--crm-org-url`: a request naming another CRM
//!    (`INVALID_CRM_CONNECTION`);
//! 8. the data: a record marked deleted (`RECORD_NOT_FOUND`) or restricted
//!    (`INSUFFICIENT_PERMISSIONS`);
//! 9. `--failure-rate`: a random failure from the weighted list;
//! 10. otherwise the page of data, in the negotiated language; in proxy mode
//!     (`--upstream`) the upstream's answer instead, which the edge fetches
//!     (`Body::Upstream`), also under a fault that sends a real body.
//!
//! Any answer carrying `Retry-After` throttles the client for that long. For
//! sequences a session is the `X-Simulate-Session` header (or
//! `simulateSession`) when sent, else operation + recordType + recordId; for
//! Retry-After compliance the session header, else the client (bearer token
//! or peer address) + operation + recordType + recordId, so two clients
//! reading one record do not throttle each other.
//!
//! Where each step lives: `decide` below is the list, in this order. Steps
//! 1-2 as read from the request alone are `read` (`read::request` calls
//! `query`, `requested_trigger`, `requested_delay`, `resolve_all` and
//! `named_session`; `Caller` is who asks: session, token, client). The rest
//! of step 2 and step 3 are the simulation (`simulate`: `choose_trigger`,
//! `element`, `answer`; `simulated` here joins them, with the rendered
//! errors kept in `kept`). Steps 4-9 are the realistic conditions
//! (`conditions`: `invalid_token`, `early_retry`, `rate_limited`,
//! `wrong_crm`, `record_state`, `random_failure`, asked in turn by
//! `conditions::first`). Step 10 is `success`. After the answer, `deadline`
//! is until when a Retry-After throttles, and `wait` the delay before
//! answering.

pub mod chaos;
mod conditions;
mod kept;
pub mod limiter;
mod read;
pub mod session;
mod simulate;
pub mod state;

use std::net::IpAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::connector::state::{AppState, Definitions};
use crate::contract::Operation;
use crate::definitions::fault::Fault;
use crate::definitions::schema::template::Vars;
use crate::error::{ApiError, Rendered};
use crate::request::auth::TokenProblem;
use crate::request::delay::Delay;
use crate::request::lang::Language;
use crate::request::params::{ConnectorQuery, CrmType, Params};
use crate::request::trigger::{self, Single};

/// Pause between the chunks of `SLOW_BODY` unless `interval=` says otherwise.
pub const DEFAULT_SLOW_BODY_INTERVAL_MS: u32 = 300;

/// What the edge extracts from one request.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    pub raw_query: &'a str,
    pub simulate_header: Option<&'a str>,
    pub prefer: Vec<&'a str>,
    pub delay_header: Option<&'a str>,
    pub session_header: Option<&'a str>,
    pub accept_language: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub peer: Option<IpAddr>,
    /// When the request arrived (the envelope's clock reading), for
    /// Retry-After windows; read afresh when absent.
    pub received: Option<Instant>,
}

/// A success body and the language it is written in.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    pub body: bytes::Bytes,
    pub language: Language,
}

/// Step 10's answer: the page of data, or (proxy mode) the upstream's.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Page(Success),
    /// Fetch the upstream connector's answer (`proxy`), in this language
    /// if a fault needs one to write.
    Upstream(Language),
}

/// Everything the edge needs to answer, and the journal to record.
#[derive(Debug)]
pub struct Decision {
    pub result: Result<Body, Rc<Rendered>>,
    /// A transport fault to apply to the success body instead of sending it.
    pub fault: Option<Fault>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Pause between `SLOW_BODY` chunks.
    pub interval: Duration,
    pub session: Option<String>,
    pub retry_after_violation: bool,
    /// Proxy mode: who an upstream answer's Retry-After throttles (set only
    /// when the answer comes from the upstream).
    pub compliance: Option<session::Throttled>,
}

/// What steps 3-9 answer, before step 10 builds the success body.
#[derive(Debug, Default)]
struct Answer {
    error: Option<Rc<Rendered>>,
    fault: Option<Fault>,
    /// The wait a fault imposes (`TIMEOUT`), in place of the asked delay.
    fault_delay: Option<Duration>,
    interval: Duration,
}

pub fn handle(state: &AppState, operation: Operation, inputs: &Inputs) -> Decision {
    let defs = state.defs.load();
    decide(state, &defs, operation, inputs).unwrap_or_else(|error| Decision {
        result: Err(Rc::new(error.render())),
        fault: None,
        delay: wait(None, None, state.config.latency),
        interval: Duration::ZERO,
        session: None,
        retry_after_violation: false,
        compliance: None,
    })
}

/// Steps 1-10; `Err` is an error from steps 1-2 (no session involved), or a
/// sticky or record trigger naming a scenario a reload removed.
fn decide(
    state: &AppState,
    defs: &Definitions,
    operation: Operation,
    inputs: &Inputs,
) -> Result<Decision, ApiError> {
    let language = Language::negotiate(inputs.accept_language);
    let params = Params::parse(inputs.raw_query)?;
    // 1-2. What the request asks, all read before any session is touched, so
    // a refusal changes no counter.
    let request = read::request(operation, inputs, &params, &defs.catalogue)?;
    let query = &request.query;
    let caller = read::Caller::new(state, operation, &request, inputs);
    let record = defs.dataset.defined(query);

    // Steps 2-5 under one short lock: sticky, sequence position, compliance.
    // It is held until the answer is known, so an answer with Retry-After
    // throttles the client under the same lock (one lock per request, not
    // two). A plain request with nothing sticky or throttled needs none of it.
    let plain = request.trigger.is_none()
        && record.is_none_or(|r| r.simulate.is_none())
        && state.sessions_idle();
    let received = || inputs.received.unwrap_or_else(Instant::now);
    let now = (!plain).then(received);
    let mut sessions = (!plain).then(|| state.sessions());
    let (chosen, throttled_for) = match (sessions.as_mut(), now) {
        (Some(sessions), Some(now)) => {
            let throttled_for = sessions.throttled_for(&caller.compliance, now);
            // 2. (continued) The request's trigger, else a sticky one, else the record's.
            let chosen = simulate::choose_trigger(
                request.trigger,
                || sessions.take_sticky(operation, &caller.session),
                record.and_then(|r| r.simulate.as_ref()),
            );
            (chosen, throttled_for)
        }
        _ => (None, None),
    };
    let answer = match (&chosen, sessions.as_mut()) {
        // 3. The trigger answers its element for this session.
        (Some(chosen), Some(sessions)) => {
            let step = sessions.step(&caller.compliance.session, &chosen.trigger);
            simulated(
                state,
                defs,
                operation,
                inputs.raw_query,
                query,
                chosen,
                step,
            )?
        }
        // 4-9. The realistic conditions, the first that applies.
        _ => Answer {
            error: conditions::first(
                state,
                defs,
                record,
                query,
                caller.token,
                caller.client,
                throttled_for,
            )
            .map(|c| conditions::render(defs, &c, vars(state, operation, query))),
            ..Answer::default()
        },
    };
    // Any answer carrying Retry-After throttles the client. An early retry's
    // answer tells the time left to the deadline it broke and leaves that
    // deadline where it was: without a trigger, a throttled client's
    // Retry-After can only come from that answer.
    let early_retry = chosen.is_none() && throttled_for.is_some();
    // 10 in proxy mode: the upstream answers, so its Retry-After (if any)
    // throttles this client too, once the edge has it (`upstream_throttle`).
    let upstream = state.upstream.is_some()
        && answer.error.is_none()
        && answer.fault.is_none_or(Fault::sends_body);
    let compliance = upstream.then(|| caller.compliance.clone());
    if let Some(seconds) = answer.error.as_ref().and_then(|e| e.retry_after)
        && !early_retry
    {
        let now = now.unwrap_or_else(received);
        sessions.get_or_insert_with(|| state.sessions()).throttle(
            caller.compliance,
            deadline(seconds, now),
            now,
        );
    }
    drop(sessions);
    let sticky_delay = chosen.as_ref().and_then(|c| c.sticky_delay);
    Ok(Decision {
        result: match answer.error {
            Some(error) => Err(error),
            // 10. The upstream's answer in proxy mode (unless a fault answers
            // without a body), else the page of data.
            None if upstream => Ok(Body::Upstream(language)),
            None => Ok(Body::Page(success(defs, operation, query, language))),
        },
        fault: answer.fault,
        delay: wait(
            request.delay.or(sticky_delay),
            answer.fault_delay,
            state.config.latency,
        ),
        interval: answer.interval,
        session: Some(caller.session),
        retry_after_violation: throttled_for.is_some(),
        compliance,
    })
}

/// Proxy mode: the upstream answered `compliance`'s request with
/// `Retry-After: seconds`, which throttles that client as this server's
/// own answers do (`deadline`).
pub fn upstream_throttle(state: &AppState, compliance: session::Throttled, seconds: u64) {
    let now = Instant::now();
    state
        .sessions()
        .throttle(compliance, deadline(seconds, now), now);
}

/// Step 3's answer for the element `step` picked; a scenario error is kept
/// per thread (`kept`), since a client repeats the same trigger.
fn simulated(
    state: &AppState,
    defs: &Definitions,
    operation: Operation,
    raw_query: &str,
    query: &ConnectorQuery,
    chosen: &simulate::Chosen,
    step: Option<(usize, &Single)>,
) -> Result<Answer, ApiError> {
    let found = simulate::element(&defs.catalogue, chosen, step)?;
    let trigger = &chosen.trigger;
    Ok(simulate::answer(
        found,
        trigger,
        state.config.timeout_delay,
        |scenario, element| {
            let key = kept::Key {
                dataset: defs.dataset.id(),
                operation,
                scenario: std::ptr::from_ref(scenario) as usize,
                query: raw_query,
                trigger: &trigger.raw,
                element,
            };
            kept::rendered(key, || {
                scenario.to_error(&vars(state, operation, query), trigger.options_for(element))
            })
        },
    ))
}

/// Until when an answer with `Retry-After: seconds` throttles its client.
/// Every source is bounded by `MAX_RETRY_AFTER_SECS` already; the clamp and
/// the checked sum keep any value from panicking on the clock.
fn deadline(seconds: u64, now: Instant) -> Instant {
    let wait = Duration::from_secs(seconds.min(u64::from(trigger::MAX_RETRY_AFTER_SECS)));
    now.checked_add(wait).unwrap_or(now)
}

/// How long to wait before answering: a fault's wait, else the delay asked
/// for (header, query or sticky), else `--latency` when that leaves none.
fn wait(asked: Option<Delay>, fault_delay: Option<Duration>, latency: Option<Delay>) -> Duration {
    let delay = fault_delay.unwrap_or_else(|| asked.map_or(Duration::ZERO, Delay::pick));
    match latency {
        Some(latency) if delay.is_zero() => latency.pick(),
        _ => delay,
    }
}

/// Step 10: the page of data, in the negotiated language.
fn success(
    defs: &Definitions,
    operation: Operation,
    query: &ConnectorQuery,
    language: Language,
) -> Success {
    Success {
        body: defs.dataset.body(operation, query, language),
        language,
    }
}

/// Placeholder values for a scenario answering this request.
fn vars<'a>(state: &'a AppState, operation: Operation, query: &ConnectorQuery<'a>) -> Vars<'a> {
    let config = &state.config;
    // With no CRM configured, the "connected" CRM is the other type, so the
    // details of INVALID_CRM_CONNECTION always disagree (contract Part 2 §5).
    let connected = config
        .crm_type
        .unwrap_or_else(|| query.crm_type.map_or(CrmType::Salesforce, CrmType::other));
    Vars {
        operation: operation.name(),
        record_type: query.record_type,
        record_id: query.record_id,
        requested_crm_type: query.crm_type.map(CrmType::as_str),
        requested_crm_org_url: query.crm_org_url,
        connected_crm_type: Some(connected.as_str()),
        connected_crm_org_url: Some(
            config
                .crm_org_url
                .as_deref()
                .unwrap_or(connected.sample_org_url()),
        ),
        retry_after: None,
        reason: Some(TokenProblem::Expired.reason()),
        resource_type: Some(query.record_type),
        resource_id: Some(query.record_id),
        privilege: Some("read"),
    }
}

#[cfg(test)]
mod tests;
