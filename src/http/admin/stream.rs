//! `GET /__admin/requests/stream`: the journal as server-sent events
//! (`text/event-stream`), for a live dashboard. Each recorded entry that
//! matches the same filters as `GET /__admin/requests` is an event
//! `id: <entry id>`, `event: request`, `data: <the entry as the listing
//! writes it>`. A client that reconnects with `Last-Event-ID` first gets the
//! kept entries after that id. A client that falls behind the feed's ring
//! (`journal::feed::CAPACITY` entries) gets `event: missed` with how many it
//! lost, and goes on; it never slows the requests being recorded. A comment
//! line every `KEEP_ALIVE` keeps idle connections open through proxies, and
//! is how a page that went away is noticed: the write fails and the stream
//! ends, rather than holding a graceful stop for `--shutdown-timeout`.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{StreamExt, stream};

use super::requests::{MAX_PAGE, filter_of};
use crate::connector::state::AppState;
use crate::http::context::RequestContext;
use crate::observe::journal::Entry;
use crate::observe::journal::feed::Next;

const KEEP_ALIVE: Duration = Duration::from_secs(1);

fn event(entry: &Entry) -> Bytes {
    let data = serde_json::to_string(entry).unwrap_or_default();
    Bytes::from(format!(
        "id: {}\nevent: request\ndata: {data}\n\n",
        entry.id
    ))
}

fn missed(count: u64) -> Bytes {
    Bytes::from(format!("event: missed\ndata: {{\"missed\":{count}}}\n\n"))
}

pub(super) async fn stream_requests(
    ctx: RequestContext,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let mut filter = match filter_of(&req) {
        Ok(filter) => filter,
        Err(error) => return ctx.error(&error),
    };
    let resume = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // Subscribed before the backlog is read, so no entry falls between them;
    // one in both is sent once (`seen`).
    let subscription = state.journal().feed.subscribe();
    let backlog = match resume {
        Some(after) => {
            filter.after = Some(after);
            state.journal().page(&filter, 0, MAX_PAGE).entries
        }
        None => Vec::new(),
    };
    filter.after = None;
    let seen = backlog.last().map(|e| e.id);
    let first = stream::iter(backlog.iter().map(event).collect::<Vec<_>>());
    let live = stream::unfold(
        (subscription, filter, seen),
        |(mut subscription, filter, seen)| async move {
            loop {
                let next = actix_web::rt::time::timeout(KEEP_ALIVE, subscription.next()).await;
                let bytes = match next {
                    Err(_) => Bytes::from_static(b": keep-alive\n\n"),
                    Ok(Next::Entry(entry)) => {
                        if seen.is_some_and(|s| entry.id <= s) || !filter.matches(&entry) {
                            continue;
                        }
                        event(&entry)
                    }
                    Ok(Next::Missed(count)) => missed(count),
                    Ok(Next::Closed) => return None,
                };
                return Some((bytes, (subscription, filter, seen)));
            }
        },
    );
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .streaming(first.chain(live).map(Ok::<_, Infallible>))
}
