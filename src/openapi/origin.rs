//! Where the served document says the connector is: Swagger 2.0's `host`
//! and `schemes`, from `--public-url` when given (checked by the
//! configuration, `config::values`), else from the address the server
//! listens on (`https` under TLS). It never reads a request.
//!
//! Rationale: the document is built once, after the listener is bound, not
//! from each request's `Host`: a client behind a proxy sees the proxy's
//! host anyway, and that is what `--public-url` is for. Certified connectors
//! publish a fixed `host` and `schemes: [https]` the same way.

/// The document's `schemes` entry and `host` (`host[:port]`, an IPv6
/// address in brackets): the public URL's when configured, else `http` (or
/// `https` when `tls`) and the listening address.
pub fn host_and_scheme(
    public_url: Option<&str>,
    host: &str,
    port: u16,
    tls: bool,
) -> (String, String) {
    if let Some((scheme, rest)) = public_url.and_then(|u| u.split_once("://")) {
        return (scheme.to_owned(), rest.trim_end_matches('/').to_owned());
    }
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let scheme = if tls { "https" } else { "http" };
    (scheme.to_owned(), format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_scheme_come_from_the_public_url_else_from_the_listening_address_and_tls() {
        let cases = [
            (
                Some("https://c.contoso.com"),
                "127.0.0.1",
                1,
                false,
                ("https", "c.contoso.com"),
            ),
            (
                Some("http://c:81/"),
                "127.0.0.1",
                1,
                false,
                ("http", "c:81"),
            ),
            (Some("http://c:81/"), "127.0.0.1", 1, true, ("http", "c:81")),
            (None, "127.0.0.1", 8080, false, ("http", "127.0.0.1:8080")),
            (None, "127.0.0.1", 8443, true, ("https", "127.0.0.1:8443")),
            (None, "::1", 8080, false, ("http", "[::1]:8080")),
            (None, "0.0.0.0", 80, false, ("http", "0.0.0.0:80")),
        ];
        for (public, host, port, tls, (scheme, want)) in cases {
            let got = host_and_scheme(public, host, port, tls);
            assert_eq!(
                got,
                (scheme.to_owned(), want.to_owned()),
                "{public:?} {host}"
            );
        }
    }
}
