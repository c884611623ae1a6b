//! `GET /__admin/sequences`: where each session is in its sequences (and
//! `times=` counts), for the dashboard. The sessions keep one counter per
//! (session, trigger value), at most `MAX_SESSIONS` of them, which bounds
//! this answer too; the counters are copied out under the sessions lock and
//! the rest (parsing each trigger for its length, serializing) happens after
//! it is released, so requests wait only for the copy.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;

use crate::connector::session::MAX_SESSIONS;
use crate::connector::state::AppState;
use crate::error::Input;
use crate::http::context::RequestContext;
use crate::request::trigger::{self, Selector};

#[derive(Serialize)]
struct Position {
    session: String,
    /// The trigger value, as the request (or sticky, or data file) gave it.
    scenario: String,
    /// How many of this session's requests it answered: the index of the
    /// element the next one gets.
    position: u32,
    /// A sequence's elements, or a `times=` count; absent when unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u32>,
}

/// The elements a trigger value answers before it is used up.
fn length_of(raw: &str) -> Option<u32> {
    let trigger = trigger::parse(raw, Input::Field("scenario")).ok()?;
    match trigger.selector {
        Selector::Sequence(items) => u32::try_from(items.len()).ok(),
        Selector::One(_) => trigger.options.times,
    }
}

pub(super) async fn list_sequences(
    ctx: RequestContext,
    state: web::Data<AppState>,
) -> HttpResponse {
    let copied: Vec<(String, String, u32)> = state
        .sessions()
        .positions()
        .map(|(session, raw, answered)| (session.to_owned(), raw.to_owned(), answered))
        .collect();
    let sequences: Vec<Position> = copied
        .into_iter()
        .map(|(session, scenario, position)| Position {
            length: length_of(&scenario),
            session,
            scenario,
            position,
        })
        .collect();
    let body = json!({
        "count": sequences.len(),
        "capacity": MAX_SESSIONS,
        "sequences": sequences,
    });
    ctx.json(body.to_string())
}
