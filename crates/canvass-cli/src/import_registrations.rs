//! `canvass import registrations`: a department's existing registry (spreadsheet, CSV, GIS
//! layer of cameras) into Canvass.
//!
//! The file is opened and its fields mapped before the database is touched, so a wrong file or
//! a wrong `--map` fails at once. Every row is then checked like a form
//! (`canvass_import::registrations`); owners already registered are looked up by e-mail and
//! skipped; rows without coordinates are geocoded; every place is tested against the
//! jurisdiction; rows are gathered by owner and written in batches of one transaction each,
//! and the owners of a committed batch get their welcome mail. A bad row never stops the
//! others, and importing the same file twice registers nobody twice.

use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use canvass_db::connect::PoolOptions;
use canvass_db::intake::{self, IntakeSettings, OwnerSites, Placed};
use canvass_db::places;
use canvass_db::registrations;
use canvass_db::{DbError, contacts, migrate};
use canvass_geo::LonLat;
use canvass_import::{
    Defaults, FieldMap, OwnerEntry, PlacedRow, RegistrationOptions, RegistrationSource, Rejection,
    RowRegistration, group_by_owner,
};
use canvass_mail::outbox::{Purpose, ToQueue, queue};
use canvass_mail::sender::{self, Outcome, SendOptions};
use canvass_mail::{Composer, MailError, OwnerMail};
use canvass_model::RegistrationStatus;
use canvass_model::contact_seal::ContactKeyRing;
use futures_util::{StreamExt, TryStreamExt, stream};
use tokio_postgres::GenericClient;

use crate::cli::{GlobalArgs, RegistrationArgs};
use crate::rejects::Rejects;

/// Owners written per transaction, with their welcome mails queued.
const BATCH: usize = 500;
/// Mails queued at once on the batch's connection (tokio-postgres pipelines them).
const PIPELINE: usize = 64;
/// Skipped rows listed on standard error.
const SHOWN_SKIPPED: usize = 20;

/// Everything the import needs once the flags are checked.
struct Plan {
    file: PathBuf,
    rejects: Option<PathBuf>,
    dry_run: bool,
    trusted: bool,
    intake: IntakeSettings,
    department: String,
}

pub async fn run(global: &GlobalArgs, args: RegistrationArgs) -> anyhow::Result<ExitCode> {
    let intake = crate::intake_settings(&args.consent_version, &args.public_url)?;
    let mut map = FieldMap::default();
    for m in args.map {
        map.merge(m)?;
    }
    let mut defaults = Defaults::default();
    for d in args.default {
        defaults.merge(d)?;
    }
    let plan = Plan {
        file: args.file,
        rejects: args.rejects,
        dry_run: args.dry_run,
        trusted: args.trusted,
        intake,
        department: args.department_name,
    };
    let options = RegistrationOptions {
        layer: args.layer,
        map,
        defaults,
        source_crs: args.source_crs,
    };
    let started = Instant::now();
    let path = plan.file.clone();
    let source = tokio::task::spawn_blocking(move || RegistrationSource::open(&path, &options))
        .await
        .context("the file reader stopped")??;
    eprintln!(
        "reading layer {:?} of {} (coordinates: {}; fields: {})",
        source.layer_name(),
        plan.file.display(),
        source.crs_label(),
        source.fields_description()
    );
    // Created before the long part, so that an unwritable path fails at once.
    let rejects = Rejects::create(plan.rejects.as_deref(), source.columns())?;
    let (rows, read) = tokio::task::spawn_blocking(move || {
        let mut rows = Vec::new();
        let read = source.read(|row| {
            rows.push(row);
            ControlFlow::Continue(())
        });
        read.map(|read| (rows, read))
    })
    .await
    .context("the file reader stopped")??;
    Laps(started).lap("read");
    if rows.is_empty() {
        println!("imported 0 registrations (0 cameras), skipped 0 already registered, rejected 0");
        eprintln!(
            "{} has no rows under its header ({} blank); nothing was changed",
            plan.file.display(),
            read.blank
        );
        return Ok(ExitCode::from(crate::EXIT_FINDING));
    }

    // The mail settings are checked before anything is written.
    let mailer = if plan.dry_run || plan.trusted {
        None
    } else {
        Some(crate::mailer(global)?)
    };
    let set = crate::migrations(global)?;
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        if plan.dry_run {
            let pending = migrate::pending(&client, &set).await?;
            if !pending.is_empty() {
                anyhow::bail!(
                    "the database lacks {} migration(s) ({}); a dry run changes nothing, so run \
                     `canvass migrate` first",
                    pending.len(),
                    pending.join(", ")
                );
            }
        } else {
            migrate::run(&client, &set).await?;
        }
        let keys = contact_keys(global, plan.dry_run, &**client).await?;
        // Any point will do: only whether a boundary is loaded matters here.
        match places::inside_jurisdiction(&**client, 0.0, 0.0).await {
            Err(DbError::NoJurisdiction) => anyhow::bail!(
                "no jurisdiction boundary is loaded, so every registration would be refused; \
                 load it first with `canvass import boundary FILE`"
            ),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        if !plan.dry_run && !registrations::try_lock_import(&**client).await? {
            anyhow::bail!(
                "another `canvass import registrations` is writing to this database; run this \
                 one when it has finished"
            );
        }
        let result = import(&plan, &mut client, &keys, rows, rejects).await;
        if !plan.dry_run {
            // Closing the connection releases it too; this is for a pool that keeps it.
            let _ = registrations::unlock_import(&**client).await;
        }
        let tally = result?;
        if let Some(mailer) = &mailer
            && tally.queued > 0
        {
            send_welcomes(&db, mailer, &keys, tally.queued).await?;
        }
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            "registration import finished"
        );
        Ok::<_, anyhow::Error>(tally.exit_code())
    }
    .await;
    db.close().await;
    outcome
}

/// The contact key ring, refusing one that cannot recognise the owners already registered:
/// de-duplication compares keyed hashes of e-mail addresses, and a wrong or new key would see
/// nobody and register everyone a second time.
async fn contact_keys(
    global: &GlobalArgs,
    dry_run: bool,
    client: &impl GenericClient,
) -> anyhow::Result<ContactKeyRing> {
    let used = contacts::used_key_ids(client).await?;
    let path = crate::contact_key_file::path(global);
    let exists = path.exists();
    if !exists && !used.is_empty() {
        anyhow::bail!(
            "no contact key file at {}, but the registry holds contact details sealed under key \
             {}: without that key the owners already registered cannot be recognised; give \
             --contact-key-file",
            path.display(),
            used.join(", ")
        );
    }
    let ring = if !exists && dry_run {
        // Nothing is sealed yet and a dry run writes nothing, not even a key file.
        ContactKeyRing::generate()
    } else {
        crate::contact_key_file::load_or_create(global)?
    };
    let unknown: Vec<&str> = used
        .iter()
        .map(String::as_str)
        .filter(|id| !ring.ids().contains(id))
        .collect();
    if !unknown.is_empty() {
        anyhow::bail!(
            "the contact key file {} lacks key {} that the registry's contact details are sealed \
             under: the owners already registered could not be recognised; give the right \
             --contact-key-file",
            path.display(),
            unknown.join(", ")
        );
    }
    Ok(ring)
}

/// What became of the rows.
#[derive(Debug, Default)]
struct Tally {
    rows: u64,
    imported: u64,
    cameras: u64,
    skipped: u64,
    rejected: u64,
    /// Welcome mails queued.
    queued: u64,
}

impl Tally {
    fn exit_code(&self) -> ExitCode {
        if self.imported == 0 && self.skipped == 0 && self.rows > 0 {
            ExitCode::from(crate::EXIT_FINDING)
        } else {
            ExitCode::SUCCESS
        }
    }
}

async fn import(
    plan: &Plan,
    client: &mut deadpool_postgres::Object,
    keys: &ContactKeyRing,
    rows: Vec<canvass_import::SheetRow>,
    mut rejects: Rejects,
) -> anyhow::Result<Tally> {
    let mut laps = Laps(Instant::now());
    let mut tally = Tally {
        rows: rows.len() as u64,
        ..Tally::default()
    };
    let mut rejected: Vec<Rejection> = Vec::new();
    let mut values: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut checked: Vec<(u64, RowRegistration)> = Vec::with_capacity(rows.len());
    for row in rows {
        values.insert(row.row, row.values);
        match row.outcome {
            Ok(registration) => checked.push((row.row, registration)),
            Err(reason) => rejected.push(Rejection {
                row: row.row,
                reason,
            }),
        }
    }

    // Owners already in the registry are skipped, whatever their rows say.
    let mut emails: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for (_, r) in &checked {
        if seen.insert(r.registration.email.clone()) {
            emails.push(r.registration.email.clone());
        }
    }
    let pg: &tokio_postgres::Client = client;
    let existing = registrations::registered_emails(pg, keys, &emails).await?;
    let mut skipped_rows = Vec::new();
    let mut fresh = Vec::with_capacity(checked.len());
    for (row, r) in checked {
        if existing.contains(&r.registration.email) {
            skipped_rows.push(row);
        } else {
            fresh.push((row, r));
        }
    }
    tally.skipped = existing.len() as u64;
    laps.lap("look up owners");

    // Where each camera is.
    let located =
        intake::place_all(pg, fresh, |(_, r)| (&r.registration.address, r.location)).await?;
    let mut placed_rows = Vec::with_capacity(located.len());
    for ((row, r), placed) in located {
        match placement(placed, r.location.is_some()) {
            Ok(location) => placed_rows.push(PlacedRow {
                row,
                registration: r.registration,
                location,
            }),
            Err(reason) => rejected.push(Rejection { row, reason }),
        }
    }
    laps.lap("locate");
    let (owners, refused) = group_by_owner(placed_rows);
    rejected.extend(refused);

    if plan.dry_run {
        tally.imported = owners.len() as u64;
        tally.cameras = owners
            .iter()
            .map(|o| o.registration.cameras.len() as u64)
            .sum();
    } else {
        let written = write(plan, client, keys, &owners, &mut tally).await;
        if let Err(e) = written {
            eprintln!(
                "stopped after importing {} registrations ({} cameras); importing the file \
                 again skips them",
                tally.imported, tally.cameras
            );
            return Err(e);
        }
    }

    laps.lap("write and queue mail");
    tally.rejected = rejected.len() as u64;
    rejected.sort_by_key(|r| r.row);
    for r in &rejected {
        rejects.add(r, values.get(&r.row).map_or(&[][..], Vec::as_slice))?;
    }
    rejects.finish()?;
    report(plan, &tally, &skipped_rows);
    Ok(tally)
}

/// Time per phase, logged at debug level (`--log canvass=debug`).
struct Laps(Instant);

impl Laps {
    fn lap(&mut self, phase: &str) {
        tracing::debug!(
            phase,
            seconds = self.0.elapsed().as_secs_f64(),
            "import phase done"
        );
        self.0 = Instant::now();
    }
}

/// Writes the owners in batches, each batch in one transaction with the welcome mails of its
/// pending owners queued in the outbox: an owner is never kept without their mail, nor mailed
/// without being kept. The mails are sent after the import (and by any running server).
async fn write(
    plan: &Plan,
    client: &mut deadpool_postgres::Object,
    keys: &ContactKeyRing,
    owners: &[OwnerEntry],
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let status = if plan.trusted {
        RegistrationStatus::Active
    } else {
        RegistrationStatus::Pending
    };
    let composer = if plan.trusted {
        None
    } else {
        Some(Composer::new(
            &plan.department,
            plan.intake.public_url().clone(),
        )?)
    };
    let key = keys.current();
    let file_name = plan
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut batches = 0u64;
    for batch in owners.chunks(BATCH) {
        let batch_started = Instant::now();
        let sites: Vec<OwnerSites> = batch
            .iter()
            .map(|owner| OwnerSites {
                registration: &owner.registration,
                sites: &owner.sites,
            })
            .collect();
        let tx = client
            .transaction()
            .await
            .map_err(DbError::pg("begin an import batch"))?;
        let created =
            intake::admit_batch(&tx, key, &plan.intake, status, &sites, &file_name).await?;
        if let Some(composer) = &composer {
            let tx: &tokio_postgres::Transaction<'_> = &tx;
            let queued: Vec<bool> = stream::iter(batch.iter().zip(&created))
                .map(|(owner, (id, token))| async move {
                    let Some(token) = token else {
                        return Err(MailError::Build("no confirmation link was issued".into()));
                    };
                    let r = &owner.registration;
                    let item = ToQueue {
                        registration_id: *id,
                        to: &r.email,
                        language: r.language,
                        mail: OwnerMail::Welcome {
                            name: &r.name,
                            token,
                        },
                        purpose: Purpose::Registration,
                    };
                    queue(tx, composer, key, item).await
                })
                .buffered(PIPELINE)
                .try_collect()
                .await?;
            tally.queued += queued.iter().filter(|q| **q).count() as u64;
        }
        tx.commit()
            .await
            .map_err(DbError::pg("commit an import batch"))?;
        tracing::debug!(
            owners = batch.len(),
            seconds = batch_started.elapsed().as_secs_f64(),
            "import batch committed"
        );
        batches += 1;
        if batches.is_power_of_two() {
            // After 1, 2, 4, 8… batches: the registry has grown enough to plan anew.
            let pg: &tokio_postgres::Client = client;
            registrations::refresh_statistics(pg).await?;
        }
        for owner in batch {
            tally.imported += 1;
            tally.cameras += owner.registration.cameras.len() as u64;
        }
    }
    Ok(())
}

/// Sends the welcome mails the import queued (and whatever else is due), and says what became
/// of them. A relay that is down loses nothing: the mails wait in the outbox.
async fn send_welcomes(
    db: &canvass_db::Database,
    mailer: &canvass_mail::Mailer,
    keys: &ContactKeyRing,
    queued: u64,
) -> anyhow::Result<()> {
    let options = SendOptions::default();
    let never = std::sync::atomic::AtomicBool::new(false);
    let report = sender::send_due(db, mailer, keys, options, &|_: Outcome| {}, &never).await?;
    let client = db.client().await?;
    let waiting = canvass_db::outbox::backlog(&**client).await?;
    eprintln!(
        "{queued} welcome e-mails queued, {} sent now ({}), {waiting} waiting in the outbox; the \
         owners stay pending until they open their link, and entries not confirmed within 7 \
         days are removed",
        report.sent,
        mailer.describe()
    );
    if waiting > 0 {
        eprintln!(
            "the waiting mails go out when the relay takes them: `canvass serve` sends them, or \
             run `canvass mail send` (check the settings with `canvass mail test`)"
        );
    }
    Ok(())
}

/// The place, or why the row is refused. `had_coordinates`: the row gave its own.
fn placement(located: Placed, had_coordinates: bool) -> Result<LonLat, String> {
    match located {
        Placed::At(at) => Ok(at),
        Placed::NotFound => Err("address not found among the address points; give the row \
             coordinates (x and y columns, or a point geometry)"
            .into()),
        Placed::Ambiguous => Err("the address matches several places; give the row \
             coordinates (x and y columns, or a point geometry)"
            .into()),
        Placed::Outside if had_coordinates => {
            Err("the row's coordinates are outside the jurisdiction".into())
        }
        Placed::Outside => Err("the address is outside the jurisdiction".into()),
        Placed::NotOpen => {
            Err("registration is not open: no jurisdiction boundary is loaded".into())
        }
    }
}

/// The summary on standard output; the skipped rows on standard error.
fn report(plan: &Plan, tally: &Tally, skipped_rows: &[u64]) {
    if !skipped_rows.is_empty() {
        let shown: Vec<String> = skipped_rows
            .iter()
            .take(SHOWN_SKIPPED)
            .map(u64::to_string)
            .collect();
        let ellipsis = if skipped_rows.len() > SHOWN_SKIPPED {
            ", …"
        } else {
            ""
        };
        eprintln!(
            "{} rows of {} owners already registered were left as they are (rows {}{ellipsis}); \
             owners change their entries through their manage link",
            skipped_rows.len(),
            tally.skipped,
            shown.join(", ")
        );
    }
    if plan.dry_run {
        println!(
            "dry run: would import {} registrations ({} cameras), skip {} already registered, \
             reject {}; nothing was written and no mail sent",
            tally.imported, tally.cameras, tally.skipped, tally.rejected
        );
        return;
    }
    println!(
        "imported {} registrations ({} cameras), skipped {} already registered, rejected {}",
        tally.imported, tally.cameras, tally.skipped, tally.rejected
    );
    if plan.trusted && tally.imported > 0 {
        eprintln!("the registrations are active (--trusted); no e-mail was sent");
    }
    if tally.imported == 0 && tally.skipped == 0 {
        eprintln!(
            "no row of {} could be imported; nothing was changed",
            plan.file.display()
        );
    }
}
