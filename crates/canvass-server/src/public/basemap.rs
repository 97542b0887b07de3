//! The public basemap of the pin map: streets and the jurisdiction's outline, as vector tiles.
//! Reference data only — nothing about the registry — so it needs no sign-in. PostGIS encodes
//! these few lines directly; they change only when an operator imports new reference data.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::{ApiError, db_unavailable};

/// Deepest basemap zoom; the map overzooms beyond it.
const BASEMAP_MAX_ZOOM: u8 = 16;

const BASEMAP_TILE: &str = "
    WITH area AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
                         ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS wgs)
    SELECT coalesce((SELECT ST_AsMVT(s, 'streets', 4096, 'geom') FROM (
               SELECT st.name, st.class,
                      ST_AsMVTGeom(ST_Transform(st.geom, 3857), area.env, 4096, 64, true) AS geom
                 FROM streets st, area WHERE st.geom && area.wgs) s
             WHERE s.geom IS NOT NULL), ''::bytea)
        || coalesce((SELECT ST_AsMVT(j, 'jurisdiction', 4096, 'geom') FROM (
               SELECT ju.name,
                      ST_AsMVTGeom(ST_Boundary(ST_Transform(ju.boundary, 3857)), area.env, 4096, 64, true) AS geom
                 FROM jurisdiction ju, area WHERE ju.boundary && area.wgs) j
             WHERE j.geom IS NOT NULL), ''::bytea)";

/// Where the pin map opens: a point inside the jurisdiction.
const JURISDICTION_CENTRE: &str = "SELECT ST_X(p), ST_Y(p) FROM (
    SELECT ST_PointOnSurface(boundary) AS p FROM jurisdiction ORDER BY id DESC LIMIT 1) t";

/// `GET /public/tiles/basemap/{z}/{x}/{y}.mvt`.
pub(crate) async fn tile(
    State(state): State<AppState>,
    Path((z, x, y_file)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let y = y_file
        .strip_suffix(".mvt")
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "tile addresses end in .mvt"))?;
    let tile = crate::tiles::parse_tile(&z, &x, y, BASEMAP_MAX_ZOOM)?;
    let client = state.db.client().await.map_err(db_unavailable)?;
    let (z, x, y) = (i32::from(tile.z), tile.x as i32, tile.y as i32);
    let bytes: Vec<u8> = client
        .query_one(BASEMAP_TILE, &[&z, &x, &y])
        .await
        .map_err(db_unavailable)?
        .get(0);
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
pub(crate) async fn map_centre(state: &AppState) -> Option<(f64, f64)> {
    state.public.maplibre.as_ref()?;
    let client = state.db.client().await.ok()?;
    let row = client.query_opt(JURISDICTION_CENTRE, &[]).await.ok()??;
    Some((row.get(0), row.get(1)))
}
