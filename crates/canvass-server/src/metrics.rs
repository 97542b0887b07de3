//! Prometheus metrics: request counts and latency per route, database reachability, the tile
//! index, and the mail outbox (backlog, sent, retried, failed).

use std::sync::Arc;
use std::time::Instant;

use axum::http::{Method, StatusCode};
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

/// The server's metrics and their registry, shared: cloned for every request that uses them,
/// so a clone is one reference count.
#[derive(Debug, Clone)]
pub struct Metrics(Arc<MetricSet>);

impl std::ops::Deref for Metrics {
    type Target = MetricSet;

    fn deref(&self) -> &MetricSet {
        &self.0
    }
}

/// The metrics themselves.
#[derive(Debug)]
pub struct MetricSet {
    /// Every metric, for the `/metrics` text.
    pub(crate) registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// 1 when the last readiness check reached the database.
    pub database_up: IntGauge,
    /// Tile cache lookups that found the tile.
    pub tile_cache_hits: IntCounter,
    /// Tile cache lookups that had to render it.
    pub tile_cache_misses: IntCounter,
    /// Active cameras in the in-memory tile index.
    pub tile_index_cameras: IntGauge,
    /// Batches of changes applied to the tile index.
    pub tile_index_updates: prometheus::IntCounter,
    /// Owner messages waiting in the outbox (due now or later).
    pub mail_backlog: IntGauge,
    /// Owner messages accepted by the relay.
    pub mail_sent: IntCounter,
    /// Owner messages that failed transiently and wait for another attempt.
    pub mail_retried: IntCounter,
    /// Owner messages refused for good or given up (their entries await review).
    pub mail_failed: IntCounter,
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
        let mail_backlog = IntGauge::new(
            "mail_outbox_backlog",
            "Owner messages waiting in the outbox, due now or later",
        )?;
        let mail = IntCounterVec::new(
            Opts::new(
                "mail_messages_total",
                "Owner messages settled by this process's outbox sender, by outcome",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(mail_backlog.clone()))?;
        registry.register(Box::new(mail.clone()))?;
        registry.register(Box::new(tile_cache.clone()))?;
        registry.register(Box::new(tile_index_cameras.clone()))?;
        registry.register(Box::new(tile_index_updates.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(database_up.clone()))?;
        Ok(Metrics(Arc::new(MetricSet {
            registry,
            requests,
            latency,
            database_up,
            // Resolved once: a tile request should not hash a label to count itself.
            tile_cache_hits: tile_cache.with_label_values(&["hit"]),
            tile_cache_misses: tile_cache.with_label_values(&["miss"]),
            tile_index_cameras,
            tile_index_updates,
            mail_backlog,
            mail_sent: mail.with_label_values(&["sent"]),
            mail_retried: mail.with_label_values(&["retried"]),
            mail_failed: mail.with_label_values(&["failed"]),
        })))
    }

    /// Counts and times a request under its route template (never the raw path, which could
    /// carry tokens or unbounded label values).
    pub(crate) fn record_request(
        &self,
        route: &str,
        method: &Method,
        status: StatusCode,
        started: Instant,
    ) {
        self.latency
            .with_label_values(&[route, method.as_str()])
            .observe(started.elapsed().as_secs_f64());
        self.requests
            .with_label_values(&[route, method.as_str(), status.as_str()])
            .inc();
    }
}
