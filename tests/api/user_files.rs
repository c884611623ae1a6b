use crm_connector_mock::AuthMode;
use crm_connector_mock::{Application, Config};

use crate::helpers::{assert_error, dir_with, header, spawn_with};

const USER_FILE: &str = r#"{
  "scenarios": [
    {
      "errorCode": "SERVICE_UNAVAILABLE",
      "status": 503,
      "description": "Maintenance window.",
      "message": "{operation} is down for maintenance; retry after {retryAfter} s.",
      "details": { "retryAfterSeconds": "{retryAfter}", "record": "{recordType}/{recordId}" },
      "headers": { "X-Maintenance": "planned" },
      "retryAfter": 30,
      "answersStatus": true
    },
    {
      "errorCode": "REQUEST_THROTTLED",
      "status": 429,
      "message": "Slow down ({retryAfter} s).",
      "details": { "retryAfterSeconds": "{retryAfter}" },
      "retryAfter": 5,
      "answersStatus": true,
      "override": true
    }
  ],
  "records": [
    { "recordType": "account", "recordId": "USER-GONE", "state": "deleted" }
  ],
  "expiredTokens": ["token-from-data"]
}"#;

#[actix_web::test]
async fn user_scenarios_trigger_like_built_ins_and_an_explicit_override_replaces_one() {
    let dir = dir_with("user", &[("mine.json", USER_FILE)]);
    let app = spawn_with(Config {
        scenarios: Some(dir),
        auth: AuthMode::Bearer,
        ..Config::default()
    })
    .await;
    let token = [("Authorization", "Bearer fine")];
    let url = "/api/related-records?recordType=account&recordId=A1";
    for trigger in ["SERVICE_UNAVAILABLE", "service_unavailable", "503"] {
        let response = app
            .get(url, &[("X-Simulate-Error", trigger), token[0]])
            .await;
        assert_eq!(header(&response, "retry-after"), Some("30"), "{trigger}");
        assert_eq!(
            header(&response, "x-maintenance"),
            Some("planned"),
            "{trigger}"
        );
        let body = assert_error(response, 503, "SERVICE_UNAVAILABLE").await;
        assert_eq!(body["details"]["retryAfterSeconds"], 30);
        assert_eq!(body["details"]["record"], "account/A1");
    }
    let throttled = app.get(&format!("{url}&simulateError=429"), &token).await;
    assert_eq!(header(&throttled, "retry-after"), Some("5"));
    let body = assert_error(throttled, 429, "REQUEST_THROTTLED").await;
    assert_eq!(body["errorMessage"], "Slow down (5 s).");

    let gone = app
        .get(
            "/api/related-records?recordType=account&recordId=user-gone",
            &token,
        )
        .await;
    assert_error(gone, 404, "RECORD_NOT_FOUND").await;
    let expired = app
        .get(url, &[("Authorization", "Bearer token-from-data")])
        .await;
    let body = assert_error(expired, 401, "INVALID_TOKEN_SPECIFIED").await;
    assert_eq!(body["details"]["reason"], "expired");

    let unknown = app
        .get(url, &[("X-Simulate-Error", "nope"), token[0]])
        .await;
    let body = assert_error(unknown, 400, "UNKNOWN_SCENARIO").await;
    let values = body["details"]["validValues"].as_array().unwrap();
    assert!(values.iter().any(|v| v == "SERVICE_UNAVAILABLE") && values.iter().any(|v| v == "503"));
    app.stop().await;
}

#[actix_web::test]
async fn a_bad_scenarios_directory_is_a_start_up_error_with_file_line_and_column() {
    let dir = dir_with(
        "bad",
        &[(
            "broken.json",
            "{\n  \"scenarios\": [\n    {\"errorCode\": \"REQUEST_THROTTLED\", \"status\": 429, \"message\": \"m\"}\n  ]\n}\n",
        )],
    );
    let error = Application::build(Config {
        port: 0,
        scenarios: Some(dir),
        ..Config::default()
    })
    .err()
    .expect("refused");
    assert!(error.contains("broken.json:3:"), "{error}");
    assert!(error.contains("already defined"), "{error}");
}

#[actix_web::test]
async fn seven_fractional_digits_are_accepted_in_data_files_and_in_the_window() {
    // The upstream examples write 2024-05-07T03:28:38.0667701Z. The body
    // writes whole seconds, and the window filters on those written times.
    let dir = dir_with(
        "fraction",
        &[(
            "times.json",
            r#"{"records": [{"recordType": "account", "recordId": "FRACTION-1", "activities": [
                {"title": "early", "description": "d", "at": "2024-05-07T03:28:38.0667701Z"},
                {"title": "late", "description": "d", "at": "2024-05-07T03:28:39.9999999Z"}
            ]}]}"#,
        )],
    );
    let app = spawn_with(Config {
        scenarios: Some(dir),
        ..Config::default()
    })
    .await;
    let base = "/api/related-activities?recordType=account&recordId=FRACTION-1";
    let cases = [
        ("", vec!["2024-05-07T03:28:39Z", "2024-05-07T03:28:38Z"]),
        (
            "&startDateTime=2024-05-07T03:28:38Z&endDateTime=2024-05-07T03:28:38Z",
            vec!["2024-05-07T03:28:38Z"],
        ),
        (
            "&startDateTime=2024-05-07T03:28:37.0667701Z&endDateTime=2024-05-07T03:28:38.0667701Z",
            vec!["2024-05-07T03:28:38Z"],
        ),
        (
            "&startDateTime=2024-05-07T03:28:38.0667701Z",
            vec!["2024-05-07T03:28:39Z"],
        ),
    ];
    for (window, expected) in cases {
        let response = app.get(&format!("{base}{window}"), &[]).await;
        assert_eq!(response.status().as_u16(), 200, "{window}");
        let body: serde_json::Value = response.json().await.unwrap();
        let times: Vec<&str> = body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["dateTime"].as_str().unwrap())
            .collect();
        assert_eq!(times, expected, "{window}");
    }
    app.stop().await;
}

const RETRY_FROM_RECORD: &str = r#"{
  "scenarios": [
    {
      "errorCode": "BACK_LATER",
      "status": 503,
      "message": "Come back later.",
      "headers": { "Retry-After": "{recordId}" }
    }
  ]
}"#;

#[actix_web::test]
async fn a_retry_after_template_out_of_range_is_an_invalid_request_naming_the_placeholder() {
    // A Retry-After rendered from recordId=18446744073709551615 overflowed
    // the clock: the connector panicked and the guard answered 500.
    let dir = dir_with("retry-template", &[("mine.json", RETRY_FROM_RECORD)]);
    let app = spawn_with(Config {
        scenarios: Some(dir),
        ..Config::default()
    })
    .await;
    let url = |id: &str| format!("/api/related-records?recordType=account&recordId={id}");
    for id in ["18446744073709551615", "86401", "soon"] {
        let response = app
            .get(&url(id), &[("X-Simulate-Error", "BACK_LATER")])
            .await;
        let body = assert_error(response, 400, "INVALID_REQUEST").await;
        assert_eq!(body["details"]["parameter"], "recordId", "{id}: {body}");
    }
    let fine = app
        .get(&url("86400"), &[("X-Simulate-Error", "BACK_LATER")])
        .await;
    assert_eq!(header(&fine, "retry-after"), Some("86400"));
    assert_error(fine, 503, "BACK_LATER").await;
    // The server kept serving, and the client is throttled for that long.
    let early = app.get(&url("86400"), &[]).await;
    assert_eq!(header(&early, "retry-after"), Some("86400"));
    assert_error(early, 429, "REQUEST_THROTTLED").await;
    app.stop().await;
}

#[actix_web::test]
async fn a_fixed_retry_after_out_of_range_is_a_load_time_problem_with_file_line_and_column() {
    // A fixed "Retry-After": "18446744073709551615" loaded fine and then
    // panicked on the first request (500).
    let cases = [
        (
            "{\n  \"scenarios\": [\n    {\"errorCode\": \"BACK_LATER\", \"status\": 503, \"message\": \"m\",\n     \"headers\": {\"Retry-After\": \"18446744073709551615\"}}\n  ]\n}\n",
            "big.json:4:33",
        ),
        (
            "{\n  \"scenarios\": [\n    {\"errorCode\": \"BACK_LATER\", \"status\": 503, \"message\": \"m\",\n     \"retryAfter\": 86401}\n  ]\n}\n",
            "big.json:4:6",
        ),
    ];
    for (text, location) in cases {
        let dir = dir_with("retry-fixed", &[("big.json", text)]);
        let error = Application::build(Config {
            port: 0,
            scenarios: Some(dir),
            ..Config::default()
        })
        .err()
        .expect("refused");
        assert!(error.contains(location), "{location}: {error}");
        assert!(error.contains("86400"), "{error}");
    }
}
