//! Who runs the registry and the words of its public pages, as the operator configures them.

use std::sync::Arc;

use canvass_db::Database;
use canvass_db::intake::IntakeSettings;
use canvass_i18n::Messages;
use canvass_mail::Composer;
use canvass_model::Language;

use crate::contact_key_ring::ContactKeys;
use crate::rate_limit::RateLimiter;

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
    /// The department's clock: the times printed for officers are read on it.
    pub time_zone: chrono_tz::Tz,
    /// Whether owners see on their manage page when their contact was disclosed or they were
    /// asked for footage.
    pub owner_notices: bool,
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
            owner_notices: true,
            time_zone: chrono_tz::Tz::UTC,
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

/// What the public pages need of the application's state.
#[derive(Debug, Clone)]
pub struct PublicState {
    /// Registrations, owner tokens and reference geography.
    pub db: Arc<Database>,
    /// The department, the pages' words and the form rate limit.
    pub settings: Arc<PublicSettings>,
    /// The keys that seal and open contact details.
    pub contact_keys: Arc<ContactKeys>,
    /// Mark cookies Secure.
    pub secure_cookies: bool,
}
