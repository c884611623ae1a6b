//! Accept-Language negotiation: any header picks a supported language.
#![no_main]

use crm_connector_mock::fuzzing::lang::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let language = Language::negotiate(Some(&header));
    assert!(Language::ALL.contains(&language));
});
