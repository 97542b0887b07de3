//! The Canvass HTTP application.
//!
//! One [`router`] for every route, built over an [`AppState`]; [`serve`] runs it with graceful
//! shutdown. Operations routes: `/healthz` (the process answers), `/readyz` (the database
//! answers, else 503), `/metrics` (Prometheus text format).

mod admin;
mod api;
pub mod auth;
mod cookies;
mod error;
mod health;
mod html;
mod key_cache;
mod keys;
mod login;
mod metrics;
pub mod public;
mod rate_limit;
pub mod sync;
pub mod tiles;
mod totp_setup;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use canvass_db::Database;
use canvass_model::Permission;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use auth::{Access, Routes};
pub use canvass_tiles::{TileService, TileSettings};
pub use error::ApiError;
pub use key_cache::KeyCache;
pub use keys::ContactKeys;
pub use metrics::Metrics;
pub use public::{Department, MapLibre, PublicSettings};
pub use rate_limit::RateLimiter;

/// Errors of starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Serving stopped with an I/O error.
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
}

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered with 408.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
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
    pub key_cache: Arc<KeyCache>,
    /// The camera index and tile cache.
    pub tiles: Arc<TileService>,
    /// The department, the public pages' words and their form rate limit.
    pub public: Arc<public::PublicSettings>,
    /// Outgoing mail.
    pub mailer: Arc<canvass_mail::Mailer>,
}

/// How long sessions live, how their cookie is sent, and who must use a second factor.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub lifetime: Duration,
    /// Mark cookies Secure (set when Canvass is served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Roles that must sign in with a TOTP code; their users set it up at first sign-in.
    pub totp_roles: Vec<canvass_model::Role>,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            totp_roles: Vec::new(),
        }
    }
}

/// Every route of the application with its access policy. Health and metrics disclose nothing
/// about the registry and are public; everything else needs a principal.
pub fn routes() -> Routes {
    use Access::{Public, Requires, RequiresPii};
    Routes::default()
        .route("/", Public, get(public::home))
        .route("/static/canvass.css", Public, get(public::stylesheet))
        .route("/static/logo", Public, get(public::logo))
        .route("/static/pin-map.js", Public, get(public::pin_map_script))
        .route(
            "/static/vendor/maplibre-gl.js",
            Public,
            get(public::maplibre_js),
        )
        .route(
            "/static/vendor/maplibre-gl.css",
            Public,
            get(public::maplibre_css),
        )
        .route(
            "/public/tiles/basemap/{z}/{x}/{y}",
            Public,
            get(public::basemap_tile),
        )
        .route(
            "/register",
            Public,
            get(public::register).post(public::register_submit),
        )
        .route("/register/sent", Public, get(public::register_sent))
        .route("/confirm/{token}", Public, get(public::confirm))
        .route(
            "/manage",
            Public,
            get(public::manage).post(public::manage_request),
        )
        .route("/manage/{token}", Public, get(public::manage_link))
        .route(
            "/manage/entry",
            Public,
            get(public::entry).post(public::entry_action),
        )
        .route("/healthz", Public, get(health::healthz))
        .route("/readyz", Public, get(health::readyz))
        .route("/metrics", Public, get(metrics::render))
        .route("/login", Public, get(login::show).post(login::submit))
        .route(
            "/logout",
            Requires(Permission::Identify),
            axum::routing::post(login::logout),
        )
        .route(
            "/account",
            Requires(Permission::Identify),
            get(login::account),
        )
        .route(
            "/account/totp",
            Requires(Permission::Identify),
            get(totp_setup::show).post(totp_setup::confirm),
        )
        .route(
            "/admin/audit",
            Requires(Permission::Administer),
            get(admin::audit),
        )
        .route(
            "/api/v1/whoami",
            Requires(Permission::Identify),
            get(api::whoami),
        )
        .route(
            "/api/v1/registrations/{id}/contact",
            RequiresPii(Permission::Canvass),
            get(api::contact),
        )
        .route(
            "/tiles/{tileset}",
            Requires(Permission::ViewMap),
            get(tiles::tilejson),
        )
        .route(
            "/tiles/{layers}/{z}/{x}/{y}",
            Requires(Permission::ViewMap),
            get(tiles::tile),
        )
}

/// The application: [`routes`] behind authorization, metrics and limits.
pub fn router(state: AppState, limits: Limits) -> Router {
    let metrics = state.metrics.clone();
    routes()
        .into_router(&state)
        // route_layer: only matched routes carry a route template to label metrics with.
        .route_layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(limits, limit_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
}

/// Bodies above `max_body_bytes` get 413 before any handler runs, except on the public forms,
/// whose handlers read up to their own, larger limit so that an oversized field is refused in
/// the reader's language with the rest of the form kept.
async fn limit_body(
    axum::extract::State(limits): axum::extract::State<Limits>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if public::reads_its_own_body(request.uri().path()) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limits.max_body_bytes) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n").into_response();
    }
    let max = limits.max_body_bytes;
    next.run(request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, max))))
        .await
}

/// Headers every response carries: no sniffing, no framing, no referrer leaking a token in a
/// URL, and a content security policy that allows only this origin.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
             worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ),
    );
    response
}

async fn not_found() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "not found\n")
}

/// Binds `addr`; separate from [`serve`] so that a busy port fails before anything starts.
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, ServerError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })
}

/// Serves `app` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(ServerError::Serve)
}
