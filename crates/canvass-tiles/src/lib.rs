//! The in-memory camera index and what is built on it, with no HTTP: the vector tiles, the
//! area searches of the officer's canvass, the raster renderer and the feeds all read it.
//!
//! - [`TileService`] holds the [`index::CameraIndex`] (every active camera, Morton-sorted, in
//!   immutable [`index::Snapshot`]s swapped whole), the [`cache::TileCache`] of encoded tiles and
//!   the [`TileSettings`]. [`TileService::key`] decides which [`layers`] a request at a zoom
//!   gets; [`TileService::tile`] answers a [`TileKey`] from the cache or renders it
//!   ([`render`], Mapbox Vector Tiles) and files it, and says which it was ([`CacheLookup`]) so
//!   that the server can count it.
//! - The snapshot API ([`search`]): from [`TileService::snapshot`], the cameras within a radius
//!   of a [`LonLat`] (great circle, nearest first, with distances), inside a polygon (with
//!   holes), along a route within a buffer, or inside a [`LonLatBox`]; each an
//!   [`index::Camera`] with its id, position and attributes.
//!   [`index::Snapshot::in_tile`] gives a tile's cameras directly.
//! - [`features`]: the `cameras` collection of the feeds answered from the snapshot (pages
//!   of a [`canvass_feeds::FeatureQuery`], and every match streamed for a download).
//! - [`follow_changes`] keeps the index current from the database's change feed by its commit
//!   watermark, and evicts exactly the cached tiles a change touches; [`FollowerHooks`] lets the
//!   host hear its own NOTIFY channels and the index size on the same connection.
//!
//! Nothing here knows HTTP: the server parses requests, calls these, and answers.

pub mod cache;
mod error;
pub mod features;
mod follow;
pub mod index;
pub mod layers;
pub mod render;
pub mod search;

use std::sync::Arc;

pub use canvass_geo::LonLat;
use canvass_geo::TileId;

pub use cache::{EncodedTile, FieldSet, TileCache, TileKey};
pub use error::TilesError;
pub use follow::{FollowerHooks, follow_changes};
pub use index::{Camera, CameraIndex, Snapshot};
pub use layers::{Layer, LayerListError, LayerSet};
pub use search::{LonLatBox, Nearby};

/// How tiles are cut and cached.
#[derive(Debug, Clone, Copy)]
pub struct TileSettings {
    /// Deepest zoom served.
    pub max_zoom: u8,
    /// Zoom from which points and wedges are drawn; below it, coverage counts.
    pub points_from_zoom: u8,
    /// Bytes of encoded tiles kept in memory; 0 turns the cache off.
    pub cache_bytes: u64,
}

impl Default for TileSettings {
    fn default() -> Self {
        TileSettings {
            max_zoom: 22,
            points_from_zoom: 13,
            cache_bytes: 64 << 20,
        }
    }
}

/// Where an answered tile came from, for the host's cache metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheLookup {
    /// Found in the cache.
    Hit,
    /// Rendered, and filed unless a change raced it.
    Miss,
    /// Rendered; the cache is turned off.
    Disabled,
}

/// The index, the cache and the settings, shared by every request.
#[derive(Debug)]
pub struct TileService {
    /// Active cameras in memory.
    pub index: CameraIndex,
    /// Encoded tiles.
    pub cache: TileCache,
    /// Settings.
    pub settings: TileSettings,
}

impl TileService {
    /// An empty index (loaded by [`follow_changes`]) and a cache of the configured size.
    pub fn new(settings: TileSettings) -> TileService {
        TileService {
            index: CameraIndex::default(),
            cache: TileCache::new(settings.cache_bytes),
            settings,
        }
    }

    /// The current snapshot, or [`TilesError::Loading`] while the first load runs.
    pub fn snapshot(&self) -> Result<Arc<Snapshot>, TilesError> {
        self.index.snapshot().ok_or(TilesError::Loading)
    }

    /// What a request for `requested` layers of `tile` is filed under: the layers actually
    /// rendered at its zoom, and the fields every tile reader sees.
    pub fn key(&self, requested: LayerSet, tile: TileId) -> TileKey {
        TileKey {
            layers: render::effective_layers(requested, tile.z, self.settings.points_from_zoom),
            fields: FieldSet::Standard,
            tile,
        }
    }

    /// The encoded tile for `key`, from the cache or rendered from the current snapshot.
    pub fn tile(&self, key: TileKey) -> Result<(Arc<EncodedTile>, CacheLookup), TilesError> {
        if let Some(hit) = self.cache.get(&key) {
            return Ok((hit, CacheLookup::Hit));
        }
        // The epoch is read before the snapshot, so a tile cut from a snapshot that a change
        // has since replaced is never filed after that change's eviction.
        let epoch = self.cache.epoch();
        let snapshot = self.snapshot()?;
        let encoded = Arc::new(EncodedTile::new(render::render(
            &snapshot, key.layers, key.tile,
        )));
        if !self.cache.enabled() {
            return Ok((encoded, CacheLookup::Disabled));
        }
        self.cache.insert_if_current(key, encoded.clone(), epoch);
        Ok((encoded, CacheLookup::Miss))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::camera;
    use canvass_geo::WorldPoint;

    #[test]
    fn tiles_come_from_the_cache_once_rendered() {
        let tiles = TileService::new(TileSettings::default());
        let tile = TileId::containing(WorldPoint::from_lon_lat(-122.0, 38.0), 15);
        let key = tiles.key(LayerSet::only(Layer::Cameras), tile);
        assert!(matches!(tiles.tile(key), Err(TilesError::Loading)));
        tiles
            .index
            .replace(Snapshot::new(vec![camera(1, -122.0, 38.0)]));
        let (first, lookup) = tiles.tile(key).unwrap();
        assert_eq!(lookup, CacheLookup::Miss);
        assert!(!first.bytes.is_empty());
        let (again, lookup) = tiles.tile(key).unwrap();
        assert_eq!(lookup, CacheLookup::Hit);
        assert!(Arc::ptr_eq(&first, &again));
        // Below the points zoom, a request for points gets counts.
        let low = TileId::containing(WorldPoint::from_lon_lat(-122.0, 38.0), 10);
        assert_eq!(
            tiles.key(LayerSet::only(Layer::Cameras), low).layers,
            LayerSet::only(Layer::Coverage)
        );
        let off = TileService::new(TileSettings {
            cache_bytes: 0,
            ..TileSettings::default()
        });
        off.index.replace(Snapshot::new(Vec::new()));
        let (empty, lookup) = off.tile(key).unwrap();
        assert_eq!(lookup, CacheLookup::Disabled);
        assert!(empty.bytes.is_empty());
    }
}
