//! The public pages residents use, in English and Spanish, without JavaScript: `/` (what the
//! programme is and is not), `/register`, `/confirm/{token}` (double opt-in), `/manage` and the
//! single-use manage links (edit, pause, opt out).
//!
//! Language: `?lang=` (remembered in a cookie), else the cookie, else Accept-Language, else
//! English. Forms carry a CSRF token (double-submit cookie), a honeypot field, and a per-address
//! rate limit; every refusal comes back in the page's language with what was typed kept.

mod answer;
mod basemap;
mod form;
mod form_csrf;
mod home;
mod layout;
mod locate;
mod owner;
mod register;
mod settings;

use axum::extract::FromRef;
use axum::routing::get;

use crate::http::{Access, Routes};

pub use settings::{Department, MapLibre, PublicSettings, PublicState};

/// Paths whose handlers read the body themselves, up to [`form::FORM_BODY_LIMIT`].
pub(crate) fn reads_its_own_body(path: &str) -> bool {
    matches!(path, "/register" | "/manage" | "/manage/entry")
}

/// The public routes; they disclose nothing about other people's registrations, so none
/// needs a principal.
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    PublicState: FromRef<S>,
{
    use Access::Public;
    Routes::default()
        .route("/", Public, get(home::home))
        .route("/static/canvass.css", Public, get(home::stylesheet))
        .route("/static/logo", Public, get(home::logo))
        .route("/static/pin-map.js", Public, get(home::pin_map_script))
        .route(
            "/static/vendor/maplibre-gl.js",
            Public,
            get(home::maplibre_js),
        )
        .route(
            "/static/vendor/maplibre-gl.css",
            Public,
            get(home::maplibre_css),
        )
        .route(
            "/public/tiles/basemap/{z}/{x}/{y}",
            Public,
            get(basemap::tile),
        )
        .route(
            "/register",
            Public,
            get(register::register).post(register::register_submit),
        )
        .route("/register/sent", Public, get(register::register_sent))
        .route("/confirm/{token}", Public, get(owner::confirm))
        .route(
            "/manage",
            Public,
            get(owner::manage).post(owner::manage_request),
        )
        .route("/manage/{token}", Public, get(owner::manage_link))
        .route(
            "/optout/{token}",
            Public,
            get(owner::optout_link).post(owner::optout_post),
        )
        .route(
            "/manage/entry",
            Public,
            get(owner::entry).post(owner::entry_action),
        )
}
