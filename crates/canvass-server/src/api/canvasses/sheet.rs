//! `GET /api/v1/canvasses/{id}/sheet`: the printable canvass sheet an officer takes door to
//! door (A4 or US Letter, readable on screen too): the case, a map of the area with the stops
//! numbered in walking order, the door script in English and Spanish, and one entry per stop
//! with its cameras and boxes to note the outcome by hand.
//!
//! Cameras at the same address are one stop; the walking order is
//! [`canvass_model::walk::walking_order`]. Owners' addresses and contacts are on the sheet only
//! for callers with `pii` (and not `?contacts=false`), opened by the same audited path as the
//! JSON and CSV answers ([`answer::contacts`]): the sheet is built on the transaction that
//! records the disclosure, and the two commit together.

mod map;

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::canvasses::{Canvass, CanvassCamera, StoredArea};
use canvass_db::places::{self, StreetLine};
use canvass_i18n::Messages;
use canvass_model::Language;
use canvass_model::canvass::{FootageStatus, footage_status};
use canvass_model::walk::{LocalProjection, Metres, tour_length, walking_order};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::answer::{self, Contacts};
use super::read::ContactsQuery;
use super::{CanvassState, db_failure, load_canvass, path_id};
use crate::http::page::escape;
use crate::http::{ClientInfo, Principal, Refusal};

/// The sheet's stylesheet, served at [`STYLESHEET_PATH`] (the security policy allows no
/// inline style).
pub(crate) const STYLESHEET: &str = include_str!("sheet/sheet.css");
/// Where the sheet links its stylesheet.
pub(crate) const STYLESHEET_PATH: &str = "/static/canvass-sheet.css";

/// How long before and after the incident the door script asks about: a burglary's time is
/// rarely known to the minute.
const FOOTAGE_WINDOW: TimeDelta = TimeDelta::minutes(30);

/// `?lang=es`: the sheet's headings in Spanish (the door script is in both languages either
/// way).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LanguageQuery {
    lang: Option<String>,
}

impl LanguageQuery {
    fn language(&self) -> Result<Language, Refusal> {
        match self.lang.as_deref() {
            None => Ok(Language::En),
            Some(tag) => tag.parse().map_err(|_| {
                Refusal::new(StatusCode::BAD_REQUEST, "lang: must be en or es".to_owned())
            }),
        }
    }
}

/// `GET /api/v1/canvasses/{id}/sheet`.
pub(crate) async fn sheet(
    State(state): State<CanvassState>,
    principal: Principal,
    client: ClientInfo,
    Path(id_text): Path<String>,
    Query(contacts_query): Query<ContactsQuery>,
    Query(language_query): Query<LanguageQuery>,
) -> Result<Response, Refusal> {
    let id = path_id(&id_text, "the canvass id")?;
    let language = language_query.language()?;
    let now = Utc::now();
    let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
    let tx = db
        .transaction()
        .await
        .map_err(DbError::pg("begin reading a canvass sheet"))
        .map_err(Refusal::unavailable)?;
    let canvass = load_canvass(&*tx, id).await?;
    let contacts = answer::contacts(
        &*tx,
        &state.keys,
        &principal,
        &client,
        &canvass,
        contacts_query.contacts(),
    )
    .await?;
    let frame = map::Frame::new(&canvass)?;
    let (south_west, north_east) = frame.bounds()?;
    let streets = places::streets_in_box(
        &*tx,
        south_west,
        north_east,
        frame.simplify_tolerance_deg(),
        map::MAX_STREETS,
    )
    .await
    .map_err(db_failure)?;
    // Built before the commit: a sheet that cannot be made is not recorded as disclosed.
    let settings = state.public.clone();
    let page = tokio::task::spawn_blocking(move || {
        let sheet = Sheet {
            canvass: &canvass,
            contacts: contacts.as_ref(),
            streets: &streets,
            frame: &frame,
            messages: &settings.messages,
            department: &settings.department.name,
            zone: settings.department.time_zone,
            language,
            now,
        };
        sheet.render()
    })
    .await
    .map_err(|e| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot make the canvass sheet",
        )
        .caused_by(e)
    })?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit reading a canvass sheet"))
        .map_err(Refusal::unavailable)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response())
}

/// `GET /static/canvass-sheet.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// One door to knock on: the cameras registered at one address, nearest the incident first.
#[derive(Debug)]
struct Stop<'a> {
    /// Its cameras (at least one), in the canvass's order.
    cameras: Vec<&'a CanvassCamera>,
}

impl Stop<'_> {
    /// Where it is: its camera nearest the incident.
    fn first(&self) -> &CanvassCamera {
        self.cameras[0]
    }
}

/// An address as a grouping key: case and spacing do not make two doors.
fn address_key(address: &str) -> String {
    address
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The canvass's cameras grouped by address, in the order of each address's nearest camera.
fn stops(cameras: &[CanvassCamera]) -> Vec<Stop<'_>> {
    let mut stops: Vec<Stop<'_>> = Vec::new();
    let mut by_address: HashMap<String, usize> = HashMap::new();
    for camera in cameras {
        let key = address_key(camera.address().unwrap_or_default());
        match by_address.get(&key) {
            Some(&i) => stops[i].cameras.push(camera),
            None => {
                by_address.insert(key, stops.len());
                stops.push(Stop {
                    cameras: vec![camera],
                });
            }
        }
    }
    stops
}

/// Compass direction (eight points) of a bearing in degrees: the message id's suffix.
fn direction(bearing_deg: f32) -> &'static str {
    const POINTS: [&str; 8] = ["n", "ne", "e", "se", "s", "sw", "w", "nw"];
    // Each point covers 45°, centred on it.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let sector = ((f64::from(bearing_deg) + 22.5).rem_euclid(360.0) / 45.0) as usize;
    POINTS[sector % 8]
}

/// Minutes are what an officer reads, on the department's clock, which the sheet names
/// (`2026-12-02 14:40 PST`).
fn minute(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The time the door script asks about: around the incident, or for a missing person from
/// the last sighting to when the canvass ran.
fn footage_window(canvass: &Canvass) -> (DateTime<Utc>, DateTime<Utc>) {
    match &canvass.area {
        StoredArea::MissingPerson { last_seen_at, .. } => {
            (*last_seen_at, canvass.created_at.max(*last_seen_at))
        }
        _ => (
            canvass.incident_time - FOOTAGE_WINDOW,
            canvass.incident_time + FOOTAGE_WINDOW,
        ),
    }
}

/// Whole metres, as a sheet shows them.
fn metres(value: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let whole = value.round() as i64;
    whole.to_string()
}

/// Everything the sheet is drawn from.
struct Sheet<'a> {
    canvass: &'a Canvass,
    contacts: Option<&'a Contacts>,
    streets: &'a [StreetLine],
    frame: &'a map::Frame,
    messages: &'a Messages,
    department: &'a str,
    /// The department's clock, every time on the sheet is read on.
    zone: Tz,
    language: Language,
    now: DateTime<Utc>,
}

impl Sheet<'_> {
    /// A message in the sheet's language, escaped.
    fn t(&self, id: &str) -> String {
        escape(&self.messages.get(self.language, id))
    }

    /// A message with arguments in `language`, escaped (the arguments are escaped with it).
    fn tl(&self, language: Language, id: &str, args: &[(&str, &str)]) -> String {
        escape(&self.messages.format(language, id, args))
    }

    fn tf(&self, id: &str, args: &[(&str, &str)]) -> String {
        self.tl(self.language, id, args)
    }

    fn render(&self) -> String {
        let canvass = self.canvass;
        let stops = stops(&canvass.cameras);
        let positions: Vec<_> = stops.iter().map(|s| s.first().at).collect();
        let order = walking_order(canvass.incident, &positions);
        let projection = LocalProjection::new(canvass.incident);
        let points: Vec<Metres> = positions.iter().map(|p| projection.project(*p)).collect();
        let walked_km = tour_length(&points, &order) / 1000.0;

        let title = format!(
            "{} · {}",
            self.messages.get(self.language, "sheet-title"),
            canvass.case_number
        );
        let mut body = String::new();
        self.header(&mut body, stops.len());
        let ordered: Vec<_> = order.iter().map(|&i| positions[i]).collect();
        let _ = write!(
            body,
            "<section class=\"map\"><h2>{}</h2>{}<p class=\"legend\">{}</p></section>",
            self.t("sheet-map-heading"),
            map::svg(
                self.frame,
                self.streets,
                &ordered,
                &self.messages.get(self.language, "sheet-map-label"),
            ),
            self.t("sheet-map-legend"),
        );
        self.door_script(&mut body);
        let _ = write!(
            body,
            "<section class=\"stops\"><h2>{}</h2><p>{}</p>",
            self.t("sheet-walk-heading"),
            self.tf(
                "sheet-walk-summary",
                &[
                    ("stops", &stops.len().to_string()),
                    ("km", &format!("{walked_km:.1}")),
                ],
            ),
        );
        if stops.is_empty() {
            let _ = write!(body, "<p>{}</p>", self.t("sheet-no-cameras"));
        }
        body.push_str("<ol class=\"stop-list\">");
        for (number, &i) in order.iter().enumerate() {
            self.stop(&mut body, number + 1, &stops[i]);
        }
        body.push_str("</ol></section>");
        let _ = write!(
            body,
            "<footer>{}</footer>",
            self.tf(
                "sheet-footer",
                &[
                    ("id", &canvass.id.to_string()),
                    ("case", &canvass.case_number),
                    ("printed", &minute(self.now, self.zone)),
                ],
            ),
        );
        format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} · Canvass</title>\
             <link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\"></head>\
             <body><main class=\"sheet\">{body}</main></body></html>\n",
            lang = self.language.as_str(),
            title = escape(&title),
        )
    }

    fn header(&self, out: &mut String, stop_count: usize) {
        let canvass = self.canvass;
        let _ = write!(
            out,
            "<header><h1>{} <span class=\"case\">{}</span></h1><dl class=\"facts\">",
            self.t("sheet-title"),
            escape(&canvass.case_number),
        );
        let mut fact = |label: &str, value: String| {
            let _ = write!(out, "<div><dt>{}</dt><dd>{value}</dd></div>", self.t(label));
        };
        if let Some(reason) = &canvass.reason {
            fact("sheet-reason", escape(reason));
        }
        fact(
            "sheet-incident-time",
            escape(&minute(canvass.incident_time, self.zone)),
        );
        let point = format!(
            "{:.5}, {:.5}",
            canvass.incident.lat(),
            canvass.incident.lon()
        );
        let place = match &canvass.incident_address {
            Some(address) => format!("{} ({point})", escape(address)),
            None => point,
        };
        fact("sheet-incident-place", place);
        fact("sheet-area", self.area());
        let created_by = canvass.created_by.as_deref().unwrap_or("—");
        fact(
            "sheet-created",
            self.tf(
                "sheet-created-by",
                &[
                    ("time", &minute(canvass.created_at, self.zone)),
                    ("name", created_by),
                ],
            ),
        );
        fact("sheet-printed", escape(&minute(self.now, self.zone)));
        fact(
            "sheet-cameras",
            self.tf(
                "sheet-cameras-count",
                &[
                    ("cameras", &canvass.cameras.len().to_string()),
                    ("stops", &stop_count.to_string()),
                ],
            ),
        );
        out.push_str("</dl>");
        if answer::truncated(canvass) {
            let _ = write!(
                out,
                "<p class=\"warning\">{}</p>",
                self.tf(
                    "sheet-truncated",
                    &[
                        ("found", &canvass.found.to_string()),
                        ("cameras", &canvass.cameras.len().to_string()),
                    ],
                ),
            );
        }
        let (class, notice) = match self.contacts {
            Some(_) => ("notice personal", "sheet-contacts-shown"),
            None => ("notice", "sheet-contacts-hidden"),
        };
        let _ = write!(out, "<p class=\"{class}\">{}</p></header>", self.t(notice));
    }

    /// The search area in words.
    fn area(&self) -> String {
        match &self.canvass.area {
            StoredArea::Radius { radius_m } => self.tf(
                "sheet-area-radius",
                &[("radius", &metres(f64::from(*radius_m)))],
            ),
            StoredArea::Polygon { .. } => self.t("sheet-area-polygon"),
            StoredArea::Route { buffer_m, .. } => self.tf(
                "sheet-area-route",
                &[("buffer", &metres(f64::from(*buffer_m)))],
            ),
            StoredArea::MissingPerson {
                last_seen_at,
                speed_kmh,
                radius_m,
            } => self.tf(
                "sheet-area-missing",
                &[
                    ("time", &minute(*last_seen_at, self.zone)),
                    ("radius", &metres(f64::from(*radius_m))),
                    ("speed", &format!("{speed_kmh:.1}")),
                ],
            ),
        }
    }

    /// What the officer says at the door, in English and in Spanish side by side.
    fn door_script(&self, out: &mut String) {
        let (from, until) = footage_window(self.canvass);
        let (from, until) = (minute(from, self.zone), minute(until, self.zone));
        let _ = write!(
            out,
            "<section class=\"script\"><h2>{}</h2><div class=\"script-columns\">",
            self.t("sheet-script-heading")
        );
        for (language, name) in [(Language::En, "English"), (Language::Es, "Español")] {
            let _ = write!(
                out,
                "<div lang=\"{}\"><h3>{name}</h3><p>{}</p><p>{}</p><p>{}</p><p>{}</p></div>",
                language.as_str(),
                self.tl(
                    language,
                    "sheet-script-hello",
                    &[("department", self.department)]
                ),
                self.tl(
                    language,
                    "sheet-script-ask",
                    &[("from", &from), ("until", &until)]
                ),
                self.tl(language, "sheet-script-preserve", &[]),
                self.tl(language, "sheet-script-never", &[]),
            );
        }
        out.push_str("</div></section>");
    }

    /// One stop: where, its cameras, its owners (with `pii`) and the boxes for the outcome.
    fn stop(&self, out: &mut String, number: usize, stop: &Stop<'_>) {
        let first = stop.first();
        let near = self.tf(
            "sheet-stop-near",
            &[
                ("distance", &metres(f64::from(first.distance_m))),
                (
                    "direction",
                    &self.messages.get(
                        self.language,
                        &format!("sheet-dir-{}", direction(first.bearing_deg)),
                    ),
                ),
            ],
        );
        let _ = write!(
            out,
            "<li class=\"stop\" data-stop=\"{number}\"><div class=\"stop-head\">\
             <span class=\"stop-number\">{number}</span>"
        );
        // The owner's address is personal data: only on a sheet that carries contacts.
        if self.contacts.is_some() {
            let _ = write!(
                out,
                "<span class=\"stop-address\">{}</span>",
                escape(first.address().unwrap_or_default())
            );
        }
        let _ = write!(
            out,
            "<span class=\"stop-where\">{near} · {:.5}, {:.5}</span></div>",
            first.at.lat(),
            first.at.lon(),
        );
        let _ = write!(
            out,
            "<table class=\"cameras\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th><th>{}</th></tr></thead><tbody>",
            self.t("sheet-col-camera"),
            self.t("sheet-col-placement"),
            self.t("sheet-col-views"),
            self.t("sheet-col-faces"),
            self.tf("sheet-col-footage", &[("zone", self.zone.name())]),
            self.t("sheet-col-status"),
        );
        for camera in &stop.cameras {
            self.camera_row(out, camera);
        }
        out.push_str("</tbody></table>");
        if let Some(contacts) = self.contacts {
            self.owners(out, stop, contacts);
        }
        let _ = write!(
            out,
            "<div class=\"outcome\"><span class=\"label\">{}</span>",
            self.t("sheet-outcome")
        );
        for id in [
            "sheet-outcome-no-answer",
            "sheet-outcome-contacted",
            "sheet-outcome-declined",
            "sheet-outcome-footage",
            "sheet-outcome-no-footage",
        ] {
            let _ = write!(
                out,
                "<span class=\"choice\"><span class=\"box\"></span>{}</span>",
                self.t(id)
            );
        }
        let _ = write!(
            out,
            "</div><div class=\"notes\"><span class=\"label\">{}</span>\
             <span class=\"line\"></span><span class=\"line\"></span></div></li>",
            self.t("sheet-notes")
        );
    }

    fn camera_row(&self, out: &mut String, camera: &CanvassCamera) {
        let views: Vec<String> = camera
            .views
            .iter()
            .map(|v| self.t(&format!("sheet-view-{}", v.as_str())))
            .collect();
        // The column's heading names the clock.
        let until = camera
            .footage_until
            .map(|t| {
                t.with_timezone(&self.zone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let footage = match footage_status(camera.footage_until, self.now) {
            FootageStatus::Ok => self.tf("sheet-footage-ok", &[("until", &until)]),
            FootageStatus::AtRisk => format!(
                "<span class=\"badge at-risk\">{}</span>",
                self.tf("sheet-footage-at-risk", &[("until", &until)])
            ),
            FootageStatus::Overwritten => format!(
                "<span class=\"badge overwritten\">{}</span>",
                self.tf("sheet-footage-overwritten", &[("until", &until)])
            ),
            FootageStatus::Unknown => self.t("sheet-footage-unknown"),
        };
        let mut status = self.t(&format!("sheet-status-{}", camera.status.status.as_str()));
        if let Some(note) = &camera.status.note {
            let _ = write!(status, "<br><span class=\"note\">{}</span>", escape(note));
        }
        let _ = write!(
            out,
            "<tr><td>#{}</td><td>{}</td><td>{}</td><td class=\"faces-{}\">{}</td><td>{footage}</td>\
             <td>{status}</td></tr>",
            camera.camera_id,
            self.t(&format!("sheet-placement-{}", camera.placement.as_str())),
            views.join(", "),
            camera.faces_incident.as_str(),
            self.t(&format!("sheet-faces-{}", camera.faces_incident.as_str())),
        );
    }

    /// The owners of a stop's cameras, each once.
    fn owners(&self, out: &mut String, stop: &Stop<'_>, contacts: &Contacts) {
        let mut seen: Vec<Option<i64>> = Vec::new();
        out.push_str("<div class=\"owners\">");
        for camera in &stop.cameras {
            let registration = camera.registration_id();
            if seen.contains(&registration) {
                continue;
            }
            seen.push(registration);
            let Some(owner) = registration.and_then(|r| contacts.get(&r)) else {
                let _ = write!(out, "<p class=\"owner\">{}</p>", self.t("sheet-no-contact"));
                continue;
            };
            let c = &owner.contact;
            let _ = write!(
                out,
                "<p class=\"owner\"><span class=\"label\">{}</span> {}",
                self.t("sheet-owner"),
                escape(&c.name)
            );
            if let Some(business) = &c.business_name {
                let _ = write!(out, " ({})", escape(business));
            }
            if let Some(phone) = &c.phone {
                let _ = write!(
                    out,
                    " · <span class=\"label\">{}</span> {}",
                    self.t("sheet-phone"),
                    escape(phone)
                );
            }
            let _ = write!(
                out,
                " · <span class=\"label\">{}</span> {} · <span class=\"label\">{}</span> {}</p>",
                self.t("sheet-email"),
                escape(&c.email),
                self.t("sheet-owner-language"),
                escape(&owner.language),
            );
        }
        out.push_str("</div>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_on_the_departments_clock_and_name_it() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        let winter = at("2026-12-02T22:40:00Z");
        assert_eq!(minute(winter, Tz::UTC), "2026-12-02 22:40 UTC");
        assert_eq!(
            minute(winter, chrono_tz::America::Los_Angeles),
            "2026-12-02 14:40 PST"
        );
        assert_eq!(
            minute(at("2026-07-04T19:05:00Z"), chrono_tz::America::Los_Angeles),
            "2026-07-04 12:05 PDT"
        );
    }

    #[test]
    fn directions_cover_the_compass() {
        assert_eq!(direction(0.0), "n");
        assert_eq!(direction(22.4), "n");
        assert_eq!(direction(22.6), "ne");
        assert_eq!(direction(90.0), "e");
        assert_eq!(direction(200.0), "s");
        assert_eq!(direction(270.0), "w");
        assert_eq!(direction(350.0), "n");
        assert_eq!(direction(359.9), "n");
    }

    #[test]
    fn addresses_group_regardless_of_case_and_spacing() {
        assert_eq!(address_key(" 12  Main St "), address_key("12 main st"));
        assert_ne!(address_key("12 Main St"), address_key("14 Main St"));
    }
}
