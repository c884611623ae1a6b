//! Steps 4-9 of the decision, the realistic conditions a real connector
//! answers with: each step is one function that says whether its condition
//! applies, and `first` asks them in the order of the module doc.
//!
//! A step is given only what it needs (a token, a deadline, a record's
//! state); it must not lock the sessions (the caller may hold the lock) and
//! never sees HTTP types.

use std::rc::Rc;
use std::time::Duration;

use crate::config::AuthMode;
use crate::connector::chaos::FailureInjector;
use crate::connector::limiter::{ClientKey, Limiter};
use crate::connector::state::{AppState, Definitions};
use crate::contract;
use crate::definitions::data::Record;
use crate::definitions::schema::record::{RecordState, Restriction};
use crate::definitions::schema::template::Vars;
use crate::error::{ApiError, Rendered};
use crate::request::auth::{self, TokenProblem};
use crate::request::params::{ConnectorQuery, CrmType};
use crate::request::trigger::Options;

/// A condition that applies: the catalogue's errorCode, the options it is
/// rendered with, and the restriction a restricted record names.
#[derive(Debug, PartialEq)]
pub(super) struct Condition<'a> {
    pub code: &'a str,
    pub options: Options,
    pub restriction: Option<&'a Restriction>,
}

impl<'a> Condition<'a> {
    fn plain(code: &'a str) -> Condition<'a> {
        Condition {
            code,
            options: Options::default(),
            restriction: None,
        }
    }

    fn retry_after(seconds: u32) -> Condition<'a> {
        Condition {
            options: Options {
                retry_after: Some(seconds),
                ..Options::default()
            },
            ..Condition::plain(contract::REQUEST_THROTTLED)
        }
    }
}

/// Steps 4-9: the first condition that applies.
pub(super) fn first<'a>(
    state: &'a AppState,
    defs: &'a Definitions,
    record: Option<&'a Record>,
    query: &ConnectorQuery,
    token: Result<&str, TokenProblem>,
    client: ClientKey,
    throttled_for: Option<Duration>,
) -> Option<Condition<'a>> {
    let config = &state.config;
    invalid_token(config.auth, token, &defs.expired_tokens, || {
        time::OffsetDateTime::now_utc().unix_timestamp()
    })
    .or_else(|| early_retry(throttled_for))
    // The limiter exists exactly when the configuration sets a rate limit;
    // without one, no request pays for loading it.
    .or_else(|| match config.rate_limit {
        Some(_) => rate_limited(state.limiter.load().as_deref(), client),
        None => None,
    })
    .or_else(|| wrong_crm(config.crm_type, config.crm_org_url.as_deref(), query))
    .or_else(|| record.and_then(|r| record_state(r.state, r.restriction.as_ref())))
    .or_else(|| random_failure(state.failures.as_ref()))
}

/// Step 4, `--auth bearer`: a missing, malformed or expired token. The wall
/// clock (`now`, Unix seconds) is read only in that mode.
fn invalid_token(
    mode: AuthMode,
    token: Result<&str, TokenProblem>,
    expired_tokens: &[String],
    now: impl FnOnce() -> i64,
) -> Option<Condition<'static>> {
    if mode != AuthMode::Bearer {
        return None;
    }
    let problem = auth::check(token, expired_tokens, now()).err()?;
    Some(Condition {
        options: Options {
            reason: Some(problem.reason().into()),
            ..Options::default()
        },
        ..Condition::plain(contract::INVALID_TOKEN_SPECIFIED)
    })
}

/// Step 5, Retry-After compliance: a client back before its deadline is
/// throttled again with the time left, in whole seconds rounded up.
fn early_retry(throttled_for: Option<Duration>) -> Option<Condition<'static>> {
    throttled_for.map(|left| Condition::retry_after(whole_seconds(left)))
}

/// Step 6, `--rate-limit`: a client over its limit.
fn rate_limited(limiter: Option<&Limiter>, client: ClientKey) -> Option<Condition<'static>> {
    let seconds = limiter?.check(client).err()?;
    Some(Condition::retry_after(seconds))
}

/// Step 7, `--crm-type` / `--crm-org-url`: a request naming another CRM.
fn wrong_crm(
    crm_type: Option<CrmType>,
    org_url: Option<&str>,
    query: &ConnectorQuery,
) -> Option<Condition<'static>> {
    crm_mismatch(crm_type, org_url, query)
        .then(|| Condition::plain(contract::INVALID_CRM_CONNECTION))
}

/// Step 8, the data: a record marked deleted or restricted.
fn record_state(state: RecordState, restriction: Option<&Restriction>) -> Option<Condition<'_>> {
    match state {
        RecordState::Active => None,
        RecordState::Deleted => Some(Condition::plain(contract::RECORD_NOT_FOUND)),
        RecordState::Restricted => Some(Condition {
            restriction,
            ..Condition::plain(contract::INSUFFICIENT_PERMISSIONS)
        }),
    }
}

/// Step 9, `--failure-rate`: a random failure from the weighted list (it
/// was checked against the catalogue at start-up).
fn random_failure(failures: Option<&FailureInjector>) -> Option<Condition<'_>> {
    failures?.draw().map(Condition::plain)
}

/// The error a condition answers with, from the catalogue's scenario for
/// its code (a user may have overridden it).
pub(super) fn render<'a>(
    defs: &Definitions,
    condition: &Condition<'a>,
    mut vars: Vars<'a>,
) -> Rc<Rendered> {
    if let Some(r) = condition.restriction {
        vars.resource_type = Some(&r.resource_type);
        vars.resource_id = Some(&r.resource_id);
        vars.privilege = Some(&r.privilege);
    }
    let error = match defs.catalogue.get(condition.code) {
        Some(scenario) => scenario.to_error(&vars, &condition.options),
        None => ApiError::internal(format!(
            "scenario {} is missing from the catalogue",
            condition.code
        )),
    };
    Rc::new(error.render())
}

/// Whole seconds, rounded up, at least 1.
fn whole_seconds(left: Duration) -> u32 {
    let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}

/// A host name without scheme, path or trailing slash, lower-cased.
fn host(url: &str) -> String {
    let url = url.trim();
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Whether the request names a CRM other than the configured one. A request
/// that names none is not checked.
fn crm_mismatch(crm_type: Option<CrmType>, org_url: Option<&str>, query: &ConnectorQuery) -> bool {
    let type_differs = matches!((crm_type, query.crm_type), (Some(c), Some(q)) if c != q);
    let url_differs =
        matches!((org_url, query.crm_org_url), (Some(c), Some(q)) if host(c) != host(q));
    type_differs || url_differs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RateLimit;

    fn query(crm_type: Option<CrmType>, url: Option<&str>) -> ConnectorQuery<'_> {
        ConnectorQuery {
            record_type: "account",
            record_id: "1",
            type_key: "account".into(),
            id_key: "1".into(),
            top: None,
            skip: 0,
            start: None,
            end: None,
            crm_type,
            crm_org_url: url,
        }
    }

    #[test]
    fn crm_connection_compares_types_and_hosts_tolerantly() {
        let d = Some(CrmType::Dynamics365);
        let s = Some(CrmType::Salesforce);
        let url = Some("contoso.crm.dynamics.com");
        let cases = [
            (d, url, query(None, None), false, "request names nothing"),
            (
                d,
                url,
                query(d, Some("contoso.crm.dynamics.com")),
                false,
                "same",
            ),
            (d, url, query(s, None), true, "other type"),
            (
                d,
                url,
                query(None, Some("https://CONTOSO.crm.dynamics.com/")),
                false,
                "scheme, case, slash",
            ),
            (
                d,
                url,
                query(None, Some("fabrikam.crm.dynamics.com")),
                true,
                "other host",
            ),
            (None, url, query(s, None), false, "type not configured"),
            (
                d,
                None,
                query(None, Some("anything")),
                false,
                "url not configured",
            ),
        ];
        for (crm_type, org_url, q, expected, why) in cases {
            assert_eq!(crm_mismatch(crm_type, org_url, &q), expected, "{why}");
        }
    }

    #[test]
    fn a_token_is_judged_only_under_bearer_auth_and_the_clock_read_only_then() {
        let listed = vec!["revoked".to_owned()];
        let no_clock = || -> i64 { panic!("the clock is read only under --auth bearer") };
        assert_eq!(
            invalid_token(
                AuthMode::None,
                Err(TokenProblem::Missing),
                &listed,
                no_clock
            ),
            None
        );
        let cases = [
            (Err(TokenProblem::Missing), Some("missing")),
            (Err(TokenProblem::Malformed), Some("malformed")),
            (Ok("revoked"), Some("expired")),
            (Ok("fine"), None),
        ];
        for (token, reason) in cases {
            let found = invalid_token(AuthMode::Bearer, token, &listed, || 0);
            assert_eq!(
                found.as_ref().map(|c| c.code),
                reason.map(|_| "INVALID_TOKEN_SPECIFIED")
            );
            assert_eq!(
                found.and_then(|c| c.options.reason).as_deref(),
                reason,
                "{token:?}"
            );
        }
    }

    #[test]
    fn an_early_retry_is_throttled_for_the_whole_seconds_left_rounded_up() {
        let cases = [
            (None, None),
            (Some(Duration::from_millis(1)), Some(1)),
            (Some(Duration::from_secs(2)), Some(2)),
            (Some(Duration::from_millis(2001)), Some(3)),
        ];
        for (left, seconds) in cases {
            let found = early_retry(left);
            assert_eq!(
                found.as_ref().map(|c| c.code),
                seconds.map(|_| "REQUEST_THROTTLED")
            );
            assert_eq!(
                found.and_then(|c| c.options.retry_after),
                seconds,
                "{left:?}"
            );
        }
    }

    #[test]
    fn a_client_over_its_rate_limit_is_throttled_and_no_limiter_throttles_nobody() {
        let limiter = Limiter::new("1/s".parse::<RateLimit>().unwrap());
        let client = ClientKey::Unknown;
        assert_eq!(
            rate_limited(Some(&limiter), client),
            None,
            "within the burst"
        );
        let refused = rate_limited(Some(&limiter), client).unwrap();
        assert_eq!(
            (refused.code, refused.options.retry_after),
            ("REQUEST_THROTTLED", Some(1))
        );
        assert_eq!(rate_limited(None, client), None);
    }

    #[test]
    fn a_request_naming_another_crm_is_an_invalid_crm_connection() {
        let d = Some(CrmType::Dynamics365);
        let other = query(Some(CrmType::Salesforce), None);
        assert_eq!(
            wrong_crm(d, None, &other).map(|c| c.code),
            Some("INVALID_CRM_CONNECTION")
        );
        assert_eq!(wrong_crm(d, None, &query(d, None)), None);
    }

    #[test]
    fn a_deleted_record_is_not_found_and_a_restricted_one_names_its_restriction() {
        let restriction = Restriction {
            resource_type: "account".into(),
            resource_id: "A1".into(),
            privilege: "read".into(),
        };
        assert_eq!(record_state(RecordState::Active, Some(&restriction)), None);
        assert_eq!(
            record_state(RecordState::Deleted, None),
            Some(Condition::plain("RECORD_NOT_FOUND"))
        );
        let restricted = record_state(RecordState::Restricted, Some(&restriction)).unwrap();
        assert_eq!(
            (restricted.code, restricted.restriction),
            ("INSUFFICIENT_PERMISSIONS", Some(&restriction))
        );
    }

    #[test]
    fn a_random_failure_is_drawn_from_the_weighted_list_when_one_is_configured() {
        let always = FailureInjector::new(1.0, vec![("BAD_GATEWAY".into(), 1)], 7);
        let never = FailureInjector::new(0.0, vec![("BAD_GATEWAY".into(), 1)], 7);
        assert_eq!(
            random_failure(Some(&always)).map(|c| c.code),
            Some("BAD_GATEWAY")
        );
        assert_eq!(random_failure(Some(&never)), None);
        assert_eq!(random_failure(None), None);
    }

    #[test]
    fn whole_seconds_round_up_and_are_at_least_one() {
        let cases = [(0, 1), (1, 1), (999, 1), (1000, 1), (1001, 2), (59_500, 60)];
        for (ms, seconds) in cases {
            assert_eq!(whole_seconds(Duration::from_millis(ms)), seconds, "{ms} ms");
        }
    }
}
