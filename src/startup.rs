//! `Application`: builds the state once, binds the listener (port 0 picks a
//! free port) and starts the server. `routes` is the whole URL table.
//! It decides no answer and parses no request: the handlers (`api`,
//! `admin`) and the envelope do. It runs `Config::validate` itself, since
//! tests build a `Config` directly rather than through `Config::checked`.
//! Under TLS (`tls` makes the rustls configuration) the port speaks HTTPS,
//! HTTP/1.1 or h2 as ALPN picks, and `--http-port` adds a plain listener
//! to the same server (same routes, same state).

use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};

use crate::config::Config;
use crate::connector::state::AppState;
use crate::contract::{HEALTH_PATH, METRICS_PATH, OPENAPI_PATH};
use crate::http::admin;
use crate::http::context::Envelope;
use crate::http::socket::ConnectionFd;
use crate::http::{api, fallback};

/// The `Allow` of every GET resource.
const GET_HEAD: &str = "GET, HEAD";

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    /// Kept to finish what outlives the server (the proxy's recording).
    state: web::Data<AppState>,
    host: String,
    port: u16,
    /// `https` under TLS, else `http`.
    scheme: &'static str,
    /// The plain HTTP port beside HTTPS (`--http-port`), once bound.
    http_port: Option<u16>,
}

/// The URL table, on one screen. Every GET resource answers HEAD too, with
/// the same status and headers and no body (RFC 9110 section 9.3.2): the
/// same handler runs and actix-http leaves the body out.
fn routes(cfg: &mut web::ServiceConfig, config: &Config) {
    cfg.service(
        web::resource(config.activities_path.as_str())
            .route(web::get().to(api::related_activities))
            .route(web::head().to(api::related_activities))
            .default_service(fallback::method_not_allowed(GET_HEAD)),
    )
    .service(
        web::resource(config.records_path.as_str())
            .route(web::get().to(api::related_records))
            .route(web::head().to(api::related_records))
            .default_service(fallback::method_not_allowed(GET_HEAD)),
    )
    .service(
        web::resource(HEALTH_PATH)
            .route(web::get().to(api::health))
            .route(web::head().to(api::health))
            .default_service(fallback::method_not_allowed(GET_HEAD)),
    )
    .service(
        web::resource(OPENAPI_PATH)
            .route(web::get().to(api::openapi_json))
            .route(web::head().to(api::openapi_json))
            .default_service(fallback::method_not_allowed(GET_HEAD)),
    )
    .service(
        web::resource(METRICS_PATH)
            .route(web::get().to(api::metrics))
            .route(web::head().to(api::metrics))
            .default_service(fallback::method_not_allowed(GET_HEAD)),
    );
    if !config.no_admin {
        cfg.service(admin::scope());
    }
}

impl Application {
    /// Loads the scenario and data files, binds and starts serving (the
    /// returned server runs once awaited or spawned).
    pub fn build(config: Config) -> Result<Application, String> {
        config.validate()?;
        let mut state = AppState::build(config.clone())?;
        let listener = TcpListener::bind((config.host.as_str(), config.port))
            .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("cannot read the bound address: {e}"))?
            .port();
        let tls = crate::tls::load(&config)?;
        let plain = match config.http_port.filter(|_| tls.is_some()) {
            Some(http_port) => Some(
                TcpListener::bind((config.host.as_str(), http_port)).map_err(|e| {
                    format!(
                        "cannot listen on {}:{http_port} (--http-port): {e}",
                        config.host
                    )
                })?,
            ),
            None => None,
        };
        let http_port = match &plain {
            Some(listener) => Some(
                listener
                    .local_addr()
                    .map_err(|e| format!("cannot read the bound address: {e}"))?
                    .port(),
            ),
            None => None,
        };
        // The served document names the port actually bound (port 0 picks one).
        state.openapi = crate::openapi::document(&Config {
            port,
            ..config.clone()
        })
        .to_string();
        let state = web::Data::new(state);
        let kept = state.clone();
        let routes_config = config.clone();
        let mut server = HttpServer::new(move || {
            let routes_config = routes_config.clone();
            App::new()
                .app_data(state.clone())
                // The envelope's handle: a per-worker count (see `envelope`).
                .app_data(std::rc::Rc::new(state.clone()))
                .wrap(Envelope)
                .configure(move |cfg| routes(cfg, &routes_config))
                .default_service(web::to(fallback::route_not_found))
        })
        // The raw socket of each connection, for CONNECTION_RESET: the TCP
        // stream itself, or the one under TLS.
        .on_connect(|connection, extensions| {
            use actix_tls::accept::rustls_0_23::TlsStream;
            use actix_web::rt::net::TcpStream;
            let tcp = connection.downcast_ref::<TcpStream>().or_else(|| {
                connection
                    .downcast_ref::<TlsStream<TcpStream>>()
                    .map(|tls| tls.get_ref().0)
            });
            if let Some(tcp) = tcp {
                extensions.insert(ConnectionFd(std::os::fd::AsRawFd::as_raw_fd(tcp)));
            }
        })
        // No Nagle: h2 writes a response as a HEADERS and then a DATA frame,
        // and with Nagle the second write waits for the client's delayed ACK
        // (40 ms on Linux): 44 ms a request over h2 before, 0.2 ms after
        // (`h2load -c1 -m1`, docs/performance.md).
        .tcp_nodelay(true)
        .shutdown_timeout(config.shutdown_timeout)
        .client_request_timeout(std::time::Duration::from_millis(config.request_timeout))
        // actix stops immediately on SIGINT; we want both signals graceful,
        // so `main` handles them (see `shutdown_signal`).
        .disable_signals();
        if config.workers > 0 {
            server = server.workers(config.workers);
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        server = match tls {
            Some(tls) => {
                log::info!("{}", tls.note);
                server.listen_rustls_0_23(listener, tls.server)
            }
            None => server.listen(listener),
        }
        .map_err(|e| format!("cannot start the server: {e}"))?;
        if let Some(plain) = plain {
            server = server
                .listen(plain)
                .map_err(|e| format!("cannot start the server: {e}"))?;
        }
        let app = Application {
            server: server.run(),
            state: kept,
            host: config.host,
            port,
            scheme,
            http_port,
        };
        if let Some(url) = app.plain_url() {
            log::info!("plain HTTP too on {url} (--http-port)");
        }
        Ok(app)
    }

    /// The bound port (the real one under port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://HOST:PORT`, or `https://HOST:PORT` under TLS.
    pub fn base_url(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.url_host(), self.port)
    }

    /// `http://HOST:PORT` of the plain listener beside HTTPS (`--http-port`).
    pub fn plain_url(&self) -> Option<String> {
        self.http_port
            .map(|port| format!("http://{}:{port}", self.url_host()))
    }

    fn url_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// A handle to stop the server: `handle.stop(true).await` drains
    /// in-flight requests first.
    pub fn handle(&self) -> Handle {
        Handle {
            server: self.server.handle(),
            state: self.state.clone(),
        }
    }

    /// Serves until stopped by the handle or a signal (SIGINT, SIGTERM).
    /// Once stopped, the proxy's recording writes what it still holds (a
    /// worker may drop its state after `main` has returned).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopped = self.server.await;
        if let Some(upstream) = &self.state.upstream {
            upstream.finish();
        }
        stopped
    }
}

/// Stops the server. Open event streams (`/__admin/requests/stream`, a
/// dashboard) end at their next visit, within 100 ms, rather than holding a
/// graceful stop for the whole `--shutdown-timeout`: they never finish on
/// their own.
#[derive(Clone)]
pub struct Handle {
    server: ServerHandle,
    state: web::Data<AppState>,
}

impl Handle {
    /// `graceful`: in-flight requests get `--shutdown-timeout` to finish.
    /// Like actix's own handle, the future borrows nothing (it can be
    /// spawned).
    pub fn stop(&self, graceful: bool) -> impl std::future::Future<Output = ()> + 'static {
        self.state.journal().feed.close();
        self.server.stop(graceful)
    }
}

/// SIGTERM and SIGINT, e.g. from `docker stop` or Ctrl-C. The first stops
/// the server gracefully (in-flight requests get `--shutdown-timeout`
/// seconds); `main` keeps listening, and a second one exits at once.
pub struct Signals {
    terminate: actix_web::rt::signal::unix::Signal,
    interrupt: actix_web::rt::signal::unix::Signal,
}

impl Signals {
    /// Starts listening (signals before this keep their default action).
    pub fn listen() -> std::io::Result<Signals> {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        Ok(Signals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// The next SIGTERM or SIGINT: its name and the exit code of a process
    /// it ends (128 + its number, as a shell reports a killed process).
    pub async fn next(&mut self) -> (&'static str, u8) {
        let which = futures_util::future::select(
            Box::pin(self.terminate.recv()),
            Box::pin(self.interrupt.recv()),
        )
        .await;
        match which {
            futures_util::future::Either::Left(_) => ("SIGTERM", 128 + 15),
            futures_util::future::Either::Right(_) => ("SIGINT", 128 + 2),
        }
    }
}
