//! Owners: registrations with their status history, sealed contacts and 1–6 cameras each,
//! every registration drawn from its own random stream.

use bytes::BytesMut;
use canvass_model::contact_seal::{ContactField, ContactKey};
use chrono::{Duration as Days, NaiveDate, NaiveTime, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::city::{Address, CITY_NAME, Xy};
use super::copy::{bytea, point_ewkb, write_fields_opt};
use super::names::{BUSINESS_KINDS, FIRST_EN, FIRST_ES, LAST_EN, LAST_ES, ascii_lower};
use super::{CITY_STREAM, DemoOptions};
use crate::DbError;

const CONSENT_VERSION: &str = "demo-2026-01";

/// Which registration gets which address, and how many cameras the whole demo has.
pub(super) struct Plan<'a> {
    options: &'a DemoOptions,
    address_order: Vec<u32>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(options: &'a DemoOptions, address_count: usize) -> Self {
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
    pub(super) fn owners(&self) -> impl Iterator<Item = Owner> + '_ {
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
pub(super) struct Owner {
    id: i64,
    rng: ChaCha8Rng,
    pub(super) status: &'static str,
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

    pub(super) fn cameras(&self, addresses: &[Address]) -> impl Iterator<Item = Camera> + use<> {
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
pub(super) struct Camera {
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

fn timestamp(day: NaiveDate, seconds: u32) -> String {
    let time =
        NaiveTime::from_num_seconds_from_midnight_opt(seconds % 86_400, 0).unwrap_or_default();
    Utc.from_utc_datetime(&day.and_time(time))
        .format("%Y-%m-%d %H:%M:%S+00")
        .to_string()
}

pub(super) fn write_registration_row(buf: &mut BytesMut, o: &Owner, as_of: NaiveDate) {
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

pub(super) fn write_contact_row(buf: &mut BytesMut, o: &Owner, key: &ContactKey) {
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

pub(super) fn write_camera_row(buf: &mut BytesMut, c: &Camera) -> Result<(), DbError> {
    write_fields_opt(
        buf,
        &[
            Some(c.id.to_string()),
            Some(c.registration_id.to_string()),
            Some(point_ewkb(c.location.lon_lat()?)),
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::city::City;
    use super::*;

    fn options(cameras: u64) -> DemoOptions {
        DemoOptions {
            cameras,
            seed: 7,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        }
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
}
