use crm_connector_mock::Config;
use serde_json::Value;

use crate::helpers::{assert_error, header, spawn_app, spawn_with};

#[actix_web::test]
async fn health_answers_200_when_ready() {
    let app = spawn_app().await;
    let response = app.get("/health", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(header(&response, "x-ms-request-id").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    app.stop().await;
}

#[actix_web::test]
async fn openapi_describes_both_operations_with_typed_parameters_and_every_response() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let doc = app.openapi().await;
    // Assert
    assert_eq!(doc["swagger"], "2.0");
    for (path, id) in [
        ("/api/related-activities", "scp-get-related-activities"),
        ("/api/related-records", "scp-get-related-records"),
    ] {
        let get = &doc["paths"][path]["get"];
        assert_eq!(get["operationId"], id);
        let mut statuses: Vec<&String> = get["responses"].as_object().unwrap().keys().collect();
        statuses.sort();
        assert_eq!(
            statuses,
            [
                "200", "400", "401", "403", "404", "405", "414", "429", "431", "500"
            ],
            "{path}"
        );
        let params = get["parameters"].as_array().unwrap();
        let param = |name: &str| {
            params
                .iter()
                .find(|p| p["name"] == name)
                .cloned()
                .unwrap_or(Value::Null)
        };
        assert_eq!(param("recordType")["required"], true);
        assert_eq!(param("recordType")["minLength"], 1);
        assert_eq!(param("recordId")["minLength"], 1);
        assert_eq!(param("top")["format"], "int32");
        assert_eq!(param("skip")["minimum"], 0);
        assert_eq!(
            param("crmType")["enum"],
            serde_json::json!(["Salesforce", "Dynamics365", "Dynamics 365"])
        );
        assert!(
            params.iter().filter(|p| p["required"] == true).count() == 2,
            "no extra required parameters"
        );
        let has_dates = param("startDateTime")["format"] == "date-time";
        assert_eq!(has_dates, path.ends_with("activities"), "{path}");
    }
    for definition in [
        "Activity",
        "RelatedRecord",
        "ActivitiesList",
        "RelatedRecordsList",
        "Error",
    ] {
        assert!(doc["definitions"][definition].is_object(), "{definition}");
    }
    assert_eq!(
        doc["definitions"]["Error"]["required"],
        serde_json::json!(["errorCode"])
    );
    app.stop().await;
}

#[actix_web::test]
async fn configured_paths_are_served_and_documented() {
    let app = spawn_with(Config {
        activities_path: "/v2/activities".into(),
        records_path: "/v2/records".into(),
        ..Config::default()
    })
    .await;
    let doc = app.openapi().await;
    assert_eq!(
        doc["paths"]["/v2/activities"]["get"]["operationId"],
        "scp-get-related-activities"
    );
    assert_eq!(
        doc["paths"]["/v2/records"]["get"]["operationId"],
        "scp-get-related-records"
    );
    assert!(doc["paths"]["/api/related-activities"].is_null());
    let ok = app
        .get("/v2/records?recordType=account&recordId=1", &[])
        .await;
    assert_eq!(ok.status().as_u16(), 200);
    let gone = app
        .get("/api/related-records?recordType=account&recordId=1", &[])
        .await;
    assert_error(gone, 404, "ROUTE_NOT_FOUND").await;
    app.stop().await;
}

/// Extra request headers of a table case.
type Headers = &'static [(&'static str, &'static str)];

#[actix_web::test]
async fn head_answers_like_get_with_the_same_status_and_headers_and_no_body() {
    // What broke: HEAD on both operations answered 405 METHOD_NOT_ALLOWED.
    let app = spawn_app().await;
    // (path and query, extra headers, status GET answers, what the case is)
    let cases: [(&str, Headers, u16, &str); 7] = [
        (
            "/api/related-activities?recordType=account&recordId=42",
            &[],
            200,
            "activities",
        ),
        (
            "/api/related-records?recordType=account&recordId=42",
            &[],
            200,
            "records",
        ),
        (
            "/api/related-records?recordType=account&recordId=42",
            &[("X-Simulate-Error", "429")],
            429,
            "a simulated error",
        ),
        (
            "/api/related-activities?recordId=42",
            &[],
            400,
            "a missing parameter",
        ),
        ("/health", &[], 200, "health"),
        ("/openapi.json", &[], 200, "the OpenAPI document"),
        ("/metrics", &[], 200, "metrics"),
    ];
    for (path, headers, status, case) in cases {
        let mut all = vec![("x-ms-client-request-id", "head-1")];
        all.extend_from_slice(headers);
        let get = app.get(path, &all).await;
        let mut head = app.client.head(format!("{}{path}", app.address));
        for (name, value) in &all {
            head = head.header(*name, *value);
        }
        let head = app.send(head).await;
        assert_eq!(get.status().as_u16(), status, "GET {case}");
        assert_eq!(head.status().as_u16(), status, "HEAD {case}");
        for name in [
            "content-type",
            "content-length",
            "x-ms-request-id",
            "x-ms-client-request-id",
            "retry-after",
        ] {
            // The exposition grows between two scrapes (it counts the GET).
            if name == "content-length" && path == "/metrics" {
                continue;
            }
            assert_eq!(header(&head, name), header(&get, name), "{case}: {name}");
        }
        for response in [&get, &head] {
            assert!(
                header(response, "content-length").is_some_and(|n| n != "0"),
                "{case}: {:?}",
                response.headers()
            );
        }
        assert_eq!(
            head.bytes().await.unwrap().len(),
            0,
            "HEAD {case} has no body"
        );
    }
    // A wrong method still names both allowed ones.
    let response = app
        .request(reqwest::Method::DELETE, "/api/related-records")
        .await;
    assert_eq!(header(&response, "allow"), Some("GET, HEAD"));
    app.stop().await;
}
