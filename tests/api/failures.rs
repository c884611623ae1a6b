use crm_connector_mock::Config;
use serde_json::Value;

use crate::helpers::spawn_with;

async fn failure_run(seed: u64) -> Vec<u16> {
    let app = spawn_with(Config {
        failure_rate: 0.4,
        failure_scenarios: vec![
            ("INTERNAL_SERVER_ERROR".into(), 3),
            ("REQUEST_THROTTLED".into(), 1),
        ],
        seed: Some(seed),
        ..Config::default()
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..300 {
        let response = app
            .get(
                &format!("/api/related-activities?recordType=a&recordId={i}"),
                &[],
            )
            .await;
        let status = response.status().as_u16();
        if status != 200 {
            let body: Value = response.json().await.unwrap();
            let expected = if status == 500 {
                "INTERNAL_SERVER_ERROR"
            } else {
                "REQUEST_THROTTLED"
            };
            assert_eq!(body["errorCode"], expected);
        }
        statuses.push(status);
    }
    app.stop().await;
    statuses
}

#[actix_web::test]
async fn the_failure_rate_holds_within_tolerance_and_repeats_with_a_seed() {
    let first = failure_run(42).await;
    let failures = first.iter().filter(|s| **s != 200).count();
    assert!(
        (80..=160).contains(&failures),
        "40% of 300 expected, got {failures}"
    );
    assert!(
        first.contains(&429) && first.contains(&500),
        "both weighted scenarios occur"
    );
    assert_eq!(
        first,
        failure_run(42).await,
        "the same seed gives the same sequence"
    );
    assert_ne!(
        first,
        failure_run(43).await,
        "another seed gives another sequence"
    );
}

#[actix_web::test]
async fn a_failure_scenario_missing_from_the_catalogue_is_a_start_up_error() {
    let config = Config {
        port: 0,
        failure_rate: 0.5,
        failure_scenarios: vec![("NO_SUCH_CODE".into(), 1)],
        ..Config::default()
    };
    let error = crm_connector_mock::Application::build(config)
        .err()
        .expect("refused");
    assert!(error.contains("NO_SUCH_CODE"), "{error}");
}
