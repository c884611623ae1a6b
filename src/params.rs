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

/// The parameters this server reads; a duplicate of one is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    RecordType,
    RecordId,
    StartDateTime,
    EndDateTime,
    Top,
    Skip,
    CrmType,
    CrmOrgUrl,
    SimulateError,
    SimulateDelay,
    SimulateSession,
}

impl Param {
    const COUNT: usize = 11;

    pub fn name(self) -> &'static str {
        match self {
            Param::RecordType => "recordType",
            Param::RecordId => "recordId",
            Param::StartDateTime => "startDateTime",
            Param::EndDateTime => "endDateTime",
            Param::Top => "top",
            Param::Skip => "skip",
            Param::CrmType => "crmType",
            Param::CrmOrgUrl => "crmOrgUrl",
            Param::SimulateError => crate::contract::SIMULATE_ERROR_PARAM,
            Param::SimulateDelay => crate::contract::SIMULATE_DELAY_PARAM,
            Param::SimulateSession => crate::contract::SIMULATE_SESSION_PARAM,
        }
    }

    fn from_name(name: &str) -> Option<Param> {
        Some(match name {
            "recordType" => Param::RecordType,
            "recordId" => Param::RecordId,
            "startDateTime" => Param::StartDateTime,
            "endDateTime" => Param::EndDateTime,
            "top" => Param::Top,
            "skip" => Param::Skip,
            "crmType" => Param::CrmType,
            "crmOrgUrl" => Param::CrmOrgUrl,
            crate::contract::SIMULATE_ERROR_PARAM => Param::SimulateError,
            crate::contract::SIMULATE_DELAY_PARAM => Param::SimulateDelay,
            crate::contract::SIMULATE_SESSION_PARAM => Param::SimulateSession,
            _ => return None,
        })
    }
}

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

/// The validated query of either operation, borrowed from its `Params`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorQuery<'p> {
    pub record_type: &'p str,
    pub record_id: &'p str,
    /// `record_type` and `record_id` lower-cased once, for lookups and keys
    /// (records match case-insensitively); borrowed when already lower case.
    pub type_key: Cow<'p, str>,
    pub id_key: Cow<'p, str>,
    /// `None` means the server's default page size.
    pub top: Option<u32>,
    pub skip: u32,
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
    pub crm_type: Option<CrmType>,
    pub crm_org_url: Option<&'p str>,
}

/// Decoded query pairs, in order (for the admin API's filters); borrowed from the raw query string unless
/// a piece needed decoding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPairs<'q>(pub Vec<(Cow<'q, str>, Cow<'q, str>)>);

impl<'q> QueryPairs<'q> {
    /// Splits and percent-decodes a raw query string (`+` is a space). Invalid
    /// percent-escapes and invalid UTF-8 are a malformed query string.
    pub fn parse(raw: &'q str) -> Result<QueryPairs<'q>, ApiError> {
        let mut pairs = Vec::with_capacity(4);
        each_pair(raw, |name, value| {
            pairs.push((name, value));
            Ok(())
        })?;
        Ok(QueryPairs(pairs))
    }
}

/// Calls `f` with each decoded `name=value` pair of a raw query string, in
/// order (a piece without `=` has an empty value; empty pieces are skipped).
fn each_pair<'q>(
    raw: &'q str,
    mut f: impl FnMut(Cow<'q, str>, Cow<'q, str>) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let mut rest = raw;
    while !rest.is_empty() {
        // Byte searches: `&` and `=` are ASCII, so every cut is a char boundary.
        let end = rest.bytes().position(|b| b == b'&').unwrap_or(rest.len());
        let piece = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        if piece.is_empty() {
            continue;
        }
        let (name, value) = match piece.bytes().position(|b| b == b'=') {
            Some(eq) => (&piece[..eq], &piece[eq + 1..]),
            None => (piece, ""),
        };
        let name = decode(name).map_err(|reason| ApiError::invalid_request("query", &reason))?;
        let value = decode(value).map_err(|reason| ApiError::invalid_request(&name, &reason))?;
        f(name, value)?;
    }
    Ok(())
}

/// The known parameters of one query, read in one pass: the first value and
/// how often each was given. Unknown parameters are decoded (a malformed one
/// is still an error) and then ignored.
#[derive(Debug, Default)]
pub struct Params<'q> {
    first: [Option<Cow<'q, str>>; Param::COUNT],
    given: [u8; Param::COUNT],
}

impl<'q> Params<'q> {
    pub fn parse(raw: &'q str) -> Result<Params<'q>, ApiError> {
        let mut params = Params::default();
        each_pair(raw, |name, value| {
            if let Some(param) = Param::from_name(&name) {
                let i = param as usize;
                params.given[i] = params.given[i].saturating_add(1);
                if params.first[i].is_none() {
                    params.first[i] = Some(value);
                }
            }
            Ok(())
        })?;
        Ok(params)
    }

    /// The value of `param`, `None` when absent or empty; an error when it
    /// was given more than once.
    pub fn get(&self, param: Param) -> Result<Option<&str>, ApiError> {
        let i = param as usize;
        if self.given[i] > 1 {
            return Err(ApiError::invalid_request(
                param.name(),
                "must be given at most once",
            ));
        }
        Ok(self.first[i].as_deref().filter(|v| !v.is_empty()))
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

impl<'p> ConnectorQuery<'p> {
    pub fn parse(operation: Operation, params: &'p Params) -> Result<ConnectorQuery<'p>, ApiError> {
        let record_type = required(params, Param::RecordType)?;
        let record_id = required(params, Param::RecordId)?;
        let top = non_negative(params, Param::Top)?;
        let skip = non_negative(params, Param::Skip)?.unwrap_or(0);
        let crm_type = match params.get(Param::CrmType)? {
            None => None,
            Some(v) => Some(CrmType::parse(v).ok_or_else(|| {
                ApiError::invalid_request(
                    "crmType",
                    "must be one of Salesforce, Dynamics365 (or 'Dynamics 365')",
                )
            })?),
        };
        let crm_org_url = params.get(Param::CrmOrgUrl)?;
        let (start, end) = match operation {
            Operation::RelatedActivities => {
                let start = date_time(params, Param::StartDateTime)?;
                let end = date_time(params, Param::EndDateTime)?;
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
            type_key: lower(record_type),
            id_key: lower(record_id),
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

/// Lower-cased for lookups, borrowed when it already is; the ASCII case
/// (nearly every id) skips Unicode case mapping, which gives the same answer
/// there.
pub fn lower(value: &str) -> Cow<'_, str> {
    match value.is_ascii() {
        true if !value.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Borrowed(value),
        true => Cow::Owned(value.to_ascii_lowercase()),
        false => Cow::Owned(value.to_lowercase()),
    }
}

fn required<'p>(params: &'p Params, param: Param) -> Result<&'p str, ApiError> {
    match params.given[param as usize] {
        0 => Err(ApiError::invalid_request(param.name(), "is required")),
        _ => params
            .get(param)?
            .ok_or_else(|| ApiError::invalid_request(param.name(), "must not be empty")),
    }
}

fn non_negative(params: &Params, param: Param) -> Result<Option<u32>, ApiError> {
    let name = param.name();
    let Some(raw) = params.get(param)? else {
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

fn date_time(params: &Params, param: Param) -> Result<Option<OffsetDateTime>, ApiError> {
    let name = param.name();
    let Some(raw) = params.get(param)? else {
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

    fn error(op: Operation, raw: &str) -> ApiError {
        match Params::parse(raw) {
            Ok(params) => ConnectorQuery::parse(op, &params).expect_err(raw),
            Err(error) => error,
        }
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
            let err = error(Operation::RelatedActivities, raw);
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
        let params = Params::parse(
            "recordType=account&recordId=a+b&top=0&skip=&crmType=Dynamics%20365&extra=1&startDateTime=2024-01-01T00:00:00%2B02:00",
        )
        .unwrap();
        let q = ConnectorQuery::parse(Operation::RelatedActivities, &params).unwrap();
        assert_eq!(q.record_id, "a b");
        assert_eq!(q.top, Some(0));
        assert_eq!(q.skip, 0);
        assert_eq!(q.crm_type, Some(CrmType::Dynamics365));
        assert!(q.start.is_some());
    }

    #[test]
    fn date_times_with_the_upstream_seven_fractional_digits_parse() {
        let params = Params::parse(
            "recordType=a&recordId=1&startDateTime=2024-05-07T03:28:38.0667701Z&endDateTime=2024-05-07T05:28:38.0667701%2B02:00",
        )
        .unwrap();
        let q = ConnectorQuery::parse(Operation::RelatedActivities, &params).unwrap();
        let start = q.start.unwrap();
        assert_eq!((start.second(), start.nanosecond()), (38, 66_770_100));
        assert_eq!(q.end, q.start, "the same instant, written in +02:00");
    }

    #[test]
    fn dates_are_ignored_on_related_records() {
        let params = Params::parse("recordType=a&recordId=1&startDateTime=nonsense").unwrap();
        let q = ConnectorQuery::parse(Operation::RelatedRecords, &params).unwrap();
        assert_eq!(q.start, None);
    }
}
