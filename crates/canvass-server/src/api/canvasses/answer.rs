//! The one shape of a canvass, in JSON and in CSV, for every client (the officer map, the
//! QGIS plugin, scripts). Owners' addresses and contacts appear only when [`contacts`] opened
//! them for a caller with `pii`, and that opening is audited on the caller's transaction.

use std::collections::HashMap;

use axum::http::StatusCode;
use canvass_db::audit::{self, Event};
use canvass_db::canvasses::{Canvass, CanvassCamera, StatusEntry, StoredArea};
use canvass_db::registrations::{self, ActiveContact};
use canvass_model::canvass::{FootageStatus, footage_status};
use canvass_model::csv::{CsvWriter, Quoting};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;
use tokio_postgres::GenericClient;

use super::db_failure;
use crate::contact_key_ring::ContactKeys;
use crate::http::{ClientInfo, Principal, Refusal};

/// Most cameras an answer holds (and a canvass keeps): the nearest to the incident. A
/// canvass finding more says so (`found`, `truncated`); a smaller area finds the rest.
pub(crate) const MAX_CAMERAS: usize = 5_000;

/// Owners' contacts by registration id, opened for this answer.
pub(crate) type Contacts = HashMap<i64, ActiveContact>;

/// The contacts of `canvass`'s owners when the caller has `pii` and `wanted` them (`None`
/// otherwise), with one `contact.disclose` audit row naming the registrations, the case and
/// the canvass, on `tx`: the disclosure and its record commit together or not at all.
pub(crate) async fn contacts(
    tx: &impl GenericClient,
    keys: &ContactKeys,
    principal: &Principal,
    client: &ClientInfo,
    canvass: &Canvass,
    wanted: bool,
) -> Result<Option<Contacts>, Refusal> {
    if !principal.pii || !wanted {
        return Ok(None);
    }
    let mut owners: Vec<i64> = canvass
        .cameras
        .iter()
        .filter_map(CanvassCamera::registration_id)
        .collect();
    owners.sort_unstable();
    owners.dedup();
    let contacts = registrations::active_contacts(tx, keys, &owners)
        .await
        .map_err(db_failure)?;
    if let Some(event) = disclosure(principal, client, canvass, &contacts) {
        audit::record(tx, &event)
            .await
            .map_err(Refusal::unavailable)?;
    }
    Ok(Some(contacts))
}

/// The `contact.disclose` audit row for opening `contacts` of `canvass`'s owners (`None` when
/// no owner was still registered: nothing was disclosed).
pub(crate) fn disclosure(
    principal: &Principal,
    client: &ClientInfo,
    canvass: &Canvass,
    contacts: &Contacts,
) -> Option<Event> {
    if contacts.is_empty() {
        return None;
    }
    let mut disclosed: Vec<i64> = contacts.keys().copied().collect();
    disclosed.sort_unstable();
    Some(Event {
        case_number: Some(canvass.case_number.clone()),
        reason: canvass.reason.clone(),
        ..client
            .event(principal.actor.clone(), "contact.disclose")
            .records(&disclosed)
            .details(json!({ "canvass_id": canvass.id }))
    })
}

pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Metres to the decimetre, degrees to the degree: what a map or a sheet shows.
pub(crate) fn decimetres(metres: f32) -> f64 {
    (f64::from(metres) * 10.0).round() / 10.0
}

pub(crate) fn whole_degrees(degrees: f32) -> u16 {
    // A bearing is stored in [0, 360); rounding 359.5 up is north again.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = f64::from(degrees).round().rem_euclid(360.0) as u16;
    whole
}

#[derive(Debug, Serialize)]
struct CanvassJson<'a> {
    id: i64,
    case_number: &'a str,
    reason: Option<&'a str>,
    incident_time: String,
    incident: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    area: serde_json::Value,
    found: i64,
    truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_run_id: Option<i64>,
    created_at: String,
    created_by: Option<&'a str>,
    cameras: Vec<CameraJson<'a>>,
}

#[derive(Debug, Serialize)]
struct CameraJson<'a> {
    camera_id: i64,
    rank: i32,
    distance_m: f64,
    bearing_deg: u16,
    faces_incident: &'static str,
    footage_until: Option<String>,
    footage_status: FootageStatus,
    lon: f64,
    lat: f64,
    placement: &'static str,
    views: Vec<&'static str>,
    recording_mode: &'static str,
    can_export: &'static str,
    kind: &'static str,
    retention_days: Option<i32>,
    facing_deg: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_since_previous_run: Option<bool>,
    #[serde(flatten)]
    status: StatusJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<ContactJson<'a>>,
}

/// A camera's outcome as every answer shows it.
#[derive(Debug, Serialize)]
pub(crate) struct StatusJson<'a> {
    status: &'static str,
    note: Option<&'a str>,
    status_by: Option<&'a str>,
    status_at: Option<String>,
}

impl<'a> StatusJson<'a> {
    pub(crate) fn new(entry: &'a StatusEntry) -> StatusJson<'a> {
        StatusJson {
            status: entry.status.as_str(),
            note: entry.note.as_deref(),
            status_by: entry.by.as_deref(),
            status_at: entry.at.map(time),
        }
    }
}

#[derive(Debug, Serialize)]
struct ContactJson<'a> {
    name: &'a str,
    email: &'a str,
    phone: Option<&'a str>,
    business_name: Option<&'a str>,
    language: &'a str,
    contact_method: &'a str,
}

pub(crate) fn area_json(area: &StoredArea) -> serde_json::Value {
    match area {
        StoredArea::Radius { radius_m } => json!({ "radius_m": radius_m }),
        StoredArea::Polygon { polygon } => json!({ "polygon": polygon }),
        StoredArea::Route { route, buffer_m } => json!({ "route": route, "buffer_m": buffer_m }),
        StoredArea::MissingPerson {
            last_seen_at,
            speed_kmh,
            radius_m,
        } => json!({ "missing_person": {
            "last_seen_at": time(*last_seen_at),
            "speed_kmh": speed_kmh,
            "radius_m": decimetres(*radius_m),
        }}),
    }
}

/// Whether the canvass kept fewer cameras than it found.
pub(crate) fn truncated(canvass: &Canvass) -> bool {
    canvass.found > MAX_CAMERAS as i64
}

fn camera_json<'a>(
    camera: &'a CanvassCamera,
    contacts: Option<&'a Contacts>,
    now: DateTime<Utc>,
) -> CameraJson<'a> {
    let contact = contacts
        .zip(camera.registration_id())
        .and_then(|(c, id)| c.get(&id))
        .map(|c| ContactJson {
            name: &c.contact.name,
            email: &c.contact.email,
            phone: c.contact.phone.as_deref(),
            business_name: c.contact.business_name.as_deref(),
            language: &c.language,
            contact_method: &c.contact_method,
        });
    CameraJson {
        camera_id: camera.camera_id,
        rank: camera.rank,
        distance_m: decimetres(camera.distance_m),
        bearing_deg: whole_degrees(camera.bearing_deg),
        faces_incident: camera.faces_incident.as_str(),
        footage_until: camera.footage_until.map(time),
        footage_status: footage_status(camera.footage_until, now),
        lon: camera.at.lon(),
        lat: camera.at.lat(),
        placement: camera.placement.as_str(),
        views: camera.views.iter().map(|v| v.as_str()).collect(),
        recording_mode: camera.recording_mode.as_str(),
        can_export: camera.can_export.as_str(),
        kind: camera.kind.as_str(),
        retention_days: camera.retention_days,
        facing_deg: camera.facing_deg,
        new_since_previous_run: camera.new_since_previous,
        status: StatusJson::new(&camera.status),
        address: contacts.and(camera.address()),
        contact,
    }
}

/// The canvass as JSON; footage statuses as of `now`.
pub(crate) fn json(
    canvass: &Canvass,
    contacts: Option<&Contacts>,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, Refusal> {
    let answer = CanvassJson {
        id: canvass.id,
        case_number: &canvass.case_number,
        reason: canvass.reason.as_deref(),
        incident_time: time(canvass.incident_time),
        incident: json!({
            "type": "Point",
            "coordinates": [canvass.incident.lon(), canvass.incident.lat()],
        }),
        address: canvass.incident_address.as_deref(),
        area: area_json(&canvass.area),
        found: canvass.found,
        truncated: truncated(canvass),
        previous_run_id: canvass.previous_id,
        created_at: time(canvass.created_at),
        created_by: canvass.created_by.as_deref(),
        cameras: canvass
            .cameras
            .iter()
            .map(|c| camera_json(c, contacts, now))
            .collect(),
    };
    serde_json::to_vec(&answer).map_err(|e| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the canvass",
        )
        .caused_by(e)
    })
}

const CSV_COLUMNS: [&str; 20] = [
    "rank",
    "camera_id",
    "distance_m",
    "bearing_deg",
    "faces_incident",
    "footage_until",
    "footage_status",
    "lon",
    "lat",
    "placement",
    "views",
    "recording_mode",
    "can_export",
    "kind",
    "retention_days",
    "facing_deg",
    "status",
    "note",
    "status_by",
    "status_at",
];
const CSV_CONTACT_COLUMNS: [&str; 7] = [
    "address",
    "name",
    "email",
    "phone",
    "business_name",
    "language",
    "contact_method",
];

/// The canvass's cameras as CSV through the one formula-safe writer, one row per camera in
/// answer order; the contact columns only when `contacts` were opened.
pub(crate) fn csv(
    canvass: &Canvass,
    contacts: Option<&Contacts>,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, Refusal> {
    let failed = |e: canvass_model::csv::CsvError| {
        Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "cannot write the CSV").caused_by(e)
    };
    let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
    if contacts.is_some() {
        header.extend(CSV_CONTACT_COLUMNS);
    }
    let mut out = CsvWriter::new(Vec::new(), &header, Quoting::Text).map_err(failed)?;
    let text = |v: Option<String>| v.unwrap_or_default();
    for camera in &canvass.cameras {
        let mut row = vec![
            camera.rank.to_string(),
            camera.camera_id.to_string(),
            decimetres(camera.distance_m).to_string(),
            whole_degrees(camera.bearing_deg).to_string(),
            camera.faces_incident.as_str().to_owned(),
            text(camera.footage_until.map(time)),
            footage_status(camera.footage_until, now)
                .as_str()
                .to_owned(),
            camera.at.lon().to_string(),
            camera.at.lat().to_string(),
            camera.placement.as_str().to_owned(),
            camera
                .views
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            camera.recording_mode.as_str().to_owned(),
            camera.can_export.as_str().to_owned(),
            camera.kind.as_str().to_owned(),
            text(camera.retention_days.map(|d| d.to_string())),
            text(camera.facing_deg.map(|d| d.to_string())),
            camera.status.status.as_str().to_owned(),
            text(camera.status.note.clone()),
            text(camera.status.by.clone()),
            text(camera.status.at.map(time)),
        ];
        if let Some(contacts) = contacts {
            let contact = camera.registration_id().and_then(|id| contacts.get(&id));
            row.push(camera.address().unwrap_or_default().to_owned());
            row.push(text(contact.map(|c| c.contact.name.clone())));
            row.push(text(contact.map(|c| c.contact.email.clone())));
            row.push(text(contact.and_then(|c| c.contact.phone.clone())));
            row.push(text(contact.and_then(|c| c.contact.business_name.clone())));
            row.push(text(contact.map(|c| c.language.clone())));
            row.push(text(contact.map(|c| c.contact_method.clone())));
        }
        out.row(&row).map_err(failed)?;
    }
    out.finish().map_err(failed)
}
