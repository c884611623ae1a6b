//! Rules about the answer as a whole: the latency budget (contract Part 1,
//! "each connector API should answer within 5 seconds") and the language of
//! its texts (Part 1, `Accept-Language`).

use std::time::Duration;

use super::{BUDGET, Exchange, Finding, LANGUAGE, Verdict};

/// `latency.budget`: the answer came within `limit`.
pub fn budget(x: &Exchange, limit: Duration) -> Finding {
    let took = x.got.elapsed.as_millis();
    let limit_ms = limit.as_millis();
    if x.got.elapsed <= limit {
        Finding::new(BUDGET, Verdict::Pass, format!("{} in {took} ms", x.said()))
    } else {
        Finding::new(
            BUDGET,
            Verdict::Fail,
            format!("{} in {took} ms; the budget is {limit_ms} ms", x.said()),
        )
    }
}

/// `language.content`: `other` (sent with another `Accept-Language`) has
/// other texts than `base`, or says another `Content-Language`. A warning
/// otherwise: a connector may have nothing to translate.
pub fn language(base: &Exchange, other: &Exchange) -> Option<Finding> {
    if base.got.status != 200 || other.got.status != 200 {
        return None;
    }
    let asked = other.sent.header("accept-language").unwrap_or("(none)");
    let tag = |x: &Exchange| {
        x.got
            .header("content-language")
            .map(str::to_ascii_lowercase)
    };
    let texts_differ = base.got.items()? != other.got.items()?;
    let tag_differs = tag(other).is_some() && tag(other) != tag(base);
    Some(if texts_differ || tag_differs {
        let how = if texts_differ {
            "other texts".to_owned()
        } else {
            format!(
                "Content-Language {}",
                other.got.header("content-language").unwrap_or_default()
            )
        };
        Finding::new(
            LANGUAGE,
            Verdict::Pass,
            format!("{} with Accept-Language: {asked}: {how}", other.said()),
        )
    } else {
        Finding::new(
            LANGUAGE,
            Verdict::Warn,
            format!(
                "{} with Accept-Language: {asked}: the same texts as {}, and no other Content-Language",
                other.said(),
                base.sent
                    .header("accept-language")
                    .unwrap_or("no Accept-Language")
            ),
        )
    })
}
