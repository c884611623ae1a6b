use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::{DEFINED_OPPORTUNITY, header, page, spawn_app};

/// Every name in the `additionalProperties` of a page's items.
fn property_names(body: &Value) -> HashSet<String> {
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| {
            i["additionalProperties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
        })
        .collect()
}

#[actix_web::test]
async fn accept_language_selects_the_language_and_content_language_says_which() {
    let app = spawn_app().await;
    let cases = [
        (None, "en", "Contract signed"),
        (Some("de"), "de", "Vertrag unterzeichnet"),
        (Some("de-CH, en;q=0.5"), "de", "Vertrag unterzeichnet"),
        (Some("fr-CA;q=0.9, de;q=0.8"), "fr", "Contrat signé"),
        (Some("ja, it"), "en", "Contract signed"),
        (Some("%%%;q=nonsense"), "en", "Contract signed"),
    ];
    for (accept, tag, first_title) in cases {
        let headers: Vec<(&str, &str)> =
            accept.map(|a| ("Accept-Language", a)).into_iter().collect();
        let response = app
            .get(
                &format!("/api/related-activities?{DEFINED_OPPORTUNITY}"),
                &headers,
            )
            .await;
        assert_eq!(
            header(&response, "content-language"),
            Some(tag),
            "{accept:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["value"][0]["title"], first_title, "{accept:?}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn property_names_and_amounts_are_french_in_french() {
    // Broke: with `Accept-Language: fr`, records answered "Status" where
    // French is "Statut", and amounts kept the English "125,000 USD".
    let app = spawn_app().await;
    let defined = page(
        &app,
        &format!("/api/related-activities?{DEFINED_OPPORTUNITY}"),
        &[("Accept-Language", "fr")],
    )
    .await;
    let contract = &defined["value"][0]["additionalProperties"];
    assert_eq!(contract["Statut"], "Terminé", "{contract}");
    assert_eq!(contract["Valeur"], "125\u{202f}000 USD", "{contract}");
    let generated = page(
        &app,
        "/api/related-records?recordType=account&recordId=L10N&top=100",
        &[("Accept-Language", "fr")],
    )
    .await;
    let names = property_names(&generated);
    assert!(names.contains("Statut"), "{names:?}");
    assert!(!names.contains("Status"), "{names:?}");
    app.stop().await;
}

#[actix_web::test]
async fn generated_data_is_localized_including_additional_properties() {
    let app = spawn_app().await;
    let query = "/api/related-records?recordType=account&recordId=L10N&top=100";
    let en = page(&app, query, &[("Accept-Language", "en")]).await;
    let de = page(&app, query, &[("Accept-Language", "de")]).await;
    let names = |b: &Value| -> HashSet<String> {
        b["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["recordTypeDisplayName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        names(&en)
            .iter()
            .all(|n| ["Envelope", "Contract", "Invoice", "Quote"].contains(&n.as_str()))
    );
    assert!(
        names(&de)
            .iter()
            .all(|n| ["Umschlag", "Vertrag", "Rechnung", "Angebot"].contains(&n.as_str()))
    );
    assert_ne!(property_names(&en), property_names(&de));
    app.stop().await;
}
