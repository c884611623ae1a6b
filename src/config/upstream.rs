//! The checks of the proxy-mode options (`--upstream`, its paths and
//! timeout, `--record`), called from `Config::validate`.

use super::{Config, DEFAULT_UPSTREAM_TIMEOUT_MS, MAX_REQUEST_TIMEOUT_MS, values};

impl Config {
    /// `--upstream` is an http(s) base URL; its paths are plain paths; the
    /// other `--upstream-*` options and `--record` need it; the timeout is
    /// 1 ms to an hour; a `--record` directory is not a file.
    pub(super) fn validate_upstream(&self) -> Result<(), String> {
        let Some(url) = &self.upstream else {
            let given = self.upstream_activities_path.is_some()
                || self.upstream_records_path.is_some()
                || self.upstream_insecure
                || self.upstream_strict
                || self.upstream_timeout != DEFAULT_UPSTREAM_TIMEOUT_MS;
            if self.record.is_some() {
                return Err(
                    "--record DIR records upstream answers: it needs --upstream URL".to_owned(),
                );
            }
            return match given {
                true => Err("the --upstream-* options need --upstream URL".to_owned()),
                false => Ok(()),
            };
        };
        values::upstream_url(url)?;
        for (flag, path) in [
            ("--upstream-activities-path", &self.upstream_activities_path),
            ("--upstream-records-path", &self.upstream_records_path),
        ] {
            if let Some(path) = path
                .as_deref()
                .filter(|p| !p.starts_with('/') || p.contains(['?', '#', ' ']))
            {
                return Err(format!(
                    "{flag} '{path}' must start with '/' and be a plain path"
                ));
            }
        }
        if !(1..=MAX_REQUEST_TIMEOUT_MS).contains(&self.upstream_timeout) {
            return Err(format!(
                "--upstream-timeout {} must be 1 to {MAX_REQUEST_TIMEOUT_MS} ms",
                self.upstream_timeout
            ));
        }
        if let Some(dir) = self.record.as_deref().filter(|d| d.exists() && !d.is_dir()) {
            return Err(format!("--record {} is not a directory", dir.display()));
        }
        Ok(())
    }
}
