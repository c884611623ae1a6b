//! The benchmark's baseline: a bare actix-web server that answers fixed bytes,
//! with none of the mock's work (no parsing, data, scenarios, journal or
//! metrics). `benches/bench.py` fetches the mock's own responses first and
//! serves them from here, at the mock's own paths and queries, so both
//! servers read the same requests and send the same bytes.
//!
//!     cargo run --release --example baseline -- PORT WORKERS ROUTE...
//!
//! Each ROUTE is `PATH[?QUERY]=STATUS:DELAY_MS:BODY_FILE[:HEADERS_FILE]`,
//! e.g. `/api/related-records?recordId=1=200:0:/tmp/body.json:/tmp/headers`.
//! A request matches a route by its path and its exact query string. The
//! headers file holds `name: value` lines, sent as they are (constant
//! values: the baseline does none of the work behind them).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Clone)]
struct Canned {
    query: String,
    status: StatusCode,
    delay: Duration,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: web::Bytes,
}

/// A leaked `'static` copy: static bytes (a header value, the body) are
/// cloned without touching a reference count both workers would share.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn parse_headers(file: &str) -> Vec<(HeaderName, HeaderValue)> {
    let text = std::fs::read_to_string(file).expect("readable HEADERS_FILE");
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| {
            (
                HeaderName::from_bytes(name.trim().as_bytes()).expect("a header name"),
                HeaderValue::from_static(leak(value.trim())),
            )
        })
        .collect()
}

fn parse_route(spec: &str) -> (String, Canned) {
    // The query may hold `=`; the route's own `=` is the last one before
    // the status.
    let (target, rest) = spec
        .rsplit_once('=')
        .filter(|(_, rest)| rest.contains(':'))
        .expect("ROUTE is PATH[?QUERY]=STATUS:DELAY_MS:BODY_FILE[:HEADERS_FILE]");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut parts = rest.splitn(4, ':');
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .expect("STATUS");
    let delay = parts
        .next()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_millis)
        .expect("DELAY_MS");
    let body = std::fs::read(parts.next().expect("BODY_FILE")).expect("readable BODY_FILE");
    let body: &'static [u8] = Box::leak(body.into_boxed_slice());
    let headers = parts.next().map(parse_headers).unwrap_or_default();
    (
        path.to_owned(),
        Canned {
            query: query.to_owned(),
            status,
            delay,
            headers,
            body: web::Bytes::from_static(body),
        },
    )
}

async fn answer(req: HttpRequest, routes: web::Data<Vec<Canned>>) -> HttpResponse {
    let Some(canned) = routes.iter().find(|c| c.query == req.query_string()) else {
        return HttpResponse::NotFound().finish();
    };
    if !canned.delay.is_zero() {
        actix_web::rt::time::sleep(canned.delay).await;
    }
    let mut response = HttpResponse::build(canned.status);
    response.content_type("application/json");
    for header in &canned.headers {
        response.insert_header(header.clone());
    }
    response.body(canned.body.clone())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).expect("PORT");
    let workers: usize = args.next().and_then(|w| w.parse().ok()).expect("WORKERS");
    // Routes grouped by path, in the order given.
    let mut routes: Vec<(String, Vec<Canned>)> = Vec::new();
    for (path, canned) in args.map(|a| parse_route(&a)) {
        match routes.iter_mut().find(|(p, _)| *p == path) {
            Some((_, list)) => list.push(canned),
            None => routes.push((path, vec![canned])),
        }
    }
    let server = HttpServer::new(move || {
        let mut app = App::new().route(
            "/health",
            web::get().to(|| async { HttpResponse::Ok().body("ok") }),
        );
        for (path, canned) in &routes {
            app = app.service(
                web::resource(path.as_str())
                    .app_data(web::Data::new(canned.clone()))
                    .route(web::get().to(answer)),
            );
        }
        app
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?;
    eprintln!("baseline listening on http://127.0.0.1:{port}");
    server.run().await
}
