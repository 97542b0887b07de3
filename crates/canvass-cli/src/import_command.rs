//! `canvass import addresses|boundary|registrations`: reference geography from GIS files, and
//! (in [`crate::import_registrations`]) an existing registry.
//!
//! The file is opened, its layer chosen and its fields mapped before the database is touched,
//! so a wrong file or a wrong `--map` fails at once. Rows are read on a blocking thread (GDAL
//! and PROJ are synchronous) and reach the database in batches over a channel, in one
//! transaction: a failed import changes nothing.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use canvass_db::connect::PoolOptions;
use canvass_db::migrate;
use canvass_db::places::{self, AddressImport};
use canvass_import::{AddressOptions, AddressSource, FieldMap, Rejection, Row};
use canvass_model::address::AddressPoint;
use tokio::sync::mpsc;

use crate::cli::{GlobalArgs, ImportAction};
use crate::rejects::Rejects;

/// Rows per batch sent to the database.
const BATCH: usize = 5000;

pub async fn run(global: &GlobalArgs, action: ImportAction) -> anyhow::Result<ExitCode> {
    match action {
        ImportAction::Addresses {
            file,
            layer,
            map,
            replace,
            source,
            source_crs,
            rejects,
        } => {
            let mut merged = FieldMap::default();
            for m in map {
                merged.merge(m)?;
            }
            let options = AddressOptions {
                layer,
                map: merged,
                source_crs,
            };
            let source = source.unwrap_or_else(|| file_name(&file));
            addresses(global, file, options, source, replace, rejects).await
        }
        ImportAction::Registrations(args) => crate::import_registrations::run(global, args).await,
        ImportAction::Boundary {
            file,
            layer,
            name,
            source_crs,
        } => boundary(global, file, layer, name, source_crs).await,
    }
}

/// Rows of one batch, in file order within each list.
#[derive(Debug, Default)]
struct Batch {
    points: Vec<AddressPoint>,
    rejections: Vec<Rejection>,
}

async fn addresses(
    global: &GlobalArgs,
    file: PathBuf,
    options: AddressOptions,
    source_name: String,
    replace: bool,
    rejects: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let path = file.clone();
    let source = tokio::task::spawn_blocking(move || AddressSource::open(&path, &options))
        .await
        .context("the file reader stopped")??;
    eprintln!(
        "reading layer {:?} of {} (coordinates: {}; fields: {})",
        source.layer_name(),
        file.display(),
        source.crs_label(),
        source.fields_description()
    );
    let mut rejected = Rejects::create(rejects.as_deref(), &[])?;
    let set = crate::migrations(global)?;
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        migrate::run(&client, &set).await?;
        let mut import = AddressImport::begin(&mut client, &source_name, replace).await?;
        let (sender, mut receiver) = mpsc::channel::<Batch>(4);
        let reader = tokio::task::spawn_blocking(move || {
            let mut batch = Batch::default();
            let summary = source.read(|row| {
                match row {
                    Row::Point(point) => batch.points.push(point),
                    Row::Rejected(rejection) => batch.rejections.push(rejection),
                }
                if batch.points.len() + batch.rejections.len() >= BATCH
                    && sender.blocking_send(std::mem::take(&mut batch)).is_err()
                {
                    // The database side gave up; its error is the one to report.
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            if !batch.points.is_empty() || !batch.rejections.is_empty() {
                let _ = sender.blocking_send(batch);
            }
            summary
        });
        while let Some(batch) = receiver.recv().await {
            import.insert(&batch.points).await?;
            for r in &batch.rejections {
                rejected.add(r, &[])?;
            }
        }
        let summary = reader.await.context("the file reader stopped")??;
        rejected.finish()?;
        let summary_line = format!(
            "imported {} address points, rejected {}",
            import.inserted(),
            summary.rejected
        );
        if import.inserted() == 0 {
            println!("{summary_line}");
            eprintln!(
                "no row of {} could be imported; nothing was changed",
                file.display()
            );
            return Ok(ExitCode::from(crate::EXIT_FINDING));
        }
        let report = import.commit().await?;
        let replaced = if report.replaced > 0 {
            format!("; replaced {} earlier points", report.replaced)
        } else {
            String::new()
        };
        println!("{summary_line} (source {source_name:?}{replaced})");
        for (other, count) in &report.other_sources {
            eprintln!(
                "note: {count} address points from source {other:?} are loaded too and geocoding \
                 uses them all"
            );
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}

async fn boundary(
    global: &GlobalArgs,
    file: PathBuf,
    layer: Option<String>,
    name: Option<String>,
    source_crs: Option<String>,
) -> anyhow::Result<ExitCode> {
    let path = file.clone();
    let boundary = tokio::task::spawn_blocking(move || {
        canvass_import::read_boundary(&path, layer.as_deref(), source_crs.as_deref())
    })
    .await
    .context("the file reader stopped")??;
    let mut skipped = Rejects::create(None, &[])?;
    for r in &boundary.skipped {
        skipped.add(r, &[])?;
    }
    skipped.finish()?;
    let name = name.unwrap_or_else(|| boundary.layer_name.clone());
    let set = crate::migrations(global)?;
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        migrate::run(&client, &set).await?;
        let report =
            places::replace_jurisdiction(&mut client, &name, &boundary.wkb, &file_name(&file))
                .await?;
        println!(
            "jurisdiction {name:?} loaded: {} polygon(s), {:.2} km² (layer {:?}, coordinates: {}; {} of {} features used)",
            report.polygons,
            report.area_km2,
            boundary.layer_name,
            boundary.crs_label,
            boundary.features - boundary.skipped.len() as u64,
            boundary.features,
        );
        if let Some(reason) = report.repaired {
            eprintln!(
                "note: the boundary was not valid ({reason}); it was repaired with ST_MakeValid, \
                 check it on a map"
            );
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}

/// The last part of a path, as the default source tag.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
