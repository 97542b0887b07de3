//! The Canvass HTTP application.
//!
//! One [`router`] for every route, built over an [`AppState`]; [`serve`] runs it with graceful
//! shutdown. Operations routes: `/healthz` (the process answers), `/readyz` (the database
//! answers, else 503), `/metrics` (Prometheus text format).

mod admin;
mod api;
mod api_key_cache;
mod contact_key_ring;
mod http;
mod metrics;
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
pub use public::{Department, MapLibre, PublicSettings};
pub use rate_limit::RateLimiter;
pub use state::AppState;

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
}

/// The application: [`routes`] behind authorization, metrics and limits.
pub fn router(state: AppState, limits: Limits) -> Router {
    let metrics = state.metrics.clone();
    routes()
        .into_router(AccessState::from_ref(&state))
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
