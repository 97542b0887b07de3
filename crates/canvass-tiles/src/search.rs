//! Finding the cameras of a snapshot by area: around a point, inside a polygon, inside a box.
//!
//! Every search takes its candidates from the few tiles that cover the area's bounding box —
//! each one contiguous run of the Morton-sorted snapshot — and then tests each candidate
//! exactly, so a search costs in proportion to the cameras near the area, not to the index.
//! A camera's position is the index's (within a centimetre of the database's).
//!
//! Areas do not cross the antimeridian: a box runs west to east, and a circle near it is cut at
//! ±180° longitude. Canvass serves one department's service area, which never spans it.

use std::f64::consts::FRAC_PI_2;

use canvass_geo::tile::{MAX_TILE_ZOOM, tiles_covering, zoom_for_span};
use canvass_geo::{LonLat, WorldPoint};

use crate::error::TilesError;
use crate::index::{Camera, Snapshot};

/// Mean radius of the Earth in metres (IUGG), for great-circle distances.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Degrees added around a search box before choosing its tiles, so that rounding between
/// degrees and position units never leaves a camera on the box's edge out (about 1 cm).
const EDGE_MARGIN_DEG: f64 = 1e-7;

/// A box in degrees, west to east and south to north (edges included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLatBox {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl LonLatBox {
    /// The box between two corners; refused when `south_west` is east or north of
    /// `north_east` (a box across the antimeridian is not supported).
    pub fn new(south_west: LonLat, north_east: LonLat) -> Result<LonLatBox, TilesError> {
        let (west, south) = (south_west.lon(), south_west.lat());
        let (east, north) = (north_east.lon(), north_east.lat());
        if west > east || south > north {
            return Err(TilesError::Box {
                west,
                south,
                east,
                north,
            });
        }
        Ok(LonLatBox {
            west,
            south,
            east,
            north,
        })
    }

    /// West, south, east, north edges in degrees.
    pub fn edges(&self) -> [f64; 4] {
        [self.west, self.south, self.east, self.north]
    }

    /// Whether `p` lies in the box or on its edge.
    pub fn contains(&self, p: LonLat) -> bool {
        (self.west..=self.east).contains(&p.lon()) && (self.south..=self.north).contains(&p.lat())
    }

    /// The smallest box holding every point; `None` without points.
    fn around(points: &[LonLat]) -> Option<LonLatBox> {
        let first = points.first()?;
        let start = [first.lon(), first.lat(), first.lon(), first.lat()];
        let [west, south, east, north] = points.iter().fold(start, |[w, s, e, n], p| {
            [
                w.min(p.lon()),
                s.min(p.lat()),
                e.max(p.lon()),
                n.max(p.lat()),
            ]
        });
        Some(LonLatBox {
            west,
            south,
            east,
            north,
        })
    }
}

/// A camera found around a point, with its great-circle distance from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearby<'a> {
    /// The camera, with every attribute the index holds.
    pub camera: &'a Camera,
    /// Metres from the centre of the search.
    pub distance_m: f64,
}

/// Great-circle (haversine) distance in metres on a sphere of [`EARTH_RADIUS_M`]; within
/// 0.5 % of the ellipsoidal distance, far closer than a camera's placement on a map.
pub fn distance_m(a: LonLat, b: LonLat) -> f64 {
    let (lat_a, lat_b) = (a.lat().to_radians(), b.lat().to_radians());
    let half_dlat = (lat_b - lat_a) / 2.0;
    let half_dlon = (b.lon() - a.lon()).to_radians() / 2.0;
    let h = half_dlat.sin().powi(2) + lat_a.cos() * lat_b.cos() * half_dlon.sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Whether `p` lies inside `ring` (even-odd rule, edges straight in longitude and latitude as
/// GeoJSON draws them); a point exactly on an edge may fall either way.
fn ring_contains(ring: &[LonLat], p: LonLat) -> bool {
    let (x, y) = (p.lon(), p.lat());
    let mut inside = false;
    let mut previous = match ring.last() {
        Some(last) => *last,
        None => return false,
    };
    for &corner in ring {
        let (xi, yi, xj, yj) = (corner.lon(), corner.lat(), previous.lon(), previous.lat());
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        previous = corner;
    }
    inside
}

impl Snapshot {
    /// The cameras within `radius_m` metres (great circle) of `centre`, nearest first (ties by
    /// id), each with its distance.
    pub fn within_radius(
        &self,
        centre: LonLat,
        radius_m: f64,
    ) -> Result<Vec<Nearby<'_>>, TilesError> {
        if !radius_m.is_finite() || radius_m < 0.0 {
            return Err(TilesError::Radius(radius_m));
        }
        let mut found: Vec<Nearby<'_>> = self
            .candidates(circle_box(centre, radius_m))
            .filter_map(|camera| {
                let distance_m = distance_m(centre, camera.lon_lat());
                (distance_m <= radius_m).then_some(Nearby { camera, distance_m })
            })
            .collect();
        found.sort_unstable_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.camera.id.cmp(&b.camera.id))
        });
        Ok(found)
    }

    /// The cameras inside the polygon `ring` (corners in order; closing it by repeating the
    /// first corner is optional), by id.
    pub fn within_polygon(&self, ring: &[LonLat]) -> Result<Vec<&Camera>, TilesError> {
        let ring = match ring {
            [first, .., last] if first == last => &ring[..ring.len() - 1],
            _ => ring,
        };
        let area = match LonLatBox::around(ring) {
            Some(area) if ring.len() >= 3 => area,
            _ => return Err(TilesError::Polygon(ring.len())),
        };
        Ok(by_id(
            self.candidates(area)
                .filter(|c| ring_contains(ring, c.lon_lat())),
        ))
    }

    /// The cameras inside `area` or on its edge, by id.
    pub fn within_box(&self, area: LonLatBox) -> Vec<&Camera> {
        by_id(self.candidates(area).filter(|c| area.contains(c.lon_lat())))
    }

    /// Every camera whose position may lie in `area`, and some beyond it: the runs of the few
    /// tiles that cover it.
    fn candidates(&self, area: LonLatBox) -> impl Iterator<Item = &Camera> {
        let m = EDGE_MARGIN_DEG;
        let north_west = WorldPoint::from_lon_lat(area.west - m, area.north + m);
        let south_east = WorldPoint::from_lon_lat(area.east + m, area.south - m);
        let min = (f64::from(north_west.x), f64::from(north_west.y));
        let max = (f64::from(south_east.x), f64::from(south_east.y));
        // Tiles at least a quarter of the box's longer side: at most 5 × 5 of them.
        let span = (max.0 - min.0).max(max.1 - min.1);
        let z = zoom_for_span(span / 4.0, MAX_TILE_ZOOM);
        tiles_covering(min, max, z).flat_map(|tile| self.in_tile(tile))
    }
}

/// The box around a circle on the sphere (exact for a spherical cap: its widest longitude is
/// not at the centre's latitude), widened to every longitude when it reaches a pole.
fn circle_box(centre: LonLat, radius_m: f64) -> LonLatBox {
    let angle = radius_m / EARTH_RADIUS_M;
    let dlat = angle.to_degrees();
    let (south, north) = (centre.lat() - dlat, centre.lat() + dlat);
    let spread = angle.sin() / centre.lat().to_radians().cos();
    let (west, east) = if angle >= FRAC_PI_2 || south <= -90.0 || north >= 90.0 || spread >= 1.0 {
        (-180.0, 180.0)
    } else {
        let dlon = spread.asin().to_degrees();
        (centre.lon() - dlon, centre.lon() + dlon)
    };
    LonLatBox {
        west: west.max(-180.0),
        south: south.max(-90.0),
        east: east.min(180.0),
        north: north.min(90.0),
    }
}

fn by_id<'a>(cameras: impl Iterator<Item = &'a Camera>) -> Vec<&'a Camera> {
    let mut found: Vec<&Camera> = cameras.collect();
    found.sort_unstable_by_key(|c| c.id);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::camera;
    use canvass_geo::TileId;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn at(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    /// A city of random cameras around tile corners at z14 and z16, plus cameras placed
    /// exactly on tile edges and corners, where a search is most likely to go wrong.
    fn city() -> (Snapshot, Vec<Camera>, Vec<LonLat>) {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut cameras = Vec::new();
        for id in 0..3000u64 {
            let lon = rng.random_range(-122.10..-121.95);
            let lat = rng.random_range(37.90..38.02);
            cameras.push(camera(id, lon, lat));
        }
        let mut edges = Vec::new();
        for z in [14u8, 16] {
            let tile = TileId::containing(WorldPoint::from_lon_lat(-122.03, 37.97), z);
            for dx in 0..3 {
                for dy in 0..3 {
                    let corner = TileId {
                        x: tile.x + dx,
                        y: tile.y + dy,
                        ..tile
                    };
                    let (x, y) = corner.origin();
                    let p = WorldPoint {
                        x: u32::try_from(x).unwrap(),
                        y: u32::try_from(y).unwrap(),
                    };
                    for (ex, ey) in [(0, 0), (1, 0), (0, 1), (-1, -1), (0, 40), (40, 0)] {
                        let q = WorldPoint {
                            x: p.x.wrapping_add_signed(ex),
                            y: p.y.wrapping_add_signed(ey),
                        };
                        let id = 10_000 + cameras.len() as u64;
                        let mut c = camera(id, 0.0, 0.0);
                        c.at = q;
                        cameras.push(c);
                        edges.push(c.lon_lat());
                    }
                }
            }
        }
        (Snapshot::new(cameras.clone()), cameras, edges)
    }

    fn ids(cameras: &[&Camera]) -> Vec<u64> {
        cameras.iter().map(|c| c.id).collect()
    }

    #[test]
    fn radius_search_matches_a_full_scan() {
        let (snapshot, cameras, edges) = city();
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let mut centres: Vec<LonLat> = (0..40)
            .map(|_| {
                at(
                    rng.random_range(-122.12..-121.93),
                    rng.random_range(37.88..38.04),
                )
            })
            .collect();
        centres.extend(&edges);
        let mut checked = 0;
        for centre in centres {
            let exact = cameras[rng.random_range(0..cameras.len())].lon_lat();
            // Random radii, none, and one that passes exactly through a camera.
            for radius in [
                0.0,
                0.5,
                25.0,
                150.0,
                800.0,
                4000.0,
                distance_m(centre, exact),
            ] {
                let found = snapshot.within_radius(centre, radius).unwrap();
                let mut expected: Vec<(f64, u64)> = cameras
                    .iter()
                    .map(|c| (distance_m(centre, c.lon_lat()), c.id))
                    .filter(|(d, _)| *d <= radius)
                    .collect();
                expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let got: Vec<(f64, u64)> =
                    found.iter().map(|n| (n.distance_m, n.camera.id)).collect();
                assert_eq!(got, expected, "{centre} r={radius}");
                checked += got.len();
            }
        }
        assert!(checked > 10_000, "the fixture finds cameras: {checked}");
    }

    #[test]
    fn box_search_matches_a_full_scan() {
        let (snapshot, cameras, edges) = city();
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        let mut boxes: Vec<LonLatBox> = (0..60)
            .map(|_| {
                let (a, b): (f64, f64) = (
                    rng.random_range(-122.12..-121.93),
                    rng.random_range(-122.12..-121.93),
                );
                let (c, d): (f64, f64) = (
                    rng.random_range(37.88..38.04),
                    rng.random_range(37.88..38.04),
                );
                LonLatBox::new(at(a.min(b), c.min(d)), at(a.max(b), c.max(d))).unwrap()
            })
            .collect();
        // Boxes that are exactly tiles, and boxes with an edge on a camera.
        for z in [14u8, 15, 16, 18] {
            let tile = TileId::containing(WorldPoint::from_lon_lat(-122.03, 37.97), z);
            let [w, s, e, n] = tile.bounds_lon_lat();
            boxes.push(LonLatBox::new(at(w, s), at(e, n)).unwrap());
        }
        // Boxes with a corner or an edge exactly on a camera beside a tile's edge.
        for corner in &edges {
            let (lon, lat) = (corner.lon(), corner.lat());
            boxes.push(LonLatBox::new(*corner, *corner).unwrap());
            boxes.push(LonLatBox::new(*corner, at(lon + 0.001, lat + 0.001)).unwrap());
            boxes.push(LonLatBox::new(at(lon - 0.001, lat - 0.001), *corner).unwrap());
            boxes.push(LonLatBox::new(at(lon, lat - 0.0001), at(lon + 0.0001, lat)).unwrap());
            boxes.push(LonLatBox::new(at(lon - 0.0001, lat), at(lon, lat + 0.0001)).unwrap());
        }
        let mut checked = 0;
        for area in boxes {
            let found = snapshot.within_box(area);
            let mut expected: Vec<u64> = cameras
                .iter()
                .filter(|c| area.contains(c.lon_lat()))
                .map(|c| c.id)
                .collect();
            expected.sort_unstable();
            assert_eq!(ids(&found), expected, "{:?}", area.edges());
            checked += expected.len();
        }
        assert!(checked > 10_000, "the fixture finds cameras: {checked}");
    }

    #[test]
    fn polygon_search_matches_a_full_scan() {
        let (snapshot, cameras, edges) = city();
        let mut rng = ChaCha8Rng::seed_from_u64(22);
        let mut checked = 0;
        for round in 0..60 {
            // A star-shaped polygon (concave at most corners) around a random or edge centre.
            let centre = if round % 3 == 0 {
                edges[round % edges.len()]
            } else {
                at(
                    rng.random_range(-122.1..-121.95),
                    rng.random_range(37.9..38.02),
                )
            };
            let corners = rng.random_range(3..12);
            let mut ring: Vec<LonLat> = (0..corners)
                .map(|i| {
                    let angle = std::f64::consts::TAU * f64::from(i) / f64::from(corners);
                    let reach = rng.random_range(0.002..0.03);
                    at(
                        centre.lon() + reach * angle.cos(),
                        centre.lat() + reach * angle.sin(),
                    )
                })
                .collect();
            if round % 2 == 0 {
                ring.push(ring[0]);
            }
            let found = snapshot.within_polygon(&ring).unwrap();
            let mut expected: Vec<u64> = cameras
                .iter()
                .filter(|c| ring_contains(&ring, c.lon_lat()))
                .map(|c| c.id)
                .collect();
            expected.sort_unstable();
            assert_eq!(ids(&found), expected, "round {round}");
            checked += expected.len();
        }
        assert!(checked > 1_000, "the fixture finds cameras: {checked}");
    }

    #[test]
    fn distances_and_shapes() {
        // One degree of latitude is 111.195 km on the mean sphere.
        let d = distance_m(at(-122.0, 37.0), at(-122.0, 38.0));
        assert!((d - 111_195.0).abs() < 1.0, "{d}");
        // San Francisco City Hall to Los Angeles City Hall: about 559 km.
        let d = distance_m(at(-122.4193, 37.7793), at(-118.2428, 34.0537));
        assert!((d - 559_000.0).abs() < 2_000.0, "{d}");
        assert_eq!(distance_m(at(10.0, 10.0), at(10.0, 10.0)), 0.0);
        // An L-shaped ring: its notch is outside.
        let l = [
            at(0.0, 0.0),
            at(2.0, 0.0),
            at(2.0, 1.0),
            at(1.0, 1.0),
            at(1.0, 2.0),
            at(0.0, 2.0),
        ];
        assert!(ring_contains(&l, at(0.5, 1.5)));
        assert!(ring_contains(&l, at(1.5, 0.5)));
        assert!(!ring_contains(&l, at(1.5, 1.5)));
        // A circle around a pole reaches every longitude.
        assert_eq!(circle_box(at(0.0, 89.9), 50_000.0).edges()[0], -180.0);
    }

    #[test]
    fn bad_areas_are_refused() {
        let only = camera(1, -122.0, 38.0);
        let snapshot = Snapshot::new(vec![only]);
        // The index's own position, within a centimetre of the one given.
        let centre = only.lon_lat();
        assert!(matches!(
            snapshot.within_radius(centre, -1.0),
            Err(TilesError::Radius(_))
        ));
        assert!(snapshot.within_radius(centre, f64::NAN).is_err());
        assert_eq!(snapshot.within_radius(centre, 0.0).unwrap().len(), 1);
        assert!(matches!(
            snapshot.within_polygon(&[centre, at(-121.0, 38.0), centre]),
            Err(TilesError::Polygon(2))
        ));
        assert!(matches!(
            LonLatBox::new(at(-121.0, 37.0), at(-122.0, 38.0)),
            Err(TilesError::Box { .. })
        ));
        // The whole world finds it.
        let world = LonLatBox::new(at(-180.0, -90.0), at(180.0, 90.0)).unwrap();
        assert_eq!(ids(&snapshot.within_box(world)), vec![1]);
    }
}
