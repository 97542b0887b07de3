//! `GET /api/v1/places?q=1234 Main St`: the officer map's address search. The text is read
//! by the same parser as a registration's address and looked up on the imported address
//! points (`canvass_db::places::geocode`); the answer lists every match, at most
//! `places::MAX_CANDIDATES`, so that the officer picks one when a number repeats on streets
//! that share a name. Reference data only: nothing about the registry is in it.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use canvass_db::places;
use canvass_model::address::parse_street_address;
use serde::{Deserialize, Serialize};

use super::CanvassState;
use crate::http::Refusal;

/// Longest search text accepted; an address is far shorter.
const MAX_QUERY: usize = 200;

#[derive(Debug, Deserialize)]
pub(crate) struct PlacesQuery {
    q: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PlacesJson {
    places: Vec<PlaceJson>,
}

#[derive(Debug, Serialize)]
struct PlaceJson {
    label: String,
    lon: f64,
    lat: f64,
}

/// `GET /api/v1/places?q=`.
pub(crate) async fn search(
    State(state): State<CanvassState>,
    query: Result<Query<PlacesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PlacesJson>, Refusal> {
    let refuse = |why: String| Refusal::new(StatusCode::BAD_REQUEST, format!("q: {why}"));
    let Query(query) = query.map_err(|e| refuse(e.body_text()))?;
    let text = query.q.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Err(refuse("type an address, e.g. 1234 Main St".into()));
    }
    if text.chars().count() > MAX_QUERY {
        return Err(refuse(format!("is longer than {MAX_QUERY} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(refuse("holds control characters".into()));
    }
    let typed = parse_street_address(text).map_err(|e| refuse(e.to_string()))?;
    let client = state.db.client().await.map_err(Refusal::unavailable)?;
    let found = places::geocode(&**client, &typed.number, &typed.street_key)
        .await
        .map_err(Refusal::unavailable)?;
    let places = found
        .into_iter()
        .map(|c| {
            let mut label = format!("{} {}", c.number, c.street);
            if let Some(city) = c.city.filter(|c| !c.is_empty()) {
                label.push_str(", ");
                label.push_str(&city);
            }
            PlaceJson {
                label,
                lon: c.location.lon(),
                lat: c.location.lat(),
            }
        })
        .collect();
    Ok(Json(PlacesJson { places }))
}
