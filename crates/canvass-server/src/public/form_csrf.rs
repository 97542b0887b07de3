//! The public forms' CSRF token: a double-submit cookie, compared in constant time.

use axum::http::HeaderMap;
use axum::response::Response;

use crate::http::cookies::{SameSite, cookie, set_cookie};

/// Double-submit CSRF cookie of the public forms.
const FORM_CSRF_COOKIE: &str = "canvass_form_csrf";

/// Sets the form CSRF cookie on a response.
pub(crate) fn with_form_csrf(mut response: Response, token: &str, secure: bool) -> Response {
    set_cookie(
        &mut response,
        (FORM_CSRF_COOKIE, token),
        "/",
        None,
        SameSite::Strict,
        secure,
    );
    response
}

/// The form's CSRF token when it matches the cookie; a fresh one otherwise.
pub(crate) fn form_csrf_ok(headers: &HeaderMap, posted: &str) -> bool {
    cookie(headers, FORM_CSRF_COOKIE)
        .is_some_and(|c| !c.is_empty() && constant_time_eq(c.as_bytes(), posted.as_bytes()))
}

/// A CSRF token for a new form: the cookie's when there is one, so that two tabs work.
pub(crate) fn form_csrf(headers: &HeaderMap) -> String {
    cookie(headers, FORM_CSRF_COOKIE)
        .filter(|c| {
            c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .unwrap_or_else(canvass_db::sessions::random_token)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
