//! The query parser: any raw query string becomes typed values or one
//! INVALID_REQUEST naming a parameter, never a panic.
#![no_main]

use crm_connector_mock::fuzzing::Operation;
use crm_connector_mock::fuzzing::params::{ConnectorQuery, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    match Params::parse(raw) {
        Ok(params) => {
            for operation in Operation::ALL {
                match ConnectorQuery::parse(operation, &params) {
                    Ok(q) => {
                        assert!(!q.record_type.is_empty() && !q.record_id.is_empty());
                        assert!(
                            q.top.is_none_or(|t| t <= i32::MAX as u32) && q.skip <= i32::MAX as u32
                        );
                        if let (Some(s), Some(e)) = (q.start, q.end) {
                            assert!(s <= e);
                        }
                    }
                    Err(e) => {
                        assert_eq!(e.code, "INVALID_REQUEST");
                        assert!(e.details.is_some_and(|d| d.contains_key("parameter")));
                    }
                }
            }
        }
        Err(e) => assert_eq!(e.code, "INVALID_REQUEST"),
    }
});
