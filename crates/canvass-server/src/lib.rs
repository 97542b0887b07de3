//! The Canvass HTTP application.
//!
//! One [`router`] for every route, built over an [`AppState`]; [`serve`] runs it with graceful
//! shutdown. Operations routes: `/healthz` (the process answers), `/readyz` (the database
//! answers, else 503), `/metrics` (Prometheus text format).

mod admin;
mod api;
mod api_key_cache;
mod contact_key_ring;
mod edge;
mod http;
pub mod mail_sender;
mod map;
mod metrics;
mod ogc;
mod ops;
pub mod public;
mod rate_limit;
mod staff;
mod state;
pub mod sync;
pub mod tiles;

#[cfg(test)]
mod architecture_tests;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use api_key_cache::ApiKeyCache;
pub use canvass_tiles::{TileService, TileSettings};
pub use contact_key_ring::ContactKeys;
pub use http::{Access, AccessState, ClientInfo, Principal, Refusal, Routes, SessionSettings};
pub use metrics::Metrics;
pub use ogc::OgcSettings;
pub use public::{Department, MapLibre, PublicSettings};
pub use rate_limit::RateLimiter;
pub use state::{AppParts, AppState};

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

/// Every route of the application with its access policy, area by area. Operations routes
/// disclose nothing about the registry and are public; everything else names what it needs.
pub fn routes() -> Routes<AppState> {
    Routes::default()
        .merge(public::routes())
        .merge(ops::routes())
        .merge(staff::routes())
        .merge(admin::routes())
        .merge(api::routes())
        .merge(tiles::routes())
        .merge(ogc::routes())
        .merge(map::routes())
}

/// The application: [`routes`] behind authorization, metrics and limits.
pub fn router(state: AppState, limits: Limits) -> Router {
    let [nosniff, no_referrer, no_framing, content_security_policy] = edge::security_headers();
    // One layer of layers: `Router::layer` boxes every route once per layer it is given, and
    // the box is cloned and its future allocated on every request.
    let every_request = tower::ServiceBuilder::new()
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(edge::BodyLimitLayer {
            max: limits.max_body_bytes,
            exempt: |path| {
                public::reads_its_own_body(path)
                    || api::reads_its_own_body(path)
                    || ogc::reads_its_own_body(path)
            },
        })
        .layer(content_security_policy)
        .layer(no_framing)
        .layer(no_referrer)
        .layer(nosniff)
        .into_inner();
    routes()
        .into_router(AccessState::from_ref(&state), state.metrics.clone())
        .fallback(not_found)
        .with_state(state)
        .layer(every_request)
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
