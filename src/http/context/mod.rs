//! The per-request envelope, `Envelope`: the one middleware, which assigns
//! the activityId, checks the request limits, runs the inner service inside
//! a panic guard, stamps `x-ms-request-id` and echoes
//! `x-ms-client-request-id` on every response, and then has the request
//! recorded once (`record`). `RequestContext` and `Outcome` (`request`) are
//! what handlers see of it.

use std::future::{Ready, ready};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, Transform, forward_ready};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{Error, HttpMessage, HttpResponse, web};
use futures_util::FutureExt;
use futures_util::future::LocalBoxFuture;

use crate::connector::state::AppState;
use crate::contract::{CLIENT_REQUEST_ID, REQUEST_ID};
use crate::error::ApiError;
use crate::http::socket::ConnectionFd;

mod record;
mod request;

use record::{access_line, journaled, record};
use request::fresh_id;
pub use request::{Outcome, RequestContext};

/// The activityId: the caller's `x-ms-client-request-id` when present and
/// usable, otherwise a fresh UUID v4 (contract Part 2 §4).
fn client_request_id(req: &ServiceRequest) -> Option<Arc<str>> {
    req.headers()
        .get(CLIENT_REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(Arc::from)
}

const CLIENT_REQUEST_ID_HEADER: header::HeaderName =
    header::HeaderName::from_static(CLIENT_REQUEST_ID);
const REQUEST_ID_HEADER: header::HeaderName = header::HeaderName::from_static(REQUEST_ID);

/// The middleware around every route: `App::wrap(Envelope)`.
///
/// Rationale: written as a `Transform` rather than with `from_fn`, which boxes
/// the inner service and its future on top of the envelope's own future; the
/// benchmark counts every allocation on the request path.
pub struct Envelope;

impl<S, B> Transform<S, ServiceRequest> for Envelope
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = EnvelopeService<S>;
    type InitError = ();
    type Future = Ready<Result<EnvelopeService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(EnvelopeService {
            service: Rc::new(service),
        }))
    }
}

pub struct EnvelopeService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for EnvelopeService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        Box::pin(envelope(req, self.service.clone()))
    }
}

/// Rationale: the request cannot be cloned before `service.call` (actix needs
/// sole ownership of it for routing), so an error or caught panic is answered
/// with `InternalError::from_response`, which carries our finished JSON
/// response out through actix's error path unchanged.
async fn envelope<S, B>(
    req: ServiceRequest,
    service: Rc<S>,
) -> Result<ServiceResponse<BoxBody>, Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let started = Instant::now();
    let client_id = client_request_id(&req);
    let echo_client_id = client_id.is_some();
    let ctx = RequestContext {
        activity_id: client_id.unwrap_or_else(fresh_id),
        started,
    };
    req.extensions_mut().insert(ctx.clone());
    // A per-worker `Rc`: cloning the shared `Arc` here would write its count,
    // a cache line both workers share, on every request.
    let state = req.app_data::<Rc<web::Data<AppState>>>().cloned();
    let mut head = head_of(&req);
    for (name, value) in req.headers() {
        head.count(name, value);
    }
    let journal_id = match &state {
        Some(state) if journaled(req.path()) => state.journal().arrive(
            crate::observe::wall::at(started),
            (req.method(), req.uri()),
            req.headers().iter(),
        ),
        _ => None,
    };
    // Cheap clones (a method is inline, a URI is reference counted).
    let method = req.method().clone();
    let uri = req.uri().clone();
    let path = uri.path();
    // An operation leaves its outcome with the request; an error answered
    // through `RequestContext::error` carries it on the response.
    let finish = |response: &mut HttpResponse<BoxBody>, outcome: Option<Outcome>| {
        stamp(response.headers_mut(), &ctx.activity_id, echo_client_id);
        let outcome = outcome
            .or_else(|| response.extensions_mut().remove::<Outcome>())
            .unwrap_or_default();
        let status = response.status().as_u16();
        let ended = Instant::now();
        let elapsed = ended.saturating_duration_since(started);
        crate::observe::logsink::access(ended, |line| {
            access_line(
                line,
                &method,
                path,
                status,
                &outcome,
                elapsed,
                &ctx.activity_id,
            )
        });
        if let Some(state) = &state {
            // The Retry-After as sent, whoever set it (a simulation, the
            // compliance check, an upstream), for the dashboard's timeline.
            let retry_after = response.headers().get(header::RETRY_AFTER);
            record(
                state,
                outcome,
                status,
                elapsed.as_secs_f64(),
                path,
                &ctx.activity_id,
                journal_id.map(|id| (id, retry_after.map(HeaderValue::as_bytes))),
            );
        }
    };

    if let Some(state) = &state
        && let Some(error) = crate::http::limits::check(
            &head,
            state.config.max_query_bytes,
            state.config.max_header_bytes,
        )
    {
        let mut response = ctx.error(&error);
        // The request may still carry unread bytes; do not reuse the connection.
        response
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        if head.has_body()
            && let Some(socket) = req.conn_data::<ConnectionFd>()
        {
            socket.stop_reading();
        }
        finish(&mut response, None);
        return Ok(req.into_response(response));
    }

    let failure = match AssertUnwindSafe(service.call(req)).catch_unwind().await {
        Ok(Ok(response)) => {
            let (request, mut response) = response.map_into_boxed_body().into_parts();
            let outcome = request.extensions_mut().remove::<Outcome>();
            finish(&mut response, outcome);
            return Ok(ServiceResponse::new(request, response));
        }
        // An error from actix itself (none of our handlers return one): keep
        // its status, use our shape.
        Ok(Err(error)) => {
            let status = error.as_response_error().status_code().as_u16();
            ApiError::new(status, status_code_name(status), error.to_string())
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            log::error!(
                "handler panicked on {method} {path} (activityId={}): {what}",
                ctx.activity_id
            );
            ApiError::internal(
                "The server hit an unexpected internal error; the request was not completed.",
            )
        }
    };
    let mut response = ctx.error(&failure);
    finish(&mut response, None);
    Err(InternalError::from_response(failure.message, response).into())
}

/// What the limits look at but the headers (`Head::count` takes each).
fn head_of(req: &ServiceRequest) -> crate::http::limits::Head<'_> {
    crate::http::limits::Head {
        is_get: matches!(
            *req.method(),
            actix_web::http::Method::GET | actix_web::http::Method::HEAD
        ),
        query_len: req.query_string().len(),
        header_bytes: 0,
        content_length: None,
        chunked: false,
    }
}

/// `x-ms-request-id` always; `x-ms-client-request-id` echoed when sent.
fn stamp(headers: &mut header::HeaderMap, activity_id: &str, echo_client_id: bool) {
    if let Ok(value) = HeaderValue::from_str(activity_id) {
        if echo_client_id {
            headers.insert(CLIENT_REQUEST_ID_HEADER, value.clone());
        }
        headers.insert(REQUEST_ID_HEADER, value);
    }
}

/// An errorCode for an error actix raised on its own.
fn status_code_name(status: u16) -> &'static str {
    match status {
        404 => crate::contract::ROUTE_NOT_FOUND,
        405 => crate::contract::METHOD_NOT_ALLOWED,
        400..=499 => crate::contract::INVALID_REQUEST,
        _ => crate::contract::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use actix_web::{App, HttpServer, web};

    use super::Envelope;

    #[actix_web::test]
    async fn a_panicking_handler_answers_the_standard_500_and_the_worker_keeps_serving() {
        // Arrange: one worker, so the follow-up requests hit the same one.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(|| {
            App::new()
                .wrap(Envelope)
                .route(
                    "/boom",
                    web::get().to(|| async {
                        if std::hint::black_box(true) {
                            panic!("deliberate test panic");
                        }
                        "unreachable"
                    }),
                )
                .route("/ok", web::get().to(|| async { "ok" }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);

        // Act
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::get(format!("{base}/boom")).await.unwrap();

        // Assert
        assert_eq!(response.status().as_u16(), 500);
        assert_eq!(response.headers()["content-type"], "application/json");
        let request_id = response.headers()["x-ms-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["errorCode"], "INTERNAL_SERVER_ERROR");
        assert_eq!(body["activityId"], request_id.as_str());
        for _ in 0..3 {
            let ok = reqwest::get(format!("{base}/ok")).await.unwrap();
            assert_eq!(ok.status().as_u16(), 200);
        }
        handle.stop(true).await;
    }
}
