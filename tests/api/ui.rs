//! The dashboard's page and assets (`GET /__admin/ui`): their types and
//! headers, the Content-Security-Policy, that the page holds no inline code,
//! and how `--admin-token` and `--no-admin` treat them. What the page does
//! in a browser is tested in `tests/ui/` (headless Chromium).

use crm_connector_mock::Config;
use reqwest::Method;

use crate::helpers::{assert_error, header, json_of, spawn_app, spawn_with};

const ASSETS: [(&str, &str); 3] = [
    ("/__admin/ui", "text/html; charset=utf-8"),
    ("/__admin/ui/app.js", "text/javascript; charset=utf-8"),
    ("/__admin/ui/app.css", "text/css; charset=utf-8"),
];

/// The values of `attribute` on every `<tag ...>` of `html`, in order (the
/// page is ours and plain: one tag's attributes on one line, double quotes).
fn attributes<'h>(html: &'h str, tag: &str, attribute: &str) -> Vec<&'h str> {
    let open = format!("<{tag} ");
    let name = format!(" {attribute}=\"");
    html.match_indices(&open)
        .filter_map(|(at, _)| {
            let rest = html.get(at..)?;
            let tag = rest.get(..rest.find('>')?)?;
            let start = tag.find(&name)? + name.len();
            let value = tag.get(start..)?;
            value.get(..value.find('"')?)
        })
        .collect()
}

#[actix_web::test]
async fn the_page_and_its_two_assets_are_served_with_their_types_and_no_sniffing() {
    let app = spawn_app().await;
    for (path, content_type) in ASSETS {
        let answer = app.get(path, &[]).await;
        assert_eq!(answer.status().as_u16(), 200, "{path}");
        assert_eq!(
            header(&answer, "content-type"),
            Some(content_type),
            "{path}"
        );
        assert_eq!(header(&answer, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(&answer, "cache-control"), Some("no-cache"));
        let etag = header(&answer, "etag").unwrap_or_default().to_owned();
        assert!(
            etag.starts_with('"') && etag.len() > 2,
            "a strong ETag: {etag}"
        );
        assert!(!answer.text().await.unwrap().trim().is_empty(), "{path}");
        let again = app.get(path, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status().as_u16(), 304, "{path} revalidates");
        assert!(again.text().await.unwrap().is_empty());
    }
    app.stop().await;
}

#[actix_web::test]
async fn the_pages_policy_allows_only_its_own_scripts_styles_and_calls() {
    let app = spawn_app().await;
    let page = app.get("/__admin/ui", &[]).await;
    let csp = header(&page, "content-security-policy")
        .unwrap_or_default()
        .to_owned();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for expected in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&expected), "{expected} in {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(!csp.contains("http:") && !csp.contains("https:") && !csp.contains('*'));
    let script = app.get("/__admin/ui/app.js", &[]).await;
    assert!(
        header(&script, "content-security-policy").is_none(),
        "the policy belongs on the document"
    );
    app.stop().await;
}

#[actix_web::test]
async fn the_html_references_exactly_the_two_assets_and_holds_no_inline_code() {
    let app = spawn_app().await;
    let html = app.get("/__admin/ui", &[]).await.text().await.unwrap();
    assert_eq!(attributes(&html, "script", "src"), ["/__admin/ui/app.js"]);
    assert_eq!(
        html.matches("<script").count(),
        html.matches("></script>").count(),
        "every script is empty: no inline body"
    );
    assert_eq!(html.matches("<script").count(), 1);
    let stylesheets: Vec<&str> = attributes(&html, "link", "href")
        .into_iter()
        .filter(|href| !href.starts_with("data:"))
        .collect();
    assert_eq!(stylesheets, ["/__admin/ui/app.css"]);
    assert!(!html.contains("<style"), "no inline style sheet");
    assert!(!html.contains("style="), "no style attribute");
    let lower = html.to_ascii_lowercase();
    for handler in [
        " onclick=",
        " onload=",
        " onsubmit=",
        " onerror=",
        "javascript:",
    ] {
        assert!(!lower.contains(handler), "no inline handler {handler}");
    }
    for id in [
        "token-form",
        "stream-state",
        "requests",
        "timeline",
        "catalogue",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn under_an_admin_token_the_page_is_served_without_it_and_the_data_still_needs_it() {
    let app = spawn_with(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    for (path, _) in ASSETS {
        assert_eq!(app.get(path, &[]).await.status().as_u16(), 200, "{path}");
    }
    for path in ["/__admin/scenarios", "/__admin/sequences", "/__admin/uix"] {
        assert_error(app.get(path, &[]).await, 401, "ADMIN_UNAUTHORIZED").await;
    }
    let allowed = app
        .get("/__admin/scenarios", &[("Authorization", "Bearer s3cret")])
        .await;
    assert_eq!(allowed.status().as_u16(), 200);
    app.stop().await;
}

#[actix_web::test]
async fn without_the_admin_api_the_page_is_gone() {
    let app = spawn_with(Config {
        no_admin: true,
        ..Config::default()
    })
    .await;
    for (path, _) in ASSETS {
        assert_error(app.get(path, &[]).await, 404, "ROUTE_NOT_FOUND").await;
    }
    app.stop().await;
}

#[actix_web::test]
async fn other_methods_and_unknown_assets_get_the_standard_body_and_nothing_is_journaled() {
    let app = spawn_app().await;
    for (path, _) in ASSETS {
        let wrong = app.request(Method::POST, path).await;
        assert_eq!(header(&wrong, "allow"), Some("GET"), "{path}");
        assert_error(wrong, 405, "METHOD_NOT_ALLOWED").await;
    }
    assert_error(app.get("/__admin/ui/x", &[]).await, 404, "ROUTE_NOT_FOUND").await;
    let journal = json_of(app.get("/__admin/requests", &[]).await).await;
    assert_eq!(
        journal["count"], 0,
        "admin calls are not journaled: {journal}"
    );
    app.stop().await;
}
