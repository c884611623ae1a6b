//! Recording for offline replay (`--record DIR`), black-box: a plain server
//! as the upstream, a proxy recording into a fresh directory, then a third
//! server loading that directory (`--scenarios`) answers the same requests
//! with the same bytes, `validate` accepts it, and no token was written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crm_connector_mock::Config;
use serde_json::Value;

use crate::helpers::{TestApp, dir_with, json_of, spawn_plain, spawn_with};

const TOKEN: &str = "Bearer rec-secret-7f3a9c";

/// The requests sent through the proxy: both operations, two languages, two
/// pages of one list (top/skip), a default page, a second record.
const REQUESTS: [(&str, &str); 10] = [
    (
        "/api/related-activities?recordType=account&recordId=42&top=2",
        "en",
    ),
    (
        "/api/related-activities?recordType=account&recordId=42&top=2&skip=2",
        "en",
    ),
    (
        "/api/related-activities?recordType=account&recordId=42&top=2",
        "de",
    ),
    ("/api/related-records?recordType=account&recordId=42", "de"),
    (
        "/api/related-records?recordType=account&recordId=42&top=3&skip=0",
        "en",
    ),
    (
        "/api/related-records?recordType=opportunity&recordId=0065g00000XyZ12AAB",
        "fr",
    ),
    (
        "/api/related-activities?recordType=Opportunity&recordId=REC-7&top=0",
        "fr",
    ),
    // A record the embedded data defines: urls, additionalProperties, texts.
    (
        "/api/related-activities?recordType=opportunity&recordId=7f3c2a10-5b6e-4d8f-9a01-2c3d4e5f6a7b",
        "de",
    ),
    (
        "/api/related-records?recordType=opportunity&recordId=7f3c2a10-5b6e-4d8f-9a01-2c3d4e5f6a7b&top=2&skip=2",
        "en",
    ),
    (
        "/api/related-records?recordType=opportunity&recordId=7f3c2a10-5b6e-4d8f-9a01-2c3d4e5f6a7b&top=2",
        "en",
    ),
];

/// The upstream answers 404 for this record (its data marks it deleted);
/// the proxy's own data does not know it, so the request goes up.
const GONE: &str = "/api/related-records?recordType=account&recordId=REC-GONE-1";

/// A fresh directory name per test (not created: `--record` creates it).
fn fresh(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "crm-mock-recording-{name}-{}/nested",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
    dir
}

/// `/__admin/proxy`'s recording, once it has written `answers` answers. The
/// recording thread writes off the answer's path, so the test polls (every
/// 10 ms, for at most 10 s).
async fn recorded(proxy: &TestApp, answers: u64) -> Value {
    for _ in 0..1000 {
        let status = json_of(proxy.get("/__admin/proxy", &[]).await).await;
        if status["recording"]["answers"].as_u64() >= Some(answers) {
            return status["recording"].clone();
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the recording never reached {answers} answers");
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// The real binary with a cleared environment, as tests/cli runs it.
fn binary(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_crm-connector-mock"))
        .env_clear()
        .args(args)
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

#[actix_web::test]
async fn a_recorded_session_replays_offline_byte_for_byte() {
    // Arrange: an upstream, a proxy recording what comes back.
    let gone =
        r#"{"records": [{"recordType": "account", "recordId": "REC-GONE-1", "state": "deleted"}]}"#;
    let upstream_data = dir_with("recording-upstream", &[("gone.json", gone)]);
    let upstream = spawn_plain(Config {
        scenarios: Some(upstream_data.clone()),
        ..Config::default()
    })
    .await;
    let dir = fresh("round-trip");
    let proxy = spawn_with(Config {
        upstream: Some(upstream.address.clone()),
        record: Some(dir.clone()),
        ..Config::default()
    })
    .await;

    // Act: the session through the proxy.
    let mut sent = Vec::new();
    for (path, language) in REQUESTS {
        let headers = [("Accept-Language", language), ("Authorization", TOKEN)];
        let answer = proxy.get(path, &headers).await;
        assert_eq!(answer.status().as_u16(), 200, "{path}");
        sent.push(answer.bytes().await.unwrap());
    }
    let gone_answer = proxy.get(GONE, &[("Authorization", TOKEN)]).await;
    assert_eq!(gone_answer.status().as_u16(), 404, "the upstream's error");
    let status = recorded(&proxy, REQUESTS.len() as u64).await;

    // Assert: the recording's state, one file, no secret, no error.
    assert_eq!(status["on"], true, "{status}");
    assert_eq!(status["records"], 4, "{status}");
    assert_eq!(status["skipped"], 0, "{status}");
    assert_eq!(status["boundReached"], false, "{status}");
    let files = json_files(&dir);
    assert_eq!(files.len(), 1, "one data file, no temp file: {files:?}");
    let file = status["file"].as_str().unwrap_or_default();
    assert_eq!(Path::new(file), files[0]);
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("recorded-") && name.ends_with("Z.json") && name.len() == 30,
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    if std::env::var_os("TEST_SHOW_RECORDING").is_some() {
        println!("{text}");
    }
    assert!(!text.contains("rec-secret"), "no token written:\n{text}");
    assert!(!text.contains("REC-GONE-1"), "an error is not recorded");
    proxy.stop().await;
    upstream.stop().await;

    // Assert: validate accepts it, and a server loading it replays it.
    let (code, output) = binary(&["validate", &dir.display().to_string()]);
    assert_eq!(code, 0, "{output}\n{text}");
    let replay = spawn_plain(Config {
        scenarios: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    for ((path, language), sent) in REQUESTS.iter().zip(&sent) {
        let answer = replay.get(path, &[("Accept-Language", *language)]).await;
        assert_eq!(answer.status().as_u16(), 200, "{path}");
        let replayed = answer.bytes().await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&replayed),
            String::from_utf8_lossy(sent),
            "{path} in {language}, byte for byte\n{text}"
        );
    }
    replay.stop().await;
    let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
    let _ = std::fs::remove_dir_all(&upstream_data);
}

#[actix_web::test]
async fn a_proxy_that_stops_writes_what_it_was_handed_first() {
    let upstream = spawn_plain(Config::default()).await;
    let dir = fresh("stop");
    let proxy = spawn_with(Config {
        upstream: Some(upstream.address.clone()),
        record: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    let path = "/api/related-records?recordType=account&recordId=STOP-1";
    assert_eq!(proxy.get(path, &[]).await.status().as_u16(), 200);
    proxy.stop().await;
    let files = json_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("STOP-1"), "{text}");
    upstream.stop().await;
    let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
}

#[actix_web::test]
async fn a_server_that_does_not_record_says_so() {
    let upstream = spawn_plain(Config::default()).await;
    let proxy = spawn_with(Config {
        upstream: Some(upstream.address.clone()),
        ..Config::default()
    })
    .await;
    let status = json_of(proxy.get("/__admin/proxy", &[]).await).await;
    assert_eq!(status["recording"]["on"], false, "{status}");
    assert_eq!(status["recording"]["file"], Value::Null, "{status}");
    assert_eq!(status["forwarded"], 0, "the existing fields stay: {status}");
    proxy.stop().await;
    upstream.stop().await;
}

#[test]
fn record_needs_an_upstream_and_a_directory() {
    let (code, output) = binary(&["--record", "/tmp/crm-mock-never", "openapi"]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("--record DIR"), "{output}");
    assert!(output.contains("--upstream URL"), "{output}");
    let file = std::env::temp_dir().join(format!("crm-mock-record-file-{}", std::process::id()));
    std::fs::write(&file, "not a directory").unwrap();
    let (code, output) = binary(&[
        "--upstream",
        "http://127.0.0.1:9",
        "--record",
        &file.display().to_string(),
        "openapi",
    ]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("is not a directory"), "{output}");
    let _ = std::fs::remove_file(&file);
}
