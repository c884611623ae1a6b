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

// Broke (review): clap's own error repeated a refused --header value, so a
// header without its name printed the token to stderr.
#[actix_web::test]
async fn a_bad_header_or_a_url_with_a_key_is_refused_without_repeating_the_secret() {
    let cases: [(&str, &[&str], &str); 3] = [
        (
            "http://127.0.0.1:9",
            &["--header", "Bearer s3cret"],
            "--header number 1 must be 'Name: value'",
        ),
        (
            "http://127.0.0.1:9/api?code=s3cret",
            &[],
            "must not carry credentials or a query",
        ),
        (
            "http://user:s3cret@127.0.0.1:9",
            &[],
            "must not carry credentials or a query",
        ),
    ];
    for (base, args, expected) in cases {
        let report = verify(base, args).await;
        assert_eq!(report.code, 2, "{base} {args:?}: {}", report.table());
        assert!(report.stderr.contains(expected), "{}", report.stderr);
        assert!(
            !report.stderr.contains("s3cret") && !report.stdout.contains("s3cret"),
            "{}",
            report.table()
        );
    }
}

// Broke (review): a connector that answered once and then hung cost twice the
// budget for every remaining probe (minutes by default); now the run stops
// after two requests in a row got no answer.
#[actix_web::test]
async fn a_connector_that_hangs_after_its_first_answer_stops_the_run_after_two_misses() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let server = HttpServer::new(move || {
        let counter = counter.clone();
        App::new().default_service(web::to(move || {
            let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
            async move {
                if !first {
                    actix_web::rt::time::sleep(Duration::from_secs(5)).await;
                }
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(r#"{"value": []}"#)
            }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let started = Instant::now();
    let report = verify(&base, &["--budget-ms", "200"]).await;

    assert_eq!(report.code, 1, "{}", report.table());
    assert!(
        report
            .stdout
            .contains("stopped early: 2 requests in a row got no answer"),
        "{}",
        report.table()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        3,
        "the first answer and the two misses"
    );
    handle.stop(false).await;
}

// verify speaks HTTPS: a certificate it cannot trust ends the run with exit 2
// (an unreachable target), and --insecure accepts it.
#[actix_web::test]
async fn over_https_an_untrusted_certificate_is_unreachable_and_insecure_accepts_it() {
    let dir = crate::run::temp("tls");
    let _ = std::fs::remove_dir_all(&dir);
    let server = crate::run::serve(crm_connector_mock::Config {
        tls_self_signed: Some(dir.clone()),
        ..crm_connector_mock::Config::default()
    })
    .await;
    assert!(server.base.starts_with("https://"), "{}", server.base);

    let refused = verify(&server.base, &[]).await;
    let insecure = verify(&server.base, &["--insecure"]).await;
    server.stop().await;

    assert_eq!(refused.code, 2, "{}", refused.table());
    assert!(
        refused.stderr.contains("cannot reach"),
        "{}",
        refused.stderr
    );
    assert_eq!(insecure.code, 0, "{}", insecure.table());
    assert_eq!(insecure.status("success.envelope"), "pass");
    let _ = std::fs::remove_dir_all(&dir);
}
