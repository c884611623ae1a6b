//! Black-box tests: each starts the real server on 127.0.0.1:0 and speaks HTTP
//! to it, as a client would. One server per test, no fixed ports. No test
//! sleeps to wait for the server; the one wait is the Retry-After window that
//! a compliance test is about (`toolkit.rs`), which only time can end.

// Every answer judged by the contract's rules before a test sees it.
mod answer;
mod helpers;

// Success bodies of both operations: schema, paging, date windows, determinism.
mod connector;
// Accept-Language: the language chosen, Content-Language, localized data.
mod languages;
// INVALID_REQUEST for every parameter rule, unknown routes, wrong methods, malformed queries.
mod errors;
// activityId / x-ms-request-id / x-ms-client-request-id on every response.
mod request_id;
// The documented scenarios on demand: every scenario x every trigger form x both operations.
mod scenarios;
// Realistic conditions: deleted/restricted records, CRM connection, bearer auth, rate limit.
mod conditions;
// --failure-rate: the rate within tolerance, --seed, the weighted list checked at start-up.
mod failures;
// A user's --scenarios directory: extra scenarios, overrides, records and tokens.
mod user_files;
// The README's, CONTRIBUTING.md's and docs/'s tables, examples and links against the catalogue, the server and the CLI.
mod readme;
// Sequences: one element per request, times=, sessions, sequences in the data.
mod sequences;
// Delays and Retry-After compliance.
mod toolkit;
// Transport faults seen from a real HTTP client.
mod faults;
// The admin API: the catalogue, sticky scenarios, reset, the admin token.
mod admin;
// The request journal: listing, filters, paging, bounds, redaction.
mod journal;
// Reloading the definitions files while serving.
mod reload;
// /metrics: counts by operation, status and scenario; the two text formats.
mod metrics;
// Hostile and broken input: limits, malformed heads, slow and vanishing clients.
mod hostile;
// /health and /openapi.json.
mod service;
// The journal live: server-sent events, filters, resume.
mod stream;
// The dashboard's page and assets: types, CSP, no inline code, the admin token, --no-admin.
mod ui;
// Proxy mode: pass-through, simulations on top, upstream failures, contract violations.
mod proxy;
// Recording upstream answers (--record DIR) and replaying them offline (--scenarios DIR), byte for byte.
mod recording;
// HTTPS and h2: the self-signed DIR and its reuse, a certificate pair, --http-port, plain bytes on the TLS port.
mod tls;
// The served /openapi.json as real connectors publish it: descriptions, x-ms-*, host, security, headers, statuses.
mod document;
