//! `crm-connector-mock verify`, black-box: the real binary probes a real
//! server on 127.0.0.1:0 and the tests read its JSON and JUnit reports.

// Running the binary and reading its reports; starting this server.
mod run;
// verify against this server in several configurations: every rule passes.
mod this_server;
// Redirects and connectors that never answer.
mod edges;
// A test-only connector with one switch per violation: each rule fails for its own.
mod nonconforming;
