//! The fallbacks: 404 `ROUTE_NOT_FOUND` for a path no route matches and 405
//! `METHOD_NOT_ALLOWED` (with `Allow`) for a known path asked with another
//! method, both in the standard error body. The route table and the admin
//! scope both use them; they decide nothing else.

use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::error::ApiError;
use crate::http::context::RequestContext;

/// The app's default service: 404 `ROUTE_NOT_FOUND`.
pub async fn route_not_found(ctx: RequestContext, req: HttpRequest) -> HttpResponse {
    ctx.error(&ApiError::route_not_found(
        req.method().as_str(),
        req.path(),
    ))
}

/// A resource's default service: 405 `METHOD_NOT_ALLOWED` with `Allow`.
pub fn method_not_allowed(allow: &'static str) -> Route {
    web::to(move |ctx: RequestContext, req: HttpRequest| async move {
        ctx.error(&ApiError::method_not_allowed(
            req.method().as_str(),
            req.path(),
            allow,
        ))
    })
}
