//! Keeps the camera index coherent with the database, and so with every other `serve` process
//! on it: it follows the change feed by its commit watermark.
//!
//! The database announces changes with NOTIFY (`canvass_changes`); a tick every second also
//! reads the change feed, which covers a notification lost with a broken connection and changes
//! held back behind a long-running transaction. The host may listen on further channels over
//! the same connection through [`FollowerHooks`] (the server drops its API-key cache that way).

use std::collections::HashSet;
use std::time::Duration;

use canvass_db::Database;
use canvass_db::camera_points::{self, Watermark};

use crate::TileService;
use crate::cache::Footprint;
use crate::error::TilesError;
use crate::index::{Camera, Snapshot};

const CHANGES: &str = "canvass_changes";
const TICK: Duration = Duration::from_secs(1);
const RETRY: Duration = Duration::from_millis(500);

/// What the host of a follower hears besides the index staying current: its own NOTIFY
/// channels and the index's size, for its metrics. Every method does nothing by default.
pub trait FollowerHooks: Send + Sync {
    /// Further channels to LISTEN on, on the follower's connection.
    fn channels(&self) -> &[&'static str] {
        &[]
    }

    /// (Re)started listening: notifications on [`FollowerHooks::channels`] may have been missed.
    fn listening(&self) {}

    /// A notification on one of [`FollowerHooks::channels`].
    fn notified(&self, _channel: &str) {}

    /// The index was loaded in full and holds `cameras`.
    fn loaded(&self, _cameras: usize) {}

    /// A batch of changes was applied; the index holds `cameras`.
    fn updated(&self, _cameras: usize) {}
}

/// Runs until the process ends: loads `tiles`' index, then applies changes as they come and
/// evicts the cached tiles they touch.
pub async fn follow_changes(db: &Database, tiles: &TileService, hooks: &impl FollowerHooks) {
    let mut channels = vec![CHANGES];
    channels.extend(hooks.channels().iter().copied().filter(|c| *c != CHANGES));
    let mut watermark: Option<Watermark> = None;
    let mut applied_above = HashSet::new();
    loop {
        // Listen before loading, so no change between the two is missed.
        let (_listener, mut notes) = match db.listen(&channels).await {
            Ok(listening) => listening,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for changes; retrying");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        hooks.listening();
        if watermark.is_none() {
            match load(db, tiles, hooks).await {
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
                    Some(CHANGES) => {}
                    Some(other) => {
                        hooks.notified(other);
                        continue;
                    }
                },
                _ = tick.tick() => {}
            }
            let Some(since) = watermark else { break };
            match apply_changes(db, tiles, hooks, since, &applied_above).await {
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

async fn load(
    db: &Database,
    tiles: &TileService,
    hooks: &impl FollowerHooks,
) -> Result<Watermark, TilesError> {
    let started = std::time::Instant::now();
    let mut client = db.client().await?;
    let mut cameras = Vec::new();
    let watermark = camera_points::load_active(&mut client, |p| {
        cameras.push(Camera::from_point(&p));
    })
    .await?;
    let snapshot = Snapshot::new(cameras).at(watermark);
    let count = snapshot.len();
    tiles.index.replace(snapshot);
    tiles.cache.clear();
    hooks.loaded(count);
    tracing::info!(
        cameras = count,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "camera index loaded"
    );
    Ok(watermark)
}

async fn apply_changes(
    db: &Database,
    tiles: &TileService,
    hooks: &impl FollowerHooks,
    since: Watermark,
    applied_above: &HashSet<i64>,
) -> Result<(Watermark, HashSet<i64>), TilesError> {
    let mut client = db.client().await?;
    let batch = camera_points::changes_since(&mut client, since, applied_above).await?;
    drop(client);
    if batch.ids.is_empty() {
        return Ok((batch.watermark, batch.applied_above));
    }
    let Some(current) = tiles.index.snapshot() else {
        return Ok((since, applied_above.clone()));
    };
    let changed: HashSet<u64> = batch.ids.iter().map(|id| id.unsigned_abs()).collect();
    let updated: Vec<Camera> = batch.points.iter().map(Camera::from_point).collect();
    let mut footprints: Vec<Footprint> = updated.iter().map(footprint).collect();
    // Sorting a million cameras takes a moment: off the request threads.
    let watermark = batch.watermark;
    let (next, removed) =
        tokio::task::spawn_blocking(move || current.with_changes(&changed, updated, watermark))
            .await
            .map_err(TilesError::IndexUpdate)?;
    footprints.extend(removed.iter().map(footprint));
    let count = next.len();
    tiles.index.replace(next);
    let evicted = tiles.cache.evict(&footprints);
    hooks.updated(count);
    tracing::debug!(changed = batch.ids.len(), evicted, "tile index updated");
    Ok((batch.watermark, batch.applied_above))
}

fn footprint(camera: &Camera) -> Footprint {
    Footprint {
        at: camera.at,
        reach: camera.wedge().map_or(0.0, |w| w.reach(camera.at)),
    }
}
