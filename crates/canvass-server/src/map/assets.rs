//! The map's own script and stylesheet, compiled into the binary and served with an ETag, so
//! that a laptop on a poor link revalidates them with a 304 instead of fetching them again.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A file served from the binary.
pub(crate) struct Asset {
    /// Where it is served.
    pub path: &'static str,
    content_type: &'static str,
    body: &'static str,
    etag: LazyLock<String>,
}

fn etag_of(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// `/static/map.js`.
pub(crate) static MAP_JS: Asset = Asset {
    path: "/static/map.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("map.js"),
    etag: LazyLock::new(|| etag_of(include_str!("map.js"))),
};

/// `/static/map.css`.
pub(crate) static MAP_CSS: Asset = Asset {
    path: "/static/map.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("map.css"),
    etag: LazyLock::new(|| etag_of(include_str!("map.css"))),
};

impl Asset {
    /// The file, or 304 when the client's copy is current. Cached for an hour, then
    /// revalidated: a new release reaches every laptop within the hour.
    fn respond(&self, headers: &HeaderMap) -> Response {
        let etag = self.etag.as_str();
        let matches = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|tag| tag.trim() == etag || tag.trim() == "*")
            });
        let tag = HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\""));
        let cache = (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
        if matches {
            return (StatusCode::NOT_MODIFIED, [cache, (header::ETAG, tag)]).into_response();
        }
        (
            [
                cache,
                (header::ETAG, tag),
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                ),
            ],
            self.body,
        )
            .into_response()
    }
}

/// `GET /static/map.js`.
pub(crate) async fn script(headers: HeaderMap) -> Response {
    MAP_JS.respond(&headers)
}

/// `GET /static/map.css`.
pub(crate) async fn stylesheet(headers: HeaderMap) -> Response {
    MAP_CSS.respond(&headers)
}
