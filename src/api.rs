//! Handlers: the two connector operations, `/health`, `/openapi.json` and the
//! fallbacks for unknown routes and wrong methods. Each is glue: extract
//! strings, call one core function, reply. No failing actix extractor is used,
//! since those would answer in actix's plain-text format.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::connector::{self, Inputs};
use crate::context::RequestContext;
use crate::contract::{
    Operation, SIMULATE_DELAY_HEADER, SIMULATE_ERROR_HEADER, SIMULATE_SESSION_HEADER,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::transport;

fn header_str(req: &HttpRequest, name: impl header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn inputs(req: &HttpRequest) -> Inputs<'_> {
    Inputs {
        raw_query: req.query_string(),
        simulate_header: header_str(req, SIMULATE_ERROR_HEADER),
        prefer: req
            .headers()
            .get_all("prefer")
            .filter_map(|v| v.to_str().ok())
            .collect(),
        delay_header: header_str(req, SIMULATE_DELAY_HEADER),
        session_header: header_str(req, SIMULATE_SESSION_HEADER),
        accept_language: header_str(req, header::ACCEPT_LANGUAGE),
        authorization: header_str(req, header::AUTHORIZATION),
        peer: req.peer_addr().map(|a| a.ip()),
    }
}

/// GET activities path: scp-get-related-activities.
pub async fn related_activities(
    ctx: RequestContext,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let decision = connector::handle(&state, Operation::RelatedActivities, &inputs(&req));
    transport::respond(&ctx, &req, Operation::RelatedActivities, decision).await
}

/// GET records path: scp-get-related-records.
pub async fn related_records(
    ctx: RequestContext,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let decision = connector::handle(&state, Operation::RelatedRecords, &inputs(&req));
    transport::respond(&ctx, &req, Operation::RelatedRecords, decision).await
}

/// GET /metrics: the Prometheus text exposition.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}

pub async fn health(ctx: RequestContext) -> HttpResponse {
    ctx.json(r#"{"status":"ok"}"#)
}

pub async fn openapi_json(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    ctx.json(state.openapi.clone())
}

/// The app's default service: 404 `ROUTE_NOT_FOUND`.
pub async fn route_not_found(ctx: RequestContext, req: HttpRequest) -> HttpResponse {
    ctx.error(&ApiError::route_not_found(
        req.method().as_str(),
        req.path(),
    ))
}

/// A resource's default service: 405 `METHOD_NOT_ALLOWED` with `Allow`.
pub fn method_not_allowed(allow: &'static str) -> Route {
    web::to(move |ctx: RequestContext, req: HttpRequest| async move {
        ctx.error(&ApiError::method_not_allowed(
            req.method().as_str(),
            req.path(),
            allow,
        ))
    })
}
