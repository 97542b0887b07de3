//! Deterministic synthetic data for a city the size of Concord, California: a jurisdiction of
//! about 80 km² around 37.97 N, 122.03 W, a named street grid, address points along it, and
//! registrations with 1–6 cameras each.
//!
//! Every registration draws from its own ChaCha stream (seed, registration index), so the data
//! can be generated again, table by table, without holding it in memory, and the same seed and
//! as-of date always give the same rows. Rows go in with COPY.

use std::f64::consts::PI;

use bytes::{BufMut, Bytes, BytesMut};
use canvass_model::contact_seal::{ContactField, ContactKey};
use chrono::{Duration as Days, NaiveDate, NaiveTime, TimeZone, Utc};
use futures_util::SinkExt;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio_postgres::Client;

use crate::DbError;

const CENTER_LAT: f64 = 37.97;
const CENTER_LON: f64 = -122.03;
const METERS_PER_DEG_LAT: f64 = 110_574.0;
/// Mean radius of the jurisdiction: π·5.05² ≈ 80 km².
const CITY_RADIUS_M: f64 = 5050.0;
const BLOCK_M: f64 = 150.0;
const GRID_HALF_LINES: i32 = 42;
/// Distance of an address point from the street centre line.
const ADDRESS_SETBACK_M: f64 = 12.0;
const CITY_NAME: &str = "Demo City";
const POSTCODE: &str = "94520";
const CONSENT_VERSION: &str = "demo-2026-01";
const BATCH_BYTES: usize = 1 << 20;
/// Stream number of the city geometry; registrations use streams 0..n.
const CITY_STREAM: u64 = u64::MAX;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Number of camera rows.
    pub cameras: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// The day the data is "as of": creation and verification dates are relative to it.
    pub as_of: NaiveDate,
}

/// What was loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// Registrations loaded.
    pub registrations: u64,
    /// Cameras loaded.
    pub cameras: u64,
    /// Address points loaded.
    pub address_points: u64,
    /// Street segments loaded.
    pub streets: u64,
}

/// Largest demo accepted; the registry of a city never comes near it.
pub const MAX_DEMO_CAMERAS: u64 = 5_000_000;

const COUNT_REGISTRATIONS: &str = "SELECT count(*) FROM registrations";
const WIPE_REGISTRY: &str = "TRUNCATE registrations, contacts, cameras, address_points, streets, \
     jurisdiction, canvasses, canvass_cameras, verification_messages, owner_tokens, changes RESTART IDENTITY";
const INSERT_JURISDICTION: &str = "INSERT INTO jurisdiction (name, boundary, source) \
     VALUES ($1, ST_Multi(ST_GeomFromText($2, 4326)), 'demo')";
const COPY_STREETS: &str = "COPY streets (id, name, class, geom) FROM STDIN";
const COPY_ADDRESSES: &str = "COPY address_points (id, number, street, city, postcode, street_key, location, source) FROM STDIN";
const COPY_REGISTRATIONS: &str = "COPY registrations (id, status, kind, language, contact_method, \
     consent_version, consented_at, source, created_at, updated_at, confirmed_at, verified_at, \
     verification_due, opted_out_at) FROM STDIN";
const COPY_CONTACTS: &str = "COPY contacts (registration_id, key_id, name_sealed, email_sealed, \
     phone_sealed, business_name_sealed, email_hash) FROM STDIN";
const COPY_CAMERAS: &str = "COPY cameras (id, registration_id, location, address, placement, views, \
     facing_deg, fov_deg, range_m, retention_days, recording_mode, can_export, notes) FROM STDIN";
const RESET_SEQUENCES: &str = "
    SELECT setval(pg_get_serial_sequence('registrations', 'id'), greatest(max(id), 1)) FROM registrations;
    SELECT setval(pg_get_serial_sequence('cameras', 'id'), greatest(max(id), 1)) FROM cameras;
    SELECT setval(pg_get_serial_sequence('address_points', 'id'), greatest(max(id), 1)) FROM address_points;
    SELECT setval(pg_get_serial_sequence('streets', 'id'), greatest(max(id), 1)) FROM streets;
    ANALYZE registrations, contacts, cameras, address_points, streets, changes;";

/// Whether the registry holds no registrations (serve --demo loads only then).
pub async fn registry_is_empty(client: &Client) -> Result<bool, DbError> {
    let row = client
        .query_one(COUNT_REGISTRATIONS, &[])
        .await
        .map_err(DbError::pg("count registrations"))?;
    Ok(row.get::<_, i64>(0) == 0)
}

/// Loads the demo in one transaction. Refuses a non-empty registry unless `replace`, which
/// first empties the registry tables (users, keys and the audit trail are kept).
pub async fn load(
    client: &mut Client,
    options: DemoOptions,
    key: &ContactKey,
    replace: bool,
) -> Result<DemoReport, DbError> {
    if options.cameras == 0 || options.cameras > MAX_DEMO_CAMERAS {
        return Err(DbError::Demo(format!(
            "--cameras must be between 1 and {MAX_DEMO_CAMERAS}, got {}",
            options.cameras
        )));
    }
    let tx = client
        .transaction()
        .await
        .map_err(DbError::pg("begin demo load"))?;
    let existing: i64 = tx
        .query_one(COUNT_REGISTRATIONS, &[])
        .await
        .map_err(DbError::pg("count registrations"))?
        .get(0);
    if existing > 0 {
        if !replace {
            return Err(DbError::Demo(format!(
                "the database already holds {existing} registrations; use --replace to wipe the \
                 registry and load the demo"
            )));
        }
        tx.batch_execute(WIPE_REGISTRY)
            .await
            .map_err(DbError::pg("wipe the registry"))?;
    }
    let city = City::generate(options.seed);
    tx.execute(
        INSERT_JURISDICTION,
        &[&format!("{CITY_NAME} (demo)"), &city.boundary_wkt()],
    )
    .await
    .map_err(DbError::pg("insert jurisdiction"))?;
    let streets = copy_rows(&tx, COPY_STREETS, city.segments.iter(), |buf, (id, s)| {
        city.write_street_row(buf, id as u64 + 1, s);
    })
    .await?;
    let addresses = city.addresses(city.addresses_per_side(options.cameras));
    let address_rows = copy_rows(&tx, COPY_ADDRESSES, addresses.iter(), |buf, (id, a)| {
        write_address_row(buf, id as u64 + 1, a);
    })
    .await?;
    let plan = Plan::new(&options, addresses.len());
    let registrations = copy_rows(&tx, COPY_REGISTRATIONS, plan.owners(), |buf, (_, o)| {
        write_registration_row(buf, &o, options.as_of);
    })
    .await?;
    copy_rows(
        &tx,
        COPY_CONTACTS,
        plan.owners().filter(|o| o.status != "opted_out"),
        |buf, (_, o)| {
            write_contact_row(buf, &o, key);
        },
    )
    .await?;
    let cameras = copy_rows(
        &tx,
        COPY_CAMERAS,
        plan.owners().flat_map(|o| o.cameras(&addresses)),
        |buf, (_, c)| {
            write_camera_row(buf, &c);
        },
    )
    .await?;
    tx.batch_execute(RESET_SEQUENCES)
        .await
        .map_err(DbError::pg("reset sequences"))?;
    tx.commit().await.map_err(DbError::pg("commit demo load"))?;
    Ok(DemoReport {
        registrations,
        cameras,
        address_points: address_rows,
        streets,
    })
}

/// Streams rows into a COPY, one megabyte at a time.
async fn copy_rows<T>(
    tx: &tokio_postgres::Transaction<'_>,
    statement: &str,
    rows: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut BytesMut, (usize, T)),
) -> Result<u64, DbError> {
    let sink = tx
        .copy_in::<_, Bytes>(statement)
        .await
        .map_err(DbError::pg(statement.to_owned()))?;
    let mut sink = std::pin::pin!(sink);
    let mut buf = BytesMut::with_capacity(BATCH_BYTES + 4096);
    for row in rows.enumerate() {
        write(&mut buf, row);
        if buf.len() >= BATCH_BYTES {
            sink.send(buf.split().freeze())
                .await
                .map_err(DbError::pg(statement.to_owned()))?;
        }
    }
    if !buf.is_empty() {
        sink.send(buf.freeze())
            .await
            .map_err(DbError::pg(statement.to_owned()))?;
    }
    sink.as_mut()
        .finish()
        .await
        .map_err(DbError::pg(statement.to_owned()))
}

/// Local metres east/north of the centre.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Xy {
    x: f64,
    y: f64,
}

impl Xy {
    fn lon_lat(self) -> (f64, f64) {
        let lat = CENTER_LAT + self.y / METERS_PER_DEG_LAT;
        let lon = CENTER_LON + self.x / (111_320.0 * CENTER_LAT.to_radians().cos());
        (lon, lat)
    }

    fn offset(self, bearing_deg: f64, distance: f64) -> Xy {
        let b = bearing_deg.to_radians();
        Xy {
            x: self.x + distance * b.sin(),
            y: self.y + distance * b.cos(),
        }
    }
}

#[derive(Debug, Clone)]
struct Segment {
    name_index: usize,
    north_south: bool,
    /// Grid line and block numbers, for house numbers.
    line: i32,
    block: i32,
    from: Xy,
    to: Xy,
}

#[derive(Debug, Clone)]
struct Address {
    number: u32,
    street: String,
    location: Xy,
    /// Bearing from the house to the street.
    to_street_deg: f64,
}

struct City {
    boundary: Vec<Xy>,
    segments: Vec<Segment>,
    ns_names: Vec<String>,
    ew_names: Vec<String>,
}

impl City {
    fn generate(seed: u64) -> City {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(CITY_STREAM);
        // A wobbly circle: radius varies smoothly with three random harmonics.
        let harmonics: Vec<(f64, f64)> = (0..3)
            .map(|_| {
                (
                    rng.random_range(0.03..0.07),
                    rng.random_range(0.0..2.0 * PI),
                )
            })
            .collect();
        let boundary: Vec<Xy> = (0..48)
            .map(|i| {
                let t = 2.0 * PI * f64::from(i) / 48.0;
                let wobble: f64 = harmonics
                    .iter()
                    .enumerate()
                    .map(|(k, (a, p))| a * ((k as f64 + 2.0) * t + p).sin())
                    .sum();
                let r = CITY_RADIUS_M * (1.0 + wobble);
                Xy {
                    x: r * t.sin(),
                    y: r * t.cos(),
                }
            })
            .collect();
        let lines = 2 * GRID_HALF_LINES + 1;
        let ns_names = (0..lines).map(|i| street_name(i as usize, true)).collect();
        let ew_names = (0..lines).map(|i| street_name(i as usize, false)).collect();
        let mut city = City {
            boundary,
            segments: Vec::new(),
            ns_names,
            ew_names,
        };
        let coord = |i: i32| f64::from(i) * BLOCK_M;
        for line in -GRID_HALF_LINES..=GRID_HALF_LINES {
            for block in -GRID_HALF_LINES..GRID_HALF_LINES {
                for north_south in [true, false] {
                    let (from, to) = if north_south {
                        (
                            Xy {
                                x: coord(line),
                                y: coord(block),
                            },
                            Xy {
                                x: coord(line),
                                y: coord(block + 1),
                            },
                        )
                    } else {
                        (
                            Xy {
                                x: coord(block),
                                y: coord(line),
                            },
                            Xy {
                                x: coord(block + 1),
                                y: coord(line),
                            },
                        )
                    };
                    if city.contains_with_margin(from) && city.contains_with_margin(to) {
                        let name_index = (line + GRID_HALF_LINES) as usize;
                        city.segments.push(Segment {
                            name_index,
                            north_south,
                            line,
                            block,
                            from,
                            to,
                        });
                    }
                }
            }
        }
        city
    }

    /// Enough address points that every registration has its own (about 2.5 cameras each).
    fn addresses_per_side(&self, cameras: u64) -> usize {
        let owners = cameras as f64 / 2.4;
        let needed = (owners / (2.0 * self.segments.len().max(1) as f64)).ceil() as usize;
        needed.clamp(9, 30)
    }

    /// Inside, with room for the houses and cameras of a street (address setback plus the
    /// spread of cameras around a house) before the boundary.
    fn contains_with_margin(&self, p: Xy) -> bool {
        const MARGIN_M: f64 = ADDRESS_SETBACK_M + 20.0;
        [
            (0.0, 0.0),
            (MARGIN_M, 0.0),
            (-MARGIN_M, 0.0),
            (0.0, MARGIN_M),
            (0.0, -MARGIN_M),
        ]
        .iter()
        .all(|(dx, dy)| {
            self.contains(Xy {
                x: p.x + dx,
                y: p.y + dy,
            })
        })
    }

    fn contains(&self, p: Xy) -> bool {
        let mut inside = false;
        let n = self.boundary.len();
        for i in 0..n {
            let (a, b) = (self.boundary[i], self.boundary[(i + n - 1) % n]);
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                inside = !inside;
            }
        }
        inside
    }

    fn boundary_wkt(&self) -> String {
        let mut ring: Vec<String> = self
            .boundary
            .iter()
            .map(|p| {
                let (lon, lat) = p.lon_lat();
                format!("{lon:.7} {lat:.7}")
            })
            .collect();
        if let Some(first) = ring.first().cloned() {
            ring.push(first);
        }
        format!("POLYGON(({}))", ring.join(","))
    }

    fn segment_name(&self, s: &Segment) -> &str {
        if s.north_south {
            &self.ns_names[s.name_index]
        } else {
            &self.ew_names[s.name_index]
        }
    }

    fn write_street_row(&self, buf: &mut BytesMut, id: u64, s: &Segment) {
        let class = if s.line % 8 == 0 {
            "primary"
        } else if s.line % 4 == 0 {
            "secondary"
        } else {
            "residential"
        };
        write_fields(
            buf,
            &[
                &id.to_string(),
                self.segment_name(s),
                class,
                &line_ewkb(&[s.from, s.to]),
            ],
        );
    }

    /// Address points on both sides of every segment, every 15 m, numbered like a US grid
    /// (hundreds by block, odd on one side, even on the other).
    fn addresses(&self, per_side: usize) -> Vec<Address> {
        let mut out = Vec::with_capacity(self.segments.len() * per_side * 2);
        for s in &self.segments {
            let bearing = if s.north_south { 0.0 } else { 90.0 };
            for side in 0..2u32 {
                let to_street = if side == 0 {
                    bearing + 270.0
                } else {
                    bearing + 90.0
                } % 360.0;
                for k in 0..per_side {
                    let along = (k as f64 + 0.5) * BLOCK_M / per_side as f64;
                    let on_street = s.from.offset(bearing, along);
                    let location = on_street.offset((to_street + 180.0) % 360.0, ADDRESS_SETBACK_M);
                    let hundred = u32::try_from(s.block + GRID_HALF_LINES + 1).unwrap_or(1) * 100;
                    let number = hundred + 2 * k as u32 + side;
                    // The boundary may cut between the ends of a segment.
                    if !self.contains_with_margin(location) {
                        continue;
                    }
                    out.push(Address {
                        number,
                        street: self.segment_name(s).to_owned(),
                        location,
                        to_street_deg: to_street % 360.0,
                    });
                }
            }
        }
        out
    }
}

fn street_name(i: usize, north_south: bool) -> String {
    const PRIMARY: [&str; 11] = [
        "Willow Pass Rd",
        "Clayton Rd",
        "Concord Blvd",
        "Monument Blvd",
        "Treat Blvd",
        "Ygnacio Valley Rd",
        "Oak Grove Rd",
        "Cowell Rd",
        "Bailey Rd",
        "Olivera Rd",
        "Galindo St",
    ];
    const NAMES: [&str; 40] = [
        "Oak",
        "Pine",
        "Maple",
        "Cedar",
        "Willow",
        "Elm",
        "Walnut",
        "Almond",
        "Olive",
        "Laurel",
        "Sycamore",
        "Magnolia",
        "Poplar",
        "Juniper",
        "Redwood",
        "Cypress",
        "Acacia",
        "Alder",
        "Aspen",
        "Birch",
        "Buckeye",
        "Madrone",
        "Manzanita",
        "Sequoia",
        "Palm",
        "Orchard",
        "Vineyard",
        "Mesa",
        "Sierra",
        "Del Monte",
        "Los Altos",
        "San Miguel",
        "Santa Rosa",
        "Las Juntas",
        "Buena Vista",
        "Alhambra",
        "Miramonte",
        "Solano",
        "Salvio",
        "Pacheco",
    ];
    let line = i as i32 - GRID_HALF_LINES;
    if line % 8 == 0 {
        let k = (line / 8 + 5) as usize + if north_south { 0 } else { 6 };
        return PRIMARY[k % PRIMARY.len()].to_owned() + if north_south { "" } else { " East" };
    }
    if north_south {
        let base = NAMES[i % NAMES.len()];
        let suffix = if line % 4 == 0 {
            "Ave"
        } else if i.is_multiple_of(3) {
            "Dr"
        } else {
            "St"
        };
        let quarter = if i >= NAMES.len() { " West" } else { "" };
        format!("{base}{quarter} {suffix}")
    } else {
        let n = i + 1;
        let ordinal = match (n % 10, n % 100) {
            (1, r) if r != 11 => "st",
            (2, r) if r != 12 => "nd",
            (3, r) if r != 13 => "rd",
            _ => "th",
        };
        format!("{n}{ordinal} {}", if line % 4 == 0 { "Ave" } else { "St" })
    }
}

/// Which registration gets which address, and how many cameras the whole demo has.
struct Plan<'a> {
    options: &'a DemoOptions,
    address_order: Vec<u32>,
}

impl<'a> Plan<'a> {
    fn new(options: &'a DemoOptions, address_count: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream(CITY_STREAM - 1);
        let mut address_order: Vec<u32> = (0..address_count as u32).collect();
        address_order.shuffle(&mut rng);
        Plan {
            options,
            address_order,
        }
    }

    /// Registrations in id order; stops when the camera total is reached. Opted-out owners
    /// have no contact and no cameras left, as after a real opt-out.
    fn owners(&self) -> impl Iterator<Item = Owner> + '_ {
        let total = self.options.cameras;
        let mut first_camera = 1u64;
        (0u64..).map_while(move |index| {
            if first_camera > total {
                return None;
            }
            let mut owner = Owner::generate(self.options, index, &self.address_order);
            if owner.status == "opted_out" {
                owner.camera_count = 0;
            }
            owner.camera_count = owner.camera_count.min(total + 1 - first_camera);
            owner.first_camera_id = first_camera;
            first_camera += owner.camera_count;
            Some(owner)
        })
    }
}

#[derive(Debug, Clone)]
struct Owner {
    id: i64,
    rng: ChaCha8Rng,
    status: &'static str,
    business: bool,
    spanish: bool,
    contact_method: &'static str,
    created: NaiveDate,
    address_index: usize,
    camera_count: u64,
    first_camera_id: u64,
    first: &'static str,
    last: &'static str,
}

impl Owner {
    fn generate(options: &DemoOptions, index: u64, address_order: &[u32]) -> Owner {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream(index);
        let status = pick(
            &mut rng,
            &[
                ("active", 82),
                ("pending", 5),
                ("paused", 5),
                ("lapsed", 5),
                ("opted_out", 3),
            ],
        );
        let business = rng.random_bool(0.3);
        let spanish = rng.random_bool(0.25);
        let contact_method = pick(&mut rng, &[("email", 60), ("phone", 25), ("text", 15)]);
        let days_ago = rng.random_range(1..=1000);
        // A pending owner has not confirmed yet, so registered within the week before the
        // purge of unconfirmed entries would take them.
        let days_ago = if status == "pending" {
            days_ago % 7
        } else {
            days_ago
        };
        let created = options.as_of - Days::days(days_ago);
        let camera_count = pick(
            &mut rng,
            &[(1, 30), (2, 28), (3, 18), (4, 12), (5, 7), (6, 5)],
        );
        let (firsts, lasts) = if spanish {
            (&FIRST_ES[..], &LAST_ES[..])
        } else {
            (&FIRST_EN[..], &LAST_EN[..])
        };
        let first = firsts[rng.random_range(0..firsts.len())];
        let last = lasts[rng.random_range(0..lasts.len())];
        let address_index = address_order
            .get(index as usize % address_order.len().max(1))
            .copied()
            .unwrap_or(0) as usize;
        Owner {
            id: index as i64 + 1,
            rng,
            status,
            business,
            spanish,
            contact_method,
            created,
            address_index,
            camera_count,
            first_camera_id: 0,
            first,
            last,
        }
    }

    fn cameras(&self, addresses: &[Address]) -> impl Iterator<Item = Camera> + use<> {
        let mut rng = self.rng.clone();
        let address = addresses.get(self.address_index).cloned();
        let (business, registration_id, first_id) = (self.business, self.id, self.first_camera_id);
        (0..self.camera_count).filter_map(move |k| {
            let address = address.clone()?;
            Some(Camera::generate(
                &mut rng,
                first_id + k,
                registration_id,
                business,
                &address,
            ))
        })
    }
}

#[derive(Debug, Clone)]
struct Camera {
    id: u64,
    registration_id: i64,
    location: Xy,
    address: String,
    placement: &'static str,
    views: Vec<&'static str>,
    facing: Option<f64>,
    fov: f64,
    range: f64,
    retention: u32,
    recording: &'static str,
    can_export: &'static str,
}

impl Camera {
    fn generate(
        rng: &mut ChaCha8Rng,
        id: u64,
        registration_id: i64,
        business: bool,
        address: &Address,
    ) -> Camera {
        let interior = rng.random_bool(0.12);
        // Cameras sit around the house, a few metres back from the address point.
        let spot = address
            .location
            .offset(rng.random_range(0.0..360.0), rng.random_range(1.0..8.0));
        let facing = if interior || rng.random_bool(0.15) {
            None
        } else {
            Some((address.to_street_deg + rng.random_range(-60.0..60.0)).rem_euclid(360.0))
        };
        let choices: &[(&'static str, u32)] = if interior {
            &[("entrance", 70), ("yard", 30)]
        } else if business {
            &[
                ("parking_lot", 35),
                ("entrance", 25),
                ("sidewalk", 20),
                ("street", 15),
                ("alley", 5),
            ]
        } else {
            &[
                ("driveway", 30),
                ("street", 25),
                ("yard", 20),
                ("sidewalk", 15),
                ("entrance", 10),
            ]
        };
        let mut views = vec![pick(rng, choices)];
        if rng.random_bool(0.35) {
            let second = pick(rng, choices);
            if !views.contains(&second) {
                views.push(second);
            }
        }
        let retention = match rng.random_range(0..100) {
            0..15 => rng.random_range(1..7),
            15..85 => rng.random_range(7..=30),
            _ => rng.random_range(31..=90),
        };
        Camera {
            id,
            registration_id,
            location: spot,
            address: format!("{} {}, {CITY_NAME}", address.number, address.street),
            placement: if interior { "interior" } else { "exterior" },
            views,
            facing,
            fov: f64::from(rng.random_range(60..=130u32)),
            range: f64::from(rng.random_range(8..=40u32)),
            retention,
            recording: if rng.random_bool(0.6) {
                "motion"
            } else {
                "continuous"
            },
            can_export: pick(rng, &[("yes", 70), ("no", 10), ("not_sure", 20)]),
        }
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (value, weight) in weighted {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    weighted[0].0
}

fn write_address_row(buf: &mut BytesMut, id: u64, a: &Address) {
    // The geocoder's key, exactly as an import computes it, so typed addresses find demo points.
    let key = canvass_model::address::street_key(&a.street);
    write_fields(
        buf,
        &[
            &id.to_string(),
            &a.number.to_string(),
            &a.street,
            CITY_NAME,
            POSTCODE,
            &key,
            &point_ewkb(a.location),
            "demo",
        ],
    );
}

fn timestamp(day: NaiveDate, seconds: u32) -> String {
    let time =
        NaiveTime::from_num_seconds_from_midnight_opt(seconds % 86_400, 0).unwrap_or_default();
    Utc.from_utc_datetime(&day.and_time(time))
        .format("%Y-%m-%d %H:%M:%S+00")
        .to_string()
}

fn write_registration_row(buf: &mut BytesMut, o: &Owner, as_of: NaiveDate) {
    let created = timestamp(o.created, (o.id as u32).wrapping_mul(7919));
    let pending = o.status == "pending";
    // Confirmed a day after registering; verified on the most recent anniversary before as_of.
    let confirmed = (!pending).then(|| timestamp(o.created + Days::days(1), 43_200));
    let mut verified_day = o.created + Days::days(1);
    while verified_day + Days::days(365) <= as_of {
        verified_day += Days::days(365);
    }
    let lapsed = o.status == "lapsed";
    if lapsed {
        verified_day = verified_day.min(as_of - Days::days(400));
    }
    let verified = (!pending).then(|| timestamp(verified_day, 43_200));
    let due = (!pending).then(|| (verified_day + Days::days(365)).to_string());
    let opted_out = (o.status == "opted_out").then(|| timestamp(as_of - Days::days(3), 3600));
    let updated = opted_out
        .clone()
        .or_else(|| verified.clone())
        .unwrap_or_else(|| created.clone());
    write_fields_opt(
        buf,
        &[
            Some(o.id.to_string()),
            Some(o.status.into()),
            Some(if o.business { "business" } else { "residence" }.into()),
            Some(if o.spanish { "es" } else { "en" }.into()),
            Some(o.contact_method.into()),
            Some(CONSENT_VERSION.into()),
            Some(created.clone()),
            Some("demo".into()),
            Some(created),
            Some(updated),
            confirmed,
            verified,
            due,
            opted_out,
        ],
    );
}

fn write_contact_row(buf: &mut BytesMut, o: &Owner, key: &ContactKey) {
    let name = format!("{} {}", o.first, o.last);
    let email = format!(
        "{}.{}{}@example.{}",
        ascii_lower(o.first),
        ascii_lower(o.last),
        o.id,
        if o.business { "com" } else { "org" }
    );
    let phone = format!("+1925555{:04}", o.id % 10_000);
    let business = o.business.then(|| {
        format!(
            "{} {}",
            o.last,
            BUSINESS_KINDS[o.id as usize % BUSINESS_KINDS.len()]
        )
    });
    let seal = |field, text: &str| bytea(&key.seal(o.id, field, text));
    write_fields_opt(
        buf,
        &[
            Some(o.id.to_string()),
            Some(key.id().to_owned()),
            Some(seal(ContactField::Name, &name)),
            Some(seal(ContactField::Email, &email)),
            Some(seal(ContactField::Phone, &phone)),
            business.map(|b| seal(ContactField::BusinessName, &b)),
            Some(bytea(&key.email_hash(&email))),
        ],
    );
}

fn write_camera_row(buf: &mut BytesMut, c: &Camera) {
    write_fields_opt(
        buf,
        &[
            Some(c.id.to_string()),
            Some(c.registration_id.to_string()),
            Some(point_ewkb(c.location)),
            Some(c.address.clone()),
            Some(c.placement.into()),
            Some(format!("{{{}}}", c.views.join(","))),
            c.facing.map(|f| format!("{f:.0}")),
            Some(format!("{:.0}", c.fov)),
            Some(format!("{:.0}", c.range)),
            Some(c.retention.to_string()),
            Some(c.recording.into()),
            Some(c.can_export.into()),
            None,
        ],
    );
}

fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'Á' => Some('a'),
            'é' | 'É' => Some('e'),
            'í' | 'Í' => Some('i'),
            'ó' | 'Ó' => Some('o'),
            'ú' | 'Ú' => Some('u'),
            'ñ' | 'Ñ' => Some('n'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Hex EWKB of a point in EPSG:4326: what PostGIS parses fastest from COPY text.
fn point_ewkb(p: Xy) -> String {
    let (lon, lat) = p.lon_lat();
    let mut bytes = Vec::with_capacity(25);
    bytes.extend_from_slice(&[1, 1, 0, 0, 0x20, 0xE6, 0x10, 0, 0]);
    bytes.extend_from_slice(&lon.to_le_bytes());
    bytes.extend_from_slice(&lat.to_le_bytes());
    hex::encode_upper(bytes)
}

fn line_ewkb(points: &[Xy]) -> String {
    let mut bytes = Vec::with_capacity(13 + 16 * points.len());
    bytes.extend_from_slice(&[1, 2, 0, 0, 0x20, 0xE6, 0x10, 0, 0]);
    bytes.extend_from_slice(&(points.len() as u32).to_le_bytes());
    for p in points {
        let (lon, lat) = p.lon_lat();
        bytes.extend_from_slice(&lon.to_le_bytes());
        bytes.extend_from_slice(&lat.to_le_bytes());
    }
    hex::encode_upper(bytes)
}

/// bytea in COPY text format: `\\x` then hex (the backslash itself escaped).
fn bytea(bytes: &[u8]) -> String {
    format!("\\\\x{}", hex::encode(bytes))
}

/// A row of fields that are all present.
fn write_fields(buf: &mut BytesMut, fields: &[&str]) {
    write_row(buf, fields.iter().map(|f| Some(*f)));
}

/// A row where `None` is SQL NULL.
fn write_fields_opt(buf: &mut BytesMut, fields: &[Option<String>]) {
    write_row(buf, fields.iter().map(Option::as_deref));
}

fn write_row<'a>(buf: &mut BytesMut, fields: impl Iterator<Item = Option<&'a str>>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            buf.put_u8(b'\t');
        }
        match field {
            Some(text) => put_escaped(buf, text),
            None => buf.put_slice(b"\\N"),
        }
    }
    buf.put_u8(b'\n');
}

/// COPY text escaping for the characters that would end a field or row. Values that are
/// already escaped (bytea) contain only `\\` and hex digits, which pass through unchanged.
fn put_escaped(buf: &mut BytesMut, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\t' => buf.put_slice(b"\\t"),
            b'\n' => buf.put_slice(b"\\n"),
            b'\r' => buf.put_slice(b"\\r"),
            _ => buf.put_u8(byte),
        }
    }
}

const FIRST_EN: [&str; 24] = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Wei",
    "Priya",
    "Minh",
    "Aisha",
    "Kenji",
    "Fatima",
];
const LAST_EN: [&str; 20] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Nguyen", "Chen",
    "Patel", "Kim",
];
const FIRST_ES: [&str; 16] = [
    "José",
    "María",
    "Juan",
    "Guadalupe",
    "Luis",
    "Rosa",
    "Carlos",
    "Ana",
    "Jorge",
    "Carmen",
    "Miguel",
    "Lucía",
    "Francisco",
    "Elena",
    "Alejandro",
    "Sofía",
];
const LAST_ES: [&str; 14] = [
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
];
const BUSINESS_KINDS: [&str; 8] = [
    "Hardware",
    "Market",
    "Auto Repair",
    "Bakery",
    "Pharmacy",
    "Dental",
    "Taquería",
    "Liquors",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn options(cameras: u64) -> DemoOptions {
        DemoOptions {
            cameras,
            seed: 7,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        }
    }

    #[test]
    fn city_is_about_80_km2_and_has_streets() {
        let city = City::generate(1);
        let n = city.boundary.len();
        let area: f64 = (0..n)
            .map(|i| {
                let (a, b) = (city.boundary[i], city.boundary[(i + 1) % n]);
                a.x * b.y - b.x * a.y
            })
            .sum::<f64>()
            .abs()
            / 2.0
            / 1e6;
        assert!((70.0..90.0).contains(&area), "area {area} km²");
        assert!(city.segments.len() > 5000);
        assert!(city.contains(Xy { x: 0.0, y: 0.0 }));
        assert!(!city.contains(Xy { x: 7000.0, y: 0.0 }));
    }

    #[test]
    fn plan_hits_the_camera_total_and_is_deterministic() {
        let city = City::generate(7);
        let addresses = city.addresses(9);
        let opts = options(5000);
        let plan = Plan::new(&opts, addresses.len());
        let cameras: Vec<Camera> = plan.owners().flat_map(|o| o.cameras(&addresses)).collect();
        assert_eq!(cameras.len(), 5000);
        assert!(cameras.windows(2).all(|w| w[1].id == w[0].id + 1));
        let again: Vec<Camera> = Plan::new(&opts, addresses.len())
            .owners()
            .flat_map(|o| o.cameras(&addresses))
            .collect();
        assert_eq!(format!("{cameras:?}"), format!("{again:?}"));
        let owners: Vec<Owner> = plan.owners().collect();
        let business = owners.iter().filter(|o| o.business).count() as f64 / owners.len() as f64;
        assert!((0.25..0.35).contains(&business), "{business}");
        assert!(owners.iter().any(|o| o.spanish));
        assert!(cameras.iter().all(|c| (1..=90).contains(&c.retention)));
        assert!(
            cameras
                .iter()
                .all(|c| c.facing.is_none_or(|f| (0.0..360.0).contains(&f)))
        );
    }

    #[test]
    fn ewkb_point_layout() {
        let hex = point_ewkb(Xy { x: 0.0, y: 0.0 });
        assert!(hex.starts_with("0101000020E6100000"));
        assert_eq!(hex.len(), 50);
    }
}
