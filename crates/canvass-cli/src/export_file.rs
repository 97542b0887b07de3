//! Cameras written to a GIS file through GDAL: one point layer with typed fields, in the
//! coordinate system asked (the feeds' `Crs` and `Transform`, through GDAL and PROJ), staged in a hidden folder
//! beside the target and moved into place only when complete, so that a failed export leaves
//! nothing half-written.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{Context, bail};
use canvass_feeds::{AxisOrder, CameraFeature, Collection, Crs, Property, Transform, Value};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{
    Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::{Dataset, DriverManager};

/// Features written per GeoPackage transaction: one SQLite commit per feature would be slow.
const BATCH: usize = 1000;
/// Longest text a Shapefile (dBase) field holds.
const DBF_TEXT_WIDTH: i32 = 254;
/// The companions of a Shapefile, replaced with it by `--overwrite`.
const SHAPEFILE_PARTS: [&str; 8] = ["shp", "shx", "dbf", "prj", "cpg", "qix", "sbn", "sbx"];

/// An output format, by its GDAL driver's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GeoPackage (.gpkg).
    #[value(name = "GPKG", alias = "geopackage")]
    Gpkg,
    /// Shapefile (.shp with its .shx, .dbf, .prj and .cpg).
    #[value(name = "ESRI Shapefile", alias = "shapefile")]
    Shapefile,
    /// KML (.kml), longitude/latitude only.
    #[value(name = "KML")]
    Kml,
    /// CSV with X and Y columns (.csv).
    #[value(name = "CSV")]
    Csv,
    /// FlatGeobuf with its spatial index (.fgb).
    #[value(name = "FlatGeobuf")]
    FlatGeobuf,
    /// GeoJSON (.geojson, .json).
    #[value(name = "GeoJSON")]
    GeoJson,
}

impl Format {
    /// GDAL's name of its driver.
    pub fn driver(self) -> &'static str {
        match self {
            Format::Gpkg => "GPKG",
            Format::Shapefile => "ESRI Shapefile",
            Format::Kml => "KML",
            Format::Csv => "CSV",
            Format::FlatGeobuf => "FlatGeobuf",
            Format::GeoJson => "GeoJSON",
        }
    }

    /// The format a file name's extension names.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "gpkg" => Format::Gpkg,
            "shp" => Format::Shapefile,
            "kml" => Format::Kml,
            "csv" => Format::Csv,
            "fgb" => Format::FlatGeobuf,
            "geojson" | "json" => Format::GeoJson,
            _ => return None,
        })
    }

    fn layer_options(self) -> &'static [&'static str] {
        match self {
            Format::Shapefile => &["ENCODING=UTF-8"],
            Format::Csv => &["GEOMETRY=AS_XY", "STRING_QUOTING=IF_NEEDED"],
            _ => &[],
        }
    }

    /// The field name of `property`: its own, shortened to dBase's ten characters for a
    /// Shapefile (rather than letting GDAL cut them with a warning).
    fn field_name(self, property: Property) -> &'static str {
        match (self, property) {
            (Format::Shapefile, Property::RetentionDays) => "retention",
            (Format::Shapefile, Property::RecordingMode) => "rec_mode",
            (Format::Shapefile, Property::VerifiedOn) => "verified",
            (Format::Shapefile, Property::ContactMethod) => "contact_by",
            (Format::Shapefile, Property::BusinessName) => "business",
            _ => property.name(),
        }
    }
}

/// `--crs`: `EPSG:N` (or `OGC:CRS84`) of a two-dimensional CRS that PROJ knows and can reach
/// from longitude/latitude, read as the feeds read `crs=`.
pub fn parse_crs(text: &str) -> Result<Crs, String> {
    quiet_gdal();
    Crs::parse(text).map_err(|_| {
        format!(
            "{:?} is not a coordinate reference system PROJ knows as EPSG:N \
             (two-dimensional, geographic or projected)",
            canvass_feeds::error::cut(text)
        )
    })
}

/// The default output CRS: EPSG:4326, written longitude first as GIS files are.
pub fn wgs84() -> anyhow::Result<Crs> {
    quiet_gdal();
    Crs::from_epsg(4326).context("PROJ does not know EPSG:4326")
}

/// Whether `crs` is longitude/latitude on WGS 84 (what KML holds).
pub fn is_wgs84(crs: &Crs) -> bool {
    crs.is_crs84() || crs.epsg() == Some(4326)
}

/// The layer's spatial reference, x then y (longitude first) as files hold them.
fn layer_srs(crs: &Crs) -> anyhow::Result<SpatialRef> {
    let wkt = crs.wkt().with_context(|| format!("{crs}"))?;
    let mut srs = SpatialRef::from_wkt(&wkt).with_context(|| format!("{crs}"))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// GDAL's own messages go to the log, not standard error: failures reach the user through our
/// errors, which carry GDAL's message.
fn quiet_gdal() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| {
            tracing::debug!(gdal = number, ?class, "{message}");
        });
    });
}

/// How a property's values are stored.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Integer64,
    Integer,
    Real,
    Text,
    Date,
    DateTime,
}

impl Kind {
    fn of(property: Property, format: Format) -> Kind {
        match property {
            Property::Id => Kind::Integer64,
            Property::RetentionDays => Kind::Integer,
            Property::FacingDeg | Property::FovDeg | Property::RangeM => Kind::Real,
            // CSV keeps dates and instants as ISO 8601 text (GDAL would write 2026/06/01), and
            // dBase has no date-time: a Shapefile keeps the instant as text too.
            Property::VerifiedOn | Property::UpdatedAt if format == Format::Csv => Kind::Text,
            Property::VerifiedOn => Kind::Date,
            Property::UpdatedAt if format == Format::Shapefile => Kind::Text,
            Property::UpdatedAt => Kind::DateTime,
            _ => Kind::Text,
        }
    }

    fn ogr(self) -> OGRFieldType::Type {
        match self {
            Kind::Integer64 => OGRFieldType::OFTInteger64,
            Kind::Integer => OGRFieldType::OFTInteger,
            Kind::Real => OGRFieldType::OFTReal,
            Kind::Text => OGRFieldType::OFTString,
            Kind::Date => OGRFieldType::OFTDate,
            Kind::DateTime => OGRFieldType::OFTDateTime,
        }
    }
}

/// A file being written: staged until [`ExportFile::finish`] moves it into place; dropped
/// unfinished, it leaves nothing.
pub struct ExportFile {
    target: PathBuf,
    format: Format,
    staging: tempfile::TempDir,
    dataset: Dataset,
    transform: Transform,
    columns: Vec<(Property, Kind)>,
    pending: Vec<CameraFeature>,
    written: u64,
}

impl std::fmt::Debug for ExportFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportFile")
            .field("target", &self.target)
            .field("format", &self.format)
            .field("written", &self.written)
            .finish()
    }
}

impl ExportFile {
    /// Whether writing `target` would replace something (for a Shapefile, any of its parts).
    pub fn exists(target: &Path, format: Format) -> bool {
        match format {
            Format::Shapefile => SHAPEFILE_PARTS
                .iter()
                .any(|ext| target.with_extension(ext).exists()),
            _ => target.exists(),
        }
    }

    /// Starts `target` in `format` and `crs`, with the fields of `collection`.
    pub fn create(
        target: &Path,
        format: Format,
        crs: &Crs,
        collection: Collection,
    ) -> anyhow::Result<ExportFile> {
        quiet_gdal();
        let name = target
            .file_name()
            .with_context(|| format!("{} names no file", target.display()))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            bail!(
                "cannot write {}: {} is not a folder",
                target.display(),
                dir.display()
            );
        }
        let staging = tempfile::Builder::new()
            .prefix(".canvass-export-")
            .tempdir_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        let staged = staging.path().join(name);
        let gdal_error = |what: &str| format!("GDAL cannot {what} {}", target.display());
        let driver = DriverManager::get_driver_by_name(format.driver())
            .with_context(|| format!("GDAL has no {} driver", format.driver()))?;
        let mut dataset = driver
            .create_vector_only(&staged)
            .with_context(|| gdal_error("create"))?;
        let srs = layer_srs(crs)?;
        let transform = Transform::new(crs, AxisOrder::EastNorth)
            .with_context(|| format!("longitude/latitude cannot be transformed to {crs}"))?;
        let layer_name = match format {
            // A Shapefile's layer is its file.
            Format::Shapefile => target
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(collection.id()),
            _ => collection.id(),
        };
        let layer = dataset
            .create_layer(LayerOptions {
                name: layer_name,
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbPoint,
                options: Some(format.layer_options()),
            })
            .with_context(|| gdal_error("add a layer to"))?;
        let mut columns = Vec::new();
        for &property in collection.properties() {
            let kind = Kind::of(property, format);
            let field = FieldDefn::new(format.field_name(property), kind.ogr())
                .with_context(|| gdal_error("define the fields of"))?;
            if format == Format::Shapefile && matches!(kind, Kind::Text) {
                field.set_width(DBF_TEXT_WIDTH);
            }
            field
                .add_to_layer(&layer)
                .with_context(|| gdal_error("add the fields to"))?;
            columns.push((property, kind));
        }
        Ok(ExportFile {
            target: target.to_owned(),
            format,
            staging,
            dataset,
            transform,
            columns,
            pending: Vec::with_capacity(BATCH),
            written: 0,
        })
    }

    /// Adds a feature (written in batches).
    pub fn write(&mut self, feature: CameraFeature) -> anyhow::Result<()> {
        self.pending.push(feature);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        let batch = std::mem::take(&mut self.pending);
        if batch.is_empty() {
            return Ok(());
        }
        let columns = &self.columns;
        let (format, transform) = (self.format, &self.transform);
        let write = |dataset: &Dataset| -> anyhow::Result<()> {
            let layer = dataset.layer(0).context("GDAL lost the layer")?;
            for feature in &batch {
                write_feature(&layer, columns, format, transform, feature)?;
            }
            Ok(())
        };
        if format == Format::Gpkg {
            let transaction = self
                .dataset
                .start_transaction()
                .context("GDAL cannot begin a GeoPackage transaction")?;
            write(&transaction)?;
            transaction
                .commit()
                .context("GDAL cannot commit a GeoPackage transaction")?;
        } else {
            write(&self.dataset)?;
        }
        self.written += batch.len() as u64;
        self.pending = batch;
        self.pending.clear();
        Ok(())
    }

    /// Writes what is left, closes the file and moves it (and a Shapefile's companions) into
    /// place; returns the number of features.
    pub fn finish(mut self, overwrite: bool) -> anyhow::Result<u64> {
        self.flush()?;
        let ExportFile {
            target,
            format,
            staging,
            dataset,
            written,
            ..
        } = self;
        dataset
            .close()
            .with_context(|| format!("GDAL cannot finish {}", target.display()))?;
        let dir = staging.path().parent().unwrap_or(Path::new("."));
        if ExportFile::exists(&target, format) {
            if !overwrite {
                bail!(
                    "{} appeared while exporting; give --overwrite to replace it",
                    target.display()
                );
            }
            if format == Format::Shapefile {
                for ext in SHAPEFILE_PARTS {
                    let part = target.with_extension(ext);
                    if part.exists() {
                        std::fs::remove_file(&part)
                            .with_context(|| format!("cannot replace {}", part.display()))?;
                    }
                }
            }
        }
        let made = std::fs::read_dir(staging.path())
            .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
            .context("cannot list the export's staging folder")?;
        if made.is_empty() {
            bail!("GDAL wrote no file for {}", target.display());
        }
        for entry in made {
            let to = dir.join(entry.file_name());
            std::fs::rename(entry.path(), &to)
                .with_context(|| format!("cannot move the export to {}", to.display()))?;
        }
        Ok(written)
    }
}

fn write_feature(
    layer: &gdal::vector::Layer<'_>,
    columns: &[(Property, Kind)],
    format: Format,
    transform: &Transform,
    camera: &CameraFeature,
) -> anyhow::Result<()> {
    let failed = || format!("GDAL cannot write camera {}", camera.id);
    let mut feature = Feature::new(layer.defn()).with_context(failed)?;
    for (index, (property, kind)) in columns.iter().enumerate() {
        let value = match property {
            Property::Views => Some(Value::Text(
                camera.view_names().collect::<Vec<_>>().join(","),
            )),
            _ => camera.value(*property),
        };
        let Some(value) = value else {
            continue;
        };
        let set = match (kind, value) {
            (Kind::Integer64, Value::Integer(i)) => feature.set_field_integer64(index, i),
            (Kind::Integer, Value::Integer(i)) => feature.set_field_integer(
                index,
                i32::try_from(i).with_context(|| format!("{property} {i} is out of range"))?,
            ),
            (Kind::Real, Value::Number(n)) => feature.set_field_double(index, n),
            // Cells a spreadsheet would run as formulas are defused in CSV, as in every CSV
            // Canvass writes.
            (Kind::Text, Value::Text(t)) if format == Format::Csv => {
                feature.set_field_string(index, &canvass_model::csv::defuse(&t))
            }
            (Kind::Text, Value::Text(t)) => feature.set_field_string(index, &t),
            (Kind::Date | Kind::Text, Value::Date(d)) => {
                feature.set_field_string(index, &d.to_string())
            }
            (Kind::DateTime | Kind::Text, Value::Timestamp(t)) => feature.set_field_string(
                index,
                &t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
            (kind, value) => bail!("{property}: a {value:?} in a {kind:?} field"),
        };
        set.with_context(failed)?;
    }
    let [x, y] = transform
        .apply(camera.at)
        .with_context(|| format!("camera {}", camera.id))?;
    let mut point = Geometry::empty(OGRwkbGeometryType::wkbPoint).with_context(failed)?;
    point.add_point_2d((x, y));
    feature.set_geometry(point).with_context(failed)?;
    feature.create(layer).with_context(failed)
}
