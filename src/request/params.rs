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
//!
//! This module reads the query only: the values of `simulateError` and
//! `simulateDelay` are handed on as text (`trigger` and `delay` parse them),
//! and it knows nothing of records or scenarios.

use std::borrow::Cow;

use time::OffsetDateTime;

use crate::contract::Operation;
use crate::error::ApiError;

/// Declares `Param` from one table, name by variant, so the enum, the list
/// `ALL` (and the count `Params` sizes its slots by) and the names cannot
/// disagree: a parameter is added in one line.
macro_rules! params {
    ($($variant:ident => $name:expr,)*) => {
        /// The parameters this server reads; a duplicate of one is rejected.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Param {
            $($variant,)*
        }

        impl Param {
            /// Every parameter, each at its own index (`index`).
            const ALL: &'static [Param] = &[$(Param::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Param::$variant => $name,)*
                }
            }
        }
    };
}

params! {
    RecordType => "recordType",
    RecordId => "recordId",
    StartDateTime => "startDateTime",
    EndDateTime => "endDateTime",
    Top => "top",
    Skip => "skip",
    CrmType => "crmType",
    CrmOrgUrl => "crmOrgUrl",
    SimulateError => crate::contract::SIMULATE_ERROR_PARAM,
    SimulateDelay => crate::contract::SIMULATE_DELAY_PARAM,
    SimulateSession => crate::contract::SIMULATE_SESSION_PARAM,
}

impl Param {
    const COUNT: usize = Param::ALL.len();

    /// Where `Params` keeps this parameter: its position in `ALL`, which the
    /// macro lists in declaration order.
    const fn index(self) -> usize {
        self as usize
    }

    fn from_name(name: &str) -> Option<Param> {
        Param::ALL.iter().copied().find(|p| p.name() == name)
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
    slots: [Slot<'q>; Param::COUNT],
}

/// What one query said of one parameter.
#[derive(Debug, Default)]
struct Slot<'q> {
    first: Option<Cow<'q, str>>,
    given: u8,
}

impl<'q> Params<'q> {
    pub fn parse(raw: &'q str) -> Result<Params<'q>, ApiError> {
        let mut params = Params::default();
        each_pair(raw, |name, value| {
            let slot = Param::from_name(&name).and_then(|p| params.slots.get_mut(p.index()));
            if let Some(slot) = slot {
                slot.given = slot.given.saturating_add(1);
                if slot.first.is_none() {
                    slot.first = Some(value);
                }
            }
            Ok(())
        })?;
        Ok(params)
    }

    /// The value of `param`, `None` when absent or empty; an error when it
    /// was given more than once.
    pub fn get(&self, param: Param) -> Result<Option<&str>, ApiError> {
        let Some(slot) = self.slots.get(param.index()) else {
            return Ok(None);
        };
        if slot.given > 1 {
            return Err(ApiError::invalid_request(
                param.name(),
                "must be given at most once",
            ));
        }
        Ok(slot.first.as_deref().filter(|v| !v.is_empty()))
    }

    /// How often `param` was given, empty or not.
    fn given(&self, param: Param) -> u8 {
        self.slots.get(param.index()).map_or(0, |slot| slot.given)
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
    match params.given(param) {
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
    // In a query string an unencoded '+' of an offset reads as a space.
    crate::rfc3339::parse(raw).map(Some).map_err(|message| {
        ApiError::invalid_request(name, &format!("{message} (encode '+' as %2B)"))
    })
}

#[cfg(test)]
mod tests;
