//! `GET /__admin/ui`: the live dashboard, one HTML page and its script and
//! style sheet, embedded in the binary at build time (`include_str!` of
//! `ui/`), so nothing is downloaded at run time. The page holds no data: it
//! reads the admin API with `fetch`, sending the token the user types, so
//! these three routes are served without the admin token (`mod.rs` exempts
//! them) while every data call still needs it.
//!
//! Each answer is `X-Content-Type-Options: nosniff`, `Cache-Control:
//! no-cache` and a strong `ETag` (a hash of the asset, fixed per build), so a
//! browser revalidates and gets `304` until the binary changes. The HTML
//! carries a Content-Security-Policy that allows only this origin's script,
//! style and `fetch`: no inline script or style, no other origin.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// The policy of the page: its own script, style and API calls only.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'";

/// One embedded file: its bytes, its type and its entity tag.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: &'static str,
}

/// FNV-1a over the asset, at compile time: a strong validator that changes
/// whenever the embedded bytes do.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `"<16 hex digits>"`, the quoted form `ETag` wants, built at compile time.
const fn etag_of(body: &str) -> [u8; 18] {
    let hash = fnv1a(body.as_bytes());
    let digits = b"0123456789abcdef";
    let mut out = [b'"'; 18];
    let mut i = 0;
    while i < 16 {
        out[1 + i] = digits[((hash >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

/// `include_str!` is written out at each use, with its path as a literal,
/// so a check of what the crate embeds (`.ci/run`) reads the path as is.
macro_rules! asset {
    ($name:ident, $body:expr, $type:literal) => {
        const $name: Asset = {
            const BODY: &str = $body;
            const TAG: [u8; 18] = etag_of(BODY);
            Asset {
                body: BODY,
                content_type: $type,
                // Hex digits and quotes only: ASCII, so valid UTF-8.
                etag: match std::str::from_utf8(&TAG) {
                    Ok(tag) => tag,
                    Err(_) => "\"0\"",
                },
            }
        };
    };
}

asset!(
    PAGE,
    include_str!("ui/index.html"),
    "text/html; charset=utf-8"
);
asset!(
    SCRIPT,
    include_str!("ui/app.js"),
    "text/javascript; charset=utf-8"
);
asset!(STYLE, include_str!("ui/app.css"), "text/css; charset=utf-8");

/// The asset, or `304` when the browser already holds this version.
fn serve(req: &HttpRequest, asset: &Asset, page: bool) -> HttpResponse {
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag));
    let mut response = match fresh {
        true => HttpResponse::NotModified(),
        false => HttpResponse::Ok(),
    };
    response
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, HeaderValue::from_static(asset.etag)));
    if page {
        response
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .insert_header((header::REFERRER_POLICY, "no-referrer"));
    }
    match fresh {
        true => response.finish(),
        false => response
            .insert_header((header::CONTENT_TYPE, asset.content_type))
            .body(asset.body),
    }
}

pub(super) async fn page(req: HttpRequest) -> HttpResponse {
    serve(&req, &PAGE, true)
}

pub(super) async fn script(req: HttpRequest) -> HttpResponse {
    serve(&req, &SCRIPT, false)
}

pub(super) async fn style(req: HttpRequest) -> HttpResponse {
    serve(&req, &STYLE, false)
}

/// Whether `path` is the page or one of its assets, which need no token
/// (an unknown path under `/__admin/ui/` is a plain 404 either way).
pub(super) fn is_public(path: &str) -> bool {
    path.strip_prefix(crate::contract::ADMIN_PREFIX)
        .and_then(|rest| rest.strip_prefix("/ui"))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_assets_are_public_and_nothing_else_under_admin() {
        for path in ["/__admin/ui", "/__admin/ui/app.js", "/__admin/ui/x"] {
            assert!(is_public(path), "{path}");
        }
        for path in ["/__admin/uix", "/__admin/requests", "/ui", "/__admin"] {
            assert!(!is_public(path), "{path}");
        }
    }

    #[test]
    fn an_etag_is_a_quoted_hash_that_differs_between_assets() {
        assert_eq!(PAGE.etag.len(), 18);
        assert!(PAGE.etag.starts_with('"') && PAGE.etag.ends_with('"'));
        assert_ne!(PAGE.etag, SCRIPT.etag);
        assert_ne!(SCRIPT.etag, STYLE.etag);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
