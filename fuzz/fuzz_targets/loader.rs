//! The scenario/data file loader: any file text is loaded or refused with
//! located problems, through the very checks that start-up, reload and
//! `validate` run (`state::definitions`), dataset build included; never a
//! panic.
#![no_main]

use crm_connector_mock::Config;
use crm_connector_mock::fuzzing::definitions;
use crm_connector_mock::fuzzing::files::{self, DefinitionFile};
use libfuzzer_sys::fuzz_target;
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let user = match files::parse::<DefinitionFile>("fuzz.json", &text) {
        Ok(user) => user,
        Err(problem) => {
            assert!(problem.line >= 1 && problem.column >= 1);
            return;
        }
    };
    let (mut sources, problems) = files::read_all(None);
    assert!(problems.is_empty());
    sources.push(user);
    let reference = datetime!(2026-11-25 12:00:00 UTC);
    match definitions(&Config::default(), sources, reference) {
        Ok(defs) => assert!(defs.catalogue.valid_values().len() >= 6),
        Err(problems) => assert!(
            problems
                .iter()
                .all(|p| p.file == "fuzz.json" && p.line >= 1 && p.column >= 1)
        ),
    }
});
