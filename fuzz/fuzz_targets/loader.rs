//! The scenario/data file loader: any file text is loaded or refused with a
//! located problem; a loaded catalogue still answers every status it claims.
#![no_main]

use crm_connector_mock::files::{self, DefinitionFile};
use crm_connector_mock::scenario::Catalogue;
use libfuzzer_sys::fuzz_target;

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
    match Catalogue::build(&sources, files::EMBEDDED.len()) {
        Ok(catalogue) => assert!(catalogue.valid_values().len() >= 6),
        Err(problems) => assert!(
            problems
                .iter()
                .all(|p| p.file == "fuzz.json" && p.line >= 1)
        ),
    }
});
