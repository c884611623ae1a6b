//! `--auth bearer`: the token checks of a connector behind an identity
//! platform. A missing header, or one that is not `Bearer <token>`, fails; so
//! does an expired token: a JWT whose `exp` is in the past (by the wall
//! clock; the signature is not checked, this is a mock) or a token listed as
//! expired in `--expired-tokens` or a data file's `expiredTokens`. Any other
//! token passes. Tokens are never logged or stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why a token was refused: the `reason` of `INVALID_TOKEN_SPECIFIED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Malformed,
    Expired,
}

impl TokenProblem {
    pub fn reason(self) -> &'static str {
        match self {
            TokenProblem::Missing => "missing",
            TokenProblem::Malformed => "malformed",
            TokenProblem::Expired => "expired",
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value, if well-formed.
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, TokenProblem> {
    let value = authorization
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(TokenProblem::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(TokenProblem::Malformed)?;
    let token = token.trim();
    let token68 = |c: char| c.is_ascii_alphanumeric() || "-._~+/=".contains(c);
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || !token.chars().all(token68) {
        return Err(TokenProblem::Malformed);
    }
    Ok(token)
}

/// The `exp` claim of a JWT-shaped token; `None` for opaque tokens.
fn jwt_expiry(token: &str) -> Option<i64> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&json).ok()?;
    claims.get("exp")?.as_f64().map(|exp| exp as i64)
}

/// Checks a token read by `bearer_token` at `now` (Unix seconds). It takes
/// the token already read, since the rate limiter keys clients by the same
/// token: one request's `Authorization` is parsed once.
pub fn check(
    token: Result<&str, TokenProblem>,
    expired_tokens: &[String],
    now: i64,
) -> Result<(), TokenProblem> {
    let token = token?;
    if expired_tokens.iter().any(|t| t == token) || jwt_expiry(token).is_some_and(|exp| exp <= now)
    {
        return Err(TokenProblem::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!("eyJhbGciOiJub25lIn0.{}.sig", URL_SAFE_NO_PAD.encode(claims))
    }

    #[test]
    fn authorization_values_are_judged_as_a_connector_would() {
        let listed = vec!["revoked-token".to_owned()];
        let now = 1_800_000_000;
        let past = format!("Bearer {}", jwt(r#"{"exp": 1700000000}"#));
        let future = format!("Bearer {}", jwt(r#"{"exp": 1900000000}"#));
        let no_exp = format!("Bearer {}", jwt(r#"{"sub": "x"}"#));
        let cases: &[(Option<&str>, Result<(), TokenProblem>)] = &[
            (None, Err(TokenProblem::Missing)),
            (Some("  "), Err(TokenProblem::Missing)),
            (Some("Basic dXNlcjpwYXNz"), Err(TokenProblem::Malformed)),
            (Some("Bearer"), Err(TokenProblem::Malformed)),
            (Some("Bearer two words"), Err(TokenProblem::Malformed)),
            (Some("Bearer revoked-token"), Err(TokenProblem::Expired)),
            (Some(&past), Err(TokenProblem::Expired)),
            (Some(&future), Ok(())),
            (Some(&no_exp), Ok(())),
            (Some("bearer opaque-token-123"), Ok(())),
        ];
        for (value, expected) in cases {
            assert_eq!(
                check(bearer_token(*value), &listed, now),
                *expected,
                "{value:?}"
            );
        }
    }
}
