//! Per-session state: where each session is in its sequences, until when a
//! session was throttled (for Retry-After compliance), and the sticky
//! scenarios set through the admin API. One `Mutex<Sessions>` in `AppState`;
//! every method is short and never awaits.
//!
//! A session is the `X-Simulate-Session` header (or `simulateSession`
//! parameter) when sent, else the operation, recordType and recordId of the
//! request, so two sessions never share a counter.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::contract::Operation;
use crate::limiter::ClientKey;
use crate::trigger::{Delay, Selector, Single, Trigger};

/// At most this many sessions are remembered; the oldest is forgotten first.
pub const MAX_SESSIONS: usize = 10_000;

/// How close a new Retry-After deadline must be to the kept one to leave it.
const SAME_UNTIL: Duration = Duration::from_millis(1);

/// A scenario set through `POST /__admin/sticky` for clients that cannot set
/// headers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sticky {
    pub id: u64,
    /// The trigger value, as a header would carry it.
    pub scenario: String,
    #[serde(skip)]
    pub trigger: Trigger,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// Requests left; `None` means until cleared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// Who a Retry-After applies to: a named session (`client` is `None`), or
/// one client reading one record (`session` is then operation + record).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Throttled {
    pub client: Option<ClientKey>,
    pub session: String,
}

#[derive(Debug, Default)]
pub struct Sessions {
    /// (session, trigger value) -> requests answered so far.
    positions: HashMap<(String, String), u32>,
    order: VecDeque<(String, String)>,
    /// foldhash (randomly seeded per map) rather than SipHash: this map is
    /// read and written by every throttled answer.
    throttled_until: HashMap<Throttled, Instant, foldhash::fast::RandomState>,
    sticky: Vec<Sticky>,
    next_sticky: u64,
}

impl Sessions {
    /// The element of `trigger` that answers this request of `session`;
    /// `None` once a sequence or a `times=` count is used up (success).
    pub fn step<'t>(&mut self, session: &str, trigger: &'t Trigger) -> Option<&'t Single> {
        if let (Selector::One(single), None) = (&trigger.selector, trigger.options.times) {
            return Some(single);
        }
        let key = (session.to_owned(), trigger.raw.clone());
        let seen = match self.positions.get_mut(&key) {
            Some(count) => {
                let seen = *count;
                *count = count.saturating_add(1);
                seen
            }
            None => {
                if self.order.len() >= MAX_SESSIONS
                    && let Some(oldest) = self.order.pop_front()
                {
                    self.positions.remove(&oldest);
                }
                self.order.push_back(key.clone());
                self.positions.insert(key, 1);
                0
            }
        };
        match &trigger.selector {
            Selector::One(single) => {
                (seen < trigger.options.times.unwrap_or(u32::MAX)).then_some(single)
            }
            Selector::Sequence(items) => items.get(seen as usize),
        }
    }

    /// Time left before a client may come back, if it was throttled. The
    /// key is built only when anyone is throttled at all.
    pub fn throttled_for<'k>(
        &self,
        key: impl FnOnce() -> &'k Throttled,
        now: Instant,
    ) -> Option<Duration> {
        if self.throttled_until.is_empty() {
            return None;
        }
        let until = *self.throttled_until.get(key())?;
        (until > now).then(|| until - now)
    }

    /// Remembers that `session` was told to wait until `until`. A time within
    /// `SAME_UNTIL` of the one kept leaves the entry as it is. Rationale: a
    /// client hammering a throttled path gets thousands of answers a second,
    /// each from either worker; rewriting the entry every time moved its
    /// cache line between the cores on every answer, for a difference of
    /// microseconds on a wait given in whole seconds.
    pub fn throttle(&mut self, key: Throttled, until: Instant, now: Instant) {
        if let Some(kept) = self.throttled_until.get_mut(&key) {
            let apart = until
                .saturating_duration_since(*kept)
                .max(kept.saturating_duration_since(until));
            if apart >= SAME_UNTIL {
                *kept = until;
            }
            return;
        }
        if self.throttled_until.len() >= MAX_SESSIONS {
            self.throttled_until.retain(|_, t| *t > now);
        }
        if self.throttled_until.len() < MAX_SESSIONS {
            self.throttled_until.insert(key, until);
        }
    }

    /// The first sticky scenario for this operation and session, counting it.
    pub fn take_sticky(
        &mut self,
        operation: Operation,
        session: &str,
    ) -> Option<(Trigger, Option<Delay>)> {
        let index = self.sticky.iter().position(|s| {
            s.operation.is_none_or(|o| o == operation.id())
                && s.session.as_deref().is_none_or(|x| x == session)
        })?;
        let sticky = self.sticky.get_mut(index)?;
        let found = (sticky.trigger.clone(), sticky.delay_ms.map(Delay::fixed));
        if let Some(remaining) = sticky.remaining.as_mut() {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                self.sticky.remove(index);
            }
        }
        Some(found)
    }

    pub fn add_sticky(&mut self, mut sticky: Sticky) -> Sticky {
        self.next_sticky += 1;
        sticky.id = self.next_sticky;
        self.sticky.push(sticky.clone());
        sticky
    }

    /// No sticky scenario and no throttled session.
    pub fn is_idle(&self) -> bool {
        self.sticky.is_empty() && self.throttled_until.is_empty()
    }

    pub fn sticky(&self) -> &[Sticky] {
        &self.sticky
    }

    /// Clears the sticky scenarios; returns how many there were.
    pub fn clear_sticky(&mut self) -> usize {
        std::mem::take(&mut self.sticky).len()
    }

    /// Forgets sequences, throttling and sticky scenarios.
    pub fn reset(&mut self) {
        let next_sticky = self.next_sticky;
        *self = Sessions::default();
        self.next_sticky = next_sticky;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger;

    fn t(value: &str) -> Trigger {
        trigger::parse(value, crate::error::Input::Header("test")).unwrap()
    }

    #[test]
    fn a_sequence_answers_one_element_per_request_then_success() {
        let mut sessions = Sessions::default();
        let seq = t("429,429,500,200");
        let answers: Vec<_> = (0..6).map(|_| sessions.step("s1", &seq).cloned()).collect();
        assert_eq!(
            answers,
            [
                Some(Single::Status(429)),
                Some(Single::Status(429)),
                Some(Single::Status(500)),
                Some(Single::Status(200)),
                None,
                None
            ]
        );
        assert_eq!(
            sessions.step("s2", &seq),
            Some(&Single::Status(429)),
            "sessions do not share counters"
        );
    }

    #[test]
    fn times_fails_n_times_then_succeeds() {
        let mut sessions = Sessions::default();
        let trigger = t("503; times=2");
        let answers: Vec<_> = (0..3)
            .map(|_| sessions.step("s", &trigger).is_some())
            .collect();
        assert_eq!(answers, [true, true, false]);
        sessions.reset();
        assert!(sessions.step("s", &trigger).is_some(), "reset starts over");
    }

    #[test]
    fn the_number_of_remembered_sessions_is_bounded() {
        let mut sessions = Sessions::default();
        let seq = t("500,200");
        for i in 0..MAX_SESSIONS + 10 {
            sessions.step(&i.to_string(), &seq);
        }
        assert_eq!(sessions.positions.len(), MAX_SESSIONS);
    }

    fn named(session: &str) -> Throttled {
        Throttled {
            client: None,
            session: session.into(),
        }
    }

    #[test]
    fn throttling_is_remembered_until_it_expires() {
        let mut sessions = Sessions::default();
        let now = Instant::now();
        sessions.throttle(named("s"), now + Duration::from_secs(2), now);
        let (s, other) = (named("s"), named("other"));
        assert_eq!(
            sessions.throttled_for(|| &s, now + Duration::from_millis(500)),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            sessions.throttled_for(|| &s, now + Duration::from_secs(2)),
            None
        );
        assert_eq!(sessions.throttled_for(|| &other, now), None);
        let client = Throttled {
            client: Some(ClientKey::Unknown),
            session: "s".into(),
        };
        assert_eq!(sessions.throttled_for(|| &client, now), None);
    }

    #[test]
    fn a_deadline_within_a_millisecond_of_the_kept_one_leaves_it_and_a_later_one_replaces_it() {
        let mut sessions = Sessions::default();
        let now = Instant::now();
        let until = now + Duration::from_secs(1);
        let s = named("s");
        sessions.throttle(named("s"), until, now);
        sessions.throttle(named("s"), until + Duration::from_micros(500), now);
        assert_eq!(
            sessions.throttled_for(|| &s, now),
            Some(Duration::from_secs(1))
        );
        sessions.throttle(named("s"), until + Duration::from_millis(250), now);
        assert_eq!(
            sessions.throttled_for(|| &s, now),
            Some(Duration::from_millis(1250))
        );
        // An earlier deadline replaces a later one too.
        sessions.throttle(named("s"), now + Duration::from_millis(100), now);
        assert_eq!(
            sessions.throttled_for(|| &s, now),
            Some(Duration::from_millis(100))
        );
    }

    #[test]
    fn sticky_scenarios_match_operation_and_session_and_count_down() {
        let mut sessions = Sessions::default();
        sessions.add_sticky(Sticky {
            id: 0,
            scenario: "404".into(),
            trigger: t("404"),
            operation: Some(Operation::RelatedRecords.id()),
            remaining: Some(2),
            session: None,
            delay_ms: None,
        });
        assert!(
            sessions
                .take_sticky(Operation::RelatedActivities, "s")
                .is_none()
        );
        assert!(
            sessions
                .take_sticky(Operation::RelatedRecords, "s")
                .is_some()
        );
        assert!(
            sessions
                .take_sticky(Operation::RelatedRecords, "s")
                .is_some()
        );
        assert!(
            sessions
                .take_sticky(Operation::RelatedRecords, "s")
                .is_none(),
            "count used up"
        );
    }
}
