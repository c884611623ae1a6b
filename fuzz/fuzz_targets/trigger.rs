//! The trigger parser: any header/query/Prefer values must parse or fail
//! with INVALID_REQUEST, never panic; a parsed sequence is bounded.
#![no_main]

use crm_connector_mock::fuzzing::Input;
use crm_connector_mock::fuzzing::delay::{self, Delay};
use crm_connector_mock::fuzzing::trigger::{self, MAX_SEQUENCE, Selector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let (header, query, prefer) = (parts.next(), parts.next(), parts.next());
    match trigger::find(header, query, prefer) {
        Ok(Some(t)) => {
            if let Selector::Sequence(items) = &t.selector {
                assert!(items.len() <= MAX_SEQUENCE);
            }
        }
        Ok(None) => {}
        Err(e) => assert_eq!(e.code, "INVALID_REQUEST"),
    }
    if let Ok(delay) = Delay::parse(text, Input::Header("fuzz")) {
        assert!(delay.min_ms <= delay.max_ms && delay.max_ms <= delay::MAX_DELAY_MS);
    }
});
