//! What the server holds, and the part of it each area's handlers take (axum `FromRef`
//! substates), so that a handler names what it uses and no more.

use std::sync::Arc;

use axum::extract::FromRef;
use canvass_db::Database;
use canvass_model::canvass::CaseNumberPattern;
use canvass_tiles::TileService;

use crate::api::{CanvassState, DisclosureState};
use crate::api_key_cache::ApiKeyCache;
use crate::contact_key_ring::ContactKeys;
use crate::http::{AccessState, SessionSettings};
use crate::map::MapState;
use crate::metrics::Metrics;
use crate::ogc::{OgcSettings, OgcState};
use crate::public::{PublicSettings, PublicState};
use crate::rate_limit::RateLimiter;
use crate::staff::StaffState;

/// What every handler can reach, shared: axum clones the state of a route for every request
/// (and a substate for every extraction), so a clone is one reference count, not one per part.
#[derive(Debug, Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    /// The state of a server made of `parts`.
    pub fn new(parts: AppParts) -> Self {
        AppState(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The parts of the [`AppState`].
#[derive(Debug)]
pub struct AppParts {
    /// The database.
    pub db: Arc<Database>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The keys that open sealed contact details.
    pub contact_keys: Arc<ContactKeys>,
    /// Session lifetimes and cookie settings.
    pub sessions: SessionSettings,
    /// Sign-in attempts per client address.
    pub login_limiter: Arc<RateLimiter>,
    /// Recently authenticated API keys.
    pub key_cache: Arc<ApiKeyCache>,
    /// The camera index and tile cache.
    pub tiles: Arc<TileService>,
    /// The department, the public pages' words and their form rate limit.
    pub public: Arc<PublicSettings>,
    /// Outgoing mail: the outbox sender's transport (handlers only queue).
    pub mailer: Arc<canvass_mail::Mailer>,
    /// Wakes the outbox sender when a notification says a message was queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// The OGC API's base URL and cursor key.
    pub ogc: Arc<OgcSettings>,
    /// The department's case-number format, which every canvass must match.
    pub case_numbers: Arc<CaseNumberPattern>,
}

impl FromRef<AppState> for Arc<Database> {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Metrics {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}

impl FromRef<AppState> for Arc<ContactKeys> {
    fn from_ref(state: &AppState) -> Self {
        state.contact_keys.clone()
    }
}

impl FromRef<AppState> for Arc<TileService> {
    fn from_ref(state: &AppState) -> Self {
        state.tiles.clone()
    }
}

impl FromRef<AppState> for AccessState {
    fn from_ref(state: &AppState) -> Self {
        AccessState {
            db: state.db.clone(),
            session_idle: state.sessions.idle,
            key_cache: state.key_cache.clone(),
        }
    }
}

impl FromRef<AppState> for StaffState {
    fn from_ref(state: &AppState) -> Self {
        StaffState {
            db: state.db.clone(),
            contact_keys: state.contact_keys.clone(),
            sessions: state.sessions.clone(),
            login_limiter: state.login_limiter.clone(),
        }
    }
}

impl FromRef<AppState> for PublicState {
    fn from_ref(state: &AppState) -> Self {
        PublicState {
            db: state.db.clone(),
            settings: state.public.clone(),
            contact_keys: state.contact_keys.clone(),
            secure_cookies: state.sessions.secure_cookies,
        }
    }
}

impl FromRef<AppState> for DisclosureState {
    fn from_ref(state: &AppState) -> Self {
        DisclosureState {
            db: state.db.clone(),
            keys: state.contact_keys.clone(),
        }
    }
}

impl FromRef<AppState> for OgcState {
    fn from_ref(state: &AppState) -> Self {
        OgcState {
            tiles: state.tiles.clone(),
            db: state.db.clone(),
            keys: state.contact_keys.clone(),
            settings: state.ogc.clone(),
        }
    }
}

impl FromRef<AppState> for CanvassState {
    fn from_ref(state: &AppState) -> Self {
        CanvassState {
            db: state.db.clone(),
            keys: state.contact_keys.clone(),
            tiles: state.tiles.clone(),
            case_numbers: state.case_numbers.clone(),
            public: state.public.clone(),
        }
    }
}

impl FromRef<AppState> for MapState {
    fn from_ref(state: &AppState) -> Self {
        MapState {
            db: state.db.clone(),
            public: state.public.clone(),
        }
    }
}
