//! Contract strings, named once: header names, built-in error codes and the
//! `CRM_MOCK_` configuration prefix. Black-box tests spell these out literally
//! instead of importing them, so a typo here cannot pass on both sides.

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

/// Default connector paths (contract Part 2 §1).
pub const DEFAULT_ACTIVITIES_PATH: &str = "/api/related-activities";
pub const DEFAULT_RECORDS_PATH: &str = "/api/related-records";
/// Paths the server reserves for itself; connector paths may not use them.
pub const HEALTH_PATH: &str = "/health";
pub const OPENAPI_PATH: &str = "/openapi.json";
pub const ADMIN_PREFIX: &str = "/__admin";
pub const METRICS_PATH: &str = "/metrics";

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
