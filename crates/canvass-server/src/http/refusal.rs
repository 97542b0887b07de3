//! The one refusal every handler returns: a status, a message that says what was wrong, and
//! (for failures of ours) the error behind it. Rendered as `{"error": message}` for APIs and
//! tiles, or as a page by the area that owns an HTML route; logged here, in one place.

use std::borrow::Cow;
use std::error::Error;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::response::no_store;

type Source = Box<dyn Error + Send + Sync + 'static>;

/// A request the server refuses or cannot serve.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message}")]
pub struct Refusal {
    status: StatusCode,
    message: Cow<'static, str>,
    #[source]
    source: Option<Source>,
}

impl Refusal {
    /// A refusal with `status` and `message`; the message is shown to the caller, so it names
    /// no personal data, token or case number.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Refusal {
            status,
            message: message.into(),
            source: None,
        }
    }

    /// 503: the database (or its pool) failed; `source` carries the context of what we were
    /// doing and is logged, never shown.
    pub fn unavailable(source: impl Into<Source>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "database unavailable").caused_by(source)
    }

    /// The same refusal, caused by `source` (logged with it, never shown).
    pub fn caused_by(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The status answered.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message shown to the caller.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Answers with the page `render` builds from the status and message (HTML routes); the
    /// failure is logged first, and the answer is never stored.
    pub(crate) fn respond(self, render: impl FnOnce(StatusCode, &str) -> Response) -> Response {
        self.log();
        no_store(render(self.status, &self.message))
    }

    /// The one log line of a refusal: our own failures (5xx) with their cause. Refusals of the
    /// caller's request are answers, not incidents, and are not logged.
    fn log(&self) {
        if !self.status.is_server_error() {
            return;
        }
        let mut cause = String::new();
        let mut next = self.source.as_deref().map(|e| e as &(dyn Error + 'static));
        while let Some(error) = next {
            if !cause.is_empty() {
                cause.push_str(": ");
            }
            cause.push_str(&error.to_string());
            next = error.source();
        }
        tracing::warn!(status = %self.status, message = %self.message, %cause, "request failed");
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        self.respond(|status, message| {
            (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn json_body_and_no_store() {
        let response = Refusal::new(StatusCode::BAD_REQUEST, "no").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[axum::http::header::CACHE_CONTROL],
            "no-store"
        );
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], br#"{"error":"no"}"#);
    }

    #[test]
    fn unavailable_keeps_its_cause() {
        let refusal = Refusal::unavailable(std::io::Error::other("pool timed out"));
        assert_eq!(refusal.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refusal.message(), "database unavailable");
        assert_eq!(
            refusal.source().map(ToString::to_string).as_deref(),
            Some("pool timed out")
        );
    }
}
