//! OGC API exceptions: `{"code": …, "description": …}` (OGC API – Features, 7.5.1), with the
//! status the standard gives each kind of mistake.

use std::borrow::Cow;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canvass_feeds::QueryError;

use crate::http::Refusal;

/// A refused OGC API request, answered as an exception document.
#[derive(Debug)]
pub(crate) struct Exception(Refusal);

impl Exception {
    /// An exception with `status` and a description for the caller.
    pub(crate) fn new(status: StatusCode, description: impl Into<Cow<'static, str>>) -> Self {
        Exception(Refusal::new(status, description))
    }

    /// What the caller is told.
    #[cfg(test)]
    pub(crate) fn description(&self) -> &str {
        self.0.message()
    }

    /// 400: a parameter the caller can fix.
    pub(crate) fn bad_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
}

impl From<Refusal> for Exception {
    fn from(refusal: Refusal) -> Self {
        Exception(refusal)
    }
}

impl From<QueryError> for Exception {
    /// Every query error is the caller's mistake.
    fn from(error: QueryError) -> Self {
        Self::bad_request(error.to_string())
    }
}

/// The exception code of a status, as OGC API implementations spell them.
fn code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "InvalidParameterValue",
        StatusCode::UNAUTHORIZED => "Unauthorized",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::NOT_ACCEPTABLE => "NotAcceptable",
        StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLarge",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
        StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
        s if s.is_client_error() => "InvalidRequest",
        _ => "ServerError",
    }
}

impl IntoResponse for Exception {
    fn into_response(self) -> Response {
        self.0.respond(|status, description| {
            let body = serde_json::json!({ "code": code(status), "description": description });
            (status, Json(body)).into_response()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_exception_document_with_the_status_and_its_code() {
        let response = Exception::from(QueryError::Cursor).into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "InvalidParameterValue");
        assert!(body["description"].as_str().unwrap().contains("cursor"));
        assert_eq!(code(StatusCode::NOT_ACCEPTABLE), "NotAcceptable");
    }
}
