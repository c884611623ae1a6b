//! Handlers: the two connector operations, `/health`, `/openapi.json` and
//! `/metrics` (the fallbacks are in `fallback`). Each is glue: extract
//! strings, call one core function, reply. No failing actix extractor is used,
//! since those would answer in actix's plain-text format.

use std::future::{Ready, ready};
use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::future::{Either, LocalBoxFuture};

use crate::connector::state::AppState;
use crate::connector::{self, Inputs};
use crate::contract::{
    Operation, SIMULATE_DELAY_HEADER, SIMULATE_ERROR_HEADER, SIMULATE_SESSION_HEADER,
};
use crate::error::{ApiError, Input};
use crate::http::context::RequestContext;
use crate::http::transport;

// Header names built once (a `&str` name is parsed on every lookup).
const SIMULATE_ERROR: HeaderName = HeaderName::from_static(SIMULATE_ERROR_HEADER);
const SIMULATE_DELAY: HeaderName = HeaderName::from_static(SIMULATE_DELAY_HEADER);
const SIMULATE_SESSION: HeaderName = HeaderName::from_static(SIMULATE_SESSION_HEADER);
const PREFER: HeaderName = HeaderName::from_static("prefer");

/// One of our own knobs: absent is fine, but a value that is not visible
/// ASCII is a client mistake, not "no value".
fn knob<'r>(value: &'r HeaderValue, label: &str) -> Result<&'r str, ApiError> {
    value
        .to_str()
        .map_err(|_| ApiError::invalid(Input::Header(label), "must be visible ASCII text"))
}

/// The request's inputs in one pass over its headers (most requests carry
/// none of those read here, and a lookup per name costs a hash each). For
/// every header but `Prefer`, the first value counts, as `HeaderMap::get`
/// would give.
fn inputs(req: &HttpRequest, received: Instant) -> Result<Inputs<'_>, ApiError> {
    let mut inputs = Inputs {
        raw_query: req.query_string(),
        peer: req.peer_addr().map(|a| a.ip()),
        received: Some(received),
        ..Inputs::default()
    };
    let mut language_seen = false;
    for (name, value) in req.headers() {
        if *name == SIMULATE_ERROR {
            if inputs.simulate_header.is_none() {
                inputs.simulate_header = Some(knob(value, "X-Simulate-Error")?);
            }
        } else if *name == SIMULATE_DELAY {
            if inputs.delay_header.is_none() {
                inputs.delay_header = Some(knob(value, "X-Simulate-Delay")?);
            }
        } else if *name == SIMULATE_SESSION {
            if inputs.session_header.is_none() {
                inputs.session_header = Some(knob(value, "X-Simulate-Session")?);
            }
        } else if *name == PREFER {
            inputs.prefer.push(knob(value, "Prefer")?);
        } else if *name == header::ACCEPT_LANGUAGE && !language_seen {
            // Never an error: an unusable Accept-Language means English.
            language_seen = true;
            inputs.accept_language = value.to_str().ok();
        } else if *name == header::AUTHORIZATION && inputs.authorization.is_none() {
            // An unusable Authorization is "malformed" under --auth bearer.
            inputs.authorization = Some(value.to_str().unwrap_or("\u{1}"));
        }
    }
    Ok(inputs)
}

/// An operation's answer: ready at once, or after a simulated delay. Only
/// the delayed case is boxed, so a plain request's handler future stays a
/// few words rather than a state machine holding a timer.
pub type Answer = Either<Ready<HttpResponse>, LocalBoxFuture<'static, HttpResponse>>;

/// The state is borrowed from the request rather than extracted: the
/// `web::Data` extractor clones an `Arc` whose count both workers write.
fn operation(ctx: RequestContext, req: HttpRequest, operation: Operation) -> Answer {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        let error = ApiError::internal("the application state is missing");
        return Either::Left(ready(ctx.error(&error)));
    };
    let decision = match inputs(&req, ctx.started) {
        Ok(inputs) => connector::handle(state, operation, &inputs),
        Err(error) => return Either::Left(ready(ctx.error(&error))),
    };
    if matches!(decision.result, Ok(connector::Body::Upstream(_))) {
        let state = state.clone();
        return Either::Right(Box::pin(async move {
            if !decision.delay.is_zero() {
                actix_web::rt::time::sleep(decision.delay).await;
            }
            crate::http::forward::answer(&ctx, &req, &state, operation, decision).await
        }));
    }
    match decision.delay {
        Duration::ZERO => Either::Left(ready(transport::respond(&ctx, &req, operation, decision))),
        delay => Either::Right(Box::pin(async move {
            actix_web::rt::time::sleep(delay).await;
            transport::respond(&ctx, &req, operation, decision)
        })),
    }
}

/// GET activities path: scp-get-related-activities.
pub fn related_activities(ctx: RequestContext, req: HttpRequest) -> Answer {
    operation(ctx, req, Operation::RelatedActivities)
}

/// GET records path: scp-get-related-records.
pub fn related_records(ctx: RequestContext, req: HttpRequest) -> Answer {
    operation(ctx, req, Operation::RelatedRecords)
}

/// GET /metrics: the Prometheus text format 0.0.4, or OpenMetrics when the
/// client's `Accept` asks for it.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = crate::observe::metrics::Format::negotiate(accept);
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::VARY, "Accept"))
        .body(state.metrics.render(format))
}

pub async fn health(ctx: RequestContext) -> HttpResponse {
    ctx.json(r#"{"status":"ok"}"#)
}

pub async fn openapi_json(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    ctx.json(state.openapi.clone())
}
