//! CSV through the one formula-safe writer of Canvass (`canvass_model::csv`): a header row,
//! then one row per feature: `id`, the geometry, the properties in output order. Nulls are
//! empty cells, views are joined with `;`.

use std::io::{BufWriter, Write};

use canvass_model::csv::{CsvWriter, Quoting};

use super::{CsvGeometry, EncodeError, FeatureSink, Field, Output, PageInfo, WRITE_BLOCK};
use crate::crs::Transform;
use crate::feature::CameraFeature;
use crate::queryables::Property;

pub(super) struct CsvSink<W: Write> {
    out: CsvWriter<BufWriter<W>>,
    geometry: CsvGeometry,
    properties: Vec<Property>,
    transform: Transform,
    written: u64,
}

impl<W: Write> CsvSink<W> {
    pub(super) fn new(
        output: &Output,
        geometry: CsvGeometry,
        transform: Transform,
        writer: W,
    ) -> Result<CsvSink<W>, EncodeError> {
        let mut header = vec!["id"];
        match geometry {
            CsvGeometry::Wkt => header.push("wkt"),
            CsvGeometry::LonLat if output.crs().is_geographic() => {
                header.extend(["lon", "lat"]);
            }
            CsvGeometry::LonLat => header.extend(["x", "y"]),
        }
        header.extend(output.properties().iter().map(|p| p.name()));
        let out = CsvWriter::new(
            BufWriter::with_capacity(WRITE_BLOCK, writer),
            &header,
            Quoting::AsNeeded,
        )?;
        Ok(CsvSink {
            out,
            geometry,
            properties: output.properties().to_vec(),
            transform,
            written: 0,
        })
    }
}

impl<W: Write> FeatureSink for CsvSink<W> {
    fn feature(&mut self, feature: &CameraFeature) -> Result<(), EncodeError> {
        let [x, y] = self
            .transform
            .apply(feature.at)
            .map_err(|source| EncodeError::Position {
                id: feature.id,
                source,
            })?;
        let mut row = Vec::with_capacity(self.properties.len() + 3);
        row.push(feature.id.to_string());
        match self.geometry {
            CsvGeometry::Wkt => row.push(format!("POINT ({x} {y})")),
            CsvGeometry::LonLat => row.extend([x.to_string(), y.to_string()]),
        }
        row.extend(
            self.properties
                .iter()
                .map(|&p| Field::of(feature, p).text().unwrap_or_default()),
        );
        self.out.row(row)?;
        self.written += 1;
        Ok(())
    }

    fn finish(self: Box<Self>, _page: &PageInfo) -> Result<u64, EncodeError> {
        self.out
            .finish()?
            .flush()
            .map_err(EncodeError::write("CSV"))?;
        Ok(self.written)
    }
}
