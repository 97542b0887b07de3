//! The refusal every handler returns: a status and a message that says what was wrong.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A request the server refuses or cannot serve; rendered as `{"error": message}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    status: StatusCode,
    message: Cow<'static, str>,
}

impl ApiError {
    /// A refusal with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 503: the database did not answer.
    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// 503 for a database failure, logged (the error text names no personal data: it comes from
/// the driver and our own context strings).
pub(crate) fn db_unavailable<E: std::fmt::Display>(error: E) -> ApiError {
    tracing::warn!(%error, "database failure");
    ApiError::unavailable()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        crate::auth::deny(self.status, &self.message)
    }
}
