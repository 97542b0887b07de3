//! Finding the cameras of a snapshot by area: around a point, inside a polygon (with holes),
//! along a route, inside a box; and the great-circle distance and bearing between two points.
//!
//! Every search takes its candidates from the few tiles that cover the area's bounding box —
//! each one contiguous run of the Morton-sorted snapshot — and then tests each candidate
//! exactly, so a search costs in proportion to the cameras near the area, not to the index.
//! A polygon's edges are sorted into latitude bands first, so that testing a camera reads only
//! the edges that cross its band; a route is searched segment by segment.
//! A camera's position is the index's (within a centimetre of the database's).
//!
//! Areas do not cross the antimeridian: a box runs west to east, and a circle near it is cut at
//! ±180° longitude. Canvass serves one department's service area, which never spans it.

use std::f64::consts::FRAC_PI_2;

use canvass_geo::tile::{MAX_TILE_ZOOM, tiles_covering, zoom_for_span};
use canvass_geo::{LonLat, WorldPoint};
use canvass_model::canvass::{SearchArea, walked_radius_m};
use chrono::{DateTime, Utc};

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

    /// The smallest box holding both.
    fn union(self, other: LonLatBox) -> LonLatBox {
        LonLatBox {
            west: self.west.min(other.west),
            south: self.south.min(other.south),
            east: self.east.max(other.east),
            north: self.north.max(other.north),
        }
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

/// Initial great-circle bearing from `from` to `to` in degrees clockwise from north, in
/// `[0, 360)`; 0 when the points coincide.
pub fn bearing_deg(from: LonLat, to: LonLat) -> f64 {
    let (lat_a, lat_b) = (from.lat().to_radians(), to.lat().to_radians());
    let dlon = (to.lon() - from.lon()).to_radians();
    let y = dlon.sin() * lat_b.cos();
    let x = lat_a.cos() * lat_b.sin() - lat_a.sin() * lat_b.cos() * dlon.cos();
    if y == 0.0 && x == 0.0 {
        return 0.0;
    }
    let bearing = y.atan2(x).to_degrees().rem_euclid(360.0) + 0.0;
    if bearing >= 360.0 { 0.0 } else { bearing }
}

/// A position as a unit vector from the centre of the sphere.
fn unit_vector(p: LonLat) -> [f64; 3] {
    let (lon, lat) = (p.lon().to_radians(), p.lat().to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Great-circle distance in metres from `p` to the shorter great-circle arc from `a` to `b`:
/// the distance across the arc when `p`'s foot on its great circle lies between the ends,
/// otherwise the distance to the nearer end (as PostGIS measures geography on the sphere).
pub fn distance_to_segment_m(p: LonLat, a: LonLat, b: LonLat) -> f64 {
    let (va, vb, vp) = (unit_vector(a), unit_vector(b), unit_vector(p));
    let normal = cross(va, vb);
    let length = dot(normal, normal).sqrt();
    let to_ends = || distance_m(p, a).min(distance_m(p, b));
    if length < 1e-15 {
        return to_ends();
    }
    let normal = normal.map(|c| c / length);
    let across = dot(vp, normal);
    // The foot of p on the great circle, between the ends when it is on the inner side of
    // both: a→foot and foot→b turn the same way as a→b.
    let foot = [
        vp[0] - across * normal[0],
        vp[1] - across * normal[1],
        vp[2] - across * normal[2],
    ];
    let between = dot(cross(va, foot), normal) >= 0.0 && dot(cross(foot, vb), normal) >= 0.0;
    if between {
        EARTH_RADIUS_M * across.abs().min(1.0).asin()
    } else {
        to_ends()
    }
}

/// One edge of a polygon ring, from a corner to the corner before it.
#[derive(Debug, Clone, Copy)]
struct Edge {
    xi: f64,
    yi: f64,
    xj: f64,
    yj: f64,
}

impl Edge {
    /// Whether a ray from `(x, y)` towards the east crosses the edge (the even-odd test's step).
    fn crosses(&self, x: f64, y: f64) -> bool {
        let Edge { xi, yi, xj, yj } = *self;
        (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi
    }
}

/// Most latitude bands of [`EdgeBands`].
const MAX_BANDS: f64 = 8192.0;

/// The edges of a polygon's rings sorted into latitude bands: a point's even-odd test reads
/// only the edges of its band. The band count keeps the filed edges within five times their
/// number, whatever the polygon's shape.
#[derive(Debug)]
struct EdgeBands {
    south: f64,
    band_height: f64,
    bands: Vec<Vec<Edge>>,
}

impl EdgeBands {
    fn new<R: AsRef<[LonLat]>>(rings: &[R]) -> EdgeBands {
        let mut edges = Vec::new();
        for ring in rings {
            let ring = ring.as_ref();
            let Some(mut previous) = ring.last().copied() else {
                continue;
            };
            for &corner in ring {
                edges.push(Edge {
                    xi: corner.lon(),
                    yi: corner.lat(),
                    xj: previous.lon(),
                    yj: previous.lat(),
                });
                previous = corner;
            }
        }
        let south = edges.iter().map(|e| e.yi).fold(f64::INFINITY, f64::min);
        let north = edges.iter().map(|e| e.yi).fold(f64::NEG_INFINITY, f64::max);
        let height = north - south;
        let spans: f64 = edges.iter().map(|e| (e.yi - e.yj).abs()).sum();
        let count = if height > 0.0 && spans > 0.0 {
            (4.0 * edges.len() as f64 * height / spans).clamp(1.0, MAX_BANDS)
        } else {
            1.0
        };
        // A whole number from 1 to MAX_BANDS.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let count = count as usize;
        let mut bands = EdgeBands {
            south,
            band_height: if count > 1 {
                height / count as f64
            } else {
                0.0
            },
            bands: vec![Vec::new(); count],
        };
        for edge in edges {
            let (low, high) = (edge.yi.min(edge.yj), edge.yi.max(edge.yj));
            for band in bands.band_of(low)..=bands.band_of(high) {
                bands.bands[band].push(edge);
            }
        }
        bands
    }

    /// The band of latitude `y`; monotonic in `y`, so an edge spanning `y` is filed in it.
    fn band_of(&self, y: f64) -> usize {
        if self.band_height <= 0.0 {
            return 0;
        }
        // Saturating: below the first band is band 0, above the last is the last.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let band = ((y - self.south) / self.band_height).floor().max(0.0) as usize;
        band.min(self.bands.len() - 1)
    }

    /// Whether `p` is inside by the even-odd rule over every ring (so inside the outer ring
    /// and outside its holes), edges straight in longitude and latitude as GeoJSON draws them.
    fn contains(&self, p: LonLat) -> bool {
        let (x, y) = (p.lon(), p.lat());
        self.bands[self.band_of(y)]
            .iter()
            .filter(|e| e.crosses(x, y))
            .count()
            % 2
            == 1
    }
}

/// Whether `p` lies inside `ring` (even-odd rule, edges straight in longitude and latitude as
/// GeoJSON draws them); a point exactly on an edge may fall either way. The reference the
/// banded test is checked against.
#[cfg(test)]
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
        self.within_rings(&[ring])
    }

    /// The cameras inside a polygon with holes: `rings` holds the outer ring, then the holes
    /// (each closed or not), and a camera inside a hole is outside. By id.
    pub fn within_rings<R: AsRef<[LonLat]>>(
        &self,
        rings: &[R],
    ) -> Result<Vec<&Camera>, TilesError> {
        let open = |ring: &R| -> usize {
            match ring.as_ref() {
                [first, .., last] if first == last => ring.as_ref().len() - 1,
                ring => ring.len(),
            }
        };
        if let Some(short) = rings.iter().map(open).find(|corners| *corners < 3) {
            return Err(TilesError::Polygon(short));
        }
        let area = rings
            .first()
            .and_then(|outer| LonLatBox::around(outer.as_ref()))
            .ok_or(TilesError::Polygon(0))?;
        let bands = EdgeBands::new(rings);
        Ok(by_id(
            self.candidates(area)
                .filter(|c| bands.contains(c.lon_lat())),
        ))
    }

    /// The cameras within `buffer_m` metres (great circle) of the line through `line`, by id.
    /// Each segment is the shorter great-circle arc between its ends.
    pub fn within_route(&self, line: &[LonLat], buffer_m: f64) -> Result<Vec<&Camera>, TilesError> {
        if !buffer_m.is_finite() || buffer_m < 0.0 {
            return Err(TilesError::Buffer(buffer_m));
        }
        if line.len() < 2 {
            return Err(TilesError::Route(line.len()));
        }
        let mut found: Vec<&Camera> = Vec::new();
        for segment in line.windows(2) {
            let (a, b) = (segment[0], segment[1]);
            // An arc bulges poleward of its ends' box: by R·θ²/8·tan(latitude) for an arc of
            // angle θ. Grow the box by that (and a metre) besides the buffer.
            let angle = distance_m(a, b) / EARTH_RADIUS_M;
            let latitude = a.lat().abs().max(b.lat().abs()).to_radians();
            let bulge = EARTH_RADIUS_M * angle * angle / 8.0 * latitude.tan().clamp(1.0, 100.0);
            let reach = buffer_m + bulge + 1.0;
            let area = circle_box(a, reach).union(circle_box(b, reach));
            found.extend(
                self.candidates(area)
                    .filter(|c| distance_to_segment_m(c.lon_lat(), a, b) <= buffer_m),
            );
        }
        found.sort_unstable_by_key(|c| c.id);
        found.dedup_by_key(|c| c.id);
        Ok(found)
    }

    /// Every camera in a canvass `area` around `incident`, nearest the incident first (ties by
    /// id), each with its distance; a missing person's circle is as far as they could have
    /// walked by `now`. Circles come sorted from [`Snapshot::within_radius`]; other shapes are
    /// measured and sorted here.
    pub fn in_area(
        &self,
        incident: LonLat,
        area: &SearchArea,
        now: DateTime<Utc>,
    ) -> Result<Vec<Nearby<'_>>, TilesError> {
        let shaped = match area {
            SearchArea::Radius(radius_m) => return self.within_radius(incident, *radius_m),
            SearchArea::MissingPerson {
                last_seen_at,
                speed_kmh,
            } => {
                let radius_m = walked_radius_m(*last_seen_at, *speed_kmh, now);
                return self.within_radius(incident, radius_m);
            }
            SearchArea::Polygon(rings) => self.within_rings(rings)?,
            SearchArea::Route { line, buffer_m } => self.within_route(line, *buffer_m)?,
        };
        let mut measured: Vec<Nearby<'_>> = shaped
            .into_iter()
            .map(|camera| Nearby {
                camera,
                distance_m: distance_m(incident, camera.lon_lat()),
            })
            .collect();
        measured.sort_unstable_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.camera.id.cmp(&b.camera.id))
        });
        Ok(measured)
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
    fn polygons_with_holes_leave_the_holes_out() {
        let (snapshot, cameras, _) = city();
        let square = |half: f64| -> Vec<LonLat> {
            let (x, y) = (-122.03, 37.97);
            vec![
                at(x - half, y - half),
                at(x + half, y - half),
                at(x + half, y + half),
                at(x - half, y + half),
                at(x - half, y - half),
            ]
        };
        let rings = vec![square(0.03), square(0.01)];
        let found = snapshot.within_rings(&rings).unwrap();
        let mut expected: Vec<u64> = cameras
            .iter()
            .filter(|c| {
                ring_contains(&rings[0], c.lon_lat()) && !ring_contains(&rings[1], c.lon_lat())
            })
            .map(|c| c.id)
            .collect();
        expected.sort_unstable();
        assert_eq!(ids(&found), expected);
        assert!(expected.len() > 500, "{}", expected.len());
        assert!(matches!(
            snapshot.within_rings(&[square(0.03), vec![at(0.0, 0.0), at(1.0, 1.0)]]),
            Err(TilesError::Polygon(2))
        ));
    }

    #[test]
    fn route_search_matches_a_full_scan() {
        let (snapshot, cameras, edges) = city();
        let mut rng = ChaCha8Rng::seed_from_u64(31);
        let mut checked = 0;
        for round in 0..40 {
            let start = if round % 4 == 0 {
                edges[round % edges.len()]
            } else {
                at(
                    rng.random_range(-122.1..-121.95),
                    rng.random_range(37.9..38.02),
                )
            };
            let mut line = vec![start];
            for _ in 0..rng.random_range(1..6) {
                let last = line[line.len() - 1];
                line.push(at(
                    last.lon() + rng.random_range(-0.02..0.02),
                    last.lat() + rng.random_range(-0.02..0.02),
                ));
            }
            let buffer = [0.0, 10.0, 100.0, 600.0][round % 4];
            let found = snapshot.within_route(&line, buffer).unwrap();
            let expected: Vec<u64> = cameras
                .iter()
                .filter(|c| {
                    line.windows(2)
                        .any(|s| distance_to_segment_m(c.lon_lat(), s[0], s[1]) <= buffer)
                })
                .map(|c| c.id)
                .collect::<std::collections::BTreeSet<u64>>()
                .into_iter()
                .collect();
            assert_eq!(ids(&found), expected, "round {round}");
            checked += expected.len();
        }
        assert!(checked > 1_000, "the fixture finds cameras: {checked}");
        let one = [at(-122.0, 38.0)];
        assert!(matches!(
            snapshot.within_route(&one, 10.0),
            Err(TilesError::Route(1))
        ));
        assert!(matches!(
            snapshot.within_route(&[one[0], one[0]], -1.0),
            Err(TilesError::Buffer(_))
        ));
    }

    #[test]
    fn bearings_and_distances_to_segments() {
        let centre = at(-122.03, 37.97);
        assert_eq!(bearing_deg(centre, centre), 0.0);
        assert!(bearing_deg(centre, at(-122.03, 37.98)).abs() < 1e-9);
        assert!((bearing_deg(centre, at(-122.02, 37.97)) - 90.0).abs() < 0.01);
        assert!((bearing_deg(centre, at(-122.03, 37.96)) - 180.0).abs() < 1e-9);
        assert!((bearing_deg(centre, at(-122.04, 37.97)) - 270.0).abs() < 0.01);
        // Across a meridian segment, and beyond its end.
        let (a, b) = (at(0.0, 0.0), at(0.0, 1.0));
        let across = distance_to_segment_m(at(0.001, 0.5), a, b);
        assert!((across - 111.19).abs() < 0.05, "{across}");
        let beyond = distance_to_segment_m(at(0.0, 2.0), a, b);
        assert!((beyond - distance_m(at(0.0, 2.0), b)).abs() < 1e-6);
        assert_eq!(distance_to_segment_m(a, a, a), 0.0);
        assert!(distance_to_segment_m(at(0.0, 0.5), a, b) < 1e-6);
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
