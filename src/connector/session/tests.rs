//! Unit tests of the per-session state: sequences, Retry-After deadlines,
//! sticky scenarios and the bounds on each.

use super::*;
use crate::request::trigger;

fn t(value: &str) -> Trigger {
    trigger::parse(value, crate::error::Input::Header("test")).unwrap()
}

#[test]
fn a_sequence_answers_one_element_per_request_then_success() {
    let mut sessions = Sessions::default();
    let seq = t("429,429,500,200");
    let answers: Vec<_> = (0..6)
        .map(|_| sessions.step("s1", &seq).map(|(_, s)| s.clone()))
        .collect();
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
        Some((0, &Single::Status(429))),
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
fn a_session_over_the_byte_bound_is_kept_as_its_start_and_a_hash() {
    let hasher = std::hash::RandomState::new();
    let short = "s".repeat(MAX_SESSION_BYTES);
    assert!(matches!(map_key(&short, &hasher), Cow::Borrowed(s) if s == short));
    let long_a = format!("{}a", "é".repeat(200));
    let long_b = format!("{}b", "é".repeat(200));
    let (a, b) = (map_key(&long_a, &hasher), map_key(&long_b, &hasher));
    assert!(a.len() <= MAX_SESSION_BYTES && b.len() <= MAX_SESSION_BYTES);
    assert_ne!(a, b);
    assert_eq!(a, map_key(&long_a, &hasher), "stable");
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
        sessions.throttled_for(&s, now + Duration::from_millis(500)),
        Some(Duration::from_millis(1500))
    );
    assert_eq!(
        sessions.throttled_for(&s, now + Duration::from_secs(2)),
        None
    );
    assert_eq!(sessions.throttled_for(&other, now), None);
    let client = Throttled {
        client: Some(ClientKey::Unknown),
        session: "s".into(),
    };
    assert_eq!(sessions.throttled_for(&client, now), None);
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
        sessions.throttled_for(&s, now),
        Some(Duration::from_secs(1))
    );
    sessions.throttle(named("s"), until + Duration::from_millis(250), now);
    assert_eq!(
        sessions.throttled_for(&s, now),
        Some(Duration::from_millis(1250))
    );
    // An earlier deadline replaces a later one too.
    sessions.throttle(named("s"), now + Duration::from_millis(100), now);
    assert_eq!(
        sessions.throttled_for(&s, now),
        Some(Duration::from_millis(100))
    );
}

#[test]
fn a_full_retry_after_map_evicts_the_earliest_deadline_and_keeps_checking() {
    // Once MAX_SESSIONS unexpired entries existed, a new client's early
    // retry was never checked (200).
    let mut sessions = Sessions::default();
    let now = Instant::now();
    for i in 0..MAX_SESSIONS {
        let until = now + Duration::from_secs(10) + Duration::from_millis(i as u64);
        sessions.throttle(named(&i.to_string()), until, now);
    }
    sessions.throttle(named("new"), now + Duration::from_secs(5), now);
    let new = named("new");
    assert_eq!(
        sessions.throttled_for(&new, now),
        Some(Duration::from_secs(5))
    );
    // The EVICT_AT_ONCE earliest deadlines went, the later ones stayed.
    for (i, kept) in [
        (0, false),
        (EVICT_AT_ONCE - 1, false),
        (EVICT_AT_ONCE, true),
    ] {
        let old = named(&i.to_string());
        assert_eq!(sessions.throttled_for(&old, now).is_some(), kept, "{i}");
    }
    assert!(sessions.throttled_until.len() <= MAX_SESSIONS);
}

#[test]
fn sticky_scenarios_match_operation_and_session_and_count_down() {
    let mut sessions = Sessions::default();
    sessions.add_sticky(Sticky {
        id: 0,
        scenario: "404".into(),
        trigger: Arc::new(t("404")),
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
