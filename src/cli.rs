//! The subcommands other than serving: `openapi`, `scenarios`, `validate`.
//! Each prints to stdout and returns the exit code.

use std::path::Path;
use std::process::ExitCode;

use time::OffsetDateTime;

use crate::config::Config;
use crate::files;
use crate::scenario::Catalogue;

/// Prints the OpenAPI document.
pub fn openapi(config: &Config) -> Result<ExitCode, String> {
    let doc = crate::openapi::document(config);
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the loaded catalogue and the defined records.
pub fn scenarios(config: &Config) -> Result<ExitCode, String> {
    let reference = config.clock.unwrap_or_else(OffsetDateTime::now_utc);
    let crate::state::Loaded {
        catalogue, dataset, ..
    } = crate::state::load(config, reference).map_err(|problems| {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    println!("scenarios:");
    for s in catalogue.scenarios() {
        let status = if s.answers_status {
            format!("{} (also by number)", s.status.0)
        } else {
            s.status.0.to_string()
        };
        println!("  {:<28} {status:<20} {}", s.code(), s.description);
    }
    println!("records:");
    for (record_type, record_id, state) in dataset.defined_keys() {
        println!("  {record_type:<14} {record_id:<40} {state:?}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks a directory on top of the embedded files; problems exit 1.
pub fn validate(dir: &Path) -> Result<ExitCode, String> {
    let (sources, mut problems) = files::read_all(Some(dir));
    if problems.is_empty()
        && let Err(more) = Catalogue::build(&sources, files::EMBEDDED.len())
    {
        problems.extend(more);
    }
    if !problems.is_empty() {
        for problem in &problems {
            println!("{problem}");
        }
        println!("{} problem(s) in {}", problems.len(), dir.display());
        return Ok(ExitCode::from(1));
    }
    let user = &sources[files::EMBEDDED.len()..];
    let scenarios: usize = user.iter().map(|s| s.content.scenarios.len()).sum();
    let records: usize = user.iter().map(|s| s.content.records.len()).sum();
    println!(
        "{}: {} file(s), {scenarios} scenario(s), {records} record(s): OK",
        dir.display(),
        user.len()
    );
    Ok(ExitCode::SUCCESS)
}
