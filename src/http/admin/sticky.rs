//! `GET/POST/DELETE /__admin/sticky`: list, add and clear sticky scenarios.
//! A new one is checked here (its trigger against the catalogue, its
//! fields against their bounds); the sessions keep and apply them.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::operation;
use crate::connector::session::{MAX_SESSION_BYTES, MAX_STICKY, Sticky};
use crate::connector::state::AppState;
use crate::contract::{self, ADMIN_PREFIX};
use crate::error::{ApiError, Input};
use crate::http::context::RequestContext;
use crate::request::delay::MAX_DELAY_MS;
use crate::request::trigger;

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

pub(super) async fn add_sticky(
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
        .content_type(crate::http::reply::JSON)
        .body(body)
}

pub(super) async fn list_sticky(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    // Copied under the lock, serialized after it is released: the request
    // path takes the same lock.
    let sticky = state.sessions().sticky().to_vec();
    let body = json!({ "sticky": sticky });
    ctx.json(body.to_string())
}

pub(super) async fn clear_sticky(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let cleared = state.sessions().clear_sticky();
    ctx.json(json!({ "cleared": cleared }).to_string())
}
