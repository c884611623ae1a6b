//! Turns a connector `Decision` into the HTTP answer, once its delay is over
//! (`api::operation` waits asynchronously, so a thousand delayed requests
//! cost no worker): the body, the error, or the transport fault.
//!
//! How the faults are made with actix-web:
//! - `CONNECTION_RESET` / `EMPTY_RESPONSE`: the response body is a stream whose
//!   first poll fails. actix encodes the head into its write buffer, sees the
//!   body error in the same poll, and drops the connection before flushing,
//!   so no byte reaches the client. For a reset, `SO_LINGER` is set to 0
//!   first, so the close is an RST rather than a FIN.
//!   Over h2 actix sends the head before it polls the body, and a body error
//!   ends only the stream; so the connection under it is reset
//!   (`ConnectionFd::reset_now`) or ended (`end_now`) first, with every
//!   stream on it, as a real broken connection would.
//! - `TRUNCATED_BODY`: a sized body whose stream yields half the bytes, waits
//!   long enough for actix to flush them, then fails: the client holds a
//!   `Content-Length` that was never met.
//! - `SLOW_BODY`: a sized body sent in ten chunks with a pause between them.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BodyStream, SizedStream};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use futures_util::{StreamExt, stream};

use crate::connector::{Body, Decision, Success};
use crate::contract::Operation;
use crate::definitions::fault::Fault;
use crate::http::context::{Outcome, RequestContext};
use crate::http::socket::ConnectionFd;
use crate::request::lang::Language;

/// A body error: what actix sees when a faulty body stream fails.
#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by a simulated transport fault")
    }
}

impl std::error::Error for Cut {}

/// How long a truncated body waits before cutting, so the first half is
/// flushed first.
const FLUSH_PAUSE: Duration = Duration::from_millis(100);
const SLOW_BODY_CHUNKS: usize = 10;
/// Not valid JSON: a success body cut mid-object, closed with a stray brace.
const MALFORMED_JSON: &str = r#"{"value": [{"title": "Contract signed", "description": "Contoso signed the renewal", "dateTime": "#;

/// The answer once any delay is over (the caller waits it out).
pub fn respond(
    ctx: &RequestContext,
    req: &HttpRequest,
    operation: Operation,
    decision: Decision,
) -> HttpResponse {
    let fault = decision.fault.map(|f| Arc::from(f.name()));
    // The scenario, for logs, journal and metrics: the errorCode sent, else
    // the fault's name.
    let (response, scenario) = match (decision.result, decision.fault) {
        // Not `ctx.error`: the outcome below says more.
        (Err(error), _) => (
            crate::http::reply::rendered(&error, &ctx.activity_id),
            Some(error.code.clone()),
        ),
        (Ok(Body::Page(success)), None | Some(Fault::Timeout)) => {
            (ctx.success(success.body, success.language), fault)
        }
        (Ok(Body::Page(success)), Some(f)) => (faulty(req, f, success, decision.interval), fault),
        // `api::operation` fetches the upstream's answer before this.
        (Ok(Body::Upstream(_)), _) => (
            ctx.error(&crate::error::ApiError::internal(
                "the upstream answer was not fetched",
            )),
            None,
        ),
    };
    // The request's extension map already exists (the context is in it);
    // the response's would be allocated for this alone.
    req.extensions_mut().insert(Outcome {
        operation: Some(operation),
        scenario,
        session: decision.session,
        retry_after_violation: decision.retry_after_violation,
        ..Outcome::default()
    });
    response
}

fn json_ok(language: Language) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .content_type(crate::http::reply::JSON)
        .insert_header((header::CONTENT_LANGUAGE, language.tag()));
    builder
}

pub fn faulty(
    req: &HttpRequest,
    fault: Fault,
    success: Success,
    interval: Duration,
) -> HttpResponse {
    let language = success.language;
    let body = success.body;
    let declared = body.len() as u64;
    match fault {
        Fault::ConnectionReset | Fault::EmptyResponse => {
            let h2 = req.version() == actix_web::http::Version::HTTP_2;
            if let Some(socket) = req.conn_data::<ConnectionFd>() {
                match (fault, h2) {
                    (Fault::ConnectionReset, false) => socket.set_zero_linger(),
                    (Fault::ConnectionReset, true) => socket.reset_now(),
                    (_, true) => socket.end_now(),
                    (_, false) => {}
                }
            }
            let cut = stream::once(async { Err::<Bytes, _>(Cut) });
            HttpResponse::Ok().body(BodyStream::new(cut))
        }
        Fault::EmptyBody => json_ok(language).body(Bytes::new()),
        Fault::MalformedJson => json_ok(language).body(MALFORMED_JSON),
        Fault::TruncatedBody => {
            let half = body.slice(..body.len() / 2);
            let chunks = stream::iter([Ok::<_, Cut>(half)]).chain(stream::once(async {
                actix_web::rt::time::sleep(FLUSH_PAUSE).await;
                Err(Cut)
            }));
            json_ok(language).body(SizedStream::new(declared, chunks))
        }
        Fault::SlowBody => {
            let size = body.len().div_ceil(SLOW_BODY_CHUNKS).max(1);
            let pieces: Vec<Bytes> = (0..body.len())
                .step_by(size)
                .map(|i| body.slice(i..(i + size).min(body.len())))
                .collect();
            let chunks =
                stream::iter(pieces.into_iter().enumerate()).then(move |(i, piece)| async move {
                    if i > 0 {
                        actix_web::rt::time::sleep(interval).await;
                    }
                    Ok::<_, Cut>(piece)
                });
            json_ok(language).body(SizedStream::new(declared, chunks))
        }
        // The delay already happened; the answer itself is normal.
        Fault::Timeout => json_ok(language).body(body),
    }
}
