//! The benchmark's baseline: a bare actix-web server that answers fixed bytes,
//! with none of the mock's work (no parsing, data, scenarios, journal or
//! metrics). `benches/bench.py` fetches the mock's own bodies first and serves
//! them from here, so both servers send the same bytes.
//!
//!     cargo run --release --example baseline -- PORT WORKERS ROUTE...
//!
//! Each ROUTE is `PATH=STATUS:DELAY_MS:FILE`, e.g.
//! `/records=200:0:/tmp/records.json`.

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

#[derive(Clone)]
struct Canned {
    status: u16,
    delay: Duration,
    body: web::Bytes,
}

fn parse_route(spec: &str) -> (String, Canned) {
    let (path, rest) = spec
        .split_once('=')
        .expect("ROUTE is PATH=STATUS:DELAY_MS:FILE");
    let mut parts = rest.splitn(3, ':');
    let status = parts.next().and_then(|s| s.parse().ok()).expect("STATUS");
    let delay = parts
        .next()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_millis)
        .expect("DELAY_MS");
    let file = parts.next().expect("FILE");
    let body = std::fs::read(file).expect("readable FILE");
    (
        path.to_owned(),
        Canned {
            status,
            delay,
            body: body.into(),
        },
    )
}

async fn answer(canned: web::Data<Canned>) -> HttpResponse {
    if !canned.delay.is_zero() {
        actix_web::rt::time::sleep(canned.delay).await;
    }
    let status = actix_web::http::StatusCode::from_u16(canned.status)
        .unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .content_type("application/json")
        .body(canned.body.clone())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).expect("PORT");
    let workers: usize = args.next().and_then(|w| w.parse().ok()).expect("WORKERS");
    let routes: Vec<(String, Canned)> = args.map(|a| parse_route(&a)).collect();
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
