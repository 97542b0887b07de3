//! Writes made-up cameras through a sink, to measure what an encoder costs:
//! `write_cameras FORMAT COUNT CRS PATH` with FORMAT one of `geojson`, `csv`, `fgb`,
//! `fgb-indexed`, e.g. `/usr/bin/time -v cargo run --release --example write_cameras --
//! fgb-indexed 1000000 EPSG:2227 /tmp/cameras.fgb` for the peak memory of a whole collection.

use std::fs::File;
use std::time::Instant;

use canvass_feeds::encode::{self, CsvGeometry, Format, Output, PageInfo};
use canvass_feeds::{CameraFeature, Collection, Crs};
use canvass_geo::LonLat;
use canvass_model::{CanExport, Kind, Placement, RecordingMode};
use chrono::{NaiveDate, TimeZone, Utc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, format, count, crs, path] = args.as_slice() else {
        return Err("usage: write_cameras geojson|csv|fgb|fgb-indexed COUNT CRS PATH".into());
    };
    let format = match format.as_str() {
        "geojson" => Format::GeoJson,
        "csv" => Format::Csv(CsvGeometry::Wkt),
        "fgb" => Format::FlatGeobuf { indexed: false },
        "fgb-indexed" => Format::FlatGeobuf { indexed: true },
        other => return Err(format!("unknown format {other}").into()),
    };
    let count: i64 = count.parse()?;
    let crs = Crs::parse(crs)?;
    let output = Output::new(Collection::Cameras, None, format, crs)?;
    let started = Instant::now();
    let mut sink = encode::sink(&output, File::create(path)?)?;
    let updated = Utc
        .with_ymd_and_hms(2024, 6, 2, 3, 4, 5)
        .single()
        .ok_or("date")?;
    for id in 0..count {
        // Scattered over a 40 km square around Concord, CA.
        let cell = id.wrapping_mul(7_919) % count;
        let side = (count as f64).sqrt().ceil() as i64;
        let at = LonLat::new(
            -122.3 + (cell % side) as f64 * 0.4 / side as f64,
            37.8 + (cell / side) as f64 * 0.4 / side as f64,
        )?;
        sink.feature(&CameraFeature {
            id,
            at,
            placement: Placement::Exterior,
            views: (id % 128) as u8,
            facing_deg: Some((id % 360) as f32),
            fov_deg: Some(90.0),
            range_m: (id % 3 == 0).then_some(30.5),
            retention_days: Some(30),
            recording_mode: RecordingMode::Motion,
            can_export: CanExport::Yes,
            kind: Kind::Residence,
            verified_on: NaiveDate::from_ymd_opt(2024, 5, 1),
            updated_at: updated,
            contact: None,
        })?;
    }
    let written = sink.finish(&PageInfo::default())?;
    eprintln!("{written} features in {:.2?}", started.elapsed());
    Ok(())
}
