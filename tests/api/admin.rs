use crm_connector_mock::Config;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error, dir_with, header, spawn_app, spawn_with};

const RECORDS: &str = "/api/related-records?recordType=account&recordId=ADM-1";
const ACTIVITIES: &str = "/api/related-activities?recordType=account&recordId=ADM-1";

async fn post_json(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.address))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

#[actix_web::test]
async fn the_catalogue_lists_scenarios_faults_and_every_trigger_value() {
    let app = spawn_app().await;
    let body = json_of(app.get("/__admin/scenarios", &[]).await).await;
    let codes: Vec<&str> = body["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["errorCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 6, "{codes:?}");
    assert!(
        body["faults"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "CONNECTION_RESET")
    );
    assert!(
        body["validValues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "TIMEOUT")
    );
    app.stop().await;
}

#[actix_web::test]
async fn a_sticky_scenario_answers_for_clients_that_cannot_set_headers() {
    let app = spawn_app().await;
    // Arrange
    let created = post_json(
        &app,
        "/__admin/sticky",
        json!({"scenario": "404", "operation": "scp-get-related-records", "count": 2}),
    )
    .await;
    assert_eq!(created.status().as_u16(), 201);
    // Act / Assert: two 404s on records, activities untouched, then normal.
    assert_error(app.get(RECORDS, &[]).await, 404, "RECORD_NOT_FOUND").await;
    assert_eq!(app.get(ACTIVITIES, &[]).await.status().as_u16(), 200);
    assert_error(app.get(RECORDS, &[]).await, 404, "RECORD_NOT_FOUND").await;
    assert_eq!(app.get(RECORDS, &[]).await.status().as_u16(), 200);

    // A session-scoped sticky, cleared by DELETE.
    post_json(
        &app,
        "/__admin/sticky",
        json!({"scenario": "REQUEST_THROTTLED; retry-after=3", "session": "only-me"}),
    )
    .await;
    let listed = json_of(app.get("/__admin/sticky", &[]).await).await;
    assert_eq!(listed["sticky"][0]["session"], "only-me");
    assert_eq!(
        app.get(RECORDS, &[]).await.status().as_u16(),
        200,
        "other sessions are untouched"
    );
    let mine = app.get(RECORDS, &[("X-Simulate-Session", "only-me")]).await;
    assert_eq!(header(&mine, "retry-after"), Some("3"));
    let cleared = json_of(app.request(Method::DELETE, "/__admin/sticky").await).await;
    assert_eq!(cleared["cleared"], 1);
    app.stop().await;
}

#[actix_web::test]
async fn bad_sticky_requests_get_the_standard_error_body() {
    let app = spawn_app().await;
    let cases = [
        (json!({"scenario": "TEAPOT"}), 400, "UNKNOWN_SCENARIO"),
        (
            json!({"scenario": "404", "operation": "nope"}),
            400,
            "INVALID_REQUEST",
        ),
        (
            json!({"scenario": "404", "count": 0}),
            400,
            "INVALID_REQUEST",
        ),
        (json!({"scenarios": "404"}), 400, "INVALID_REQUEST"),
    ];
    for (body, status, code) in cases {
        assert_error(post_json(&app, "/__admin/sticky", body).await, status, code).await;
    }
    let not_json = app
        .client
        .post(format!("{}/__admin/sticky", app.address))
        .body("{{{")
        .send()
        .await
        .unwrap();
    assert_error(not_json, 400, "INVALID_REQUEST").await;
    let too_big = app
        .client
        .post(format!("{}/__admin/sticky", app.address))
        .body(vec![b' '; 100_000])
        .send()
        .await
        .unwrap();
    assert_error(too_big, 413, "PAYLOAD_TOO_LARGE").await;
    app.stop().await;
}

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
async fn reset_clears_the_journal_sticky_scenarios_and_the_rate_limiter() {
    let app = spawn_with(Config {
        rate_limit: Some("1/h".parse().unwrap()),
        ..Config::default()
    })
    .await;
    assert_eq!(app.get(RECORDS, &[]).await.status().as_u16(), 200);
    assert_eq!(app.get(RECORDS, &[]).await.status().as_u16(), 429);
    post_json(
        &app,
        "/__admin/sticky",
        json!({"scenario": "500", "operation": "GetRelatedActivities"}),
    )
    .await;
    let reset = app.request(Method::POST, "/__admin/reset").await;
    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(
        json_of(app.get("/__admin/requests/count", &[]).await).await["count"],
        0
    );
    assert_eq!(
        json_of(app.get("/__admin/sticky", &[]).await).await["sticky"],
        json!([])
    );
    assert_eq!(
        app.get(RECORDS, &[]).await.status().as_u16(),
        200,
        "the limiter starts over"
    );
    app.stop().await;
}

#[actix_web::test]
async fn reload_picks_up_new_files_and_a_failed_reload_keeps_the_old_ones_serving() {
    let dir = dir_with(
        "reload",
        &[(
            "user.json",
            r#"{"scenarios": [{"errorCode": "FIRST", "status": 503, "message": "m"}]}"#,
        )],
    );
    let file = dir.join("user.json");
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "FIRST")]).await,
        503,
        "FIRST",
    )
    .await;

    std::fs::write(
        &file,
        r#"{"scenarios": [{"errorCode": "SECOND", "status": 502, "message": "m"}]}"#,
    )
    .unwrap();
    let reloaded = app.request(Method::POST, "/__admin/reload").await;
    assert_eq!(reloaded.status().as_u16(), 200);
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "SECOND")]).await,
        502,
        "SECOND",
    )
    .await;
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "FIRST")]).await,
        400,
        "UNKNOWN_SCENARIO",
    )
    .await;

    std::fs::write(
        &file,
        "{\n  \"scenarios\": [{\"errorCode\": \"THIRD\", \"status\": 42, \"message\": \"m\"}]\n}",
    )
    .unwrap();
    let failed = app.request(Method::POST, "/__admin/reload").await;
    let body = assert_error(failed, 400, "INVALID_DEFINITIONS").await;
    let problem = body["details"]["problems"][0].as_str().unwrap();
    assert!(problem.contains("user.json:2:"), "{problem}");
    assert_error(
        app.get(RECORDS, &[("X-Simulate-Error", "SECOND")]).await,
        502,
        "SECOND",
    )
    .await;
    app.stop().await;
}

#[actix_web::test]
async fn an_admin_token_guards_the_admin_api() {
    let app = spawn_with(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let refused = app.get("/__admin/requests", &[]).await;
    assert!(header(&refused, "www-authenticate").is_some());
    assert_error(refused, 401, "ADMIN_UNAUTHORIZED").await;
    assert_error(
        app.get("/__admin/requests", &[("Authorization", "Bearer wrong")])
            .await,
        401,
        "ADMIN_UNAUTHORIZED",
    )
    .await;
    let allowed = app
        .get("/__admin/requests", &[("Authorization", "Bearer s3cret")])
        .await;
    assert_eq!(allowed.status().as_u16(), 200);
    assert_eq!(
        app.get(RECORDS, &[]).await.status().as_u16(),
        200,
        "the connector needs no admin token"
    );
    app.stop().await;
}

#[actix_web::test]
async fn no_admin_removes_the_admin_api() {
    let app = spawn_with(Config {
        no_admin: true,
        ..Config::default()
    })
    .await;
    assert_error(
        app.get("/__admin/scenarios", &[]).await,
        404,
        "ROUTE_NOT_FOUND",
    )
    .await;
    app.stop().await;
}

#[actix_web::test]
async fn admin_mistakes_get_the_standard_body() {
    let app = spawn_app().await;
    let wrong_method = app.request(Method::GET, "/__admin/reset").await;
    assert_eq!(header(&wrong_method, "allow"), Some("POST"));
    assert_error(wrong_method, 405, "METHOD_NOT_ALLOWED").await;
    assert_error(
        app.get("/__admin/nothing-here", &[]).await,
        404,
        "ROUTE_NOT_FOUND",
    )
    .await;
    assert_error(
        app.get("/__admin/requests?status=abc", &[]).await,
        400,
        "INVALID_REQUEST",
    )
    .await;
    app.stop().await;
}

#[actix_web::test]
async fn metrics_count_requests_by_operation_status_and_scenario() {
    let app = spawn_app().await;
    app.get(RECORDS, &[("X-Simulate-Error", "429")]).await;
    app.get(ACTIVITIES, &[]).await;
    let response = app
        .get("/metrics", &[("Accept", "application/openmetrics-text")])
        .await;
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    for line in [
        r#"crm_mock_requests_total{operation="scp-get-related-records",status="429",scenario="REQUEST_THROTTLED"} 1"#,
        r#"crm_mock_requests_total{operation="scp-get-related-activities",status="200",scenario=""} 1"#,
        r#"crm_mock_request_duration_seconds_count{operation="scp-get-related-activities"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn reload_refuses_an_activity_time_out_of_range_with_its_location() {
    // Broke: a relative time of -4400000d passed the file checks and then
    // panicked while the dates were computed, so reload answered 500.
    let dir = dir_with("reload-far-past", &[("user.json", r#"{"records": []}"#)]);
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    std::fs::write(
        dir.join("user.json"),
        "{\"records\": [{\"recordType\": \"account\", \"recordId\": \"ADM-1\",\n  \"activities\": [{\"title\": \"t\", \"description\": \"d\", \"at\": \"-4400000d\"}]}]}",
    )
    .unwrap();

    let failed = app.request(Method::POST, "/__admin/reload").await;

    let body = assert_error(failed, 400, "INVALID_DEFINITIONS").await;
    let problem = body["details"]["problems"][0].as_str().unwrap();
    assert!(problem.contains("user.json:2:"), "{problem}");
    assert!(problem.contains("-4400000d"), "{problem}");
    app.stop().await;
}

#[actix_web::test]
async fn sticky_scenarios_are_capped_in_number_and_size() {
    // 2,000 stickies of 60 KB each were kept (256 MiB), and listing them
    // serialized 120 MB under the sessions lock.
    let app = spawn_app().await;
    for i in 0..100 {
        let created = post_json(
            &app,
            "/__admin/sticky",
            json!({"scenario": "404", "session": format!("cap-{i}")}),
        )
        .await;
        assert_eq!(created.status().as_u16(), 201, "sticky {i}");
    }
    let over = post_json(&app, "/__admin/sticky", json!({"scenario": "404"})).await;
    let body = assert_error(over, 409, "STICKY_LIMIT_REACHED").await;
    assert_eq!(body["details"]["limit"], 100, "{body}");
    let listed = json_of(app.get("/__admin/sticky", &[]).await).await;
    assert_eq!(listed["sticky"].as_array().map(Vec::len), Some(100));
    // Clearing makes room again.
    app.request(Method::DELETE, "/__admin/sticky").await;
    let too_long = [
        (
            json!({"scenario": format!("429; message={}", "m".repeat(1024))}),
            "scenario",
        ),
        (
            json!({"scenario": "404", "session": "s".repeat(257)}),
            "session",
        ),
    ];
    for (request, parameter) in too_long {
        let refused = post_json(&app, "/__admin/sticky", request).await;
        let body = assert_error(refused, 400, "INVALID_REQUEST").await;
        assert_eq!(body["details"]["parameter"], parameter, "{body}");
    }
    let again = post_json(&app, "/__admin/sticky", json!({"scenario": "404"})).await;
    assert_eq!(again.status().as_u16(), 201);
    app.stop().await;
}

#[actix_web::test]
async fn an_admin_token_of_any_visible_ascii_characters_unlocks_the_admin_api() {
    // Regression: a token with a character outside A-Za-z0-9-._~+/= locked
    // the admin API for good (401 even with the exact token).
    let app = spawn_with(Config {
        admin_token: Some("p@ss:word!".into()),
        ..Config::default()
    })
    .await;
    let cases = [
        ("Bearer p@ss:word!", 200),
        ("bearer p@ss:word!", 200),
        ("Bearer p@ss:word", 401),
        ("Bearer p@ss:word!!", 401),
        ("Basic p@ss:word!", 401),
        ("p@ss:word!", 401),
    ];
    for (authorization, status) in cases {
        let response = app
            .get("/__admin/requests", &[("Authorization", authorization)])
            .await;
        assert_eq!(response.status().as_u16(), status, "{authorization}");
        if status == 401 {
            assert_error(response, 401, "ADMIN_UNAUTHORIZED").await;
        }
    }
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
        let client = reqwest::Client::new();
        let url = format!("{}{RECORDS}&n={i}", app.address);
        async move { client.get(url).send().await.unwrap().status().as_u16() }
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
async fn reload_parses_off_the_workers_so_requests_meanwhile_are_answered() {
    // Regression: reload parsed on the worker thread: a 49 MiB data file held
    // it for a second and every request queued behind it waited.
    let dir = dir_with("reload-off-worker", &[("user.json", "{}")]);
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    // Arrange: a valid file of about 10 MiB, slow to parse.
    let tokens: Vec<String> = (0..600_000).map(|i| format!("expired-{i:010}")).collect();
    std::fs::write(
        dir.join("user.json"),
        json!({ "expiredTokens": tokens }).to_string(),
    )
    .unwrap();
    let address = app.address.trim_start_matches("http://").to_owned();
    let (sent, was_sent) = std::sync::mpsc::channel();
    let reload = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .write_all(b"POST /__admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        sent.send(()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        (answer, std::time::Instant::now())
    });
    actix_web::rt::task::spawn_blocking(move || was_sent.recv())
        .await
        .unwrap()
        .unwrap();
    // Act: the one worker answers while the reload is still being parsed.
    let health = app.get("/health", &[]).await;
    let health_answered = std::time::Instant::now();
    assert_eq!(health.status().as_u16(), 200);
    let (answer, reload_answered) = reload.await.unwrap();
    // Assert
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        health_answered < reload_answered,
        "the health check waited for the reload"
    );
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}

#[actix_web::test]
async fn a_definitions_file_over_the_size_bound_is_a_problem_naming_the_file() {
    let dir = dir_with("too-big", &[("user.json", "{}")]);
    let app = spawn_with(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    // 17 MiB of whitespace around an empty object: valid JSON, too big.
    let mut big = String::from("{}");
    big.push_str(&" ".repeat(17 * 1024 * 1024));
    std::fs::write(dir.join("user.json"), big).unwrap();
    let failed = app.request(Method::POST, "/__admin/reload").await;
    let body = assert_error(failed, 400, "INVALID_DEFINITIONS").await;
    let problem = body["details"]["problems"][0].as_str().unwrap();
    assert!(problem.contains("user.json:1:1:"), "{problem}");
    assert!(problem.contains("16 MiB"), "{problem}");
    assert_eq!(app.get(RECORDS, &[]).await.status().as_u16(), 200);
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}

/// The metric families of a text exposition: (name of each `# TYPE`,
/// whether a `# HELP` of the same name precedes it).
fn families(text: &str) -> Vec<(String, bool)> {
    let mut helped = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        match (words.next(), words.next(), words.next()) {
            (Some("#"), Some("HELP"), Some(name)) => {
                helped.insert(name.to_owned());
            }
            (Some("#"), Some("TYPE"), Some(name)) => {
                out.push((name.to_owned(), helped.contains(name)));
            }
            _ => {}
        }
    }
    out
}

#[actix_web::test]
async fn metrics_answer_prometheus_text_0_0_4_unless_openmetrics_is_asked_for() {
    // What broke: /metrics always answered OpenMetrics, whose counter HELP and
    // TYPE lines name `crm_mock_requests` while the samples are
    // `crm_mock_requests_total`, so promtool (text 0.0.4) found no help text.
    let app = spawn_app().await;
    app.get(RECORDS, &[("X-Simulate-Error", "429")]).await;
    app.get(ACTIVITIES, &[]).await;
    let prometheus_accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    // (Accept header, OpenMetrics expected, what the case is)
    let cases: [(Option<&str>, bool, &str); 7] = [
        (None, false, "no Accept"),
        (Some("*/*"), false, "anything"),
        (Some("text/plain"), false, "plain text"),
        (
            Some("text/plain;version=0.0.4;q=1, application/openmetrics-text;q=0.5"),
            false,
            "text preferred",
        ),
        (
            Some("application/openmetrics-text; q=0"),
            false,
            "OpenMetrics refused",
        ),
        (
            Some("application/openmetrics-text"),
            true,
            "OpenMetrics asked for",
        ),
        (
            Some(prometheus_accept),
            true,
            "Prometheus' own scrape header",
        ),
    ];
    for (accept, openmetrics, case) in cases {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
        let response = app.get("/metrics", &headers).await;
        assert_eq!(response.status().as_u16(), 200, "{case}");
        let content_type = header(&response, "content-type").unwrap().to_owned();
        let text = response.text().await.unwrap();
        let families = families(&text);
        assert!(families.len() >= 4, "{case}: {text}");
        if openmetrics {
            assert!(
                content_type.starts_with("application/openmetrics-text; version=1.0.0"),
                "{case}: {content_type}"
            );
            assert!(text.ends_with("# EOF\n"), "{case}: {text}");
            assert!(
                families.contains(&("crm_mock_requests".to_owned(), true)),
                "{case}: {text}"
            );
        } else {
            assert_eq!(
                content_type, "text/plain; version=0.0.4; charset=utf-8",
                "{case}"
            );
            assert!(!text.contains("# EOF"), "{case}: {text}");
            assert!(
                families.contains(&("crm_mock_requests_total".to_owned(), true)),
                "{case}: {text}"
            );
        }
        for (name, has_help) in &families {
            assert!(has_help, "{case}: no HELP for {name} in\n{text}");
        }
        assert!(
            text.contains(r#"crm_mock_requests_total{operation="scp-get-related-records",status="429",scenario="REQUEST_THROTTLED"} 1"#),
            "{case}: {text}"
        );
    }
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
