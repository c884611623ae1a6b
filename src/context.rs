//! The per-request envelope: `RequestContext` (the activityId) and the one
//! middleware, `envelope`, which assigns the activityId, runs the inner
//! service inside a panic guard, stamps `x-ms-request-id` and echoes
//! `x-ms-client-request-id` on every response, and then records the request
//! once: the access log line, the metrics and (for connector operations and
//! fallbacks) the journal entry. `RequestContext::reply` turns a connector
//! success or error into a response.

use std::future::{Ready, ready};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::dev::{Service, Transform, forward_ready};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::FutureExt;
use futures_util::future::LocalBoxFuture;

use crate::contract::{
    CLIENT_REQUEST_ID, HEALTH_PATH, METRICS_PATH, OPENAPI_PATH, Operation, REQUEST_ID, reserved,
};
use crate::error::ApiError;
use crate::journal::{Entry, Headers, MAX_ID_BYTES, MAX_METHOD_BYTES, Target, keep_str};
use crate::lang::Language;
use crate::metrics::Observation;
use crate::reply::JSON;
use crate::state::AppState;
use crate::transport::ConnectionFd;

/// The activityId of the request being served.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Shared with the journal entry; cloning is a reference count.
    pub activity_id: Arc<str>,
    /// When the envelope took the request (its one clock reading at the start).
    pub started: Instant,
}

/// Left in the response extensions for the log, the metrics and the journal.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub operation: Option<Operation>,
    /// The errorCode or fault name sent.
    pub scenario: Option<Arc<str>>,
    pub session: Option<String>,
    pub retry_after_violation: bool,
}

impl FromRequest for RequestContext {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = req.extensions().get::<RequestContext>().cloned();
        ready(Ok(ctx.unwrap_or_else(RequestContext::fresh)))
    }
}

impl RequestContext {
    /// A context with a new activityId (for a request the envelope missed).
    pub fn fresh() -> RequestContext {
        RequestContext {
            activity_id: fresh_id(),
            started: Instant::now(),
        }
    }

    /// 200 with the JSON body in `language` (`Content-Language`).
    pub fn success(&self, body: impl MessageBody + 'static, language: Language) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, JSON))
            .insert_header((
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(language.tag()),
            ))
            .body(body)
    }

    /// Any JSON success body.
    pub fn json(&self, body: impl MessageBody + 'static) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, JSON))
            .body(body)
    }

    /// The standard error body for this request.
    pub fn error(&self, error: &ApiError) -> HttpResponse {
        let mut response = crate::reply::error(error, &self.activity_id);
        response.extensions_mut().insert(Outcome {
            scenario: Some(error.code.as_str().into()),
            ..Outcome::default()
        });
        response
    }
}

/// Paths the journal skips: the reserved ones (the service endpoints and
/// the admin API).
fn journaled(path: &str) -> bool {
    reserved(path).is_none()
}

/// The metrics label of a request that is not a connector operation.
fn endpoint_label(path: &str) -> &'static str {
    match reserved(path) {
        Some(HEALTH_PATH) => "health",
        Some(OPENAPI_PATH) => "openapi",
        Some(METRICS_PATH) => "metrics",
        Some(_) => "admin",
        None => "unmatched",
    }
}

/// What the journal keeps of the request, captured before it is handed on.
struct Seen {
    /// The arrival number: the journal lists by it.
    id: u64,
    at: std::time::SystemTime,
    headers: Headers,
    /// Whether a header was cut or dropped.
    truncated: bool,
}

/// A UUID v4, formatted without an intermediate `String`. Its 122 random
/// bits come from fastrand (wyrand, seeded per thread): an activityId
/// correlates a request with its logs and is not a secret, so it needs no
/// cryptographic generator, whose per-call cost the benchmark showed.
fn fresh_id() -> Arc<str> {
    let mut buffer = uuid::Uuid::encode_buffer();
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    Arc::from(&*id.hyphenated().encode_lower(&mut buffer))
}

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
    let journal_on = state
        .as_ref()
        .is_some_and(|s| s.config.journal_capacity > 0);
    let mut head = head_of(&req);
    for (name, value) in req.headers() {
        head.count(name, value);
    }
    let seen = match (&state, journal_on && journaled(req.path())) {
        (Some(state), true) => {
            let (headers, truncated) = Headers::new(req.headers().iter());
            Some(Seen {
                id: state.journal().arrive(),
                at: crate::wall::at(started),
                headers,
                truncated,
            })
        }
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
        crate::logsink::access(ended, |line| {
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
            record(
                state,
                outcome,
                status,
                elapsed.as_secs_f64(),
                (&method, &uri),
                &ctx.activity_id,
                seen,
            );
        }
    };

    if let Some(state) = &state
        && let Some(error) = crate::limits::check(
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
        if head.has_body() {
            stop_reading(&req);
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

/// Shuts the read side of a refused request's connection, so its declared
/// body is not read: actix would otherwise drain it (for up to a second,
/// gigabytes on a fast link) before closing. Reads then see the end of the
/// stream; actix still writes the answer, then closes.
fn stop_reading(req: &ServiceRequest) {
    let Some(ConnectionFd(fd)) = req.conn_data::<ConnectionFd>().copied() else {
        return;
    };
    // SAFETY: the descriptor belongs to the connection serving this request,
    // which stays open at least until the response is written; it is only
    // borrowed for one shutdown call.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    if let Err(e) = socket2::SockRef::from(&borrowed).shutdown(std::net::Shutdown::Read) {
        log::debug!("could not stop reading a refused request's body: {e}");
    }
}

/// `GET /path 200 scenario=X 0.1ms activityId=...` (no scenario on success).
fn access_line(
    line: &mut Vec<u8>,
    method: &actix_web::http::Method,
    path: &str,
    status: u16,
    outcome: &Outcome,
    elapsed: std::time::Duration,
    activity_id: &str,
) {
    let mut number = itoa::Buffer::new();
    line.extend_from_slice(method.as_str().as_bytes());
    line.push(b' ');
    line.extend_from_slice(path.as_bytes());
    line.push(b' ');
    line.extend_from_slice(number.format(status).as_bytes());
    if let Some(scenario) = &outcome.scenario {
        line.extend_from_slice(b" scenario=");
        line.extend_from_slice(scenario.as_bytes());
    }
    let micros = elapsed.as_micros();
    line.push(b' ');
    line.extend_from_slice(number.format(micros / 1000).as_bytes());
    line.push(b'.');
    line.extend_from_slice(number.format(micros % 1000 / 100).as_bytes());
    line.extend_from_slice(b"ms activityId=");
    line.extend_from_slice(activity_id.as_bytes());
}

/// What the limits look at but the headers (`Head::count` takes each).
fn head_of(req: &ServiceRequest) -> crate::limits::Head<'_> {
    crate::limits::Head {
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

/// The method as the journal keeps it: a custom one (which may be as long
/// as the request head) is cut to `MAX_METHOD_BYTES`; `true` when cut.
fn kept_method(method: &actix_web::http::Method) -> (actix_web::http::Method, bool) {
    let bytes = method.as_str().as_bytes();
    match bytes.get(..MAX_METHOD_BYTES) {
        Some(start) if bytes.len() > MAX_METHOD_BYTES => (
            // A prefix of a method token is a method token.
            actix_web::http::Method::from_bytes(start).unwrap_or(actix_web::http::Method::OPTIONS),
            true,
        ),
        _ => (method.clone(), false),
    }
}

/// Metrics for every request; a journal entry for those `seen` captured.
fn record(
    state: &AppState,
    outcome: Outcome,
    status: u16,
    seconds: f64,
    (method, uri): (&actix_web::http::Method, &actix_web::http::Uri),
    activity_id: &Arc<str>,
    seen: Option<Seen>,
) {
    let operation = outcome
        .operation
        .map_or_else(|| endpoint_label(uri.path()), Operation::id);
    let journal_eviction = match seen {
        Some(seen) => {
            let (target, target_cut) = Target::new(uri);
            // Client-chosen values, rarely long: copied (cut) only then.
            let session_cut = outcome
                .session
                .as_deref()
                .and_then(|s| keep_str(s, MAX_ID_BYTES));
            let id_cut = keep_str(activity_id, MAX_ID_BYTES);
            let (method, method_cut) = kept_method(method);
            let truncated = seen.truncated
                || target_cut
                || method_cut
                || id_cut.is_some()
                || session_cut.is_some();
            let session = session_cut.or(outcome.session);
            let activity_id = id_cut.map_or_else(|| activity_id.clone(), Arc::from);
            state.journal().record(Entry {
                id: seen.id,
                at: seen.at,
                method,
                target,
                headers: seen.headers,
                status,
                operation: outcome.operation.map(Operation::id),
                // Errors only: a success has no scenario to copy.
                scenario: outcome.scenario.clone(),
                session,
                activity_id,
                duration_ms: (seconds * 1_000_000.0).round() / 1000.0,
                retry_after_violation: outcome.retry_after_violation,
                truncated,
            })
        }
        None => false,
    };
    state.metrics.observe(&Observation {
        operation,
        status,
        scenario: outcome.scenario.as_deref().unwrap_or(""),
        seconds,
        retry_after_violation: outcome.retry_after_violation,
        journal_eviction,
    });
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
