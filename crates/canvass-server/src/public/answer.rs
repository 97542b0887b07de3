//! How the public pages answer: an HTML page in the reader's language, never stored, and a
//! refusal as a short page whose words the status chooses, in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use canvass_model::Language;

use super::layout;
use super::settings::PublicSettings;
use crate::http::cookies::{SameSite, set_cookie};
use crate::http::language::LANGUAGE_COOKIE;
use crate::http::page::escape;
use crate::http::{Refusal, no_store};

/// An HTML answer, never stored by caches (forms carry tokens), remembering the language.
pub(crate) fn html(
    status: StatusCode,
    body: String,
    language: Language,
    remember: bool,
) -> Response {
    let mut response = no_store((status, Html(body)).into_response());
    response.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Accept-Language"),
    );
    if remember {
        // Not a secret: no Secure flag needed; Lax so that a link from elsewhere keeps it.
        set_cookie(
            &mut response,
            (LANGUAGE_COOKIE, language.as_str()),
            "/",
            Some(365 * 24 * 3600),
            SameSite::Lax,
            false,
        );
    }
    response
}

/// A short page of a heading and a paragraph (message ids), as an answer with `status`.
pub(crate) fn message(
    s: &PublicSettings,
    lang: Language,
    status: StatusCode,
    (heading, text): (&str, &str),
    path: &str,
    remember: bool,
) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"notice\">{}</p>",
        escape(&s.t(lang, heading)),
        escape(&s.t(lang, text))
    );
    let page = layout::public_page(s, lang, &s.t(lang, heading), &body, path, &[]);
    html(status, page, lang, remember)
}

/// A refusal as a page in the reader's language: an unknown or used link (404), an ended
/// owner session (403), and our own failures (the service is unavailable). Logged by
/// [`Refusal::respond`].
pub(crate) fn refuse(
    s: &PublicSettings,
    lang: Language,
    refusal: Refusal,
    path: &str,
    remember: bool,
) -> Response {
    refusal.respond(|status, _message| {
        let words = match status {
            StatusCode::NOT_FOUND => ("link-invalid-heading", "link-invalid-body"),
            StatusCode::FORBIDDEN => ("link-invalid-heading", "session-ended"),
            _ => ("unavailable-heading", "problem-unavailable"),
        };
        message(s, lang, status, words, path, remember)
    })
}
