//! The encoders: every output format of every feed behind one [`FeatureSink`].
//!
//! A front door builds an [`Output`] (format, properties, CRS), asks [`sink`] for a sink over
//! any [`std::io::Write`] (a streamed HTTP body, a file), hands it the features one by one
//! and finishes it with what follows them ([`PageInfo`]). Nothing here holds more than one
//! feature, except the indexed FlatGeobuf, which must see every position before it can write
//! its R-tree (32 bytes a feature in memory, the features themselves in a temporary file).
//!
//! Each sink buffers its writes in blocks of [`WRITE_BLOCK`] bytes, so a streaming body gets
//! chunks of that size rather than one write per feature. A sink holds a [`Transform`] and is
//! therefore neither `Send` nor `Sync`: make it on the thread that writes.
//!
//! Property values come from [`CameraFeature::value`] and [`CameraFeature::view_names`] only;
//! the id is each feature's identity and is always written, once, whatever the properties.

mod csv;
mod flatgeobuf;
mod geojson;

use std::io::Write;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;

use crate::crs::{AxisOrder, Crs, Transform};
use crate::error::QueryError;
use crate::feature::CameraFeature;
use crate::filter::Value;
use crate::queryables::{Collection, Property};

/// Bytes a sink gathers before it writes to its writer.
pub const WRITE_BLOCK: usize = 64 * 1024;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A GeoJSON FeatureCollection (`application/geo+json`).
    GeoJson,
    /// CSV with a header row (`text/csv`), the geometry as the variant says.
    Csv(CsvGeometry),
    /// FlatGeobuf (`application/flatgeobuf`); `indexed` writes the packed Hilbert R-tree
    /// (a whole collection), otherwise the features stream as they come (a page).
    FlatGeobuf {
        /// Whether to write the spatial index.
        indexed: bool,
    },
}

/// How a CSV file gives each position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvGeometry {
    /// One `wkt` column: `POINT (x y)`, longitude/easting first.
    Wkt,
    /// Two columns: `lon`, `lat` in a geographic CRS, `x`, `y` (easting, northing) in a
    /// projected one.
    LonLat,
}

impl Format {
    /// Its media type, for `Content-Type`.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::GeoJson => "application/geo+json",
            Format::Csv(_) => "text/csv; charset=utf-8",
            Format::FlatGeobuf { .. } => "application/flatgeobuf",
        }
    }

    /// The usual file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Csv(_) => "csv",
            Format::FlatGeobuf { .. } => "fgb",
        }
    }

    /// The axis order its geometry is written in: GeoJSON follows the CRS's authority (OGC API
    /// Features Part 2); FlatGeobuf and CSV geometry are plain x, y as GDAL and QGIS read them.
    fn axis_order(self) -> AxisOrder {
        match self {
            Format::GeoJson => AxisOrder::Authority,
            Format::Csv(_) | Format::FlatGeobuf { .. } => AxisOrder::EastNorth,
        }
    }
}

/// What to write: the format, the properties in output order and the CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    collection: Collection,
    format: Format,
    properties: Vec<Property>,
    crs: Crs,
}

impl Output {
    /// Features of `collection` as `format` in `crs`, with `properties` in that order (`None`:
    /// all of the collection's, in its order). A property the collection does not have (a
    /// contact field of `cameras`) is refused; `id` and repeats are left out, since the id is
    /// written once as the feature's identity.
    pub fn new(
        collection: Collection,
        properties: Option<&[Property]>,
        format: Format,
        crs: Crs,
    ) -> Result<Output, QueryError> {
        let chosen = properties.unwrap_or(collection.properties());
        let mut kept: Vec<Property> = Vec::with_capacity(chosen.len());
        for &property in chosen {
            if !collection.properties().contains(&property) {
                return Err(QueryError::UnknownProperty {
                    collection: collection.id(),
                    property: property.name().to_owned(),
                });
            }
            if property != Property::Id && !kept.contains(&property) {
                kept.push(property);
            }
        }
        Ok(Output {
            collection,
            format,
            properties: kept,
            crs,
        })
    }

    /// The collection written.
    pub fn collection(&self) -> Collection {
        self.collection
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The properties written after the id, in order.
    pub fn properties(&self) -> &[Property] {
        &self.properties
    }

    /// The CRS of the coordinates written.
    pub fn crs(&self) -> &Crs {
        &self.crs
    }
}

/// A link of a GeoJSON FeatureCollection (OGC API `links`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Where it points.
    pub href: String,
    /// How it relates (`self`, `next`, `alternate`, `collection`).
    pub rel: String,
    /// The media type at `href`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// For people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The HTTP method to follow it with, when not GET (the next page of a POSTed query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The body to send with `method`, as STAC API and OGC API – Records links carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// What follows the features of an answer. Formats without such members (CSV, FlatGeobuf)
/// ignore it; GeoJSON writes it after the features (JSON members may come in any order), so
/// that nothing has to be known before the first feature is sent. `numberReturned` is the
/// sink's own count of what it wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageInfo {
    /// How many features match the whole query, when known.
    pub number_matched: Option<u64>,
    /// The answer's links (`self`, `next`, alternates).
    pub links: Vec<Link>,
    /// When the answer was made.
    pub time_stamp: Option<DateTime<Utc>>,
}

/// Where features are written, one by one, in one format.
pub trait FeatureSink {
    /// Writes one feature.
    fn feature(&mut self, feature: &CameraFeature) -> Result<(), EncodeError>;

    /// Writes what follows the features, flushes everything to the writer and says how many
    /// features were written.
    fn finish(self: Box<Self>, page: &PageInfo) -> Result<u64, EncodeError>;
}

/// A sink that writes `output` to `writer`; the format's opening (GeoJSON's collection
/// header, the CSV header row, a streamed FlatGeobuf header) is written at once.
pub fn sink<'w, W: Write + 'w>(
    output: &Output,
    writer: W,
) -> Result<Box<dyn FeatureSink + 'w>, EncodeError> {
    let transform =
        Transform::new(&output.crs, output.format.axis_order()).map_err(EncodeError::Crs)?;
    Ok(match output.format {
        Format::GeoJson => Box::new(geojson::GeoJsonSink::new(output, transform, writer)?),
        Format::Csv(geometry) => Box::new(csv::CsvSink::new(output, geometry, transform, writer)?),
        Format::FlatGeobuf { indexed } => Box::new(flatgeobuf::FlatGeobufSink::new(
            output, indexed, transform, writer,
        )?),
    })
}

/// Why an answer could not be written. A write error usually means the reader went away.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The writer (a connection, a file, a temporary file) failed.
    #[error("writing {format}: {source}")]
    Write {
        /// The format being written.
        format: &'static str,
        /// What the writer said.
        #[source]
        source: std::io::Error,
    },
    /// The CSV writer failed (it wraps the writer's error).
    #[error(transparent)]
    Csv(#[from] canvass_model::csv::CsvError),
    /// The output CRS cannot be used.
    #[error("output CRS: {0}")]
    Crs(#[source] QueryError),
    /// One camera's position cannot be given in the output CRS.
    #[error("camera {id}: {source}")]
    Position {
        /// The camera.
        id: i64,
        /// Why.
        #[source]
        source: QueryError,
    },
    /// A value does not fit its column's type (a FlatGeobuf `Int` column).
    #[error("camera {id}: {property} does not fit its column")]
    Value {
        /// The camera.
        id: i64,
        /// The property.
        property: Property,
    },
}

impl EncodeError {
    fn write(format: &'static str) -> impl FnOnce(std::io::Error) -> EncodeError {
        move |source| EncodeError::Write { format, source }
    }
}

/// One property of one feature, as every format sees it.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Null,
    Integer(i64),
    Number(f64),
    Text(String),
    Views(Vec<&'static str>),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

impl Field {
    fn of(feature: &CameraFeature, property: Property) -> Field {
        if property == Property::Views {
            return Field::Views(feature.view_names().collect());
        }
        match feature.value(property) {
            None => Field::Null,
            Some(Value::Integer(v)) => Field::Integer(v),
            Some(Value::Number(v)) => Field::Number(tidy(v)),
            Some(Value::Text(v)) => Field::Text(v),
            Some(Value::Date(v)) => Field::Date(v),
            Some(Value::Timestamp(v)) => Field::Timestamp(v),
        }
    }

    /// As text (a CSV cell, a FlatGeobuf string): views joined with `;`, dates `YYYY-MM-DD`,
    /// instants RFC 3339 in UTC to the second; `None` for null.
    fn text(&self) -> Option<String> {
        match self {
            Field::Null => None,
            Field::Integer(v) => Some(v.to_string()),
            Field::Number(v) => Some(v.to_string()),
            Field::Text(v) => Some(v.clone()),
            Field::Views(v) => Some(v.join(";")),
            Field::Date(v) => Some(date_text(*v)),
            Field::Timestamp(v) => Some(timestamp_text(*v)),
        }
    }
}

fn date_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn timestamp_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A number as it was entered. The cameras' measures are kept as `f32`, and widening one to
/// `f64` shows digits nobody typed (0.1 becomes 0.10000000149011612); a value that is exactly
/// an `f32` is given back as the shortest decimal of that `f32`.
fn tidy(value: f64) -> f64 {
    let narrow = value as f32;
    if f64::from(narrow) == value {
        narrow.to_string().parse().unwrap_or(value)
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_back_as_entered() {
        assert_eq!(tidy(f64::from(0.1f32)), 0.1);
        assert_eq!(tidy(f64::from(12.5f32)), 12.5);
        assert_eq!(tidy(0.1), 0.1);
        assert_eq!(tidy(1.0 / 3.0), 1.0 / 3.0);
    }

    #[test]
    fn outputs_keep_to_the_collection() {
        let contact = Output::new(
            Collection::Cameras,
            Some(&[Property::Kind, Property::Email]),
            Format::GeoJson,
            Crs::CRS84,
        );
        assert!(matches!(contact, Err(QueryError::UnknownProperty { .. })));
        let chosen = Output::new(
            Collection::CameraContacts,
            Some(&[
                Property::Email,
                Property::Id,
                Property::Kind,
                Property::Email,
            ]),
            Format::GeoJson,
            Crs::CRS84,
        )
        .unwrap();
        assert_eq!(chosen.properties(), &[Property::Email, Property::Kind]);
        let all = Output::new(Collection::Cameras, None, Format::GeoJson, Crs::CRS84).unwrap();
        assert_eq!(all.properties(), &Collection::Cameras.properties()[1..]);
    }
}
