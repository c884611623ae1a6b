//! `RequestContext`, what a handler knows of the request it serves (the
//! activityId, when it arrived), and `Outcome`, what a handler leaves for
//! the envelope to record. The context answers in the standard shapes: a
//! JSON success, or the standard error body with its outcome attached.

use std::future::{Ready, ready};
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse};

use crate::contract::Operation;
use crate::error::ApiError;
use crate::http::reply::JSON;
use crate::request::lang::Language;

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
    /// Proxy mode: the answer came from the upstream connector.
    pub upstream: bool,
    /// Proxy mode: the contract rules the upstream's answer broke.
    pub violations: Vec<crate::contract::rules::Violation>,
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
        let mut response = crate::http::reply::error(error, &self.activity_id);
        response.extensions_mut().insert(Outcome {
            scenario: Some(error.code.as_str().into()),
            ..Outcome::default()
        });
        response
    }
}

/// A UUID v4, formatted without an intermediate `String`. Its 122 random
/// bits come from fastrand (wyrand, seeded per thread): an activityId
/// correlates a request with its logs and is not a secret, so it needs no
/// cryptographic generator, whose per-call cost the benchmark showed.
pub(super) fn fresh_id() -> Arc<str> {
    let mut buffer = uuid::Uuid::encode_buffer();
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    Arc::from(&*id.hyphenated().encode_lower(&mut buffer))
}
