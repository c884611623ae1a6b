//! What crosses the proxy: which request headers and query parameters go
//! up to the upstream, and which answer headers come back (RFC 9110 §7.6.1:
//! a proxy passes end-to-end headers and drops hop-by-hop ones).
//!
//! Going up, the proxy also drops this server's own knobs (`X-Simulate-*`,
//! `simulate*` parameters, `Prefer`'s `code=`): they were for the proxy, and
//! an upstream that is itself a mock would act on them a second time. It
//! asks for an uncompressed answer (no `Accept-Encoding`), so that it can
//! judge and record the body it passes on.

use crate::contract::{
    SIMULATE_DELAY_HEADER, SIMULATE_DELAY_PARAM, SIMULATE_ERROR_HEADER, SIMULATE_ERROR_PARAM,
    SIMULATE_SESSION_HEADER, SIMULATE_SESSION_PARAM,
};

/// Hop-by-hop headers (RFC 9110 §7.6.1), plus the ones the client library
/// writes itself for its own connection (`host`, `content-length`).
const HOP_BY_HOP: [&str; 11] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// Whether `name` (lower case) is named by one of the `Connection` values,
/// which makes it hop-by-hop too.
fn listed(name: &str, connection: &[&str]) -> bool {
    connection.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// The header names the `Connection` values list (hop-by-hop by that).
fn connection_names<'a>(headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<&'a str> {
    headers
        .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
        .filter_map(|(_, v)| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(',').map(str::trim))
        .collect()
}

/// The request headers to send up, from the client's (names lower case, as
/// actix gives them).
pub fn upward(headers: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    let connection = connection_names(headers.iter().copied());
    headers
        .iter()
        .filter(|(name, _)| {
            !HOP_BY_HOP.contains(name)
                && !listed(name, &connection)
                && !matches!(
                    *name,
                    SIMULATE_ERROR_HEADER | SIMULATE_DELAY_HEADER | SIMULATE_SESSION_HEADER
                )
                && *name != "accept-encoding"
        })
        .filter_map(|(name, value)| {
            if *name == "prefer" {
                // Keep the other preferences; `code=` was the proxy's.
                let text = std::str::from_utf8(value).ok()?;
                let kept: Vec<&str> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty() && !p.to_ascii_lowercase().starts_with("code="))
                    .collect();
                return (!kept.is_empty())
                    .then(|| ((*name).to_owned(), kept.join(", ").into_bytes()));
            }
            Some(((*name).to_owned(), value.to_vec()))
        })
        .collect()
}

/// The query string to send up: the client's, as sent, without this
/// server's own `simulate*` parameters.
pub fn upward_query(raw: &str) -> String {
    raw.split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !pair.is_empty()
                && !matches!(
                    name,
                    SIMULATE_ERROR_PARAM | SIMULATE_DELAY_PARAM | SIMULATE_SESSION_PARAM
                )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether an answer header comes back to the client: end-to-end ones do;
/// hop-by-hop ones and `Date` (the server writes its own) do not.
pub fn downward(name: &str, connection: &[&str]) -> bool {
    !HOP_BY_HOP.contains(&name) && name != "date" && !listed(name, connection)
}

/// The answer headers that come back (`downward`), from all the upstream sent.
pub fn downward_all(all: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let connection: Vec<String> =
        connection_names(all.iter().map(|(n, v)| (n.as_str(), v.as_slice())))
            .into_iter()
            .map(str::to_ascii_lowercase)
            .collect();
    let connection: Vec<&str> = connection.iter().map(String::as_str).collect();
    all.into_iter()
        .filter(|(n, _)| downward(n, &connection))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_to_end_headers_go_up_and_hop_by_hop_ones_and_the_knobs_do_not() {
        let headers: Vec<(&str, &[u8])> = vec![
            ("authorization", b"Bearer t"),
            ("accept-language", b"de"),
            ("x-ms-client-request-id", b"id-1"),
            ("x-ms-user-agent", b"sales-copilot"),
            ("connection", b"keep-alive, x-private"),
            ("x-private", b"hop"),
            ("keep-alive", b"timeout=5"),
            ("host", b"proxy:8080"),
            ("accept-encoding", b"gzip"),
            ("x-simulate-error", b"429"),
            ("x-simulate-session", b"s"),
            ("prefer", b"respond-async, code=404"),
        ];
        let up: Vec<(String, String)> = upward(&headers)
            .into_iter()
            .map(|(n, v)| (n, String::from_utf8(v).unwrap()))
            .collect();
        let expected = [
            ("authorization", "Bearer t"),
            ("accept-language", "de"),
            ("x-ms-client-request-id", "id-1"),
            ("x-ms-user-agent", "sales-copilot"),
            ("prefer", "respond-async"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(up, expected);
        assert!(
            upward(&[("prefer", b"code=500")]).is_empty(),
            "a Prefer of code= alone is dropped"
        );
    }

    #[test]
    fn the_query_goes_up_as_sent_without_the_simulate_parameters() {
        let cases = [
            (
                "recordType=account&recordId=42",
                "recordType=account&recordId=42",
            ),
            (
                "simulateError=429&recordType=a%20b&simulateSession=s",
                "recordType=a%20b",
            ),
            ("recordId=1&simulateDelay=100&top=2", "recordId=1&top=2"),
            ("", ""),
        ];
        for (raw, expected) in cases {
            assert_eq!(upward_query(raw), expected, "{raw}");
        }
    }

    #[test]
    fn answer_headers_come_back_unless_hop_by_hop_or_the_date() {
        let connection = ["x-upstream-hop"];
        for (name, back) in [
            ("content-type", true),
            ("content-language", true),
            ("retry-after", true),
            ("x-ms-request-id", true),
            ("transfer-encoding", false),
            ("connection", false),
            ("date", false),
            ("x-upstream-hop", false),
        ] {
            assert_eq!(downward(name, &connection), back, "{name}");
        }
    }
}
