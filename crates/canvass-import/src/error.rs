use std::path::PathBuf;

/// Why a file cannot be imported at all. Problems of single rows are [`crate::Rejection`]s
/// instead: a bad row never stops the others.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The path does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The file is empty.
    #[error("{}: the file is empty", path.display())]
    EmptyFile {
        /// The path given.
        path: PathBuf,
    },
    /// GDAL cannot read it as vector data.
    #[error(
        "{}: not readable as vector data ({message}); GDAL reads Shapefile, GeoPackage, GeoJSON, \
         CSV with coordinate columns, FlatGeobuf, KML, File Geodatabase and more",
        path.display()
    )]
    Open {
        /// The path given.
        path: PathBuf,
        /// GDAL's explanation.
        message: String,
    },
    /// The file holds no vector layer.
    #[error("{}: no vector layer in it", path.display())]
    NoLayers {
        /// The path given.
        path: PathBuf,
    },
    /// `--layer` names no layer of the file.
    #[error("{}: no layer named {name:?}; its layers: {}", path.display(), list(available))]
    UnknownLayer {
        /// The path given.
        path: PathBuf,
        /// The name asked for (cut short).
        name: String,
        /// The layers there are.
        available: Vec<String>,
    },
    /// Several layers and no `--layer`.
    #[error(
        "{}: {} layers, choose one with --layer: {}",
        path.display(),
        available.len(),
        list(available)
    )]
    AmbiguousLayer {
        /// The path given.
        path: PathBuf,
        /// The layers there are.
        available: Vec<String>,
    },
    /// A `--map` argument is malformed.
    #[error("--map: {0}")]
    MapSyntax(String),
    /// A `--map` key this import does not know.
    #[error("--map: unknown key {key:?}; the keys are {}", known.join(", "))]
    UnknownMapKey {
        /// The key given (cut short).
        key: String,
        /// The keys there are.
        known: Vec<&'static str>,
    },
    /// A field named in `--map` is not in the layer.
    #[error(
        "--map {key}={field}: layer {layer:?} has no field {field:?}; its fields: {}",
        list(available)
    )]
    MissingField {
        /// The key.
        key: String,
        /// The field asked for (cut short).
        field: String,
        /// The layer.
        layer: String,
        /// Its fields.
        available: Vec<String>,
    },
    /// A required field was not given and none of the usual names is in the layer.
    #[error(
        "layer {layer:?}: no {key} field found (tried {tried}); name it with --map {key}=FIELD; \
         the layer's fields: {}",
        list(available)
    )]
    FieldNotFound {
        /// The key.
        key: &'static str,
        /// The layer.
        layer: String,
        /// The names tried, for the message.
        tried: String,
        /// Its fields.
        available: Vec<String>,
    },
    /// Like `FieldNotFound`, for a key that `--default` could give instead.
    #[error(
        "layer {layer:?}: no {key} field found (tried {tried}); name it with --map {key}=FIELD, \
         or give every row the same value with --default {key}=VALUE; the layer's fields: {}",
        list(available)
    )]
    NoFieldNorDefault {
        /// The key.
        key: &'static str,
        /// The layer.
        layer: String,
        /// The names tried, for the message.
        tried: String,
        /// Its fields.
        available: Vec<String>,
    },
    /// A `--default` argument is malformed or its value is not allowed.
    #[error("--default: {0}")]
    DefaultSyntax(String),
    /// The coordinate system of the layer (or of `--source-crs`) cannot be used.
    #[error("coordinate system {crs}: {message}")]
    Crs {
        /// The CRS as named.
        crs: String,
        /// Why.
        message: String,
    },
    /// GDAL failed while reading features.
    #[error("{}: reading failed: {message}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// GDAL's explanation.
        message: String,
    },
    /// The boundary layer has no usable polygon.
    #[error("{}: no polygon in layer {layer:?} could be used as the boundary", path.display())]
    NoPolygons {
        /// The path given.
        path: PathBuf,
        /// The layer read.
        layer: String,
    },
    /// The boundary has more parts than WKB can hold.
    #[error("{}: the boundary cannot be written as WKB: {source}", path.display())]
    BoundaryTooLarge {
        /// The path given.
        path: PathBuf,
        /// What overflowed.
        source: canvass_geo::wkb::WkbError,
    },
}

/// Up to 30 names, quoted, then how many more.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 30;
    if names.is_empty() {
        return "(none)".into();
    }
    let mut out: Vec<String> = names.iter().take(SHOWN).map(|n| format!("{n:?}")).collect();
    if names.len() > SHOWN {
        out.push(format!("… {} more", names.len() - SHOWN));
    }
    out.join(", ")
}

/// At most `max` characters of user input, for messages.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max).collect();
        short.push('…');
        short
    }
}
