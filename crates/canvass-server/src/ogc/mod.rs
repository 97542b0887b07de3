//! OGC API – Features under `/ogc`, for QGIS, GDAL and the records system.
//!
//! Two collections: `cameras` (no personal data), answered from the in-memory index
//! ([`canvass_tiles::features`]), and `camera_contacts` (cameras with their owner's contact),
//! answered by the SQL executor of `canvass-db` in one transaction with its audit row.
//!
//! Access: every route needs the `Feeds` permission (roles analyst, records, admin). Both
//! collections share their route templates, so the `pii` grant that `camera_contacts` needs
//! is checked by the handlers ([`access::collection_for`]): without it the collection is not listed,
//! and asking for it is refused (403, audited as `access.pii_denied` like every other refusal
//! of personal data).
//!
//! The handlers parse a request into one [`canvass_feeds::FeatureQuery`], hand it to an
//! executor and write the page with the encoders of `canvass-feeds`; errors are OGC exception
//! documents ([`exception::Exception`]), 4xx for every caller mistake.

mod access;
mod catalog;
mod collections;
mod download;
mod exception;
mod format;
mod html;
mod items;
mod links;
mod openapi;
mod request;
mod state;

pub use state::OgcSettings;
pub(crate) use state::OgcState;

use axum::extract::FromRef;
use axum::routing::get;
use canvass_model::Permission;

use crate::http::{Access, Routes};

/// The OGC API routes and their policies (all `Feeds`; `camera_contacts` also needs `pii`,
/// checked by the handlers).
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    OgcState: FromRef<S>,
{
    let feeds = Access::Requires(Permission::Feeds);
    Routes::default()
        .route("/ogc", feeds, get(collections::landing))
        // Clients that treat the landing page as a folder (OWSLib) ask for it with a slash.
        .route("/ogc/", feeds, get(collections::landing))
        .route("/ogc/conformance", feeds, get(collections::conformance))
        .route("/ogc/api", feeds, get(openapi::document))
        .route("/ogc/collections", feeds, get(collections::collections))
        .route(
            "/ogc/collections/{collectionId}",
            feeds,
            get(collections::collection),
        )
        .route(
            "/ogc/collections/{collectionId}/queryables",
            feeds,
            get(collections::queryables),
        )
        .route(
            "/ogc/collections/{collectionId}/items",
            feeds,
            get(items::items).post(items::search),
        )
        .route(
            "/ogc/collections/{collectionId}/items/{featureId}",
            feeds,
            get(items::item),
        )
        .route(
            "/ogc/collections/{collectionId}/download",
            feeds,
            get(download::download),
        )
}

/// Whether the handler of `path` reads its own body, within its own limit, so that a filter
/// too long is refused as an OGC exception rather than by the edge's plain 413.
pub(crate) fn reads_its_own_body(path: &str) -> bool {
    path.strip_prefix("/ogc/collections/")
        .and_then(|rest| rest.strip_suffix("/items"))
        .is_some_and(|collection| !collection.is_empty() && !collection.contains('/'))
}
