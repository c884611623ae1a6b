use crm_connector_mock::Config;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_error, header, json_of, post_json, spawn_app, spawn_with};

const RECORDS: &str = "/api/related-records?recordType=account&recordId=ADM-1";
const ACTIVITIES: &str = "/api/related-activities?recordType=account&recordId=ADM-1";

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
        .send(
            app.client
                .post(format!("{}/__admin/sticky", app.address))
                .body("{{{"),
        )
        .await;
    assert_error(not_json, 400, "INVALID_REQUEST").await;
    let too_big = app
        .send(
            app.client
                .post(format!("{}/__admin/sticky", app.address))
                .body(vec![b' '; 100_000]),
        )
        .await;
    assert_error(too_big, 413, "PAYLOAD_TOO_LARGE").await;
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
async fn the_sequences_list_each_sessions_position_and_reset_empties_it() {
    let app = spawn_app().await;
    let empty = json_of(app.get("/__admin/sequences", &[]).await).await;
    assert_eq!(empty["count"], 0, "{empty}");
    assert_eq!(empty["capacity"], 10_000);
    let seq = [
        ("X-Simulate-Error", "429,500,200"),
        ("X-Simulate-Session", "seq-a"),
    ];
    app.get(RECORDS, &seq).await;
    app.get(RECORDS, &seq).await;
    let once = [
        ("X-Simulate-Error", "500; times=3"),
        ("X-Simulate-Session", "seq-b"),
    ];
    app.get(RECORDS, &once).await;
    // A single scenario without times= keeps no position.
    app.get(RECORDS, &[("X-Simulate-Error", "404")]).await;

    let listed = json_of(app.get("/__admin/sequences", &[]).await).await;
    assert_eq!(listed["count"], 2, "{listed}");
    let sequences = listed["sequences"].as_array().unwrap();
    assert_eq!(
        sequences[0],
        json!({"session": "seq-a", "scenario": "429,500,200", "position": 2, "length": 3})
    );
    assert_eq!(
        sequences[1],
        json!({"session": "seq-b", "scenario": "500; times=3", "position": 1, "length": 3})
    );
    assert_error(
        app.request(Method::POST, "/__admin/sequences").await,
        405,
        "METHOD_NOT_ALLOWED",
    )
    .await;
    app.request(Method::POST, "/__admin/reset").await;
    let reset = json_of(app.get("/__admin/sequences", &[]).await).await;
    assert_eq!(reset["count"], 0, "{reset}");
    app.stop().await;
}
