//! Opening a vector file with GDAL, choosing its layer, and the transformation of its
//! coordinates to longitude/latitude (EPSG:4326) with PROJ.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Once;

use canvass_geo::LonLat;
use gdal::vector::{LayerAccess, OwnedLayer};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use proj::Proj;

use crate::error::{ImportError, cut};

/// Column names GDAL's CSV driver takes as longitude/easting and latitude/northing.
const CSV_X_NAMES: &str =
    "X_POSSIBLE_NAMES=X,LON,LNG,LONG,LONGITUDE,POINT_X,XCOORD,X_COORD,EASTING,*_X";
const CSV_Y_NAMES: &str = "Y_POSSIBLE_NAMES=Y,LAT,LATITUDE,POINT_Y,YCOORD,Y_COORD,NORTHING,*_Y";

thread_local! {
    /// The last failure GDAL reported on this thread since [`take_gdal_failure`].
    static LAST_FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Routes GDAL's own messages to the log instead of standard error: failures reach the user
/// through our errors (which carry GDAL's last message), warnings are logged. Failures are also
/// remembered per thread, because a read error ends OGR's feature iteration as quietly as the
/// end of the layer does.
pub(crate) fn quiet_gdal() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| {
            use gdal::errors::CplErrType;
            match class {
                CplErrType::Warning => tracing::warn!(gdal = number, "{message}"),
                CplErrType::Failure | CplErrType::Fatal => {
                    tracing::debug!(gdal = number, "{message}");
                    LAST_FAILURE.with(|f| *f.borrow_mut() = Some(cut(message.trim(), 300)));
                }
                _ => tracing::debug!(gdal = number, "{message}"),
            }
        });
    });
}

/// The last failure GDAL reported on this thread, cleared.
pub(crate) fn take_gdal_failure() -> Option<String> {
    LAST_FAILURE.with(|f| f.borrow_mut().take())
}

/// Opens `path` read-only as vector data and returns the layer `layer` (by name), or the only
/// layer when `layer` is `None`.
///
/// A path under `/vsi…/` (e.g. `/vsizip/parcels.zip/addr.shp`) is handed to GDAL as is;
/// anything else must exist and, if a file, not be empty. A directory is read as a folder of
/// Shapefiles, as GDAL does.
pub fn open_layer(path: &Path, layer: Option<&str>) -> Result<OwnedLayer, ImportError> {
    quiet_gdal();
    let virtual_path = path.to_string_lossy().starts_with("/vsi");
    if !virtual_path {
        let meta = std::fs::metadata(path).map_err(|_| ImportError::NotFound {
            path: path.to_owned(),
        })?;
        if meta.is_file() && meta.len() == 0 {
            return Err(ImportError::EmptyFile {
                path: path.to_owned(),
            });
        }
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let is_csv = ["csv", "tsv"].contains(&extension.as_str());
    if ["xlsx", "xlsm", "ods"].contains(&extension.as_str()) {
        // GDAL guesses whether a sheet's first row names the columns, and guesses "no" when
        // every cell is text, as in a registry kept by hand. Imported sheets always have a
        // header row. (GDAL 3.6 knows this only as a process-wide setting.)
        let key = if extension == "ods" {
            "OGR_ODS_HEADERS"
        } else {
            "OGR_XLSX_HEADERS"
        };
        gdal::config::set_config_option(key, "FORCE").map_err(|e| ImportError::Open {
            path: path.to_owned(),
            message: gdal_message(&e),
        })?;
    }
    let csv_options = [CSV_X_NAMES, CSV_Y_NAMES];
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        open_options: is_csv.then_some(&csv_options[..]),
        ..DatasetOptions::default()
    };
    // GDAL's "last error" may be left over from an earlier call on this thread; only a
    // failure reported during this open explains it. No failure at all means no driver
    // recognised the file.
    take_gdal_failure();
    let dataset = Dataset::open_ex(path, options).map_err(|_| ImportError::Open {
        path: path.to_owned(),
        message: take_gdal_failure().unwrap_or_else(|| {
            if path.is_dir() {
                "no GDAL driver recognises this folder; a folder of Shapefiles would do".into()
            } else {
                "no GDAL driver recognises it".into()
            }
        }),
    })?;
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let index = match layer {
        Some(wanted) => {
            names
                .iter()
                .position(|n| n == wanted)
                .ok_or_else(|| ImportError::UnknownLayer {
                    path: path.to_owned(),
                    name: cut(wanted, 100),
                    available: names.clone(),
                })?
        }
        None => match names.len() {
            0 => {
                return Err(ImportError::NoLayers {
                    path: path.to_owned(),
                });
            }
            1 => 0,
            _ => {
                return Err(ImportError::AmbiguousLayer {
                    path: path.to_owned(),
                    available: names,
                });
            }
        },
    };
    dataset.into_layer(index).map_err(|e| ImportError::Open {
        path: path.to_owned(),
        message: gdal_message(&e),
    })
}

/// The attribute field names of a layer, in order.
pub fn field_names(layer: &OwnedLayer) -> Vec<String> {
    layer.defn().fields().map(|f| f.name()).collect()
}

/// GDAL's message without the crate's wrapping ("GDAL method … returned a NULL pointer").
pub(crate) fn gdal_message(error: &gdal::errors::GdalError) -> String {
    let message = match error {
        gdal::errors::GdalError::NullPointer { msg, .. } => msg.clone(),
        gdal::errors::GdalError::CplError { msg, .. } => msg.clone(),
        other => other.to_string(),
    };
    let message = message.trim();
    if message.is_empty() {
        "GDAL gave no reason".into()
    } else {
        cut(message, 300)
    }
}

/// The coordinate system the layer's coordinates are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCrs {
    /// How PROJ is told about it (`EPSG:2227`, or PROJJSON); `None`: the layer names none and
    /// coordinates are taken as longitude/latitude when they look like it.
    definition: Option<String>,
    /// For people: `EPSG:2227`, a CRS name, or `none (longitude/latitude assumed)`.
    label: String,
}

impl SourceCrs {
    /// The CRS of `layer`, unless `given` (`--source-crs`) overrides it. Checks that PROJ can
    /// transform it to EPSG:4326.
    pub fn of_layer(layer: &OwnedLayer, given: Option<&str>) -> Result<SourceCrs, ImportError> {
        let crs = match given {
            Some(given) => SourceCrs {
                definition: Some(given.trim().to_owned()),
                label: cut(given.trim(), 80),
            },
            None => match layer.spatial_ref() {
                None => SourceCrs {
                    definition: None,
                    label: "none (longitude/latitude assumed)".into(),
                },
                Some(srs) => {
                    let epsg = srs
                        .auth_name()
                        .filter(|a| a.eq_ignore_ascii_case("EPSG"))
                        .and_then(|_| srs.auth_code().ok())
                        .map(|code| format!("EPSG:{code}"));
                    let name = srs.name().unwrap_or_else(|| "unnamed".into());
                    match epsg {
                        Some(code) => SourceCrs {
                            label: code.clone(),
                            definition: Some(code),
                        },
                        None => {
                            let definition =
                                srs.to_projjson().or_else(|_| srs.to_wkt()).map_err(|e| {
                                    ImportError::Crs {
                                        crs: name.clone(),
                                        message: gdal_message(&e),
                                    }
                                })?;
                            SourceCrs {
                                definition: Some(definition),
                                label: name,
                            }
                        }
                    }
                }
            },
        };
        crs.transformer()?;
        Ok(crs)
    }

    /// For people: `EPSG:2227`, a CRS name, or that none was given.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// A transformer to longitude/latitude. PROJ objects stay on the thread that made them.
    pub fn transformer(&self) -> Result<ToLonLat, ImportError> {
        let Some(definition) = &self.definition else {
            return Ok(ToLonLat { proj: None });
        };
        // new_known_crs normalises axis order for visualisation: easting/northing or
        // longitude/latitude in, longitude/latitude out, which is also how OGR hands out
        // coordinates (traditional GIS order).
        let proj =
            Proj::new_known_crs(definition, "EPSG:4326", None).map_err(|e| ImportError::Crs {
                crs: self.label.clone(),
                message: format!("PROJ cannot transform it to EPSG:4326: {e}"),
            })?;
        Ok(ToLonLat { proj: Some(proj) })
    }
}

/// Coordinates of the source CRS → longitude/latitude.
#[derive(Debug)]
pub struct ToLonLat {
    proj: Option<Proj>,
}

/// Why one point could not be brought to longitude/latitude.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointError {
    /// PROJ failed on it.
    #[error("reprojection failed: {0}")]
    Reprojection(String),
    /// The result (or, with no CRS, the input) is not a longitude/latitude.
    #[error(
        "coordinates {x}, {y} are not a valid longitude/latitude{hint}",
        hint = if *no_crs { " and the layer names no coordinate system (give --source-crs)" } else { " after reprojection" }
    )]
    OutOfRange {
        /// X as read or as reprojected.
        x: f64,
        /// Y as read or as reprojected.
        y: f64,
        /// Whether no CRS was known.
        no_crs: bool,
    },
}

impl ToLonLat {
    /// `(x, y)` of the source CRS as a checked longitude/latitude.
    pub fn convert(&self, x: f64, y: f64) -> Result<LonLat, PointError> {
        let (lon, lat) = match &self.proj {
            None => (x, y),
            Some(proj) => {
                if !(x.is_finite() && y.is_finite()) {
                    return Err(PointError::OutOfRange {
                        x,
                        y,
                        no_crs: false,
                    });
                }
                proj.convert((x, y))
                    .map_err(|e| PointError::Reprojection(cut(&e.to_string(), 200)))?
            }
        };
        LonLat::new(lon, lat).map_err(|_| PointError::OutOfRange {
            x: lon,
            y: lat,
            no_crs: self.proj.is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crs(definition: &str) -> SourceCrs {
        SourceCrs {
            definition: Some(definition.into()),
            label: definition.into(),
        }
    }

    #[test]
    fn state_plane_feet_to_lon_lat() {
        // Concord, CA, 122.03 W 37.97 N, in EPSG:2227 (NAD83 / California zone 3, US feet) as
        // PROJ's own command line gives it: `echo 37.97 -122.03 | cs2cs EPSG:4326 EPSG:2227`.
        // Easting first in, longitude first out.
        let t = crs("EPSG:2227").transformer().unwrap();
        let at = t.convert(6_120_644.385_4, 2_179_267.105_2).unwrap();
        let (lon, lat) = (at.lon(), at.lat());
        assert!(
            (lon + 122.03).abs() < 1e-7 && (lat - 37.97).abs() < 1e-7,
            "{lon} {lat}"
        );
    }

    #[test]
    fn geographic_input_keeps_lon_lat_order() {
        let t = crs("EPSG:4326").transformer().unwrap();
        let at = t.convert(-122.03, 37.97).unwrap();
        let (lon, lat) = (at.lon(), at.lat());
        assert!((lon + 122.03).abs() < 1e-12 && (lat - 37.97).abs() < 1e-12);
    }

    #[test]
    fn no_crs_accepts_only_lon_lat() {
        let t = SourceCrs {
            definition: None,
            label: String::new(),
        }
        .transformer()
        .unwrap();
        assert_eq!(
            t.convert(-122.0, 38.0).map(|p| (p.lon(), p.lat())),
            Ok((-122.0, 38.0))
        );
        let err = t.convert(6_100_000.0, 2_100_000.0).unwrap_err().to_string();
        assert!(err.contains("--source-crs"), "{err}");
        assert!(t.convert(f64::NAN, 0.0).is_err());
    }

    #[test]
    fn unknown_crs_is_refused() {
        assert!(matches!(
            crs("EPSG:999999").transformer(),
            Err(ImportError::Crs { .. })
        ));
        assert!(crs("not a crs").transformer().is_err());
    }
}
