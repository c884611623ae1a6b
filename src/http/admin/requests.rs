//! `GET/DELETE /__admin/requests` and `GET /__admin/requests/count`: the
//! journal listed (filtered, one page at a time), counted or cleared. The
//! filter and the page are read from the query string here; the journal
//! does the matching.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::json;

use super::operation;
use crate::connector::state::AppState;
use crate::error::ApiError;
use crate::http::context::RequestContext;
use crate::observe::journal::{Filter, ViolationFilter};
use crate::request::params::QueryPairs;

/// `operation`, `status`, `scenario`, `session`, `since` (RFC 3339) and
/// `violation` (true or false: a Retry-After violation or not; contract: the
/// upstream's answer broke a contract rule) from the query string.
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
            crate::rfc3339::parse(&s)
                .map_err(|message| ApiError::invalid_request("since", &message))?,
        ),
    };
    let violation = match text("violation").as_deref() {
        None => None,
        Some("true" | "retry-after") => Some(ViolationFilter::RetryAfter(true)),
        Some("false") => Some(ViolationFilter::RetryAfter(false)),
        Some("contract") => Some(ViolationFilter::Contract),
        Some(_) => {
            return Err(ApiError::invalid_request(
                "violation",
                "must be true, false, retry-after or contract",
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
        after: None,
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
pub(super) fn filter_of(req: &HttpRequest) -> Result<Filter, ApiError> {
    filter(req)
}

pub(super) async fn list_requests(
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
    requests: &'a [crate::observe::journal::Entry],
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

pub(super) async fn count_requests(
    ctx: RequestContext,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    match filter(&req) {
        Ok(filter) => ctx.json(json!({ "count": state.journal().count(&filter) }).to_string()),
        Err(error) => ctx.error(&error),
    }
}

pub(super) async fn clear_requests(
    ctx: RequestContext,
    state: web::Data<AppState>,
) -> HttpResponse {
    let cleared = state.journal().clear();
    ctx.json(json!({ "cleared": cleared }).to_string())
}
