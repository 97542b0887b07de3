//! Liveness and readiness for load balancers and orchestrators.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use canvass_db::{ClusterState, Database};
use canvass_tiles::TileService;

use crate::metrics::Metrics;

/// How long readiness waits for the database before answering 503.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up and answering.
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers a query and the camera index is loaded; 503 otherwise, recovering by
/// itself when the database returns.
pub(crate) async fn readyz(
    State(db): State<Arc<Database>>,
    State(tiles): State<Arc<TileService>>,
    State(metrics): State<Metrics>,
) -> (StatusCode, String) {
    if let Some(cluster) = db.cluster_state() {
        let current = cluster.borrow().clone();
        match current {
            ClusterState::Ready { .. } => {}
            ClusterState::Failed(_) => return unavailable("embedded database failed"),
            _ => return unavailable("embedded database is restarting"),
        }
    }
    if tiles.index.snapshot().is_none() {
        return unavailable("camera index loading");
    }
    match tokio::time::timeout(READY_TIMEOUT, db.ping()).await {
        Ok(Ok(())) => {
            metrics.database_up.set(1);
            (StatusCode::OK, "ready\n".into())
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            metrics.database_up.set(0);
            unavailable("database unavailable")
        }
        Err(_) => {
            metrics.database_up.set(0);
            unavailable("database did not answer in time")
        }
    }
}

fn unavailable(why: &str) -> (StatusCode, String) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("not ready: {why}\n"),
    )
}
