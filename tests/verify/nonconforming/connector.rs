//! A test-only connector: an actix-web app that answers both operations
//! conformingly, unless the `Violation` it was started with breaks exactly
//! one rule. Its only record is `account/42` (7 activities, 7 records);
//! every other record is missing. Throttling is always on: the 61st
//! operation request and all after it get 429, which verify's burst (after
//! its ~40 probes) reaches about 20 requests in.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::items::item;

/// One switch per rule: what the connector does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// success.envelope: success bodies say `Content-Type: text/html` (the JSON is intact).
    HtmlSuccess,
    /// success.activity: every activity's title is "".
    EmptyTitle,
    /// success.record: no record has a recordTitle.
    NoRecordTitle,
    /// success.datetime: dateTime as the upstream example writes it, `12:50 PM, 11/11/23`.
    ExampleDate,
    /// paging.top: `top=0` reads as "the default page".
    TopZeroIgnored,
    /// paging.skip: skip is ignored (every page starts at item 0).
    SkipIgnored,
    /// paging.has-more: hasMoreResults is always false.
    NeverMore,
    /// window.dates: startDateTime/endDateTime are ignored.
    WindowIgnored,
    /// error.shape: the 404's details is a string, not an object.
    DetailsText,
    /// error.code-status: a missing recordId gets 400 RECORD_NOT_FOUND.
    NotFoundAs400,
    /// error.invalid-input: a top that is not a number reads as the default (200).
    TopTextAccepted,
    /// error.not-found: a missing record gets 200 with no items.
    MissingIsEmpty,
    /// error.auth: no Authorization header at all is let through (a bad token still is not).
    NoTokenAccepted,
    /// error.crm-mismatch: crmType is ignored (crmOrgUrl is still checked).
    CrmTypeIgnored,
    /// throttle.retry-after: the 429 has no Retry-After.
    NoRetryAfter,
    /// activity-id.echo: error bodies carry a fresh id, not x-ms-client-request-id.
    FreshActivityId,
    /// language.content: English for every Accept-Language, and no Content-Language.
    EnglishOnly,
    /// latency.budget: GetRelatedRecords with top=0 sleeps `SLOW`.
    SlowRecords,
    /// document.operations: the document declares a `connectorId` input.
    ConnectorIdInput,
    // The brief's broader examples, each with its neighbours in the table:
    /// success.envelope: success bodies carry `items`, not `value`.
    NoValue,
    /// error.shape: every error is an HTML page.
    HtmlErrors,
    /// error.code-status: the missing record gets RECORD_NOT_FOUND with 400.
    MissingAs400,
    // Two that verify does not catch (see the table):
    /// error.invalid-input: a missing recordType reads as `account` (200).
    MissingTypeAccepted,
    /// error.invalid-input: a skip that is not a non-negative integer reads as 0 (200).
    BadSkipAccepted,
}

/// How long the slow answer takes: past verify's `--budget-ms 300`.
pub const SLOW: Duration = Duration::from_millis(450);
/// Operation requests answered before throttling starts.
const THROTTLE_AFTER: usize = 60;
const ITEMS: usize = 7;
/// The default page size when no top is sent.
const DEFAULT_TOP: usize = 10;

pub struct State {
    violation: Option<Violation>,
    served: AtomicUsize,
}

impl State {
    pub fn is(&self, violation: Violation) -> bool {
        self.violation == Some(violation)
    }
}

/// A running connector; stop it with `stop`.
pub struct Connector {
    pub base: String,
    handle: ServerHandle,
}

impl Connector {
    pub async fn start(violation: Option<Violation>) -> Connector {
        let state = web::Data::new(State {
            violation,
            served: AtomicUsize::new(0),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/api/related-activities", web::get().to(activities))
                .route("/api/related-records", web::get().to(records))
                .route("/openapi.json", web::get().to(openapi))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(("127.0.0.1", 0))
        .expect("the test connector binds");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Connector {
            base: format!("http://127.0.0.1:{port}"),
            handle,
        }
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Activities,
    Records,
}

async fn activities(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    answer(Op::Activities, &req, &state).await
}

async fn records(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    answer(Op::Records, &req, &state).await
}

async fn openapi(state: web::Data<State>) -> HttpResponse {
    let doc = super::document::openapi(state.is(Violation::ConnectorIdInput));
    HttpResponse::Ok().json(doc)
}

/// The standard error body, with activityId = the sent x-ms-client-request-id.
fn error(
    req: &HttpRequest,
    state: &State,
    status: u16,
    code: &str,
    details: Value,
) -> HttpResponse {
    let sent = header(req, "x-ms-client-request-id").unwrap_or("none");
    let activity_id = if state.is(Violation::FreshActivityId) {
        format!("fresh-{}", fastrand::u64(..))
    } else {
        sent.to_owned()
    };
    let body = json!({
        "errorCode": code,
        "errorMessage": format!("{code} (test connector)"),
        "activityId": activity_id,
        "details": details,
    });
    let status = match code {
        "RECORD_NOT_FOUND" if state.is(Violation::MissingAs400) => 400,
        _ => status,
    };
    let mut response = HttpResponse::build(StatusCode::from_u16(status).expect("a status"));
    if state.is(Violation::HtmlErrors) {
        return response
            .content_type("text/html; charset=utf-8")
            .body(format!("<html><body><h1>{code}</h1></body></html>"));
    }
    response
        .content_type("application/json")
        .body(body.to_string())
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A count parameter: `Ok(None)` when absent or empty, `Err` when not a non-negative int32.
fn count(query: &[(String, String)], name: &str) -> Result<Option<usize>, ()> {
    match param(query, name) {
        None => Ok(None),
        Some(v) => match v.parse::<i32>() {
            Ok(n) if n >= 0 => Ok(Some(n as usize)),
            _ => Err(()),
        },
    }
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn instant(query: &[(String, String)], name: &str) -> Result<Option<OffsetDateTime>, ()> {
    param(query, name)
        .map(|v| OffsetDateTime::parse(v, &Rfc3339).map_err(|_| ()))
        .transpose()
}

/// What a valid request asked for.
struct Asked {
    top: Option<usize>,
    skip: Option<usize>,
    start: Option<OffsetDateTime>,
    end: Option<OffsetDateTime>,
}

/// 400 INVALID_REQUEST, boxed as `check` returns it.
fn invalid(req: &HttpRequest, state: &State, what: &str) -> Box<HttpResponse> {
    let details = json!({ "parameter": what });
    Box::new(error(req, state, 400, "INVALID_REQUEST", details))
}

/// The refusals, in the order a connector decides: throttle, auth, input,
/// CRM, record. `Err` is the answer to send instead of a page.
fn check(req: &HttpRequest, state: &State) -> Result<Asked, Box<HttpResponse>> {
    let served = state.served.fetch_add(1, Ordering::SeqCst) + 1;
    if served > THROTTLE_AFTER {
        let mut response = error(req, state, 429, "REQUEST_THROTTLED", json!({}));
        if !state.is(Violation::NoRetryAfter) {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("1"),
            );
        }
        return Err(response.into());
    }
    let authorization = header(req, "authorization");
    let let_through = authorization.is_none() && state.is(Violation::NoTokenAccepted);
    if authorization != Some("Bearer good-token") && !let_through {
        return Err(error(req, state, 401, "INVALID_TOKEN_SPECIFIED", json!({})).into());
    }
    let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let record_type = match param(&query, "recordType") {
        None if state.is(Violation::MissingTypeAccepted) => Some("account"),
        record_type => record_type,
    };
    let (Some(record_type), Some(record_id)) = (record_type, param(&query, "recordId")) else {
        if state.is(Violation::NotFoundAs400) && param(&query, "recordType").is_some() {
            return Err(error(req, state, 400, "RECORD_NOT_FOUND", json!({})).into());
        }
        return Err(invalid(req, state, "recordType or recordId"));
    };
    let top = match count(&query, "top") {
        // The violation: a top that is not a number at all reads as absent.
        Err(())
            if state.is(Violation::TopTextAccepted)
                && param(&query, "top").is_some_and(|v| v.parse::<i64>().is_err()) =>
        {
            None
        }
        Err(()) => return Err(invalid(req, state, "top")),
        Ok(top) => top,
    };
    let skip = match count(&query, "skip") {
        Err(()) if state.is(Violation::BadSkipAccepted) => None,
        skip => skip.map_err(|()| invalid(req, state, "skip"))?,
    };
    let start =
        instant(&query, "startDateTime").map_err(|()| invalid(req, state, "startDateTime"))?;
    let end = instant(&query, "endDateTime").map_err(|()| invalid(req, state, "endDateTime"))?;
    let crm_type_ok = state.is(Violation::CrmTypeIgnored)
        || param(&query, "crmType").is_none_or(|t| t == "Salesforce");
    let org_ok = param(&query, "crmOrgUrl").is_none_or(|o| o == "contoso.my.salesforce.com");
    if !crm_type_ok || !org_ok {
        return Err(error(req, state, 400, "INVALID_CRM_CONNECTION", json!({})).into());
    }
    if (record_type, record_id) != ("account", "42") {
        if state.is(Violation::MissingIsEmpty) {
            return Err(
                success(state, "en", json!({ "value": [], "hasMoreResults": false })).into(),
            );
        }
        let details = if state.is(Violation::DetailsText) {
            json!(format!("{record_type}/{record_id}"))
        } else {
            json!({ "recordType": record_type, "recordId": record_id })
        };
        return Err(error(req, state, 404, "RECORD_NOT_FOUND", details).into());
    }
    Ok(Asked {
        top,
        skip,
        start,
        end,
    })
}

/// One answer: a refusal, or the page asked for in the language asked for.
async fn answer(op: Op, req: &HttpRequest, state: &State) -> HttpResponse {
    let asked = match check(req, state) {
        Ok(asked) => asked,
        Err(response) => return *response,
    };
    if op == Op::Records && asked.top == Some(0) && state.is(Violation::SlowRecords) {
        actix_web::rt::time::sleep(SLOW).await;
    }
    let language = match header(req, "accept-language").map(|l| l.get(..2).unwrap_or(l)) {
        _ if state.is(Violation::EnglishOnly) => "en",
        Some("de") => "de",
        Some("fr") => "fr",
        _ => "en",
    };
    let mut items: Vec<(OffsetDateTime, Value)> =
        (0..ITEMS).map(|n| item(op, n, language, state)).collect();
    if op == Op::Activities && !state.is(Violation::WindowIgnored) {
        let (start, end) = (asked.start, asked.end);
        items.retain(|(at, _)| start.is_none_or(|s| *at >= s) && end.is_none_or(|e| *at <= e));
    }
    let skip = match asked.skip {
        _ if state.is(Violation::SkipIgnored) => 0,
        skip => skip.unwrap_or(0),
    };
    let top = match asked.top {
        Some(0) if state.is(Violation::TopZeroIgnored) => DEFAULT_TOP,
        top => top.unwrap_or(DEFAULT_TOP),
    };
    let page: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(top)
        .map(|(_, v)| v.clone())
        .collect();
    let more = skip + top < items.len() && !state.is(Violation::NeverMore);
    let key = if state.is(Violation::NoValue) {
        "items"
    } else {
        "value"
    };
    success(
        state,
        language,
        json!({ key: page, "hasMoreResults": more }),
    )
}

fn success(state: &State, language: &str, body: Value) -> HttpResponse {
    let kind = if state.is(Violation::HtmlSuccess) {
        "text/html; charset=utf-8"
    } else {
        "application/json"
    };
    let mut response = HttpResponse::Ok();
    response.content_type(kind);
    if !state.is(Violation::EnglishOnly) {
        response.insert_header(("Content-Language", language));
    }
    response.body(body.to_string())
}
