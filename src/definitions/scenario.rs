//! The scenario catalogue: the entries of every file merged in order, and
//! how a trigger's selector resolves to one (an error scenario, a transport
//! fault, or success). What one entry is and answers lives in
//! `schema/scenario.rs`, its templates in `schema/template.rs`; this module
//! must not parse a file itself (`files.rs` does).
//!
//! The six documented scenarios live in `scenarios/catalogue.json` (embedded);
//! users add their own in the same format. A user entry may redefine a
//! built-in errorCode, or claim a status number another entry answers, only
//! with `"override": true`; otherwise loading fails with the file and
//! position. Placeholders are a closed set checked when the file is read.

use std::collections::HashMap;

use http::header;

use crate::definitions::fault::Fault;
use crate::definitions::files::{Problem, Source};
use crate::definitions::schema::DefinitionFile;
use crate::definitions::schema::scenario::{Scenario, retry_after_seconds};
use crate::error::ApiError;
use crate::request::trigger::{MAX_RETRY_AFTER_SECS, Selector, Single};

/// The loaded catalogue: entries in definition order, and who answers which
/// status number.
#[derive(Debug, Clone)]
pub struct Catalogue {
    scenarios: Vec<Scenario>,
    /// foldhash, not SipHash: looked up twice by every status trigger, and
    /// its keys come from the definitions, not from clients.
    by_status: HashMap<u16, usize, foldhash::fast::FixedState>,
}

impl Catalogue {
    /// Builds the catalogue from parsed files in order (embedded first). The
    /// first file is the built-in catalogue: its entries need no `override`.
    pub fn build(
        sources: &[Source<DefinitionFile>],
        builtin_files: usize,
    ) -> Result<Catalogue, Vec<Problem>> {
        let mut scenarios: Vec<Scenario> = Vec::new();
        let mut by_status = HashMap::default();
        let mut problems = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            let builtin = index < builtin_files;
            for (nth, scenario) in source.content.scenarios.iter().enumerate() {
                let code = scenario.code();
                let same_code = source.content.scenarios[..nth]
                    .iter()
                    .filter(|s| s.code() == code)
                    .count();
                problems.extend(retry_after_problems(source, scenario, same_code));
                if Fault::from_name(code).is_some() {
                    problems.push(source.problem_at(
                        &format!("\"{code}\""),
                        0,
                        format!("errorCode {code} is reserved for a transport fault"),
                    ));
                    continue;
                }
                let existing = scenarios.iter().position(|s| s.code() == code);
                if let Some(i) = existing {
                    if builtin || !scenario.overrides {
                        let nth = source
                            .text
                            .matches(&format!("\"{code}\""))
                            .count()
                            .saturating_sub(1);
                        problems.push(source.problem_at(
                            &format!("\"{code}\""),
                            nth,
                            format!(
                                "errorCode {code} is already defined; set \"override\": true to replace it"
                            ),
                        ));
                        continue;
                    }
                    by_status.retain(|_, v| *v != i);
                    scenarios[i] = scenario.clone();
                } else {
                    scenarios.push(scenario.clone());
                }
                let position = existing.unwrap_or(scenarios.len() - 1);
                if scenario.answers_status {
                    let status = scenario.status.0;
                    if let Some(&other) = by_status.get(&status)
                        && other != position
                        && !scenario.overrides
                    {
                        problems.push(source.problem_at(
                            &format!("\"{code}\""),
                            0,
                            format!(
                                "status {status} is already answered by {}; set \"override\": true to take it over",
                                scenarios.get(other).map_or("another scenario", Scenario::code)
                            ),
                        ));
                        continue;
                    }
                    by_status.insert(status, position);
                }
            }
        }
        match problems.is_empty() {
            true => Ok(Catalogue {
                scenarios,
                by_status,
            }),
            false => Err(problems),
        }
    }

    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    pub fn get(&self, code: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.code() == code)
    }

    /// Every accepted trigger value: codes, fault names, then status numbers
    /// (and `200`).
    pub fn valid_values(&self) -> Vec<String> {
        let mut statuses: Vec<u16> = self.by_status.keys().copied().collect();
        statuses.push(200);
        statuses.sort_unstable();
        self.scenarios
            .iter()
            .map(|s| s.code().to_owned())
            .chain(Fault::ALL.iter().map(|f| f.name().to_owned()))
            .chain(statuses.into_iter().map(|s| s.to_string()))
            .collect()
    }

    /// What one selector element answers.
    pub fn resolve(&self, single: &Single, raw: &str) -> Result<Resolved<'_>, ApiError> {
        let found = match single {
            Single::Status(200) => return Ok(Resolved::Success),
            Single::Status(status) => self
                .by_status
                .get(status)
                .and_then(|&i| self.scenarios.get(i)),
            Single::Code(code) => {
                if let Some(fault) = Fault::from_name(code) {
                    return Ok(Resolved::Fault(fault));
                }
                self.get(code)
            }
        };
        found
            .map(Resolved::Error)
            .ok_or_else(|| ApiError::unknown_scenario(raw, self.valid_values()))
    }

    /// Resolves every element of a selector, so an unknown one is reported
    /// on the first request, not halfway through a sequence.
    pub fn check(&self, selector: &Selector, raw: &str) -> Result<(), ApiError> {
        match selector {
            Selector::One(single) => self.resolve(single, raw).map(|_| ()),
            Selector::Sequence(items) => items
                .iter()
                .try_for_each(|i| self.resolve(i, raw).map(|_| ())),
        }
    }
}

/// A `retryAfter` or fixed `Retry-After` header over `MAX_RETRY_AFTER_SECS`
/// (or not whole seconds), located at the field after the scenario's
/// errorCode (its `nth` occurrence in the file).
fn retry_after_problems(
    source: &Source<DefinitionFile>,
    scenario: &Scenario,
    nth: usize,
) -> Vec<Problem> {
    let code = scenario.code();
    let at = |needle: &str, message: String| {
        let code_needle = format!("\"{code}\"");
        let start = source
            .text
            .match_indices(&code_needle)
            .nth(nth)
            .map_or(0, |(i, _)| i);
        match source.text[start..].find(needle) {
            Some(found) => {
                let before = source.text[..start + found].matches(needle).count();
                source.problem_at(needle, before, message)
            }
            None => source.problem_at(&code_needle, nth, message),
        }
    };
    let mut problems = Vec::new();
    if let Some(seconds) = scenario.retry_after
        && seconds > MAX_RETRY_AFTER_SECS
    {
        problems.push(at(
            "\"retryAfter\"",
            format!(
                "{code}: retryAfter {seconds} is over the maximum of {MAX_RETRY_AFTER_SECS} seconds"
            ),
        ));
    }
    for (name, template) in &scenario.headers {
        let fixed = template.first_var().is_none();
        if name.name() == header::RETRY_AFTER
            && fixed
            && retry_after_seconds(template.source()).is_none()
        {
            let plain = !template.source().contains(['"', '\\']);
            let needle = match plain {
                true => format!("\"{}\"", template.source()),
                false => format!("\"{}\"", name.text()),
            };
            problems.push(at(
                &needle,
                format!(
                    "{code}: header {} must be whole seconds from 0 to {MAX_RETRY_AFTER_SECS}, not '{}'",
                    name.text(), template.source()
                ),
            ));
        }
    }
    problems
}

/// What a trigger element answers.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    Success,
    Error(&'a Scenario),
    Fault(Fault),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::schema::scenario::Scenario;
    use crate::definitions::schema::template::Vars;
    use crate::request::trigger::Options;
    use http::header::HeaderValue;

    fn error<'a>(r: Result<Resolved<'a>, ApiError>) -> Option<&'a Scenario> {
        match r.unwrap() {
            Resolved::Error(s) => Some(s),
            _ => None,
        }
    }
    use crate::definitions::files;

    fn embedded() -> Catalogue {
        let (sources, problems) = files::read_all(None);
        assert!(problems.is_empty(), "{problems:?}");
        Catalogue::build(&sources, files::EMBEDDED.len()).unwrap()
    }

    #[test]
    fn embedded_catalogue_has_every_documented_scenario_with_its_status() {
        let catalogue = embedded();
        let table = [
            ("INVALID_CRM_CONNECTION", 400),
            ("RECORD_NOT_FOUND", 404),
            ("INVALID_TOKEN_SPECIFIED", 401),
            ("INSUFFICIENT_PERMISSIONS", 403),
            ("REQUEST_THROTTLED", 429),
            ("INTERNAL_SERVER_ERROR", 500),
        ];
        for (code, status) in table {
            let by_code = error(catalogue.resolve(&Single::Code(code.into()), code)).unwrap();
            assert_eq!(by_code.status.0, status, "{code}");
            let by_status = error(catalogue.resolve(&Single::Status(status), "")).unwrap();
            assert_eq!(by_status.code(), code, "{status}");
        }
        assert!(matches!(
            catalogue.resolve(&Single::Status(200), "200"),
            Ok(Resolved::Success)
        ));
        assert!(matches!(
            catalogue.resolve(&Single::Code("slow_body".into()), "slow_body"),
            Ok(Resolved::Fault(Fault::SlowBody))
        ));
    }

    #[test]
    fn every_embedded_scenario_code_is_one_the_metrics_label_without_allocating() {
        for scenario in embedded().scenarios() {
            assert!(
                crate::contract::ERROR_CODES.contains(&scenario.code()),
                "{} is missing from contract::ERROR_CODES",
                scenario.code()
            );
        }
    }

    #[test]
    fn unknown_selector_lists_valid_values() {
        let err = embedded().resolve(&Single::Status(418), "418").unwrap_err();
        assert_eq!(err.code, "UNKNOWN_SCENARIO");
        let values = err.details.unwrap()["validValues"].clone();
        assert!(values.as_array().unwrap().iter().any(|v| v == "429"));
        assert!(
            values
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == "REQUEST_THROTTLED")
        );
    }

    fn user_file(text: &str) -> Result<Catalogue, Vec<Problem>> {
        let (mut sources, _) = files::read_all(None);
        sources.push(files::parse("user.json", text).map_err(|p| vec![p])?);
        Catalogue::build(&sources, files::EMBEDDED.len())
    }

    #[test]
    fn a_user_file_cannot_silently_redefine_a_builtin() {
        let entry = r#"{"errorCode": "REQUEST_THROTTLED", "status": 503, "message": "m"}"#;
        let problems = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap_err();
        assert_eq!(
            (problems[0].file.as_str(), problems[0].line),
            ("user.json", 1)
        );
        assert!(
            problems[0].message.contains("already defined"),
            "{problems:?}"
        );

        let entry = r#"{"errorCode": "REQUEST_THROTTLED", "status": 503, "message": "m", "override": true}"#;
        let catalogue = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap();
        assert_eq!(catalogue.get("REQUEST_THROTTLED").unwrap().status.0, 503);
        // It no longer answers 429, since the override did not claim it.
        assert!(catalogue.resolve(&Single::Status(429), "429").is_err());
    }

    #[test]
    fn fault_names_are_reserved() {
        let entry = r#"{"errorCode": "TIMEOUT", "status": 504, "message": "m"}"#;
        let problems = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap_err();
        assert!(problems[0].message.contains("reserved"), "{problems:?}");
    }

    #[test]
    fn a_user_scenario_claims_a_taken_status_only_with_override() {
        let entry =
            r#"{"errorCode": "MY_LIMIT", "status": 429, "message": "m", "answersStatus": true}"#;
        assert!(user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).is_err());
        let entry = r#"{"errorCode": "SERVICE_UNAVAILABLE", "status": 503, "message": "m", "answersStatus": true, "retryAfter": 5}"#;
        let catalogue = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap();
        let s = error(catalogue.resolve(&Single::Status(503), "503")).unwrap();
        let err = s.to_error(&Vars::default(), &Options::default());
        assert_eq!(
            err.headers,
            vec![(header::RETRY_AFTER, HeaderValue::from_static("5"))]
        );
    }

    #[test]
    fn headers_by_reason_replace_or_add_headers_for_that_reason_only() {
        let entry = r#"{"errorCode": "MY_AUTH", "status": 401, "message": "m",
            "headers": {"WWW-Authenticate": "Bearer error=\"invalid_token\"", "X-Kept": "k"},
            "headersByReason": {"missing": {"WWW-Authenticate": "Bearer", "X-Why": "{reason}"}}}"#;
        let catalogue = user_file(&format!(r#"{{"scenarios": [{entry}]}}"#)).unwrap();
        let s = error(catalogue.resolve(&Single::Code("MY_AUTH".into()), "MY_AUTH")).unwrap();
        let headers = |reason: Option<&str>| {
            let options = Options {
                reason: reason.map(Into::into),
                ..Options::default()
            };
            let err = s.to_error(&Vars::default(), &options);
            err.headers
                .iter()
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            headers(Some("missing")),
            ["x-kept: k", "www-authenticate: Bearer", "x-why: missing"]
        );
        for reason in [None, Some("expired")] {
            assert_eq!(
                headers(reason),
                [
                    "www-authenticate: Bearer error=\"invalid_token\"",
                    "x-kept: k"
                ],
                "{reason:?}"
            );
        }
    }
}
