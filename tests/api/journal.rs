use crm_connector_mock::Config;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{assert_error, json_of, spawn_app, spawn_with};

const RECORDS: &str = "/api/related-records?recordType=account&recordId=ADM-1";
const ACTIVITIES: &str = "/api/related-activities?recordType=account&recordId=ADM-1";

#[actix_web::test]
async fn the_journal_lists_filters_counts_redacts_and_clears() {
    let app = spawn_app().await;
    app.get(
        RECORDS,
        &[
            ("Authorization", "Bearer top-secret"),
            ("X-Simulate-Session", "j1"),
        ],
    )
    .await;
    app.get(
        &format!("{RECORDS}&access_token=also-secret"),
        &[("X-Simulate-Error", "429"), ("X-Simulate-Session", "j2")],
    )
    .await;
    app.get(ACTIVITIES, &[("X-Simulate-Error", "500")]).await;
    app.get("/health", &[]).await;

    let all = json_of(app.get("/__admin/requests", &[]).await).await;
    assert_eq!(all["count"], 3, "health and admin calls are not journaled");
    let text = all.to_string();
    assert!(
        !text.contains("top-secret") && !text.contains("also-secret"),
        "{text}"
    );
    assert!(text.contains("[REDACTED]"));

    let throttled = json_of(
        app.get(
            "/__admin/requests?status=429&scenario=request_throttled&session=j2",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(throttled["count"], 1);
    assert_eq!(
        throttled["requests"][0]["operation"],
        "scp-get-related-records"
    );
    let count = json_of(
        app.get(
            "/__admin/requests/count?operation=GetRelatedActivities",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(count["count"], 1);
    let future = json_of(
        app.get("/__admin/requests/count?since=2999-01-01T00:00:00Z", &[])
            .await,
    )
    .await;
    assert_eq!(future["count"], 0);
    assert_error(
        app.get("/__admin/requests?since=yesterday", &[]).await,
        400,
        "INVALID_REQUEST",
    )
    .await;

    let cleared = json_of(app.request(Method::DELETE, "/__admin/requests").await).await;
    assert_eq!(cleared["cleared"], 3);
    assert_eq!(
        json_of(app.get("/__admin/requests/count", &[]).await).await["count"],
        0
    );
    app.stop().await;
}

#[actix_web::test]
async fn the_journal_stays_bounded_and_counts_evictions() {
    let app = spawn_with(Config {
        journal_capacity: 5,
        ..Config::default()
    })
    .await;
    for _ in 0..20 {
        app.get(RECORDS, &[]).await;
    }
    let journal = json_of(app.get("/__admin/requests", &[]).await).await;
    assert_eq!(journal["count"], 5);
    assert_eq!(journal["evictions"], 15);
    let metrics = app.get("/metrics", &[]).await.text().await.unwrap();
    assert!(
        metrics.contains("crm_mock_journal_evictions_total 15"),
        "{metrics}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn journal_redacts_secret_query_parameters_and_headers_by_one_rule() {
    // Regression: OAuth, signing and cloud-gateway names (code, client_secret,
    // sig, Ocp-Apim-Subscription-Key, ...) and an encoded access%5Ftoken were
    // journaled in clear.
    let app = spawn_app().await;
    // (in the query?, name as sent, redacted?)
    let cases = [
        (true, "code", true),
        (true, "client_secret", true),
        (true, "refresh_token", true),
        (true, "id_token", true),
        (true, "sig", true),
        (true, "client_assertion", true),
        (true, "session_key", true),
        (true, "access%5Ftoken", true),
        (true, "X-Amz-Signature", true),
        (true, "api-key", true),
        (true, "Password", true),
        (true, "auth", true),
        (true, "credential", true),
        (true, "color", false),
        (true, "simulateSession", false),
        (false, "Ocp-Apim-Subscription-Key", true),
        (false, "X-Functions-Key", true),
        (false, "X-Auth", true),
        (false, "Authorization", true),
        (false, "Cookie", true),
        (false, "X-Refresh-Token", true),
        (false, "X-Client-Secret", true),
        (false, "X-Session-Credential", true),
        (false, "Accept-Language", false),
        (false, "X-Simulate-Session", false),
    ];
    for (i, (in_query, name, redacted)) in cases.into_iter().enumerate() {
        app.request(Method::DELETE, "/__admin/requests").await;
        let value = format!("value-{i}-visible");
        let response = match in_query {
            true => app.get(&format!("{RECORDS}&{name}={value}"), &[]).await,
            false => app.get(RECORDS, &[(name, value.as_str())]).await,
        };
        assert_eq!(response.status().as_u16(), 200, "{name}");
        let journal = json_of(app.get("/__admin/requests", &[]).await).await;
        let entry = &journal["requests"][0];
        let shown = match in_query {
            true => entry["query"].as_str().unwrap().to_owned(),
            false => entry["headers"][name.to_ascii_lowercase()]
                .as_str()
                .unwrap()
                .to_owned(),
        };
        match redacted {
            true => {
                assert!(!shown.contains(&value), "{name} in clear: {entry}");
                assert!(shown.contains("[REDACTED]"), "{name}: {entry}");
            }
            false => assert!(shown.contains(&value), "{name} hidden: {entry}"),
        }
    }
    app.stop().await;
}

#[actix_web::test]
async fn refused_requests_are_journaled_with_long_values_truncated_and_marked() {
    // Regression: a 431 or 414 request was journaled in full: 4,000 requests
    // with a 127 KB header took the process from 5 to 262 MiB.
    let app = spawn_app().await;
    let padding = "v".repeat(100_000);
    let refused = app.get(RECORDS, &[("X-Padding", &padding)]).await;
    assert_error(refused, 431, "HEADERS_TOO_LARGE").await;
    let long_query = format!("{RECORDS}&pad={}", "q".repeat(9_000));
    assert_error(app.get(&long_query, &[]).await, 414, "URI_TOO_LONG").await;
    let long_path = format!("/no/such/{}", "p".repeat(5_000));
    assert_error(app.get(&long_path, &[]).await, 404, "ROUTE_NOT_FOUND").await;

    let journal = json_of(app.get("/__admin/requests", &[]).await).await;
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{journal}");
    let header = entries[0]["headers"]["x-padding"].as_str().unwrap();
    let query = entries[1]["query"].as_str().unwrap();
    let path = entries[2]["path"].as_str().unwrap();
    let sent_query = long_query.split_once('?').unwrap().1;
    for (what, kept, sent) in [
        ("header", header, padding.as_str()),
        ("query", query, sent_query),
        ("path", path, long_path.as_str()),
    ] {
        assert!(kept.len() <= 2_100, "{what} kept {} bytes", kept.len());
        // `<first bytes>...[+N bytes]`, N the bytes dropped.
        let (prefix, marker) = kept.split_once("...[+").expect(what);
        let dropped: usize = marker.strip_suffix(" bytes]").unwrap().parse().unwrap();
        assert!(sent.starts_with(prefix), "{what}");
        assert_eq!(prefix.len() + dropped, sent.len(), "{what}");
    }
    for entry in entries {
        assert_eq!(entry["truncated"], true, "{entry:.200}");
    }
    // An ordinary request is kept whole, and says so.
    app.request(Method::DELETE, "/__admin/requests").await;
    app.get(RECORDS, &[("X-Simulate-Session", "whole")]).await;
    let journal = json_of(app.get("/__admin/requests", &[]).await).await;
    assert_eq!(journal["requests"][0]["truncated"], false, "{journal}");
    assert_eq!(
        journal["requests"][0]["headers"]["x-simulate-session"],
        "whole"
    );
    app.stop().await;
}

#[actix_web::test]
async fn the_journal_lists_a_page_by_limit_and_offset() {
    // Regression: a listing was the whole journal in one answer (98 MB for
    // a full one), built while holding the rings every request writes.
    let app = spawn_app().await;
    for i in 0..7 {
        app.get(&format!("{RECORDS}&page={i}"), &[]).await;
    }
    let page = json_of(app.get("/__admin/requests?limit=3&offset=2", &[]).await).await;
    let queries: Vec<&str> = page["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["query"].as_str().unwrap())
        .collect();
    assert_eq!(queries.len(), 3, "{page}");
    for (query, i) in queries.iter().zip(2..) {
        assert!(query.ends_with(&format!("&page={i}")), "{query}");
    }
    assert_eq!(page["count"], 7, "count is every matching entry");
    assert_eq!(page["offset"], 2);
    assert_eq!(page["limit"], 3);
    assert_eq!(page["next"], 5);
    let last = json_of(app.get("/__admin/requests?limit=3&offset=6", &[]).await).await;
    assert_eq!(last["requests"].as_array().unwrap().len(), 1);
    assert_eq!(last["next"], Value::Null);
    let default = json_of(app.get("/__admin/requests", &[]).await).await;
    assert_eq!(default["limit"], 100);
    assert_eq!(default["offset"], 0);
    for bad in ["limit=0", "limit=1001", "limit=ten", "offset=-1"] {
        let body = assert_error(
            app.get(&format!("/__admin/requests?{bad}"), &[]).await,
            400,
            "INVALID_REQUEST",
        )
        .await;
        let parameter = bad.split('=').next().unwrap();
        assert_eq!(body["details"]["parameter"], parameter, "{bad}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn the_journal_capacity_counts_entries_across_workers() {
    // Each worker used to keep a ring of its own of `--journal-capacity`.
    let app = spawn_with(Config {
        workers: 2,
        journal_capacity: 4,
        ..Config::default()
    })
    .await;
    // Concurrent requests on separate connections, so both workers serve.
    let requests = (0..24).map(|i| {
        let client = app.judged(crate::helpers::client());
        let url = format!("{}{RECORDS}&n={i}", app.address);
        async move { client.send(client.get(url)).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let journal = json_of(app.get("/__admin/requests", &[]).await).await;
    assert_eq!(
        journal["requests"].as_array().unwrap().len(),
        4,
        "{journal}"
    );
    assert_eq!(journal["count"], 4);
    assert_eq!(journal["capacity"], 4);
    assert_eq!(journal["evictions"], 20);
    let cleared = json_of(app.request(Method::DELETE, "/__admin/requests").await).await;
    assert_eq!(cleared["cleared"], 4);
    app.stop().await;
}

#[actix_web::test]
async fn the_journal_lists_requests_in_arrival_order() {
    if crate::helpers::skip_raw_under_tls("the_journal_lists_requests_in_arrival_order") {
        return;
    }
    // Regression: entries were listed in completion order while `time` is
    // the arrival time, so a delayed request came after later plain ones.
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let (sent, was_sent) = std::sync::mpsc::channel();
    let slow = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let head = format!(
            "GET {RECORDS}&order=slow HTTP/1.1\r\nHost: x\r\nX-Simulate-Delay: 300\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).unwrap();
        sent.send(()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    });
    actix_web::rt::task::spawn_blocking(move || was_sent.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.get(&format!("{RECORDS}&order=plain"), &[])
            .await
            .status()
            .as_u16(),
        200
    );
    assert!(slow.await.unwrap().starts_with("HTTP/1.1 200"));

    let journal = json_of(app.get("/__admin/requests", &[]).await).await;
    let entries = journal["requests"].as_array().unwrap();
    let order: Vec<&str> = entries
        .iter()
        .map(|e| e["query"].as_str().unwrap().rsplit('=').next().unwrap())
        .collect();
    assert_eq!(order, ["slow", "plain"], "{journal}");
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    assert!(times[0] <= times[1], "{times:?}");
    app.stop().await;
}

#[actix_web::test]
async fn a_long_custom_method_is_journaled_cut_and_marked() {
    // Regression: the method was kept whole, so a request line with a 20 KB
    // custom method put 20 KB into one journal entry past every other bound.
    let app = spawn_app().await;
    let method = "M".repeat(20_000);
    let response = app
        .request(Method::from_bytes(method.as_bytes()).unwrap(), RECORDS)
        .await;
    assert_error(response, 405, "METHOD_NOT_ALLOWED").await;
    let journal = json_of(app.get("/__admin/requests", &[]).await).await;
    let entry = &journal["requests"][0];
    let kept = entry["method"].as_str().unwrap();
    assert!(kept.len() <= 32, "method kept {} bytes", kept.len());
    assert!(method.starts_with(kept));
    assert_eq!(entry["truncated"], true, "{entry:.200}");
    app.stop().await;
}

#[actix_web::test]
async fn an_entry_keeps_the_retry_after_its_answer_sent_and_none_without_one() {
    let app = spawn_app().await;
    let told = app
        .get(
            RECORDS,
            &[
                ("X-Simulate-Error", "429; retry-after=7"),
                ("X-Simulate-Session", "ra1"),
            ],
        )
        .await;
    assert_eq!(told.status().as_u16(), 429);
    let sent = crate::helpers::header(&told, "retry-after").map(str::to_owned);
    let early = app.get(RECORDS, &[("X-Simulate-Session", "ra1")]).await;
    assert_eq!(early.status().as_u16(), 429, "back before the 7 s were up");
    let early_sent = crate::helpers::header(&early, "retry-after").map(str::to_owned);
    app.get(RECORDS, &[("X-Simulate-Session", "ra2")]).await;

    let listed = json_of(app.get("/__admin/requests", &[]).await).await;
    let entries = listed["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(sent.as_deref(), Some("7"));
    assert_eq!(entries[0]["retryAfter"], "7");
    assert_eq!(entries[0]["retryAfterViolation"], false);
    assert_eq!(
        entries[1]["retryAfter"].as_str(),
        early_sent.as_deref(),
        "the early retry's own Retry-After, as sent"
    );
    assert_eq!(entries[1]["retryAfterViolation"], true);
    assert!(
        entries[2].get("retryAfter").is_none(),
        "absent when the answer sent none: {}",
        entries[2]
    );
    assert_eq!(entries[2]["truncated"], false);
    app.stop().await;
}
