//! `POST /api/v1/canvasses`: the request checked, the incident placed (a point, or an address
//! geocoded on the imported address points), the area searched in the in-memory camera index
//! (nearest the incident first), and the canvass, its cameras, its audit row and any
//! disclosure of contacts written in one transaction, the audit rows last. The answer is made
//! from the search, not read back.

use std::collections::HashSet;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::audit::{self, Event};
use canvass_db::canvasses::{
    self, Canvass, CanvassCamera, Finding, NewCanvass, StatusEntry, StoredArea,
};
use canvass_db::places::{self, Located};
use canvass_model::View;
use canvass_model::canvass::{CanvassBody, Incident, SearchArea, faces_incident, footage_until};
use canvass_tiles::index::Camera;
use canvass_tiles::search::bearing_deg;
use canvass_tiles::{LonLat, TilesError};
use chrono::{DateTime, Utc};
use serde_json::json;
use tokio_postgres::GenericClient;

use super::answer::{self, MAX_CAMERAS};
use super::read::ContactsQuery;
use super::{
    CanvassState, MAX_CREATE_BODY, bad_input, check_csrf, check_polygon, db_failure, json_body,
    search_off_the_workers,
};
use crate::http::{ClientInfo, Principal, Refusal};

/// `POST /api/v1/canvasses` (`?contacts=false` leaves contacts out even for `pii` callers).
pub(crate) async fn create(
    State(state): State<CanvassState>,
    principal: Principal,
    client: ClientInfo,
    Query(query): Query<ContactsQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    check_csrf(&principal, &headers)?;
    let body: CanvassBody = json_body(&headers, body, MAX_CREATE_BODY).await?;
    let now = Utc::now();
    let request = body.check(&state.case_numbers, now).map_err(bad_input)?;
    let snapshot = state
        .tiles
        .snapshot()
        .map_err(|e| Refusal::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
    let tx = db
        .transaction()
        .await
        .map_err(DbError::pg("begin a canvass"))
        .map_err(Refusal::unavailable)?;
    let incident = place(&*tx, &request.incident).await?;
    check_polygon(&*tx, &request.area).await?;
    let previous = match request.area {
        SearchArea::MissingPerson { .. } => canvasses::previous_run(&*tx, &request.case_number)
            .await
            .map_err(Refusal::unavailable)?,
        _ => None,
    };
    let radius_m = request.area.radius_m(now);
    let (previous_id, earlier) = match previous {
        Some((id, cameras)) => (Some(id), Some(cameras)),
        None => (None, None),
    };
    let (area, incident_time) = (request.area.clone(), request.incident_time);
    let (found, kept) = search_off_the_workers(move || {
        let found: Vec<(&Camera, f64)> = snapshot
            .in_area(incident, &area, now)?
            .into_iter()
            .map(|n| (n.camera, n.distance_m))
            .collect();
        let kept: Vec<(Finding, Camera)> = found
            .iter()
            .take(MAX_CAMERAS)
            .map(|(camera, distance)| {
                let finding = finding(camera, *distance, incident, incident_time, earlier.as_ref());
                (finding, **camera)
            })
            .collect();
        Ok::<_, TilesError>((found.len(), kept))
    })
    .await?;
    let address = match &request.incident {
        Incident::Address(address) => Some(address.as_str()),
        Incident::At(_) => None,
    };
    let findings: Vec<Finding> = kept.iter().map(|(f, _)| f.clone()).collect();
    let stored = canvasses::create(
        &*tx,
        &NewCanvass {
            case_number: &request.case_number,
            reason: &request.reason,
            incident,
            incident_address: address,
            incident_time: request.incident_time,
            area: &request.area,
            radius_m,
            found,
            previous_id,
            created_by: &principal.actor,
        },
        &findings,
    )
    .await
    .map_err(Refusal::unavailable)?;
    // The answer is what was just stored, from the search itself: reading it back would
    // cost more than the search.
    let mut canvass = Canvass {
        id: stored.id,
        case_number: request.case_number.clone(),
        reason: Some(request.reason.clone()),
        incident,
        incident_address: address.map(str::to_owned),
        incident_time: request.incident_time,
        area: StoredArea::of(&request.area, radius_m),
        found: i64::try_from(found).unwrap_or(i64::MAX),
        previous_id,
        created_at: stored.created_at,
        created_by: stored.created_by,
        cameras: kept
            .iter()
            .zip(1..)
            .map(|((finding, camera), rank)| canvass_camera(finding, camera, rank))
            .collect(),
    };
    let opened = if query.contacts() && principal.pii {
        // Only the owners still registered are answered with, as a read of the canvass would.
        let (owners, contacts) =
            canvasses::owner_contacts(&*tx, &*state.keys, &findings_ids(&findings))
                .await
                .map_err(db_failure)?;
        canvass.cameras.retain_mut(|camera| {
            camera.owner = owners.get(&camera.camera_id).cloned();
            camera.owner.is_some()
        });
        let disclosure = answer::disclosure(&principal, &client, &canvass, &contacts);
        Some((contacts, disclosure))
    } else {
        None
    };
    let bytes = answer::json(&canvass, opened.as_ref().map(|(contacts, _)| contacts), now)?;
    let kept_ids: Vec<i64> = canvass.cameras.iter().map(|c| c.camera_id).collect();
    let event = Event {
        case_number: Some(request.case_number.clone()),
        reason: Some(request.reason.clone()),
        ..client
            .event(principal.actor.clone(), "canvass.create")
            .records(&kept_ids)
            .details(json!({
                "canvass_id": stored.id,
                "area": request.area.kind().as_str(),
                "found": found,
                "kept": kept_ids.len(),
            }))
    };
    // The audit rows last: the chain's lock is held from the first of them to the commit,
    // and every other canvass waits for it.
    let disclosure = opened.and_then(|(_, disclosure)| disclosure);
    if disclosure.is_none() {
        canvasses::commit_without_flush(&*tx)
            .await
            .map_err(Refusal::unavailable)?;
    }
    for event in std::iter::once(&event).chain(disclosure.as_ref()) {
        audit::record(&*tx, event)
            .await
            .map_err(Refusal::unavailable)?;
    }
    tx.commit()
        .await
        .map_err(DbError::pg("commit a canvass"))
        .map_err(Refusal::unavailable)?;
    let id = stored.id;
    let location = HeaderValue::from_str(&format!("/api/v1/canvasses/{id}")).map_err(|e| {
        Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "cannot name the canvass").caused_by(e)
    })?;
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Where the incident is: the point given, or the one address point the address names
/// (inside the jurisdiction), by the same rule as a registration's address.
async fn place(tx: &impl GenericClient, incident: &Incident) -> Result<LonLat, Refusal> {
    let address = match incident {
        Incident::At(point) => return Ok(*point),
        Incident::Address(address) => address,
    };
    let refuse = |why: &str| Refusal::new(StatusCode::BAD_REQUEST, format!("address: {why}"));
    match places::locate(tx, address, None).await {
        Ok(Located::At(point)) => Ok(point),
        Ok(Located::NotFound) => Err(refuse(
            "no imported address point matches it; give the incident as a point",
        )),
        Ok(Located::Ambiguous) => Err(refuse(
            "several places match it; give the incident as a point",
        )),
        Ok(Located::Outside) => Err(refuse("it lies outside the jurisdiction")),
        Err(DbError::NoJurisdiction) => Err(refuse(
            "addresses cannot be placed before a jurisdiction boundary is imported; give the \
             incident as a point",
        )),
        Err(e) => Err(Refusal::unavailable(e)),
    }
}

fn findings_ids(findings: &[Finding]) -> Vec<i64> {
    findings.iter().map(|f| f.camera_id).collect()
}

/// A camera of the new canvass's answer, from the index: nobody has recorded an outcome yet,
/// and its owner is read only for a caller who opens contacts.
fn canvass_camera(finding: &Finding, camera: &Camera, rank: i32) -> CanvassCamera {
    CanvassCamera {
        camera_id: finding.camera_id,
        rank,
        distance_m: finding.distance_m,
        bearing_deg: finding.bearing_deg,
        faces_incident: finding.faces_incident,
        footage_until: finding.footage_until,
        new_since_previous: finding.new_since_previous,
        status: StatusEntry::default(),
        placement: camera.placement,
        views: View::from_mask(camera.views).collect(),
        recording_mode: camera.recording_mode,
        can_export: camera.can_export,
        kind: camera.kind,
        retention_days: camera.retention_days().map(i32::from),
        facing_deg: camera.facing_deg(),
        at: camera.lon_lat(),
        owner: None,
    }
}

/// What is kept of a camera found: where it is from the incident, whether it faces it, until
/// when its footage is likely kept, and (in a re-run) whether the run before missed it.
pub(crate) fn finding(
    camera: &Camera,
    distance: f64,
    incident: LonLat,
    incident_time: DateTime<Utc>,
    earlier: Option<&HashSet<i64>>,
) -> Finding {
    let at = camera.lon_lat();
    let camera_id = i64::try_from(camera.id).unwrap_or(i64::MAX);
    // Stored to the tenth of a degree, within [0, 360).
    let bearing = (bearing_deg(incident, at) * 10.0).round() / 10.0;
    let bearing = if bearing >= 360.0 { 0.0 } else { bearing };
    Finding {
        camera_id,
        distance_m: distance as f32,
        bearing_deg: bearing as f32,
        faces_incident: faces_incident(camera.wedge(), bearing_deg(at, incident), distance),
        footage_until: footage_until(incident_time, camera.retention_days().map(i32::from)),
        new_since_previous: earlier.map(|ids| !ids.contains(&camera_id)),
    }
}
