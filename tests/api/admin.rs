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
