//! `spawn_app` and the assertions every test file shares.

pub use crate::answer::Answer;
use crate::answer::{Paths, send};
use crm_connector_mock::Handle;
use crm_connector_mock::{Application, Config};
use serde_json::{Value, json};

/// The reference clock every test server runs with, so dates are stable.
pub const CLOCK: &str = "2026-11-25T12:00:00Z";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The connector paths, so the rules know which operation a request is.
    paths: Paths,
    handle: Option<Handle>,
    /// Under `CRM_MOCK_TEST_PROXY`, the plain server behind this one.
    upstream: Option<Handle>,
}

fn default_paths() -> Paths {
    (
        "/api/related-activities".to_owned(),
        "/api/related-records".to_owned(),
    )
}

/// The two connector operations, by their default paths.
pub const OPERATIONS: [(&str, &str); 2] = [
    ("/api/related-activities", "GetRelatedActivities"),
    ("/api/related-records", "GetRelatedRecords"),
];

/// A reqwest client builder. reqwest is built without a TLS crypto provider
/// (the crate installs ring's before its own client), so install it here
/// first: reqwest refuses to build a client without one, even for http://.
/// Under `CRM_MOCK_TEST_TLS` it trusts the test servers' CA and nothing
/// else (ALPN offers h2 and http/1.1; the server picks h2).
pub fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = reqwest::Client::builder();
    match tls() {
        true => builder.tls_certs_only([trusting(&tls_dir().join("ca.pem"))]),
        false => builder,
    }
}

/// The certificate in `ca_file`, for a client that trusts it.
pub fn trusting(ca_file: &std::path::Path) -> reqwest::Certificate {
    let pem = std::fs::read(ca_file).expect("the CA file is written at start-up");
    reqwest::Certificate::from_pem(&pem).expect("the CA file is PEM")
}

/// Whether the suite runs over HTTPS and h2 (`CRM_MOCK_TEST_TLS`).
pub fn tls() -> bool {
    std::env::var_os("CRM_MOCK_TEST_TLS").is_some()
}

/// Under `CRM_MOCK_TEST_TLS`, the one self-signed DIR every test server of
/// this process uses (emptied once; the first server to start fills it).
pub fn tls_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("crm-mock-tls-suite-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    })
    .clone()
}

/// Whether a test that speaks raw HTTP/1.1 on a socket skips itself: under
/// `CRM_MOCK_TEST_TLS` the port speaks TLS (tests/api/tls.rs covers plain
/// bytes on it).
pub fn skip_raw_under_tls(test: &str) -> bool {
    if tls() {
        eprintln!("{test}: skipped under CRM_MOCK_TEST_TLS (raw HTTP/1.1 on a TLS port)");
    }
    tls()
}

/// A plain reqwest client (see `client_builder`).
pub fn client() -> reqwest::Client {
    client_builder().build().expect("a reqwest client")
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Config::default()).await
}

/// Starts the real server on a free port with `config` (port here; one
/// worker unless `config` asks for a number; the clock unless `config` has
/// one).
pub async fn spawn_with(config: Config) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = env_logger::builder().is_test(true).try_init();
    }
    let config = Config {
        port: 0,
        workers: config.workers.max(1),
        clock: config.clock.or_else(|| {
            time::OffsetDateTime::parse(CLOCK, &time::format_description::well_known::Rfc3339).ok()
        }),
        ..config
    };
    let paths = (config.activities_path.clone(), config.records_path.clone());
    // CRM_MOCK_TEST_PROXY=1: every test talks to a proxy in front of a plain
    // server holding the same data, so every simulation is shown to work in
    // proxy mode as it does alone (`.ci/run` runs the suite both ways).
    let (config, upstream) = match proxied() {
        true if config.upstream.is_none() => {
            let upstream = start(Config {
                scenarios: config.scenarios.clone(),
                clock: config.clock,
                activities_path: config.activities_path.clone(),
                records_path: config.records_path.clone(),
                max_query_bytes: config.max_query_bytes,
                max_header_bytes: config.max_header_bytes,
                ..Config::default()
            });
            let config = Config {
                upstream: Some(upstream.0.clone()),
                ..config
            };
            (config, Some(upstream.1))
        }
        _ => (config, None),
    };
    running(start(config), paths, upstream)
}

/// The `TestApp` of a started server (and the upstream behind it, if any).
fn running((address, handle): (String, Handle), paths: Paths, upstream: Option<Handle>) -> TestApp {
    TestApp {
        address,
        client: client(),
        paths,
        handle: Some(handle),
        upstream,
    }
}

/// Whether the suite runs in front of proxies (`CRM_MOCK_TEST_PROXY`).
pub fn proxied() -> bool {
    std::env::var_os("CRM_MOCK_TEST_PROXY").is_some()
}

/// A server that is never put behind a proxy (the proxy tests' upstreams).
pub async fn spawn_plain(config: Config) -> TestApp {
    let paths = (config.activities_path.clone(), config.records_path.clone());
    let config = Config {
        clock: config.clock.or_else(|| {
            time::OffsetDateTime::parse(CLOCK, &time::format_description::well_known::Rfc3339).ok()
        }),
        ..config
    };
    running(start(config), paths, None)
}

fn start(config: Config) -> (String, Handle) {
    let config = Config {
        port: 0,
        workers: config.workers.max(1),
        ..config
    };
    // CRM_MOCK_TEST_TLS=1: every server speaks HTTPS with the one
    // self-signed DIR; builds take turns, so only the first generates it.
    static BUILDS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = tls().then(|| BUILDS.lock().unwrap_or_else(|e| e.into_inner()));
    // A proxy's upstream is then one of these servers too: the proxy has
    // no flag to trust a CA, so it accepts the upstream's certificate.
    let config = match tls() && !config.tls_enabled() {
        true => Config {
            tls_self_signed: Some(tls_dir()),
            upstream_insecure: config.upstream.is_some(),
            ..config
        },
        false => config,
    };
    let app = Application::build(config).expect("the test server starts");
    let address = app.base_url();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    (address, handle)
}

impl TestApp {
    /// A handle for raw-socket helpers on another thread: the address only
    /// (it cannot stop the server).
    pub fn detached(address: String) -> TestApp {
        TestApp::detached_with(address, client())
    }

    /// The same, speaking through `client`.
    pub fn detached_with(address: String, client: reqwest::Client) -> TestApp {
        TestApp {
            address,
            client,
            paths: default_paths(),
            handle: None,
            upstream: None,
        }
    }

    /// GET `path_and_query` with extra headers; the answer is judged by the
    /// contract's rules (`answer`).
    pub async fn get(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.get(format!("{}{path_and_query}", self.address));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    pub async fn request(&self, method: reqwest::Method, path: &str) -> Answer {
        self.send(
            self.client
                .request(method, format!("{}{path}", self.address)),
        )
        .await
    }

    /// GET unjudged, for a fault that breaks the contract on purpose.
    pub async fn get_raw(
        &self,
        path_and_query: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path_and_query}", self.address));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("the request is answered")
    }

    /// A judged client on `client` (its own connections), for spawned tasks.
    pub fn judged(&self, client: reqwest::Client) -> crate::answer::Judged {
        crate::answer::Judged {
            client,
            paths: self.paths.clone(),
        }
    }

    /// Sends a request built on `client`; the answer is judged.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let request = request.build().expect("a valid request");
        send(&self.client, request, &self.paths).await
    }

    /// GET `path` and its JSON body.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path, &[])
            .await
            .json()
            .await
            .expect("the answer is JSON")
    }

    pub async fn openapi(&self) -> Value {
        self.get("/openapi.json", &[])
            .await
            .json()
            .await
            .expect("openapi.json is JSON")
    }

    pub async fn stop(self) {
        // The client's connections go first: actix closes idle HTTP/1.1
        // connections on a graceful stop, but waits for idle h2 ones until
        // the shutdown timeout (docs/tls.md), which would add 5 s a test.
        let TestApp {
            client,
            handle,
            upstream,
            ..
        } = self;
        drop(client);
        for handle in [handle, upstream].into_iter().flatten() {
            handle.stop(true).await;
        }
    }
}

pub fn header<'a>(response: &'a Answer, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Checks the standard error shape and returns the body: status, JSON
/// content type, errorCode, a non-empty errorMessage, and an activityId equal
/// to the `x-ms-request-id` header.
pub async fn assert_error(response: Answer, status: u16, error_code: &str) -> Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status for {error_code}"
    );
    assert_eq!(
        header(&response, "content-type"),
        Some("application/json"),
        "{error_code}"
    );
    let request_id = header(&response, "x-ms-request-id").map(str::to_owned);
    let body: Value = response.json().await.expect("an error body is JSON");
    assert_eq!(body["errorCode"], error_code, "{body}");
    assert!(
        body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(body["activityId"].as_str(), request_id.as_deref(), "{body}");
    let allowed = ["errorCode", "errorMessage", "activityId", "details"];
    assert!(
        body.as_object()
            .unwrap()
            .keys()
            .all(|k| allowed.contains(&k.as_str())),
        "{body}"
    );
    body
}

/// Validates `instance` against a definition of the served OpenAPI document.
pub fn assert_valid(openapi: &Value, definition: &str, instance: &Value) {
    let schema = json!({ "$ref": format!("#/definitions/{definition}"), "definitions": openapi["definitions"] });
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the served definitions are a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{definition} invalid: {errors:?}\n{instance}"
    );
}

/// A fresh directory under the system's temp dir holding `files` (name,
/// text), for tests that load user scenario or data files.
pub fn dir_with(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("crm-mock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

/// POSTs `body` as JSON to the admin (or any) path.
pub async fn post_json(app: &TestApp, path: &str, body: serde_json::Value) -> Answer {
    app.send(
        app.client
            .post(format!("{}{path}", app.address))
            .json(&body),
    )
    .await
}

pub async fn json_of(response: Answer) -> serde_json::Value {
    response.json().await.unwrap()
}

/// A record the embedded data defines (the README's and the tests' example).
pub const DEFINED_OPPORTUNITY: &str =
    "recordType=opportunity&recordId=7f3c2a10-5b6e-4d8f-9a01-2c3d4e5f6a7b";

/// A success page: asserts 200 and JSON, returns the body.
pub async fn page(app: &TestApp, path_and_query: &str, headers: &[(&str, &str)]) -> Value {
    let response = app.get(path_and_query, headers).await;
    assert_eq!(response.status().as_u16(), 200, "{path_and_query}");
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    response.json().await.unwrap()
}
