//! Operations: `/healthz` (the process answers), `/readyz` (the database answers and the
//! camera index is loaded, else 503), `/metrics` (Prometheus text format). They disclose
//! nothing about the registry, so they are public.

mod health;
mod metrics_text;

use axum::extract::FromRef;
use axum::routing::get;

use std::sync::Arc;

use canvass_db::Database;
use canvass_tiles::TileService;

use crate::http::{Access, Routes};
use crate::metrics::Metrics;

/// The operations routes and their policies.
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Database>: FromRef<S>,
    Arc<TileService>: FromRef<S>,
    Metrics: FromRef<S>,
{
    Routes::default()
        .route("/healthz", Access::Public, get(health::healthz))
        .route("/readyz", Access::Public, get(health::readyz))
        .route("/metrics", Access::Public, get(metrics_text::render))
}
