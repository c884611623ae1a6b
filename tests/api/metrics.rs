use crate::helpers::{header, spawn_app};

const RECORDS: &str = "/api/related-records?recordType=account&recordId=ADM-1";
const ACTIVITIES: &str = "/api/related-activities?recordType=account&recordId=ADM-1";

#[actix_web::test]
async fn metrics_count_requests_by_operation_status_and_scenario() {
    let app = spawn_app().await;
    app.get(RECORDS, &[("X-Simulate-Error", "429")]).await;
    app.get(ACTIVITIES, &[]).await;
    let response = app
        .get("/metrics", &[("Accept", "application/openmetrics-text")])
        .await;
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    for line in [
        r#"crm_mock_requests_total{operation="scp-get-related-records",status="429",scenario="REQUEST_THROTTLED"} 1"#,
        r#"crm_mock_requests_total{operation="scp-get-related-activities",status="200",scenario=""} 1"#,
        r#"crm_mock_request_duration_seconds_count{operation="scp-get-related-activities"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    app.stop().await;
}

/// The metric families of a text exposition: (name of each `# TYPE`,
/// whether a `# HELP` of the same name precedes it).
fn families(text: &str) -> Vec<(String, bool)> {
    let mut helped = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        match (words.next(), words.next(), words.next()) {
            (Some("#"), Some("HELP"), Some(name)) => {
                helped.insert(name.to_owned());
            }
            (Some("#"), Some("TYPE"), Some(name)) => {
                out.push((name.to_owned(), helped.contains(name)));
            }
            _ => {}
        }
    }
    out
}

#[actix_web::test]
async fn metrics_answer_prometheus_text_0_0_4_unless_openmetrics_is_asked_for() {
    // What broke: /metrics always answered OpenMetrics, whose counter HELP and
    // TYPE lines name `crm_mock_requests` while the samples are
    // `crm_mock_requests_total`, so promtool (text 0.0.4) found no help text.
    let app = spawn_app().await;
    app.get(RECORDS, &[("X-Simulate-Error", "429")]).await;
    app.get(ACTIVITIES, &[]).await;
    let prometheus_accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    // (Accept header, OpenMetrics expected, what the case is)
    let cases: [(Option<&str>, bool, &str); 7] = [
        (None, false, "no Accept"),
        (Some("*/*"), false, "anything"),
        (Some("text/plain"), false, "plain text"),
        (
            Some("text/plain;version=0.0.4;q=1, application/openmetrics-text;q=0.5"),
            false,
            "text preferred",
        ),
        (
            Some("application/openmetrics-text; q=0"),
            false,
            "OpenMetrics refused",
        ),
        (
            Some("application/openmetrics-text"),
            true,
            "OpenMetrics asked for",
        ),
        (
            Some(prometheus_accept),
            true,
            "Prometheus' own scrape header",
        ),
    ];
    for (accept, openmetrics, case) in cases {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
        let response = app.get("/metrics", &headers).await;
        assert_eq!(response.status().as_u16(), 200, "{case}");
        let content_type = header(&response, "content-type").unwrap().to_owned();
        let text = response.text().await.unwrap();
        let families = families(&text);
        assert!(families.len() >= 4, "{case}: {text}");
        if openmetrics {
            assert!(
                content_type.starts_with("application/openmetrics-text; version=1.0.0"),
                "{case}: {content_type}"
            );
            assert!(text.ends_with("# EOF\n"), "{case}: {text}");
            assert!(
                families.contains(&("crm_mock_requests".to_owned(), true)),
                "{case}: {text}"
            );
        } else {
            assert_eq!(
                content_type, "text/plain; version=0.0.4; charset=utf-8",
                "{case}"
            );
            assert!(!text.contains("# EOF"), "{case}: {text}");
            assert!(
                families.contains(&("crm_mock_requests_total".to_owned(), true)),
                "{case}: {text}"
            );
        }
        for (name, has_help) in &families {
            assert!(has_help, "{case}: no HELP for {name} in\n{text}");
        }
        assert!(
            text.contains(r#"crm_mock_requests_total{operation="scp-get-related-records",status="429",scenario="REQUEST_THROTTLED"} 1"#),
            "{case}: {text}"
        );
    }
    app.stop().await;
}
