//! `crm-connector-mock`: a mock Copilot for Sales CRM connector serving
//! GetRelatedActivities and GetRelatedRecords with contract-exact bodies, and
//! every documented error on demand.
//!
//! Start it in-process (the black-box tests do):
//!
//! ```no_run
//! # async fn run() -> Result<(), String> {
//! use crm_connector_mock::{Application, Config};
//! let app = Application::build(Config { port: 0, ..Config::default() })?;
//! let base_url = app.base_url();
//! let handle = app.handle();
//! actix_web::rt::spawn(app.run_until_stopped());
//! // ... speak HTTP to base_url ...
//! handle.stop(true).await;
//! # Ok(()) }
//! ```

pub mod cli;
mod client_tls;
mod config;
mod connector;
mod contract;
mod definitions;
mod error;
mod http;
mod observe;
mod openapi;
mod proxy;
mod request;
mod rfc3339;
mod shard;
mod startup;
mod tls;
mod verify;

pub use config::{AuthMode, Cli, Command, Config, RateLimit};
pub use contract::Operation;
/// The contract's rules, for judging answers (the black-box tests judge every answer of this server).
pub use contract::rules;
pub use observe::logsink;
pub use request::delay::Delay;
pub use request::params::CrmType;
pub use startup::{Application, Handle, Signals};
pub use verify::Options as VerifyOptions;

/// What the fuzz targets in `fuzz/` drive: the parsers and the loader, not a
/// stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::connector::state::definitions;
    pub use crate::contract::Operation;
    pub use crate::definitions::files;
    pub use crate::error::Input;
    pub use crate::request::{delay, lang, params, trigger};
}
