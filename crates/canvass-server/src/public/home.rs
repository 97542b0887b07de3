//! `/` (what the programme is and is not) and the pages' static files.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::answer::html;
use super::layout;
use super::settings::PublicState;
use crate::http::language::PageLanguage;
use crate::http::page::escape;

/// `GET /`: what the registry is for and what it is not.
pub(crate) async fn home(
    State(state): State<PublicState>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
) -> Response {
    let s = &state.settings;
    let t = |id: &str| escape(&s.t(lang, id));
    let lead = escape(
        &s.messages
            .format(lang, "home-lead", &[("department", &s.department.name)]),
    );
    let mut body = format!("<h1>{}</h1><p>{lead}</p>", t("home-heading"));
    for (heading, text) in [
        ("home-what-heading", "home-what"),
        ("home-not-heading", "home-not"),
        ("home-private-heading", "home-private"),
        ("home-yearly-heading", "home-yearly"),
    ] {
        body.push_str(&format!("<h2>{}</h2><p>{}</p>", t(heading), t(text)));
    }
    body.push_str(&format!(
        "<div class=\"actions\"><a class=\"button\" href=\"/register?lang={l}\">{}</a>\
         <a href=\"/manage?lang={l}\">{}</a></div>",
        t("home-register"),
        t("home-manage"),
        l = lang.as_str()
    ));
    let page = layout::public_page(s, lang, &s.t(lang, "home-heading"), &body, "/", &[]);
    html(StatusCode::OK, page, lang, remember)
}

/// `GET /static/canvass.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        layout::STYLESHEET,
    )
        .into_response()
}

/// `GET /static/logo`: the department's logo, when configured.
pub(crate) async fn logo(State(state): State<PublicState>) -> Response {
    match &state.settings.department.logo {
        Some((bytes, content_type)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no logo configured\n").into_response(),
    }
}

/// `GET /static/pin-map.js`.
pub(crate) async fn pin_map_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("pin-map.js").into(),
    )
}

/// `GET /static/vendor/maplibre-gl.js`.
pub(crate) async fn maplibre_js(State(state): State<PublicState>) -> Response {
    match &state.settings.maplibre {
        Some(m) => static_file("text/javascript; charset=utf-8", m.js.clone()),
        None => (
            StatusCode::NOT_FOUND,
            "map library not installed (scripts/web-assets)\n",
        )
            .into_response(),
    }
}

/// `GET /static/vendor/maplibre-gl.css`.
pub(crate) async fn maplibre_css(State(state): State<PublicState>) -> Response {
    match &state.settings.maplibre {
        Some(m) => static_file("text/css; charset=utf-8", m.css.clone()),
        None => (
            StatusCode::NOT_FOUND,
            "map library not installed (scripts/web-assets)\n",
        )
            .into_response(),
    }
}

fn static_file(content_type: &'static str, body: axum::body::Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
