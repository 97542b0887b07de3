//! The officer's canvass: the request `POST /api/v1/canvasses` accepts, checked field by field
//! into a [`CanvassRequest`]; the outcome an officer records per camera ([`ContactStatus`],
//! [`StatusBody`]); and the two judgements made for each camera found — does it face the
//! incident ([`faces_incident`]), and is its footage still there ([`footage_until`],
//! [`footage_status`]).
//!
//! Every refusal is a [`CanvassInputError`] naming the field as the client spelled it
//! (`area.radius_m`, `area.polygon`), so that a script, the QGIS plugin and the officer map can
//! all point at what to fix. No refusal repeats the case number: it is not logged or echoed.

use canvass_geo::LonLat;
use canvass_geo::tile::EARTH_CIRCUMFERENCE_M;
use canvass_geo::wedge::Wedge;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::db_enum;

/// Radius of a circle canvass when the request names no area, in metres.
pub const DEFAULT_RADIUS_M: f64 = 300.0;
/// Smallest radius (and smallest missing-person radius), in metres.
pub const MIN_RADIUS_M: f64 = 10.0;
/// Largest radius, and the cap of a missing person's walking radius, in metres.
pub const MAX_RADIUS_M: f64 = 5_000.0;
/// A polygon or a buffered route fits in a box this many metres on a side: the box of the
/// largest circle, so that no area shape costs more than the largest radius.
pub const MAX_AREA_SPAN_M: f64 = 2.0 * MAX_RADIUS_M;
/// Most positions of a polygon (all rings together).
pub const MAX_VERTICES: usize = 10_000;
/// Most positions of a route: it is searched segment by segment, each segment's buffered box
/// on its own, so its cost grows with the segments, not only with the area.
pub const MAX_ROUTE_POSITIONS: usize = 1_000;
/// Buffer around a route when the request gives none, in metres.
pub const DEFAULT_BUFFER_M: f64 = 100.0;
/// Smallest route buffer, in metres.
pub const MIN_BUFFER_M: f64 = 10.0;
/// Largest route buffer, in metres.
pub const MAX_BUFFER_M: f64 = 1_000.0;
/// Walking speed of a missing person when the request gives none.
pub const DEFAULT_WALKING_KMH: f64 = 4.0;
/// Slowest speed accepted, in km/h.
pub const MIN_SPEED_KMH: f64 = 0.5;
/// Fastest speed accepted (a bicycle), in km/h.
pub const MAX_SPEED_KMH: f64 = 30.0;
/// Longest case number (the database's check).
pub const MAX_CASE_NUMBER: usize = 64;
/// Longest reason (the audit trail's check).
pub const MAX_REASON: usize = 500;
/// Longest incident address.
pub const MAX_ADDRESS: usize = 200;
/// Longest note on a camera's status.
pub const MAX_NOTE: usize = 1_000;
/// How far ahead of the server's clock an incident time may be (clocks of laptops drift).
pub const FUTURE_SLACK_MINUTES: i64 = 60;
/// How far back an incident may be: no camera keeps footage longer.
pub const MAX_AGE_DAYS: i64 = crate::camera::MAX_RETENTION_DAYS as i64;
/// Footage that will be overwritten within this many hours is at risk.
pub const AT_RISK_HOURS: i64 = 48;
/// The case-number format of a department that configures none: two digits of the year, a
/// dash, six digits (`24-001234`).
pub const DEFAULT_CASE_NUMBER_PATTERN: &str = "^[0-9]{2}-[0-9]{6}$";

/// A request field that is missing, malformed or out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CanvassInputError {
    /// The field as the client spelled it, e.g. `area.radius_m`.
    pub field: &'static str,
    /// What is wrong, and what would be right.
    pub message: String,
}

pub(crate) fn refuse<T>(
    field: &'static str,
    message: impl Into<String>,
) -> Result<T, CanvassInputError> {
    Err(CanvassInputError {
        field,
        message: message.into(),
    })
}

/// A configured case-number pattern that does not compile.
#[derive(Debug, Clone, thiserror::Error)]
#[error("case-number pattern {pattern:?} is not a valid regular expression: {reason}")]
pub struct CaseNumberPatternError {
    /// The pattern as configured.
    pub pattern: String,
    /// The regex engine's reason.
    pub reason: String,
}

/// The department's case-number format: a regular expression the whole (trimmed) case number
/// must match. It is anchored at both ends whether or not the configured text says so.
#[derive(Debug, Clone)]
pub struct CaseNumberPattern {
    pattern: String,
    regex: regex::Regex,
}

impl CaseNumberPattern {
    /// Compiles `pattern` (linear-time matching; a pattern over a megabyte compiled is refused).
    pub fn new(pattern: &str) -> Result<CaseNumberPattern, CaseNumberPatternError> {
        let regex = regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
            .size_limit(1 << 20)
            .build()
            .map_err(|e| CaseNumberPatternError {
                pattern: pattern.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(CaseNumberPattern {
            pattern: pattern.to_owned(),
            regex,
        })
    }

    /// The pattern as configured.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The case number, trimmed, when it is 1–64 characters and matches.
    pub fn check(&self, case_number: &str) -> Result<String, CanvassInputError> {
        let case = case_number.trim();
        if case.is_empty() {
            return refuse("case_number", "a case number is required");
        }
        if case.chars().count() > MAX_CASE_NUMBER || !self.regex.is_match(case) {
            return refuse(
                "case_number",
                format!(
                    "does not match the department's case-number format {} (at most \
                     {MAX_CASE_NUMBER} characters)",
                    self.pattern
                ),
            );
        }
        Ok(case.to_owned())
    }
}

/// A GeoJSON position: longitude, latitude and an optional altitude (ignored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position(pub f64, pub f64);

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Position, D::Error> {
        struct PositionVisitor;
        impl<'de> Visitor<'de> for PositionVisitor {
            type Value = Position;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a position [longitude, latitude]")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Position, A::Error> {
                let lon: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let lat: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let _altitude: Option<f64> = seq.next_element()?;
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                Ok(Position(lon, lat))
            }
        }
        deserializer.deserialize_seq(PositionVisitor)
    }
}

/// A GeoJSON geometry of one type (`Point`, `Polygon`, `LineString`); other members, such as
/// `bbox`, are allowed and ignored, as GeoJSON allows foreign members.
#[derive(Debug, Clone, Deserialize)]
pub struct Geometry<C> {
    /// The GeoJSON type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The coordinates.
    pub coordinates: C,
}

/// `POST /api/v1/canvasses` as sent; [`CanvassBody::check`] makes a [`CanvassRequest`] of it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanvassBody {
    case_number: Option<String>,
    reason: Option<String>,
    incident_time: Option<String>,
    incident: Option<Geometry<Position>>,
    address: Option<String>,
    area: Option<AreaBody>,
}

/// The `area` member: exactly one of its shapes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaBody {
    radius_m: Option<f64>,
    polygon: Option<Geometry<Vec<Vec<Position>>>>,
    route: Option<Geometry<Vec<Position>>>,
    buffer_m: Option<f64>,
    missing_person: Option<MissingPersonBody>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MissingPersonBody {
    last_seen_at: Option<String>,
    speed_kmh: Option<f64>,
}

/// Where the incident is.
#[derive(Debug, Clone, PartialEq)]
pub enum Incident {
    /// Given as a point.
    At(LonLat),
    /// Given as an address, to be geocoded on the imported address points.
    Address(String),
}

db_enum! {
    /// The shape of a canvass area.
    AreaKind {
        Radius => "radius",
        Polygon => "polygon",
        Route => "route",
        MissingPerson => "missing_person",
    }
}

/// Where to look for cameras.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchArea {
    /// A circle around the incident, radius in metres.
    Radius(f64),
    /// A polygon: the outer ring, then its holes, each closed.
    Polygon(Vec<Vec<LonLat>>),
    /// Along a line (last seen → possible destinations), within `buffer_m` metres.
    Route {
        /// The line.
        line: Vec<LonLat>,
        /// Metres on each side.
        buffer_m: f64,
    },
    /// A circle around the last-seen point (the incident) as far as the person could have
    /// walked by now: see [`walked_radius_m`].
    MissingPerson {
        /// When the person was last seen.
        last_seen_at: DateTime<Utc>,
        /// Walking speed.
        speed_kmh: f64,
    },
}

impl SearchArea {
    /// Its kind.
    /// The circle's radius in metres: the one requested, or as far as a missing person could
    /// have walked by `now`; `None` for a polygon or a route.
    pub fn radius_m(&self, now: DateTime<Utc>) -> Option<f64> {
        match self {
            SearchArea::Radius(radius_m) => Some(*radius_m),
            SearchArea::MissingPerson {
                last_seen_at,
                speed_kmh,
            } => Some(walked_radius_m(*last_seen_at, *speed_kmh, now)),
            SearchArea::Polygon(_) | SearchArea::Route { .. } => None,
        }
    }

    pub fn kind(&self) -> AreaKind {
        match self {
            SearchArea::Radius(_) => AreaKind::Radius,
            SearchArea::Polygon(_) => AreaKind::Polygon,
            SearchArea::Route { .. } => AreaKind::Route,
            SearchArea::MissingPerson { .. } => AreaKind::MissingPerson,
        }
    }
}

/// A canvass request, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CanvassRequest {
    /// The case number, matching the department's pattern.
    pub case_number: String,
    /// Why (1–500 characters).
    pub reason: String,
    /// When the incident happened.
    pub incident_time: DateTime<Utc>,
    /// Where.
    pub incident: Incident,
    /// Which cameras to list.
    pub area: SearchArea,
}

impl CanvassBody {
    /// Checks every field against the department's `case_numbers` and the clock `now`.
    pub fn check(
        self,
        case_numbers: &CaseNumberPattern,
        now: DateTime<Utc>,
    ) -> Result<CanvassRequest, CanvassInputError> {
        let case_number = case_numbers.check(self.case_number.as_deref().unwrap_or(""))?;
        let reason = check_text(
            "reason",
            self.reason.as_deref().unwrap_or(""),
            MAX_REASON,
            false,
        )?
        .ok_or_else(|| CanvassInputError {
            field: "reason",
            message: "a reason is required (what happened, e.g. \"burglary\")".into(),
        })?;
        let incident = match (self.incident, self.address) {
            (Some(_), Some(_)) => {
                return refuse(
                    "incident",
                    "give the incident as a point or as an address, not both",
                );
            }
            (Some(point), None) => Incident::At(check_point("incident", point)?),
            (None, Some(address)) => Incident::Address(
                check_text("address", &address, MAX_ADDRESS, false)?.ok_or_else(|| {
                    CanvassInputError {
                        field: "address",
                        message: "is empty".into(),
                    }
                })?,
            ),
            (None, None) => {
                return refuse(
                    "incident",
                    "the incident is required: a GeoJSON Point, or an \"address\"",
                );
            }
        };
        let incident_time = self
            .incident_time
            .as_deref()
            .map(|t| check_time("incident_time", t, now))
            .transpose()?;
        let (area, incident_time) = check_area(self.area.unwrap_or_default(), incident_time, now)?;
        Ok(CanvassRequest {
            case_number,
            reason,
            incident_time,
            incident,
            area,
        })
    }
}

/// The area, and the incident time (which a missing-person area may supply).
fn check_area(
    area: AreaBody,
    incident_time: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(SearchArea, DateTime<Utc>), CanvassInputError> {
    let given = [
        area.radius_m.is_some(),
        area.polygon.is_some(),
        area.route.is_some(),
        area.missing_person.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return refuse(
            "area",
            "give one of radius_m, polygon, route (with buffer_m) or missing_person",
        );
    }
    if area.buffer_m.is_some() && area.route.is_none() {
        return refuse("area.buffer_m", "is only for a route");
    }
    let required_time = |time: Option<DateTime<Utc>>| {
        time.ok_or_else(|| CanvassInputError {
            field: "incident_time",
            message: "the incident time is required (RFC 3339, e.g. 2026-12-01T14:05:00-08:00)"
                .into(),
        })
    };
    if let Some(polygon) = area.polygon {
        return Ok((check_polygon(polygon)?, required_time(incident_time)?));
    }
    if let Some(route) = area.route {
        let buffer_m = area.buffer_m.unwrap_or(DEFAULT_BUFFER_M);
        if !(MIN_BUFFER_M..=MAX_BUFFER_M).contains(&buffer_m) {
            return refuse(
                "area.buffer_m",
                format!("must be {MIN_BUFFER_M} to {MAX_BUFFER_M} metres, got {buffer_m}"),
            );
        }
        let line = check_route(route, buffer_m)?;
        return Ok((
            SearchArea::Route { line, buffer_m },
            required_time(incident_time)?,
        ));
    }
    if let Some(missing) = area.missing_person {
        let last_seen_at = missing
            .last_seen_at
            .as_deref()
            .map(|t| check_time("area.missing_person.last_seen_at", t, now))
            .transpose()?
            .or(incident_time)
            .ok_or_else(|| CanvassInputError {
                field: "area.missing_person.last_seen_at",
                message: "when the person was last seen is required (RFC 3339)".into(),
            })?;
        let speed_kmh = missing.speed_kmh.unwrap_or(DEFAULT_WALKING_KMH);
        if !(MIN_SPEED_KMH..=MAX_SPEED_KMH).contains(&speed_kmh) {
            return refuse(
                "area.missing_person.speed_kmh",
                format!("must be {MIN_SPEED_KMH} to {MAX_SPEED_KMH} km/h, got {speed_kmh}"),
            );
        }
        return Ok((
            SearchArea::MissingPerson {
                last_seen_at,
                speed_kmh,
            },
            incident_time.unwrap_or(last_seen_at),
        ));
    }
    let radius_m = area.radius_m.unwrap_or(DEFAULT_RADIUS_M);
    if !(MIN_RADIUS_M..=MAX_RADIUS_M).contains(&radius_m) {
        return refuse(
            "area.radius_m",
            format!("must be {MIN_RADIUS_M} to {MAX_RADIUS_M} metres, got {radius_m}"),
        );
    }
    Ok((SearchArea::Radius(radius_m), required_time(incident_time)?))
}

fn check_point(
    field: &'static str,
    point: Geometry<Position>,
) -> Result<LonLat, CanvassInputError> {
    if point.kind != "Point" {
        return refuse(field, "must be a GeoJSON Point");
    }
    lon_lat(field, point.coordinates)
}

fn lon_lat(field: &'static str, Position(lon, lat): Position) -> Result<LonLat, CanvassInputError> {
    LonLat::new(lon, lat).or_else(|e| refuse(field, e.to_string()))
}

fn check_polygon(polygon: Geometry<Vec<Vec<Position>>>) -> Result<SearchArea, CanvassInputError> {
    const FIELD: &str = "area.polygon";
    if polygon.kind != "Polygon" {
        return refuse(FIELD, "must be a GeoJSON Polygon");
    }
    let vertices: usize = polygon.coordinates.iter().map(Vec::len).sum();
    if vertices > MAX_VERTICES {
        return refuse(
            FIELD,
            format!("has {vertices} positions; at most {MAX_VERTICES} are accepted"),
        );
    }
    if polygon.coordinates.is_empty() {
        return refuse(FIELD, "has no ring");
    }
    let mut rings = Vec::with_capacity(polygon.coordinates.len());
    for (i, ring) in polygon.coordinates.into_iter().enumerate() {
        if ring.len() < 4 {
            return refuse(
                FIELD,
                format!(
                    "ring {i} has {} positions; a ring needs at least 4",
                    ring.len()
                ),
            );
        }
        if ring.first() != ring.last() {
            return refuse(
                FIELD,
                format!("ring {i} is not closed: its last position must repeat its first"),
            );
        }
        let ring = ring
            .into_iter()
            .map(|p| lon_lat(FIELD, p))
            .collect::<Result<Vec<_>, _>>()?;
        rings.push(ring);
    }
    check_span(FIELD, rings.iter().flatten().copied(), 0.0)?;
    Ok(SearchArea::Polygon(rings))
}

fn check_route(
    route: Geometry<Vec<Position>>,
    buffer_m: f64,
) -> Result<Vec<LonLat>, CanvassInputError> {
    const FIELD: &str = "area.route";
    if route.kind != "LineString" {
        return refuse(FIELD, "must be a GeoJSON LineString");
    }
    let count = route.coordinates.len();
    if count > MAX_ROUTE_POSITIONS {
        return refuse(
            FIELD,
            format!("has {count} positions; at most {MAX_ROUTE_POSITIONS} are accepted"),
        );
    }
    let line = route
        .coordinates
        .into_iter()
        .map(|p| lon_lat(FIELD, p))
        .collect::<Result<Vec<_>, _>>()?;
    let distinct = line
        .first()
        .is_some_and(|first| line.iter().any(|p| p != first));
    if !distinct {
        return refuse(
            FIELD,
            format!("needs at least 2 different positions, got {count} positions"),
        );
    }
    check_span(FIELD, line.iter().copied(), buffer_m)?;
    Ok(line)
}

/// Refuses an area whose box (grown by `margin_m` on every side) is wider or taller than
/// [`MAX_AREA_SPAN_M`].
fn check_span(
    field: &'static str,
    points: impl Iterator<Item = LonLat>,
    margin_m: f64,
) -> Result<(), CanvassInputError> {
    let metres_per_degree = EARTH_CIRCUMFERENCE_M / 360.0;
    let start = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    let [west, south, east, north] = points.fold(start, |[w, s, e, n], p| {
        [
            w.min(p.lon()),
            s.min(p.lat()),
            e.max(p.lon()),
            n.max(p.lat()),
        ]
    });
    // The box is widest at its latitude nearest the equator.
    let widest = if south <= 0.0 && north >= 0.0 {
        1.0
    } else {
        south.to_radians().cos().max(north.to_radians().cos())
    };
    let width = (east - west) * metres_per_degree * widest + 2.0 * margin_m;
    let height = (north - south) * metres_per_degree + 2.0 * margin_m;
    let span = width.max(height);
    if span > MAX_AREA_SPAN_M {
        return refuse(
            field,
            format!(
                "spans {:.1} km; a canvass area fits in {:.0} km by {:.0} km",
                span / 1000.0,
                MAX_AREA_SPAN_M / 1000.0,
                MAX_AREA_SPAN_M / 1000.0
            ),
        );
    }
    Ok(())
}

/// An RFC 3339 time, at most [`FUTURE_SLACK_MINUTES`] ahead of `now` and at most
/// [`MAX_AGE_DAYS`] before it.
fn check_time(
    field: &'static str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, CanvassInputError> {
    let time = DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .or_else(|e| {
            refuse(
                field,
                format!("is not an RFC 3339 time such as 2026-12-01T14:05:00-08:00 ({e})"),
            )
        })?;
    if time > now + TimeDelta::minutes(FUTURE_SLACK_MINUTES) {
        return refuse(field, "is in the future");
    }
    if time < now - TimeDelta::days(MAX_AGE_DAYS) {
        return refuse(
            field,
            format!("is more than {MAX_AGE_DAYS} days ago; no camera keeps footage that long"),
        );
    }
    Ok(time)
}

/// Trimmed text of at most `max` characters without control characters (line breaks only
/// where `multiline`); `None` when empty.
pub(crate) fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, CanvassInputError> {
    let text = text.trim();
    if text.chars().count() > max {
        return refuse(field, format!("is longer than {max} characters"));
    }
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\r'));
    if !text.chars().all(allowed) {
        return refuse(field, "holds control characters");
    }
    Ok(Some(text.to_owned()).filter(|t| !t.is_empty()))
}

/// The radius a person walking at `speed_kmh` since `last_seen_at` may have covered by `now`,
/// between [`MIN_RADIUS_M`] and [`MAX_RADIUS_M`].
pub fn walked_radius_m(last_seen_at: DateTime<Utc>, speed_kmh: f64, now: DateTime<Utc>) -> f64 {
    let hours = (now - last_seen_at).num_milliseconds() as f64 / 3_600_000.0;
    (hours * speed_kmh * 1000.0).clamp(MIN_RADIUS_M, MAX_RADIUS_M)
}

db_enum! {
    /// Whether the incident lies in the camera's field of view.
    FacesIncident {
        Yes => "yes",
        No => "no",
        Unknown => "unknown",
    }
}

/// Whether a camera whose `wedge` (the one the map draws; `None` when the owner gave no
/// facing) sees the incident, which lies `distance_m` away at `bearing_deg` from the camera.
pub fn faces_incident(wedge: Option<Wedge>, bearing_deg: f64, distance_m: f64) -> FacesIncident {
    match wedge {
        None => FacesIncident::Unknown,
        Some(w) if w.covers(bearing_deg, distance_m) => FacesIncident::Yes,
        Some(_) => FacesIncident::No,
    }
}

db_enum! {
    /// Whether a camera's footage of the incident is likely still kept.
    FootageStatus {
        Ok => "ok",
        AtRisk => "at_risk",
        Overwritten => "overwritten",
        Unknown => "unknown",
    }
}

/// When footage of an incident at `incident_time` is likely overwritten: the incident time
/// plus the camera's retention; `None` when the owner does not know the retention.
pub fn footage_until(
    incident_time: DateTime<Utc>,
    retention_days: Option<i32>,
) -> Option<DateTime<Utc>> {
    incident_time.checked_add_signed(TimeDelta::days(i64::from(retention_days?)))
}

/// The footage's status at `now`: overwritten once `until` has passed, at risk within
/// [`AT_RISK_HOURS`] of it, unknown without it.
pub fn footage_status(until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> FootageStatus {
    match until {
        None => FootageStatus::Unknown,
        Some(until) if until <= now => FootageStatus::Overwritten,
        Some(until) if until <= now + TimeDelta::hours(AT_RISK_HOURS) => FootageStatus::AtRisk,
        Some(_) => FootageStatus::Ok,
    }
}

db_enum! {
    /// The outcome of contacting a camera's owner, as an officer records it.
    ContactStatus {
        NotContacted => "not_contacted",
        NoAnswer => "no_answer",
        Contacted => "contacted",
        Declined => "declined",
        FootageObtained => "footage_obtained",
        NoFootage => "no_footage",
    }
}

/// `PATCH /api/v1/canvasses/{id}/cameras/{camera}` as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    status: Option<String>,
    note: Option<String>,
}

/// A checked status change: the new status and its note (which replaces the previous note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The outcome.
    pub status: ContactStatus,
    /// What happened, in the officer's words; `None` for no note.
    pub note: Option<String>,
}

impl StatusBody {
    /// Checks the status against [`ContactStatus`] and the note's length.
    pub fn check(self) -> Result<StatusChange, CanvassInputError> {
        let Some(status) = self.status else {
            return refuse("status", status_choices());
        };
        let status = status
            .trim()
            .parse::<ContactStatus>()
            .or_else(|_| refuse("status", status_choices()))?;
        let note = match self.note {
            Some(note) => check_text("note", &note, MAX_NOTE, true)?,
            None => None,
        };
        Ok(StatusChange { status, note })
    }
}

fn status_choices() -> String {
    let names: Vec<&str> = ContactStatus::ALL.iter().map(|s| s.as_str()).collect();
    format!("must be one of {}", names.join(", "))
}

/// What the officer map asks to see before a case number is typed: the incident, its time and
/// the area, checked by the same rules as a canvass. Nothing is stored or disclosed for it, so
/// it needs no case number; the canvass itself ([`CanvassBody`]) does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    incident_time: Option<String>,
    incident: Option<Geometry<Position>>,
    area: Option<AreaBody>,
}

/// A [`PreviewBody`], every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// Where (a point: the map places the incident itself).
    pub incident: LonLat,
    /// When.
    pub incident_time: DateTime<Utc>,
    /// Which cameras to list.
    pub area: SearchArea,
}

impl PreviewBody {
    /// Checks every field against the clock `now`, as [`CanvassBody::check`] does.
    pub fn check(self, now: DateTime<Utc>) -> Result<Preview, CanvassInputError> {
        let incident = match self.incident {
            Some(point) => check_point("incident", point)?,
            None => return refuse("incident", "the incident is required: a GeoJSON Point"),
        };
        let incident_time = self
            .incident_time
            .as_deref()
            .map(|t| check_time("incident_time", t, now))
            .transpose()?;
        let (area, incident_time) = check_area(self.area.unwrap_or_default(), incident_time, now)?;
        Ok(Preview {
            incident,
            incident_time,
            area,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn default_pattern() -> CaseNumberPattern {
        CaseNumberPattern::new(DEFAULT_CASE_NUMBER_PATTERN).unwrap()
    }

    fn body(json: &str) -> CanvassBody {
        serde_json::from_str(json).unwrap()
    }

    fn check(json: &str) -> Result<CanvassRequest, CanvassInputError> {
        body(json).check(&default_pattern(), now())
    }

    const BASE: &str = r#""case_number": " 24-001234 ", "reason": "burglary",
        "incident_time": "2026-12-01T14:05:00-08:00",
        "incident": {"type": "Point", "coordinates": [-122.03, 37.97]}"#;

    fn with_area(area: &str) -> Result<CanvassRequest, CanvassInputError> {
        check(&format!("{{{BASE}, \"area\": {area}}}"))
    }

    fn field(result: Result<CanvassRequest, CanvassInputError>) -> &'static str {
        result.unwrap_err().field
    }

    #[test]
    fn the_issue_example_is_accepted_with_defaults() {
        let request = check(&format!("{{{BASE}}}")).unwrap();
        assert_eq!(request.case_number, "24-001234");
        assert_eq!(request.area, SearchArea::Radius(DEFAULT_RADIUS_M));
        assert_eq!(
            request.incident_time.to_rfc3339(),
            "2026-12-01T22:05:00+00:00"
        );
        assert_eq!(
            request.incident,
            Incident::At(LonLat::new(-122.03, 37.97).unwrap())
        );
        let address = check(
            r#"{"case_number": "24-000001", "reason": "x", "incident_time": "2026-12-01T10:00:00Z",
                "address": "1234 Main St", "area": {"radius_m": 50}}"#,
        )
        .unwrap();
        assert_eq!(address.incident, Incident::Address("1234 Main St".into()));
        assert_eq!(address.area, SearchArea::Radius(50.0));
    }

    #[test]
    fn radius_route_and_missing_person_limits() {
        assert_eq!(field(with_area(r#"{"radius_m": 0}"#)), "area.radius_m");
        assert_eq!(field(with_area(r#"{"radius_m": 50000}"#)), "area.radius_m");
        assert!(with_area(r#"{"radius_m": 10}"#).is_ok());
        assert!(with_area(r#"{"radius_m": 5000}"#).is_ok());
        assert_eq!(
            field(with_area(
                r#"{"radius_m": 10, "route": {"type": "LineString", "coordinates": [[0,0],[0,1]]}}"#
            )),
            "area"
        );
        let route = with_area(
            r#"{"route": {"type": "LineString", "coordinates": [[-122.03,37.97],[-122.02,37.975,12]]}}"#,
        )
        .unwrap();
        assert!(
            matches!(route.area, SearchArea::Route { buffer_m, ref line } if buffer_m == DEFAULT_BUFFER_M && line.len() == 2)
        );
        let empty = with_area(r#"{"route": {"type": "LineString", "coordinates": []}}"#);
        assert!(empty.unwrap_err().message.contains("at least 2"));
        assert_eq!(
            field(with_area(
                r#"{"route": {"type": "LineString", "coordinates": [[1,1],[1,1]]}}"#
            )),
            "area.route"
        );
        assert_eq!(
            field(with_area(
                r#"{"route": {"type": "LineString", "coordinates": [[-122.03,37.97],[-122.02,37.97]]}, "buffer_m": 5}"#
            )),
            "area.buffer_m"
        );
        // 20 km long: more than the largest circle's box.
        assert_eq!(
            field(with_area(
                r#"{"route": {"type": "LineString", "coordinates": [[-122.2,37.97],[-122.0,37.97]]}}"#
            )),
            "area.route"
        );
        assert_eq!(field(with_area(r#"{"buffer_m": 100}"#)), "area.buffer_m");
        let missing = check(
            r#"{"case_number": "24-000002", "reason": "missing child",
                "incident": {"type": "Point", "coordinates": [-122.03, 37.97]},
                "area": {"missing_person": {"last_seen_at": "2026-12-02T11:30:00Z"}}}"#,
        )
        .unwrap();
        let SearchArea::MissingPerson {
            last_seen_at,
            speed_kmh,
        } = missing.area
        else {
            panic!("{missing:?}");
        };
        assert_eq!(speed_kmh, DEFAULT_WALKING_KMH);
        assert_eq!(missing.incident_time, last_seen_at);
        assert_eq!(walked_radius_m(last_seen_at, speed_kmh, now()), 2000.0);
        assert_eq!(
            walked_radius_m(last_seen_at, speed_kmh, last_seen_at),
            MIN_RADIUS_M
        );
        let later = now() + TimeDelta::hours(5);
        assert_eq!(
            walked_radius_m(last_seen_at, speed_kmh, later),
            MAX_RADIUS_M
        );
        assert_eq!(
            field(with_area(
                r#"{"missing_person": {"last_seen_at": "2026-12-02T11:30:00Z", "speed_kmh": 90}}"#
            )),
            "area.missing_person.speed_kmh"
        );
    }

    #[test]
    fn polygons_are_checked_for_shape_size_and_span() {
        let square = r#"{"polygon": {"type": "Polygon", "coordinates":
            [[[-122.04,37.96],[-122.02,37.96],[-122.02,37.98],[-122.04,37.98],[-122.04,37.96]]]}}"#;
        let SearchArea::Polygon(rings) = with_area(square).unwrap().area else {
            panic!()
        };
        assert_eq!(rings[0].len(), 5);
        let open = r#"{"polygon": {"type": "Polygon", "coordinates":
            [[[-122.04,37.96],[-122.02,37.96],[-122.02,37.98],[-122.04,37.98]]]}}"#;
        assert!(with_area(open).unwrap_err().message.contains("not closed"));
        let line = r#"{"polygon": {"type": "LineString", "coordinates": [[0,0],[1,1]]}}"#;
        assert!(
            serde_json::from_str::<CanvassBody>(&format!("{{{BASE}, \"area\": {line}}}")).is_err()
        );
        let mut ring: Vec<String> = (0..100_000)
            .map(|i| {
                let a = f64::from(i) / 100_000.0 * std::f64::consts::TAU;
                format!(
                    "[{:.6},{:.6}]",
                    -122.03 + 0.01 * a.cos(),
                    37.97 + 0.01 * a.sin()
                )
            })
            .collect();
        ring.push(ring[0].clone());
        let huge = format!(
            r#"{{"polygon": {{"type": "Polygon", "coordinates": [[{}]]}}}}"#,
            ring.join(",")
        );
        let refused = with_area(&huge).unwrap_err();
        assert_eq!(refused.field, "area.polygon");
        assert!(refused.message.contains("100001 positions"), "{refused}");
        let wide = r#"{"polygon": {"type": "Polygon", "coordinates":
            [[[-122.2,37.9],[-122.0,37.9],[-122.0,38.0],[-122.2,37.9]]]}}"#;
        assert!(with_area(wide).unwrap_err().message.contains("spans"));
    }

    #[test]
    fn required_fields_times_and_case_numbers() {
        let no_case = check(
            r#"{"reason": "x", "incident_time": "2026-12-01T10:00:00Z",
                "incident": {"type": "Point", "coordinates": [-122.03, 37.97]}}"#,
        );
        assert_eq!(field(no_case), "case_number");
        let pattern = default_pattern();
        assert_eq!(pattern.check("24-001234").unwrap(), "24-001234");
        for bad in ["24-1234", "2024-001234", "24-001234x", "x24-001234", ""] {
            assert!(pattern.check(bad).is_err(), "{bad}");
        }
        // Anchored even when the configured pattern is not.
        let loose = CaseNumberPattern::new("[A-Z]{2}[0-9]+").unwrap();
        assert!(loose.check("CR123").is_ok());
        assert!(loose.check("xCR123").is_err());
        assert!(CaseNumberPattern::new("(").is_err());
        assert_eq!(pattern.as_str(), DEFAULT_CASE_NUMBER_PATTERN);
        let refused = pattern.check("24-99").unwrap_err();
        assert!(!refused.to_string().contains("24-99"), "{refused}");

        let future = r#"{"case_number": "24-000001", "reason": "x",
            "incident_time": "2030-01-01T00:00:00Z",
            "incident": {"type": "Point", "coordinates": [-122.03, 37.97]}}"#;
        assert_eq!(field(check(future)), "incident_time");
        let garbled = future.replace("2030-01-01T00:00:00Z", "yesterday");
        assert_eq!(field(check(&garbled)), "incident_time");
        let no_time = r#"{"case_number": "24-000001", "reason": "x",
            "incident": {"type": "Point", "coordinates": [-122.03, 37.97]}}"#;
        assert_eq!(field(check(no_time)), "incident_time");
        let no_reason = format!("{{{}}}", BASE.replace("\"burglary\"", "\"  \""));
        assert_eq!(field(check(&no_reason)), "reason");
        let bad_point = format!("{{{}}}", BASE.replace("-122.03", "-222.03"));
        assert_eq!(field(check(&bad_point)), "incident");
        let both = format!("{{{BASE}, \"address\": \"1 Main St\"}}");
        assert_eq!(field(check(&both)), "incident");
        assert!(serde_json::from_str::<CanvassBody>(r#"{"radius": 5}"#).is_err());
    }

    #[test]
    fn faces_and_footage() {
        let wedge = |facing_deg: f64, fov_deg: f64| Wedge {
            facing_deg,
            fov_deg,
            range_m: 30.0,
        };
        // The incident is south of a camera facing south.
        assert_eq!(
            faces_incident(Some(wedge(180.0, 90.0)), 180.0, 20.0),
            FacesIncident::Yes
        );
        assert_eq!(
            faces_incident(Some(wedge(0.0, 90.0)), 180.0, 20.0),
            FacesIncident::No
        );
        assert_eq!(
            faces_incident(Some(wedge(180.0, 90.0)), 180.0, 45.0),
            FacesIncident::No,
            "beyond the range"
        );
        assert_eq!(
            faces_incident(Some(wedge(10.0, 360.0)), 200.0, 20.0),
            FacesIncident::Yes
        );
        assert_eq!(
            faces_incident(Some(wedge(350.0, 40.0)), 5.0, 20.0),
            FacesIncident::Yes,
            "across north"
        );
        assert_eq!(faces_incident(None, 0.0, 1.0), FacesIncident::Unknown);

        let incident = now() - TimeDelta::days(3);
        let until = |days| footage_until(incident, Some(days));
        assert_eq!(footage_status(until(2), now()), FootageStatus::Overwritten);
        assert_eq!(footage_status(until(4), now()), FootageStatus::AtRisk);
        assert_eq!(footage_status(until(13), now()), FootageStatus::Ok);
        assert_eq!(footage_until(incident, None), None);
        assert_eq!(footage_status(None, now()), FootageStatus::Unknown);
    }

    #[test]
    fn status_changes() {
        let change: StatusBody =
            serde_json::from_str(r#"{"status": "footage_obtained", "note": "USB stick\nbag 4"}"#)
                .unwrap();
        let change = change.check().unwrap();
        assert_eq!(change.status, ContactStatus::FootageObtained);
        assert_eq!(change.note.as_deref(), Some("USB stick\nbag 4"));
        let bad: StatusBody = serde_json::from_str(r#"{"status": "attempted"}"#).unwrap();
        assert!(bad.check().unwrap_err().message.contains("no_answer"));
        let long: StatusBody = serde_json::from_str(&format!(
            r#"{{"status": "declined", "note": "{}"}}"#,
            "x".repeat(1001)
        ))
        .unwrap();
        assert_eq!(long.check().unwrap_err().field, "note");
    }

    #[test]
    fn a_preview_takes_the_incident_time_and_area_of_a_canvass_and_no_case() {
        let preview: PreviewBody = serde_json::from_str(
            r#"{"incident": {"type": "Point", "coordinates": [-122.03, 37.97]},
                "incident_time": "2026-12-01T14:05:00-08:00"}"#,
        )
        .unwrap();
        let checked = preview.check(now()).unwrap();
        assert_eq!(checked.area, SearchArea::Radius(DEFAULT_RADIUS_M));
        assert_eq!(checked.incident.lon(), -122.03);
        let missing: PreviewBody =
            serde_json::from_str(r#"{"incident_time": "2026-12-01T14:05:00Z"}"#).unwrap();
        assert_eq!(missing.check(now()).unwrap_err().field, "incident");
        let radius: PreviewBody = serde_json::from_str(
            r#"{"incident": {"type": "Point", "coordinates": [-122.03, 37.97]},
                "incident_time": "2026-12-01T14:05:00Z", "area": {"radius_m": 0}}"#,
        )
        .unwrap();
        assert_eq!(radius.check(now()).unwrap_err().field, "area.radius_m");
        // A case number belongs to the canvass: a preview that carries one is refused.
        assert!(serde_json::from_str::<PreviewBody>(r#"{"case_number": "26-000001"}"#).is_err());
    }
}
