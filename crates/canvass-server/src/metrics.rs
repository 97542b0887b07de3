//! Prometheus metrics: request counts and latency per route, database reachability.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

/// The server's metrics and their registry.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Every metric, for the `/metrics` text.
    pub(crate) registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// 1 when the last readiness check reached the database.
    pub database_up: IntGauge,
    /// Tile cache lookups by result (hit, miss).
    pub tile_cache: IntCounterVec,
    /// Active cameras in the in-memory tile index.
    pub tile_index_cameras: IntGauge,
    /// Batches of changes applied to the tile index.
    pub tile_index_updates: prometheus::IntCounter,
}

impl Metrics {
    /// Creates and registers the metrics.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("canvass".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route", "method"],
        )?;
        let database_up = IntGauge::new(
            "database_up",
            "1 when the database answered the last readiness check",
        )?;
        let tile_cache = IntCounterVec::new(
            Opts::new("tile_cache_lookups_total", "Tile cache lookups by result"),
            &["result"],
        )?;
        let tile_index_cameras =
            IntGauge::new("tile_index_cameras", "Active cameras in the tile index")?;
        let tile_index_updates = prometheus::IntCounter::new(
            "tile_index_updates_total",
            "Batches of camera changes applied to the tile index",
        )?;
        registry.register(Box::new(tile_cache.clone()))?;
        registry.register(Box::new(tile_index_cameras.clone()))?;
        registry.register(Box::new(tile_index_updates.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(database_up.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            database_up,
            tile_cache,
            tile_index_cameras,
            tile_index_updates,
        })
    }
}

/// Counts and times every request under its route template (never the raw path, which could
/// carry tokens or unbounded label values).
pub(crate) async fn track(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .latency
        .with_label_values(&[&route, &method])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[&route, &method, response.status().as_str()])
        .inc();
    response
}
