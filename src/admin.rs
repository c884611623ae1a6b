//! The admin API under `/__admin` (the WireMock convention). Each handler is a
//! few lines over `AppState`; errors use the standard body.
//!
//! | route | what |
//! |---|---|
//! | `GET /__admin/scenarios` | the catalogue, the faults and every trigger value |
//! | `GET/POST/DELETE /__admin/sticky` | list, add, clear sticky scenarios |
//! | `GET/DELETE /__admin/requests` | list (filtered) or clear the journal |
//! | `GET /__admin/requests/count` | how many journal entries match a filter |
//! | `POST /__admin/reset` | journal, sequences, throttling, sticky, limiter |
//! | `POST /__admin/reload` | re-read the scenario and data files |
//!
//! `--admin-token` requires `Authorization: Bearer <token>` (any visible
//! ASCII token, compared in constant time); `--no-admin`
//! removes the whole scope (its paths are then unknown routes).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Next, from_fn};
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::context::RequestContext;
use crate::contract::{self, ADMIN_PREFIX, Operation};
use crate::error::{ApiError, Input};
use crate::fallback::{method_not_allowed, route_not_found};
use crate::fault::Fault;
use crate::journal::Filter;
use crate::params::QueryPairs;
use crate::session::{MAX_SESSION_BYTES, MAX_STICKY, Sticky};
use crate::state::AppState;
use crate::trigger::{self, MAX_DELAY_MS};

/// The admin scope, for `startup::routes`.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    web::scope(ADMIN_PREFIX)
        .wrap(from_fn(require_token))
        .service(
            web::resource("/scenarios")
                .get(scenarios)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/sticky")
                .get(list_sticky)
                .post(add_sticky)
                .delete(clear_sticky)
                .default_service(method_not_allowed("GET, POST, DELETE")),
        )
        .service(
            web::resource("/requests")
                .get(list_requests)
                .delete(clear_requests)
                .default_service(method_not_allowed("GET, DELETE")),
        )
        .service(
            web::resource("/requests/count")
                .get(count_requests)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/reset")
                .post(reset)
                .default_service(method_not_allowed("POST")),
        )
        .service(
            web::resource("/reload")
                .post(reload)
                .default_service(method_not_allowed("POST")),
        )
        .default_service(web::to(route_not_found))
}

/// `--admin-token`: 401 `ADMIN_UNAUTHORIZED` without the right bearer token.
async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.config.admin_token.clone());
    let Some(expected) = expected else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| admin_bearer(v.as_bytes()));
    if given.is_some_and(|token| token_matches(token, expected.as_bytes())) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let ctx = req
        .extensions()
        .get::<RequestContext>()
        .cloned()
        .unwrap_or_else(RequestContext::fresh);
    let error = ApiError::new(
        401,
        contract::ADMIN_UNAUTHORIZED,
        "The admin API needs Authorization: Bearer <admin token>.",
    )
    .with_header(
        actix_web::http::header::WWW_AUTHENTICATE,
        actix_web::http::header::HeaderValue::from_static(
            "Bearer realm=\"crm-connector-mock admin\"",
        ),
    );
    Ok(req.into_response(ctx.error(&error)).map_into_boxed_body())
}

/// The token of `Bearer <token>` (scheme case-insensitive, spaces around
/// the token ignored). Unlike a connector's bearer token, an admin token may
/// be any visible ASCII (`--admin-token` accepts nothing else), so the
/// token68 alphabet is not imposed here.
fn admin_bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    Some(token.trim_ascii()).filter(|t| !t.is_empty())
}

/// Constant time in the token's content: how much of a guess matched must
/// not show in the answer's timing (only the length may).
fn token_matches(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(given.ct_eq(expected))
}

async fn scenarios(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let defs = state.defs.load();
    let faults: Vec<_> = Fault::ALL
        .iter()
        .map(|f| json!({ "name": f.name(), "description": f.description() }))
        .collect();
    let body = json!({
        "scenarios": defs.catalogue.scenarios(),
        "faults": faults,
        "validValues": defs.catalogue.valid_values(),
    });
    ctx.json(body.to_string())
}

/// The body of `POST /__admin/sticky`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StickyRequest {
    /// A trigger value, exactly as `X-Simulate-Error` would carry it.
    scenario: String,
    /// An operation id or name; absent means both operations.
    operation: Option<String>,
    /// How many requests it answers; absent means until cleared.
    count: Option<u32>,
    /// Only this session (the `X-Simulate-Session` value, or
    /// `operationId:recordtype:recordid`).
    session: Option<String>,
    /// Delay each answer by this many milliseconds.
    delay_ms: Option<u64>,
}

fn operation(name: &str) -> Option<Operation> {
    Operation::ALL
        .into_iter()
        .find(|o| o.id().eq_ignore_ascii_case(name) || o.name().eq_ignore_ascii_case(name))
}

async fn read_body(payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(ApiError::invalid(
            Input::Body,
            &format!("could not be read: {e}"),
        )),
        Err(_) => Err(ApiError::new(
            413,
            contract::PAYLOAD_TOO_LARGE,
            format!("Admin request bodies are limited to {limit} bytes."),
        )),
    }
}

fn parse_sticky(bytes: &[u8], state: &AppState) -> Result<Sticky, ApiError> {
    let request: StickyRequest = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid(Input::Body, &format!("is not a sticky scenario: {e}")))?;
    let trigger = trigger::parse(request.scenario.trim(), Input::Field("scenario"))?;
    state
        .defs
        .load()
        .catalogue
        .check(&trigger.selector, &trigger.raw)?;
    let operation = match request.operation.as_deref() {
        None => None,
        Some(name) => Some(
            operation(name)
                .ok_or_else(|| {
                    ApiError::invalid(
                        Input::Field("operation"),
                        "must be an operation id or name, e.g. scp-get-related-records",
                    )
                })?
                .id(),
        ),
    };
    if request.count == Some(0) {
        return Err(ApiError::invalid(
            Input::Field("count"),
            "must be at least 1 (omit it for no limit)",
        ));
    }
    if let Some(session) = &request.session
        && session.len() > MAX_SESSION_BYTES
    {
        return Err(ApiError::invalid(
            Input::Field("session"),
            &format!(
                "is {} bytes; a session name is at most {MAX_SESSION_BYTES}",
                session.len()
            ),
        ));
    }
    if request.delay_ms.is_some_and(|d| d > MAX_DELAY_MS) {
        return Err(ApiError::invalid(
            Input::Field("delayMs"),
            &format!("must be at most {MAX_DELAY_MS}"),
        ));
    }
    Ok(Sticky {
        id: 0,
        scenario: trigger.raw.clone(),
        trigger: std::sync::Arc::new(trigger),
        operation,
        remaining: request.count,
        session: request.session,
        delay_ms: request.delay_ms,
    })
}

async fn add_sticky(
    ctx: RequestContext,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> HttpResponse {
    let sticky = match read_body(payload, state.config.max_body_bytes)
        .await
        .and_then(|bytes| parse_sticky(&bytes, &state))
    {
        Ok(sticky) => state.sessions().add_sticky(sticky),
        Err(error) => return ctx.error(&error),
    };
    let Some(sticky) = sticky else {
        let error = ApiError::new(
            409,
            contract::STICKY_LIMIT_REACHED,
            format!(
                "At most {MAX_STICKY} sticky scenarios can be set; DELETE {ADMIN_PREFIX}/sticky clears them."
            ),
        )
        .with_detail("limit", MAX_STICKY);
        return ctx.error(&error);
    };
    let body = serde_json::to_string(&sticky).unwrap_or_default();
    HttpResponse::Created()
        .content_type("application/json")
        .body(body)
}

async fn list_sticky(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    // Copied under the lock, serialized after it is released: the request
    // path takes the same lock.
    let sticky = state.sessions().sticky().to_vec();
    let body = json!({ "sticky": sticky });
    ctx.json(body.to_string())
}

async fn clear_sticky(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let cleared = state.sessions().clear_sticky();
    ctx.json(json!({ "cleared": cleared }).to_string())
}

/// `operation`, `status`, `scenario`, `session`, `since` (RFC 3339) and
/// `violation` (true/false) from the query string.
fn filter(req: &HttpRequest) -> Result<Filter, ApiError> {
    let pairs = QueryPairs::parse(req.query_string())?;
    let text = |name: &str| {
        pairs
            .0
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.to_string())
    };
    let status = match text("status") {
        None => None,
        Some(s) => Some(
            s.parse()
                .map_err(|_| ApiError::invalid_request("status", "must be a status number"))?,
        ),
    };
    let since = match text("since") {
        None => None,
        Some(s) => Some(
            time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| ApiError::invalid_request("since", "must be an RFC 3339 date-time"))?,
        ),
    };
    let violation = match text("violation").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(ApiError::invalid_request(
                "violation",
                "must be true or false",
            ));
        }
    };
    let operation = match text("operation") {
        None => None,
        Some(o) => Some(
            operation(&o)
                .ok_or_else(|| {
                    ApiError::invalid_request("operation", "must be an operation id or name")
                })?
                .id()
                .to_owned(),
        ),
    };
    Ok(Filter {
        operation,
        status,
        scenario: text("scenario"),
        session: text("session"),
        since,
        violation,
    })
}

/// Entries a listing returns unless `limit` says otherwise, and at most.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;

/// `offset` (default 0) and `limit` (1 to `MAX_PAGE`, default
/// `DEFAULT_PAGE`) from the query string.
fn page_of(req: &HttpRequest) -> Result<(usize, usize), ApiError> {
    let pairs = QueryPairs::parse(req.query_string())?;
    let number = |name: &str| -> Result<Option<usize>, ApiError> {
        let Some((_, value)) = pairs.0.iter().find(|(n, v)| n == name && !v.is_empty()) else {
            return Ok(None);
        };
        value
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid_request(name, "must be a whole number (0 or more)"))
    };
    let offset = number("offset")?.unwrap_or(0);
    let limit = match number("limit")? {
        None => DEFAULT_PAGE,
        Some(limit) if (1..=MAX_PAGE).contains(&limit) => limit,
        Some(_) => {
            return Err(ApiError::invalid_request(
                "limit",
                &format!("must be a whole number from 1 to {MAX_PAGE}"),
            ));
        }
    };
    Ok((offset, limit))
}

/// One page of the journal, oldest arrival first. The page is copied out of
/// the journal (each slot locked for a moment) and serialized afterwards,
/// so a listing never holds up the requests being recorded.
async fn list_requests(
    ctx: RequestContext,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (filter, (offset, limit)) = match filter(&req).and_then(|f| Ok((f, page_of(&req)?))) {
        Ok(query) => query,
        Err(error) => return ctx.error(&error),
    };
    let journal = state.journal();
    let page = journal.page(&filter, offset, limit);
    let end = offset.saturating_add(limit);
    let listing = Listing {
        requests: &page.entries,
        count: page.matching,
        offset,
        limit,
        next: (end < page.matching).then_some(end),
        capacity: journal.capacity(),
        evictions: journal.evictions(),
        retry_after_violations: journal.violations(),
    };
    // Straight to text: no intermediate JSON tree of the whole page.
    ctx.json(serde_json::to_string(&listing).unwrap_or_default())
}

/// The body of `GET /__admin/requests`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listing<'a> {
    requests: &'a [crate::journal::Entry],
    /// Every kept entry that matches the filter (not only this page).
    count: usize,
    offset: usize,
    limit: usize,
    /// The `offset` of the next page; `null` on the last one.
    next: Option<usize>,
    capacity: usize,
    evictions: u64,
    retry_after_violations: u64,
}

async fn count_requests(
    ctx: RequestContext,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    match filter(&req) {
        Ok(filter) => ctx.json(json!({ "count": state.journal().count(&filter) }).to_string()),
        Err(error) => ctx.error(&error),
    }
}

async fn clear_requests(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let cleared = state.journal().clear();
    ctx.json(json!({ "cleared": cleared }).to_string())
}

async fn reset(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    state.reset();
    ctx.json(r#"{"reset":true}"#)
}

/// Reads and builds the definitions on a blocking thread (a large data file
/// takes a while to parse, and a worker must not wait for it); the swap is
/// one atomic store.
async fn reload(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let reloaded = web::block({
        let state = state.clone();
        move || state.reload()
    })
    .await;
    let Ok(reloaded) = reloaded else {
        return ctx.error(&ApiError::internal(
            "The reload stopped unexpectedly; the previous definitions keep serving.",
        ));
    };
    match reloaded {
        Ok(defs) => ctx.json(
            json!({
                "reloaded": true,
                "files": defs.files,
                "scenarios": defs.catalogue.scenarios().len(),
                "records": defs.dataset.defined_keys().len(),
            })
            .to_string(),
        ),
        Err(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            let error = ApiError::new(
                400,
                contract::INVALID_DEFINITIONS,
                format!(
                    "The scenario files have {} problem(s); the previous definitions keep serving.",
                    lines.len()
                ),
            )
            .with_detail("problems", lines);
            ctx.error(&error)
        }
    }
}
