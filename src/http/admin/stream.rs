//! `GET /__admin/requests/stream`: the journal as server-sent events
//! (`text/event-stream`), for a live dashboard. Each recorded entry that
//! matches the same filters as `GET /__admin/requests` is an event
//! `id: <entry id>`, `event: request`, `data: <the entry as the listing
//! writes it>`. A client that reconnects with `Last-Event-ID` first gets the
//! kept entries after that id (the newest `MAX_PAGE` of them, after an
//! `event: missed` for the older ones).
//!
//! The request path does not wait for a stream, nor work for one beyond
//! handing the feed an id (`journal::feed`): each stream wakes every `TICK`,
//! takes at most `BATCH` ids kept since its last visit, reads and serializes
//! those entries itself and writes them as one chunk of at most `MAX_CHUNK`
//! bytes. A stream that falls behind the feed's ring (`feed::CAPACITY` ids)
//! gets `event: missed` with how many it lost, and goes on. A comment line
//! after `KEEP_ALIVE` without events keeps idle connections open through
//! proxies, and is how a page that went away is noticed: the write fails
//! and the stream ends, rather than holding a graceful stop for
//! `--shutdown-timeout`; when the server stops, every stream ends at its
//! next visit.

use std::convert::Infallible;
use std::io::Write;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::BufMut;
use futures_util::{StreamExt, stream};

use super::requests::{MAX_PAGE, filter_of};
use crate::connector::state::AppState;
use crate::http::context::RequestContext;
use crate::observe::journal::feed::Subscription;
use crate::observe::journal::{Entry, Filter, Lookup};

/// How often a stream comes by for what was kept meanwhile: events reach a
/// page at most this late, and one stream costs at most ten visits a second.
const TICK: Duration = Duration::from_millis(100);
/// Entries a stream sends per visit at most (10 visits a second: more than a
/// person can read); what a busier server keeps waits in the feed's ring, or
/// is missed.
const BATCH: usize = 128;
/// The most bytes one visit writes (it stops at the entry that passes it).
const MAX_CHUNK: usize = 256 * 1024;
const KEEP_ALIVE: Duration = Duration::from_secs(1);

fn write_event(out: &mut BytesMut, entry: &Entry) {
    let mut writer = out.writer();
    let _ = write!(writer, "id: {}\nevent: request\ndata: ", entry.id);
    let _ = serde_json::to_writer(&mut writer, entry);
    let _ = writer.write_all(b"\n\n");
}

fn write_missed(out: &mut BytesMut, count: u64) {
    let _ = write!(
        out.writer(),
        "event: missed\ndata: {{\"missed\":{count}}}\n\n"
    );
}

/// One stream between visits.
struct Live {
    state: web::Data<AppState>,
    subscription: Subscription,
    filter: Filter,
    /// The newest id the backlog sent, so none is sent twice.
    seen: Option<u64>,
    idle: Duration,
}

impl Live {
    /// What was kept since the last visit, as events; `None` when nothing was.
    fn visit(&mut self) -> Option<Bytes> {
        let journal = self.state.journal();
        let taken = journal.feed.take(&mut self.subscription, BATCH);
        let (mut events, mut missed) = (BytesMut::new(), taken.missed);
        for (sent, &id) in taken.ids.iter().enumerate() {
            if events.len() >= MAX_CHUNK {
                self.subscription.give_back(taken.ids.len() - sent);
                break;
            }
            if self.seen.is_some_and(|s| id <= s) {
                continue;
            }
            let written = journal.with_entry(id, &self.filter, |e| write_event(&mut events, e));
            if written == Lookup::Gone {
                missed += 1;
            }
        }
        if missed == 0 {
            return (!events.is_empty()).then(|| events.freeze());
        }
        let mut out = BytesMut::with_capacity(events.len() + 40);
        write_missed(&mut out, missed);
        out.extend_from_slice(&events);
        Some(out.freeze())
    }
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
    let mut first = BytesMut::new();
    let mut seen = None;
    if let Some(after) = resume {
        filter.after = Some(after);
        let matching = state.journal().count(&filter);
        let skipped = matching.saturating_sub(MAX_PAGE);
        if skipped > 0 {
            write_missed(&mut first, skipped as u64);
        }
        let page = state.journal().page(&filter, skipped, MAX_PAGE);
        for entry in &page.entries {
            write_event(&mut first, entry);
        }
        seen = page.entries.last().map(|e| e.id);
        filter.after = None;
    }
    let first = stream::iter((!first.is_empty()).then(|| first.freeze()));
    let live = Live {
        state,
        subscription,
        filter,
        seen,
        idle: Duration::ZERO,
    };
    let live = stream::unfold(live, |mut live| async move {
        loop {
            actix_web::rt::time::sleep(TICK).await;
            if live.state.journal().feed.is_closed() {
                return None; // the server is stopping
            }
            if let Some(events) = live.visit() {
                live.idle = Duration::ZERO;
                return Some((events, live));
            }
            live.idle += TICK;
            if live.idle >= KEEP_ALIVE {
                live.idle = Duration::ZERO;
                return Some((Bytes::from_static(b": keep-alive\n\n"), live));
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .streaming(first.chain(live).map(Ok::<_, Infallible>))
}
