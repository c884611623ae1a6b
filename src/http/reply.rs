//! Responses the edge builds: a rendered error (`ApiError`, `Rendered`)
//! turned into an `HttpResponse` with its status, its extra headers and
//! `Content-Type: application/json`, and the JSON success answers. The
//! bytes of an error body come from `error`; this module only wraps them.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};

use crate::error::{ApiError, Rendered};

/// `Content-Type` of every JSON body the server sends.
pub const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The standard error answer for the request with `activity_id`.
pub fn error(error: &ApiError, activity_id: &str) -> HttpResponse {
    respond(error.status, &error.headers, error.body(activity_id))
}

/// An error rendered once, answered for the request with `activity_id`.
pub fn rendered(rendered: &Rendered, activity_id: &str) -> HttpResponse {
    respond(
        rendered.status(),
        rendered.headers(),
        rendered.body(activity_id),
    )
}

fn respond(status: u16, headers: &[(HeaderName, HeaderValue)], body: Vec<u8>) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in headers {
        response.insert_header((name.clone(), value.clone()));
    }
    response
        .insert_header((header::CONTENT_TYPE, JSON))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_answers_its_status_its_headers_and_json() {
        let wrong = ApiError::method_not_allowed("PUT", "/r", "GET");
        let cases = [
            ("once", error(&wrong, "a")),
            ("rendered", rendered(&wrong.clone().render(), "a")),
        ];
        for (how, response) in cases {
            assert_eq!(response.status().as_u16(), 405, "{how}");
            assert_eq!(
                response.headers().get(header::CONTENT_TYPE),
                Some(&JSON),
                "{how}"
            );
            assert_eq!(
                response.headers().get(header::ALLOW).map(|v| v.as_bytes()),
                Some(&b"GET"[..]),
                "{how}"
            );
        }
        let bad = ApiError::new(1000, "X", "out of range");
        assert_eq!(error(&bad, "a").status().as_u16(), 500);
    }
}
