//! Contract strings, named once: header names, every error code the server
//! writes itself, the reserved paths and the operations. Black-box tests spell these out literally
//! instead of importing them, so a typo here cannot pass on both sides.
//!
//! `fields` holds the upstream's inputs, outputs and documented errors as
//! tables; `rules` checks answers and documents against them.

pub mod fields;
pub mod rules;

/// Request header that carries the caller's request id (contract Part 2 §4).
pub const CLIENT_REQUEST_ID: &str = "x-ms-client-request-id";
/// Response header that carries the activityId of every response.
pub const REQUEST_ID: &str = "x-ms-request-id";
/// Request header that asks for a scenario (highest precedence).
pub const SIMULATE_ERROR_HEADER: &str = "x-simulate-error";
/// Request header that delays the answer: `200` or `100-300` milliseconds.
pub const SIMULATE_DELAY_HEADER: &str = "x-simulate-delay";
/// Request header naming the client session sequences and Retry-After
/// compliance are tracked by.
pub const SIMULATE_SESSION_HEADER: &str = "x-simulate-session";
/// Query parameter that asks for a scenario (second precedence).
pub const SIMULATE_ERROR_PARAM: &str = "simulateError";
/// Query parameters of the delay and session knobs (the headers win).
pub const SIMULATE_DELAY_PARAM: &str = "simulateDelay";
pub const SIMULATE_SESSION_PARAM: &str = "simulateSession";

/// Built-in error codes that are not scenarios of the catalogue.
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
pub const UNKNOWN_SCENARIO: &str = "UNKNOWN_SCENARIO";
pub const ROUTE_NOT_FOUND: &str = "ROUTE_NOT_FOUND";
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
/// The limits checked before any handler (`limits`).
pub const URI_TOO_LONG: &str = "URI_TOO_LONG";
pub const HEADERS_TOO_LARGE: &str = "HEADERS_TOO_LARGE";
pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
/// The admin API's own answers.
pub const ADMIN_UNAUTHORIZED: &str = "ADMIN_UNAUTHORIZED";
pub const STICKY_LIMIT_REACHED: &str = "STICKY_LIMIT_REACHED";
pub const INVALID_DEFINITIONS: &str = "INVALID_DEFINITIONS";
/// Proxy mode's answers when the upstream connector fails (`proxy`).
pub const UPSTREAM_UNAVAILABLE: &str = "UPSTREAM_UNAVAILABLE";
pub const UPSTREAM_TIMEOUT: &str = "UPSTREAM_TIMEOUT";
pub const UPSTREAM_CONTRACT_VIOLATION: &str = "UPSTREAM_CONTRACT_VIOLATION";
/// Documented catalogue codes the connector names itself (realistic
/// conditions: an expired token, the rate limit, the connected CRM, a
/// missing record, a forbidden record); `INTERNAL_SERVER_ERROR` above is the
/// catalogue's sixth.
pub const INVALID_TOKEN_SPECIFIED: &str = "INVALID_TOKEN_SPECIFIED";
pub const REQUEST_THROTTLED: &str = "REQUEST_THROTTLED";
pub const INVALID_CRM_CONNECTION: &str = "INVALID_CRM_CONNECTION";
pub const RECORD_NOT_FOUND: &str = "RECORD_NOT_FOUND";
pub const INSUFFICIENT_PERMISSIONS: &str = "INSUFFICIENT_PERMISSIONS";

/// Every error code the server's own code writes (a loaded catalogue may
/// add its own). The metrics label these without allocating.
pub const ERROR_CODES: &[&str] = &[
    INVALID_REQUEST,
    UNKNOWN_SCENARIO,
    ROUTE_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    INTERNAL_SERVER_ERROR,
    URI_TOO_LONG,
    HEADERS_TOO_LARGE,
    PAYLOAD_TOO_LARGE,
    ADMIN_UNAUTHORIZED,
    STICKY_LIMIT_REACHED,
    INVALID_DEFINITIONS,
    UPSTREAM_UNAVAILABLE,
    UPSTREAM_TIMEOUT,
    UPSTREAM_CONTRACT_VIOLATION,
    INVALID_TOKEN_SPECIFIED,
    REQUEST_THROTTLED,
    INVALID_CRM_CONNECTION,
    RECORD_NOT_FOUND,
    INSUFFICIENT_PERMISSIONS,
];

/// Default connector paths (contract Part 2 §1).
pub const DEFAULT_ACTIVITIES_PATH: &str = "/api/related-activities";
pub const DEFAULT_RECORDS_PATH: &str = "/api/related-records";
/// Paths the server reserves for itself; connector paths may not use them.
pub const HEALTH_PATH: &str = "/health";
pub const OPENAPI_PATH: &str = "/openapi.json";
pub const METRICS_PATH: &str = "/metrics";
/// A prefix: everything under it is the admin API.
pub const ADMIN_PREFIX: &str = "/__admin";
pub const RESERVED_PATHS: [&str; 4] = [HEALTH_PATH, OPENAPI_PATH, METRICS_PATH, ADMIN_PREFIX];

/// The reserved path `path` is, or falls under (the admin prefix), if any.
pub fn reserved(path: &str) -> Option<&'static str> {
    RESERVED_PATHS
        .into_iter()
        .find(|r| path == *r || (*r == ADMIN_PREFIX && path.starts_with(ADMIN_PREFIX)))
}

/// The two operations, by the operation ids of the upstream contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    RelatedActivities,
    RelatedRecords,
}

impl Operation {
    pub const ALL: [Operation; 2] = [Operation::RelatedActivities, Operation::RelatedRecords];

    /// The upstream operation id, e.g. `scp-get-related-activities`.
    pub fn id(self) -> &'static str {
        match self {
            Operation::RelatedActivities => "scp-get-related-activities",
            Operation::RelatedRecords => "scp-get-related-records",
        }
    }

    /// The informal name used in messages, e.g. `GetRelatedActivities`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::RelatedActivities => "GetRelatedActivities",
            Operation::RelatedRecords => "GetRelatedRecords",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_reserved_when_it_is_one_or_lies_under_the_admin_prefix() {
        let cases = [
            ("/health", Some(HEALTH_PATH)),
            ("/openapi.json", Some(OPENAPI_PATH)),
            ("/metrics", Some(METRICS_PATH)),
            ("/__admin", Some(ADMIN_PREFIX)),
            ("/__admin/requests", Some(ADMIN_PREFIX)),
            ("/health/x", None),
            ("/metrics2", None),
            ("/api/related-records", None),
            ("", None),
        ];
        for (path, expected) in cases {
            assert_eq!(reserved(path), expected, "{path}");
        }
    }

    #[test]
    fn every_error_code_is_listed_once_in_upper_snake_case() {
        for (i, code) in ERROR_CODES.iter().enumerate() {
            assert!(
                code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{code}"
            );
            assert!(!ERROR_CODES[..i].contains(code), "{code} twice");
        }
    }
}
