//! Proxy mode at the edge: a request the connector sent up (`Body::Upstream`)
//! goes to the upstream connector (`proxy::Upstream`) and its answer comes
//! back as it was (status, end-to-end headers, body), or mangled by the
//! fault the request asked for (`TRUNCATED_BODY`, `SLOW_BODY` take the real
//! body). An upstream that fails answers in the standard shape (502, 504).
//!
//! When the client sent no `x-ms-client-request-id`, the proxy sends its own
//! activityId as one, so the upstream's logs, the journal and the answer's
//! `x-ms-request-id` name the same request.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use crate::connector::state::AppState;
use crate::connector::{Body, Decision, Success};
use crate::contract::{CLIENT_REQUEST_ID, ERROR_CODES, Operation};
use crate::definitions::fault::Fault;
use crate::http::context::{Outcome, RequestContext};
use crate::proxy::Forwarded;

/// Fetches the upstream's answer for `decision` (its delay already waited
/// out) and answers with it.
pub async fn answer(
    ctx: &RequestContext,
    req: &HttpRequest,
    state: &AppState,
    operation: Operation,
    decision: Decision,
) -> HttpResponse {
    let Some(upstream) = state.upstream.as_ref() else {
        return ctx.error(&crate::error::ApiError::internal(
            "proxy mode has no upstream",
        ));
    };
    let mut headers: Vec<(&str, &[u8])> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    if !req.headers().contains_key(CLIENT_REQUEST_ID) {
        headers.push((CLIENT_REQUEST_ID, ctx.activity_id.as_bytes()));
    }
    let forwarded = upstream
        .forward(operation, req.query_string(), &headers)
        .await;
    let language = match &decision.result {
        Ok(Body::Upstream(language)) => *language,
        _ => crate::request::lang::Language::negotiate(None),
    };
    let (response, scenario, violations) = match forwarded {
        Err(error) => {
            let code = error.code.clone();
            (
                crate::http::reply::error(&error, &ctx.activity_id),
                Some(code.into()),
                Vec::new(),
            )
        }
        Ok(forwarded) => {
            upstream.record(operation, req.query_string(), language, &forwarded);
            // The upstream's Retry-After throttles this client as ours do.
            let seconds = forwarded
                .headers
                .iter()
                .find(|(n, _)| n == "retry-after")
                .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
            if let (Some(seconds), Some(compliance)) = (seconds, decision.compliance.clone()) {
                crate::connector::upstream_throttle(state, compliance, seconds);
            }
            match decision.fault {
                Some(fault @ (Fault::TruncatedBody | Fault::SlowBody)) => {
                    let success = Success {
                        body: forwarded.body,
                        language,
                    };
                    let response =
                        crate::http::transport::faulty(req, fault, success, decision.interval);
                    (response, Some(fault.name().into()), forwarded.violations)
                }
                fault => {
                    let scenario = known_code(&forwarded).or(fault.map(|f| f.name().into()));
                    let violations = forwarded.violations.clone();
                    (passed(forwarded), scenario, violations)
                }
            }
        }
    };
    req.extensions_mut().insert(Outcome {
        operation: Some(operation),
        scenario,
        session: decision.session,
        retry_after_violation: decision.retry_after_violation,
        upstream: true,
        violations,
    });
    response
}

/// The upstream's errorCode as the journal's and the metrics' scenario,
/// when it is one the server knows (the metrics' labels stay bounded).
fn known_code(forwarded: &Forwarded) -> Option<std::sync::Arc<str>> {
    if forwarded.status < 400 {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(&forwarded.body).ok()?;
    let code = body.get("errorCode")?.as_str()?;
    ERROR_CODES
        .iter()
        .find(|c| **c == code)
        .map(|c| (*c).into())
}

/// The upstream's answer as it came: status, end-to-end headers, body.
fn passed(forwarded: Forwarded) -> HttpResponse {
    let status = StatusCode::from_u16(forwarded.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = HttpResponse::build(status);
    for (name, value) in &forwarded.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            response.append_header((name, value));
        }
    }
    response.body(forwarded.body)
}
