//! Query handling (contract Part 1 and Part 2 §9): the raw query string becomes
//! name/value pairs, then a typed `ConnectorQuery`. Each failure is one
//! `ApiError::invalid_request(parameter, reason)`.
//!
//! Rules: `recordType`/`recordId` required and non-empty; `top`/`skip`
//! non-negative int32; `startDateTime`/`endDateTime` full RFC 3339 date-times
//! with start <= end (activities only; ignored on records); `crmType` one of
//! `Salesforce`, `Dynamics365`, `Dynamics 365`; `crmOrgUrl` free text. An empty
//! optional value counts as absent; unknown parameters are ignored; a known
//! parameter given twice is rejected, since silently picking one would hide a
//! client bug.

use std::borrow::Cow;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::contract::Operation;
use crate::error::ApiError;

/// The parameters this server reads; duplicates of these are rejected.
const KNOWN: [&str; 11] = [
    "recordType",
    "recordId",
    "startDateTime",
    "endDateTime",
    "top",
    "skip",
    "crmType",
    "crmOrgUrl",
    crate::contract::SIMULATE_ERROR_PARAM,
    crate::contract::SIMULATE_DELAY_PARAM,
    crate::contract::SIMULATE_SESSION_PARAM,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrmType {
    Salesforce,
    Dynamics365,
}

impl CrmType {
    /// Accepts the enum values and the docs' prose spelling `Dynamics 365`.
    pub fn parse(value: &str) -> Option<CrmType> {
        match value {
            "Salesforce" => Some(CrmType::Salesforce),
            "Dynamics365" | "Dynamics 365" => Some(CrmType::Dynamics365),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CrmType::Salesforce => "Salesforce",
            CrmType::Dynamics365 => "Dynamics365",
        }
    }

    pub fn other(self) -> CrmType {
        match self {
            CrmType::Salesforce => CrmType::Dynamics365,
            CrmType::Dynamics365 => CrmType::Salesforce,
        }
    }

    /// A plausible organization host name for this CRM.
    pub fn sample_org_url(self) -> &'static str {
        match self {
            CrmType::Salesforce => "contoso.my.salesforce.com",
            CrmType::Dynamics365 => "contoso.crm.dynamics.com",
        }
    }
}

/// The validated query of either operation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorQuery {
    pub record_type: String,
    pub record_id: String,
    /// `record_type` and `record_id` lower-cased once, for lookups and keys
    /// (records match case-insensitively).
    pub type_key: String,
    pub id_key: String,
    /// `None` means the server's default page size.
    pub top: Option<u32>,
    pub skip: u32,
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
    pub crm_type: Option<CrmType>,
    pub crm_org_url: Option<String>,
}

/// Decoded query pairs, in order; borrowed from the raw query string unless
/// a piece needed decoding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPairs<'q>(pub Vec<(Cow<'q, str>, Cow<'q, str>)>);

impl<'q> QueryPairs<'q> {
    /// Splits and percent-decodes a raw query string (`+` is a space). Invalid
    /// percent-escapes and invalid UTF-8 are a malformed query string.
    pub fn parse(raw: &'q str) -> Result<QueryPairs<'q>, ApiError> {
        let mut pairs = Vec::with_capacity(4);
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name =
                decode(name).map_err(|reason| ApiError::invalid_request("query", &reason))?;
            let value =
                decode(value).map_err(|reason| ApiError::invalid_request(&name, &reason))?;
            pairs.push((name, value));
        }
        Ok(QueryPairs(pairs))
    }

    /// The value of `name`, `None` when absent or empty; an error when a known
    /// parameter appears more than once.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut found = self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| &**v);
        let first = found.next();
        if first.is_some() && found.next().is_some() && KNOWN.contains(&name) {
            return Err(ApiError::invalid_request(
                name,
                "must be given at most once",
            ));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }
}

fn decode(raw: &str) -> Result<Cow<'_, str>, String> {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(raw));
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                match byte {
                    Some(byte) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                        out.push(byte);
                        i += 2;
                    }
                    _ => return Err("contains an invalid percent-escape".to_owned()),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| "is not valid UTF-8 after percent-decoding".to_owned())
}

impl ConnectorQuery {
    pub fn parse(operation: Operation, pairs: &QueryPairs) -> Result<ConnectorQuery, ApiError> {
        let record_type = required(pairs, "recordType")?;
        let record_id = required(pairs, "recordId")?;
        let top = non_negative(pairs, "top")?;
        let skip = non_negative(pairs, "skip")?.unwrap_or(0);
        let crm_type = match pairs.get("crmType")? {
            None => None,
            Some(v) => Some(CrmType::parse(v).ok_or_else(|| {
                ApiError::invalid_request(
                    "crmType",
                    "must be one of Salesforce, Dynamics365 (or 'Dynamics 365')",
                )
            })?),
        };
        let crm_org_url = pairs.get("crmOrgUrl")?.map(str::to_owned);
        let (start, end) = match operation {
            Operation::RelatedActivities => {
                let start = date_time(pairs, "startDateTime")?;
                let end = date_time(pairs, "endDateTime")?;
                if let (Some(s), Some(e)) = (start, end)
                    && s > e
                {
                    return Err(ApiError::invalid_request(
                        "startDateTime",
                        "must not be later than endDateTime",
                    ));
                }
                (start, end)
            }
            Operation::RelatedRecords => (None, None),
        };
        Ok(ConnectorQuery {
            type_key: lower(&record_type),
            id_key: lower(&record_id),
            record_type,
            record_id,
            top,
            skip,
            start,
            end,
            crm_type,
            crm_org_url,
        })
    }
}

/// Lower-cased for lookups; the ASCII case (nearly every id) skips Unicode
/// case mapping, which gives the same answer there.
pub fn lower(value: &str) -> String {
    match value.is_ascii() {
        true => value.to_ascii_lowercase(),
        false => value.to_lowercase(),
    }
}

fn required(pairs: &QueryPairs, name: &str) -> Result<String, ApiError> {
    match pairs.0.iter().any(|(n, _)| n == name) {
        false => Err(ApiError::invalid_request(name, "is required")),
        true => pairs
            .get(name)?
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| ApiError::invalid_request(name, "must not be empty")),
    }
}

fn non_negative(pairs: &QueryPairs, name: &str) -> Result<Option<u32>, ApiError> {
    let Some(raw) = pairs.get(name)? else {
        return Ok(None);
    };
    let value: i64 = raw
        .parse()
        .map_err(|_| ApiError::invalid_request(name, "must be an integer"))?;
    if value < 0 {
        return Err(ApiError::invalid_request(name, "must not be negative"));
    }
    if value > i64::from(i32::MAX) {
        return Err(ApiError::invalid_request(
            name,
            "must fit in a 32-bit signed integer (at most 2147483647)",
        ));
    }
    Ok(Some(value as u32))
}

fn date_time(pairs: &QueryPairs, name: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    let Some(raw) = pairs.get(name)? else {
        return Ok(None);
    };
    OffsetDateTime::parse(raw, &Rfc3339).map(Some).map_err(|_| {
        ApiError::invalid_request(
            name,
            "must be an RFC 3339 date-time such as 2017-07-21T17:32:28Z (encode '+' as %2B)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(op: Operation, raw: &str) -> Result<ConnectorQuery, ApiError> {
        ConnectorQuery::parse(op, &QueryPairs::parse(raw)?)
    }

    #[test]
    fn every_rule_names_its_parameter() {
        let base = "recordType=account&recordId=1";
        let cases = [
            ("recordId=1", "recordType"),
            ("recordType=account", "recordId"),
            ("recordType=&recordId=1", "recordType"),
            ("recordType=account&recordId=&recordId=", "recordId"),
            (&*format!("{base}&top=-1"), "top"),
            (&*format!("{base}&top=abc"), "top"),
            (&*format!("{base}&top=2147483648"), "top"),
            (&*format!("{base}&skip=1.5"), "skip"),
            (&*format!("{base}&crmType=SAP"), "crmType"),
            (
                &*format!("{base}&startDateTime=2024-01-01"),
                "startDateTime",
            ),
            (&*format!("{base}&endDateTime=yesterday"), "endDateTime"),
            (
                &*format!(
                    "{base}&startDateTime=2024-02-01T00:00:00Z&endDateTime=2024-01-01T00:00:00Z"
                ),
                "startDateTime",
            ),
            (&*format!("{base}&top=1&top=2"), "top"),
            (&*format!("{base}&crmOrgUrl=%zz"), "crmOrgUrl"),
            (&*format!("{base}&x=%FF"), "x"),
        ];
        for (raw, parameter) in cases {
            let err = parse(Operation::RelatedActivities, raw).expect_err(raw);
            assert_eq!(err.code, "INVALID_REQUEST", "{raw}");
            let details = err.details.expect("details");
            assert_eq!(details["parameter"], parameter, "{raw}");
            assert!(
                details["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{raw}"
            );
        }
    }

    #[test]
    fn valid_queries_are_typed() {
        let q = parse(
            Operation::RelatedActivities,
            "recordType=account&recordId=a+b&top=0&skip=&crmType=Dynamics%20365&extra=1&startDateTime=2024-01-01T00:00:00%2B02:00",
        )
        .unwrap();
        assert_eq!(q.record_id, "a b");
        assert_eq!(q.top, Some(0));
        assert_eq!(q.skip, 0);
        assert_eq!(q.crm_type, Some(CrmType::Dynamics365));
        assert!(q.start.is_some());
    }

    #[test]
    fn dates_are_ignored_on_related_records() {
        let q = parse(
            Operation::RelatedRecords,
            "recordType=a&recordId=1&startDateTime=nonsense",
        )
        .unwrap();
        assert_eq!(q.start, None);
    }
}
