//! Who may read which collection. Both collections share their route templates, so the
//! access layer admits every caller with `Feeds` and the `pii` grant that `camera_contacts`
//! needs is decided here.

use axum::http::StatusCode;
use canvass_db::audit;
use canvass_feeds::Collection;

use super::exception::Exception;
use super::state::OgcState;
use crate::http::{ClientInfo, Principal, Refusal};

/// Whether `principal` may read `collection`: personal data needs the `pii` grant.
pub(crate) fn may_read(principal: &Principal, collection: Collection) -> bool {
    principal.pii || !collection.discloses_contacts()
}

/// The collection a path names, if it exists and the caller may read it. A caller without
/// `pii` asking for `camera_contacts` is refused, and the refusal is audited.
pub(crate) async fn collection_for(
    state: &OgcState,
    principal: &Principal,
    client: &ClientInfo,
    id: &str,
) -> Result<Collection, Exception> {
    let collection = Collection::from_id(id).ok_or_else(|| {
        Exception::new(
            StatusCode::NOT_FOUND,
            format!(
                "no collection {:?}; the collections are listed at /ogc/collections",
                canvass_feeds::error::cut(id)
            ),
        )
    })?;
    if may_read(principal, collection) {
        return Ok(collection);
    }
    let db = state.db.client().await.map_err(Refusal::unavailable)?;
    let event = client.event(principal.actor.clone(), "access.pii_denied");
    audit::record(&**db, &event)
        .await
        .map_err(Refusal::unavailable)?;
    Err(Exception::new(
        StatusCode::FORBIDDEN,
        format!("{collection} holds personal data, which needs the pii permission"),
    ))
}
