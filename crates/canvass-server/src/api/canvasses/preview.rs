//! `POST /api/v1/canvasses/preview`: the cameras a canvass of this incident and area would
//! list, nearest first, with the same judgements (faces the incident, footage until), before
//! any case number is typed. The officer map shows it the moment the incident is dropped.
//!
//! Nothing is stored and nothing personal is in it (no address, no contact): it tells no more
//! than the camera tiles the caller already sees, measured from a point. So it needs no case
//! number and writes no audit row; the canvass that follows (`create`) does both.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::canvasses::StoredArea;
use canvass_model::canvass::{FootageStatus, PreviewBody, SearchArea, footage_status};
use canvass_tiles::render::views_text;
use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::answer::{MAX_CAMERAS, area_json, decimetres, time, whole_degrees};
use super::create::finding;
use super::{
    CanvassState, MAX_CREATE_BODY, bad_input, check_csrf, check_polygon, json_body,
    search_off_the_workers,
};
use crate::http::{Principal, Refusal};

#[derive(Debug, Serialize)]
struct PreviewJson {
    incident: serde_json::Value,
    incident_time: String,
    area: serde_json::Value,
    found: usize,
    truncated: bool,
    cameras: Vec<PreviewCamera>,
}

/// A camera as the canvass answer lists it, less what only a stored canvass has (status) and
/// what only `pii` callers get (address, contact).
#[derive(Debug, Serialize)]
struct PreviewCamera {
    camera_id: u64,
    rank: usize,
    distance_m: f64,
    bearing_deg: u16,
    faces_incident: &'static str,
    footage_until: Option<String>,
    footage_status: FootageStatus,
    lon: f64,
    lat: f64,
    placement: &'static str,
    views: Vec<String>,
    recording_mode: &'static str,
    can_export: &'static str,
    kind: &'static str,
    retention_days: Option<i16>,
    facing_deg: Option<f32>,
}

/// `POST /api/v1/canvasses/preview`.
pub(crate) async fn preview(
    State(state): State<CanvassState>,
    principal: Principal,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    check_csrf(&principal, &headers)?;
    let body: PreviewBody = json_body(&headers, body, MAX_CREATE_BODY).await?;
    let now = Utc::now();
    let request = body.check(now).map_err(bad_input)?;
    // Only a polygon needs the database (PostGIS judges its validity).
    if matches!(request.area, SearchArea::Polygon(_)) {
        let db = state.db.client().await.map_err(Refusal::unavailable)?;
        check_polygon(&**db, &request.area).await?;
    }
    let snapshot = state
        .tiles
        .snapshot()
        .map_err(|e| Refusal::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    let answer = search_off_the_workers(move || {
        let incident = request.incident;
        let found = snapshot.in_area(incident, &request.area, now)?;
        let cameras: Vec<PreviewCamera> = found
            .iter()
            .take(MAX_CAMERAS)
            .enumerate()
            .map(|(i, nearby)| {
                let camera = nearby.camera;
                let at = camera.lon_lat();
                // The same judgements as the canvass stores: one function for both.
                let finding = finding(
                    camera,
                    nearby.distance_m,
                    incident,
                    request.incident_time,
                    None,
                );
                PreviewCamera {
                    camera_id: camera.id,
                    rank: i + 1,
                    distance_m: decimetres(finding.distance_m),
                    bearing_deg: whole_degrees(finding.bearing_deg),
                    faces_incident: finding.faces_incident.as_str(),
                    footage_until: finding.footage_until.map(time),
                    footage_status: footage_status(finding.footage_until, now),
                    lon: at.lon(),
                    lat: at.lat(),
                    placement: camera.placement.as_str(),
                    views: views_text(camera.views)
                        .split(',')
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    recording_mode: camera.recording_mode.as_str(),
                    can_export: camera.can_export.as_str(),
                    kind: camera.kind.as_str(),
                    retention_days: camera.retention_days(),
                    facing_deg: camera.facing_deg(),
                }
            })
            .collect();
        let radius_m = request.area.radius_m(now);
        let area = area_json(&StoredArea::of(&request.area, radius_m));
        Ok::<_, canvass_tiles::TilesError>(PreviewJson {
            incident: json!({"type": "Point", "coordinates": [incident.lon(), incident.lat()]}),
            incident_time: time(request.incident_time),
            area,
            found: found.len(),
            truncated: found.len() > MAX_CAMERAS,
            cameras,
        })
    })
    .await?;
    let bytes = serde_json::to_vec(&answer).map_err(|e| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the preview",
        )
        .caused_by(e)
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}
