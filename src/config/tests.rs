//! The configuration's defaults, its parsing and its checks across fields.

use super::*;

#[test]
fn the_defaults_are_the_attributes_read_without_the_environment() {
    let command = defaults_command();
    let with_env: Vec<_> = command
        .get_arguments()
        .filter(|a| a.get_env().is_some())
        .map(|a| a.get_id().to_string())
        .collect();
    assert!(
        with_env.is_empty(),
        "{with_env:?} would read the environment"
    );
    let config = Config::default();
    assert_eq!(
        (config.host.as_str(), config.port, config.workers),
        (DEFAULT_HOST, DEFAULT_PORT, 0)
    );
    assert_eq!(
        (
            config.activities_path.as_str(),
            config.records_path.as_str()
        ),
        (DEFAULT_ACTIVITIES_PATH, DEFAULT_RECORDS_PATH)
    );
    assert_eq!(
        config.failure_scenarios,
        vec![(crate::contract::INTERNAL_SERVER_ERROR.to_owned(), 1)]
    );
    assert_eq!(
        (config.failure_rate, config.auth, config.no_admin),
        (0.0, AuthMode::None, false)
    );
    assert_eq!(
        (config.timeout_delay, config.shutdown_timeout),
        (DEFAULT_TIMEOUT_DELAY_MS, DEFAULT_SHUTDOWN_TIMEOUT_SECS)
    );
    assert_eq!(config.journal_capacity, DEFAULT_JOURNAL_CAPACITY);
    assert_eq!(
        (
            config.max_query_bytes,
            config.max_header_bytes,
            config.max_body_bytes,
            config.request_timeout
        ),
        (
            DEFAULT_MAX_QUERY_BYTES,
            DEFAULT_MAX_HEADER_BYTES,
            DEFAULT_MAX_BODY_BYTES,
            DEFAULT_REQUEST_TIMEOUT_MS
        )
    );
    let absent = (
        &config.scenarios,
        config.clock,
        config.crm_type,
        &config.crm_org_url,
        config.rate_limit,
        config.seed,
        config.latency,
        &config.admin_token,
    );
    assert_eq!(absent, (&None, None, None, &None, None, None, None, &None));
    assert!(config.expired_tokens.is_empty());
    assert_eq!(config.clone().checked(), Ok(config));
}

#[test]
fn checked_reads_blank_values_as_absent_and_trims_expired_tokens() {
    let config = Config {
        crm_org_url: Some("  ".into()),
        admin_token: Some(String::new()),
        expired_tokens: vec![" a ".into(), " ".into(), "b".into()],
        ..Config::default()
    }
    .checked()
    .unwrap();
    assert_eq!(config.crm_org_url, None);
    assert_eq!(config.admin_token, None);
    assert_eq!(config.expired_tokens, ["a", "b"]);
    let refused = Config {
        journal_capacity: MAX_JOURNAL_CAPACITY + 1,
        ..Config::default()
    };
    assert!(
        refused
            .checked()
            .unwrap_err()
            .contains("--journal-capacity")
    );
}

#[test]
fn flags_parse_into_their_fields_and_a_repeated_list_flag_appends() {
    let cli = Cli::try_parse_from([
        "crm-connector-mock",
        "--port=0",
        "--failure-scenarios=A=3,b",
        "--expired-tokens=x,y",
        "--expired-tokens=z",
        "--journal-capacity=7",
        "--auth=bearer",
        "openapi",
    ])
    .unwrap();
    assert!(matches!(cli.command, Some(Command::Openapi)));
    let config = cli.config;
    assert_eq!(config.port, 0);
    assert_eq!(
        config.failure_scenarios,
        [("A".to_owned(), 3), ("B".to_owned(), 1)]
    );
    assert_eq!(config.expired_tokens, ["x", "y", "z"]);
    assert_eq!(config.journal_capacity, 7);
    assert_eq!(config.auth, AuthMode::Bearer);
}

#[test]
fn colliding_paths_are_rejected() {
    for (activities, records) in [
        ("/same", "/same"),
        ("/health", "/r"),
        ("nope", "/r"),
        ("/__admin/x", "/r"),
        ("/a?b", "/r"),
    ] {
        let config = Config {
            activities_path: activities.into(),
            records_path: records.into(),
            ..Config::default()
        };
        assert!(config.validate().is_err(), "{activities} {records}");
    }
    assert!(Config::default().validate().is_ok());
}

#[test]
fn request_timeouts_outside_1_ms_to_an_hour_are_rejected() {
    for (ms, ok) in [(0, false), (1, true), (3_600_000, true), (3_600_001, false)] {
        let config = Config {
            request_timeout: ms,
            ..Config::default()
        };
        assert_eq!(config.validate().is_ok(), ok, "{ms}");
    }
}
