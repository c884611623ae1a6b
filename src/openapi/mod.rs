//! The Swagger 2.0 document a real connector would publish (contract Part 2
//! §7 and Part 3): both operation ids with Microsoft's action, input and
//! output descriptions (from `contract::fields`, never restated here), the
//! request and response headers, every status an operation can answer, and
//! what certified Copilot for Sales connectors carry on top: `host` and
//! `schemes`, `info.contact`, `x-ms-connector-metadata`, `x-ms-summary` and
//! `x-ms-visibility`, and under `--auth bearer` an oauth2 security
//! definition. The simulation knobs are documented in docs/, not here.
//!
//! `operations` writes the paths, `schemas` the definitions, `origin` the
//! `host` and `schemes`.

mod operations;
mod origin;
mod schemas;

use serde_json::{Value, json};

use crate::config::{AuthMode, Config};
use crate::contract::Operation;

/// The one tag both operations carry (spectral's `operation-tags`; the
/// Power Platform designer groups actions by it).
const TAG: &str = "Copilot for Sales";

/// Who publishes the document. Placeholders under example.org (RFC 2606):
/// a mock has no support desk, and no real person's data belongs here.
const CONTACT_NAME: &str = "crm-connector-mock";
const CONTACT_URL: &str = "https://crm-connector-mock.example.org";
const CONTACT_EMAIL: &str = "crm-connector-mock@example.org";
const PRIVACY_URL: &str = "https://crm-connector-mock.example.org/privacy";

/// The name of the security definition, as Power Platform's own
/// Entra ID connectors spell it.
const OAUTH: &str = "oauth2-auth";

/// The oauth2 definition certified connectors declare: the authorization
/// code flow against Microsoft Entra ID (contract Part 3). The mock checks
/// the bearer token itself and never talks to Entra ID.
fn security_definitions() -> Value {
    json!({
        OAUTH: {
            "type": "oauth2",
            "flow": "accessCode",
            "authorizationUrl": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "tokenUrl": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
            "scopes": {},
            "description": "Microsoft Entra ID (OAuth 2.0 authorization code flow)."
        }
    })
}

/// The document for `config`: its paths, its public URL (or the address
/// it listens on: build it after binding when the port is 0) and its auth.
pub fn document(config: &Config) -> Value {
    let mut paths = serde_json::Map::new();
    paths.insert(
        config.activities_path.clone(),
        operations::path_item(
            Operation::RelatedActivities,
            "Get related activities",
            "ActivitiesList",
        ),
    );
    paths.insert(
        config.records_path.clone(),
        operations::path_item(
            Operation::RelatedRecords,
            "Get related records",
            "RelatedRecordsList",
        ),
    );
    let (scheme, host) = origin::host_and_scheme(
        config.public_url.as_deref(),
        &config.host,
        config.port,
        config.tls_enabled(),
    );
    let mut doc = json!({
        "swagger": "2.0",
        "info": {
            "title": "CRM connector",
            "description": "Partner connector APIs for Copilot for Sales: activities and records related to a CRM record (served by crm-connector-mock).",
            "version": env!("CARGO_PKG_VERSION"),
            "contact": { "name": CONTACT_NAME, "url": CONTACT_URL, "email": CONTACT_EMAIL }
        },
        "host": host,
        "basePath": "/",
        "schemes": [scheme],
        "consumes": [],
        "produces": ["application/json"],
        "tags": [{ "name": TAG, "description": "The actions that enrich CRM records in Copilot for Sales." }],
        "paths": paths,
        "definitions": schemas::definitions(),
        "x-ms-connector-metadata": [
            { "propertyName": "Website", "propertyValue": CONTACT_URL },
            { "propertyName": "Privacy policy", "propertyValue": PRIVACY_URL },
            { "propertyName": "Categories", "propertyValue": "Sales and CRM" }
        ]
    });
    if config.auth == AuthMode::Bearer {
        doc["securityDefinitions"] = security_definitions();
        doc["security"] = json!([{ OAUTH: [] }]);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_has_both_operations_and_every_status_at_configured_paths() {
        let config = Config {
            activities_path: "/x/acts".into(),
            ..Config::default()
        };
        let doc = document(&config);
        assert_eq!(doc["swagger"], "2.0");
        assert_eq!(
            doc["paths"]["/x/acts"]["get"]["operationId"],
            "scp-get-related-activities"
        );
        assert_eq!(
            doc["paths"]["/api/related-records"]["get"]["operationId"],
            "scp-get-related-records"
        );
        for path in ["/x/acts", "/api/related-records"] {
            let responses = doc["paths"][path]["get"]["responses"].as_object().unwrap();
            let mut codes: Vec<_> = responses.keys().cloned().collect();
            codes.sort();
            assert_eq!(
                codes,
                [
                    "200", "400", "401", "403", "404", "405", "414", "429", "431", "500"
                ]
            );
        }
        assert_eq!(
            doc["definitions"]["Error"]["required"],
            json!(["errorCode"])
        );
    }

    #[test]
    fn security_is_declared_only_under_bearer_auth() {
        let none = document(&Config::default());
        assert!(none.get("securityDefinitions").is_none() && none.get("security").is_none());
        let bearer = document(&Config {
            auth: AuthMode::Bearer,
            ..Config::default()
        });
        assert_eq!(bearer["securityDefinitions"][OAUTH]["flow"], "accessCode");
        assert_eq!(bearer["security"], json!([{ OAUTH: [] }]));
    }
}
