use serde_json::Value;

use crate::helpers::{OPERATIONS, assert_error, assert_valid, header, spawn_app};

/// (query after the path, parameter named in details, what the case is)
const ACTIVITY_AND_RECORD_CASES: [(&str, &str, &str); 14] = [
    ("recordId=1", "recordType", "missing recordType"),
    ("recordType=account", "recordId", "missing recordId"),
    ("recordType=&recordId=1", "recordType", "empty recordType"),
    ("recordType=account&recordId=", "recordId", "empty recordId"),
    (
        "recordType=account&recordId=1&top=-1",
        "top",
        "negative top",
    ),
    (
        "recordType=account&recordId=1&top=ten",
        "top",
        "non-numeric top",
    ),
    (
        "recordType=account&recordId=1&top=2147483648",
        "top",
        "top beyond int32",
    ),
    (
        "recordType=account&recordId=1&skip=-5",
        "skip",
        "negative skip",
    ),
    (
        "recordType=account&recordId=1&skip=1e3",
        "skip",
        "non-integer skip",
    ),
    (
        "recordType=account&recordId=1&crmType=SAP",
        "crmType",
        "unknown crmType",
    ),
    (
        "recordType=account&recordId=1&crmType=salesforce",
        "crmType",
        "crmType is case-sensitive",
    ),
    (
        "recordType=account&recordId=1&top=1&top=2",
        "top",
        "duplicated top",
    ),
    (
        "recordType=account&recordId=%ZZ",
        "recordId",
        "invalid percent-escape",
    ),
    (
        "recordType=account&recordId=%C3%28",
        "recordId",
        "invalid UTF-8",
    ),
];

const ACTIVITY_ONLY_CASES: [(&str, &str, &str); 4] = [
    (
        "recordType=a&recordId=1&startDateTime=2024-01-01",
        "startDateTime",
        "bare date",
    ),
    (
        "recordType=a&recordId=1&endDateTime=tomorrow",
        "endDateTime",
        "not a date",
    ),
    (
        "recordType=a&recordId=1&startDateTime=2024-01-01T00:00:00+02:00",
        "startDateTime",
        "unencoded + becomes a space",
    ),
    (
        "recordType=a&recordId=1&startDateTime=2024-02-01T00:00:00Z&endDateTime=2024-01-01T00:00:00Z",
        "startDateTime",
        "start after end",
    ),
];

#[actix_web::test]
async fn every_parameter_violation_gets_invalid_request_naming_the_parameter_on_both_operations() {
    let app = spawn_app().await;
    let openapi = app.openapi().await;
    for (path, _) in OPERATIONS {
        for (query, parameter, case) in ACTIVITY_AND_RECORD_CASES {
            let response = app.get(&format!("{path}?{query}"), &[]).await;
            let body = assert_error(response, 400, "INVALID_REQUEST").await;
            assert_eq!(body["details"]["parameter"], parameter, "{path}: {case}");
            assert!(
                body["details"]["reason"]
                    .as_str()
                    .is_some_and(|r| !r.is_empty()),
                "{case}"
            );
            assert!(
                body["errorMessage"].as_str().unwrap().contains(parameter),
                "{case}"
            );
            assert_valid(&openapi, "Error", &body);
        }
    }
    for (query, parameter, case) in ACTIVITY_ONLY_CASES {
        let response = app
            .get(&format!("/api/related-activities?{query}"), &[])
            .await;
        let body = assert_error(response, 400, "INVALID_REQUEST").await;
        assert_eq!(body["details"]["parameter"], parameter, "{case}");
        // On related-records the date parameters are ignored like any unknown one.
        let records = app.get(&format!("/api/related-records?{query}"), &[]).await;
        assert_eq!(
            records.status().as_u16(),
            200,
            "records ignore dates: {case}"
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn valid_edge_values_are_accepted() {
    let app = spawn_app().await;
    for query in [
        "recordType=account&recordId=1&top=0&skip=0",
        "recordType=account&recordId=1&top=2147483647",
        "recordType=account&recordId=1&crmType=Dynamics365",
        "recordType=account&recordId=1&crmType=Dynamics%20365",
        "recordType=account&recordId=1&crmType=Dynamics+365",
        "recordType=account&recordId=1&crmType=Salesforce&crmOrgUrl=contoso.my.salesforce.com",
        "recordType=account&recordId=1&top=&skip=&crmType=",
        "recordType=account&recordId=1&startDateTime=2024-01-01T00:00:00%2B02:00&endDateTime=2030-01-01T00:00:00.123Z",
    ] {
        let response = app
            .get(&format!("/api/related-activities?{query}"), &[])
            .await;
        assert_eq!(response.status().as_u16(), 200, "{query}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_malformed_request_gets_invalid_request_even_when_it_asks_for_a_scenario() {
    let app = spawn_app().await;
    let response = app
        .get(
            "/api/related-activities?recordType=account&top=-1",
            &[("X-Simulate-Error", "429")],
        )
        .await;
    assert_error(response, 400, "INVALID_REQUEST").await;
    app.stop().await;
}

#[actix_web::test]
async fn an_unknown_route_gets_route_not_found_never_record_not_found() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/api",
        "/api/related-activities/extra",
        "/api/related-activity?recordType=a&recordId=1",
    ] {
        assert_error(app.get(path, &[]).await, 404, "ROUTE_NOT_FOUND").await;
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_wrong_method_gets_method_not_allowed_with_allow() {
    let app = spawn_app().await;
    for path in [
        "/api/related-activities",
        "/api/related-records",
        "/health",
        "/openapi.json",
    ] {
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::PATCH,
        ] {
            let response = app.request(method.clone(), path).await;
            assert_eq!(
                header(&response, "allow"),
                Some("GET, HEAD"),
                "{method} {path}"
            );
            assert_error(response, 405, "METHOD_NOT_ALLOWED").await;
        }
    }
    app.stop().await;
}

#[actix_web::test]
async fn the_server_keeps_serving_after_errors() {
    let app = spawn_app().await;
    for query in [
        "/api/related-activities?%",
        "/api/related-activities?recordType=%FF%FE&recordId=1",
    ] {
        let body: Value = app.get(query, &[]).await.json().await.unwrap();
        assert_eq!(body["errorCode"], "INVALID_REQUEST", "{query}");
    }
    assert_eq!(app.get("/health", &[]).await.status().as_u16(), 200);
    app.stop().await;
}

/// Extra request headers of a table case.
type Headers = &'static [(&'static str, &'static str)];

#[actix_web::test]
async fn an_invalid_request_message_names_the_kind_of_input_it_is_about() {
    // What broke: every INVALID_REQUEST said "The query parameter 'X' is
    // invalid", also for the X-Simulate-Error and X-Simulate-Delay headers
    // and for the body of a GET.
    let app = spawn_app().await;
    let path = "/api/related-records?recordType=account&recordId=1";
    // (query after path, headers, body, parameter, the message's start)
    let long_session: Headers = vec![("X-Simulate-Session", "s".repeat(300).leak() as &str)].leak();
    let cases: [(&str, Headers, Option<&str>, &str, &str); 9] = [
        (
            "&top=ten",
            &[],
            None,
            "top",
            "The query parameter 'top' is invalid: ",
        ),
        (
            "&simulateError=429%3Bcolour%3Dred",
            &[],
            None,
            "simulateError",
            "The query parameter 'simulateError' is invalid: ",
        ),
        (
            "&simulateDelay=fast",
            &[],
            None,
            "simulateDelay",
            "The query parameter 'simulateDelay' is invalid: ",
        ),
        (
            "",
            &[("X-Simulate-Error", "429; colour=red")],
            None,
            "X-Simulate-Error",
            "The header 'X-Simulate-Error' is invalid: ",
        ),
        (
            "",
            &[("X-Simulate-Delay", "fast")],
            None,
            "X-Simulate-Delay",
            "The header 'X-Simulate-Delay' is invalid: ",
        ),
        (
            "",
            &[("Prefer", "code=caf\u{e9}")],
            None,
            "Prefer",
            "The header 'Prefer' is invalid: ",
        ),
        (
            "",
            &[("X-Simulate-Session", "caf\u{e9}")],
            None,
            "X-Simulate-Session",
            "The header 'X-Simulate-Session' is invalid: ",
        ),
        (
            "",
            long_session,
            None,
            "X-Simulate-Session",
            "The header 'X-Simulate-Session' is invalid: ",
        ),
        (
            "",
            &[],
            Some("surprise"),
            "body",
            "The request body is invalid: ",
        ),
    ];
    for (query, headers, body, parameter, start) in cases {
        let mut request = app.client.get(format!("{}{path}{query}", app.address));
        for (name, value) in headers {
            request = request.header(
                *name,
                reqwest::header::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = app.send(request).await;
        let body = assert_error(response, 400, "INVALID_REQUEST").await;
        assert_eq!(body["details"]["parameter"], parameter, "{parameter}");
        let message = body["errorMessage"].as_str().unwrap();
        assert!(message.starts_with(start), "{parameter}: {message}");
    }
    app.stop().await;
}
