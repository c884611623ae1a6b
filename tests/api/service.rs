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
async fn openapi_describes_both_operations_with_typed_parameters_and_seven_responses() {
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
            ["200", "400", "401", "403", "404", "429", "500"],
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
