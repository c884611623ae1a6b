//! The admin API under `/__admin` (the WireMock convention). Each handler is a
//! few lines over `AppState`; errors use the standard body.
//!
//! | route | what |
//! |---|---|
//! | `GET /__admin/scenarios` | the catalogue, the faults and every trigger value |
//! | `GET/POST/DELETE /__admin/sticky` | list, add, clear sticky scenarios |
//! | `GET/DELETE /__admin/requests` | list (filtered) or clear the journal |
//! | `GET /__admin/requests/count` | how many journal entries match a filter |
//! | `GET /__admin/requests/stream` | the journal live, as server-sent events |
//! | `POST /__admin/reset` | journal, sequences, throttling, sticky, limiter |
//! | `POST /__admin/reload` | re-read the scenario and data files |
//! | `GET /__admin/proxy` | proxy mode: the upstream and its counters |
//! | `GET /__admin/sequences` | each session's position in its sequences |
//! | `GET /__admin/ui` (and `/ui/app.js`, `/ui/app.css`) | the dashboard |
//!
//! `--admin-token` requires `Authorization: Bearer <token>` (any visible
//! ASCII token, compared in constant time), except for the dashboard's page
//! and assets, which hold no data and ask for the token; `--no-admin`
//! removes the whole scope (its paths are then unknown routes).
//!
//! Here: the scope, the token check and the catalogue-wide handlers;
//! `sticky`, `requests`, `sequences` and `ui` hold the handlers of their
//! routes.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Next, from_fn};
use actix_web::{Error, HttpMessage, HttpResponse, web};
use serde_json::json;

use crate::connector::state::AppState;
use crate::contract::{self, ADMIN_PREFIX, Operation};
use crate::definitions::fault::Fault;
use crate::error::ApiError;
use crate::http::context::RequestContext;
use crate::http::fallback::{method_not_allowed, route_not_found};

mod requests;
mod sequences;
mod sticky;
mod stream;
mod ui;

use requests::{clear_requests, count_requests, list_requests};
use sticky::{add_sticky, clear_sticky, list_sticky};

/// The admin scope, for `startup::routes`.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    web::scope(ADMIN_PREFIX)
        .wrap(from_fn(require_token))
        .service(
            web::resource("/scenarios")
                .get(scenarios)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/sticky")
                .get(list_sticky)
                .post(add_sticky)
                .delete(clear_sticky)
                .default_service(method_not_allowed("GET, POST, DELETE")),
        )
        .service(
            web::resource("/requests")
                .get(list_requests)
                .delete(clear_requests)
                .default_service(method_not_allowed("GET, DELETE")),
        )
        .service(
            web::resource("/requests/stream")
                .get(stream::stream_requests)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/requests/count")
                .get(count_requests)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/reset")
                .post(reset)
                .default_service(method_not_allowed("POST")),
        )
        .service(
            web::resource("/reload")
                .post(reload)
                .default_service(method_not_allowed("POST")),
        )
        .service(
            web::resource("/proxy")
                .get(proxy)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/sequences")
                .get(sequences::list_sequences)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/ui")
                .get(ui::page)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/ui/app.js")
                .get(ui::script)
                .default_service(method_not_allowed("GET")),
        )
        .service(
            web::resource("/ui/app.css")
                .get(ui::style)
                .default_service(method_not_allowed("GET")),
        )
        .default_service(web::to(route_not_found))
}

/// `--admin-token`: 401 `ADMIN_UNAUTHORIZED` without the right bearer token
/// (but for the dashboard's assets, `ui::is_public`).
async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.config.admin_token.clone());
    // The dashboard's page and assets hold no data; the page asks for the
    // token and sends it on every data call.
    let Some(expected) = expected.filter(|_| !ui::is_public(req.path())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| admin_bearer(v.as_bytes()));
    if given.is_some_and(|token| token_matches(token, expected.as_bytes())) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let ctx = req
        .extensions()
        .get::<RequestContext>()
        .cloned()
        .unwrap_or_else(RequestContext::fresh);
    let error = ApiError::new(
        401,
        contract::ADMIN_UNAUTHORIZED,
        "The admin API needs Authorization: Bearer <admin token>.",
    )
    .with_header(
        actix_web::http::header::WWW_AUTHENTICATE,
        actix_web::http::header::HeaderValue::from_static(
            "Bearer realm=\"crm-connector-mock admin\"",
        ),
    );
    Ok(req.into_response(ctx.error(&error)).map_into_boxed_body())
}

/// The token of `Bearer <token>` (scheme case-insensitive, spaces around
/// the token ignored). Unlike a connector's bearer token, an admin token may
/// be any visible ASCII (`--admin-token` accepts nothing else), so the
/// token68 alphabet is not imposed here.
fn admin_bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    Some(token.trim_ascii()).filter(|t| !t.is_empty())
}

/// Constant time in the token's content: how much of a guess matched must
/// not show in the answer's timing (only the length may).
fn token_matches(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(given.ct_eq(expected))
}

async fn scenarios(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let defs = state.defs.load();
    let faults: Vec<_> = Fault::ALL
        .iter()
        .map(|f| json!({ "name": f.name(), "description": f.description() }))
        .collect();
    let body = json!({
        "scenarios": defs.catalogue.scenarios(),
        "faults": faults,
        "validValues": defs.catalogue.valid_values(),
    });
    ctx.json(body.to_string())
}

/// An operation by its id or its name, in any letter case.
pub(super) fn operation(name: &str) -> Option<Operation> {
    Operation::ALL
        .into_iter()
        .find(|o| o.id().eq_ignore_ascii_case(name) || o.name().eq_ignore_ascii_case(name))
}

/// Proxy mode's state: the upstream (without credentials), its paths,
/// whether it is strict, and how many requests went up, failed, or got an
/// answer that broke a contract rule; `{"upstream": null}` when not a proxy.
async fn proxy(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let body = match &state.upstream {
        Some(upstream) => serde_json::to_value(upstream.status()).unwrap_or_default(),
        None => json!({ "upstream": null }),
    };
    ctx.json(body.to_string())
}

async fn reset(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    state.reset();
    ctx.json(r#"{"reset":true}"#)
}

/// Reads and builds the definitions on a blocking thread (a large data file
/// takes a while to parse, and a worker must not wait for it); the swap is
/// one atomic store.
async fn reload(ctx: RequestContext, state: web::Data<AppState>) -> HttpResponse {
    let reloaded = web::block({
        let state = state.clone();
        move || state.reload()
    })
    .await;
    let Ok(reloaded) = reloaded else {
        return ctx.error(&ApiError::internal(
            "The reload stopped unexpectedly; the previous definitions keep serving.",
        ));
    };
    match reloaded {
        Ok(defs) => ctx.json(
            json!({
                "reloaded": true,
                "files": defs.files,
                "scenarios": defs.catalogue.scenarios().len(),
                "records": defs.dataset.defined_keys().len(),
            })
            .to_string(),
        ),
        Err(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            let error = ApiError::new(
                400,
                contract::INVALID_DEFINITIONS,
                format!(
                    "The scenario files have {} problem(s); the previous definitions keep serving.",
                    lines.len()
                ),
            )
            .with_detail("problems", lines);
            ctx.error(&error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_bearer_token_is_any_visible_text_after_the_scheme() {
        let cases: [(&[u8], Option<&[u8]>); 6] = [
            (b"Bearer abc", Some(b"abc")),
            (b"bearer  a/b=c ", Some(b"a/b=c")),
            (b"BEARER x", Some(b"x")),
            (b"Bearer ", None),
            (b"Basic abc", None),
            (b"Bear", None),
        ];
        for (value, expected) in cases {
            assert_eq!(admin_bearer(value), expected, "{value:?}");
        }
        assert!(token_matches(b"secret", b"secret"));
        assert!(!token_matches(b"secreT", b"secret"));
        assert!(!token_matches(b"secret2", b"secret"));
    }

    #[test]
    fn an_operation_is_found_by_its_id_or_name_in_any_case() {
        let cases = [
            ("scp-get-related-records", Some(Operation::RelatedRecords)),
            ("GetRelatedActivities", Some(Operation::RelatedActivities)),
            ("getrelatedrecords", Some(Operation::RelatedRecords)),
            ("records", None),
        ];
        for (name, expected) in cases {
            assert_eq!(operation(name), expected, "{name}");
        }
    }
}
