//! The upstream contract as tables: each operation's inputs and outputs with
//! their types and Microsoft's exact descriptions (contract Part 1 and
//! Part 3), the six documented error scenarios, and the reserved input name.
//! The served document (`openapi`) is written from these tables and the rules
//! (`contract::rules`) check answers and documents against them, so the two
//! cannot disagree.
//!
//! The upstream matches an action's inputs and outputs by these descriptions
//! ("based on the descriptions" in the connector's OpenAPI document), so they
//! are quoted to the letter, typos and letter case included.

use super::Operation;

/// The type of an input, as Swagger 2.0 spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// `type: string`.
    String,
    /// `type: string, format: date-time` (RFC 3339).
    DateTime,
    /// `type: integer, format: int32`.
    Int32,
}

impl InputType {
    /// Swagger's `type` and `format` for this input.
    pub fn swagger(self) -> (&'static str, Option<&'static str>) {
        match self {
            InputType::String => ("string", None),
            InputType::DateTime => ("string", Some("date-time")),
            InputType::Int32 => ("integer", Some("int32")),
        }
    }
}

/// One query parameter of the contract.
#[derive(Debug, Clone, Copy)]
pub struct Input {
    pub name: &'static str,
    pub kind: InputType,
    pub required: bool,
    /// Microsoft's description on GetRelatedActivities, if the operation takes it.
    pub activities: Option<&'static str>,
    /// Microsoft's description on GetRelatedRecords, if the operation takes it.
    pub records: Option<&'static str>,
}

impl Input {
    /// This input's description on `operation`, if the operation takes it.
    pub fn description(&self, operation: Operation) -> Option<&'static str> {
        match operation {
            Operation::RelatedActivities => self.activities,
            Operation::RelatedRecords => self.records,
        }
    }
}

/// Every input of the two operations, in the upstream's order.
pub const INPUTS: [Input; 8] = [
    Input {
        name: "recordType",
        kind: InputType::String,
        required: true,
        activities: Some(
            "This input indicates the entity or object type in CRM for which insights are requested.",
        ),
        records: Some(
            "This input identifies the record type in CRM for which related records are requested.",
        ),
    },
    Input {
        name: "recordId",
        kind: InputType::String,
        required: true,
        activities: Some(
            "This input indicates the unique identifier of the CRM record for which insights are requested.",
        ),
        records: Some(
            "This input provides the unique identifier of the CRM record for which related records are requested.",
        ),
    },
    Input {
        name: "startDateTime",
        kind: InputType::DateTime,
        required: false,
        activities: Some("This input indicates the start date and time for insights requested."),
        records: None,
    },
    Input {
        name: "endDateTime",
        kind: InputType::DateTime,
        required: false,
        activities: Some("This input indicates the end date and time for insights requested."),
        records: None,
    },
    Input {
        name: "top",
        kind: InputType::Int32,
        required: false,
        activities: Some("This input indicates the number of insights to fetch."),
        records: Some("This input indicates the number of related records to fetch."),
    },
    Input {
        name: "skip",
        kind: InputType::Int32,
        required: false,
        activities: Some("This input indicates the number of insights to skip."),
        records: Some(
            "This input indicates the number of records to skip when fetching related records.",
        ),
    },
    Input {
        name: "crmType",
        kind: InputType::String,
        required: false,
        activities: Some(
            "This input indicates the type of CRM in which the CRM record exists, for which insights are requested.",
        ),
        records: Some("This input indicates the type of CRM the related records are fetched from."),
    },
    Input {
        name: "crmOrgUrl",
        kind: InputType::String,
        required: false,
        activities: Some(
            "This input indicates the URL of the CRM environment in which the CRM record exists, for which insights are requested.",
        ),
        records: Some(
            "This input indicates the URL of the CRM environment the related records are fetched from.",
        ),
    },
];

/// The inputs `operation` takes, with its descriptions.
pub fn inputs(operation: Operation) -> impl Iterator<Item = (&'static Input, &'static str)> {
    INPUTS
        .iter()
        .filter_map(move |input| input.description(operation).map(|d| (input, d)))
}

/// The input name a connector must not declare (Part 3).
pub const RESERVED_INPUT: &str = "connectorId";

/// The values `crmType` takes: the two of the enum and the docs' prose spelling.
pub const CRM_TYPES: [&str; 3] = ["Salesforce", "Dynamics365", "Dynamics 365"];

/// The type of an output field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputType {
    /// A natural-language or id string; non-empty when required.
    Text,
    /// An RFC 3339 date-time in UTC.
    DateTime,
    /// A link; a string when present (upstream examples also write `null`).
    Url,
    /// An object of string names to string values.
    StringMap,
}

/// One field of an item in a success body.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub name: &'static str,
    pub kind: OutputType,
    pub required: bool,
    pub description: &'static str,
}

const fn output(
    name: &'static str,
    kind: OutputType,
    required: bool,
    description: &'static str,
) -> Output {
    Output {
        name,
        kind,
        required,
        description,
    }
}

/// The fields of an activity (GetRelatedActivities' items).
pub const ACTIVITY_FIELDS: [Output; 5] = [
    output(
        "title",
        OutputType::Text,
        true,
        "This output indicates the title of the activity in the citation card.",
    ),
    output(
        "description",
        OutputType::Text,
        true,
        "This output indicates the description of the insight.",
    ),
    output(
        "dateTime",
        OutputType::DateTime,
        true,
        "This output indicates the time associated with the insight.",
    ),
    output(
        "url",
        OutputType::Url,
        false,
        "This output indicates the URL to open insight.",
    ),
    output(
        "additionalProperties",
        OutputType::StringMap,
        false,
        "This output indicates additional properties displayed in the detailed view of the insight.",
    ),
];

/// The fields of a related record (GetRelatedRecords' items).
pub const RECORD_FIELDS: [Output; 7] = [
    output(
        "recordId",
        OutputType::Text,
        true,
        "This output uniquely identifies each related record returned by the action.",
    ),
    output(
        "recordType",
        OutputType::Text,
        true,
        "This output indicates the type of each related record returned by the action.",
    ),
    output(
        "recordTypeDisplayName",
        OutputType::Text,
        true,
        "This output indicates the display name of record type of each related record returned by the action.",
    ),
    output(
        "recordTypePluralDisplayName",
        OutputType::Text,
        true,
        "This output indicates the plural display name of the record type of each related record returned by the action.",
    ),
    output(
        "recordTitle",
        OutputType::Text,
        true,
        "This output indicates the title of each related record returned by the action.",
    ),
    output(
        "url",
        OutputType::Url,
        false,
        "This output indicates the URL of each related record returned by the action.",
    ),
    output(
        "additionalProperties",
        OutputType::StringMap,
        false,
        "This output indicates additional properties as name-value pairs of each related record returned by the action.",
    ),
];

/// The item fields of `operation`'s success body.
pub fn outputs(operation: Operation) -> &'static [Output] {
    match operation {
        Operation::RelatedActivities => &ACTIVITY_FIELDS,
        Operation::RelatedRecords => &RECORD_FIELDS,
    }
}

/// Microsoft's description of the action (Part 3).
pub fn action_description(operation: Operation) -> &'static str {
    match operation {
        Operation::RelatedActivities => {
            "This action gets additional sales insights related to a CRM record that will be shown in the C4S record summary card. The action enhances the existing skills of copilot for sales."
        }
        Operation::RelatedRecords => {
            "This action gets records related to a CRM record. The action enhances the existing skills of Copilot for Sales."
        }
    }
}

/// The six documented scenarios: errorCode and the status that comes with it.
pub const DOCUMENTED_ERRORS: [(&str, u16); 6] = [
    (super::INVALID_CRM_CONNECTION, 400),
    (super::RECORD_NOT_FOUND, 404),
    (super::INVALID_TOKEN_SPECIFIED, 401),
    (super::INSUFFICIENT_PERMISSIONS, 403),
    (super::REQUEST_THROTTLED, 429),
    (super::INTERNAL_SERVER_ERROR, 500),
];

/// The status the contract documents for `error_code`, if it is one of the six.
pub fn documented_status(error_code: &str) -> Option<u16> {
    DOCUMENTED_ERRORS
        .iter()
        .find(|(code, _)| *code == error_code)
        .map(|(_, status)| *status)
}

/// Each connector API should answer within five seconds (Part 1).
pub const LATENCY_BUDGET_MS: u64 = 5_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activities_take_all_eight_inputs_and_records_all_but_the_time_window() {
        let names = |op| inputs(op).map(|(i, _)| i.name).collect::<Vec<_>>();
        assert_eq!(
            names(Operation::RelatedActivities),
            [
                "recordType",
                "recordId",
                "startDateTime",
                "endDateTime",
                "top",
                "skip",
                "crmType",
                "crmOrgUrl"
            ]
        );
        assert_eq!(
            names(Operation::RelatedRecords),
            [
                "recordType",
                "recordId",
                "top",
                "skip",
                "crmType",
                "crmOrgUrl"
            ]
        );
    }

    #[test]
    fn only_record_type_and_record_id_are_required() {
        let required: Vec<_> = INPUTS
            .iter()
            .filter(|i| i.required)
            .map(|i| i.name)
            .collect();
        assert_eq!(required, ["recordType", "recordId"]);
    }

    #[test]
    fn each_documented_code_has_its_status_and_others_have_none() {
        let cases = [
            ("INVALID_CRM_CONNECTION", Some(400)),
            ("RECORD_NOT_FOUND", Some(404)),
            ("INVALID_TOKEN_SPECIFIED", Some(401)),
            ("INSUFFICIENT_PERMISSIONS", Some(403)),
            ("REQUEST_THROTTLED", Some(429)),
            ("INTERNAL_SERVER_ERROR", Some(500)),
            ("INVALID_REQUEST", None),
            ("record_not_found", None),
        ];
        for (code, status) in cases {
            assert_eq!(documented_status(code), status, "{code}");
        }
    }
}
