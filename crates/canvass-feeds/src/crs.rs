//! Coordinate reference systems by reference (OGC API – Features Part 2): which CRS a caller
//! asks for with `crs` and `bbox-crs`, and the transformations between it and the storage CRS,
//! CRS84 (longitude, latitude on WGS 84).
//!
//! Every EPSG code that PROJ's database knows is accepted, with the axis order its authority
//! gives: EPSG:4326 is latitude, longitude; EPSG:3857 and EPSG:2227 are easting, northing. The
//! order is not a list of ours. The proj crate normalises every transformation it builds to
//! longitude/latitude, easting/northing (`proj_normalize_for_visualization`) and cannot tell a
//! CRS's axes, so the CRS is read and transformed through GDAL's OSR, whose spatial references
//! are PROJ objects from the same `proj.db`: with the authority-compliant axis mapping, GDAL
//! asks PROJ for the transformation as the authority defines both ends.
//!
//! GDAL objects are neither `Send` nor `Sync`. [`Crs`] therefore holds only what it learned
//! (code, name, area of use) and can be shared freely; a [`Transform`] is made on the thread
//! that uses it (see there).

use std::borrow::Cow;
use std::fmt;

use canvass_geo::LonLat;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

use crate::error::{QueryError, cut};

/// The URI of CRS84, the storage CRS and the default of every feed.
pub const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The URI of an EPSG CRS without its code.
const EPSG_URI_PREFIX: &str = "http://www.opengis.net/def/crs/EPSG/0/";
/// Points per edge when an envelope is carried into another CRS: edges of a projected box are
/// curves in longitude/latitude, and their corners alone can miss the widest part.
const DENSIFY_POINTS: i32 = 21;

/// A coordinate reference system a feed can answer in.
#[derive(Debug, Clone, PartialEq)]
pub struct Crs {
    /// The EPSG code; `None` for CRS84.
    epsg: Option<u32>,
    /// PROJ's name for it.
    name: Cow<'static, str>,
    /// Whether its coordinates are angles (longitude, latitude) rather than lengths.
    geographic: bool,
    /// Where PROJ says it may be used: west, south, east, north in degrees (west > east when
    /// the area crosses the antimeridian); `None` when PROJ does not say.
    area: Option<[f64; 4]>,
}

/// Which order a transformation hands coordinates out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisOrder {
    /// The order the CRS's authority defines (OGC API Part 2, GeoJSON pages: EPSG:4326 is
    /// latitude, longitude).
    Authority,
    /// Longitude, latitude or easting, northing whatever the authority says: the order of
    /// files whose geometry is plain x, y (FlatGeobuf, WKT in CSV), as GDAL and QGIS read them.
    EastNorth,
}

impl Crs {
    /// CRS84: longitude, latitude in degrees on WGS 84.
    pub const CRS84: Crs = Crs {
        epsg: None,
        name: Cow::Borrowed("WGS 84 (CRS84)"),
        geographic: true,
        area: Some([-180.0, -90.0, 180.0, 90.0]),
    };

    /// The CRS a URI names: `http://www.opengis.net/def/crs/OGC/1.3/CRS84`,
    /// `http://www.opengis.net/def/crs/EPSG/0/{code}`, or, as a convenience for the command
    /// line, `OGC:CRS84` and `EPSG:{code}`. Anything else, and any code PROJ does not know as a two-dimensional
    /// geographic or projected CRS, is refused.
    pub fn parse(text: &str) -> Result<Crs, QueryError> {
        let text = text.trim();
        if text == CRS84_URI || text.eq_ignore_ascii_case("OGC:CRS84") {
            return Ok(Crs::CRS84);
        }
        let code = text
            .strip_prefix(EPSG_URI_PREFIX)
            .or_else(|| {
                text.get(..5)
                    .filter(|p| p.eq_ignore_ascii_case("EPSG:"))
                    .map(|_| &text[5..])
            })
            .filter(|code| {
                (1..=9).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|code| code.parse::<u32>().ok())
            .ok_or_else(|| QueryError::Crs(cut(text)))?;
        Crs::from_epsg(code).map_err(|_| QueryError::Crs(cut(text)))
    }

    /// The EPSG CRS with `code`, if PROJ knows it as a two-dimensional geographic or projected
    /// CRS that longitude/latitude can be transformed to.
    pub fn from_epsg(code: u32) -> Result<Crs, QueryError> {
        let refused = || QueryError::Crs(format!("EPSG:{code}"));
        let srs = SpatialRef::from_epsg(code).map_err(|_| refused())?;
        let usable = (srs.is_geographic() || srs.is_projected())
            && !srs.is_compound()
            && srs.axes_count() == 2;
        if !usable {
            return Err(refused());
        }
        let crs = Crs {
            epsg: Some(code),
            name: Cow::Owned(srs.name().unwrap_or_else(|| format!("EPSG:{code}"))),
            geographic: srs.is_geographic(),
            area: srs.area_of_use().map(|a| {
                [
                    a.west_lon_degree,
                    a.south_lat_degree,
                    a.east_lon_degree,
                    a.north_lat_degree,
                ]
            }),
        };
        // A CRS PROJ knows but cannot reach from WGS 84 is of no use to a feed.
        Transform::new(&crs, AxisOrder::Authority).map_err(|_| refused())?;
        Ok(crs)
    }

    /// Its URI, as `Content-Crs` and the collection's `crs` list give it.
    pub fn uri(&self) -> String {
        match self.epsg {
            None => CRS84_URI.to_owned(),
            Some(code) => format!("{EPSG_URI_PREFIX}{code}"),
        }
    }

    /// Whether it is CRS84, the storage CRS (no transformation needed).
    pub fn is_crs84(&self) -> bool {
        self.epsg.is_none()
    }

    /// Its EPSG code; `None` for CRS84.
    pub fn epsg(&self) -> Option<u32> {
        self.epsg
    }

    /// PROJ's name for it (`NAD83 / California zone 3 (ftUS)`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether its coordinates are longitude and latitude rather than lengths.
    pub fn is_geographic(&self) -> bool {
        self.geographic
    }

    /// Its definition as WKT 2 (for file headers that carry the CRS).
    pub fn wkt(&self) -> Result<String, QueryError> {
        self.spatial_ref(AxisOrder::Authority)?
            .to_wkt()
            .map_err(|_| QueryError::Crs(self.uri()))
    }

    /// A fresh GDAL spatial reference with the axis mapping `order` asks for (set explicitly:
    /// GDAL's default can be changed by a configuration option).
    fn spatial_ref(&self, order: AxisOrder) -> Result<SpatialRef, QueryError> {
        let srs = match self.epsg {
            None => SpatialRef::from_definition("OGC:CRS84"),
            Some(code) => SpatialRef::from_epsg(code),
        };
        let mut srs = srs.map_err(|_| QueryError::Crs(self.uri()))?;
        srs.set_axis_mapping_strategy(match order {
            AxisOrder::Authority => AxisMappingStrategy::AuthorityCompliant,
            AxisOrder::EastNorth => AxisMappingStrategy::TraditionalGisOrder,
        });
        Ok(srs)
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.epsg {
            None => f.write_str("CRS84"),
            Some(code) => write!(f, "EPSG:{code}"),
        }
    }
}

/// Positions from CRS84 into one CRS.
///
/// It holds a GDAL (PROJ) transformation, which is neither `Send` nor `Sync`: make one per
/// request on the thread that encodes the answer (in the server, inside the blocking task that
/// writes the features), and drop it there. Making one looks the operation up in `proj.db`
/// (about a millisecond); [`Transform::apply`] is then cheap per point.
pub struct Transform {
    /// `None` when the target is CRS84 itself: positions pass unchanged.
    inner: Option<CoordTransform>,
    target: String,
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transform")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Transform {
    /// The transformation from CRS84 to `target`, handing out coordinates in `order`.
    pub fn new(target: &Crs, order: AxisOrder) -> Result<Transform, QueryError> {
        let inner = if target.is_crs84() {
            None
        } else {
            let from = Crs::CRS84.spatial_ref(AxisOrder::Authority)?;
            let to = target.spatial_ref(order)?;
            Some(CoordTransform::new(&from, &to).map_err(|_| QueryError::Crs(target.uri()))?)
        };
        Ok(Transform {
            inner,
            target: target.to_string(),
        })
    }

    /// `at` in the target CRS, in the order this transformation was made for.
    pub fn apply(&self, at: LonLat) -> Result<[f64; 2], QueryError> {
        let Some(inner) = &self.inner else {
            return Ok([at.lon(), at.lat()]);
        };
        let (mut x, mut y) = ([at.lon()], [at.lat()]);
        let done = inner.transform_coords(&mut x, &mut y, &mut []);
        match done {
            Ok(()) if x[0].is_finite() && y[0].is_finite() => Ok([x[0], y[0]]),
            // No position in the message: it may be a camera's.
            _ => Err(QueryError::Parameter {
                parameter: "crs",
                problem: format!(
                    "a camera lies outside the area where {} is defined",
                    self.target
                ),
            }),
        }
    }
}

/// The CRS84 envelope (west, south, east, north) around `bbox` given in `crs` (`bbox-crs`), in
/// that CRS's axis order: `[min axis 1, min axis 2, max axis 1, max axis 2]` (for EPSG:4326,
/// south, west, north, east). The edges are densified, so the envelope holds the whole box
/// even where its edges curve in longitude/latitude.
pub fn envelope_to_crs84(crs: &Crs, bbox: [f64; 4]) -> Result<[f64; 4], QueryError> {
    let bad = |problem: String| QueryError::Parameter {
        parameter: "bbox",
        problem,
    };
    let [a1, b1, a2, b2] = bbox;
    if !bbox.iter().all(|v| v.is_finite()) {
        return Err(bad("every value must be a finite number".into()));
    }
    if a1 > a2 || b1 > b2 {
        return Err(bad(
            "the lower corner must come first: each minimum at most its maximum".into(),
        ));
    }
    let envelope = if crs.is_crs84() {
        bbox
    } else {
        let from = crs.spatial_ref(AxisOrder::Authority)?;
        let to = Crs::CRS84.spatial_ref(AxisOrder::Authority)?;
        let transform = CoordTransform::new(&from, &to).map_err(|_| QueryError::Crs(crs.uri()))?;
        transform
            .transform_bounds(&bbox, DENSIFY_POINTS)
            .map_err(|_| {
                bad(format!(
                    "the box lies outside the area where {crs} is defined"
                ))
            })?
    };
    let [west, south, east, north] = envelope;
    let on_earth = envelope.iter().all(|v| v.is_finite())
        && (-180.0..=180.0).contains(&west)
        && (-180.0..=180.0).contains(&east)
        && (-90.0..=90.0).contains(&south)
        && (-90.0..=90.0).contains(&north);
    if !on_earth {
        return Err(bad(format!(
            "the box lies outside the area where {crs} is defined"
        )));
    }
    if west > east {
        return Err(bad(
            "a box across the antimeridian is not supported; send two requests".into(),
        ));
    }
    if let Some(area) = crs.area {
        if !intersects_area(envelope, area) {
            return Err(bad(format!(
                "the box lies outside the area where {crs} is defined ({:.2}, {:.2}, {:.2}, {:.2} in longitude/latitude)",
                area[0], area[1], area[2], area[3]
            )));
        }
    }
    Ok(envelope)
}

/// Whether a longitude/latitude envelope meets an area of use (whose west may be greater than
/// its east when it crosses the antimeridian).
fn intersects_area([west, south, east, north]: [f64; 4], area: [f64; 4]) -> bool {
    let [a_west, a_south, a_east, a_north] = area;
    if south > a_north || north < a_south {
        return false;
    }
    if a_west <= a_east {
        west <= a_east && east >= a_west
    } else {
        // The area is [a_west, 180] ∪ [-180, a_east].
        east >= a_west || west <= a_east
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    fn close(a: [f64; 2], b: [f64; 2], tolerance: f64) -> bool {
        (a[0] - b[0]).abs() < tolerance && (a[1] - b[1]).abs() < tolerance
    }

    #[test]
    fn crs84_is_the_identity() {
        let crs = Crs::parse(CRS84_URI).unwrap();
        assert_eq!(crs, Crs::CRS84);
        assert_eq!(Crs::parse("OGC:CRS84").unwrap(), Crs::CRS84);
        assert!(crs.is_crs84() && crs.is_geographic());
        assert_eq!(crs.epsg(), None);
        assert_eq!(crs.uri(), CRS84_URI);
        let t = Transform::new(&crs, AxisOrder::Authority).unwrap();
        assert_eq!(t.apply(point(-122.03, 37.97)).unwrap(), [-122.03, 37.97]);
    }

    #[test]
    fn epsg_4326_is_latitude_first_by_its_authority() {
        let crs = Crs::parse("http://www.opengis.net/def/crs/EPSG/0/4326").unwrap();
        assert_eq!(crs.epsg(), Some(4326));
        assert!(!crs.is_crs84() && crs.is_geographic());
        assert_eq!(crs.uri(), "http://www.opengis.net/def/crs/EPSG/0/4326");
        assert_eq!(crs.name(), "WGS 84");
        let authority = Transform::new(&crs, AxisOrder::Authority).unwrap();
        assert!(close(
            authority.apply(point(-122.03, 37.97)).unwrap(),
            [37.97, -122.03],
            1e-12
        ));
        let east_north = Transform::new(&crs, AxisOrder::EastNorth).unwrap();
        assert!(close(
            east_north.apply(point(-122.03, 37.97)).unwrap(),
            [-122.03, 37.97],
            1e-12
        ));
    }

    #[test]
    fn projected_crss_are_easting_first() {
        // `echo -122.03 37.97 | cs2cs -d 4 OGC:CRS84 EPSG:3857` and `… EPSG:2227`.
        let web = Crs::parse("EPSG:3857").unwrap();
        assert!(!web.is_geographic());
        let t = Transform::new(&web, AxisOrder::Authority).unwrap();
        assert!(close(
            t.apply(point(-122.03, 37.97)).unwrap(),
            [-13_584_317.461_5, 4_575_188.685_4],
            1e-3
        ));
        let state_plane = Crs::parse("http://www.opengis.net/def/crs/EPSG/0/2227").unwrap();
        assert_eq!(state_plane.name(), "NAD83 / California zone 3 (ftUS)");
        let t = Transform::new(&state_plane, AxisOrder::Authority).unwrap();
        assert!(close(
            t.apply(point(-122.03, 37.97)).unwrap(),
            [6_120_644.385_4, 2_179_267.105_2],
            1e-3
        ));
    }

    #[test]
    fn an_obscure_code_proj_knows_is_accepted() {
        // UTM zone 10N: `echo -122.03 37.97 | cs2cs -d 4 OGC:CRS84 EPSG:32610`.
        let utm = Crs::parse("epsg:32610").unwrap();
        assert_eq!(utm.name(), "WGS 84 / UTM zone 10N");
        let t = Transform::new(&utm, AxisOrder::Authority).unwrap();
        assert!(close(
            t.apply(point(-122.03, 37.97)).unwrap(),
            [585_199.089_1, 4_202_930.205_8],
            1e-3
        ));
        // DHDN / Gauss-Krüger zone 4 is northing first by its authority: found out from PROJ.
        let gk = Crs::parse("EPSG:31468").unwrap();
        let authority = Transform::new(&gk, AxisOrder::Authority).unwrap();
        let east_north = Transform::new(&gk, AxisOrder::EastNorth).unwrap();
        let [n, e] = authority.apply(point(11.5, 48.1)).unwrap();
        assert_eq!(east_north.apply(point(11.5, 48.1)).unwrap(), [e, n]);
        assert!(n > 5_000_000.0 && e < 5_000_000.0, "{n} {e}");
    }

    #[test]
    fn unknown_and_malformed_crss_are_refused() {
        for text in [
            "http://www.opengis.net/def/crs/EPSG/0/999999",
            "http://www.opengis.net/def/crs/EPSG/0/",
            "http://www.opengis.net/def/crs/EPSG/0/-4326",
            "http://www.opengis.net/def/crs/EPSG/0/4326x",
            "http://www.opengis.net/def/crs/EPSG/0/99999999999999999999",
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84x",
            "EPSG:5773", // a vertical CRS
            "EPSG:4978", // geocentric
            "EPSG:9001", // a unit, not a CRS
            "not a crs",
            "'; DROP TABLE cameras; --",
            "",
        ] {
            assert!(
                matches!(Crs::parse(text), Err(QueryError::Crs(_))),
                "{text:?} was accepted"
            );
        }
        let long = "x".repeat(10_000);
        let Err(QueryError::Crs(echoed)) = Crs::parse(&long) else {
            panic!("accepted");
        };
        assert!(echoed.len() <= 64);
    }

    #[test]
    fn an_envelope_comes_back_to_crs84() {
        // A box around Concord in EPSG:2227 feet, made from a CRS84 box; back again it holds
        // the original (densified edges), and only a little more.
        let crs = Crs::parse("EPSG:2227").unwrap();
        let to = Transform::new(&crs, AxisOrder::Authority).unwrap();
        let [x1, y1] = to.apply(point(-122.05, 37.95)).unwrap();
        let [x2, y2] = to.apply(point(-122.01, 37.99)).unwrap();
        let bbox = [x1.min(x2), y1.min(y2), x1.max(x2), y1.max(y2)];
        let [w, s, e, n] = envelope_to_crs84(&crs, bbox).unwrap();
        assert!(w <= -122.05 + 1e-9 && e >= -122.01 - 1e-9, "{w} {e}");
        assert!(s <= 37.95 + 1e-9 && n >= 37.99 - 1e-9, "{s} {n}");
        assert!(w > -122.052 && e < -122.008 && s > 37.948 && n < 37.992);

        // EPSG:4326 boxes are given latitude first.
        let wgs84 = Crs::parse("EPSG:4326").unwrap();
        let back = envelope_to_crs84(&wgs84, [37.95, -122.05, 37.99, -122.01]).unwrap();
        let expected = [-122.05, 37.95, -122.01, 37.99];
        assert!(
            back.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-9),
            "{back:?}"
        );
        assert_eq!(envelope_to_crs84(&Crs::CRS84, expected).unwrap(), expected);
    }

    #[test]
    fn envelopes_out_of_range_are_refused_clearly() {
        let swiss = Crs::parse("EPSG:2056").unwrap();
        // Easting/northing of Concord, CA read as Swiss coordinates: nowhere near Switzerland.
        let far = envelope_to_crs84(&swiss, [6_120_000.0, 2_179_000.0, 6_121_000.0, 2_180_000.0]);
        let Err(QueryError::Parameter { parameter, problem }) = far else {
            panic!("{far:?}");
        };
        assert_eq!(parameter, "bbox");
        assert!(
            problem.contains("outside the area where EPSG:2056"),
            "{problem}"
        );
        assert!(
            envelope_to_crs84(&swiss, [2_600_000.0, 1_200_000.0, 2_601_000.0, 1_201_000.0]).is_ok()
        );

        let wgs84 = Crs::parse("EPSG:4326").unwrap();
        assert!(envelope_to_crs84(&wgs84, [37.99, -122.05, 37.95, -122.01]).is_err());
        assert!(envelope_to_crs84(&wgs84, [f64::NAN, -122.05, 37.99, -122.01]).is_err());
        assert!(envelope_to_crs84(&Crs::CRS84, [-200.0, 0.0, 10.0, 10.0]).is_err());
    }

    #[test]
    fn the_wkt_names_the_crs() {
        let wkt = Crs::parse("EPSG:2227").unwrap().wkt().unwrap();
        assert!(wkt.contains("NAD83 / California zone 3 (ftUS)") && wkt.contains("2227"));
    }
}
