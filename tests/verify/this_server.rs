//! `verify` against this server, in the configurations a client runs it
//! in: each rule either passes or is skipped for a reason that
//! configuration cannot give (no token to refuse without `--auth bearer`,
//! no CRM to mismatch without `--crm-type`); with all of them at once,
//! every rule passes. None fails or warns anywhere.

use std::collections::BTreeSet;

use crm_connector_mock::{AuthMode, Config, CrmType, RateLimit};

use crate::run::{serve, temp, verify};

const DELETED: &str = "account/5d1e0c2b-0000-4a3b-8c7d-deleted00001";

/// A user's data directory: one active record and one deleted one.
fn user_data() -> std::path::PathBuf {
    let dir = temp("data");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let records = r#"{ "records": [
        { "recordType": "account", "recordId": "ACME-1",
          "activities": [
            { "title": "Kick-off", "description": "The kick-off call.", "at": "2026-11-02T09:00:00Z" },
            { "title": "Proposal sent", "description": "The proposal went out.", "at": "2026-11-10T15:30:00Z" },
            { "title": "Contract signed", "description": "Both parties signed.", "at": "2026-11-20T11:00:00Z" }
          ] },
        { "recordType": "account", "recordId": "ACME-GONE", "state": "deleted" }
    ] }"#;
    std::fs::write(dir.join("acme.json"), records).unwrap();
    dir
}

/// The rules each configuration may skip, and why.
struct Case {
    what: &'static str,
    config: Config,
    args: Vec<String>,
    skips: &'static [&'static str],
}

/// `DOC` in `args` stands for the served document's URL.
fn cases() -> Vec<Case> {
    vec![
        Case {
            what: "the defaults, a deleted record and the served document",
            config: Config::default(),
            args: ["--missing-record", DELETED, "--openapi", "DOC"]
                .map(String::from)
                .to_vec(),
            skips: &["error.auth", "error.crm-mismatch", "throttle.retry-after"],
        },
        Case {
            what: "--auth bearer with an expired token",
            config: Config {
                auth: AuthMode::Bearer,
                expired_tokens: vec!["expired-token".into()],
                ..Config::default()
            },
            args: [
                "--header",
                "Authorization: Bearer good-token",
                "--bad-token",
                "expired-token",
            ]
            .map(String::from)
            .to_vec(),
            skips: &[
                "error.not-found",
                "error.crm-mismatch",
                "throttle.retry-after",
                "document.operations",
            ],
        },
        Case {
            what: "--crm-type and --crm-org-url",
            config: Config {
                crm_type: Some(CrmType::Salesforce),
                crm_org_url: Some("contoso.my.salesforce.com".into()),
                ..Config::default()
            },
            args: [
                "--crm-type",
                "Salesforce",
                "--crm-org-url",
                "contoso.my.salesforce.com",
            ]
            .map(String::from)
            .to_vec(),
            skips: &[
                "error.not-found",
                "error.auth",
                "throttle.retry-after",
                "document.operations",
            ],
        },
        Case {
            what: "a user's data files",
            config: Config {
                scenarios: Some(user_data()),
                ..Config::default()
            },
            args: [
                "--record",
                "account/ACME-1",
                "--missing-record",
                "account/ACME-GONE",
            ]
            .map(String::from)
            .to_vec(),
            skips: &[
                "error.auth",
                "error.crm-mismatch",
                "throttle.retry-after",
                "document.operations",
            ],
        },
        Case {
            what: "--rate-limit and --probe-throttling",
            config: Config {
                rate_limit: Some("60/min".parse::<RateLimit>().unwrap()),
                ..Config::default()
            },
            args: vec!["--probe-throttling".into()],
            skips: &[
                "error.not-found",
                "error.auth",
                "error.crm-mismatch",
                "document.operations",
            ],
        },
        Case {
            what: "all of them at once: every rule passes, none skipped",
            config: Config {
                auth: AuthMode::Bearer,
                expired_tokens: vec!["expired-token".into()],
                crm_type: Some(CrmType::Salesforce),
                crm_org_url: Some("contoso.my.salesforce.com".into()),
                rate_limit: Some("90/min".parse::<RateLimit>().unwrap()),
                ..Config::default()
            },
            args: [
                "--header",
                "Authorization: Bearer good-token",
                "--bad-token",
                "expired-token",
                "--crm-type",
                "Salesforce",
                "--crm-org-url",
                "contoso.my.salesforce.com",
                "--missing-record",
                DELETED,
                "--openapi",
                "DOC",
                "--probe-throttling",
            ]
            .map(String::from)
            .to_vec(),
            skips: &[],
        },
    ]
}

#[actix_web::test]
async fn verify_passes_every_rule_against_this_server_in_each_configuration() {
    let mut passed = BTreeSet::new();
    for case in cases() {
        let server = serve(case.config).await;
        let doc = format!("{}/openapi.json", server.base);
        let args: Vec<&str> = case
            .args
            .iter()
            .map(|a| if a == "DOC" { doc.as_str() } else { a.as_str() })
            .collect();
        let report = verify(&server.base, &args).await;
        let results = report.json["results"].as_array().expect("a JSON report");
        assert_eq!(results.len(), 19, "{}", case.what);
        for result in results {
            let rule = result["rule"].as_str().unwrap();
            let want = if case.skips.contains(&rule) {
                "skip"
            } else {
                "pass"
            };
            assert_eq!(
                result["status"],
                want,
                "{}: {rule}: {}\n{}",
                case.what,
                result["message"],
                report.table()
            );
            if want == "pass" {
                passed.insert(rule.to_owned());
            }
        }
        assert_eq!(report.code, 0, "{}\n{}", case.what, report.table());
        server.stop().await;
    }
    assert_eq!(passed.len(), 19, "every rule passes somewhere: {passed:?}");
}

// docs/verify.md's command against this mock (`cargo run --release -- verify
// http://127.0.0.1:8080 ...`) passes as the page says, on a server at any port.
#[actix_web::test]
async fn the_documented_command_against_this_mock_exits_0() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify.md")).unwrap();
    let line = page
        .lines()
        .find(|l| l.starts_with("cargo run --release -- verify "))
        .expect("docs/verify.md shows verify against the mock");
    let server = serve(Config::default()).await;
    let args: Vec<String> = line
        .trim_start_matches("cargo run --release -- verify ")
        .split_whitespace()
        .map(|a| a.replace("http://127.0.0.1:8080", &server.base))
        .collect();
    let (base, rest) = args.split_first().unwrap();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let report = verify(base, &rest).await;
    assert_eq!(report.code, 0, "{line}\n{}", report.table());
    for rule in ["error.not-found", "document.operations"] {
        assert_eq!(report.status(rule), "pass", "{rule}\n{}", report.table());
    }
    server.stop().await;
}
