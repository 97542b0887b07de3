//! `/metrics`: the Prometheus text format of the process's metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, TextEncoder};

use crate::metrics::Metrics;

/// `/metrics` in the Prometheus text format.
pub(crate) async fn render(State(metrics): State<Metrics>) -> Response {
    let mut body = Vec::new();
    match TextEncoder::new().encode(&metrics.registry.gather(), &mut body) {
        Ok(()) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode metrics");
            (StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable\n").into_response()
        }
    }
}
