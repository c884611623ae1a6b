//! Which names are secrets: one rule for header names and query parameter
//! names, and the query string with secret values replaced. Applied when an
//! entry is serialized; recording keeps what was sent.

/// Parts of a name that make its value a secret: one rule for header names
/// and (percent-decoded) query parameter names, matched on the name
/// lower-cased with `-`, `_`, `.` and spaces removed, so `X-Api-Key`,
/// `api_key` and `access%5Ftoken` are judged alike.
pub const SECRET_PARTS: [&str; 13] = [
    "token",
    "secret",
    "key",
    "pass",
    "pwd",
    "auth",
    "session",
    "credential",
    "cookie",
    "assertion",
    "signature",
    "code",
    "bearer",
];
/// Whole (normalized) names that are secrets though too short to search for.
pub const SECRET_NAMES: [&str; 2] = ["sig", "pw"];
/// The mock's own session knobs: a session *name* to follow in the journal,
/// not a secret (it would match `session`).
const KNOBS: [&str; 2] = ["xsimulatesession", "simulatesession"];
pub const REDACTED: &str = "[REDACTED]";

/// Whether the value of a header or query parameter named `name` (raw, as
/// sent: percent-escapes and `+` are decoded here) must be redacted.
pub fn is_secret_name(name: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    let normalized: String = decoded
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | '+' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    !KNOBS.contains(&normalized.as_str())
        && (SECRET_NAMES.contains(&normalized.as_str())
            || SECRET_PARTS.iter().any(|part| normalized.contains(part)))
}

/// The query string with secret parameters' values replaced.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_judges_header_and_query_names_alike() {
        let cases = [
            ("Authorization", true),
            ("X-Admin-Token", true),
            ("Ocp-Apim-Subscription-Key", true),
            ("X-Functions-Key", true),
            ("X-Auth", true),
            ("Set-Cookie", true),
            ("access%5Ftoken", true),
            ("access%5ftoken", true),
            ("client+secret", true),
            ("client_assertion", true),
            ("code", true),
            ("SIG", true),
            ("pw", true),
            ("session_key", true),
            ("X-Amz-Signature", true),
            ("Accept-Language", false),
            ("recordId", false),
            ("signal", false),
            ("X-Simulate-Session", false),
            ("simulateSession", false),
            ("simulate_session", false),
            ("%ZZ", false),
        ];
        for (name, secret) in cases {
            assert_eq!(is_secret_name(name), secret, "{name}");
        }
        assert_eq!(
            redact_query("recordId=1&access%5Ftoken=abc&Key=x&flag&sig="),
            "recordId=1&access%5Ftoken=[REDACTED]&Key=[REDACTED]&flag&sig=[REDACTED]"
        );
    }
}
