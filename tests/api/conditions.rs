use crm_connector_mock::AuthMode;
use crm_connector_mock::Config;
use crm_connector_mock::CrmType;

use crate::helpers::{OPERATIONS, assert_error, header, spawn_app, spawn_with};

const DELETED: &str = "recordType=opportunity&recordId=0065g00000DeletedAAA";
const RESTRICTED: &str = "recordType=opportunity&recordId=0065g00000SecretAAA";

fn jwt(exp: i64) -> String {
    use base64::Engine;
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!(r#"{{"sub":"u1","exp":{exp}}}"#));
    format!("eyJhbGciOiJub25lIn0.{claims}.c2ln")
}

#[actix_web::test]
async fn a_deleted_record_answers_record_not_found_on_both_operations() {
    let app = spawn_app().await;
    for (path, _) in OPERATIONS {
        let body = assert_error(
            app.get(&format!("{path}?{DELETED}"), &[]).await,
            404,
            "RECORD_NOT_FOUND",
        )
        .await;
        assert_eq!(body["details"]["recordId"], "0065g00000DeletedAAA");
        assert_eq!(body["details"]["recordType"], "opportunity");
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_restricted_record_answers_insufficient_permissions_naming_the_resource() {
    let app = spawn_app().await;
    for (path, _) in OPERATIONS {
        let body = assert_error(
            app.get(&format!("{path}?{RESTRICTED}"), &[]).await,
            403,
            "INSUFFICIENT_PERMISSIONS",
        )
        .await;
        assert_eq!(body["details"]["resourceType"], "envelope");
        assert_eq!(body["details"]["resourceId"], "ENV-90001");
        assert_eq!(body["details"]["privilege"], "envelope.read");
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_simulation_header_wins_over_every_realistic_condition() {
    let app = spawn_with(Config {
        auth: AuthMode::Bearer,
        crm_type: Some(CrmType::Dynamics365),
        rate_limit: Some("1/h".parse().unwrap()),
        failure_rate: 1.0,
        seed: Some(1),
        ..Config::default()
    })
    .await;
    let url = format!("/api/related-records?{DELETED}&crmType=Salesforce");
    for _ in 0..3 {
        let response = app.get(&url, &[("X-Simulate-Error", "403")]).await;
        assert_error(response, 403, "INSUFFICIENT_PERMISSIONS").await;
        let ok = app.get(&url, &[("X-Simulate-Error", "200")]).await;
        // Behind a proxy, an explicit 200 skips the proxy's conditions and
        // goes to the upstream, which holds the same (deleted) record.
        let upstream_says = if crate::helpers::proxied() { 404 } else { 200 };
        assert_eq!(
            ok.status().as_u16(),
            upstream_says,
            "an explicit 200 skips the conditions"
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn realistic_conditions_apply_in_the_documented_order() {
    let app = spawn_with(Config {
        auth: AuthMode::Bearer,
        crm_type: Some(CrmType::Dynamics365),
        ..Config::default()
    })
    .await;
    let token = format!("Bearer {}", jwt(4_000_000_000));
    let url = format!("/api/related-activities?{DELETED}");
    assert_error(
        app.get(&format!("{url}&crmType=Salesforce"), &[]).await,
        401,
        "INVALID_TOKEN_SPECIFIED",
    )
    .await;
    let wrong_crm = app
        .get(
            &format!("{url}&crmType=Salesforce"),
            &[("Authorization", &token)],
        )
        .await;
    assert_error(wrong_crm, 400, "INVALID_CRM_CONNECTION").await;
    let deleted = app
        .get(
            &format!("{url}&crmType=Dynamics365"),
            &[("Authorization", &token)],
        )
        .await;
    assert_error(deleted, 404, "RECORD_NOT_FOUND").await;
    app.stop().await;
}

#[actix_web::test]
async fn crm_connection_is_checked_only_when_configured() {
    let off = spawn_app().await;
    let any = off
        .get(
            "/api/related-records?recordType=a&recordId=1&crmType=Salesforce&crmOrgUrl=x.example",
            &[],
        )
        .await;
    assert_eq!(any.status().as_u16(), 200, "off by default");
    off.stop().await;

    let app = spawn_with(Config {
        crm_type: Some(CrmType::Dynamics365),
        crm_org_url: Some("contoso.crm.dynamics.com".into()),
        ..Config::default()
    })
    .await;
    let base = "/api/related-records?recordType=a&recordId=1";
    for (query, status) in [
        ("", 200),
        (
            "&crmType=Dynamics365&crmOrgUrl=contoso.crm.dynamics.com",
            200,
        ),
        (
            "&crmType=Dynamics%20365&crmOrgUrl=https://Contoso.CRM.dynamics.com/",
            200,
        ),
        ("&crmType=Salesforce", 400),
        ("&crmOrgUrl=fabrikam.crm.dynamics.com", 400),
    ] {
        let response = app.get(&format!("{base}{query}"), &[]).await;
        assert_eq!(response.status().as_u16(), status, "{query}");
    }
    let body = assert_error(
        app.get(
            &format!("{base}&crmType=Salesforce&crmOrgUrl=contoso.my.salesforce.com"),
            &[],
        )
        .await,
        400,
        "INVALID_CRM_CONNECTION",
    )
    .await;
    assert_eq!(body["details"]["requestedCrmType"], "Salesforce");
    assert_eq!(
        body["details"]["requestedCrmOrgUrl"],
        "contoso.my.salesforce.com"
    );
    assert_eq!(body["details"]["connectedCrmType"], "Dynamics365");
    assert_eq!(
        body["details"]["connectedCrmOrgUrl"],
        "contoso.crm.dynamics.com"
    );
    app.stop().await;
}

#[actix_web::test]
async fn bearer_auth_refuses_missing_malformed_and_expired_tokens_with_a_reason() {
    let off = spawn_app().await;
    assert_eq!(
        off.get("/api/related-records?recordType=a&recordId=1", &[])
            .await
            .status()
            .as_u16(),
        200,
        "off by default"
    );
    off.stop().await;

    let app = spawn_with(Config {
        auth: AuthMode::Bearer,
        expired_tokens: vec!["revoked-123".into()],
        ..Config::default()
    })
    .await;
    let expired_jwt = format!("Bearer {}", jwt(1_600_000_000));
    let valid_jwt = format!("Bearer {}", jwt(4_000_000_000));
    let cases: [(Option<&str>, Option<&str>); 6] = [
        (None, Some("missing")),
        (Some("Basic dXNlcjpwdw=="), Some("malformed")),
        (Some("Bearer revoked-123"), Some("expired")),
        (Some(&expired_jwt), Some("expired")),
        (Some(&valid_jwt), None),
        (Some("Bearer opaque-token"), None),
    ];
    for (path, _) in OPERATIONS {
        for (authorization, reason) in cases {
            let headers: Vec<(&str, &str)> = authorization
                .map(|a| ("Authorization", a))
                .into_iter()
                .collect();
            let response = app
                .get(&format!("{path}?recordType=a&recordId=1"), &headers)
                .await;
            match reason {
                None => assert_eq!(response.status().as_u16(), 200, "{authorization:?}"),
                Some(reason) => {
                    let challenge = header(&response, "www-authenticate").unwrap().to_owned();
                    if reason != "missing" {
                        assert!(
                            challenge.starts_with("Bearer error=\"invalid_token\""),
                            "{challenge}"
                        );
                        assert!(challenge.contains(reason), "{challenge}");
                    }
                    let body = assert_error(response, 401, "INVALID_TOKEN_SPECIFIED").await;
                    assert_eq!(body["details"]["reason"], reason, "{authorization:?}");
                }
            }
        }
    }
    app.stop().await;
}

#[actix_web::test]
async fn the_rate_limiter_throttles_each_client_with_the_true_retry_after() {
    // Arrange: two requests per minute, so one refills every 30 s.
    let app = spawn_with(Config {
        rate_limit: Some("2/min".parse().unwrap()),
        ..Config::default()
    })
    .await;
    let url = "/api/related-records?recordType=a&recordId=1";
    let alice = [("Authorization", "Bearer alice")];
    // Act
    let first = app.get(url, &alice).await.status().as_u16();
    let second = app.get(url, &alice).await.status().as_u16();
    let third = app.get(url, &alice).await;
    // Assert
    assert_eq!((first, second), (200, 200));
    let retry_after: u64 = header(&third, "retry-after").unwrap().parse().unwrap();
    assert!((29..=30).contains(&retry_after), "{retry_after}");
    let body = assert_error(third, 429, "REQUEST_THROTTLED").await;
    assert_eq!(body["details"]["retryAfterSeconds"], retry_after);
    let bob = app.get(url, &[("Authorization", "Bearer bob")]).await;
    assert_eq!(
        bob.status().as_u16(),
        200,
        "another token has its own budget"
    );
    let by_address = app.get(url, &[]).await;
    assert_eq!(
        by_address.status().as_u16(),
        200,
        "no token: keyed by the peer address"
    );
    app.stop().await;
}

#[actix_web::test]
async fn without_a_rate_limit_no_request_is_throttled() {
    let app = spawn_app().await;
    for _ in 0..50 {
        assert_eq!(
            app.get("/api/related-records?recordType=a&recordId=1", &[])
                .await
                .status()
                .as_u16(),
            200
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn a_request_without_credentials_gets_a_bare_bearer_challenge_without_an_error_code() {
    // What broke: a request with no Authorization got
    // `WWW-Authenticate: Bearer error="invalid_token"`; RFC 6750 section 3.1
    // says a request that lacks authentication gets no error code.
    let app = spawn_with(Config {
        auth: AuthMode::Bearer,
        ..Config::default()
    })
    .await;
    // (Authorization, simulation header, expected challenge, reason)
    let cases: [(Option<&str>, Option<&str>, &str, &str); 5] = [
        (
            None,
            None,
            r#"Bearer realm="crm-connector-mock""#,
            "missing",
        ),
        (
            Some("   "),
            None,
            r#"Bearer realm="crm-connector-mock""#,
            "missing",
        ),
        (
            Some("Bearer ok-token"),
            Some("401; reason=missing"),
            r#"Bearer realm="crm-connector-mock""#,
            "missing",
        ),
        (
            Some("Basic dXNlcjpwdw=="),
            None,
            r#"Bearer error="invalid_token", error_description="The access token is malformed""#,
            "malformed",
        ),
        (
            Some("Bearer ok-token"),
            Some("401"),
            r#"Bearer error="invalid_token", error_description="The access token is expired""#,
            "expired",
        ),
    ];
    for (path, _) in OPERATIONS {
        for (authorization, simulate, challenge, reason) in cases {
            let mut headers = Vec::new();
            if let Some(a) = authorization {
                headers.push(("Authorization", a));
            }
            if let Some(s) = simulate {
                headers.push(("X-Simulate-Error", s));
            }
            let response = app
                .get(&format!("{path}?recordType=a&recordId=1"), &headers)
                .await;
            assert_eq!(
                header(&response, "www-authenticate"),
                Some(challenge),
                "{path} {authorization:?} {simulate:?}"
            );
            let body = assert_error(response, 401, "INVALID_TOKEN_SPECIFIED").await;
            assert_eq!(body["details"]["reason"], reason, "{authorization:?}");
        }
    }
    app.stop().await;
}
