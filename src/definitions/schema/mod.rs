//! The schema of a definitions file: what a scenario or data file may
//! contain, each field checked as it is parsed, so a file that parses is one
//! the catalogue and the dataset can build from.
//!
//! A file is `{ "scenarios": [...], "records": [...], "expiredTokens": [...] }`;
//! every key is optional and unknown keys are errors (a typo must not be
//! ignored). The schema must not read files (`files.rs` does, and locates
//! problems) nor build anything from them (`scenario.rs`, `data.rs`).

pub mod record;
pub mod scenario;
pub mod template;
pub mod text;
pub mod when;

use serde::Deserialize;

use crate::definitions::schema::record::RecordDef;
use crate::definitions::schema::scenario::Scenario;

/// The content of one definitions file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DefinitionFile {
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
    #[serde(default)]
    pub records: Vec<RecordDef>,
    /// Bearer tokens `--auth bearer` treats as expired.
    #[serde(default)]
    pub expired_tokens: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_a_file_is_optional_and_an_unknown_one_is_an_error() {
        let empty: DefinitionFile = serde_json::from_str("{}").unwrap();
        assert!(empty.scenarios.is_empty() && empty.records.is_empty());
        assert!(empty.expired_tokens.is_empty());
        let error = serde_json::from_str::<DefinitionFile>(r#"{"scenario": []}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `scenario`"), "{error}");
    }
}
