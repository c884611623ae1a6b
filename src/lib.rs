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

pub mod admin;
pub mod api;
pub mod auth;
pub mod chaos;
pub mod cli;
pub mod config;
pub mod connector;
pub mod context;
pub mod contract;
pub mod data;
pub mod delay;
pub mod error;
pub mod fallback;
pub mod fault;
pub mod files;
pub mod generate;
pub mod journal;
pub mod lang;
pub mod limiter;
pub mod limits;
pub mod logsink;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod params;
pub mod reply;
pub mod rfc3339;
pub mod scenario;
pub mod schema;
pub mod session;
pub mod shard;
pub mod socket;
pub mod startup;
pub mod state;
pub mod transport;
pub mod trigger;
pub mod wall;
pub mod wire;

pub use config::{Cli, Config};
pub use startup::Application;
