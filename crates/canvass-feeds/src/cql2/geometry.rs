//! Checked geometry literals: every position a CRS84 longitude/latitude, envelopes the right
//! way round, polygon rings closed. Both CQL2 encodings build their geometries here.

use canvass_geo::LonLat;

use crate::error::QueryError;
use crate::filter::Geometry;

/// A position from its first two coordinates (a third, the height, is ignored).
pub(crate) fn position(x: f64, y: f64) -> Result<LonLat, QueryError> {
    LonLat::new(x, y)
        .map_err(|e| QueryError::Geometry(format!("{x} {y} is not a CRS84 position: {e}")))
}

/// An envelope from 4 numbers (west, south, east, north) or 6 (west, south, lowest, east,
/// north, highest; the heights are ignored).
pub(crate) fn envelope(numbers: &[f64]) -> Result<Geometry, QueryError> {
    let [west, south, east, north] = match *numbers {
        [w, s, e, n] | [w, s, _, e, n, _] => [w, s, e, n],
        _ => {
            return Err(QueryError::Geometry(format!(
                "a bbox has 4 or 6 numbers, not {}",
                numbers.len()
            )));
        }
    };
    position(west, south)?;
    position(east, north)?;
    if west > east {
        return Err(QueryError::Geometry(format!(
            "the bbox's west edge {west} is east of its east edge {east} \
             (boxes across the antimeridian are not supported)"
        )));
    }
    if south > north {
        return Err(QueryError::Geometry(format!(
            "the bbox's south edge {south} is north of its north edge {north}"
        )));
    }
    Ok(Geometry::Envelope([west, south, east, north]))
}

/// A polygon from its rings, outer first: each closed and of at least 4 positions.
pub(crate) fn polygon(rings: Vec<Vec<LonLat>>) -> Result<Geometry, QueryError> {
    if rings.is_empty() {
        return Err(QueryError::Geometry("a polygon needs a ring".to_owned()));
    }
    for (i, ring) in rings.iter().enumerate() {
        if ring.len() < 4 {
            return Err(QueryError::Geometry(format!(
                "ring {i} of the polygon has {} positions; a ring needs at least 4",
                ring.len()
            )));
        }
        if ring.first() != ring.last() {
            return Err(QueryError::Geometry(format!(
                "ring {i} of the polygon is not closed: its last position must repeat its first"
            )));
        }
    }
    Ok(Geometry::Polygon(rings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<LonLat> {
        points
            .iter()
            .map(|&(x, y)| LonLat::new(x, y).unwrap())
            .collect()
    }

    #[test]
    fn envelopes_are_checked() {
        assert_eq!(
            envelope(&[1.0, 2.0, 3.0, 4.0]),
            Ok(Geometry::Envelope([1.0, 2.0, 3.0, 4.0]))
        );
        assert_eq!(
            envelope(&[1.0, 2.0, -5.0, 3.0, 4.0, 9.0]),
            Ok(Geometry::Envelope([1.0, 2.0, 3.0, 4.0]))
        );
        assert!(envelope(&[1.0, 2.0, 3.0]).is_err());
        assert!(envelope(&[3.0, 2.0, 1.0, 4.0]).is_err());
        assert!(envelope(&[1.0, 4.0, 3.0, 2.0]).is_err());
        assert!(envelope(&[1.0, 2.0, 3.0, 91.0]).is_err());
        assert!(envelope(&[f64::NAN, 2.0, 3.0, 4.0]).is_err());
    }

    #[test]
    fn rings_are_closed_and_long_enough() {
        let square = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        assert!(polygon(vec![square.clone()]).is_ok());
        assert!(polygon(vec![]).is_err());
        let open = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        let message = polygon(vec![square.clone(), open]).unwrap_err().to_string();
        assert!(
            message.contains("ring 1") && message.contains("not closed"),
            "{message}"
        );
        let short = ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)]);
        assert!(polygon(vec![short]).is_err());
        assert!(position(181.0, 0.0).is_err());
    }
}
