//! The subcommands other than serving: `openapi`, `scenarios`, `validate`,
//! `healthcheck`.

use crate::{bin, run, run_briefly, start, temp_dir};

#[test]
fn openapi_prints_the_document_for_the_configured_paths() {
    let (code, stdout, _) = run(&["--activities-path", "/acts", "openapi"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        doc["paths"]["/acts"]["get"]["operationId"],
        "scp-get-related-activities"
    );
}

#[test]
fn scenarios_prints_the_catalogue_and_the_defined_records() {
    let (code, stdout, _) = run(&["scenarios"]);
    assert_eq!(code, 0);
    for code in [
        "INVALID_CRM_CONNECTION",
        "RECORD_NOT_FOUND",
        "REQUEST_THROTTLED",
        "0065g00000deletedaaa",
    ] {
        assert!(stdout.contains(code), "{code} in {stdout}");
    }
}

#[test]
fn validate_reports_each_problem_with_file_line_and_column_and_exits_1() {
    let dir = temp_dir(
        "bad",
        &[
            (
                "a.json",
                "{\n  \"scenarios\": [\n    {\"errorCode\": \"X\", \"status\": 200, \"message\": \"m\"}\n  ]\n}\n",
            ),
            ("b.json", "{\n  \"records\": [ {\"recordType\": \"a\"\n"),
            (
                "c.json",
                "{\"scenarios\": [{\"errorCode\": \"Y\", \"status\": 503, \"message\": \"{nope}\"}]}",
            ),
        ],
    );
    let (code, stdout, _) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let line_of = |file: &str| {
        stdout
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} in {stdout}"))
            .to_owned()
    };
    assert!(line_of("a.json").contains("a.json:3:"), "{stdout}");
    assert!(
        line_of("a.json").contains("not an error status"),
        "{stdout}"
    );
    assert!(line_of("b.json").contains("b.json:3:"), "{stdout}");
    assert!(
        line_of("c.json").contains("unknown placeholder"),
        "{stdout}"
    );
    assert!(stdout.contains("3 problem(s)"), "{stdout}");
}

#[test]
fn validate_summarises_a_good_directory_and_exits_0() {
    let dir = temp_dir(
        "good",
        &[(
            "mine.json",
            r#"{"scenarios": [{"errorCode": "SERVICE_UNAVAILABLE", "status": 503, "message": "down", "retryAfter": 5, "answersStatus": true}],
               "records": [{"recordType": "account", "recordId": "A-1", "state": "deleted"}]}"#,
        )],
    );
    let (code, stdout, _) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("1 scenario(s), 1 record(s): OK"),
        "{stdout}"
    );
}

#[test]
fn healthcheck_exits_0_against_a_running_server_and_1_when_none_answers() {
    // Arrange: a server on a free port, found from its start-up line.
    let (mut child, address) = start(&[]);
    let port = address.rsplit(':').next().unwrap().to_owned();
    // Act
    let healthy = bin()
        .args(["--port", &port, "healthcheck"])
        .status()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let after_stop = bin()
        .args(["--port", &port, "healthcheck"])
        .output()
        .unwrap();
    // Assert
    assert_eq!(healthy.code(), Some(0));
    assert_eq!(after_stop.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&after_stop.stderr).contains("not healthy"));
}

#[test]
fn validate_and_serve_refuse_the_same_files_with_the_same_located_problem() {
    // Broke: these passed `validate` (exit 0) but `serve` panicked (exit 101)
    // or refused them; the last one panicked `validate` itself.
    let record = |field: &str| {
        format!(
            "{{\n  \"records\": [\n    {{\"recordType\": \"account\", \"recordId\": \"V-1\",\n      {field}}}\n  ]\n}}\n"
        )
    };
    let cases = [
        (
            "far-past",
            record(r#""activities": [{"title": "t", "description": "d", "at": "-4400000d"}]"#),
        ),
        (
            "overflow",
            record(
                r#""activities": [{"title": "t", "description": "d", "at": "-106751991167301d"}]"#,
            ),
        ),
        ("unknown-code", record(r#""simulate": "NO_SUCH_CODE""#)),
    ];
    for (name, text) in cases {
        let dir = temp_dir(name, &[("bad.json", &text)]);
        let dir = dir.to_str().unwrap();

        let (code, stdout, stderr) = run(&["validate", dir]);
        assert_eq!(code, 1, "{name}: validate\n{stdout}{stderr}");
        let problem = stdout
            .lines()
            .find(|l| l.contains("bad.json:4:"))
            .unwrap_or_else(|| panic!("{name}: a bad.json:4: line in {stdout}"));

        let (code, stderr) = run_briefly(&["--port", "0", "--scenarios", dir, "serve"]);
        assert_eq!(code, Some(2), "{name}: serve\n{stderr}");
        assert!(stderr.contains(problem), "{name}: {problem} in {stderr}");
    }
}

#[test]
fn validate_reports_a_definitions_file_over_16_mib_as_a_problem() {
    let mut big = String::from("{}");
    big.push_str(&" ".repeat(16 * 1024 * 1024 + 1));
    let dir = temp_dir("too-big", &[("big.json", &big)]);
    let (code, stdout, _) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("big.json:1:1:"), "{stdout}");
    assert!(stdout.contains("16 MiB"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
