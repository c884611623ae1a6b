//! The documentation holds together without a server: every relative link
//! names a file that exists (and a heading of it, when it has an anchor),
//! every page under docs/ can be reached from the README, and every JSON
//! block parses. Reads the pages only; what they promise of the server is
//! checked in `readme.rs`.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Page, blocks, pages};

/// The anchor GitHub gives a heading: lower case, punctuation dropped (not
/// `-` or `_`), each space a `-`.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// `text` without its fenced code blocks, line by line.
fn prose(text: &str) -> Vec<&str> {
    let mut in_code = false;
    text.lines()
        .filter(|line| {
            if line.trim().starts_with("```") {
                in_code = !in_code;
                return false;
            }
            !in_code
        })
        .collect()
}

/// The anchors of a page's headings; a repeated heading gets `-1`, `-2`...
fn anchors(text: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    for line in prose(text) {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let base = slug(heading.trim_start_matches('#').trim());
        let mut anchor = base.clone();
        let mut n = 0;
        while !anchors.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
    }
    anchors
}

/// The targets of the `[text](target)` links of a page's prose, outside
/// code spans.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose(text) {
        // Odd pieces between backticks are code spans.
        let outside: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        for rest in outside.split("](").skip(1) {
            if let Some((target, _)) = rest.split_once(')') {
                targets.push(target.to_owned());
            }
        }
    }
    targets
}

/// What is wrong with the relative link `target` of `page`, if anything.
fn broken(page: &Page, target: &str) -> Option<String> {
    if target.starts_with("http://") || target.starts_with("https://") {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let here = Path::new(&page.path).parent().unwrap_or(Path::new(""));
    let file = if path.is_empty() {
        root.join(&page.path)
    } else {
        root.join(here).join(path)
    };
    if !file.exists() {
        return Some(format!(
            "{}: {target}: no file {}",
            page.path,
            file.display()
        ));
    }
    let anchor = anchor?;
    let text = std::fs::read_to_string(&file).ok()?;
    (!anchors(&text).contains(anchor))
        .then(|| format!("{}: {target}: no heading #{anchor}", page.path))
}

#[test]
fn every_relative_link_points_at_a_file_and_a_heading_that_exist() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for page in pages() {
        for target in link_targets(&page.text) {
            checked += 1;
            wrong.extend(broken(&page, &target));
        }
    }
    assert!(checked >= 30, "found {checked} links");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_docs_page_is_linked_from_the_readme() {
    let pages = pages();
    let readme = &pages[0];
    let linked: BTreeSet<String> = link_targets(&readme.text)
        .into_iter()
        .map(|t| t.split('#').next().unwrap_or("").to_owned())
        .collect();
    for page in pages.iter().filter(|p| p.path.starts_with("docs/")) {
        assert!(
            linked.contains(&page.path),
            "the README links {}",
            page.path
        );
    }
}

#[test]
fn every_json_block_in_the_documentation_parses() {
    let mut parsed = 0;
    for page in pages() {
        for block in blocks(&page.text).iter().filter(|b| b.lang == "json") {
            let json = block.lines.join("\n");
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&json) {
                panic!("{}: a json block does not parse: {e}\n{json}", page.path);
            }
            parsed += 1;
        }
    }
    assert!(parsed >= 9, "found {parsed} json blocks");
}

#[test]
fn a_heading_gets_the_anchor_github_gives_it() {
    let cases = [
        ("Rules the server applies", "rules-the-server-applies"),
        ("In-process, from Rust", "in-process-from-rust"),
        ("The map of src/", "the-map-of-src"),
        ("`GET /metrics` and `HEAD`", "get-metrics-and-head"),
        ("Retry-After compliance", "retry-after-compliance"),
        ("snake_case stays", "snake_case-stays"),
    ];
    for (heading, anchor) in cases {
        assert_eq!(slug(heading), anchor, "{heading}");
    }
}

#[test]
fn a_repeated_heading_gets_a_numbered_anchor_and_code_is_not_a_heading() {
    let text = "# Top\n## Notes\n```sh\n# Notes\n```\n## Notes\n";
    let expected: BTreeSet<String> = ["top", "notes", "notes-1"].map(String::from).into();
    assert_eq!(anchors(text), expected);
}

#[test]
fn links_are_read_from_prose_not_from_code() {
    let text = "See [a](a.md#x) and `[b](b.md)`.\n```md\n[c](c.md)\n```\n[d](d.md)\n";
    assert_eq!(link_targets(text), ["a.md#x", "d.md"]);
}
