use serde_json::{Value, json};

use crate::helpers::{Answer, OPERATIONS, TestApp, assert_error, assert_valid, header, spawn_app};

const RECORD: &str = "recordType=opportunity&recordId=OPP-9";

/// (errorCode, status)
const DOCUMENTED: [(&str, u16); 6] = [
    ("INVALID_CRM_CONNECTION", 400),
    ("RECORD_NOT_FOUND", 404),
    ("INVALID_TOKEN_SPECIFIED", 401),
    ("INSUFFICIENT_PERMISSIONS", 403),
    ("REQUEST_THROTTLED", 429),
    ("INTERNAL_SERVER_ERROR", 500),
];

/// Sends one request with the trigger `value` written in the form `form`.
async fn trigger(app: &TestApp, path: &str, form: &str, value: &str) -> Answer {
    let url = format!("{path}?{RECORD}&crmType=Salesforce&crmOrgUrl=contoso.my.salesforce.com");
    match form {
        "header" => app.get(&url, &[("X-Simulate-Error", value)]).await,
        "query" => app.get(&format!("{url}&simulateError={value}"), &[]).await,
        "prefer" => {
            app.get(&url, &[("Prefer", &format!("respond-async, code={value}"))])
                .await
        }
        _ => unreachable!("unknown form {form}"),
    }
}

/// The details and headers contract Part 2 §5 requires for each scenario.
fn assert_realism(
    code: &str,
    response_headers: &reqwest::header::HeaderMap,
    details: &Value,
    operation: &str,
) {
    let h = |name: &str| response_headers.get(name).and_then(|v| v.to_str().ok());
    match code {
        "INVALID_CRM_CONNECTION" => {
            assert_eq!(details["requestedCrmType"], "Salesforce");
            assert_eq!(details["requestedCrmOrgUrl"], "contoso.my.salesforce.com");
            assert_eq!(
                details["connectedCrmType"], "Dynamics365",
                "with no CRM configured the other type is connected"
            );
            assert!(
                details["connectedCrmOrgUrl"]
                    .as_str()
                    .is_some_and(|u| !u.is_empty())
            );
        }
        "RECORD_NOT_FOUND" => assert_eq!(
            *details,
            json!({"recordType": "opportunity", "recordId": "OPP-9"})
        ),
        "INVALID_TOKEN_SPECIFIED" => {
            assert_eq!(details["reason"], "expired");
            let challenge = h("www-authenticate").expect("WWW-Authenticate");
            assert!(
                challenge.starts_with("Bearer error=\"invalid_token\", error_description=\""),
                "{challenge}"
            );
        }
        "INSUFFICIENT_PERMISSIONS" => {
            assert_eq!(details["resourceType"], "opportunity");
            assert_eq!(details["resourceId"], "OPP-9");
            assert!(details["privilege"].as_str().is_some_and(|p| !p.is_empty()));
        }
        "REQUEST_THROTTLED" => {
            assert_eq!(h("retry-after"), Some("1"), "default Retry-After");
            assert_eq!(details["retryAfterSeconds"], 1);
        }
        "INTERNAL_SERVER_ERROR" => assert!(details.is_null()),
        other => panic!("no realism rule for {other} ({operation})"),
    }
    if code != "REQUEST_THROTTLED" {
        assert!(h("retry-after").is_none(), "{code} has no Retry-After");
    }
}

#[actix_web::test]
async fn every_documented_scenario_answers_by_every_trigger_form_on_both_operations() {
    let app = spawn_app().await;
    let openapi = app.openapi().await;
    for (path, operation) in OPERATIONS {
        for (code, status) in DOCUMENTED {
            let status_text = status.to_string();
            let lower = code.to_lowercase();
            for (form, value) in [
                ("header", code),
                ("header", lower.as_str()),
                ("header", status_text.as_str()),
                ("query", code),
                ("query", status_text.as_str()),
                ("prefer", status_text.as_str()),
            ] {
                let response = trigger(&app, path, form, value).await;
                let headers = response.headers().clone();
                let body = assert_error(response, status, code).await;
                let message = body["errorMessage"].as_str().unwrap();
                assert!(
                    message.contains(operation) && message.contains("OPP-9"),
                    "{form}={value}: {message}"
                );
                assert_realism(code, &headers, &body["details"], operation);
                assert_valid(&openapi, "Error", &body);
            }
        }
    }
    app.stop().await;
}

#[actix_web::test]
async fn the_header_wins_over_the_query_which_wins_over_prefer() {
    let app = spawn_app().await;
    let url = format!("/api/related-records?{RECORD}&simulateError=500");
    let both = app
        .get(&url, &[("X-Simulate-Error", "404"), ("Prefer", "code=403")])
        .await;
    assert_error(both, 404, "RECORD_NOT_FOUND").await;
    let query_over_prefer = app.get(&url, &[("Prefer", "code=403")]).await;
    assert_error(query_over_prefer, 500, "INTERNAL_SERVER_ERROR").await;
    let empty_header_is_absent = app.get(&url, &[("X-Simulate-Error", "")]).await;
    assert_error(empty_header_is_absent, 500, "INTERNAL_SERVER_ERROR").await;
    app.stop().await;
}

#[actix_web::test]
async fn status_200_and_other_preferences_mean_no_error() {
    let app = spawn_app().await;
    for headers in [
        &[("Prefer", "code=200")][..],
        &[("Prefer", "respond-async, return=minimal")][..],
        &[("X-Simulate-Error", "200")][..],
    ] {
        let response = app
            .get(&format!("/api/related-activities?{RECORD}"), headers)
            .await;
        assert_eq!(response.status().as_u16(), 200, "{headers:?}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn an_unknown_trigger_value_lists_every_valid_value() {
    let app = spawn_app().await;
    for (path, _) in OPERATIONS {
        for (form, value) in [("header", "TEAPOT"), ("query", "418"), ("prefer", "599")] {
            let body = assert_error(
                trigger(&app, path, form, value).await,
                400,
                "UNKNOWN_SCENARIO",
            )
            .await;
            let values: Vec<&str> = body["details"]["validValues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            for (code, status) in DOCUMENTED {
                assert!(values.contains(&code), "{code} in {values:?}");
                assert!(
                    values.contains(&status.to_string().as_str()),
                    "{status} in {values:?}"
                );
            }
        }
    }
    app.stop().await;
}

#[actix_web::test]
async fn options_set_retry_after_message_and_reason() {
    let app = spawn_app().await;
    let url = format!("/api/related-activities?{RECORD}");
    let throttled = app
        .get(
            &url,
            &[("X-Simulate-Error", "REQUEST_THROTTLED; retry-after=30")],
        )
        .await;
    assert_eq!(header(&throttled, "retry-after"), Some("30"));
    let body = assert_error(throttled, 429, "REQUEST_THROTTLED").await;
    assert_eq!(body["details"]["retryAfterSeconds"], 30);

    let custom = app
        .get(
            &format!("{url}&simulateError=500;%20message=Database%20is%20down"),
            &[],
        )
        .await;
    let body = assert_error(custom, 500, "INTERNAL_SERVER_ERROR").await;
    assert_eq!(body["errorMessage"], "Database is down");

    // (reason=missing gets the bare challenge: see conditions.rs.)
    let revoked = app
        .get(&url, &[("X-Simulate-Error", "401; reason=revoked")])
        .await;
    assert!(
        header(&revoked, "www-authenticate")
            .unwrap()
            .contains("revoked")
    );
    let body = assert_error(revoked, 401, "INVALID_TOKEN_SPECIFIED").await;
    assert_eq!(body["details"]["reason"], "revoked");

    let bad = app
        .get(&url, &[("X-Simulate-Error", "429; retry-after=soon")])
        .await;
    let body = assert_error(bad, 400, "INVALID_REQUEST").await;
    assert_eq!(body["details"]["parameter"], "X-Simulate-Error");
    app.stop().await;
}

#[actix_web::test]
async fn triggers_do_not_apply_to_service_endpoints() {
    let app = spawn_app().await;
    for path in ["/health", "/openapi.json"] {
        let response = app
            .get(
                &format!("{path}?simulateError=500"),
                &[("X-Simulate-Error", "429")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    app.stop().await;
}

/// A worker keeps the errors it rendered last (`connector::recent`): a repeat
/// must still get its own activityId, and nothing that differs in the
/// request (options, record, operation) may be answered from a kept one.
#[actix_web::test]
async fn a_repeated_simulated_error_is_answered_afresh_for_whatever_differs() {
    let app = spawn_app().await;
    let records = |id: &str| format!("/api/related-records?recordType=account&recordId={id}");
    let activities = "/api/related-activities?recordType=account&recordId=KEPT-2";
    // (url, trigger, status, Retry-After, a phrase the message must hold)
    let cases = [
        (
            records("KEPT-1"),
            "429; retry-after=5",
            429,
            Some("5"),
            "'KEPT-1'",
        ),
        (
            records("KEPT-1"),
            "429; retry-after=5",
            429,
            Some("5"),
            "'KEPT-1'",
        ),
        (
            records("KEPT-1"),
            "429; retry-after=7",
            429,
            Some("7"),
            "after 7 seconds",
        ),
        (
            records("KEPT-2"),
            "429; retry-after=7",
            429,
            Some("7"),
            "'KEPT-2'",
        ),
        (
            activities.to_owned(),
            "429; retry-after=7",
            429,
            Some("7"),
            "GetRelatedActivities",
        ),
        (records("KEPT-1"), "500", 500, None, "'KEPT-1'"),
        (
            records("KEPT-1"),
            "429; retry-after=5",
            429,
            Some("5"),
            "after 5 seconds",
        ),
    ];
    let mut ids = std::collections::HashSet::new();
    for (url, trigger, status, retry_after, phrase) in cases {
        let response = app.get(&url, &[("X-Simulate-Error", trigger)]).await;
        assert_eq!(
            header(&response, "retry-after"),
            retry_after,
            "{url} {trigger}"
        );
        let request_id = header(&response, "x-ms-request-id").unwrap().to_owned();
        let code = if status == 429 {
            "REQUEST_THROTTLED"
        } else {
            "INTERNAL_SERVER_ERROR"
        };
        let body = assert_error(response, status, code).await;
        let message = body["errorMessage"].as_str().unwrap();
        assert!(message.contains(phrase), "{url} {trigger}: {message}");
        assert_eq!(body["activityId"], request_id.as_str());
        assert!(ids.insert(request_id), "an activityId was sent twice");
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_reload_changes_the_answer_to_a_trigger_the_worker_has_just_answered() {
    let scenario = |message: &str| {
        format!(
            r#"{{"scenarios": [{{"errorCode": "KEPT", "status": 503, "message": "{message} {{recordId}}"}}]}}"#
        )
    };
    let dir = crate::helpers::dir_with("kept", &[("user.json", &scenario("before"))]);
    let app = crate::helpers::spawn_with(crm_connector_mock::Config {
        scenarios: Some(dir.clone()),
        ..crm_connector_mock::Config::default()
    })
    .await;
    async fn kept_message(app: &TestApp) -> String {
        let url = "/api/related-records?recordType=account&recordId=R-1";
        let response = app.get(url, &[("X-Simulate-Error", "KEPT")]).await;
        let body = assert_error(response, 503, "KEPT").await;
        body["errorMessage"].as_str().unwrap().to_owned()
    }
    for _ in 0..2 {
        assert_eq!(kept_message(&app).await, "before R-1");
    }

    std::fs::write(dir.join("user.json"), scenario("after")).unwrap();
    let reloaded = app.request(reqwest::Method::POST, "/__admin/reload").await;
    assert_eq!(reloaded.status().as_u16(), 200);
    assert_eq!(kept_message(&app).await, "after R-1");
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
