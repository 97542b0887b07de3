//! The officer's canvass: storing a search with the cameras it found (nearest first, with what
//! was computed for each), reading it back, listing canvasses, and recording the outcome of
//! contacting each camera's owner with its history.
//!
//! The cameras are found in the in-memory index (`canvass-tiles`); this module only keeps what
//! was found. Contacts are opened by [`crate::registrations::active_contacts`], and the audit
//! rows are written by the caller on the same transaction (see `docs/canvass.md`).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use canvass_geo::{LonLat, wkb};
use canvass_model::canvass::{AreaKind, ContactStatus, FacesIncident, SearchArea, StatusChange};
use canvass_model::{CanExport, Kind, Placement, RecordingMode, View};
use chrono::{DateTime, Utc};
use tokio_postgres::{GenericClient, Row};

use crate::DbError;
use crate::audit::Actor;
use crate::places::lon_lat_of;
use crate::registrations::{ActiveContact, ContactOpener, open_contact};

/// Longest name of who created or changed something (the columns' check).
const MAX_ACTOR_NAME: usize = 100;
/// Most canvasses one page of [`list`] holds.
pub const MAX_LIST: i64 = 500;

/// PostGIS's verdict on a polygon: `NULL` reason when valid.
const POLYGON_PROBLEM: &str = "SELECT d.valid, d.reason, ST_X(d.location), ST_Y(d.location)
    FROM ST_IsValidDetail(ST_GeomFromEWKB($1)) AS d";
const INSERT: &str = "INSERT INTO canvasses (case_number, reason, incident, incident_address,
        incident_time, area_kind, radius_m, area, buffer_m, last_seen_at, speed_kmh, found,
        previous_id, created_by, created_by_key, created_by_name, camera_ids, distances_m,
        bearings_deg, faces_incident, footage_until, new_since_previous)
    VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7, $8,
            ST_GeometryN(ST_GeomFromEWKB($9::bytea), 1), $10, $11, $12, $13, $14, $15, $16, $17,
            $18, $19, $20, $21, $22, $23)
    RETURNING id, created_at, created_by_name";
const PREVIOUS_RUN: &str = "SELECT id, camera_ids FROM canvasses
    WHERE case_number = $1 AND area_kind = 'missing_person' ORDER BY id DESC LIMIT 1";
const LOAD: &str = "SELECT v.id, v.case_number, v.reason, ST_X(v.incident), ST_Y(v.incident),
        v.incident_address, v.incident_time, v.area_kind, v.radius_m,
        ST_AsGeoJSON(v.area, 9)::jsonb, v.buffer_m, v.last_seen_at, v.speed_kmh, v.found,
        v.previous_id, v.created_at, v.created_by_name
    FROM canvasses v WHERE v.id = $1";
/// Only cameras that still exist and whose owners are still active: a paused entry is not
/// shown to anyone. The rank is the place in the answer when the canvass ran.
const LOAD_CAMERAS: &str = "SELECT f.camera_id, f.rank::integer, f.distance_m, f.bearing_deg,
        f.faces, f.until, f.fresh, s.contact_status, s.notes, s.updated_by_name, s.updated_at,
        c.placement, c.views, c.recording_mode, c.can_export, r.kind, c.retention_days,
        c.facing_deg, ST_X(c.location), ST_Y(c.location), c.address, c.registration_id
    FROM canvasses v
    CROSS JOIN LATERAL unnest(v.camera_ids, v.distances_m, v.bearings_deg, v.faces_incident,
                              v.footage_until, v.new_since_previous)
        WITH ORDINALITY AS f(camera_id, distance_m, bearing_deg, faces, until, fresh, rank)
    JOIN cameras c ON c.id = f.camera_id
    JOIN registrations r ON r.id = c.registration_id
    LEFT JOIN canvass_camera_status s ON s.canvass_id = v.id AND s.camera_id = f.camera_id
    WHERE v.id = $1 AND r.status = 'active'
    ORDER BY f.rank";
/// The owners of kept cameras that are still shown, with their sealed contacts, for a new
/// canvass's answer to a caller who may see contacts: one statement, not one per table.
const OWNER_CONTACTS: &str = "SELECT c.id, c.registration_id, c.address, r.language,
        r.contact_method, k.key_id, k.name_sealed, k.email_sealed, k.phone_sealed,
        k.business_name_sealed
    FROM cameras c
    JOIN registrations r ON r.id = c.registration_id
    JOIN contacts k ON k.registration_id = r.id
    WHERE c.id = ANY($1) AND r.status = 'active'";
/// See [`commit_without_flush`].
const COMMIT_WITHOUT_FLUSH: &str = "SET LOCAL synchronous_commit = off";
const LIST: &str = "SELECT v.id, v.case_number, v.reason, v.incident_time, v.area_kind, v.found,
        cardinality(v.camera_ids)::bigint,
        v.created_at, v.created_by_name
    FROM canvasses v
    WHERE (NOT $1 OR v.created_by = $2 OR v.created_by_key = $3)
      AND ($4::text IS NULL OR v.case_number = $4)
      AND ($5::bigint IS NULL OR v.id < $5)
    ORDER BY v.id DESC LIMIT $6";
const CASE_NUMBER: &str = "SELECT case_number FROM canvasses WHERE id = $1";
/// Only for a camera the canvass kept that still exists (a deleted camera takes its
/// outcomes along).
const SET_STATUS: &str = "INSERT INTO canvass_camera_status AS s (canvass_id, camera_id,
        contact_status, notes, updated_by, updated_by_key, updated_by_name, updated_at)
    SELECT v.id, c.id, $3, $4, $5, $6, $7, now()
      FROM canvasses v JOIN cameras c ON c.id = $2
     WHERE v.id = $1 AND $2 = ANY(v.camera_ids)
    ON CONFLICT (canvass_id, camera_id) DO UPDATE
        SET contact_status = EXCLUDED.contact_status, notes = EXCLUDED.notes,
            updated_by = EXCLUDED.updated_by, updated_by_key = EXCLUDED.updated_by_key,
            updated_by_name = EXCLUDED.updated_by_name, updated_at = EXCLUDED.updated_at";
const INSERT_HISTORY: &str = "INSERT INTO canvass_camera_history
        (canvass_id, camera_id, contact_status, notes, changed_by, changed_by_key, changed_by_name)
    VALUES ($1, $2, $3, $4, $5, $6, $7)";
const HISTORY: &str = "SELECT contact_status, notes, changed_by_name, changed_at
    FROM canvass_camera_history WHERE canvass_id = $1 AND camera_id = $2 ORDER BY id";
/// No row when the camera is not in the canvass (or no longer exists); NULLs while nobody
/// recorded an outcome.
const CURRENT_STATUS: &str = "SELECT s.contact_status, s.notes, s.updated_by_name, s.updated_at
    FROM canvasses v
    JOIN cameras c ON c.id = $2
    LEFT JOIN canvass_camera_status s ON s.canvass_id = v.id AND s.camera_id = c.id
    WHERE v.id = $1 AND $2 = ANY(v.camera_ids)";

/// A canvass to store.
#[derive(Debug, Clone)]
pub struct NewCanvass<'a> {
    /// The case number (already checked against the department's pattern).
    pub case_number: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Where the incident is (for a missing person: where they were last seen).
    pub incident: LonLat,
    /// The address the incident was given as, when it was.
    pub incident_address: Option<&'a str>,
    /// When it happened.
    pub incident_time: DateTime<Utc>,
    /// The area searched.
    pub area: &'a SearchArea,
    /// The circle's radius: the requested one, or a missing person's walked radius.
    pub radius_m: Option<f64>,
    /// Cameras found in the area (more than are kept when the answer was capped).
    pub found: usize,
    /// The run of the same missing-person case this one grew from.
    pub previous_id: Option<i64>,
    /// Who ran it.
    pub created_by: &'a Actor,
}

/// One camera found, in answer order (nearest the incident first).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Camera id.
    pub camera_id: i64,
    /// Metres from the incident.
    pub distance_m: f32,
    /// Degrees clockwise from north, seen from the incident, in `[0, 360)`.
    pub bearing_deg: f32,
    /// Whether the camera's wedge holds the incident.
    pub faces_incident: FacesIncident,
    /// When its footage of the incident is likely overwritten.
    pub footage_until: Option<DateTime<Utc>>,
    /// In a re-run of a missing-person case: not found by the run before.
    pub new_since_previous: Option<bool>,
}

/// Who did something, as the tables name them: a user, or a key, and a name either way.
pub(crate) fn actor_columns(actor: &Actor) -> (Option<i64>, Option<i64>, String) {
    let (user, key, name) = match actor {
        Actor::User(id, name) => (Some(*id), None, name.as_str()),
        Actor::ApiKey(id, name) => (None, Some(*id), name.as_str()),
        Actor::System(name) => (None, None, name.as_str()),
        Actor::Anonymous => (None, None, "anonymous"),
    };
    let name: String = name.chars().take(MAX_ACTOR_NAME).collect();
    let name = if name.is_empty() {
        "unnamed".into()
    } else {
        name
    };
    (user, key, name)
}

/// What is wrong with a polygon (outer ring, then holes; each closed) by PostGIS's rules —
/// `Self-intersection at -122.03, 37.97` — or `None` when it is valid.
pub async fn polygon_problem(
    client: &impl GenericClient,
    rings: &[Vec<LonLat>],
) -> Result<Option<String>, DbError> {
    let row = client
        .query_one(POLYGON_PROBLEM, &[&polygon_ewkb(rings)?])
        .await
        .map_err(DbError::pg("check a canvass polygon"))?;
    let valid: bool = row.get(0);
    if valid {
        return Ok(None);
    }
    let reason: Option<String> = row.get(1);
    let reason = reason.unwrap_or_else(|| "invalid polygon".into());
    let at: (Option<f64>, Option<f64>) = (row.get(2), row.get(3));
    Ok(Some(match at {
        (Some(x), Some(y)) => format!("{reason} at {x}, {y}"),
        _ => reason,
    }))
}

fn polygon_ewkb(rings: &[Vec<LonLat>]) -> Result<Vec<u8>, DbError> {
    let polygon: wkb::Polygon = rings
        .iter()
        .map(|ring| ring.iter().map(|p| (p.lon(), p.lat())).collect())
        .collect();
    wkb::multi_polygon(Some(4326), &[polygon]).map_err(|e| DbError::Invalid(e.to_string()))
}

/// The stored form of an area: radius, geometry (EWKB), buffer, last seen, speed.
type AreaColumns = (
    Option<f32>,
    Option<Vec<u8>>,
    Option<f32>,
    Option<DateTime<Utc>>,
    Option<f32>,
);

fn area_columns(area: &SearchArea, radius_m: Option<f64>) -> Result<AreaColumns, DbError> {
    let radius = radius_m.map(|r| r as f32);
    Ok(match area {
        SearchArea::Radius(_) => (radius, None, None, None, None),
        SearchArea::Polygon(rings) => (None, Some(polygon_ewkb(rings)?), None, None, None),
        SearchArea::Route { line, buffer_m } => {
            let ewkb = wkb::line_string(Some(4326), line.iter().map(|p| (p.lon(), p.lat())))
                .map_err(|e| DbError::Invalid(e.to_string()))?;
            (None, Some(ewkb), Some(*buffer_m as f32), None, None)
        }
        SearchArea::MissingPerson {
            last_seen_at,
            speed_kmh,
        } => (
            radius,
            None,
            None,
            Some(*last_seen_at),
            Some(*speed_kmh as f32),
        ),
    })
}

/// What the database gave a canvass it stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its id.
    pub id: i64,
    /// When it ran (the transaction's time).
    pub created_at: DateTime<Utc>,
    /// Who ran it, as the canvass names them.
    pub created_by: Option<String>,
}

/// Stores a canvass and the cameras it found, in answer order, and says what the database
/// gave it. Call it on the transaction that audits it.
pub async fn create(
    client: &impl GenericClient,
    canvass: &NewCanvass<'_>,
    findings: &[Finding],
) -> Result<Stored, DbError> {
    let (user, key, name) = actor_columns(canvass.created_by);
    let (radius, area, buffer, last_seen, speed) = area_columns(canvass.area, canvass.radius_m)?;
    let found = i32::try_from(canvass.found).unwrap_or(i32::MAX);
    let cameras: Vec<i64> = findings.iter().map(|f| f.camera_id).collect();
    let distances: Vec<f32> = findings.iter().map(|f| f.distance_m).collect();
    let bearings: Vec<f32> = findings.iter().map(|f| f.bearing_deg).collect();
    let faces: Vec<&str> = findings.iter().map(|f| f.faces_incident.as_str()).collect();
    let until: Vec<Option<DateTime<Utc>>> = findings.iter().map(|f| f.footage_until).collect();
    // A re-run marks every camera; a first run none.
    let fresh: Option<Vec<Option<bool>>> = canvass
        .previous_id
        .map(|_| findings.iter().map(|f| f.new_since_previous).collect());
    let row = client
        .query_one(
            INSERT,
            &[
                &canvass.case_number,
                &canvass.reason,
                &canvass.incident.lon(),
                &canvass.incident.lat(),
                &canvass.incident_address,
                &canvass.incident_time,
                &canvass.area.kind().as_str(),
                &radius,
                &area,
                &buffer,
                &last_seen,
                &speed,
                &found,
                &canvass.previous_id,
                &user,
                &key,
                &name,
                &cameras,
                &distances,
                &bearings,
                &faces,
                &until,
                &fresh,
            ],
        )
        .await
        .map_err(DbError::pg("store a canvass"))?;
    Ok(Stored {
        id: row.get(0),
        created_at: row.get(1),
        created_by: row.get(2),
    })
}

/// The latest missing-person canvass of `case_number`, with the cameras it found: what a
/// re-run grows from.
pub async fn previous_run(
    client: &impl GenericClient,
    case_number: &str,
) -> Result<Option<(i64, HashSet<i64>)>, DbError> {
    let row = client
        .query_opt(PREVIOUS_RUN, &[&case_number])
        .await
        .map_err(DbError::pg("find the previous run of a case"))?;
    Ok(row.map(|row| {
        let cameras: Vec<i64> = row.get(1);
        (row.get(0), cameras.into_iter().collect())
    }))
}

/// Whose camera it is: personal data, read only for a caller who may see contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The registration, whose contact a `pii` caller may see.
    pub registration_id: i64,
    /// The owner's address for the camera.
    pub address: String,
}

/// The owners of `camera_ids` that are still shown (active registrations) by camera id, and
/// their contacts opened with `keys` by registration id. Call it on the transaction that
/// audits the disclosure.
pub async fn owner_contacts(
    client: &impl GenericClient,
    keys: &(impl ContactOpener + ?Sized),
    camera_ids: &[i64],
) -> Result<(HashMap<i64, Owner>, HashMap<i64, ActiveContact>), DbError> {
    let rows = client
        .query(OWNER_CONTACTS, &[&camera_ids])
        .await
        .map_err(DbError::pg("open the contacts of a canvass's owners"))?;
    let mut owners = HashMap::with_capacity(rows.len());
    let mut contacts: HashMap<i64, ActiveContact> = HashMap::new();
    for row in &rows {
        let registration_id: i64 = row.get(1);
        // An owner's cameras share one contact: opened once.
        if let Entry::Vacant(entry) = contacts.entry(registration_id) {
            entry.insert(ActiveContact {
                contact: open_contact(keys, registration_id, row, 5)?,
                language: row.get(3),
                contact_method: row.get(4),
            });
        }
        owners.insert(
            row.get(0),
            Owner {
                registration_id,
                address: row.get(2),
            },
        );
    }
    Ok((owners, contacts))
}

/// Lets the canvass's transaction commit without waiting for the disk to confirm it: only for
/// a canvass that disclosed no personal data. The disk's flush is the one slow step of such a
/// canvass and stalls for up to a fifth of a second on a busy disk, while the audit chain's
/// lock makes every other canvass wait behind it. A crash within a fraction of a second of the
/// commit may lose the canvass together with its audit row — never one without the other —
/// and the chain keeps no hole: a later commit that waits for the disk flushes every earlier
/// one with it. A disclosure of contacts always waits for the flush. `docs/canvass.md`,
/// "Durability and speed".
pub async fn commit_without_flush(client: &impl GenericClient) -> Result<(), DbError> {
    client
        .batch_execute(COMMIT_WITHOUT_FLUSH)
        .await
        .map_err(DbError::pg(
            "let a canvass commit without waiting for the disk",
        ))
}

/// The area of a stored canvass, as the answer echoes it.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredArea {
    /// A circle around the incident.
    Radius {
        /// Metres.
        radius_m: f32,
    },
    /// A polygon, as GeoJSON.
    Polygon {
        /// The GeoJSON Polygon.
        polygon: serde_json::Value,
    },
    /// A route with a buffer.
    Route {
        /// The GeoJSON LineString.
        route: serde_json::Value,
        /// Metres on each side.
        buffer_m: f32,
    },
    /// A missing person's walking radius.
    MissingPerson {
        /// When they were last seen.
        last_seen_at: DateTime<Utc>,
        /// Walking speed.
        speed_kmh: f32,
        /// The radius walked by the time the canvass ran.
        radius_m: f32,
    },
}

impl StoredArea {
    /// How `area` is stored and read back (`radius_m`: the circle's radius, requested or
    /// walked): coordinates to nine decimals, as PostGIS gives them back.
    pub fn of(area: &SearchArea, radius_m: Option<f64>) -> StoredArea {
        let radius_m = radius_m.unwrap_or_default() as f32;
        match area {
            SearchArea::Radius(_) => StoredArea::Radius { radius_m },
            SearchArea::Polygon(rings) => StoredArea::Polygon {
                polygon: serde_json::json!({
                    "type": "Polygon",
                    "coordinates": rings.iter().map(|ring| positions(ring)).collect::<Vec<_>>(),
                }),
            },
            SearchArea::Route { line, buffer_m } => StoredArea::Route {
                route: serde_json::json!({ "type": "LineString", "coordinates": positions(line) }),
                buffer_m: *buffer_m as f32,
            },
            SearchArea::MissingPerson {
                last_seen_at,
                speed_kmh,
            } => StoredArea::MissingPerson {
                last_seen_at: *last_seen_at,
                speed_kmh: *speed_kmh as f32,
                radius_m,
            },
        }
    }
}

fn positions(points: &[LonLat]) -> Vec<[f64; 2]> {
    let nine_decimals = |v: f64| (v * 1e9).round() / 1e9;
    points
        .iter()
        .map(|p| [nine_decimals(p.lon()), nine_decimals(p.lat())])
        .collect()
}

/// A stored canvass and the cameras it found that are still shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvass {
    /// Id.
    pub id: i64,
    /// Case number.
    pub case_number: String,
    /// Why.
    pub reason: Option<String>,
    /// Where the incident is.
    pub incident: LonLat,
    /// The address the incident was given as.
    pub incident_address: Option<String>,
    /// When it happened.
    pub incident_time: DateTime<Utc>,
    /// What was searched.
    pub area: StoredArea,
    /// Cameras in the area when it ran (the answer keeps the nearest).
    pub found: i64,
    /// The run of the same missing-person case this one grew from.
    pub previous_id: Option<i64>,
    /// When it ran.
    pub created_at: DateTime<Utc>,
    /// Who ran it.
    pub created_by: Option<String>,
    /// The cameras, nearest first.
    pub cameras: Vec<CanvassCamera>,
}

/// A camera of a canvass: what was computed when it ran, its attributes now, and the outcome
/// recorded so far.
#[derive(Debug, Clone, PartialEq)]
pub struct CanvassCamera {
    /// Camera id.
    pub camera_id: i64,
    /// Place in the answer, from 1.
    pub rank: i32,
    /// Metres from the incident.
    pub distance_m: f32,
    /// Degrees clockwise from north, seen from the incident.
    pub bearing_deg: f32,
    /// Whether its wedge holds the incident.
    pub faces_incident: FacesIncident,
    /// When its footage is likely overwritten.
    pub footage_until: Option<DateTime<Utc>>,
    /// In a re-run: not found by the run before.
    pub new_since_previous: Option<bool>,
    /// The outcome recorded so far.
    pub status: StatusEntry,
    /// Mounted outside or inside.
    pub placement: Placement,
    /// What it views.
    pub views: Vec<View>,
    /// When it records.
    pub recording_mode: RecordingMode,
    /// Whether the owner can export footage.
    pub can_export: CanExport,
    /// Residence or business.
    pub kind: Kind,
    /// Days footage is kept, when known.
    pub retention_days: Option<i32>,
    /// Facing in degrees, when known.
    pub facing_deg: Option<f32>,
    /// Where it is.
    pub at: LonLat,
    /// Whose it is: always read back from the database; a new canvass's answer has it only
    /// when the caller opens contacts.
    pub owner: Option<Owner>,
}

impl CanvassCamera {
    /// Its registration, when the owner was read.
    pub fn registration_id(&self) -> Option<i64> {
        self.owner.as_ref().map(|o| o.registration_id)
    }

    /// The owner's address for it, when the owner was read (personal data).
    pub fn address(&self) -> Option<&str> {
        self.owner.as_ref().map(|o| o.address.as_str())
    }
}

/// An outcome: the status, its note, who set it and when (`None` while nobody has).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The status.
    pub status: ContactStatus,
    /// The note given with it.
    pub note: Option<String>,
    /// Who set it.
    pub by: Option<String>,
    /// When.
    pub at: Option<DateTime<Utc>>,
}

impl Default for StatusEntry {
    /// Nobody has recorded an outcome yet.
    fn default() -> StatusEntry {
        StatusEntry {
            status: ContactStatus::NotContacted,
            note: None,
            by: None,
            at: None,
        }
    }
}

fn parsed<T: std::str::FromStr>(row: &Row, column: usize, what: &str) -> Result<T, DbError> {
    let text: String = row.get(column);
    text.parse()
        .map_err(|_| DbError::Invalid(format!("{what} {text:?}")))
}

/// The canvass `id`, or `None` when there is none.
pub async fn load(client: &impl GenericClient, id: i64) -> Result<Option<Canvass>, DbError> {
    let Some(row) = client
        .query_opt(LOAD, &[&id])
        .await
        .map_err(DbError::pg("read a canvass"))?
    else {
        return Ok(None);
    };
    let kind: AreaKind = parsed(&row, 7, "area kind")?;
    let radius: Option<f32> = row.get(8);
    let geometry: Option<serde_json::Value> = row.get(9);
    let missing = |what: &str| DbError::Invalid(format!("canvass {id}: {what} missing"));
    let area = match kind {
        AreaKind::Radius => StoredArea::Radius {
            radius_m: radius.ok_or_else(|| missing("radius"))?,
        },
        AreaKind::Polygon => StoredArea::Polygon {
            polygon: geometry.ok_or_else(|| missing("polygon"))?,
        },
        AreaKind::Route => StoredArea::Route {
            route: geometry.ok_or_else(|| missing("route"))?,
            buffer_m: row
                .get::<_, Option<f32>>(10)
                .ok_or_else(|| missing("buffer"))?,
        },
        AreaKind::MissingPerson => StoredArea::MissingPerson {
            last_seen_at: row
                .get::<_, Option<DateTime<Utc>>>(11)
                .ok_or_else(|| missing("last seen"))?,
            speed_kmh: row
                .get::<_, Option<f32>>(12)
                .ok_or_else(|| missing("speed"))?,
            radius_m: radius.ok_or_else(|| missing("radius"))?,
        },
    };
    let rows = client
        .query(LOAD_CAMERAS, &[&id])
        .await
        .map_err(DbError::pg("read the cameras of a canvass"))?;
    let cameras = rows
        .iter()
        .map(canvass_camera)
        .collect::<Result<Vec<_>, _>>()?;
    let found: i32 = row.get(13);
    Ok(Some(Canvass {
        id: row.get(0),
        case_number: row.get(1),
        reason: row.get(2),
        incident: lon_lat_of(&row, 3, "a canvass incident")?,
        incident_address: row.get(5),
        incident_time: row.get(6),
        area,
        found: i64::from(found),
        previous_id: row.get(14),
        created_at: row.get(15),
        created_by: row.get(16),
        cameras,
    }))
}

/// The outcome in the four columns from `first` (status, note, who, when), all NULL while
/// nobody has recorded one.
fn recorded_status(row: &Row, first: usize) -> Result<StatusEntry, DbError> {
    let status: Option<String> = row.get(first);
    let Some(status) = status else {
        return Ok(StatusEntry::default());
    };
    Ok(StatusEntry {
        status: status
            .parse()
            .map_err(|_| DbError::Invalid(format!("contact status {status:?}")))?,
        note: row.get(first + 1),
        by: row.get(first + 2),
        at: row.get(first + 3),
    })
}

fn canvass_camera(row: &Row) -> Result<CanvassCamera, DbError> {
    let views: Vec<String> = row.get(12);
    Ok(CanvassCamera {
        camera_id: row.get(0),
        rank: row.get(1),
        distance_m: row.get(2),
        bearing_deg: row.get(3),
        faces_incident: parsed(row, 4, "faces incident")?,
        footage_until: row.get(5),
        new_since_previous: row.get(6),
        status: recorded_status(row, 7)?,
        placement: parsed(row, 11, "placement")?,
        views: views
            .iter()
            .map(|v| {
                v.parse()
                    .map_err(|_| DbError::Invalid(format!("view {v:?}")))
            })
            .collect::<Result<_, _>>()?,
        recording_mode: parsed(row, 13, "recording mode")?,
        can_export: parsed(row, 14, "can export")?,
        kind: parsed(row, 15, "kind")?,
        retention_days: row.get(16),
        facing_deg: row.get(17),
        at: lon_lat_of(row, 18, "a camera")?,
        owner: Some(Owner {
            registration_id: row.get(21),
            address: row.get(20),
        }),
    })
}

/// Which canvasses to list.
#[derive(Debug, Clone)]
pub struct ListFilter<'a> {
    /// Only those this actor ran.
    pub mine: Option<&'a Actor>,
    /// Only those of this case.
    pub case_number: Option<&'a str>,
    /// Only those with a smaller id (the next page).
    pub before: Option<i64>,
    /// At most this many (capped at [`MAX_LIST`]).
    pub limit: i64,
}

/// A canvass in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct CanvassSummary {
    /// Id.
    pub id: i64,
    /// Case number.
    pub case_number: String,
    /// Why.
    pub reason: Option<String>,
    /// When the incident happened.
    pub incident_time: DateTime<Utc>,
    /// The area's shape.
    pub area_kind: AreaKind,
    /// Cameras in the area when it ran.
    pub found: i64,
    /// Cameras kept in the answer.
    pub cameras: i64,
    /// When it ran.
    pub created_at: DateTime<Utc>,
    /// Who ran it.
    pub created_by: Option<String>,
}

/// Canvasses matching `filter`, newest first.
pub async fn list(
    client: &impl GenericClient,
    filter: &ListFilter<'_>,
) -> Result<Vec<CanvassSummary>, DbError> {
    let (user, key) = match filter.mine {
        Some(actor) => {
            let (user, key, _) = actor_columns(actor);
            (user, key)
        }
        None => (None, None),
    };
    let rows = client
        .query(
            LIST,
            &[
                &filter.mine.is_some(),
                &user,
                &key,
                &filter.case_number,
                &filter.before,
                &filter.limit.clamp(1, MAX_LIST),
            ],
        )
        .await
        .map_err(DbError::pg("list canvasses"))?;
    rows.iter()
        .map(|row| {
            let found: i32 = row.get(5);
            Ok(CanvassSummary {
                id: row.get(0),
                case_number: row.get(1),
                reason: row.get(2),
                incident_time: row.get(3),
                area_kind: parsed(row, 4, "area kind")?,
                found: i64::from(found),
                cameras: row.get(6),
                created_at: row.get(7),
                created_by: row.get(8),
            })
        })
        .collect()
}

/// The case number of canvass `id`, or `None` when there is none.
pub async fn case_number(client: &impl GenericClient, id: i64) -> Result<Option<String>, DbError> {
    Ok(client
        .query_opt(CASE_NUMBER, &[&id])
        .await
        .map_err(DbError::pg("find a canvass"))?
        .map(|row| row.get(0)))
}

/// Records `change` for camera `camera_id` of canvass `canvass_id` by `by`, and keeps it in
/// the history; `false` when the camera is not in the canvass.
pub async fn set_status(
    client: &impl GenericClient,
    canvass_id: i64,
    camera_id: i64,
    change: &StatusChange,
    by: &Actor,
) -> Result<bool, DbError> {
    let (user, key, name) = actor_columns(by);
    let status = change.status.as_str();
    let updated = client
        .execute(
            SET_STATUS,
            &[
                &canvass_id,
                &camera_id,
                &status,
                &change.note,
                &user,
                &key,
                &name,
            ],
        )
        .await
        .map_err(DbError::pg("set a camera's canvass status"))?;
    if updated == 0 {
        return Ok(false);
    }
    client
        .execute(
            INSERT_HISTORY,
            &[
                &canvass_id,
                &camera_id,
                &status,
                &change.note,
                &user,
                &key,
                &name,
            ],
        )
        .await
        .map_err(DbError::pg("keep a canvass status in the history"))?;
    Ok(true)
}

/// A camera's outcome in a canvass: the current one and every change, oldest first; `None`
/// when the camera is not in the canvass.
pub async fn status_history(
    client: &impl GenericClient,
    canvass_id: i64,
    camera_id: i64,
) -> Result<Option<(StatusEntry, Vec<StatusEntry>)>, DbError> {
    let Some(row) = client
        .query_opt(CURRENT_STATUS, &[&canvass_id, &camera_id])
        .await
        .map_err(DbError::pg("read a camera's canvass status"))?
    else {
        return Ok(None);
    };
    let current = recorded_status(&row, 0)?;
    let history = client
        .query(HISTORY, &[&canvass_id, &camera_id])
        .await
        .map_err(DbError::pg("read a camera's canvass history"))?
        .iter()
        .map(|row| {
            Ok(StatusEntry {
                status: parsed(row, 0, "contact status")?,
                note: row.get(1),
                by: row.get(2),
                at: row.get(3),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(Some((current, history)))
}
