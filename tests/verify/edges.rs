//! What verify does at the edges of HTTP: a redirect is reported, never
//! followed; a connector that never answers is cut off in bounded time.

use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};

use crate::run::verify;

// A connector that moved: verify says where to, and follows nowhere.
#[actix_web::test]
async fn a_redirect_is_reported_as_the_answer_and_not_followed() {
    let server = HttpServer::new(|| {
        App::new().default_service(web::to(|| async {
            HttpResponse::Found()
                .insert_header(("Location", "https://elsewhere.example/api"))
                .finish()
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let report = verify(&base, &[]).await;

    assert_eq!(report.code, 1, "{}", report.table());
    assert_eq!(report.status("success.envelope"), "fail");
    let message = report.result("success.envelope")["message"]
        .as_str()
        .unwrap();
    assert!(
        message
            .contains("302 redirect to https://elsewhere.example/api (redirects are not followed)"),
        "{message}"
    );
    handle.stop(true).await;
}

// A connector that accepts connections and never answers: the first request
// is cut off at twice the budget and the run ends with exit 2.
#[actix_web::test]
async fn a_connector_that_never_answers_is_cut_off_at_twice_the_budget() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Accept and hold connections (the kernel's backlog holds them anyway).
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(2) {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(2));
    });

    let started = Instant::now();
    let report = verify(&base, &["--budget-ms", "200"]).await;

    assert_eq!(report.code, 2, "{}", report.table());
    assert!(
        report.stderr.contains("cannot reach") && report.stderr.contains("timed out"),
        "{}",
        report.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(holder);
}
