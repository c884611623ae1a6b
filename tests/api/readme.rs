//! The README's scenario table, scenario examples and configuration table are
//! checked against the catalogue, the running server and the CLI, so the
//! front door cannot drift from the product.

use std::collections::BTreeSet;

use clap::CommandFactory;
use crm_connector_mock::files;
use crm_connector_mock::scenario::Catalogue;
use serde_json::Value;

use crate::helpers::spawn_app;

const README: &str = include_str!("../../README.md");

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("README has {start}"))
        + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("README has {end}"))
        + from;
    &text[from..to]
}

#[test]
fn the_scenario_table_lists_exactly_the_built_in_catalogue() {
    let table = between(
        README,
        "<!-- scenario-table -->",
        "<!-- /scenario-table -->",
    );
    let rows: BTreeSet<(String, u16)> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let status: u16 = cells[2].parse().unwrap();
            assert!(
                cells[3].contains(&format!("code={status}")),
                "trigger column of {l}"
            );
            (cells[1].trim_matches('`').to_owned(), status)
        })
        .collect();
    let (sources, problems) = files::read_all(None);
    assert!(problems.is_empty());
    let catalogue = Catalogue::build(&sources, files::EMBEDDED.len()).unwrap();
    let built_in: BTreeSet<(String, u16)> = catalogue
        .scenarios()
        .iter()
        .map(|s| (s.code().to_owned(), s.status.0))
        .collect();
    assert_eq!(rows, built_in);
}

/// Headers and URL of a README curl line: `-H 'Name: value'` ... `'http://...'`.
fn parse_curl(line: &str) -> (Vec<(String, String)>, String) {
    let quoted: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
    let url = quoted
        .iter()
        .find(|q| q.starts_with("http://127.0.0.1:8080"))
        .expect("a URL")
        .to_string();
    let headers = quoted
        .iter()
        .filter(|q| !q.starts_with("http"))
        .map(|h| {
            let (name, value) = h.split_once(": ").expect("Name: value");
            (name.to_owned(), value.to_owned())
        })
        .collect();
    (headers, url)
}

#[actix_web::test]
async fn every_scenario_example_returns_the_body_the_readme_shows() {
    let app = spawn_app().await;
    let section = between(README, "## Scenarios", "## Realistic conditions");
    let mut checked = 0;
    for block in section.split("```sh\n").skip(1) {
        let (command, rest) = block.split_once("\n```\n").unwrap();
        let json = between(rest, "```json\n", "\n```");
        let expected: Value =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("README JSON: {e}\n{json}"));
        let (headers, url) = parse_curl(command);
        let url = url.replace("http://127.0.0.1:8080", &app.address);
        let mut request = app.client.get(&url);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let actual: Value = request.send().await.unwrap().json().await.unwrap();
        assert_eq!(actual, expected, "{command}");
        checked += 1;
    }
    assert_eq!(checked, 6, "one example per documented scenario");
    app.stop().await;
}

#[test]
fn the_configuration_table_lists_every_flag_with_its_env_var() {
    let table = between(README, "## Configuration", "Subcommands:");
    for arg in crm_connector_mock::Cli::command().get_arguments() {
        let (Some(long), Some(env)) = (arg.get_long(), arg.get_env()) else {
            continue;
        };
        let env = env.to_string_lossy();
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| `--{long}")))
            .unwrap_or_else(|| panic!("README configuration table has --{long}"));
        assert!(row.contains(&format!("`{env}`")), "{row} names {env}");
    }
}
