//! Paging and the time window: `top`, `skip`, `hasMoreResults`,
//! `startDateTime`/`endDateTime` (contract Part 1, parameters and success
//! body). `top` and `window` judge one answer; `skip` and `has_more` judge
//! an answer against another one the prober asked for.

use serde_json::Value;

use super::{Exchange, Finding, HAS_MORE, SKIP, TOP, Verdict, WINDOW};
use crate::contract::Operation;

/// `paging.top`: a 200 to `top=N` holds at most N items.
pub fn top(x: &Exchange) -> Option<Finding> {
    let limit = x.sent.count("top")?;
    let items = x.got.items().filter(|_| x.got.status == 200)?;
    Some(if items.len() <= limit {
        Finding::new(
            TOP,
            Verdict::Pass,
            format!("{} with {} item(s)", x.said(), items.len()),
        )
    } else {
        Finding::new(
            TOP,
            Verdict::Fail,
            format!(
                "{} with {} items; expected at most {limit}",
                x.said(),
                items.len()
            ),
        )
    })
}

/// `window.dates`: every activity of a 200 lies inside the window sent.
pub fn window(x: &Exchange) -> Option<Finding> {
    if x.sent.operation? != Operation::RelatedActivities || x.got.status != 200 {
        return None;
    }
    let bound = |name| {
        x.sent
            .param(name)
            .and_then(|v| crate::rfc3339::parse(v).ok())
    };
    let (start, end) = (bound("startDateTime"), bound("endDateTime"));
    if start.is_none() && end.is_none() {
        return None;
    }
    let items = x.got.items()?;
    for (i, item) in items.iter().enumerate() {
        let Some(text) = item.get("dateTime").and_then(Value::as_str) else {
            continue;
        };
        let Ok(at) = crate::rfc3339::parse(text) else {
            continue; // success.datetime says so
        };
        if start.is_some_and(|s| at < s) || end.is_some_and(|e| at > e) {
            return Some(Finding::new(
                WINDOW,
                Verdict::Fail,
                format!(
                    "{}; item {i} dateTime {text} lies outside the window",
                    x.said()
                ),
            ));
        }
    }
    Some(Finding::new(
        WINDOW,
        Verdict::Pass,
        format!("{}: {} item(s) inside the window", x.said(), items.len()),
    ))
}

/// `paging.skip`: `page` (skip=S, top=T) holds the items S..S+T of `whole`
/// (no skip, a top of at least S+T), in order.
pub fn skip(whole: &Exchange, page: &Exchange) -> Finding {
    let start = page.sent.count("skip").unwrap_or(0);
    let size = page.sent.count("top").unwrap_or(0);
    let (Some(all), Some(items)) = (whole.got.items(), page.got.items()) else {
        return Finding::new(
            SKIP,
            // success.envelope says what is wrong with them.
            Verdict::Skip,
            format!(
                "{} and {}: no two success bodies to compare",
                whole.said(),
                page.said()
            ),
        );
    };
    if all.len() <= start {
        return Finding::new(
            SKIP,
            Verdict::Skip,
            format!(
                "{} holds {} item(s): too few to see a page after skip={start}",
                whole.said(),
                all.len()
            ),
        );
    }
    let want = all
        .get(start..all.len().min(start + size))
        .unwrap_or_default();
    // A connector may cap a page below what was asked ("at most N"): only
    // the items both answers hold are compared, and a page must not be empty
    // where the whole list has items.
    let both = items.len().min(want.len());
    let same = items.get(..both) == want.get(..both) && (both > 0 || want.is_empty());
    if same {
        Finding::new(
            SKIP,
            Verdict::Pass,
            format!(
                "{} starts at item {start} of {}",
                page.said(),
                whole.sent.target
            ),
        )
    } else {
        let first = items.iter().zip(want).position(|(a, b)| a != b);
        let at = first.map_or_else(
            || format!("{} items, expected {}", items.len(), want.len()),
            |i| format!("item {i} differs from item {} there", start + i),
        );
        Finding::new(
            SKIP,
            Verdict::Fail,
            format!(
                "{}; expected items {start}.. of {}: {at}",
                page.said(),
                whole.sent.target
            ),
        )
    }
}

/// `paging.has-more`: `page` says hasMoreResults exactly when `next`, the
/// page after it, holds items. An absent flag is fine at the end, and a
/// warning while items remain (it is optional upstream, but then a client
/// cannot tell that more exist).
pub fn has_more(page: &Exchange, next: &Exchange) -> Option<Finding> {
    let said = page
        .got
        .json
        .as_ref()?
        .get("hasMoreResults")
        .and_then(Value::as_bool);
    page.got.items()?;
    let remain = !next.got.items()?.is_empty();
    let flag = said.unwrap_or(false);
    let shown = said.map_or("absent".to_owned(), |b| b.to_string());
    if said.is_none() && remain {
        return Some(Finding::new(
            HAS_MORE,
            Verdict::Warn,
            format!(
                "{}: hasMoreResults absent while items remain ({}); a client cannot tell more exist",
                page.said(),
                next.sent.target
            ),
        ));
    }
    Some(if flag == remain {
        Finding::new(
            HAS_MORE,
            Verdict::Pass,
            format!("{}: hasMoreResults {shown}", page.said()),
        )
    } else {
        let after = if remain {
            "items remain"
        } else {
            "no items remain"
        };
        Finding::new(
            HAS_MORE,
            Verdict::Fail,
            format!(
                "{}: hasMoreResults {shown}, but {after} ({})",
                page.said(),
                next.sent.target
            ),
        )
    })
}
