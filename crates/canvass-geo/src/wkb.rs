//! The one Well-Known Binary writer: little-endian, 2D, ISO WKB or (with an SRID) PostGIS's
//! EWKB. PostGIS parses it faster than text from COPY and as a query parameter, and GDAL reads
//! the same bytes. Coordinates are `(x, y)`: longitude and latitude for EPSG:4326. They are
//! plain pairs, not `LonLat`, because the writer serves projected coordinates as well.

use thiserror::Error;

/// Why a geometry has no WKB.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum WkbError {
    /// WKB counts points, rings and parts in 32 bits.
    #[error("a {what} of {count} items is more than WKB can count")]
    TooMany {
        /// What was being counted (points of a line, rings of a polygon, …).
        what: &'static str,
        /// How many there were.
        count: usize,
    },
}

const LITTLE_ENDIAN: u8 = 1;
const POINT: u32 = 1;
const LINE_STRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTI_POLYGON: u32 = 6;
/// EWKB's flag in the geometry type saying that an SRID follows it.
const EWKB_SRID_FLAG: u32 = 0x2000_0000;

/// A polygon as rings of `(x, y)`, outer ring first, each ring closed.
pub type Polygon = Vec<Vec<(f64, f64)>>;

/// A point; with `srid`, EWKB.
pub fn point(srid: Option<u32>, xy: (f64, f64)) -> Vec<u8> {
    let mut out = Vec::with_capacity(25);
    header(&mut out, POINT, srid);
    coordinate(&mut out, xy);
    out
}

/// A line string through `points`; with `srid`, EWKB.
pub fn line_string(
    srid: Option<u32>,
    points: impl ExactSizeIterator<Item = (f64, f64)>,
) -> Result<Vec<u8>, WkbError> {
    let mut out = Vec::with_capacity(13 + 16 * points.len());
    header(&mut out, LINE_STRING, srid);
    count(&mut out, "line string", points.len())?;
    points.for_each(|p| coordinate(&mut out, p));
    Ok(out)
}

/// A multipolygon of `polygons`; with `srid`, EWKB (the SRID on the whole, not on each part).
pub fn multi_polygon(srid: Option<u32>, polygons: &[Polygon]) -> Result<Vec<u8>, WkbError> {
    let mut out = Vec::new();
    header(&mut out, MULTI_POLYGON, srid);
    count(&mut out, "multipolygon", polygons.len())?;
    for polygon in polygons {
        header(&mut out, POLYGON, None);
        count(&mut out, "polygon", polygon.len())?;
        for ring in polygon {
            count(&mut out, "ring", ring.len())?;
            ring.iter().for_each(|&p| coordinate(&mut out, p));
        }
    }
    Ok(out)
}

fn header(out: &mut Vec<u8>, kind: u32, srid: Option<u32>) {
    out.push(LITTLE_ENDIAN);
    match srid {
        Some(srid) => {
            out.extend_from_slice(&(kind | EWKB_SRID_FLAG).to_le_bytes());
            out.extend_from_slice(&srid.to_le_bytes());
        }
        None => out.extend_from_slice(&kind.to_le_bytes()),
    }
}

fn count(out: &mut Vec<u8>, what: &'static str, n: usize) -> Result<(), WkbError> {
    let n32 = u32::try_from(n).map_err(|_| WkbError::TooMany { what, count: n })?;
    out.extend_from_slice(&n32.to_le_bytes());
    Ok(())
}

fn coordinate(out: &mut Vec<u8>, (x, y): (f64, f64)) {
    out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(&y.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use geozero::ToWkt;
    use geozero::wkb::{Ewkb, Wkb};

    use super::*;

    fn square(dx: f64) -> Vec<(f64, f64)> {
        [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
            .iter()
            .map(|&(x, y)| (x + dx, y))
            .collect()
    }

    #[test]
    fn point_reads_back_with_and_without_srid() {
        let iso = point(None, (-122.03, 37.97));
        assert_eq!(
            Wkb(iso.as_slice()).to_wkt().unwrap(),
            "POINT(-122.03 37.97)"
        );
        let ewkb = point(Some(4326), (-122.03, 37.97));
        assert_eq!(
            Ewkb(ewkb.as_slice()).to_ewkt(None).unwrap(),
            "SRID=4326;POINT(-122.03 37.97)"
        );
        // PostGIS's own spelling of the header: type 0x20000001, SRID 4326.
        assert_eq!(ewkb[..9], [1, 1, 0, 0, 0x20, 0xE6, 0x10, 0, 0]);
        assert_eq!(ewkb.len(), 25);
    }

    #[test]
    fn line_string_reads_back() {
        let points = [(-122.0, 37.9), (-122.1, 38.0), (-122.2, 38.1)];
        let ewkb = line_string(Some(4326), points.into_iter()).unwrap();
        assert_eq!(
            Ewkb(ewkb.as_slice()).to_ewkt(None).unwrap(),
            "SRID=4326;LINESTRING(-122 37.9,-122.1 38,-122.2 38.1)"
        );
        let iso = line_string(None, points.into_iter()).unwrap();
        assert_eq!(
            Wkb(iso.as_slice()).to_wkt().unwrap(),
            "LINESTRING(-122 37.9,-122.1 38,-122.2 38.1)"
        );
    }

    #[test]
    fn multi_polygon_with_a_hole_reads_back() {
        let hole = vec![(0.2, 0.2), (0.2, 0.4), (0.4, 0.4), (0.4, 0.2), (0.2, 0.2)];
        let polygons = vec![vec![square(0.0), hole], vec![square(5.0)]];
        let wkb = multi_polygon(None, &polygons).unwrap();
        assert_eq!(
            Wkb(wkb.as_slice()).to_wkt().unwrap(),
            "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0),(0.2 0.2,0.2 0.4,0.4 0.4,0.4 0.2,0.2 0.2)),\
             ((5 0,6 0,6 1,5 1,5 0)))"
        );
        let ewkb = multi_polygon(Some(4326), &polygons[1..]).unwrap();
        assert_eq!(
            Ewkb(ewkb.as_slice()).to_ewkt(None).unwrap(),
            "SRID=4326;MULTIPOLYGON(((5 0,6 0,6 1,5 1,5 0)))"
        );
    }
}
