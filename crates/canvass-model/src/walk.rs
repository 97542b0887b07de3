//! The walking order of a canvass sheet: a short open tour through the stops, starting at the
//! stop nearest the incident.
//!
//! Nearest neighbour first (cheap and already decent on street grids), then 2-opt: reversing a
//! stretch of the tour whenever that shortens it, which removes every crossing of two legs.
//! Distances are straight lines in metres on a local equirectangular projection around the
//! incident: a canvass spans at most a few kilometres, where that is within a fraction of a
//! per cent of the sphere, and the order, not the metres, is what the officer uses.
//!
//! The work is bounded for the largest canvass (5,000 stops): nearest neighbour is quadratic,
//! and 2-opt stops after [`MAX_TWO_OPT_PASSES`] passes or [`MAX_TWO_OPT_CHECKS`] candidate
//! reversals, whichever comes first, keeping the best tour found so far.

use canvass_geo::{LonLat, LonLatError};

/// Mean Earth radius (metres), the sphere the canvass measures on.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Most full sweeps of 2-opt over the tour.
pub const MAX_TWO_OPT_PASSES: usize = 25;

/// Most candidate reversals 2-opt weighs in all: about two passes at 5,000 stops, a fraction of
/// a second in an optimised build; past that the improvement left is small next to the time an
/// officer would wait for the sheet.
pub const MAX_TWO_OPT_CHECKS: u64 = 25_000_000;

/// A position in metres east (`x`) and north (`y`) of a projection's origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metres {
    /// Metres east.
    pub x: f64,
    /// Metres north.
    pub y: f64,
}

impl Metres {
    /// Straight-line distance to `other`.
    pub fn distance(self, other: Metres) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// Local equirectangular projection around an origin: metres east and north of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalProjection {
    origin: LonLat,
    metres_per_degree_lon: f64,
    metres_per_degree_lat: f64,
}

impl LocalProjection {
    /// The projection centred on `origin`.
    pub fn new(origin: LonLat) -> LocalProjection {
        let metres_per_degree_lat = EARTH_RADIUS_M.to_radians();
        LocalProjection {
            origin,
            metres_per_degree_lon: metres_per_degree_lat * origin.lat().to_radians().cos(),
            metres_per_degree_lat,
        }
    }

    /// `at` in metres from the origin.
    pub fn project(&self, at: LonLat) -> Metres {
        Metres {
            x: (at.lon() - self.origin.lon()) * self.metres_per_degree_lon,
            y: (at.lat() - self.origin.lat()) * self.metres_per_degree_lat,
        }
    }

    /// The position `at` metres from the origin: the inverse of [`LocalProjection::project`];
    /// an error when that is off the globe.
    pub fn unproject(&self, at: Metres) -> Result<LonLat, LonLatError> {
        LonLat::new(
            self.origin.lon() + at.x / self.metres_per_degree_lon,
            self.origin.lat() + at.y / self.metres_per_degree_lat,
        )
    }
}

/// The order (indices into `stops`) in which to walk them: every stop once, starting at the
/// one nearest `incident` (the lower index on a tie). Empty for no stops.
pub fn walking_order(incident: LonLat, stops: &[LonLat]) -> Vec<usize> {
    let projection = LocalProjection::new(incident);
    let points: Vec<Metres> = stops.iter().map(|s| projection.project(*s)).collect();
    let mut order = nearest_neighbour(Metres { x: 0.0, y: 0.0 }, &points);
    two_opt(&points, &mut order, MAX_TWO_OPT_PASSES, MAX_TWO_OPT_CHECKS);
    order
}

/// Length in metres of walking `points` in `order` (from the first stop; the way from the
/// incident to it is the same for every order that starts there).
pub fn tour_length(points: &[Metres], order: &[usize]) -> f64 {
    order
        .windows(2)
        .map(|w| points[w[0]].distance(points[w[1]]))
        .sum()
}

/// Nearest neighbour from `start`: the stop nearest it, then always the nearest stop not yet
/// visited.
pub fn nearest_neighbour(start: Metres, points: &[Metres]) -> Vec<usize> {
    let mut visited = vec![false; points.len()];
    let mut order = Vec::with_capacity(points.len());
    let mut here = start;
    for _ in 0..points.len() {
        let mut best: Option<(usize, f64)> = None;
        for (i, p) in points.iter().enumerate() {
            if visited[i] {
                continue;
            }
            let d = here.distance(*p);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        let Some((next, _)) = best else { break };
        visited[next] = true;
        order.push(next);
        here = points[next];
    }
    order
}

/// Improves an open tour in place by reversing stretches `order[i..=j]` (never the first stop,
/// so the tour still starts nearest the incident) while that shortens it. Each accepted
/// reversal shortens the tour, so it never gets longer; the work stops after `max_passes`
/// sweeps or `max_checks` weighed reversals.
pub fn two_opt(points: &[Metres], order: &mut [usize], max_passes: usize, max_checks: u64) {
    // Shorter than 1 mm is rounding, not an improvement: it would let 2-opt cycle.
    const GAIN_M: f64 = 1e-3;
    let n = order.len();
    if n < 3 {
        return;
    }
    let mut checks: u64 = 0;
    for _ in 0..max_passes {
        let mut improved = false;
        for i in 1..n - 1 {
            for j in i + 1..n {
                if checks >= max_checks {
                    return;
                }
                checks += 1;
                let a = points[order[i - 1]];
                let b = points[order[i]];
                let c = points[order[j]];
                let before = a.distance(b);
                let after = a.distance(c);
                // The leg after the stretch, when there is one.
                let (before, after) = match order.get(j + 1) {
                    Some(&next) => {
                        let d = points[next];
                        (before + c.distance(d), after + b.distance(d))
                    }
                    None => (before, after),
                };
                if after + GAIN_M < before {
                    order[i..=j].reverse();
                    improved = true;
                }
            }
        }
        if !improved {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    /// A reproducible scatter of `n` points within about a kilometre of the origin.
    fn scatter(n: usize, seed: u64) -> Vec<Metres> {
        let mut state = seed;
        let mut next = || {
            // xorshift64: enough to spread points, no dependency needed.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2_000) as f64 - 1_000.0
        };
        (0..n)
            .map(|_| Metres {
                x: next(),
                y: next(),
            })
            .collect()
    }

    fn is_permutation(order: &[usize], n: usize) -> bool {
        let mut seen = vec![false; n];
        order.len() == n
            && order
                .iter()
                .all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
    }

    #[test]
    fn projection_measures_metres_near_the_origin() {
        let projection = LocalProjection::new(at(-122.03, 37.97));
        // 0.001° of latitude is 111.2 m on the mean sphere.
        let north = projection.project(at(-122.03, 37.971));
        assert!((north.y - 111.195).abs() < 0.01, "{north:?}");
        assert!(north.x.abs() < 1e-9);
        // 0.001° of longitude shrinks with the cosine of the latitude.
        let east = projection.project(at(-122.029, 37.97));
        assert!((east.x - 111.195 * 37.97_f64.to_radians().cos()).abs() < 0.01);
        let back = projection.unproject(east).unwrap();
        assert!((back.lon() + 122.029).abs() < 1e-12 && (back.lat() - 37.97).abs() < 1e-12);
        assert!(projection.unproject(Metres { x: 0.0, y: 1e8 }).is_err());
    }

    #[test]
    fn visits_every_stop_once_and_starts_nearest_the_incident() {
        let incident = at(-122.03, 37.97);
        let stops: Vec<LonLat> = (0..200)
            .map(|i| {
                let i = f64::from(i);
                at(
                    -122.03 + ((i * 7.3) % 11.0 - 5.5) * 0.0004,
                    37.97 + ((i * 3.1) % 13.0 - 6.5) * 0.0003,
                )
            })
            .collect();
        let order = walking_order(incident, &stops);
        assert!(is_permutation(&order, stops.len()), "{order:?}");
        let projection = LocalProjection::new(incident);
        let distance = |i: usize| {
            projection
                .project(stops[i])
                .distance(Metres { x: 0.0, y: 0.0 })
        };
        let nearest = (0..stops.len()).map(distance).fold(f64::INFINITY, f64::min);
        assert_eq!(distance(order[0]), nearest);
    }

    #[test]
    fn no_stops_and_one_stop() {
        let incident = at(-122.03, 37.97);
        assert!(walking_order(incident, &[]).is_empty());
        assert_eq!(walking_order(incident, &[at(-122.02, 37.97)]), vec![0]);
    }

    #[test]
    fn two_opt_never_lengthens_the_nearest_neighbour_tour() {
        for seed in 1..40 {
            let points = scatter(60, seed);
            let start = Metres { x: 0.0, y: 0.0 };
            let greedy = nearest_neighbour(start, &points);
            let mut improved = greedy.clone();
            two_opt(
                &points,
                &mut improved,
                MAX_TWO_OPT_PASSES,
                MAX_TWO_OPT_CHECKS,
            );
            assert!(is_permutation(&improved, points.len()));
            assert_eq!(improved[0], greedy[0], "seed {seed}: the first stop stays");
            let (before, after) = (
                tour_length(&points, &greedy),
                tour_length(&points, &improved),
            );
            assert!(after <= before, "seed {seed}: {after} > {before}");
        }
    }

    #[test]
    fn two_opt_removes_a_crossing() {
        // A square walked corner to opposite corner: legs 0→2 and 1→3 cross.
        //   3 ── 2
        //   │    │
        //   0 ── 1
        let points = [
            Metres { x: 0.0, y: 0.0 },
            Metres { x: 100.0, y: 0.0 },
            Metres { x: 100.0, y: 100.0 },
            Metres { x: 0.0, y: 100.0 },
        ];
        let mut order = vec![0, 2, 1, 3];
        let crossing = tour_length(&points, &order);
        two_opt(&points, &mut order, MAX_TWO_OPT_PASSES, MAX_TWO_OPT_CHECKS);
        assert_eq!(order, vec![0, 1, 2, 3]);
        assert!(tour_length(&points, &order) < crossing);
        assert!((tour_length(&points, &order) - 300.0).abs() < 1e-9);
    }

    #[test]
    fn two_opt_stops_when_its_budget_is_spent() {
        let points = [
            Metres { x: 0.0, y: 0.0 },
            Metres { x: 100.0, y: 0.0 },
            Metres { x: 100.0, y: 100.0 },
            Metres { x: 0.0, y: 100.0 },
        ];
        let mut order = vec![0, 2, 1, 3];
        two_opt(&points, &mut order, MAX_TWO_OPT_PASSES, 0);
        assert_eq!(order, vec![0, 2, 1, 3], "no check allowed, nothing changed");
        two_opt(&points, &mut order, 0, MAX_TWO_OPT_CHECKS);
        assert_eq!(order, vec![0, 2, 1, 3], "no pass allowed, nothing changed");
    }

    #[test]
    fn the_largest_canvass_is_ordered_within_its_bound() {
        let points = scatter(5_000, 7);
        let start = Metres { x: 0.0, y: 0.0 };
        let greedy = nearest_neighbour(start, &points);
        let mut order = greedy.clone();
        two_opt(&points, &mut order, MAX_TWO_OPT_PASSES, MAX_TWO_OPT_CHECKS);
        assert!(is_permutation(&order, points.len()));
        assert!(tour_length(&points, &order) <= tour_length(&points, &greedy));
    }
}
