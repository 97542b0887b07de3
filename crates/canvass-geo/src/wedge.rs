//! Field-of-view wedges: the area a camera looks at, from where it faces, how wide it sees and
//! how far, as a polygon for the map.

use crate::tile::{TileId, WorldPoint};

/// Largest angle between two points of a wedge's arc.
const ARC_STEP_DEG: f64 = 10.0;

/// What a camera sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wedge {
    /// Degrees clockwise from north.
    pub facing_deg: f64,
    /// Width of the view in degrees (360: all around).
    pub fov_deg: f64,
    /// How far, in metres.
    pub range_m: f64,
}

impl Wedge {
    /// The wedge's outline in position units around `at`: the apex (unless the view is all
    /// around), then the arc clockwise. Clockwise on the map is clockwise on the tile grid.
    pub fn outline(self, at: WorldPoint) -> Vec<(f64, f64)> {
        let radius = self.range_m * at.units_per_metre();
        let fov = self.fov_deg.clamp(1.0, 360.0);
        let (cx, cy) = (f64::from(at.x), f64::from(at.y));
        // Both counts are small and positive.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let steps = (fov / ARC_STEP_DEG).ceil().max(1.0) as usize;
        let full_circle = fov >= 360.0;
        let start = self.facing_deg - fov / 2.0;
        let mut ring = Vec::with_capacity(steps + 2);
        if !full_circle {
            ring.push((cx, cy));
        }
        let points = if full_circle { steps } else { steps + 1 };
        for i in 0..points {
            let bearing = (start + fov * i as f64 / steps as f64).to_radians();
            ring.push((cx + radius * bearing.sin(), cy - radius * bearing.cos()));
        }
        ring
    }

    /// Whether a point `distance_m` metres from the camera, at `bearing_deg` clockwise from
    /// north as seen from it, lies in the wedge: within range, and within half the field of
    /// view (clamped as [`Wedge::outline`] draws it) of the facing. The apex is inside.
    pub fn covers(self, bearing_deg: f64, distance_m: f64) -> bool {
        if distance_m > self.range_m {
            return false;
        }
        let fov = self.fov_deg.clamp(1.0, 360.0);
        if fov >= 360.0 || distance_m <= 0.0 {
            return true;
        }
        let off = (bearing_deg - self.facing_deg).rem_euclid(360.0);
        off.min(360.0 - off) <= fov / 2.0
    }

    /// Half the side of the square around the camera that holds the wedge, in position units.
    pub fn reach(self, at: WorldPoint) -> f64 {
        self.range_m * at.units_per_metre()
    }
}

/// A ring in position units as a polygon ring on `tile`'s grid of `extent`: clipped to the
/// tile grown by `buffer` on each side, rounded, without repeated points, wound clockwise.
/// `None` when nothing of it is left.
pub fn ring_on_tile(
    ring: &[(f64, f64)],
    tile: TileId,
    extent: u32,
    buffer: u32,
) -> Option<Vec<(i32, i32)>> {
    let local: Vec<(f64, f64)> = ring
        .iter()
        .map(|(x, y)| tile.to_tile_coords(*x, *y, extent))
        .collect();
    let lo = -f64::from(buffer);
    let hi = f64::from(extent + buffer);
    let clipped = clip_to_box(&local, lo, hi);
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(clipped.len());
    for (x, y) in clipped {
        // Clipped to the buffered tile, so the values are small.
        #[allow(clippy::cast_possible_truncation)]
        let p = (x.round() as i32, y.round() as i32);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    if out.len() < 3 {
        return None;
    }
    let area = crate::mvt::ring_area2(&out);
    if area == 0 {
        return None;
    }
    if area < 0 {
        out.reverse();
    }
    Some(out)
}

/// Sutherland–Hodgman clipping of a ring to the square `[lo, hi]²`.
fn clip_to_box(ring: &[(f64, f64)], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let edges: [(usize, f64, bool); 4] =
        [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)];
    let mut current = ring.to_vec();
    for (axis, limit, keep_above) in edges {
        if current.is_empty() {
            break;
        }
        let inside = |p: (f64, f64)| {
            let v = if axis == 0 { p.0 } else { p.1 };
            if keep_above { v >= limit } else { v <= limit }
        };
        let cross = |a: (f64, f64), b: (f64, f64)| {
            let (va, vb) = if axis == 0 { (a.0, b.0) } else { (a.1, b.1) };
            let t = (limit - va) / (vb - va);
            (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
        };
        let mut next = Vec::with_capacity(current.len() + 4);
        for i in 0..current.len() {
            let a = current[i];
            let b = current[(i + 1) % current.len()];
            match (inside(a), inside(b)) {
                (true, true) => next.push(b),
                (true, false) => next.push(cross(a, b)),
                (false, true) => {
                    next.push(cross(a, b));
                    next.push(b);
                }
                (false, false) => {}
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camera() -> WorldPoint {
        WorldPoint::from_lon_lat(-122.03, 37.97)
    }

    #[test]
    fn a_north_facing_wedge_points_up_the_map() {
        let at = camera();
        let wedge = Wedge {
            facing_deg: 0.0,
            fov_deg: 90.0,
            range_m: 30.0,
        };
        let ring = wedge.outline(at);
        assert_eq!(ring[0], (f64::from(at.x), f64::from(at.y)));
        assert_eq!(ring.len(), 11, "apex and 10 arc points for 90°");
        let expected = 30.0 * at.units_per_metre();
        let arc = &ring[1..];
        for (x, y) in arc {
            let length = ((x - ring[0].0).powi(2) + (y - ring[0].1).powi(2)).sqrt();
            assert!((length - expected).abs() < 1e-6 * expected);
        }
        let mean_x = arc.iter().map(|p| p.0).sum::<f64>() / arc.len() as f64;
        let mean_y = arc.iter().map(|p| p.1).sum::<f64>() / arc.len() as f64;
        assert!(mean_y < ring[0].1, "north is up (smaller y)");
        assert!(
            (mean_x - ring[0].0).abs() < 1e-6 * expected,
            "symmetric about north"
        );
    }

    #[test]
    fn wedges_land_on_the_tile_clockwise_and_clipped() {
        let at = camera();
        let wedge = Wedge {
            facing_deg: 135.0,
            fov_deg: 60.0,
            range_m: 80.0,
        };
        let tile = TileId::containing(at, 18);
        let ring = ring_on_tile(&wedge.outline(at), tile, 4096, 64).expect("visible");
        assert!(crate::mvt::ring_area2(&ring) > 0);
        assert!(
            ring.iter()
                .all(|(x, y)| (-64..=4160).contains(x) && (-64..=4160).contains(y))
        );
        // Far away: nothing left.
        let elsewhere = TileId {
            z: 18,
            x: tile.x + 10,
            y: tile.y,
        };
        assert!(ring_on_tile(&wedge.outline(at), elsewhere, 4096, 64).is_none());
    }

    #[test]
    fn covers_what_it_draws() {
        let south = Wedge {
            facing_deg: 180.0,
            fov_deg: 90.0,
            range_m: 30.0,
        };
        assert!(south.covers(180.0, 29.0));
        assert!(south.covers(135.0, 10.0), "on the edge of the view");
        assert!(!south.covers(134.0, 10.0));
        assert!(!south.covers(180.0, 31.0), "beyond the range");
        assert!(!south.covers(0.0, 10.0));
        assert!(south.covers(0.0, 0.0), "the apex");
        let north = Wedge {
            facing_deg: 355.0,
            ..south
        };
        assert!(north.covers(30.0, 5.0), "across north");
        assert!(!north.covers(41.0, 5.0));
        let around = Wedge {
            fov_deg: 360.0,
            ..south
        };
        assert!(around.covers(0.0, 30.0));
    }

    #[test]
    fn all_around_is_a_circle_without_apex() {
        let at = camera();
        let ring = Wedge {
            facing_deg: 0.0,
            fov_deg: 360.0,
            range_m: 20.0,
        }
        .outline(at);
        assert_eq!(ring.len(), 36);
        let tile = TileId::containing(at, 20);
        let on_tile = ring_on_tile(&ring, tile, 4096, 4096).expect("visible");
        assert!(crate::mvt::ring_area2(&on_tile) > 0);
    }
}
