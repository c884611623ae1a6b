//! The ring's unit tests: eviction, arrival order across threads, pages,
//! filters.

use std::sync::Arc;

use http::Method;

use super::*;

pub(super) fn answer(status: u16, scenario: Option<&str>) -> Answer<'static> {
    Answer {
        status,
        operation: Some("scp-get-related-records"),
        scenario: scenario.map(Arc::from),
        session: Some("s".into()),
        activity_id: "a",
        ..Answer::default()
    }
}

/// Arrives as the envelope does, with no headers.
fn arrive(journal: &Journal) -> u64 {
    let uri = http::Uri::from_static("/api/related-records");
    let request = (&Method::GET, &uri);
    journal
        .arrive(SystemTime::UNIX_EPOCH, request, std::iter::empty())
        .unwrap()
}

/// Arrives and is answered at once.
fn record(journal: &Journal, answer: Answer) -> bool {
    let id = arrive(journal);
    journal.record(id, answer)
}

fn ids(journal: &Journal) -> Vec<u64> {
    let page = journal.page(&Filter::default(), 0, usize::MAX);
    page.entries.iter().map(|e| e.id).collect()
}

#[test]
fn the_journal_evicts_the_oldest_at_capacity_and_counts_evictions() {
    let journal = Journal::new(3);
    for status in [200, 429, 500, 404, 200] {
        record(&journal, answer(status, None));
    }
    assert_eq!(journal.len(), 3);
    assert_eq!(journal.evictions(), 2);
    assert_eq!(ids(&journal), [3, 4, 5]);
}

#[test]
fn entries_from_several_threads_merge_into_the_newest_capacity_by_id() {
    // Arrange: capacity 5, three threads (three rings) recording 4 each.
    let journal = Journal::new(5);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                for _ in 0..4 {
                    record(&journal, answer(200, None));
                }
            });
        }
    });
    // Act / Assert: as if there were one ring of 5.
    assert_eq!(ids(&journal), [8, 9, 10, 11, 12]);
    assert_eq!(journal.len(), 5);
    assert_eq!(journal.evictions(), 7);
    assert_eq!(journal.clear(), 5);
    record(&journal, answer(200, None));
    assert_eq!(journal.evictions(), 7, "a cleared journal has room again");
    journal.reset();
    assert_eq!(journal.evictions(), 0);
}

#[test]
fn the_capacity_bounds_the_entries_held_across_all_threads() {
    // Regression: each recording thread kept a ring of `capacity`, so
    // memory grew with the number of workers.
    let journal = Journal::new(5);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..6 {
                    record(&journal, answer(200, None));
                }
            });
        }
    });
    assert_eq!(journal.held(), 5);
    assert_eq!(journal.evictions(), 19);
}

#[test]
fn entries_are_listed_by_arrival_and_a_late_one_never_evicts_a_newer_one() {
    let journal = Journal::new(3);
    let (slow, plain) = (arrive(&journal), arrive(&journal));
    assert!(journal.is_empty(), "not listed before its answer");
    journal.record(plain, answer(200, None));
    journal.record(slow, answer(200, None));
    assert_eq!(
        ids(&journal),
        [slow, plain],
        "arrival order, not completion"
    );
    // A request in flight while three newer ones arrive and complete.
    let late = arrive(&journal);
    for _ in 0..3 {
        record(&journal, answer(200, None));
    }
    journal.record(late, answer(500, None));
    assert_eq!(ids(&journal), [4, 5, 6]);
    assert_eq!(journal.held(), 3);
    // One that arrived before a clear is not kept after it; its arrival
    // already took the slot of the oldest (4).
    let before = arrive(&journal);
    assert_eq!(ids(&journal), [5, 6]);
    assert_eq!(journal.clear(), 2);
    journal.record(before, answer(200, None));
    assert!(journal.is_empty());
}

#[test]
fn a_page_is_a_slice_of_the_matching_entries_in_arrival_order() {
    let journal = Journal::new(10);
    for status in [200, 404, 200, 200, 404, 200] {
        record(&journal, answer(status, None));
    }
    let ok = Filter {
        status: Some(200),
        ..Filter::default()
    };
    let page = journal.page(&ok, 1, 2);
    assert_eq!(page.matching, 4);
    let ids: Vec<u64> = page.entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, [3, 4]);
    assert!(journal.page(&ok, 4, 2).entries.is_empty());
}

#[test]
fn filters_combine() {
    let journal = Journal::new(10);
    record(&journal, answer(429, Some("REQUEST_THROTTLED")));
    record(&journal, answer(200, None));
    let throttled = Filter {
        scenario: Some("request_throttled".into()),
        status: Some(429),
        ..Filter::default()
    };
    assert_eq!(journal.count(&throttled), 1);
    let other_session = Filter {
        session: Some("t".into()),
        ..Filter::default()
    };
    assert_eq!(journal.count(&other_session), 0);
}

#[test]
fn a_stream_finds_a_kept_entry_by_id_and_tells_gone_from_filtered_out() {
    let journal = Journal::new(2);
    let mut subscription = journal.feed.subscribe();
    for status in [200, 429, 500] {
        record(&journal, answer(status, None));
    }
    // Published once kept, in the order kept.
    let taken = journal.feed.take(&mut subscription, 10);
    assert_eq!(taken.ids, [1, 2, 3]);
    let only_429 = Filter {
        status: Some(429),
        ..Filter::default()
    };
    let status = |e: &Entry| e.status;
    assert_eq!(journal.with_entry(1, &only_429, status), Lookup::Gone); // evicted
    assert_eq!(
        journal.with_entry(2, &only_429, status),
        Lookup::Matched(429)
    );
    assert_eq!(journal.with_entry(3, &only_429, status), Lookup::Unmatched);
    journal.clear();
    assert_eq!(
        journal.with_entry(3, &Filter::default(), status),
        Lookup::Gone
    );
}
