//! Deterministic synthetic data for a city the size of Concord, California: a jurisdiction of
//! about 80 km² around 37.97 N, 122.03 W, a named street grid, address points along it, and
//! registrations with 1–6 cameras each.
//!
//! Every registration draws from its own ChaCha stream (seed, registration index), so the data
//! can be generated again, table by table, without holding it in memory, and the same seed and
//! as-of date always give the same rows. Rows go in with COPY.
//!
//! By job: [`city`] lays out the boundary, streets and address points; [`names`] holds the
//! street and people names; [`owners`] makes registrations, contacts and cameras; [`copy`]
//! encodes rows for COPY. This module loads them in one transaction.

mod city;
mod copy;
mod names;
mod owners;

use canvass_model::contact_seal::ContactKey;
use chrono::NaiveDate;
use tokio_postgres::Client;

use crate::DbError;
use city::{CITY_NAME, City, write_address_row};
use copy::copy_rows;
use owners::{Plan, write_camera_row, write_contact_row, write_registration_row};

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
     jurisdiction, canvasses, canvass_camera_status, canvass_camera_history, footage_requests, \
     footage_request_owners, owner_tokens, mail_outbox, changes \
     RESTART IDENTITY";
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
        &[&format!("{CITY_NAME} (demo)"), &city.boundary_wkt()?],
    )
    .await
    .map_err(DbError::pg("insert jurisdiction"))?;
    let streets = copy_rows(&tx, COPY_STREETS, city.segments.iter(), |buf, (id, s)| {
        city.write_street_row(buf, id as u64 + 1, s)
    })
    .await?;
    let addresses = city.addresses(city.addresses_per_side(options.cameras));
    let address_rows = copy_rows(&tx, COPY_ADDRESSES, addresses.iter(), |buf, (id, a)| {
        write_address_row(buf, id as u64 + 1, a)
    })
    .await?;
    let plan = Plan::new(&options, addresses.len());
    let registrations = copy_rows(&tx, COPY_REGISTRATIONS, plan.owners(), |buf, (_, o)| {
        write_registration_row(buf, &o, options.as_of);
        Ok(())
    })
    .await?;
    copy_rows(
        &tx,
        COPY_CONTACTS,
        plan.owners().filter(|o| o.status != "opted_out"),
        |buf, (_, o)| {
            write_contact_row(buf, &o, key);
            Ok(())
        },
    )
    .await?;
    let cameras = copy_rows(
        &tx,
        COPY_CAMERAS,
        plan.owners().flat_map(|o| o.cameras(&addresses)),
        |buf, (_, c)| write_camera_row(buf, &c),
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
