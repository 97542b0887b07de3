//! Response headers shared by every area.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Marks a response as never to be stored by a cache.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
