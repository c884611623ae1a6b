//! Black-box tests: each starts the real server on 127.0.0.1:0 and speaks HTTP
//! to it, as a client would. One server per test, no fixed ports. No test
//! sleeps to wait for the server; the one wait is the Retry-After window that
//! a compliance test is about (`toolkit.rs`), which only time can end.

mod helpers;

// Success bodies of both operations: schema, paging, date windows, languages, determinism.
mod connector;
// INVALID_REQUEST for every parameter rule, unknown routes, wrong methods, malformed queries.
mod errors;
// activityId / x-ms-request-id / x-ms-client-request-id on every response.
mod request_id;
// The documented scenarios on demand: every scenario x every trigger form x both operations.
mod scenarios;
// Realistic conditions: deleted/restricted records, CRM connection, bearer auth, rate limit, failure rate.
mod conditions;
// A user's --scenarios directory: extra scenarios, overrides, records and tokens.
mod user_files;
// The README's tables and examples against the catalogue, the server and the CLI.
mod readme;
// Sequences, delays and Retry-After compliance.
mod toolkit;
// Transport faults seen from a real HTTP client.
mod faults;
// The admin API and /metrics.
mod admin;
// Hostile and broken input: limits, malformed heads, slow and vanishing clients.
mod hostile;
// /health and /openapi.json.
mod service;
