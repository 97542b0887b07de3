//! The public pages residents use, in English and Spanish, without JavaScript: `/` (what the
//! programme is and is not), `/register`, `/confirm/{token}` (double opt-in), `/manage` and the
//! single-use manage links (edit, pause, opt out).
//!
//! Language: `?lang=` (remembered in a cookie), else the cookie, else Accept-Language, else
//! English. Forms carry a CSRF token (double-submit cookie), a honeypot field, and a per-address
//! rate limit; every refusal comes back in the page's language with what was typed kept.

mod basemap;
mod form;
mod layout;
mod locate;
mod owner;
mod register;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use canvass_db::intake::IntakeSettings;
use canvass_i18n::Messages;
use canvass_mail::Composer;
use canvass_model::Language;
use serde::Deserialize;

use crate::AppState;
use crate::cookies::{SameSite, cookie, set_cookie};
use crate::html::escape;
use crate::rate_limit::RateLimiter;

pub(crate) use basemap::tile as basemap_tile;
pub(crate) use owner::{confirm, entry, entry_action, manage, manage_link, manage_request};
pub(crate) use register::{register, register_sent, register_submit};

/// Paths whose handlers read the body themselves, up to [`register::FORM_BODY_LIMIT`].
pub(crate) fn reads_its_own_body(path: &str) -> bool {
    matches!(path, "/register" | "/manage" | "/manage/entry")
}

/// Cookie remembering the chosen language.
const LANGUAGE_COOKIE: &str = "canvass_lang";
/// Double-submit CSRF cookie of the public forms.
const FORM_CSRF_COOKIE: &str = "canvass_form_csrf";

/// Who runs this registry, as residents see it.
#[derive(Debug, Clone)]
pub struct Department {
    /// "Demo City Police Department".
    pub name: String,
    /// Public phone number.
    pub phone: String,
    /// Public e-mail address.
    pub email: String,
    /// Logo image (SVG or PNG bytes and content type), shown in the page header.
    pub logo: Option<(Vec<u8>, &'static str)>,
    /// Consent text in English and Spanish; `None` uses the default wording.
    pub consent: Option<(String, String)>,
    /// The area covered, as messages name it ("Demo City").
    pub jurisdiction_name: String,
}

impl Default for Department {
    fn default() -> Self {
        Department {
            name: "Demo City Police Department".into(),
            phone: "(925) 555-0100".into(),
            email: "cameras@demo-city.example".into(),
            logo: None,
            consent: None,
            jurisdiction_name: "Demo City".into(),
        }
    }
}

/// MapLibre GL JS, fetched from the npm registry at build time (`scripts/web-assets`).
#[derive(Debug, Clone)]
pub struct MapLibre {
    /// `maplibre-gl.js`.
    pub js: axum::body::Bytes,
    /// `maplibre-gl.css`.
    pub css: axum::body::Bytes,
}

impl MapLibre {
    /// Reads `maplibre-gl/maplibre-gl.{js,css}` under `dir`; `None` when they are not there
    /// (the pages then offer latitude and longitude fields only).
    pub fn load(dir: &std::path::Path) -> Option<MapLibre> {
        let folder = dir.join("maplibre-gl");
        let js = std::fs::read(folder.join("maplibre-gl.js")).ok()?;
        let css = std::fs::read(folder.join("maplibre-gl.css")).ok()?;
        Some(MapLibre {
            js: js.into(),
            css: css.into(),
        })
    }
}

/// What the public pages need besides the database.
#[derive(Debug)]
pub struct PublicSettings {
    /// The department.
    pub department: Department,
    /// Consent version and public URL of new registrations.
    pub intake: IntakeSettings,
    /// Every owner message.
    pub composer: Composer,
    /// Both languages' words.
    pub messages: Messages,
    /// Form posts per client address.
    pub form_limiter: RateLimiter,
    /// The map library for placing a pin, when available.
    pub maplibre: Option<MapLibre>,
}

impl PublicSettings {
    /// Settings for `department` with the built-in messages.
    pub fn new(
        department: Department,
        intake: IntakeSettings,
        form_limiter: RateLimiter,
        maplibre: Option<MapLibre>,
    ) -> Result<Self, canvass_i18n::MessagesError> {
        Ok(PublicSettings {
            composer: Composer::new(&department.name, intake.public_url().clone())?,
            intake,
            department,
            messages: Messages::load()?,
            form_limiter,
            maplibre,
        })
    }

    /// Scripts of the pages with the pin map.
    pub(crate) fn map_scripts(&self) -> &'static [&'static str] {
        if self.maplibre.is_some() {
            &["/static/vendor/maplibre-gl.js", "/static/pin-map.js"]
        } else {
            &[]
        }
    }

    /// The consent text shown beside the checkbox.
    pub(crate) fn consent_text(&self, language: Language) -> String {
        match (&self.department.consent, language) {
            (Some((en, _)), Language::En) => en.clone(),
            (Some((_, es)), Language::Es) => es.clone(),
            (None, _) => self.messages.format(
                language,
                "consent-text",
                &[("department", &self.department.name)],
            ),
        }
    }

    /// Message `id` in `language`.
    pub(crate) fn t(&self, language: Language, id: &str) -> String {
        self.messages.get(language, id)
    }
}

/// `?lang=` on any public page.
#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

/// The page language: query, then cookie, then Accept-Language; and whether the query chose it
/// (then the answer remembers it in a cookie).
pub(crate) fn language(query: Option<&str>, headers: &HeaderMap) -> (Language, bool) {
    if let Some(lang) = query.and_then(|q| q.parse::<Language>().ok()) {
        return (lang, true);
    }
    if let Some(lang) = cookie(headers, LANGUAGE_COOKIE).and_then(|c| c.parse::<Language>().ok()) {
        return (lang, false);
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best = (Language::En, 0.0f32);
    for part in accepted.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("es") => Language::Es,
            Some("en") => Language::En,
            _ => continue,
        };
        if q > best.1 {
            best = (lang, q);
        }
    }
    (best.0, false)
}

/// An HTML answer, never stored by caches (forms carry tokens), remembering the language.
pub(crate) fn html(
    status: StatusCode,
    body: String,
    language: Language,
    remember: bool,
) -> Response {
    let mut response = crate::auth::no_store((status, Html(body)).into_response());
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

/// `GET /`: what the registry is for and what it is not.
pub(crate) async fn home(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let s = &state.public;
    let (lang, remember) = language(query.lang.as_deref(), &headers);
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
pub(crate) async fn logo(State(state): State<AppState>) -> Response {
    match &state.public.department.logo {
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
pub(crate) async fn maplibre_js(State(state): State<AppState>) -> Response {
    match &state.public.maplibre {
        Some(m) => static_file("text/javascript; charset=utf-8", m.js.clone()),
        None => (
            StatusCode::NOT_FOUND,
            "map library not installed (scripts/web-assets)\n",
        )
            .into_response(),
    }
}

/// `GET /static/vendor/maplibre-gl.css`.
pub(crate) async fn maplibre_css(State(state): State<AppState>) -> Response {
    match &state.public.maplibre {
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

/// The settings the router needs, shared.
pub type SharedPublic = Arc<PublicSettings>;

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn language_from_query_cookie_or_browser() {
        assert_eq!(
            language(Some("es"), &HeaderMap::new()),
            (Language::Es, true)
        );
        assert_eq!(
            language(Some("fr"), &accept("es-MX,es;q=0.9")),
            (Language::Es, false)
        );
        assert_eq!(
            language(None, &accept("en-US,en;q=0.9,es;q=0.8")).0,
            Language::En
        );
        assert_eq!(language(None, &accept("fr, es;q=0.5")).0, Language::Es);
        let mut cookie = accept("es");
        cookie.insert(header::COOKIE, HeaderValue::from_static("canvass_lang=en"));
        assert_eq!(language(None, &cookie).0, Language::En);
    }
}
