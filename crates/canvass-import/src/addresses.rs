//! Address points from any OGR layer: one [`AddressPoint`] per good row, one [`Rejection`]
//! with the reason per bad one.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use canvass_model::address::AddressPoint;
use gdal::vector::{Feature, Geometry, LayerAccess, OGRwkbGeometryType, OwnedLayer};

use crate::error::{ImportError, cut};
use crate::fields::{FieldMap, FieldSpec, ResolvedFields, resolve};
use crate::source::{
    SourceCrs, ToLonLat, field_names, gdal_message, open_layer, take_gdal_failure,
};

/// The attributes an address import reads. `x`/`y` read coordinates from attributes instead of
/// the geometry (in the layer's CRS, or `--source-crs`).
pub const ADDRESS_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "number",
        required: true,
        guesses: &[
            "ADDR_NUM",
            "ADDRNUM",
            "ADD_NUMBER",
            "ADDNUM",
            "ADDR_NUMBER",
            "ADDRESS_NUMBER",
            "ADDRESS_NU",
            "ADDRNO",
            "HOUSE_NUM",
            "HOUSENUM",
            "HOUSE_NUMBER",
            "HOUSENUMBER",
            "HOUSE_NUMB",
            "HOUSE_NO",
            "STREET_NUM",
            "ST_NUM",
            "STNUM",
            "ADDR_HN",
            "NUMBER",
            "NUM",
            "addr:housenumber",
        ],
    },
    FieldSpec {
        key: "street",
        required: true,
        guesses: &[
            "FULLNAME",
            "FULL_NAME",
            "FULL_STREET",
            "FULLSTREET",
            "STREET_FULL",
            "STNAM_FULL",
            "FULL_ST_NAME",
            "STREET_NAME",
            "STREETNAME",
            "STREET_NAM",
            "STREET",
            "addr:street",
            // NENA NG911 / county files that split the name into parts.
            "ST_PREDIR?+ST_PRETYP?+ST_NAME+ST_POSTYP?+ST_POSDIR?",
            "PREDIR?+STNAME+SUFFIX?+POSTDIR?",
            "PRE_DIR?+ST_NAME+ST_TYPE?+SUF_DIR?",
            "NAME",
        ],
    },
    FieldSpec {
        key: "unit",
        required: false,
        guesses: &[
            "UNIT",
            "UNIT_NUM",
            "UNITNUM",
            "UNIT_NO",
            "ADDR_UNIT",
            "APT",
            "SUITE",
            "addr:unit",
        ],
    },
    FieldSpec {
        key: "city",
        required: false,
        guesses: &[
            "CITY",
            "CITYNAME",
            "CITY_NAME",
            "POST_COMM",
            "POSTCOMM",
            "MUNICIPALITY",
            "MUNI",
            "INC_MUNI",
            "PLACE_NAME",
            "addr:city",
        ],
    },
    FieldSpec {
        key: "postcode",
        required: false,
        guesses: &[
            "ZIP",
            "ZIPCODE",
            "ZIP_CODE",
            "ZIP5",
            "POSTCODE",
            "POST_CODE",
            "POSTAL_CODE",
            "POSTAL_COD",
            "addr:postcode",
        ],
    },
    FieldSpec {
        key: "x",
        required: false,
        guesses: &[],
    },
    FieldSpec {
        key: "y",
        required: false,
        guesses: &[],
    },
];

/// How to read an address layer.
#[derive(Debug, Clone, Default)]
pub struct AddressOptions {
    /// Layer name; `None`: the file's only layer.
    pub layer: Option<String>,
    /// `--map`; empty: guess from the usual field names.
    pub map: FieldMap,
    /// CRS of the coordinates when the file names none or names a wrong one.
    pub source_crs: Option<String>,
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based position of the feature in the layer, in reading order.
    pub row: u64,
    /// Why, for people.
    pub reason: String,
}

/// What one row became.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A good address point.
    Point(AddressPoint),
    /// A bad row.
    Rejected(Rejection),
}

/// Counts of a finished read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Features read.
    pub rows: u64,
    /// Rows that became address points.
    pub points: u64,
    /// Rows rejected.
    pub rejected: u64,
}

/// An opened address layer with its fields chosen and its CRS checked; nothing read yet.
#[derive(Debug)]
pub struct AddressSource {
    path: PathBuf,
    layer: OwnedLayer,
    layer_name: String,
    fields: ResolvedFields,
    crs: SourceCrs,
}

impl AddressSource {
    /// Opens `path`, picks the layer, chooses the fields and checks the CRS. Every problem that
    /// would make the whole file unusable is found here, before anything is written.
    pub fn open(path: &Path, options: &AddressOptions) -> Result<AddressSource, ImportError> {
        let layer = open_layer(path, options.layer.as_deref())?;
        let layer_name = layer.name();
        let names = field_names(&layer);
        let fields = resolve(&options.map, ADDRESS_FIELDS, &layer_name, &names)?;
        if fields.indices("x").is_some() != fields.indices("y").is_some() {
            return Err(ImportError::MapSyntax(
                "x and y go together: map both or neither".into(),
            ));
        }
        let crs = SourceCrs::of_layer(&layer, options.source_crs.as_deref())?;
        Ok(AddressSource {
            path: path.to_owned(),
            layer,
            layer_name,
            fields,
            crs,
        })
    }

    /// The layer being read.
    pub fn layer_name(&self) -> &str {
        &self.layer_name
    }

    /// The CRS coordinates are taken to be in.
    pub fn crs_label(&self) -> &str {
        self.crs.label()
    }

    /// The fields chosen, e.g. `number=ADDR_NUM, street=ST_NAME`.
    pub fn fields_description(&self) -> String {
        self.fields.describe()
    }

    /// Reads every feature and hands each row to `each`, which may stop the read by returning
    /// `ControlFlow::Break` (the summary then counts what was read so far).
    pub fn read(
        mut self,
        mut each: impl FnMut(Row) -> ControlFlow<()>,
    ) -> Result<ReadSummary, ImportError> {
        let to_lon_lat = self.crs.transformer()?;
        let plan = RowPlan::new(&self.fields);
        let mut summary = ReadSummary::default();
        let expected = self.layer.try_feature_count();
        take_gdal_failure();
        for feature in self.layer.features() {
            summary.rows += 1;
            let row = match plan.point(&feature, &to_lon_lat) {
                Ok(point) => {
                    summary.points += 1;
                    Row::Point(point)
                }
                Err(reason) => {
                    summary.rejected += 1;
                    Row::Rejected(Rejection {
                        row: summary.rows,
                        reason,
                    })
                }
            };
            if each(row).is_break() {
                return Ok(summary);
            }
        }
        check_complete(&self.path, summary.rows, expected)?;
        Ok(summary)
    }
}

/// OGR ends its feature iteration on a read error as quietly as at the end of the layer. When
/// fewer features came than the layer announced and GDAL reported a failure, the file is
/// damaged: say so rather than import half of it as if it were all.
pub(crate) fn check_complete(
    path: &Path,
    read: u64,
    expected: Option<u64>,
) -> Result<(), ImportError> {
    let failure = take_gdal_failure();
    match (failure, expected) {
        (Some(message), Some(expected)) if read < expected => Err(ImportError::Read {
            path: path.to_owned(),
            message: format!("stopped after {read} of {expected} features: {message}"),
        }),
        _ => Ok(()),
    }
}

/// The field indices of each key, looked up once.
struct RowPlan {
    number: Vec<usize>,
    street: Vec<usize>,
    unit: Option<Vec<usize>>,
    city: Option<Vec<usize>>,
    postcode: Option<Vec<usize>>,
    xy: Option<(Vec<usize>, Vec<usize>)>,
}

impl RowPlan {
    fn new(fields: &ResolvedFields) -> RowPlan {
        RowPlan {
            number: fields.indices("number").unwrap_or_default(),
            street: fields.indices("street").unwrap_or_default(),
            unit: fields.indices("unit"),
            city: fields.indices("city"),
            postcode: fields.indices("postcode"),
            xy: fields.indices("x").zip(fields.indices("y")),
        }
    }

    fn point(&self, feature: &Feature, to_lon_lat: &ToLonLat) -> Result<AddressPoint, String> {
        let number = text(feature, &self.number)?;
        let street = text(feature, &self.street)?;
        let optional = |fields: &Option<Vec<usize>>| match fields {
            Some(fields) => text(feature, fields).map(Some),
            None => Ok(None),
        };
        let unit = optional(&self.unit)?;
        let city = optional(&self.city)?;
        let postcode = optional(&self.postcode)?;
        // Missing number and street are reported before geometry problems: they are what a
        // person fixes first in the source file.
        if number.trim().is_empty() {
            return Err("missing house number".into());
        }
        if street.trim().is_empty() {
            return Err("missing street name".into());
        }
        let (x, y) = match &self.xy {
            Some((x, y)) => (coordinate(feature, x, "x")?, coordinate(feature, y, "y")?),
            None => point_of(feature.geometry())?,
        };
        let at = to_lon_lat.convert(x, y).map_err(|e| e.to_string())?;
        AddressPoint::new(
            &integral(&number),
            &street,
            unit.as_deref(),
            city.as_deref(),
            postcode.as_deref(),
            at.lon(),
            at.lat(),
        )
        .map_err(|e| e.to_string())
    }
}

/// The values of `fields` joined by spaces; nulls and blanks left out.
pub(crate) fn text(feature: &Feature, fields: &[usize]) -> Result<String, String> {
    let mut parts = Vec::with_capacity(fields.len());
    for &index in fields {
        let value = feature
            .field_as_string(index)
            .map_err(|e| format!("field {} unreadable: {}", index + 1, gdal_message(&e)))?;
        if let Some(value) = value {
            let value = value.trim();
            if !value.is_empty() {
                parts.push(value.to_owned());
            }
        }
    }
    Ok(parts.join(" "))
}

/// A number field written as a real (`1234.0`, as Shapefiles often store house numbers) is
/// the integer it holds.
pub(crate) fn integral(number: &str) -> String {
    let trimmed = number.trim();
    match trimmed.parse::<f64>() {
        Ok(n) if n.fract() == 0.0 && n.abs() < 1e15 && trimmed.contains('.') => {
            format!("{}", n as i64)
        }
        _ => trimmed.to_owned(),
    }
}

pub(crate) fn coordinate(feature: &Feature, fields: &[usize], axis: &str) -> Result<f64, String> {
    let value = text(feature, fields)?;
    if value.is_empty() {
        return Err(format!("no {axis} coordinate"));
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{axis} coordinate {:?} is not a number", cut(&value, 40)))
}

/// The point of a Point geometry, or of a MultiPoint holding exactly one, in the layer's own
/// CRS: a raw `(x, y)`, not yet a longitude/latitude (see [`ToLonLat::convert`]).
pub(crate) fn point_of(geometry: Option<&Geometry>) -> Result<(f64, f64), String> {
    let Some(geometry) = geometry.filter(|g| !g.is_empty()) else {
        return Err("no geometry".into());
    };
    let kind = gdal::vector::geometry_type_flatten(geometry.geometry_type());
    let point = match kind {
        OGRwkbGeometryType::wkbPoint => geometry.get_point(0),
        OGRwkbGeometryType::wkbMultiPoint if geometry.geometry_count() == 1 => {
            geometry.get_geometry(0).get_point(0)
        }
        _ => {
            return Err(format!(
                "geometry is a {}, not a point",
                geometry.geometry_name()
            ));
        }
    };
    Ok((point.0, point.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_numbers() {
        assert_eq!(integral("1234.0"), "1234");
        assert_eq!(integral("1234.000000"), "1234");
        assert_eq!(integral("1234"), "1234");
        assert_eq!(integral("1234A"), "1234A");
        assert_eq!(integral("12.5"), "12.5");
        assert_eq!(integral(" 7 "), "7");
    }
}
