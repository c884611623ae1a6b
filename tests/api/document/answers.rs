//! The request and response headers, and every status the server answers
//! an operation with, each documented with the Error schema.

use crm_connector_mock::Config;
use serde_json::Value;

use super::{ACTIVITIES, RECORDS, param};
use crate::helpers::{header, spawn_app, spawn_with};

#[actix_web::test]
async fn the_request_headers_are_parameters_and_only_a_200_declares_content_language() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    for path in [ACTIVITIES, RECORDS] {
        for name in ["Accept-Language", "x-ms-client-request-id"] {
            let p = param(&doc, path, name);
            assert_eq!(p["in"], "header", "{path} {name}");
            assert_eq!(p["required"], false, "{path} {name}");
            assert!(p["description"].as_str().is_some_and(|d| !d.is_empty()));
        }
        let responses = doc["paths"][path]["get"]["responses"].as_object().unwrap();
        for (status, response) in responses {
            let declared = response["headers"]["Content-Language"].is_object();
            assert_eq!(declared, status == "200", "{path} {status}");
            assert!(
                response["headers"]["x-ms-request-id"].is_object(),
                "{path} {status}"
            );
        }
    }
    // And the server behaves so: a 200 carries it, an error does not.
    let ok = app
        .get(
            &format!("{RECORDS}?recordType=account&recordId=42"),
            &[("Accept-Language", "de")],
        )
        .await;
    assert_eq!(header(&ok, "content-language"), Some("de"));
    let error = app
        .get(
            &format!("{RECORDS}?recordType=account"),
            &[("Accept-Language", "de")],
        )
        .await;
    assert_eq!(error.status().as_u16(), 400);
    assert_eq!(header(&error, "content-language"), None);
    app.stop().await;
}

#[actix_web::test]
async fn every_status_the_server_answers_an_operation_with_is_documented_with_the_error_schema() {
    // Arrange
    let app = spawn_with(Config {
        max_query_bytes: 64,
        max_header_bytes: 512,
        ..Config::default()
    })
    .await;
    let doc = app.openapi().await;
    let q = "?recordType=account&recordId=42";
    let long = format!("{q}&pad={}", "x".repeat(100));
    let big = "h".repeat(600);
    // Every scenario of the catalogue, as the running server lists it.
    let catalogue = app.get_json("/__admin/scenarios").await;
    let mut provoked: Vec<(u16, String)> = catalogue["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["status"].as_u64().unwrap() as u16,
                s["errorCode"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(provoked.len(), 6, "{catalogue}");
    // Act: the server's own answers.
    for path in [ACTIVITIES, RECORDS] {
        let cases = [
            app.get(&format!("{path}{q}"), &[]).await,
            app.get(&format!("{path}?recordId=42"), &[]).await,
            app.get(&format!("{path}{q}"), &[("X-Simulate-Error", "NOPE")])
                .await,
            app.request(reqwest::Method::POST, &format!("{path}{q}"))
                .await,
            app.get(&format!("{path}{long}"), &[]).await,
            app.get(&format!("{path}{q}"), &[("x-big", &big)]).await,
        ];
        for response in cases {
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            let code = body["errorCode"].as_str().unwrap_or("").to_owned();
            provoked.push((status, code));
        }
    }
    // Assert
    let mut statuses: Vec<u16> = provoked.iter().map(|(s, _)| *s).collect();
    statuses.sort();
    statuses.dedup();
    assert_eq!(statuses, [200, 400, 401, 403, 404, 405, 414, 429, 431, 500]);
    for path in [ACTIVITIES, RECORDS] {
        let responses = doc["paths"][path]["get"]["responses"].as_object().unwrap();
        let mut listed: Vec<&str> = responses.keys().map(String::as_str).collect();
        listed.sort();
        assert_eq!(
            listed,
            [
                "200", "400", "401", "403", "404", "405", "414", "429", "431", "500"
            ]
        );
        for (status, code) in &provoked {
            let response = &responses[&status.to_string()];
            let description = response["description"].as_str().unwrap();
            if *status != 200 {
                assert_eq!(
                    response["schema"]["$ref"], "#/definitions/Error",
                    "{path} {status}"
                );
                assert!(
                    description.contains(code.as_str()),
                    "{path} {status}: {description} names {code}"
                );
            }
        }
        assert!(responses["429"]["headers"]["Retry-After"].is_object());
        assert!(responses["405"]["headers"]["Allow"].is_object());
        assert!(responses["401"]["headers"]["WWW-Authenticate"].is_object());
    }
    app.stop().await;
}
