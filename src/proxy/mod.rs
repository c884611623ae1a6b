//! Proxy mode (`--upstream URL`): a connector request that no simulation
//! answered is forwarded to a real connector, and its answer comes back
//! unchanged (end-to-end headers, status, body), judged by the contract's
//! rules on the way. It owns the upstream client (hyper's, keep-alive
//! connections reused across requests and workers; h2 when the upstream
//! offers it by ALPN), what crosses (`headers`), the
//! failures (`UPSTREAM_UNAVAILABLE` 502, `UPSTREAM_TIMEOUT` 504,
//! `UPSTREAM_CONTRACT_VIOLATION` 502 under `--upstream-strict`) and the
//! counters `/__admin/proxy` shows. It decides nothing about simulations:
//! `connector` has already decided that this request goes up.

pub mod headers;
mod judge;
pub mod record;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Serialize;

use crate::config::Config;
use crate::contract::{
    Operation, UPSTREAM_CONTRACT_VIOLATION, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE,
};
use crate::error::ApiError;
use crate::request::lang::Language;

pub use crate::contract::rules::Violation;

/// The most of an upstream body the proxy reads: 4 MiB (more is a 502).
pub const MAX_UPSTREAM_BODY: usize = 4 * 1024 * 1024;

/// The upstream connector and what the proxy counted of it.
#[derive(Debug)]
pub struct Upstream {
    client: UpstreamClient,
    /// Cuts off a request that is not answered whole in time (`--upstream-timeout`).
    timeout: Duration,
    /// Each operation's URL up to the query: the base URL and the path.
    urls: [String; 2],
    /// The base URL without credentials: what details, logs and the admin
    /// API show.
    shown: String,
    paths: [String; 2],
    pub strict: bool,
    counters: Counters,
    judge: judge::Judge,
    /// `--record DIR`.
    recorder: Option<record::Recorder>,
}

#[derive(Debug, Default)]
struct Counters {
    forwarded: AtomicU64,
    failed: AtomicU64,
    violating: AtomicU64,
}

/// The upstream's answer, read whole.
#[derive(Debug)]
pub struct Forwarded {
    pub status: u16,
    /// End-to-end headers only (`headers::downward`).
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
    /// Contract rules the answer broke.
    pub violations: Vec<Violation>,
}

/// What `/__admin/proxy` shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status<'a> {
    pub upstream: &'a str,
    pub activities_path: &'a str,
    pub records_path: &'a str,
    pub strict: bool,
    pub forwarded: u64,
    pub failed: u64,
    pub violating: u64,
    /// `--record`: on or off, the file, what it holds.
    pub recording: record::Status,
}

impl Upstream {
    /// The upstream `config` names, if any (`Err` when its client cannot be built).
    pub fn new(config: &Config) -> Result<Option<Upstream>, String> {
        let Some(url) = &config.upstream else {
            return Ok(None);
        };
        let base = crate::config::upstream_url(url)?;
        let mut shown = base.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        // hyper-rustls sets ALPN itself (h2, http/1.1) and refuses a config
        // that already has it.
        let mut tls = crate::client_tls::config(config.upstream_insecure)?;
        tls.alpn_protocols.clear();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(http);
        // hyper follows no redirects: a 3xx comes back as it is.
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_timer(TokioTimer::new())
            .build(https);
        let path =
            |own: &Option<String>, default: &str| own.clone().unwrap_or_else(|| default.to_owned());
        let paths = [
            path(&config.upstream_activities_path, &config.activities_path),
            path(&config.upstream_records_path, &config.records_path),
        ];
        let url = |path: &str| format!("{}{path}", base.as_str().trim_end_matches('/'));
        Ok(Some(Upstream {
            client,
            timeout: Duration::from_millis(config.upstream_timeout),
            urls: [url(&paths[0]), url(&paths[1])],
            shown: shown.as_str().trim_end_matches('/').to_owned(),
            paths,
            strict: config.upstream_strict,
            counters: Counters::default(),
            judge: judge::Judge::default(),
            recorder: config
                .record
                .as_deref()
                .map(record::Recorder::start)
                .transpose()?,
        }))
    }

    /// Once the server has stopped: waits until the recording (if any) has
    /// written every answer handed to it.
    pub fn finish(&self) {
        if let Some(recorder) = &self.recorder {
            recorder.finish();
        }
    }

    pub fn status(&self) -> Status<'_> {
        let count = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Status {
            upstream: &self.shown,
            activities_path: &self.paths[0],
            records_path: &self.paths[1],
            strict: self.strict,
            forwarded: count(&self.counters.forwarded),
            failed: count(&self.counters.failed),
            violating: count(&self.counters.violating),
            recording: self
                .recorder
                .as_ref()
                .map_or_else(record::Status::off, record::Recorder::status),
        }
    }

    /// Hands a forwarded answer to the recording (`--record`), which keeps
    /// it when it is a 200; `language` is the one negotiated for the
    /// request. Never waits for the recording.
    pub fn record(
        &self,
        operation: Operation,
        raw_query: &str,
        language: Language,
        answer: &Forwarded,
    ) {
        if let Some(recorder) = &self.recorder {
            let query = headers::upward_query(raw_query);
            recorder.offer(
                operation,
                &query,
                (answer.status, &answer.headers, &answer.body),
                language,
            );
        }
    }

    /// Forwards one request (its raw query and its headers, names in lower
    /// case) and reads the answer; the answer is judged, and under
    /// `--upstream-strict` a violating one is refused. A failure is the
    /// standard error to answer with.
    pub async fn forward(
        &self,
        operation: Operation,
        raw_query: &str,
        request_headers: &[(&str, &[u8])],
    ) -> Result<Forwarded, ApiError> {
        self.counters.forwarded.fetch_add(1, Ordering::Relaxed);
        let query = headers::upward_query(raw_query);
        let sent = headers::upward(request_headers);
        let url = match operation {
            Operation::RelatedActivities => &self.urls[0],
            Operation::RelatedRecords => &self.urls[1],
        };
        let mut request = hyper::Request::get(if query.is_empty() {
            url.clone()
        } else {
            format!("{url}?{query}")
        });
        for (name, value) in &sent {
            request = request.header(name.as_str(), value.as_slice());
        }
        let started = Instant::now();
        // `--upstream-timeout` covers connecting, sending and the whole body.
        let answer = tokio::time::timeout(self.timeout, read(&self.client, request))
            .await
            .unwrap_or(Err(Failure::Timeout));
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                return Err(self.failure(error));
            }
        };
        let (status, all_headers, body) = answer;
        let violations = self.judge.answer(
            operation,
            (&query, &sent),
            (status, &all_headers, &body),
            started.elapsed(),
        );
        if !violations.is_empty() {
            self.counters.violating.fetch_add(1, Ordering::Relaxed);
            if self.strict {
                return Err(self.violation(&violations));
            }
        }
        let headers = headers::downward_all(all_headers);
        Ok(Forwarded {
            status,
            headers,
            body,
            violations,
        })
    }

    fn failure(&self, error: Failure) -> ApiError {
        let (status, code, what) = match &error {
            Failure::Timeout => (504, UPSTREAM_TIMEOUT, "did not answer in time"),
            _ => (502, UPSTREAM_UNAVAILABLE, "could not be reached"),
        };
        ApiError::new(status, code, format!("The upstream connector {what}."))
            .with_detail("upstream", self.shown.as_str())
            .with_detail("cause", error.to_string())
    }

    fn violation(&self, violations: &[Violation]) -> ApiError {
        let rules: Vec<&str> = violations.iter().map(|v| v.rule).collect();
        ApiError::new(
            502,
            UPSTREAM_CONTRACT_VIOLATION,
            "The upstream connector's answer breaks the contract (--upstream-strict).",
        )
        .with_detail("upstream", self.shown.as_str())
        .with_detail("rules", rules)
    }
}

/// Why the upstream gave no usable answer. Its text never holds the URL
/// (which may carry credentials).
#[derive(Debug)]
enum Failure {
    Timeout,
    Transport(String),
    TooLarge,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout => f.write_str("timed out"),
            Failure::Transport(cause) => f.write_str(cause),
            Failure::TooLarge => write!(f, "the answer is over {} bytes", MAX_UPSTREAM_BODY),
        }
    }
}

impl Failure {
    /// An error and its sources, one after another (hyper's own text is
    /// short: "client error (Connect)"; the cause is in the sources).
    fn of(error: &dyn std::error::Error) -> Failure {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        Failure::Transport(text)
    }
}

type Answer = (u16, Vec<(String, Vec<u8>)>, Bytes);

type UpstreamClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Sends `request` and reads status, headers and up to `MAX_UPSTREAM_BODY`.
async fn read(
    client: &UpstreamClient,
    request: hyper::http::request::Builder,
) -> Result<Answer, Failure> {
    let request = request.body(Empty::new()).map_err(|e| Failure::of(&e))?;
    let response = client.request(request).await.map_err(|e| Failure::of(&e))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let mut stream = response.into_body();
    let mut body = bytes::BytesMut::new();
    while let Some(frame) = stream.frame().await {
        let Ok(chunk) = frame.map_err(|e| Failure::of(&e))?.into_data() else {
            continue; // trailers
        };
        if body.len() + chunk.len() > MAX_UPSTREAM_BODY {
            return Err(Failure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body.freeze()))
}
