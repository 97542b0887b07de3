//! Keeps this process's in-memory copies coherent with the database, and with every other
//! `serve` process on it: the tile index follows the change feed, and the API-key cache is
//! dropped when a key changes.
//!
//! The database announces changes with NOTIFY (`canvass_changes`, `canvass_access`); a tick
//! every second also reads the change feed, which covers a notification lost with a broken
//! connection and changes held back behind a long-running transaction.

use std::collections::HashSet;
use std::time::Duration;

use canvass_db::camera_points::{self, Watermark};

use crate::AppState;
use crate::tiles::cache::Footprint;
use crate::tiles::index::{Camera, Snapshot};

const CHANGES: &str = "canvass_changes";
const ACCESS: &str = "canvass_access";
const TICK: Duration = Duration::from_secs(1);
const RETRY: Duration = Duration::from_millis(500);

/// Runs until the process ends: loads the tile index, then applies changes as they come.
pub async fn keep_in_sync(state: AppState) {
    let mut watermark: Option<Watermark> = None;
    let mut applied_above = HashSet::new();
    loop {
        // Listen before loading, so no change between the two is missed.
        let (_listener, mut notes) = match state.db.listen(&[CHANGES, ACCESS]).await {
            Ok(listening) => listening,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for changes; retrying");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        // Key changes may have been missed while not listening.
        state.key_cache.clear();
        if watermark.is_none() {
            match load(&state).await {
                Ok(loaded) => watermark = Some(loaded),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot load the camera index; retrying");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            }
        }
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                note = notes.recv() => match note.as_deref() {
                    None => break,
                    Some(ACCESS) => {
                        state.key_cache.clear();
                        continue;
                    }
                    Some(_) => {}
                },
                _ = tick.tick() => {}
            }
            let Some(since) = watermark else { break };
            match apply_changes(&state, since, &applied_above).await {
                Ok((next, above)) => {
                    watermark = Some(next);
                    applied_above = above;
                }
                Err(e) => tracing::warn!(error = %e, "cannot read the change feed"),
            }
        }
        tracing::warn!("change listener lost; reconnecting");
        tokio::time::sleep(RETRY).await;
    }
}

async fn load(state: &AppState) -> Result<Watermark, canvass_db::DbError> {
    let started = std::time::Instant::now();
    let mut client = state.db.client().await?;
    let mut cameras = Vec::new();
    let watermark = camera_points::load_active(&mut client, |p| {
        cameras.push(Camera::from_point(&p));
    })
    .await?;
    let snapshot = Snapshot::new(cameras);
    let count = snapshot.len();
    state.tiles.index.replace(snapshot);
    state.tiles.cache.clear();
    state
        .metrics
        .tile_index_cameras
        .set(i64::try_from(count).unwrap_or(i64::MAX));
    tracing::info!(
        cameras = count,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "camera index loaded"
    );
    Ok(watermark)
}

async fn apply_changes(
    state: &AppState,
    since: Watermark,
    applied_above: &HashSet<i64>,
) -> Result<(Watermark, HashSet<i64>), canvass_db::DbError> {
    let mut client = state.db.client().await?;
    let batch = camera_points::changes_since(&mut client, since, applied_above).await?;
    drop(client);
    if batch.ids.is_empty() {
        return Ok((batch.watermark, batch.applied_above));
    }
    let Some(current) = state.tiles.index.snapshot() else {
        return Ok((since, applied_above.clone()));
    };
    let changed: HashSet<u64> = batch.ids.iter().map(|id| id.unsigned_abs()).collect();
    let updated: Vec<Camera> = batch.points.iter().map(Camera::from_point).collect();
    let mut footprints: Vec<Footprint> = updated.iter().map(footprint).collect();
    // Sorting a million cameras takes a moment: off the request threads.
    let (next, removed) =
        tokio::task::spawn_blocking(move || current.with_changes(&changed, updated))
            .await
            .map_err(|e| canvass_db::DbError::Invalid(format!("index update failed: {e}")))?;
    footprints.extend(removed.iter().map(footprint));
    let count = next.len();
    state.tiles.index.replace(next);
    let evicted = state.tiles.cache.evict(&footprints);
    state.metrics.tile_index_updates.inc();
    state
        .metrics
        .tile_index_cameras
        .set(i64::try_from(count).unwrap_or(i64::MAX));
    tracing::debug!(changed = batch.ids.len(), evicted, "tile index updated");
    Ok((batch.watermark, batch.applied_above))
}

fn footprint(camera: &Camera) -> Footprint {
    Footprint {
        at: camera.at,
        reach: camera.wedge().map_or(0.0, |w| w.reach(camera.at)),
    }
}
