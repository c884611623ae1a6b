//! The values of flags that need more than a number: `--rate-limit N/period`,
//! the weighted `--failure-scenarios` list and `--public-url`. They are parsed here, with
//! the configuration that holds them; the limiter and the failure injector
//! only use the parsed values.

use std::num::NonZeroU32;
use std::time::Duration;

/// `N/period` as written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: NonZeroU32,
    pub period: Duration,
}

impl std::str::FromStr for RateLimit {
    type Err = String;
    fn from_str(text: &str) -> Result<RateLimit, String> {
        let problem = || format!("'{text}' is not N/period, e.g. 10/s, 100/min, 5000/h");
        let (count, unit) = text.split_once('/').ok_or_else(problem)?;
        let requests = count.trim().parse::<NonZeroU32>().map_err(|_| problem())?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(problem()),
        };
        Ok(RateLimit { requests, period })
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.requests, self.period.as_secs())
    }
}

/// A weighted scenario list as written: `INTERNAL_SERVER_ERROR=3,REQUEST_THROTTLED=1`.
pub fn parse_weights(text: &str) -> Result<Vec<(String, u32)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (code, weight) = entry.split_once('=').unwrap_or((entry, "1"));
            let weight: u32 = weight
                .trim()
                .parse()
                .ok()
                .filter(|w| *w > 0)
                .ok_or_else(|| format!("weight of '{entry}' must be a positive integer"))?;
            Ok((code.trim().to_ascii_uppercase(), weight))
        })
        .collect()
}

/// `--public-url`'s check: `http://` or `https://`, then a host with an
/// optional port, and at most a trailing `/` (Swagger 2.0's `host` has no
/// path; the operations' paths are configured on their own). Returns the
/// value without the trailing `/`.
pub fn parse_public_url(value: &str) -> Result<String, String> {
    let (scheme, rest) = value
        .split_once("://")
        .ok_or_else(|| "must start with http:// or https://".to_owned())?;
    if scheme != "http" && scheme != "https" {
        return Err("must start with http:// or https://".to_owned());
    }
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let plain = |b: u8| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b);
    if host.is_empty() || !host.bytes().all(plain) {
        return Err(
            "must be scheme://host[:port], with no path, query or user (e.g. https://connector.contoso.com)"
                .to_owned(),
        );
    }
    if let Some((_, port)) = host.rsplit_once(':').filter(|(h, _)| !h.ends_with(':'))
        && !host.ends_with(']')
        && port.parse::<u16>().is_err()
    {
        return Err(format!("port '{port}' must be a number from 0 to 65535"));
    }
    Ok(format!("{scheme}://{host}"))
}

/// `--upstream`'s check: an http(s) URL with a host and no user, password,
/// query or fragment (a path prefix is fine). Credentials in the URL are
/// refused: the client would turn them into a second `Authorization` next
/// to the one the caller sends, and the URL is shown in answers and the
/// admin API. The message never repeats the URL.
pub fn upstream_url(value: &str) -> Result<reqwest::Url, String> {
    reqwest::Url::parse(value.trim_end_matches('/'))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .filter(|u| u.query().is_none() && u.fragment().is_none())
        .filter(|u| u.username().is_empty() && u.password().is_none())
        .ok_or_else(|| {
            "--upstream must be an http:// or https:// base URL without user, password, query or fragment (the caller's own Authorization is passed on)"
                .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upstream_is_an_http_or_https_base_url_and_its_error_never_repeats_it() {
        for good in ["http://127.0.0.1:8081", "https://connector.example.com/v1/"] {
            assert!(upstream_url(good).is_ok(), "{good}");
        }
        for bad in [
            "ftp://h",
            "connector.example.com",
            "https://h/x?code=s3cret",
            "https://h/#s3cret",
            "https://u:s3cret@h.example",
            "",
        ] {
            let error = upstream_url(bad).unwrap_err();
            assert!(!error.contains("s3cret"), "{error}");
        }
    }

    fn limit(text: &str) -> RateLimit {
        text.parse().unwrap()
    }

    #[test]
    fn rate_limits_parse() {
        assert_eq!(limit("10/s").period, Duration::from_secs(1));
        assert_eq!(limit("100/min").requests.get(), 100);
        for bad in ["10", "0/s", "-1/s", "10/fortnight", "x/s"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }

    #[test]
    fn weights_parse() {
        assert_eq!(parse_weights("A").unwrap(), vec![("A".to_owned(), 1)]);
        assert!(parse_weights("A=0").is_err());
        assert!(parse_weights("A=x").is_err());
    }

    #[test]
    fn a_public_url_is_a_scheme_and_a_host_with_an_optional_port() {
        let cases = [
            (
                "https://connector.contoso.com",
                Ok("https://connector.contoso.com"),
            ),
            (
                "https://connector.contoso.com/",
                Ok("https://connector.contoso.com"),
            ),
            ("http://127.0.0.1:8080", Ok("http://127.0.0.1:8080")),
            ("http://[::1]:8080", Ok("http://[::1]:8080")),
            ("http://[::1]", Ok("http://[::1]")),
            ("ftp://x", Err("http://")),
            ("connector.contoso.com", Err("http://")),
            ("https://", Err("scheme://host")),
            ("https://x.com/api", Err("no path")),
            ("https://user@x.com", Err("no path")),
            ("https://x.com?a=1", Err("no path")),
            ("https://x.com:99999", Err("port '99999'")),
            ("https://x.com:abc", Err("port 'abc'")),
        ];
        for (value, expected) in cases {
            match (parse_public_url(value), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{value}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{value}: {got}"),
                (got, want) => panic!("{value}: {got:?}, expected {want:?}"),
            }
        }
    }
}
