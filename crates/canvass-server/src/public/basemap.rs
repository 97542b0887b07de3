//! The public basemap of the pin map: streets and the jurisdiction's outline, as vector tiles.
//! Reference data only — nothing about the registry — so it needs no sign-in. PostGIS encodes
//! these few lines directly; they change only when an operator imports new reference data.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::places;
use canvass_geo::LonLat;

use super::settings::PublicState;
use crate::http::Refusal;

/// Deepest basemap zoom; the map overzooms beyond it.
const BASEMAP_MAX_ZOOM: u8 = 16;

/// `GET /public/tiles/basemap/{z}/{x}/{y}.mvt`.
pub(crate) async fn tile(
    State(state): State<PublicState>,
    Path((z, x, y_file)): Path<(String, String, String)>,
) -> Result<Response, Refusal> {
    let y = y_file
        .strip_suffix(".mvt")
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "tile addresses end in .mvt"))?;
    let tile = crate::tiles::parse_tile(&z, &x, y, BASEMAP_MAX_ZOOM)?;
    let client = state.db.client().await.map_err(Refusal::unavailable)?;
    let (z, x, y) = (i32::from(tile.z), tile.x as i32, tile.y as i32);
    let bytes = places::basemap_tile(&**client, z, x, y)
        .await
        .map_err(Refusal::unavailable)?;
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if bytes.is_empty() {
        return Ok((StatusCode::NO_CONTENT, [cache]).into_response());
    }
    Ok((
        [
            cache,
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Where the pin map opens (a point inside the jurisdiction); `None` when there is no map to
/// show (no map library, or no jurisdiction loaded), so no query is made for nothing.
/// A failure to find it is logged and answered as no centre.
pub(crate) async fn map_centre(state: &PublicState) -> Option<LonLat> {
    state.settings.maplibre.as_ref()?;
    let centre = async {
        let client = state.db.client().await?;
        places::jurisdiction_centre(&**client).await
    }
    .await;
    // Without a centre the form still works (the map opens on the whole world): log and go on.
    centre.unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot find where the pin map opens");
        None
    })
}
