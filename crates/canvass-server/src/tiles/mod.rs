//! Access-controlled vector tiles of the cameras, served from memory.
//!
//! `GET /tiles/{layers}/{z}/{x}/{y}.mvt` (layers: `cameras`, `camera_fov`, `coverage`, comma
//! separated) and `GET /tiles/{layers}.json` (TileJSON 3.0). Tiles are encoded in process from
//! the [`canvass_tiles::CameraIndex`], which the [`crate::sync`] task keeps current, and kept in
//! a [`canvass_tiles::TileCache`] that a camera change evicts from exactly where it shows.
//!
//! Below `points_from_zoom` every request gets the `coverage` layer: counts on a 64 × 64 grid
//! that add up to the cameras of the tile, instead of huge tiles or silently dropped points.
//! A tile without features is `204 No Content`.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::extract::{FromRequestParts, Path, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use canvass_geo::TileId;
use canvass_model::Permission;
use canvass_tiles::render;
use canvass_tiles::{
    CacheLookup, EncodedTile, Layer, LayerListError, LayerSet, TileService, TilesError,
};

use crate::http::{Access, Refusal, Routes};
use crate::metrics::Metrics;

/// Tiles are private to signed-in callers; clients may keep them but must ask again (with
/// `If-None-Match`) before each use, so that a client without credentials never reuses them.
const TILE_CACHE_CONTROL: &str = "private, no-cache";
const MVT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// The tile routes and their policies.
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<TileService>: FromRef<S>,
    Metrics: FromRef<S>,
{
    Routes::default()
        .route(
            "/tiles/{tileset}",
            Access::Requires(Permission::ViewMap),
            get(tilejson),
        )
        .route(
            "/tiles/{layers}/{z}/{x}/{y}",
            Access::Requires(Permission::ViewMap),
            get(tile),
        )
}

/// `GET /tiles/{layers}/{z}/{x}/{y}.mvt`.
pub(crate) async fn tile(
    State(tiles): State<Arc<TileService>>,
    State(metrics): State<Metrics>,
    params: RawPathParams,
    TileHeaders(headers): TileHeaders,
) -> Result<Response, Refusal> {
    // Borrowed from the route's parameters: a warm tile should not allocate to be parsed.
    let (mut layers, mut z, mut x, mut y_file) = ("", "", "", "");
    for (name, value) in &params {
        match name {
            "layers" => layers = value,
            "z" => z = value,
            "x" => x = value,
            _ => y_file = value,
        }
    }
    let requested = parse_layers(layers)?;
    let y = y_file.strip_suffix(".mvt").ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "tile addresses end in .mvt, e.g. /tiles/cameras/14/2638/6321.mvt",
        )
    })?;
    let tile = parse_tile(z, x, y, tiles.settings.max_zoom)?;
    let (encoded, lookup) = tiles
        .tile(tiles.key(requested, tile))
        .map_err(unavailable)?;
    match lookup {
        CacheLookup::Hit => metrics.tile_cache_hits.inc(),
        CacheLookup::Miss => metrics.tile_cache_misses.inc(),
        CacheLookup::Disabled => {}
    }
    Ok(respond(&encoded, &headers))
}

/// The two request headers a tile answer depends on (`If-None-Match`, `Accept-Encoding`),
/// taken without copying the rest.
pub(crate) struct TileHeaders(HeaderMap);

impl<S: Send + Sync> FromRequestParts<S> for TileHeaders {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut kept = HeaderMap::new();
        for name in [header::IF_NONE_MATCH, header::ACCEPT_ENCODING] {
            for value in parts.headers.get_all(&name) {
                kept.append(name.clone(), value.clone());
            }
        }
        Ok(TileHeaders(kept))
    }
}

fn respond(encoded: &EncodedTile, request: &HeaderMap) -> Response {
    let cache_control = (
        header::CACHE_CONTROL,
        HeaderValue::from_static(TILE_CACHE_CONTROL),
    );
    if encoded.bytes.is_empty() {
        return (StatusCode::NO_CONTENT, [cache_control]).into_response();
    }
    // A hex hash in quotes: always a valid header value.
    let etag = HeaderValue::from_maybe_shared(encoded.etag.clone())
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    let etag = (header::ETAG, etag);
    let vary = (header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if etag_matches(request, &encoded.etag) {
        return (StatusCode::NOT_MODIFIED, [cache_control, etag, vary]).into_response();
    }
    let content_type = (header::CONTENT_TYPE, HeaderValue::from_static(MVT_TYPE));
    if let Some(gzip) = accepts_gzip(request).then(|| encoded.gzip()).flatten() {
        let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return ([cache_control, etag, vary, content_type, encoding], gzip).into_response();
    }
    (
        [cache_control, etag, vary, content_type],
        encoded.bytes.clone(),
    )
        .into_response()
}

fn etag_matches(request: &HeaderMap, etag: &[u8]) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag.as_bytes() == etag)
}

fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// A tile address from its three path segments, refused with a message that names the problem.
pub(crate) fn parse_tile(z: &str, x: &str, y: &str, max_zoom: u8) -> Result<TileId, Refusal> {
    TileId::new(
        coordinate("z", z)?,
        coordinate("x", x)?.into(),
        coordinate("y", y)?.into(),
        max_zoom,
    )
    .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, e.to_string()))
}

fn parse_layers(list: &str) -> Result<LayerSet, Refusal> {
    LayerSet::parse(list).map_err(|e| match e {
        LayerListError::Unknown(_) => Refusal::new(StatusCode::NOT_FOUND, e.to_string()),
        LayerListError::Malformed(_) => Refusal::new(StatusCode::BAD_REQUEST, e.to_string()),
    })
}

/// A tile coordinate: digits only, so that `-1`, `+1`, ` 1` and `1e3` are refused by name.
fn coordinate(name: &str, text: &str) -> Result<u32, Refusal> {
    let shown: String = text.chars().take(24).collect();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("{name} must be a whole number of 0 or more, got {shown:?}"),
        ));
    }
    text.parse().map_err(|_| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("{name} {shown} is far out of range"),
        )
    })
}

fn unavailable(e: TilesError) -> Refusal {
    Refusal::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

/// `GET /tiles/{layers}.json`: TileJSON 3.0.
pub(crate) async fn tilejson(
    State(tiles): State<Arc<TileService>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let list = file.strip_suffix(".json").ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "TileJSON is at /tiles/{layers}.json, e.g. /tiles/cameras.json",
        )
    })?;
    let requested = parse_layers(list)?;
    let settings = tiles.settings;
    let snapshot = tiles.snapshot().map_err(unavailable)?;
    let bounds = snapshot
        .bounds_lon_lat()
        .unwrap_or([-180.0, -85.051_128, 180.0, 85.051_128]);
    let center = [
        (bounds[0] + bounds[2]) / 2.0,
        (bounds[1] + bounds[3]) / 2.0,
        f64::from(settings.points_from_zoom),
    ];
    let last_counts = settings.points_from_zoom.saturating_sub(1);
    let mut vector_layers = Vec::new();
    let mut add = |layer: Layer, minzoom: u8, maxzoom: u8| {
        let (fields, description): (&[&str], &str) = match layer {
            Layer::Cameras => (
                render::CAMERA_FIELDS,
                "One point per active camera; the feature id is the camera id.",
            ),
            Layer::CameraFov => (
                render::FOV_FIELDS,
                "Where each camera with a facing looks (90° and 30 m when the owner did not say).",
            ),
            Layer::Coverage => (
                render::COVERAGE_FIELDS,
                "Active cameras counted on a 64 × 64 grid per tile.",
            ),
        };
        let fields: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|f| ((*f).to_owned(), field_type(f).into()))
            .collect();
        vector_layers.push(serde_json::json!({
            "id": layer.name(),
            "description": description,
            "minzoom": minzoom,
            "maxzoom": maxzoom,
            "fields": fields,
        }));
    };
    let wants_points = requested.contains(Layer::Cameras) || requested.contains(Layer::CameraFov);
    for layer in requested.iter() {
        match layer {
            Layer::Coverage => add(layer, 0, settings.max_zoom),
            _ => add(layer, settings.points_from_zoom, settings.max_zoom),
        }
    }
    if wants_points && !requested.contains(Layer::Coverage) {
        add(Layer::Coverage, 0, last_counts);
    }
    let body = serde_json::json!({
        "tilejson": "3.0.0",
        "name": format!("Canvass {requested}"),
        "scheme": "xyz",
        "tiles": [format!("{}/tiles/{requested}/{{z}}/{{x}}/{{y}}.mvt", origin(&headers))],
        "minzoom": 0,
        "maxzoom": settings.max_zoom,
        "bounds": bounds,
        "center": center,
        "vector_layers": vector_layers,
    });
    Ok(axum::Json(body).into_response())
}

fn field_type(field: &str) -> &'static str {
    match field {
        "facing_deg" | "fov_deg" | "range_m" | "retention_days" | "count" => "Number",
        _ => "String",
    }
}

/// `http://host` from the request, for absolute tile URLs; empty (relative URLs) when the
/// Host header is missing or not a plain host name.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        });
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    match host {
        Some(host) => format!("{}://{host}", if https { "https" } else { "http" }),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn coordinates_are_digits_only() {
        assert_eq!(coordinate("x", "17").unwrap(), 17);
        for bad in ["-1", "+1", " 1", "1e3", "", "abc", "99999999999999999999"] {
            assert!(coordinate("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn conditional_and_compressed_requests() {
        let tag = b"\"abc\"";
        assert!(etag_matches(
            &headers(header::IF_NONE_MATCH, "\"x\", W/\"abc\""),
            tag
        ));
        assert!(etag_matches(&headers(header::IF_NONE_MATCH, "*"), tag));
        assert!(!etag_matches(
            &headers(header::IF_NONE_MATCH, "\"abcd\""),
            tag
        ));
        assert!(accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "br, gzip;q=0.8"
        )));
        assert!(!accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "gzip;q=0, br"
        )));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn origin_only_from_a_plain_host() {
        assert_eq!(
            origin(&headers(header::HOST, "127.0.0.1:8080")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin(&headers(header::HOST, "evil\"><script>")), "");
    }
}
