//! Reading and setting cookies: one place for the attributes every cookie of Canvass carries
//! (HttpOnly always; SameSite and Secure as the cookie's use needs).

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

/// Name of the staff session cookie.
pub(crate) const SESSION_COOKIE: &str = "canvass_session";

/// The value of cookie `name` in the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// When the browser sends a cookie along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SameSite {
    /// Only from this site's own pages.
    Strict,
    /// Also on a top-level navigation from elsewhere (a link in an e-mail).
    Lax,
}

/// Appends a `Set-Cookie` header; `max_age` `Some(0)` deletes the cookie.
pub(crate) fn set_cookie(
    response: &mut Response,
    (name, value): (&str, &str),
    path: &str,
    max_age: Option<u64>,
    same_site: SameSite,
    secure: bool,
) {
    let same_site = match same_site {
        SameSite::Strict => "Strict",
        SameSite::Lax => "Lax",
    };
    let mut cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
