//! `AppState`: everything a request reads, built once before the server
//! starts and shared by every worker through one `web::Data`.

use time::OffsetDateTime;

use crate::config::Config;
use crate::data::Dataset;
use crate::files::{self, Problem};
use crate::scenario::Catalogue;

#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub catalogue: Catalogue,
    pub dataset: Dataset,
    /// The OpenAPI document, rendered once.
    pub openapi: String,
}

/// The catalogue and dataset from the embedded files and an optional
/// directory; every problem of every file, or the loaded pair.
pub fn load(
    config: &Config,
    reference: OffsetDateTime,
) -> Result<(Catalogue, Dataset), Vec<Problem>> {
    let (sources, mut problems) = files::read_all(config.scenarios.as_deref());
    let catalogue =
        Catalogue::build(&sources, files::EMBEDDED.len()).map_err(|p| problems.extend(p));
    let dataset = Dataset::build(&sources, reference).map_err(|p| problems.extend(p));
    match (catalogue, dataset) {
        (Ok(c), Ok(d)) if problems.is_empty() => Ok((c, d)),
        _ => Err(problems),
    }
}

impl AppState {
    pub fn build(config: Config) -> Result<AppState, String> {
        let reference = config.clock.unwrap_or_else(OffsetDateTime::now_utc);
        let (catalogue, dataset) = load(&config, reference).map_err(|problems| {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!("invalid scenario files:\n{}", lines.join("\n"))
        })?;
        let openapi = crate::openapi::document(&config).to_string();
        Ok(AppState {
            config,
            catalogue,
            dataset,
            openapi,
        })
    }
}
