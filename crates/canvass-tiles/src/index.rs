//! The in-memory index of active cameras.
//!
//! Cameras are kept sorted by the Morton key of their position, so the cameras of any tile are
//! one contiguous slice found by two binary searches, and a count over a tile is the
//! difference of two positions. A change builds a new sorted snapshot beside the old one and
//! swaps it in: readers never wait for a writer and never see half a change.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use canvass_db::camera_points::{CameraPoint, Watermark};
use canvass_geo::{LonLat, TileId, WorldPoint};
use canvass_model::{CanExport, Kind, Placement, RecordingMode};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// Field of view drawn for a camera whose owner gave a facing but no angle.
pub const DEFAULT_FOV_DEG: f32 = 90.0;
/// Range drawn for a camera whose owner gave a facing but no range.
pub const DEFAULT_RANGE_M: f32 = 30.0;

/// One camera as the tiles need it. Unknown numbers are NaN or negative rather than
/// `Option`s: a million of these are held in memory, and this keeps each at 48 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// Camera id.
    pub id: u64,
    /// Position.
    pub at: WorldPoint,
    facing_deg: f32,
    fov_deg: f32,
    range_m: f32,
    verified_day: i32,
    retention_days: i16,
    updated_at: i64,
    /// What it views, one bit per `View::ALL` entry.
    pub views: u8,
    /// Mounted outside or inside.
    pub placement: Placement,
    /// Continuous or on motion.
    pub recording_mode: RecordingMode,
    /// Whether the owner can export footage.
    pub can_export: CanExport,
    /// Residence or business.
    pub kind: Kind,
}

impl Camera {
    /// From the database's row.
    pub fn from_point(p: &CameraPoint) -> Camera {
        Camera {
            id: p.id.unsigned_abs(),
            at: WorldPoint::from(p.at),
            facing_deg: p.facing_deg.unwrap_or(f32::NAN),
            fov_deg: p.fov_deg.unwrap_or(f32::NAN),
            range_m: p.range_m.unwrap_or(f32::NAN),
            verified_day: p.verified_on.map_or(i32::MIN, |d| d.num_days_from_ce()),
            retention_days: p
                .retention_days
                .and_then(|d| i16::try_from(d).ok())
                .unwrap_or(-1),
            updated_at: p.updated_at.timestamp(),
            views: p.views,
            placement: p.placement,
            recording_mode: p.recording_mode,
            can_export: p.can_export,
            kind: p.kind,
        }
    }

    /// Position in degrees (to within a centimetre of what the database holds).
    pub fn lon_lat(&self) -> LonLat {
        LonLat::from(self.at)
    }

    /// Degrees clockwise from north, when the owner said.
    pub fn facing_deg(&self) -> Option<f32> {
        Some(self.facing_deg).filter(|v| !v.is_nan())
    }

    /// Field of view in degrees, when the owner said.
    pub fn fov_deg(&self) -> Option<f32> {
        Some(self.fov_deg).filter(|v| !v.is_nan())
    }

    /// Range in metres, when the owner said.
    pub fn range_m(&self) -> Option<f32> {
        Some(self.range_m).filter(|v| !v.is_nan())
    }

    /// Days footage is kept, when the owner knows.
    pub fn retention_days(&self) -> Option<i16> {
        Some(self.retention_days).filter(|d| *d >= 0)
    }

    /// The day the owner last confirmed the entry.
    pub fn verified_on(&self) -> Option<NaiveDate> {
        (self.verified_day != i32::MIN)
            .then(|| NaiveDate::from_num_days_from_ce_opt(self.verified_day))
            .flatten()
    }

    /// When the camera or its registration last changed (to the second).
    pub fn updated_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.updated_at, 0).unwrap_or_default()
    }

    /// Days from the common era of [`Camera::verified_on`], as a compact code.
    pub fn verified_day(&self) -> Option<i32> {
        (self.verified_day != i32::MIN).then_some(self.verified_day)
    }

    /// The wedge the map draws: only for a camera with a facing.
    pub fn wedge(&self) -> Option<canvass_geo::wedge::Wedge> {
        let facing = self.facing_deg()?;
        Some(canvass_geo::wedge::Wedge {
            facing_deg: f64::from(facing),
            fov_deg: f64::from(self.fov_deg().unwrap_or(DEFAULT_FOV_DEG)),
            range_m: f64::from(self.range_m().unwrap_or(DEFAULT_RANGE_M)),
        })
    }

    fn sort_key(&self) -> (u64, u64) {
        (self.at.morton(), self.id)
    }
}

/// The active cameras at one moment, sorted by Morton key.
#[derive(Debug, Default)]
pub struct Snapshot {
    keys: Vec<u64>,
    cameras: Vec<Camera>,
    max_wedge_range_m: f64,
    /// West, south, east, north in degrees; `None` without cameras.
    bounds: Option<[f64; 4]>,
    /// The change feed's commit watermark the cameras are complete up to: every change of a
    /// transaction below it is in them.
    watermark: Watermark,
}

impl Snapshot {
    /// Sorts `cameras` into a snapshot.
    pub fn new(mut cameras: Vec<Camera>) -> Snapshot {
        cameras.sort_unstable_by_key(Camera::sort_key);
        cameras.shrink_to_fit();
        let keys = cameras.iter().map(|c| c.at.morton()).collect();
        let max_wedge_range_m = cameras
            .iter()
            .filter_map(|c| c.wedge().map(|w| w.range_m))
            .fold(0.0, f64::max);
        let bounds = cameras
            .iter()
            .map(|c| c.at)
            .fold(None, |acc: Option<[u32; 4]>, p| {
                let [x0, y0, x1, y1] = acc.unwrap_or([p.x, p.y, p.x, p.y]);
                Some([x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y)])
            });
        let bounds = bounds.map(|[x0, y0, x1, y1]| {
            let (nw, se) = (WorldPoint { x: x0, y: y0 }, WorldPoint { x: x1, y: y1 });
            [nw.longitude(), se.latitude(), se.longitude(), nw.latitude()]
        });
        Snapshot {
            keys,
            cameras,
            max_wedge_range_m,
            bounds,
            watermark: Watermark::default(),
        }
    }

    /// The snapshot, complete up to `watermark` of the change feed.
    #[must_use]
    pub fn at(mut self, watermark: Watermark) -> Snapshot {
        self.watermark = watermark;
        self
    }

    /// The change feed's watermark the cameras are complete up to (0 for a snapshot not made
    /// from the database).
    pub fn watermark(&self) -> Watermark {
        self.watermark
    }

    /// West, south, east, north edges of the cameras in degrees; `None` without cameras.
    pub fn bounds_lon_lat(&self) -> Option<[f64; 4]> {
        self.bounds
    }

    /// Every camera, in Morton order (the order a whole-collection download streams them).
    pub fn cameras(&self) -> &[Camera] {
        &self.cameras
    }

    /// Number of cameras.
    pub fn len(&self) -> usize {
        self.cameras.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.cameras.is_empty()
    }

    /// The longest wedge any camera has, in metres.
    pub fn max_wedge_range_m(&self) -> f64 {
        self.max_wedge_range_m
    }

    /// The cameras in `tile`.
    pub fn in_tile(&self, tile: TileId) -> &[Camera] {
        let (lo, hi) = self.bounds(tile, 0, self.keys.len());
        &self.cameras[lo..hi]
    }

    /// The positions `[lo, hi)` within `[from, to)` of the cameras in `tile`; `[from, to)` must
    /// hold every camera of `tile` (a parent tile's bounds do).
    pub fn bounds(&self, tile: TileId, from: usize, to: usize) -> (usize, usize) {
        let range = tile.morton_range();
        let keys = &self.keys[from..to];
        let lo = keys.partition_point(|k| k < range.start());
        let hi = keys.partition_point(|k| k <= range.end());
        (from + lo, from + hi)
    }

    /// A new snapshot without the cameras `changed` names, plus `current` (their present
    /// state, for those still active), complete up to `watermark`; also the positions of the
    /// cameras taken out.
    pub fn with_changes(
        &self,
        changed: &HashSet<u64>,
        current: Vec<Camera>,
        watermark: Watermark,
    ) -> (Snapshot, Vec<Camera>) {
        let mut removed = Vec::new();
        let mut cameras = Vec::with_capacity(self.cameras.len() + current.len());
        for camera in &self.cameras {
            if changed.contains(&camera.id) {
                removed.push(*camera);
            } else {
                cameras.push(*camera);
            }
        }
        cameras.extend(current);
        (Snapshot::new(cameras).at(watermark), removed)
    }
}

/// The index every reader shares (tiles, searches): `None` until the first load has finished.
#[derive(Debug, Default)]
pub struct CameraIndex {
    current: RwLock<Option<Arc<Snapshot>>>,
}

impl CameraIndex {
    /// The current snapshot, or `None` while the first load runs.
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swaps in a new snapshot.
    pub fn replace(&self, snapshot: Snapshot) {
        let snapshot = Some(Arc::new(snapshot));
        match self.current.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use canvass_model::{CanExport, Kind, Placement, RecordingMode};

    pub(crate) fn camera(id: u64, lon: f64, lat: f64) -> Camera {
        Camera::from_point(&CameraPoint {
            id: i64::try_from(id).unwrap(),
            at: LonLat::new(lon, lat).unwrap(),
            placement: Placement::Exterior,
            views: 1,
            facing_deg: Some(90.0),
            fov_deg: None,
            range_m: Some(40.0),
            retention_days: Some(30),
            recording_mode: RecordingMode::Motion,
            can_export: CanExport::Yes,
            kind: Kind::Residence,
            verified_on: NaiveDate::from_ymd_opt(2026, 5, 1),
            updated_at: DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
        })
    }

    #[test]
    fn a_tile_is_one_slice_of_its_cameras() {
        let cameras: Vec<_> = (0..2000u64)
            .map(|i| {
                camera(
                    i,
                    -122.1 + (i % 50) as f64 * 0.003,
                    37.9 + (i / 50) as f64 * 0.003,
                )
            })
            .collect();
        let snapshot = Snapshot::new(cameras.clone());
        for z in [0u8, 8, 12, 14, 16] {
            for c in cameras.iter().step_by(97) {
                let tile = TileId::containing(c.at, z);
                let expected: HashSet<u64> = cameras
                    .iter()
                    .filter(|o| tile.contains(o.at))
                    .map(|o| o.id)
                    .collect();
                let found: HashSet<u64> = snapshot.in_tile(tile).iter().map(|o| o.id).collect();
                assert_eq!(found, expected, "z{z}");
            }
        }
    }

    #[test]
    fn changes_replace_remove_and_report_old_positions() {
        let snapshot = Snapshot::new(vec![camera(1, -122.0, 38.0), camera(2, -122.01, 38.01)]);
        let moved = camera(1, -121.5, 38.5);
        let changed: HashSet<u64> = [1, 2].into();
        let (next, removed) = snapshot.with_changes(&changed, vec![moved], Watermark(42));
        assert_eq!(next.len(), 1);
        assert_eq!(next.watermark(), Watermark(42));
        assert_eq!(next.in_tile(TileId::containing(moved.at, 14))[0].id, 1);
        assert_eq!(removed.len(), 2);
        assert_eq!(next.max_wedge_range_m(), 40.0);
    }

    #[test]
    fn unknown_values_stay_unknown() {
        let mut c = camera(3, 0.0, 0.0);
        assert_eq!(c.fov_deg(), None);
        assert_eq!(c.wedge().unwrap().fov_deg, f64::from(DEFAULT_FOV_DEG));
        assert_eq!(c.verified_on(), NaiveDate::from_ymd_opt(2026, 5, 1));
        c.facing_deg = f32::NAN;
        assert!(c.wedge().is_none());
        assert_eq!(std::mem::size_of::<Camera>(), 48);
    }
}
