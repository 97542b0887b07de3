//! The jurisdiction boundary: every polygon of a layer, reprojected to longitude/latitude and
//! collected into one MultiPolygon (WKB). The union of touching or overlapping parts, and the
//! repair of invalid rings, is left to PostGIS (`canvass_db::places::replace_jurisdiction`),
//! which does both robustly in one statement.

use std::path::Path;

use gdal::vector::{Geometry, LayerAccess, OGRwkbGeometryType};

use canvass_geo::wkb::{self, Polygon};

use crate::addresses::{Rejection, check_complete};
use crate::error::ImportError;
use crate::source::{SourceCrs, ToLonLat, open_layer, take_gdal_failure};

/// The boundary read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// The layer read.
    pub layer_name: String,
    /// The CRS its coordinates were in.
    pub crs_label: String,
    /// Features read.
    pub features: u64,
    /// Polygons collected.
    pub polygons: usize,
    /// ISO WKB (little-endian) of a MultiPolygon in EPSG:4326.
    pub wkb: Vec<u8>,
    /// Features left out, with the reason.
    pub skipped: Vec<Rejection>,
}

/// Reads the polygons of `layer` (or the file's only layer) of `path`. Points and lines are
/// skipped with a reason; a layer with no usable polygon is an error.
pub fn read_boundary(
    path: &Path,
    layer: Option<&str>,
    source_crs: Option<&str>,
) -> Result<Boundary, ImportError> {
    let mut layer = open_layer(path, layer)?;
    let layer_name = layer.name();
    let crs = SourceCrs::of_layer(&layer, source_crs)?;
    let to_lon_lat = crs.transformer()?;
    let expected = layer.try_feature_count();
    take_gdal_failure();
    let mut polygons: Vec<Polygon> = Vec::new();
    let mut skipped = Vec::new();
    let mut features = 0u64;
    for feature in layer.features() {
        features += 1;
        let outcome = match feature.geometry().filter(|g| !g.is_empty()) {
            None => Err("no geometry".to_owned()),
            Some(geometry) => collect(geometry, &to_lon_lat, &mut polygons),
        };
        if let Err(reason) = outcome {
            skipped.push(Rejection {
                row: features,
                reason,
            });
        }
    }
    check_complete(path, features, expected)?;
    if polygons.is_empty() {
        return Err(ImportError::NoPolygons {
            path: path.to_owned(),
            layer: layer_name,
        });
    }
    // No SRID in the bytes: the database sets 4326 itself (`replace_jurisdiction`).
    let wkb =
        wkb::multi_polygon(None, &polygons).map_err(|source| ImportError::BoundaryTooLarge {
            path: path.to_owned(),
            source,
        })?;
    Ok(Boundary {
        layer_name,
        crs_label: crs.label().to_owned(),
        features,
        polygons: polygons.len(),
        wkb,
        skipped,
    })
}

/// Adds the polygons of `geometry` (a Polygon, MultiPolygon or a collection holding them).
/// Nothing is added when any part fails, so a feature counts whole or not at all.
fn collect(
    geometry: &Geometry,
    to_lon_lat: &ToLonLat,
    out: &mut Vec<Polygon>,
) -> Result<(), String> {
    let mut found = Vec::new();
    gather(geometry, to_lon_lat, &mut found, 0)?;
    if found.is_empty() {
        return Err(format!(
            "geometry is a {}, not a polygon",
            geometry.geometry_name()
        ));
    }
    out.extend(found);
    Ok(())
}

fn gather(
    geometry: &Geometry,
    to_lon_lat: &ToLonLat,
    out: &mut Vec<Polygon>,
    depth: usize,
) -> Result<(), String> {
    // Collections of collections are legal but never this deep in a real boundary.
    if depth > 8 {
        return Err("geometry collections nested too deeply".into());
    }
    match gdal::vector::geometry_type_flatten(geometry.geometry_type()) {
        OGRwkbGeometryType::wkbPolygon => {
            let mut rings = Vec::with_capacity(geometry.geometry_count());
            for r in 0..geometry.geometry_count() {
                let mut points = Vec::new();
                geometry.get_geometry(r).get_points(&mut points);
                if points.len() < 4 {
                    if r == 0 {
                        return Err("a polygon's outer ring has fewer than 4 points".into());
                    }
                    continue;
                }
                let ring = points
                    .iter()
                    .map(|&(x, y, _)| to_lon_lat.convert(x, y).map(|p| (p.lon(), p.lat())))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string())?;
                rings.push(ring);
            }
            if !rings.is_empty() {
                out.push(rings);
            }
            Ok(())
        }
        OGRwkbGeometryType::wkbMultiPolygon | OGRwkbGeometryType::wkbGeometryCollection => {
            for g in 0..geometry.geometry_count() {
                gather(&geometry.get_geometry(g), to_lon_lat, out, depth + 1)?;
            }
            Ok(())
        }
        OGRwkbGeometryType::wkbCurvePolygon | OGRwkbGeometryType::wkbMultiSurface => Err(
            "curved polygons are not supported; convert them first with \
             `ogr2ogr -nlt MULTIPOLYGON out.gpkg in.gdb`"
                .into(),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkb_reads_back_in_gdal() {
        let square = vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
        let hole = vec![
            square.clone(),
            vec![(0.2, 0.2), (0.2, 0.4), (0.4, 0.4), (0.4, 0.2), (0.2, 0.2)],
        ];
        let shifted: Polygon = vec![square.iter().map(|(x, y)| (x + 5.0, *y)).collect()];
        let wkb = wkb::multi_polygon(None, &[hole, shifted]).unwrap();
        let geometry = Geometry::from_wkb(&wkb).unwrap();
        assert_eq!(
            geometry.wkt().unwrap(),
            "MULTIPOLYGON (((0 0,1 0,1 1,0 1,0 0),(0.2 0.2,0.2 0.4,0.4 0.4,0.4 0.2,0.2 0.2)),\
             ((5 0,6 0,6 1,5 1,5 0)))"
        );
    }
}
