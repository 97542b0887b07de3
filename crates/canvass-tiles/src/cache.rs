//! Encoded tiles, kept by layers, tile and the fields the caller may see.

use std::sync::{Arc, OnceLock, RwLock};

use bytes::Bytes;
use canvass_geo::mvt::EXTENT;
use canvass_geo::{TileId, WorldPoint};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::layers::{Layer, LayerSet};
use crate::render::BUFFER;

/// Which attributes a caller may see. Every role that may read tiles sees the same fields
/// today; the cache key carries the set so that a narrower role added later can never be
/// handed a tile cut for a wider one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldSet {
    /// The attributes listed for each layer; never personal data.
    Standard,
}

/// What a cached tile is filed under. `layers` are the layers actually rendered at that zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// Layers rendered.
    pub layers: LayerSet,
    /// Fields shown.
    pub fields: FieldSet,
    /// The tile.
    pub tile: TileId,
}

/// An encoded tile with its validator and, once asked for, its gzip form.
#[derive(Debug)]
pub struct EncodedTile {
    /// The MVT bytes (empty: no feature).
    pub bytes: Bytes,
    /// Strong validator, quoted as an `ETag` header carries it: a hash of the bytes, the same
    /// in every process. ASCII only.
    pub etag: Bytes,
    gzip: OnceLock<Option<Bytes>>,
}

impl EncodedTile {
    /// Wraps freshly encoded bytes.
    pub fn new(bytes: Vec<u8>) -> EncodedTile {
        let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
        let etag = Bytes::from(format!("\"{hash:032x}\""));
        EncodedTile {
            bytes: Bytes::from(bytes),
            etag,
            gzip: OnceLock::new(),
        }
    }

    /// The bytes gzip-compressed, computed once; `None` if compression failed (logged), in
    /// which case the plain bytes are the answer.
    pub fn gzip(&self) -> Option<Bytes> {
        self.gzip.get_or_init(|| compress(&self.bytes)).clone()
    }
}

fn compress(bytes: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 32),
        flate2::Compression::default(),
    );
    match encoder.write_all(bytes).and_then(|()| encoder.finish()) {
        Ok(compressed) => Some(Bytes::from(compressed)),
        Err(e) => {
            tracing::error!(error = %e, "cannot gzip an encoded tile; serving it uncompressed");
            None
        }
    }
}

/// A camera that changed, where it was or is, and how far its wedge reaches (position units).
#[derive(Debug, Clone, Copy)]
pub struct Footprint {
    /// Position.
    pub at: WorldPoint,
    /// Wedge reach around it; 0 without a wedge.
    pub reach: f64,
}

/// More changes than this in one batch empty the cache instead of testing every entry.
const EVICT_ALL_ABOVE: usize = 10_000;

#[derive(Debug, Clone)]
struct ByteWeight;

impl Weighter<TileKey, Arc<EncodedTile>> for ByteWeight {
    fn weight(&self, _key: &TileKey, tile: &Arc<EncodedTile>) -> u64 {
        // Bookkeeping per entry, plus the bytes (the gzip copy is smaller still).
        256 + 2 * tile.bytes.len() as u64
    }
}

/// The cache, or nothing when its budget is 0.
#[derive(Debug)]
pub struct TileCache {
    entries: Option<Cache<TileKey, Arc<EncodedTile>, ByteWeight>>,
    /// Bumped by every eviction; a tile cut before the bump is not filed after it.
    epoch: RwLock<u64>,
}

impl TileCache {
    /// A cache of about `budget_bytes`; 0 turns caching off.
    pub fn new(budget_bytes: u64) -> TileCache {
        let entries = (budget_bytes > 0).then(|| {
            let estimated_items = usize::try_from(budget_bytes / 4096)
                .unwrap_or(1 << 20)
                .max(64);
            Cache::with_weighter(estimated_items, budget_bytes, ByteWeight)
        });
        TileCache {
            entries,
            epoch: RwLock::new(0),
        }
    }

    /// Read before taking the snapshot a tile is cut from; see [`TileCache::insert_if_current`].
    pub fn epoch(&self) -> u64 {
        match self.epoch.read() {
            Ok(epoch) => *epoch,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Whether tiles are cached at all.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// A cached tile.
    pub fn get(&self, key: &TileKey) -> Option<Arc<EncodedTile>> {
        self.entries.as_ref()?.get(key)
    }

    /// Keeps a tile cut from a snapshot taken after `epoch` was read, unless an eviction has
    /// happened since (the snapshot may be older than the change that caused it).
    pub fn insert_if_current(&self, key: TileKey, tile: Arc<EncodedTile>, epoch: u64) {
        let Some(entries) = &self.entries else {
            return;
        };
        // Held while inserting, so an eviction either sees this entry or bumps first.
        let Ok(current) = self.epoch.read() else {
            return;
        };
        if *current == epoch {
            entries.insert(key, tile);
        }
    }

    fn bump(&self) {
        match self.epoch.write() {
            Ok(mut epoch) => *epoch += 1,
            Err(poisoned) => *poisoned.into_inner() += 1,
        }
    }

    /// Drops exactly the tiles whose content the changed cameras touch: for points and
    /// counts the tile holding the position, for wedges every tile the wedge reaches.
    pub fn evict(&self, changed: &[Footprint]) -> usize {
        let Some(entries) = &self.entries else {
            return 0;
        };
        if changed.is_empty() {
            return 0;
        }
        self.bump();
        let before = entries.len();
        if changed.len() > EVICT_ALL_ABOVE {
            entries.clear();
            return before;
        }
        entries.retain(|key, _| !changed.iter().any(|f| touches(key, f)));
        before.saturating_sub(entries.len())
    }

    /// Drops everything (after the index had to be reloaded).
    pub fn clear(&self) {
        self.bump();
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }
}

fn touches(key: &TileKey, change: &Footprint) -> bool {
    let tile = key.tile;
    if (key.layers.contains(Layer::Cameras) || key.layers.contains(Layer::Coverage))
        && tile.contains(change.at)
    {
        return true;
    }
    if key.layers.contains(Layer::CameraFov) && change.reach > 0.0 {
        let (x0, y0) = tile.origin();
        let size = tile.size() as f64;
        let margin = size * f64::from(BUFFER) / f64::from(EXTENT) + change.reach;
        let (x, y) = (f64::from(change.at.x), f64::from(change.at.y));
        return x + margin >= x0 as f64
            && x - margin <= x0 as f64 + size
            && y + margin >= y0 as f64
            && y - margin <= y0 as f64 + size;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(layer: Layer, tile: TileId) -> TileKey {
        TileKey {
            layers: LayerSet::only(layer),
            fields: FieldSet::Standard,
            tile,
        }
    }

    #[test]
    fn a_change_evicts_the_tiles_that_show_it_and_no_others() {
        let cache = TileCache::new(1 << 20);
        let at = WorldPoint::from_lon_lat(-122.03, 37.97);
        let here = TileId::containing(at, 16);
        let east = TileId {
            x: here.x + 1,
            ..here
        };
        let far = TileId {
            x: here.x + 5,
            ..here
        };
        for k in [
            key(Layer::Cameras, here),
            key(Layer::Cameras, east),
            key(Layer::CameraFov, east),
            key(Layer::CameraFov, far),
            key(Layer::Coverage, TileId::containing(at, 3)),
        ] {
            cache.insert_if_current(k, Arc::new(EncodedTile::new(vec![1, 2, 3])), cache.epoch());
        }
        let reach = here.size() as f64;
        assert_eq!(cache.evict(&[Footprint { at, reach }]), 3);
        assert!(cache.get(&key(Layer::Cameras, east)).is_some());
        assert!(cache.get(&key(Layer::CameraFov, far)).is_some());
        assert!(cache.get(&key(Layer::Cameras, here)).is_none());
        // A tile cut before that eviction is not filed after it.
        let stale = cache.epoch() - 1;
        cache.insert_if_current(
            key(Layer::Cameras, here),
            Arc::new(EncodedTile::new(vec![9])),
            stale,
        );
        assert!(cache.get(&key(Layer::Cameras, here)).is_none());
    }

    #[test]
    fn etags_follow_the_bytes_and_gzip_round_trips() {
        let a = EncodedTile::new(vec![1, 2, 3]);
        assert_eq!(a.etag, EncodedTile::new(vec![1, 2, 3]).etag);
        assert_ne!(a.etag, EncodedTile::new(vec![1, 2, 4]).etag);
        let mut out = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&a.gzip().unwrap()[..]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, vec![1, 2, 3]);
        assert!(!TileCache::new(0).enabled());
    }
}
