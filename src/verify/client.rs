//! The HTTP(S) client of `verify`: rustls with the system's roots (or any
//! certificate with `--insecure`), no redirect followed (a 3xx is an answer
//! the rules report), every request cut off at `verify::timeout`,
//! and bodies read up to `MAX_BODY`. It turns each answer into a
//! `rules::Exchange`; it judges nothing.

use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::Value;

use super::{GRACE, Options, timeout};
use crate::contract::Operation;
use crate::contract::rules::{Exchange, Got, Sent};

/// The most of a body (answer or document) that is read: 4 MiB.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

pub struct Client {
    http: reqwest::Client,
    base: Url,
    /// How many requests were sent.
    pub sent: usize,
    /// Distinguishes the request ids of one run.
    run: String,
}

impl Client {
    pub fn new(options: &Options) -> Result<Client, String> {
        // Not repeated in the message: a URL may carry a secret.
        let base = Url::parse(options.base_url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or("BASE_URL must be an http:// or https:// URL")?;
        // Reports print the URL: credentials in it (user:password@, or a key
        // such as Azure Functions' ?code=) would be printed with it.
        if !base.username().is_empty() || base.password().is_some() || base.query().is_some() {
            return Err("BASE_URL must not carry credentials or a query (reports print it): send a key with --header, e.g. --header 'x-functions-key: ...'".into());
        }
        // reqwest is built without a crypto provider: install ring's, once
        // per process (a second call finds it installed, which is fine).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::client_tls::config(options.insecure)?)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout(Duration::from_millis(options.budget_ms)))
            .connect_timeout(GRACE)
            .user_agent(concat!(
                "crm-connector-mock-verify/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client {
            http,
            base,
            sent: 0,
            run: format!("{:08x}", fastrand::u32(..)),
        })
    }

    /// The base URL as given, for reports.
    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// GETs `path` under the base URL with `query` and `headers`, plus a
    /// fresh `x-ms-client-request-id` and `x-ms-user-agent: sales-copilot`
    /// as the Sales agent sends them. An error is a one-line reason (no
    /// answer, a timeout, a body over `MAX_BODY`).
    pub async fn get(
        &mut self,
        operation: Operation,
        path: &str,
        query: &[(String, String)],
        headers: &[(String, String)],
    ) -> Result<Exchange, String> {
        self.sent += 1;
        let mut url = self.base.clone();
        url.set_path(&format!("{}{path}", self.base.path().trim_end_matches('/')));
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut headers = headers.to_vec();
        headers.push((
            crate::contract::CLIENT_REQUEST_ID.to_owned(),
            format!("verify-{}-{}", self.run, self.sent),
        ));
        headers.push(("x-ms-user-agent".to_owned(), "sales-copilot".to_owned()));
        let sent = Sent {
            operation: Some(operation),
            target: match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            },
            query: query.to_vec(),
            headers: headers.clone(),
        };
        let mut request = self.http.get(url);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let started = Instant::now();
        let got = read(request)
            .await
            .map_err(|e| format!("GET {} got no answer: {e}", sent.target))?;
        let got = Got::new(got.0, got.1, got.2, started.elapsed());
        Ok(Exchange { sent, got })
    }

    /// The connector's document, from a file or an http(s) URL.
    pub async fn document(
        &mut self,
        source: &str,
        headers: &[(String, String)],
    ) -> Result<Value, String> {
        let bytes = if source.starts_with("http://") || source.starts_with("https://") {
            self.sent += 1;
            let mut request = self.http.get(source);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let (status, _, body) = read(request)
                .await
                .map_err(|e| format!("cannot fetch --openapi {source}: {e}"))?;
            if status != 200 {
                return Err(format!("--openapi {source} answered {status}"));
            }
            body
        } else {
            use std::io::Read;
            let mut bytes = Vec::new();
            std::fs::File::open(source)
                .and_then(|file| file.take(MAX_BODY as u64 + 1).read_to_end(&mut bytes))
                .map_err(|e| format!("cannot read --openapi {source}: {e}"))?;
            if bytes.len() > MAX_BODY {
                return Err(format!("--openapi {source} is over 4 MiB"));
            }
            bytes
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("--openapi {source} is not a JSON document: {e}"))
    }
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// Sends `request` and reads the status, the headers and up to `MAX_BODY`
/// of the body.
async fn read(request: reqwest::RequestBuilder) -> Result<Answer, String> {
    let mut response = request.send().await.map_err(describe)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("the body is over 4 MiB".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body))
}

/// reqwest's error with its causes, on one line.
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
