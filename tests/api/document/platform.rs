//! What certified connectors carry: x-ms-summary, x-ms-visibility, the
//! publisher and metadata, host and schemes, and oauth2 under bearer auth.

use crm_connector_mock::{AuthMode, Config};
use serde_json::{Value, json};

use super::{ACTIVITIES, RECORDS, param};
use crate::helpers::{spawn_app, spawn_with};

#[actix_web::test]
async fn every_parameter_has_a_summary_and_a_visibility_and_the_operations_are_important() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    for path in [ACTIVITIES, RECORDS] {
        let get = &doc["paths"][path]["get"];
        assert_eq!(get["x-ms-visibility"], "important", "{path}");
        for p in get["parameters"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let summary = p["x-ms-summary"].as_str().unwrap_or_default();
            assert!(
                !summary.is_empty() && summary != name,
                "{path} {name}: {summary}"
            );
            let expected = match (name, p["in"].as_str()) {
                ("recordType" | "recordId", _) => "important",
                (_, Some("header")) => "internal",
                _ => "advanced",
            };
            assert_eq!(p["x-ms-visibility"], expected, "{path} {name}");
        }
        assert_eq!(
            param(&doc, path, "recordType")["x-ms-summary"],
            "Record type"
        );
        let required: Vec<&Value> = get["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["required"] == true)
            .map(|p| &p["name"])
            .collect();
        assert_eq!(
            required,
            [&json!("recordType"), &json!("recordId")],
            "{path}"
        );
        assert!(
            get["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["name"] != "connectorId"),
            "{path}: connectorId is reserved"
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn the_document_names_its_publisher_and_power_platform_metadata() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let contact = &doc["info"]["contact"];
    for field in ["name", "url", "email"] {
        assert!(
            contact[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}"
        );
    }
    let metadata: Vec<(&str, &str)> = doc["x-ms-connector-metadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["propertyName"].as_str().unwrap(),
                m["propertyValue"].as_str().unwrap(),
            )
        })
        .collect();
    let names: Vec<&str> = metadata.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["Website", "Privacy policy", "Categories"]);
    assert!(metadata.iter().all(|(_, v)| !v.is_empty()));
    assert_eq!(metadata[2].1, "Sales and CRM");
    app.stop().await;
}

#[actix_web::test]
async fn host_and_schemes_are_the_bound_address_or_the_public_url() {
    // The default: http (https under CRM_MOCK_TEST_TLS) and the address the
    // server really listens on.
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let scheme = if crate::helpers::tls() {
        "https"
    } else {
        "http"
    };
    assert_eq!(doc["schemes"], json!([scheme]));
    assert_eq!(
        format!("{scheme}://{}", doc["host"].as_str().unwrap()),
        app.address
    );
    app.stop().await;
    // --public-url wins.
    let app = spawn_with(Config {
        public_url: Some("https://connector.contoso.com".into()),
        ..Config::default()
    })
    .await;
    let doc = app.openapi().await;
    assert_eq!(doc["schemes"], json!(["https"]));
    assert_eq!(doc["host"], "connector.contoso.com");
    app.stop().await;
}

#[actix_web::test]
async fn an_oauth2_security_definition_is_declared_only_under_bearer_auth() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    assert!(
        doc.get("securityDefinitions").is_none(),
        "{}",
        doc["securityDefinitions"]
    );
    assert!(doc.get("security").is_none());
    app.stop().await;

    let app = spawn_with(Config {
        auth: AuthMode::Bearer,
        ..Config::default()
    })
    .await;
    let doc = app.openapi().await;
    let definitions = doc["securityDefinitions"].as_object().unwrap();
    assert_eq!(definitions.len(), 1);
    let (name, oauth) = definitions.iter().next().unwrap();
    assert_eq!(oauth["type"], "oauth2");
    assert_eq!(oauth["flow"], "accessCode");
    for url in ["authorizationUrl", "tokenUrl"] {
        let value = oauth[url].as_str().unwrap();
        assert!(
            value.starts_with("https://login.microsoftonline.com/"),
            "{url}: {value}"
        );
    }
    assert_eq!(doc["security"], json!([{ name.as_str(): [] }]));
    app.stop().await;
}
