//! A Mapbox Vector Tile 2.1 encoder that writes protobuf directly.
//!
//! Written for the hot path of the tile server: a layer's keys are fixed up front, values are
//! interned by a caller-chosen 64-bit code (so no string is hashed or built for a value the
//! layer has already seen), and geometry goes straight into one buffer per layer.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Tile coordinates per side, as every client expects by default.
pub const EXTENT: u32 = 4096;

const VERSION: u64 = 2;

// Field numbers of vector_tile.proto (version 2.1).
const TILE_LAYERS: u32 = 3;
const LAYER_NAME: u32 = 1;
const LAYER_FEATURES: u32 = 2;
const LAYER_KEYS: u32 = 3;
const LAYER_VALUES: u32 = 4;
const LAYER_EXTENT: u32 = 5;
const LAYER_VERSION: u32 = 15;
const FEATURE_ID: u32 = 1;
const FEATURE_TAGS: u32 = 2;
const FEATURE_TYPE: u32 = 3;
const FEATURE_GEOMETRY: u32 = 4;
const VALUE_STRING: u32 = 1;
const VALUE_FLOAT: u32 = 2;
const VALUE_DOUBLE: u32 = 3;
const VALUE_SINT: u32 = 6;
const VALUE_BOOL: u32 = 7;

const WIRE_VARINT: u32 = 0;
const WIRE_FIXED64: u32 = 1;
const WIRE_LEN: u32 = 2;
const WIRE_FIXED32: u32 = 5;

const GEOM_POINT: u64 = 1;
const GEOM_POLYGON: u64 = 3;
const CMD_MOVE_TO: u32 = 1;
const CMD_LINE_TO: u32 = 2;
const CMD_CLOSE_PATH: u32 = 7;

/// An attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Text.
    Str(Cow<'a, str>),
    /// 32-bit float.
    Float(f32),
    /// 64-bit float.
    Double(f64),
    /// Signed integer (zig-zag encoded).
    Int(i64),
    /// Boolean.
    Bool(bool),
}

/// A whole tile: layers appended one after another.
#[derive(Debug, Default)]
pub struct TileWriter {
    bytes: Vec<u8>,
}

impl TileWriter {
    /// An empty tile.
    pub fn new() -> Self {
        TileWriter::default()
    }

    /// Appends a finished layer; a layer without features is left out.
    pub fn push(&mut self, layer: LayerWriter) {
        if layer.feature_count == 0 {
            return;
        }
        let mut body = Vec::with_capacity(layer.features.len() + layer.values.len() + 256);
        put_varint_field(&mut body, LAYER_VERSION, VERSION);
        put_bytes_field(&mut body, LAYER_NAME, layer.name.as_bytes());
        body.extend_from_slice(&layer.features);
        for key in layer.keys {
            put_bytes_field(&mut body, LAYER_KEYS, key.as_bytes());
        }
        body.extend_from_slice(&layer.values);
        put_varint_field(&mut body, LAYER_EXTENT, u64::from(EXTENT));
        put_bytes_field(&mut self.bytes, TILE_LAYERS, &body);
    }

    /// The encoded tile; empty when no layer had a feature.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// One layer under construction.
#[derive(Debug)]
pub struct LayerWriter {
    name: &'static str,
    keys: &'static [&'static str],
    values: Vec<u8>,
    value_count: u32,
    interned: HashMap<u64, u32, BuildHasherDefault<CodeHasher>>,
    features: Vec<u8>,
    feature_count: usize,
    scratch_tags: Vec<u8>,
    scratch_geometry: Vec<u8>,
}

impl LayerWriter {
    /// A layer whose attributes are named by `keys`; tags refer to a key by its index there.
    pub fn new(name: &'static str, keys: &'static [&'static str]) -> Self {
        LayerWriter {
            name,
            keys,
            values: Vec::new(),
            value_count: 0,
            interned: HashMap::default(),
            features: Vec::new(),
            feature_count: 0,
            scratch_tags: Vec::new(),
            scratch_geometry: Vec::new(),
        }
    }

    /// Features written so far.
    pub fn len(&self) -> usize {
        self.feature_count
    }

    /// Whether no feature was written.
    pub fn is_empty(&self) -> bool {
        self.feature_count == 0
    }

    /// The index of a value in this layer's value table. `code` identifies the value (equal
    /// codes must mean equal values); `make` is called only the first time a code is seen.
    pub fn value<'v>(&mut self, code: u64, make: impl FnOnce() -> Value<'v>) -> u32 {
        if let Some(index) = self.interned.get(&code) {
            return *index;
        }
        let index = self.value_count;
        self.value_count += 1;
        self.interned.insert(code, index);
        let mut body = [0u8; 24];
        let mut len = 0;
        let mut put = |bytes: &[u8]| {
            body[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        match make() {
            Value::Str(text) => {
                let mut encoded = Vec::with_capacity(text.len() + 4);
                put_bytes_field(&mut encoded, VALUE_STRING, text.as_bytes());
                put_bytes_field(&mut self.values, LAYER_VALUES, &encoded);
                return index;
            }
            Value::Float(v) => {
                put(&[tag(VALUE_FLOAT, WIRE_FIXED32)]);
                put(&v.to_le_bytes());
            }
            Value::Double(v) => {
                put(&[tag(VALUE_DOUBLE, WIRE_FIXED64)]);
                put(&v.to_le_bytes());
            }
            Value::Int(v) => {
                let mut tmp = vec![tag(VALUE_SINT, WIRE_VARINT)];
                put_varint(&mut tmp, zigzag(v));
                put(&tmp);
            }
            Value::Bool(v) => put(&[tag(VALUE_BOOL, WIRE_VARINT), u8::from(v)]),
        }
        put_bytes_field(&mut self.values, LAYER_VALUES, &body[..len]);
        index
    }

    /// A point feature at tile coordinates (`x`, `y`); `tags` are (key index, value index).
    pub fn point(&mut self, id: u64, x: i32, y: i32, tags: &[(u32, u32)]) {
        self.scratch_geometry.clear();
        put_varint(
            &mut self.scratch_geometry,
            u64::from(command(CMD_MOVE_TO, 1)),
        );
        put_varint(&mut self.scratch_geometry, zigzag(i64::from(x)));
        put_varint(&mut self.scratch_geometry, zigzag(i64::from(y)));
        self.feature(id, GEOM_POINT, tags);
    }

    /// A polygon of one ring (not repeating its first point), which must wind clockwise on
    /// the tile grid (positive area with y pointing down), as the specification requires of
    /// exterior rings.
    pub fn polygon(&mut self, id: u64, ring: &[(i32, i32)], tags: &[(u32, u32)]) {
        let Some(((first_x, first_y), rest)) = ring.split_first() else {
            return;
        };
        self.scratch_geometry.clear();
        let geometry = &mut self.scratch_geometry;
        put_varint(geometry, u64::from(command(CMD_MOVE_TO, 1)));
        put_varint(geometry, zigzag(i64::from(*first_x)));
        put_varint(geometry, zigzag(i64::from(*first_y)));
        let count = u32::try_from(rest.len()).unwrap_or(0);
        put_varint(geometry, u64::from(command(CMD_LINE_TO, count)));
        let (mut px, mut py) = (*first_x, *first_y);
        for (x, y) in rest {
            put_varint(geometry, zigzag(i64::from(x - px)));
            put_varint(geometry, zigzag(i64::from(y - py)));
            (px, py) = (*x, *y);
        }
        put_varint(geometry, u64::from(command(CMD_CLOSE_PATH, 1)));
        self.feature(id, GEOM_POLYGON, tags);
    }

    fn feature(&mut self, id: u64, geometry_type: u64, tags: &[(u32, u32)]) {
        self.scratch_tags.clear();
        for (key, value) in tags {
            put_varint(&mut self.scratch_tags, u64::from(*key));
            put_varint(&mut self.scratch_tags, u64::from(*value));
        }
        let mut body =
            Vec::with_capacity(self.scratch_tags.len() + self.scratch_geometry.len() + 16);
        put_varint_field(&mut body, FEATURE_ID, id);
        if !self.scratch_tags.is_empty() {
            put_bytes_field(&mut body, FEATURE_TAGS, &self.scratch_tags);
        }
        put_varint_field(&mut body, FEATURE_TYPE, geometry_type);
        put_bytes_field(&mut body, FEATURE_GEOMETRY, &self.scratch_geometry);
        put_bytes_field(&mut self.features, LAYER_FEATURES, &body);
        self.feature_count += 1;
    }
}

/// Twice the signed area of a ring on the tile grid (positive: clockwise with y down).
pub fn ring_area2(ring: &[(i32, i32)]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (x1, y1) = ring[i];
            let (x2, y2) = ring[(i + 1) % n];
            i64::from(x1) * i64::from(y2) - i64::from(x2) * i64::from(y1)
        })
        .sum()
}

fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)).cast_unsigned()
}

#[allow(clippy::cast_possible_truncation)]
fn tag(field: u32, wire: u32) -> u8 {
    // Every field number used here is below 16, so the key fits in one byte.
    ((field << 3) | wire) as u8
}

#[allow(clippy::cast_possible_truncation)]
fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn put_varint_field(buf: &mut Vec<u8>, field: u32, v: u64) {
    put_varint(buf, u64::from((field << 3) | WIRE_VARINT));
    put_varint(buf, v);
}

fn put_bytes_field(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_varint(buf, u64::from((field << 3) | WIRE_LEN));
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// Hashes the interning codes, which are already well spread integers, in one multiply.
#[derive(Debug, Default)]
struct CodeHasher(u64);

impl Hasher for CodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b) ^ self.0.rotate_left(8));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = (n ^ (n >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geozero::mvt::{Message, Tile, tile};

    const KEYS: &[&str] = &["kind", "range_m", "count", "open"];

    fn decode(bytes: &[u8]) -> Tile {
        Tile::decode(bytes).expect("valid protobuf")
    }

    #[test]
    fn points_and_values_decode_with_an_independent_reader() {
        let mut layer = LayerWriter::new("cameras", KEYS);
        let residence = layer.value(1, || Value::Str("residence".into()));
        let range = layer.value(2, || Value::Float(30.5));
        let count = layer.value(3, || Value::Int(-7));
        let open = layer.value(4, || Value::Bool(true));
        assert_eq!(
            layer.value(1, || Value::Str("never built".into())),
            residence
        );
        layer.point(42, 10, 4095, &[(0, residence), (1, range)]);
        layer.point(43, -5, 0, &[(2, count), (3, open)]);
        let mut tile = TileWriter::new();
        tile.push(layer);
        tile.push(LayerWriter::new("empty", KEYS));
        let decoded = decode(&tile.finish());
        assert_eq!(decoded.layers.len(), 1, "empty layers are left out");
        let layer = &decoded.layers[0];
        assert_eq!(
            (layer.name.as_str(), layer.version, layer.extent),
            ("cameras", 2, Some(4096))
        );
        assert_eq!(layer.keys, KEYS);
        assert_eq!(layer.values[0].string_value.as_deref(), Some("residence"));
        assert_eq!(layer.values[1].float_value, Some(30.5));
        assert_eq!(layer.values[2].sint_value, Some(-7));
        assert_eq!(layer.values[3].bool_value, Some(true));
        let f = &layer.features[0];
        assert_eq!(f.id, Some(42));
        assert_eq!(f.r#type, Some(tile::GeomType::Point as i32));
        assert_eq!(f.tags, vec![0, 0, 1, 1]);
        assert_eq!(f.geometry, vec![9, 20, 8190]);
        assert_eq!(layer.features[1].geometry, vec![9, 9, 0]);
    }

    #[test]
    fn polygons_are_move_line_close() {
        let mut layer = LayerWriter::new("fov", KEYS);
        let ring = [(0, 0), (10, 0), (10, 10)];
        assert!(ring_area2(&ring) > 0, "clockwise with y down");
        layer.polygon(7, &ring, &[]);
        let mut tile = TileWriter::new();
        tile.push(layer);
        let decoded = decode(&tile.finish());
        let f = &decoded.layers[0].features[0];
        assert_eq!(f.r#type, Some(tile::GeomType::Polygon as i32));
        // MoveTo(1) 0,0; LineTo(2) +10,0 0,+10; ClosePath.
        assert_eq!(f.geometry, vec![9, 0, 0, 18, 20, 0, 0, 20, 15]);
        assert!(f.tags.is_empty());
    }

    #[test]
    fn an_empty_tile_is_zero_bytes() {
        assert!(TileWriter::new().finish().is_empty());
    }
}
