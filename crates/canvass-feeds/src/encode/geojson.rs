//! GeoJSON: one FeatureCollection, written feature by feature.
//!
//! Coordinates are in the output CRS's authority axis order (OGC API Features Part 2: a page
//! in EPSG:4326 is latitude, longitude). The body does not name its CRS: RFC 7946 removed the
//! old `crs` member, and the front door says it in `Content-Crs`. (GDAL's GeoJSON reader
//! would not help either: given `urn:ogc:def:crs:EPSG::4326` it still reads longitude first.)

use std::io::{BufWriter, Write};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::{
    EncodeError, FeatureSink, Field, Output, PageInfo, WRITE_BLOCK, date_text, timestamp_text,
};
use crate::crs::Transform;
use crate::feature::CameraFeature;
use crate::queryables::Property;

const FORMAT: &str = "GeoJSON";

pub(super) struct GeoJsonSink<W: Write> {
    out: BufWriter<W>,
    properties: Vec<Property>,
    transform: Transform,
    written: u64,
}

impl<W: Write> GeoJsonSink<W> {
    pub(super) fn new(
        output: &Output,
        transform: Transform,
        writer: W,
    ) -> Result<GeoJsonSink<W>, EncodeError> {
        let mut out = BufWriter::with_capacity(WRITE_BLOCK, writer);
        out.write_all(br#"{"type":"FeatureCollection","features":["#)
            .map_err(EncodeError::write(FORMAT))?;
        Ok(GeoJsonSink {
            out,
            properties: output.properties().to_vec(),
            transform,
            written: 0,
        })
    }

    fn json(&mut self, value: &impl Serialize) -> Result<(), EncodeError> {
        json(&mut self.out, value)
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.out
            .write_all(bytes)
            .map_err(EncodeError::write(FORMAT))
    }
}

impl<W: Write> FeatureSink for GeoJsonSink<W> {
    fn feature(&mut self, feature: &CameraFeature) -> Result<(), EncodeError> {
        let coordinates =
            self.transform
                .apply(feature.at)
                .map_err(|source| EncodeError::Position {
                    id: feature.id,
                    source,
                })?;
        if self.written > 0 {
            self.raw(b",")?;
        }
        json(
            &mut self.out,
            &FeatureJson {
                feature,
                coordinates,
                properties: &self.properties,
            },
        )?;
        self.written += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>, page: &PageInfo) -> Result<u64, EncodeError> {
        self.raw(b"]")?;
        if let Some(matched) = page.number_matched {
            self.raw(br#","numberMatched":"#)?;
            self.json(&matched)?;
        }
        self.raw(br#","numberReturned":"#)?;
        let written = self.written;
        self.json(&written)?;
        if !page.links.is_empty() {
            self.raw(br#","links":"#)?;
            self.json(&page.links)?;
        }
        if let Some(at) = page.time_stamp {
            self.raw(br#","timeStamp":"#)?;
            self.json(&timestamp_text(at))?;
        }
        self.raw(b"}\n")?;
        self.out.flush().map_err(EncodeError::write(FORMAT))?;
        Ok(written)
    }
}

/// Serialises `value` to `out`; serde_json fails here only when the writer does.
fn json(out: &mut impl Write, value: &impl Serialize) -> Result<(), EncodeError> {
    serde_json::to_writer(out, value).map_err(|e| EncodeError::write(FORMAT)(e.into()))
}

/// One feature as a GeoJSON object, serialised straight to the writer.
struct FeatureJson<'a> {
    feature: &'a CameraFeature,
    coordinates: [f64; 2],
    properties: &'a [Property],
}

impl Serialize for FeatureJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("type", "Feature")?;
        map.serialize_entry("id", &self.feature.id)?;
        map.serialize_entry("geometry", &PointJson(self.coordinates))?;
        map.serialize_entry(
            "properties",
            &PropertiesJson {
                feature: self.feature,
                properties: self.properties,
            },
        )?;
        map.end()
    }
}

struct PointJson([f64; 2]);

impl Serialize for PointJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("type", "Point")?;
        map.serialize_entry("coordinates", &self.0)?;
        map.end()
    }
}

struct PropertiesJson<'a> {
    feature: &'a CameraFeature,
    properties: &'a [Property],
}

impl Serialize for PropertiesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.properties.len()))?;
        for &property in self.properties {
            map.serialize_entry(property.name(), &Field::of(self.feature, property))?;
        }
        map.end()
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Null => serializer.serialize_unit(),
            Field::Integer(v) => serializer.serialize_i64(*v),
            Field::Number(v) => serializer.serialize_f64(*v),
            Field::Text(v) => serializer.serialize_str(v),
            Field::Views(views) => {
                let mut seq = serializer.serialize_seq(Some(views.len()))?;
                for view in views {
                    seq.serialize_element(view)?;
                }
                seq.end()
            }
            Field::Date(v) => serializer.serialize_str(&date_text(*v)),
            Field::Timestamp(v) => serializer.serialize_str(&timestamp_text(*v)),
        }
    }
}
