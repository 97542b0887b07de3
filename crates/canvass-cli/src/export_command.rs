//! `canvass export FILE`: the active cameras (with `--pii`, and their owners' contacts) into a
//! GIS file through GDAL, audited.
//!
//! Everything the command line can get wrong is checked before the database is opened. The
//! rows stream from `canvass_db::features::for_each` straight into the GDAL layer on this
//! thread (GDAL is synchronous, and a command has nothing else to do meanwhile), so memory stays
//! flat however many cameras there are. The audit row is written in the read's transaction
//! once every row has reached the file: an export that fails while reading leaves no row and
//! no file; one that fails while GDAL closes the file is recorded all the same, since its rows
//! were opened.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use canvass_db::audit::Event;
use canvass_db::connect::PoolOptions;
use canvass_db::features::{self, Disclosure};
use canvass_db::registrations::ContactOpener;
use canvass_feeds::{Collection, FeatureQuery, Filter, Geometry, parse_cql2_text};
use canvass_model::contact_seal::ContactKeyRing;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{ExportArgs, GlobalArgs};
use crate::export_file::{ExportFile, Format};

/// Exit code of a command line that cannot be run as written.
const EXIT_USAGE: u8 = 2;

/// A usage error: one line on standard error, exit 2.
fn usage(message: &str) -> ExitCode {
    eprintln!("canvass: error: {message}");
    ExitCode::from(EXIT_USAGE)
}

pub async fn run(global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let Some(format) = args.format.or_else(|| Format::from_path(&args.file)) else {
        return Ok(usage(&format!(
            "cannot tell the format of {} from its extension; give --format (GPKG, \"ESRI \
             Shapefile\", KML, CSV, FlatGeobuf or GeoJSON)",
            args.file.display()
        )));
    };
    let crs = match args.crs.clone() {
        Some(crs) => crs,
        None => crate::export_file::wgs84()?,
    };
    if format == Format::Kml && !crate::export_file::is_wgs84(&crs) {
        return Ok(usage(
            "KML holds longitude/latitude only; leave out --crs or choose another format",
        ));
    }
    if args.pii && args.case.is_none() {
        return Ok(usage(
            "--pii needs --case N: the case the owners' contacts are disclosed for",
        ));
    }
    if !args.pii && (args.case.is_some() || args.reason.is_some()) {
        return Ok(usage(
            "--case and --reason record a disclosure of contacts; they go with --pii",
        ));
    }
    if ExportFile::exists(&args.file, format) && !args.overwrite {
        return Ok(usage(&format!(
            "{} exists; give --overwrite to replace it",
            args.file.display()
        )));
    }
    let ring = if args.pii {
        Some(key_ring(global)?)
    } else {
        None
    };
    let collection = if args.pii {
        Collection::CameraContacts
    } else {
        Collection::Cameras
    };
    let cql2 = match args
        .filter
        .as_deref()
        .map(|text| parse_cql2_text(collection, text))
    {
        Some(Err(e)) => return Ok(usage(&format!("--filter: {e}"))),
        Some(Ok(filter)) => Some(filter),
        None => None,
    };
    let bbox = args.bbox.map(|b| Filter::Intersects(Geometry::Envelope(b)));
    let query = FeatureQuery {
        collection,
        filter: Filter::all(bbox.into_iter().chain(cql2)),
        sort: Vec::new(),
        properties: None,
        limit: None,
    };
    let event = Event {
        case_number: args.case.clone(),
        reason: args.reason.clone(),
        ..Event::new(crate::access_command::operator(), "export")
    }
    .details(serde_json::json!({
        "format": format.driver(),
        "crs": crs.to_string(),
        "bbox": args.bbox,
        "filtered": args.filter.is_some(),
    }));
    let disclosure = Disclosure {
        event,
        opener: ring.as_ref().map(|r| r as &(dyn ContactOpener + Sync)),
    };

    // Started before the database is opened, so that a folder that does not exist fails
    // first; dropped on any error, it leaves nothing.
    let mut file = ExportFile::create(&args.file, format, &crs, collection)?;
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        let total = features::count(&mut client, &query).await?;
        let bar = progress(total);
        let read = features::for_each(&mut client, &query, Some(&disclosure), |feature| {
            file.write(feature)?;
            bar.inc(1);
            Ok::<_, anyhow::Error>(())
        })
        .await;
        bar.finish_and_clear();
        read?;
        let written = file.finish(args.overwrite)?;
        let contacts = if args.pii {
            format!(
                "; the owners' contacts disclosed for case {} (audited)",
                args.case.as_deref().unwrap_or_default()
            )
        } else {
            String::new()
        };
        println!(
            "exported {written} cameras to {} ({}, {crs}){contacts}",
            args.file.display(),
            format.driver()
        );
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}

/// The contact keys, which must already exist: a new key would open nothing.
fn key_ring(global: &GlobalArgs) -> anyhow::Result<ContactKeyRing> {
    let path = crate::contact_key_file::path(global);
    if !path.exists() {
        anyhow::bail!(
            "no contact key file at {}: the contacts cannot be opened (give --contact-key-file)",
            path.display()
        );
    }
    crate::contact_key_file::load_or_create(global)
        .with_context(|| format!("contact key {}", path.display()))
}

/// A progress bar on standard error while a person watches; nothing when the output goes to a
/// file or a pipe.
fn progress(total: u64) -> ProgressBar {
    if !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} cameras, {elapsed} ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}
