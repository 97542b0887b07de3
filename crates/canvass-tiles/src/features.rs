//! The `cameras` collection's executor: feature queries answered from the in-memory index,
//! without a database round trip.
//!
//! A query's candidates come from the spatial index when its filter bounds the answer
//! ([`Filter::bounds`]: a bbox, or an `S_INTERSECTS` under an `AND`), otherwise from every
//! camera; each candidate becomes the [`CameraFeature`] every feed writes, and the shared
//! paging of `canvass-feeds` filters, sorts and cuts the page. The SQL executor of
//! `canvass-db` answers the same queries for `camera_contacts`; both read the same filter tree.

use std::sync::Arc;

use canvass_feeds::{CameraFeature, Cursor, FeatureQuery, Filter, Page, page_of};
use canvass_geo::LonLat;

use crate::index::{Camera, Snapshot};
use crate::search::LonLatBox;

/// The feature of an indexed camera (no contact: the index holds no personal data).
pub fn feature(camera: &Camera) -> CameraFeature {
    CameraFeature {
        // Ids come from a bigserial, so they fit; the index keeps them unsigned to stay small.
        id: i64::try_from(camera.id).unwrap_or(i64::MAX),
        at: camera.lon_lat(),
        placement: camera.placement,
        views: camera.views,
        facing_deg: camera.facing_deg(),
        fov_deg: camera.fov_deg(),
        range_m: camera.range_m(),
        retention_days: camera.retention_days().map(i32::from),
        recording_mode: camera.recording_mode,
        can_export: camera.can_export,
        kind: camera.kind,
        verified_on: camera.verified_on(),
        updated_at: camera.updated_at(),
        contact: None,
    }
}

/// The features that may match `filter`: those inside its bounds when it has any (by id),
/// otherwise every camera (in index order). The filter itself is not applied here.
pub fn candidates<'a>(
    snapshot: &'a Snapshot,
    filter: Option<&Filter>,
) -> Box<dyn Iterator<Item = CameraFeature> + 'a> {
    match filter.and_then(Filter::bounds) {
        Some(bounds) => match search_box(bounds) {
            Some(area) => Box::new(snapshot.within_box(area).into_iter().map(feature)),
            None => Box::new(std::iter::empty()),
        },
        None => Box::new(snapshot.cameras().iter().map(feature)),
    }
}

/// The page of `query` after `after` (from the first without it), with how many match in all.
pub fn page(snapshot: &Snapshot, query: &FeatureQuery, after: Option<&Cursor>) -> Page {
    page_of(candidates(snapshot, query.filter.as_ref()), query, after)
}

/// The box of the index to search for `[west, south, east, north]`, cut to the Earth; `None`
/// when nothing can lie in it (an empty intersection of several boxes, say).
fn search_box([west, south, east, north]: [f64; 4]) -> Option<LonLatBox> {
    let lon = |v: f64| v.clamp(-180.0, 180.0);
    let lat = |v: f64| v.clamp(-90.0, 90.0);
    let south_west = LonLat::new(lon(west), lat(south)).ok()?;
    let north_east = LonLat::new(lon(east), lat(north)).ok()?;
    LonLatBox::new(south_west, north_east).ok()
}

/// Every feature of `snapshot` that matches `filter`, in index order, read a block at a time
/// from a snapshot it holds: a whole-collection download streams from it in constant memory
/// while newer snapshots replace the index.
#[derive(Debug)]
pub struct Matching {
    snapshot: Arc<Snapshot>,
    filter: Option<Filter>,
    next: usize,
}

impl Matching {
    /// The matching features of `snapshot`, from the first.
    pub fn new(snapshot: Arc<Snapshot>, filter: Option<Filter>) -> Matching {
        Matching {
            snapshot,
            filter,
            next: 0,
        }
    }

    /// Up to `max` more matching features, appended to `into`; false once every camera has
    /// been read. At most `max` cameras are looked at per call, so a call is short.
    pub fn read(&mut self, max: usize, into: &mut Vec<CameraFeature>) -> bool {
        let cameras = self.snapshot.cameras();
        let end = cameras.len().min(self.next.saturating_add(max));
        let block = cameras.get(self.next..end).unwrap_or_default();
        into.extend(
            block
                .iter()
                .map(feature)
                .filter(|f| self.filter.as_ref().is_none_or(|filter| filter.matches(f))),
        );
        self.next = end;
        self.next < cameras.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::camera;
    use canvass_feeds::{CompareOp, Geometry, Property, Value};

    fn city() -> Arc<Snapshot> {
        let mut cameras = Vec::new();
        for i in 0..400u64 {
            let lon = -122.10 + (i % 20) as f64 * 0.005;
            let lat = 37.90 + (i / 20) as f64 * 0.005;
            cameras.push(camera(i + 1, lon, lat));
        }
        Arc::new(Snapshot::new(cameras))
    }

    fn ids(features: impl Iterator<Item = CameraFeature>) -> Vec<i64> {
        let mut ids: Vec<i64> = features.map(|f| f.id).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn a_feature_keeps_every_attribute_of_the_camera() {
        let snapshot = city();
        let camera = snapshot.cameras()[0];
        let f = feature(&camera);
        assert_eq!(f.id, i64::try_from(camera.id).unwrap());
        assert_eq!(f.at, camera.lon_lat());
        assert_eq!(
            (f.placement, f.views, f.kind),
            (camera.placement, camera.views, camera.kind)
        );
        assert_eq!(
            (f.facing_deg, f.fov_deg, f.range_m),
            (camera.facing_deg(), camera.fov_deg(), camera.range_m())
        );
        assert_eq!(f.retention_days, camera.retention_days().map(i32::from));
        assert_eq!(
            (f.verified_on, f.updated_at),
            (camera.verified_on(), camera.updated_at())
        );
        assert!(f.contact.is_none());
    }

    #[test]
    fn bounded_filters_take_their_candidates_from_the_index() {
        let snapshot = city();
        let all = ids(candidates(&snapshot, None));
        assert_eq!(all, (1..=400).collect::<Vec<_>>());
        let kind = Filter::IsNull(Property::FovDeg);
        assert_eq!(ids(candidates(&snapshot, Some(&kind))), all, "no bounds");
        let area = [-122.0951, 37.8999, -122.0849, 37.9101];
        let boxed = Filter::all([kind, Filter::Intersects(Geometry::Envelope(area))]).unwrap();
        let inside: Vec<i64> = all
            .iter()
            .copied()
            .filter(|id| {
                let p = snapshot
                    .cameras()
                    .iter()
                    .find(|c| c.id == u64::try_from(*id).unwrap())
                    .unwrap()
                    .lon_lat();
                (area[0]..=area[2]).contains(&p.lon()) && (area[1]..=area[3]).contains(&p.lat())
            })
            .collect();
        assert_eq!(inside.len(), 9);
        assert_eq!(ids(candidates(&snapshot, Some(&boxed))), inside);
        // Two boxes that do not meet: nothing can match.
        let apart = Filter::all([
            Filter::Intersects(Geometry::Envelope([-122.1, 37.9, -122.09, 37.91])),
            Filter::Intersects(Geometry::Envelope([-122.0, 37.95, -121.99, 37.96])),
        ])
        .unwrap();
        assert_eq!(candidates(&snapshot, Some(&apart)).count(), 0);
        // A box beyond the Earth's edges is cut to them.
        let world = Filter::Intersects(Geometry::Envelope([-400.0, -100.0, 400.0, 100.0]));
        assert_eq!(ids(candidates(&snapshot, Some(&world))), all);
    }

    #[test]
    fn matching_reads_every_match_once_in_blocks() {
        let snapshot = city();
        let filter = Filter::Compare {
            property: Property::Id,
            op: CompareOp::Le,
            value: Value::Integer(250),
        };
        let mut matching = Matching::new(snapshot, Some(filter));
        let mut read = Vec::new();
        let mut calls = 0;
        while matching.read(64, &mut read) {
            calls += 1;
        }
        assert_eq!(calls, 400 / 64);
        assert_eq!(ids(read.into_iter()), (1..=250).collect::<Vec<_>>());
    }
}
