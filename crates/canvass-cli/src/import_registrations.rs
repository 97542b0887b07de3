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
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use canvass_db::audit::{self, Actor, Event};
use canvass_db::connect::PoolOptions;
use canvass_db::places::{self, Located};
use canvass_db::registrations::{self, Intake, Site};
use canvass_db::{DbError, contacts, migrate};
use canvass_i18n::Messages;
use canvass_import::{
    Defaults, FieldMap, OwnerEntry, PlacedRow, RegistrationOptions, RegistrationSource, Rejection,
    RowRegistration, group_by_owner,
};
use canvass_mail::{MailError, Mailer, Outgoing};
use canvass_model::contact_seal::ContactKeyRing;
use canvass_model::{RegistrationStatus, Source};
use futures_util::{StreamExt, TryStreamExt, stream};
use tokio_postgres::GenericClient;

use crate::cli::{GlobalArgs, RegistrationArgs};

/// Owners written per transaction; their mails go out once it is committed.
const BATCH: usize = 500;
/// Look-ups in flight on the one connection (tokio-postgres pipelines them).
const PIPELINE: usize = 64;
/// Mails being sent at once.
const MAIL_CONCURRENCY: usize = 16;
/// Rejected rows shown on standard error; the rest go to `--rejects FILE` only.
const SHOWN_REJECTIONS: usize = 20;
/// Longest consent version (the column's check).
const MAX_CONSENT_VERSION: usize = 64;

/// Everything the import needs once the flags are checked.
struct Plan {
    file: PathBuf,
    rejects: Option<PathBuf>,
    dry_run: bool,
    trusted: bool,
    consent_version: String,
    public_url: String,
    department: String,
}

pub async fn run(global: &GlobalArgs, args: RegistrationArgs) -> anyhow::Result<ExitCode> {
    let consent_version = args.consent_version.trim().to_owned();
    if consent_version.is_empty() || consent_version.chars().count() > MAX_CONSENT_VERSION {
        anyhow::bail!("--consent-version: give 1 to {MAX_CONSENT_VERSION} characters");
    }
    let mut map = FieldMap::default();
    for m in args.map {
        map.merge(m)?;
    }
    let mut defaults = Defaults::default();
    for d in args.default {
        defaults.merge(d)?;
    }
    let plan = Plan {
        public_url: public_url(&args.public_url)?,
        file: args.file,
        rejects: args.rejects,
        dry_run: args.dry_run,
        trusted: args.trusted,
        consent_version,
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
    let rejects = RejectsFile::create(plan.rejects.as_deref(), source.columns())?;
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
        let result = import(global, &plan, &mut client, &keys, rows, rejects).await;
        if !plan.dry_run {
            // Closing the connection releases it too; this is for a pool that keeps it.
            let _ = registrations::unlock_import(&**client).await;
        }
        let tally = result?;
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

/// The base of links in mails: `http(s)://…` without a trailing slash.
fn public_url(typed: &str) -> anyhow::Result<String> {
    let url = typed.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let ok = host.is_some_and(|h| !h.is_empty())
        && !url.contains(char::is_whitespace)
        && !url.contains(['?', '#']);
    if !ok {
        anyhow::bail!(
            "--public-url {:?}: give the public site's base URL, e.g. https://cameras.example.gov",
            typed.chars().take(80).collect::<String>()
        );
    }
    Ok(url.to_owned())
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
    /// Mail stopped working: the import stopped there.
    stopped: Option<String>,
}

impl Tally {
    fn exit_code(&self) -> ExitCode {
        if self.stopped.is_some() {
            ExitCode::FAILURE
        } else if self.imported == 0 && self.skipped == 0 && self.rows > 0 {
            ExitCode::from(crate::EXIT_FINDING)
        } else {
            ExitCode::SUCCESS
        }
    }
}

async fn import(
    global: &GlobalArgs,
    plan: &Plan,
    client: &mut deadpool_postgres::Object,
    keys: &ContactKeyRing,
    rows: Vec<canvass_import::SheetRow>,
    mut rejects: RejectsFile,
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
    let located: Vec<(u64, RowRegistration, Located)> = stream::iter(fresh)
        .map(|(row, r)| async move {
            let placed = places::locate(pg, &r.registration.address, r.location).await?;
            Ok::<_, DbError>((row, r, placed))
        })
        .buffered(PIPELINE)
        .try_collect()
        .await?;
    let mut placed_rows = Vec::with_capacity(located.len());
    for (row, r, placed) in located {
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
        let written = write(
            global,
            plan,
            client,
            keys,
            &owners,
            &mut tally,
            &mut rejected,
        )
        .await;
        if let Err(e) = written {
            eprintln!(
                "stopped after importing {} registrations ({} cameras); importing the file \
                 again skips them",
                tally.imported, tally.cameras
            );
            return Err(e);
        }
    }

    laps.lap("write and mail");
    tally.rejected = rejected.len() as u64;
    rejected.sort_by_key(|r| r.row);
    rejects.write(&rejected, &values)?;
    report(plan, &tally, &rejected, &skipped_rows, rejects.path());
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

/// Writes the owners in batches and mails the pending ones after each commit. An owner whose
/// mail fails is taken back (a pending entry nobody can confirm is of no use) and their rows
/// are rejected, so that importing the file again retries them.
async fn write(
    global: &GlobalArgs,
    plan: &Plan,
    client: &mut deadpool_postgres::Object,
    keys: &ContactKeyRing,
    owners: &[OwnerEntry],
    tally: &mut Tally,
    rejected: &mut Vec<Rejection>,
) -> anyhow::Result<()> {
    let status = if plan.trusted {
        RegistrationStatus::Active
    } else {
        RegistrationStatus::Pending
    };
    let intake = Intake {
        source: Source::Import,
        consent_version: &plan.consent_version,
        status,
    };
    let mail = if plan.trusted {
        None
    } else {
        Some(Welcome {
            mailer: crate::mailer(global)?,
            messages: Messages::load()?,
            department: &plan.department,
            public_url: &plan.public_url,
        })
    };
    let key = keys.current();
    let file_name = plan
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut sent = 0u64;
    let mut batches = 0u64;
    for batch in owners.chunks(BATCH) {
        let batch_started = Instant::now();
        let tx = client
            .transaction()
            .await
            .context("begin an import batch")?;
        let created: Vec<(i64, Option<String>)> = stream::iter(batch)
            .map(|owner| {
                let tx = &*tx;
                async move {
                    let sites: Vec<Site> = owner
                        .sites
                        .iter()
                        .map(|(address, location)| (address.as_str(), *location))
                        .collect();
                    registrations::insert(tx, key, &owner.registration, &sites, intake).await
                }
            })
            .buffered(PIPELINE)
            .try_collect()
            .await?;
        let ids: Vec<i64> = created.iter().map(|(id, _)| *id).collect();
        let event = Event::new(Actor::System("cli:import".into()), "registrations.import")
            .records(&ids)
            .details(serde_json::json!({
                "file": file_name,
                "status": status.as_str(),
                "cameras": batch.iter().map(|o| o.registration.cameras.len()).sum::<usize>(),
            }));
        audit::record(&*tx, &event).await?;
        tx.commit().await.context("commit an import batch")?;
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
        let mut imported = vec![true; batch.len()];
        if let Some(mail) = &mail {
            let mail_started = Instant::now();
            let outcomes: Vec<(usize, Result<(), MailError>)> =
                stream::iter(batch.iter().zip(&created).enumerate())
                    .map(|(i, (owner, (_, token)))| async move {
                        (i, mail.send(owner, token.as_deref()).await)
                    })
                    .buffer_unordered(MAIL_CONCURRENCY)
                    .collect()
                    .await;
            tracing::debug!(
                mails = batch.len(),
                seconds = mail_started.elapsed().as_secs_f64(),
                "import batch mailed"
            );
            let mut undelivered = 0;
            let mut last_error = String::new();
            for (i, outcome) in outcomes {
                let Err(error) = outcome else {
                    sent += 1;
                    continue;
                };
                if matches!(error, MailError::Send(_) | MailError::Outbox { .. }) {
                    undelivered += 1;
                }
                let error = error.to_string();
                imported[i] = false;
                let pg: &tokio_postgres::Client = client;
                registrations::delete_pending(pg, created[i].0).await?;
                for &row in &batch[i].rows {
                    rejected.push(Rejection {
                        row,
                        reason: format!(
                            "the welcome e-mail could not be sent ({error}); not imported: \
                             correct the address or the mail settings and import the file again"
                        ),
                    });
                }
                last_error = error;
            }
            // The relay or the outbox refused a whole batch: the mail settings are wrong and
            // every further batch would fail the same way.
            if undelivered == batch.len() {
                tally.stopped = Some(last_error);
                break;
            }
        }
        for (owner, ok) in batch.iter().zip(&imported) {
            if *ok {
                tally.imported += 1;
                tally.cameras += owner.registration.cameras.len() as u64;
            }
        }
    }
    if let Some(mail) = &mail {
        eprintln!(
            "{sent} welcome e-mails sent ({}); the owners stay pending until they open their link, \
             and entries not confirmed within 7 days are removed",
            mail.mailer.describe()
        );
    }
    Ok(())
}

/// The welcome mail with its confirmation link, in the owner's language.
struct Welcome<'a> {
    mailer: Mailer,
    messages: Messages,
    department: &'a str,
    public_url: &'a str,
}

impl Welcome<'_> {
    async fn send(&self, owner: &OwnerEntry, token: Option<&str>) -> Result<(), MailError> {
        let Some(token) = token else {
            return Err(MailError::Build("no confirmation link was issued".into()));
        };
        let r = &owner.registration;
        let link = format!(
            "{}/confirm/{token}?lang={}",
            self.public_url,
            r.language.as_str()
        );
        let args = [
            ("department", self.department),
            ("name", r.name.as_str()),
            ("link", link.as_str()),
        ];
        let message = Outgoing {
            subject: self
                .messages
                .format(r.language, "mail-welcome-subject", &args),
            text: self.messages.format(r.language, "mail-welcome-body", &args) + "\n",
        };
        self.mailer.send(&r.email, &message).await
    }
}

/// The place, or why the row is refused. `had_coordinates`: the row gave its own.
fn placement(located: Located, had_coordinates: bool) -> Result<(f64, f64), String> {
    match located {
        Located::At(lon, lat) => Ok((lon, lat)),
        Located::NotFound => Err("address not found among the address points; give the row \
             coordinates (x and y columns, or a point geometry)"
            .into()),
        Located::Ambiguous => Err("the address matches several places; give the row \
             coordinates (x and y columns, or a point geometry)"
            .into()),
        Located::Outside if had_coordinates => {
            Err("the row's coordinates are outside the jurisdiction".into())
        }
        Located::Outside => Err("the address is outside the jurisdiction".into()),
    }
}

/// The summary on standard output; the first rejections and the skipped rows on standard
/// error.
fn report(
    plan: &Plan,
    tally: &Tally,
    rejected: &[Rejection],
    skipped_rows: &[u64],
    rejects_path: Option<&Path>,
) {
    for r in rejected.iter().take(SHOWN_REJECTIONS) {
        eprintln!("row {}: {}", r.row, r.reason);
    }
    let more = rejected.len().saturating_sub(SHOWN_REJECTIONS);
    match rejects_path {
        Some(path) if !rejected.is_empty() => eprintln!(
            "all {} rejected rows, with their values, are in {}",
            rejected.len(),
            path.display()
        ),
        None if more > 0 => {
            eprintln!("… and {more} more rejected rows (--rejects FILE lists them all)")
        }
        _ => {}
    }
    if !skipped_rows.is_empty() {
        let shown: Vec<String> = skipped_rows
            .iter()
            .take(SHOWN_REJECTIONS)
            .map(u64::to_string)
            .collect();
        let ellipsis = if skipped_rows.len() > SHOWN_REJECTIONS {
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
    if let Some(error) = &tally.stopped {
        eprintln!(
            "stopped: no welcome e-mail of a whole batch could be sent ({error}); check the mail \
             settings (`canvass mail test`) and import the file again: owners already imported \
             are skipped"
        );
    }
    if tally.imported == 0 && tally.skipped == 0 {
        eprintln!(
            "no row of {} could be imported; nothing was changed",
            plan.file.display()
        );
    }
}

/// The `--rejects` CSV: row, reason and the row's original values, one line per rejected row,
/// in a shape that can be corrected and imported again.
struct RejectsFile {
    file: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    columns: usize,
}

impl RejectsFile {
    fn create(path: Option<&Path>, columns: &[String]) -> anyhow::Result<RejectsFile> {
        let file = match path {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut writer = std::io::BufWriter::new(file);
                let mut header = vec!["row".to_owned(), "reason".to_owned()];
                header.extend(columns.iter().cloned());
                write_line(&mut writer, &header)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Some((path.to_owned(), writer))
            }
            None => None,
        };
        Ok(RejectsFile {
            file,
            columns: columns.len(),
        })
    }

    fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }

    fn write(
        &mut self,
        rejected: &[Rejection],
        values: &BTreeMap<u64, Vec<String>>,
    ) -> anyhow::Result<()> {
        let Some((path, writer)) = &mut self.file else {
            return Ok(());
        };
        let empty = Vec::new();
        for r in rejected {
            let mut line = vec![r.row.to_string(), r.reason.clone()];
            let row_values = values.get(&r.row).unwrap_or(&empty);
            line.extend((0..self.columns).map(|i| row_values.get(i).cloned().unwrap_or_default()));
            write_line(writer, &line)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        writer
            .flush()
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// One CSV line (RFC 4180): fields with a comma, quote, line break or outer space are quoted.
fn write_line(writer: &mut impl Write, fields: &[String]) -> std::io::Result<()> {
    let line: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) || f.trim() != f {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    writer.write_all(line.join(",").as_bytes())?;
    writer.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_quote_what_needs_it() {
        let mut out = Vec::new();
        write_line(
            &mut out,
            &[
                "1".into(),
                "a, b".into(),
                "say \"hi\"".into(),
                " x".into(),
                "two\nlines".into(),
                String::new(),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1,\"a, b\",\"say \"\"hi\"\"\",\" x\",\"two\nlines\",\n"
        );
    }

    #[test]
    fn public_urls() {
        assert_eq!(
            public_url("https://cameras.example.gov/").unwrap(),
            "https://cameras.example.gov"
        );
        assert_eq!(
            public_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "",
            "cameras.example.gov",
            "https://",
            "https://a b",
            "ftp://x",
            "https://x?y",
        ] {
            assert!(public_url(bad).is_err(), "{bad:?}");
        }
    }
}
