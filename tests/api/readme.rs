//! The documentation (README.md, every page under docs/ and CONTRIBUTING.md)
//! is checked against the running server (as a client sees it), the
//! catalogue and the CLI's definition, so the front door and the pages behind
//! it cannot drift from the product: the scenario table, every example body,
//! every flag table and every curl request. Links and JSON blocks are checked
//! in `readme/links.rs`.

mod curl;
mod links;

use std::collections::BTreeSet;

use clap::CommandFactory;
use serde_json::Value;

use crate::helpers::spawn_app;
use curl::{Curl, parse_curl_line, send, send_raw};

/// One page of the documentation: its path from the crate root and its text.
struct Page {
    path: String,
    text: String,
}

/// Every page, in the order a newcomer reads them (and the examples are
/// replayed): README.md, then docs/*.md by name, then CONTRIBUTING.md. Read
/// from the tree, so a new page is covered without touching this file.
fn pages() -> Vec<Page> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("a docs/ folder")
        .map(|entry| entry.expect("a docs/ entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    let mut paths = vec!["README.md".to_owned()];
    paths.append(&mut docs);
    paths.push("CONTRIBUTING.md".to_owned());
    paths
        .into_iter()
        .map(|path| Page {
            text: std::fs::read_to_string(root.join(&path))
                .unwrap_or_else(|e| panic!("{path}: {e}")),
            path,
        })
        .collect()
}

fn page(path: &str) -> Page {
    pages()
        .into_iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no page {path}"))
}

/// Every part of `text` between a `start` and an `end` line (a marker named
/// inside a sentence is not one).
fn all_between(text: &str, start: &str, end: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part: Option<Vec<&str>> = None;
    for line in text.lines() {
        match (line.trim(), part.take()) {
            (marker, None) if marker == start => part = Some(Vec::new()),
            (marker, None) if marker == end => panic!("{end} before {start}"),
            (marker, Some(lines)) if marker == end => parts.push(lines.join("\n")),
            (marker, Some(_)) if marker == start => panic!("{start} inside {start}"),
            (_, Some(mut lines)) => {
                lines.push(line);
                part = Some(lines);
            }
            (_, None) => {}
        }
    }
    assert!(part.is_none(), "{start} without {end}");
    parts
}

/// The cells of the table rows (`| `...) of `table`, trimmed.
fn rows(table: &str) -> Vec<Vec<&str>> {
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect()
}

/// (errorCode, status) of every row of the README's scenario table.
fn scenario_rows() -> BTreeSet<(String, u64)> {
    let readme = page("README.md").text;
    let tables = all_between(
        &readme,
        "<!-- scenario-table -->",
        "<!-- /scenario-table -->",
    );
    assert_eq!(tables.len(), 1, "the README has one scenario table");
    rows(&tables[0])
        .iter()
        .map(|cells| {
            let status: u64 = cells[2].parse().unwrap();
            assert!(
                cells[3].contains(&format!("code={status}")),
                "trigger column of {cells:?}"
            );
            (cells[1].trim_matches('`').to_owned(), status)
        })
        .collect()
}

#[actix_web::test]
async fn the_scenario_table_lists_exactly_the_built_in_catalogue() {
    let app = spawn_app().await;
    let rows = scenario_rows();
    // The catalogue as a client sees it, from the running server.
    let catalogue = app.get_json("/__admin/scenarios").await;
    let built_in: BTreeSet<(String, u64)> = catalogue["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["errorCode"].as_str().unwrap().to_owned(),
                s["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, built_in);
    app.stop().await;
}

/// A fenced block of a page: its language, its lines, and whether it starts
/// on the line right after the previous block ended.
struct Block<'a> {
    lang: &'a str,
    lines: Vec<&'a str>,
    follows_previous: bool,
}

fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    let mut closed_at = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        match (trimmed.strip_prefix("```"), open.take()) {
            (Some(lang), None) => {
                open = Some(Block {
                    lang: lang.trim(),
                    lines: Vec::new(),
                    follows_previous: closed_at.is_some_and(|at| at + 1 == n),
                })
            }
            (Some(_), Some(block)) => {
                blocks.push(block);
                closed_at = Some(n);
            }
            (None, Some(mut block)) => {
                block.lines.push(trimmed);
                open = Some(block);
            }
            (None, None) => {}
        }
    }
    blocks
}

// An example is a `sh` block of one curl line directly followed by a `json`
// block: the body the server must answer, wherever the page is.
#[actix_web::test]
async fn every_example_returns_the_body_the_documentation_shows() {
    let app = spawn_app().await;
    let mut shown = BTreeSet::new();
    for page in pages() {
        let blocks = blocks(&page.text);
        for pair in blocks.windows(2) {
            let (command, json) = (&pair[0], &pair[1]);
            if !(command.lang == "sh" && json.lang == "json" && json.follows_previous) {
                continue;
            }
            let [line] = command.lines[..] else {
                panic!(
                    "{}: an example is one curl line: {:?}",
                    page.path, command.lines
                );
            };
            let json = json.lines.join("\n");
            let expected: Value = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{}: JSON: {e}\n{json}", page.path));
            let curl = parse_curl_line(line);
            let actual: Value = send(&app, &curl).await.json().await.unwrap();
            assert_eq!(actual, expected, "{}: {line}", page.path);
            shown.insert(expected["errorCode"].as_str().unwrap_or("").to_owned());
        }
    }
    for (code, _) in scenario_rows() {
        assert!(shown.contains(&code), "no example shows {code}");
    }
    app.stop().await;
}

/// The default a flag table must show for `arg`: `off` for a switch, the
/// clap default in backticks, or None when clap has none (then the table
/// names what happens instead, never a literal value).
fn documented_default(arg: &clap::Arg) -> Option<String> {
    if matches!(arg.get_action(), clap::ArgAction::SetTrue) {
        return Some("off".to_owned());
    }
    let values: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| format!("`{}`", v.to_string_lossy()))
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

// Every flag table agrees with clap on every row, and the full one lists
// every flag: `<!-- flag-table -->` (any page) for serving, the full one in
// docs/configuration.md; `<!-- flag-table verify -->` for the verify
// subcommand, the full one in docs/verify.md.
#[test]
fn every_flag_table_agrees_with_the_cli_and_the_full_one_lists_every_flag() {
    let command = crm_connector_mock::Cli::command();
    let verify = command
        .find_subcommand("verify")
        .expect("a verify subcommand")
        .clone();
    let serving = flag_tables(&command, "<!-- flag-table -->", "docs/configuration.md");
    assert!(
        serving >= 2,
        "the README's and the configuration page's flag tables"
    );
    assert!(flag_tables(&verify, "<!-- flag-table verify -->", "docs/verify.md") >= 1);
}

// docs/verify.md's rule table lists every rule id of the contract's rules,
// in their order (the "checks" column is written for readers, in Markdown).
#[test]
fn the_rule_table_lists_every_rule_in_order() {
    let page = page("docs/verify.md");
    let tables = all_between(&page.text, "<!-- rule-table -->", "<!-- /rule-table -->");
    let table = tables.first().expect("a rule table in docs/verify.md");
    let documented: Vec<String> = rows(table)
        .iter()
        .map(|cells| cells[1].trim_matches('`').to_owned())
        .collect();
    let rules: Vec<&str> = crm_connector_mock::rules::RULES
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(documented, rules);
}

/// Checks every table after `marker` against `command`'s flags (the table on
/// `full` must list them all) and says how many there were.
fn flag_tables(command: &clap::Command, marker: &str, full: &str) -> usize {
    let args: Vec<&clap::Arg> = command
        .get_arguments()
        .filter(|a| a.get_long().is_some() && a.get_env().is_some())
        .collect();
    let mut tables = 0;
    for page in pages() {
        for table in all_between(&page.text, marker, &marker.replace("<!-- ", "<!-- /")) {
            tables += 1;
            let rows = rows(&table);
            for cells in &rows {
                let flag = cells[1].trim_matches('`').split(' ').next().unwrap();
                let arg = args
                    .iter()
                    .find(|a| format!("--{}", a.get_long().unwrap()) == flag)
                    .unwrap_or_else(|| panic!("{}: {flag} is not a flag", page.path));
                let env = arg.get_env().unwrap().to_string_lossy();
                assert_eq!(cells[2], format!("`{env}`"), "{}: {flag}'s env", page.path);
                match documented_default(arg) {
                    Some(default) => assert!(
                        cells[3].starts_with(&default),
                        "{}: {flag}'s default is {default}, the table says {}",
                        page.path,
                        cells[3]
                    ),
                    None => assert!(
                        !cells[3].starts_with('`'),
                        "{}: {flag} has no default, the table says {}",
                        page.path,
                        cells[3]
                    ),
                }
            }
            if page.path == full {
                for arg in &args {
                    let long = arg.get_long().unwrap();
                    assert!(
                        rows.iter().any(|c| c[1].starts_with(&format!("`--{long}"))),
                        "{full}'s flag table has --{long}"
                    );
                }
            }
        }
    }
    tables
}

/// Status and errorCode (or a failed connection) of one documented request.
async fn outcome(app: &crate::helpers::TestApp, curl: &Curl) -> String {
    let Ok(response) = send_raw(app, curl).await else {
        return "no answer".to_owned();
    };
    let status = response.status().as_u16();
    // A SLOW_BODY example trickles for seconds; its head is what counts here.
    let body = actix_web::rt::time::timeout(
        std::time::Duration::from_millis(500),
        response.json::<Value>(),
    )
    .await;
    match body {
        Ok(body) => {
            let body = body.unwrap_or(Value::Null);
            format!("{status} {}", body["errorCode"].as_str().unwrap_or(""))
        }
        Err(_) => format!("{status} (body still arriving)"),
    }
}

fn readme_config() -> crm_connector_mock::Config {
    // The compose and CI sections mount the example scenarios.
    crm_connector_mock::Config {
        scenarios: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios").into()),
        ..crm_connector_mock::Config::default()
    }
}

// Broke: after the `retry-after=30` example, plain requests to the same
// record got 429 for 30 s, so a newcomer running the README top to bottom
// did not get what the later examples say.
#[actix_web::test]
async fn every_documented_request_run_top_to_bottom_answers_as_it_does_alone() {
    // Arrange: every curl line of every page, in reading order.
    let mut curls = Vec::new();
    for page in pages() {
        for block in blocks(&page.text) {
            let lines = block.lines.iter().filter(|l| l.starts_with("curl "));
            curls.extend(lines.map(|line| parse_curl_line(line)));
        }
    }
    assert!(curls.len() >= 25, "found {} curl lines", curls.len());
    let shared = crate::helpers::spawn_with(readme_config()).await;
    for curl in &curls {
        // Act: the request on the server that saw every example before it,
        // and on a fresh one.
        let in_order = outcome(&shared, curl).await;
        let fresh = crate::helpers::spawn_with(readme_config()).await;
        let alone = outcome(&fresh, curl).await;
        fresh.stop().await;
        // Assert
        assert_eq!(
            in_order, alone,
            "the reading order changed the answer of {}",
            curl.line
        );
    }
    shared.stop().await;
}

#[test]
fn a_block_directly_after_another_is_marked_as_following_it() {
    let text = "```sh\ncurl x\n```\n```json\n{}\n```\n\n```json\n[]\n```\n";
    let found: Vec<(&str, Vec<&str>, bool)> = blocks(text)
        .into_iter()
        .map(|b| (b.lang, b.lines, b.follows_previous))
        .collect();
    let expected = vec![
        ("sh", vec!["curl x"], false),
        ("json", vec!["{}"], true),
        ("json", vec!["[]"], false),
    ];
    assert_eq!(found, expected);
}

#[test]
fn only_marker_lines_open_and_close_a_part() {
    let text = "named `<!-- t -->` in a sentence\n<!-- t -->\na\nb\n<!-- /t -->\nc\n";
    assert_eq!(all_between(text, "<!-- t -->", "<!-- /t -->"), ["a\nb"]);
}
