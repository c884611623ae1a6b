use crate::helpers::{header, spawn_app};
use serde_json::Value;

#[actix_web::test]
async fn activity_id_echoes_the_client_request_id_on_success_and_error() {
    let app = spawn_app().await;
    for query in [
        "/api/related-activities?recordType=account&recordId=1",
        "/api/related-activities?recordType=account&recordId=1&simulateError=500",
        "/api/related-records?recordId=1",
        "/no/such/route",
    ] {
        let response = app
            .get(query, &[("x-ms-client-request-id", "client-id-42")])
            .await;
        assert_eq!(
            header(&response, "x-ms-request-id"),
            Some("client-id-42"),
            "{query}"
        );
        assert_eq!(
            header(&response, "x-ms-client-request-id"),
            Some("client-id-42"),
            "{query}"
        );
        if !response.status().is_success() {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["activityId"], "client-id-42", "{query}");
        }
    }
    app.stop().await;
}

#[actix_web::test]
async fn activity_id_is_a_fresh_uuid_v4_when_the_client_sends_none_or_an_empty_one() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    for headers in [&[][..], &[("x-ms-client-request-id", "")][..]] {
        let response = app
            .get(
                "/api/related-records?recordType=a&recordId=1&simulateError=404",
                headers,
            )
            .await;
        assert!(
            header(&response, "x-ms-client-request-id").is_none(),
            "not echoed when not sent"
        );
        let id = header(&response, "x-ms-request-id").unwrap().to_owned();
        let parsed = uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["activityId"], id.as_str());
        seen.push(id);
    }
    assert_ne!(seen[0], seen[1], "each request gets its own id");
    app.stop().await;
}
