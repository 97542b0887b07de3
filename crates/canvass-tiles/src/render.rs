//! Encodes a tile of the camera layers from a snapshot, in process.

use std::borrow::Cow;

use canvass_geo::mvt::{EXTENT, LayerWriter, TileWriter, Value};
use canvass_geo::tile::{tiles_covering, zoom_for_span};
use canvass_geo::wedge::ring_on_tile;
use canvass_geo::{TileId, WorldPoint};
use canvass_model::View;

use crate::index::{Camera, Snapshot};
use crate::layers::{Layer, LayerSet};

/// Tile units drawn beyond each edge, so that wedges and cells join without seams.
pub const BUFFER: u32 = 64;
/// Coverage cells per tile side: 2^6 = 64, cells of 64 tile units.
pub const GRID_LEVELS: u8 = 6;

/// Attribute names of the `cameras` layer, as tags refer to them by index.
pub const CAMERA_FIELDS: &[&str] = &[
    "placement",
    "views",
    "facing_deg",
    "fov_deg",
    "range_m",
    "retention_days",
    "recording_mode",
    "can_export",
    "kind",
    "verified_on",
];
/// Attribute names of the `camera_fov` layer.
pub const FOV_FIELDS: &[&str] = &["facing_deg", "fov_deg", "range_m"];
/// Attribute names of the `coverage` layer.
pub const COVERAGE_FIELDS: &[&str] = &["count"];

/// Which layers a request at a zoom gets: below `points_from_zoom` the point layers become
/// coverage counts, so no tile is huge and no camera is silently left out.
pub fn effective_layers(requested: LayerSet, z: u8, points_from_zoom: u8) -> LayerSet {
    if z < points_from_zoom {
        LayerSet::only(Layer::Coverage)
    } else {
        requested
    }
}

/// The tile's bytes; empty when no layer has a feature.
pub fn render(snapshot: &Snapshot, layers: LayerSet, tile: TileId) -> Vec<u8> {
    let mut out = TileWriter::new();
    // Bottom to top, as a map draws them.
    if layers.contains(Layer::Coverage) {
        out.push(coverage(snapshot, tile));
    }
    if layers.contains(Layer::CameraFov) {
        out.push(wedges(snapshot, tile));
    }
    if layers.contains(Layer::Cameras) {
        out.push(points(snapshot, tile));
    }
    out.finish()
}

fn points(snapshot: &Snapshot, tile: TileId) -> LayerWriter {
    let mut layer = LayerWriter::new(Layer::Cameras.name(), CAMERA_FIELDS);
    let mut tags = Vec::with_capacity(CAMERA_FIELDS.len());
    for camera in snapshot.in_tile(tile) {
        let (x, y) = tile_point(tile, camera.at);
        tags.clear();
        camera_tags(&mut layer, camera, &mut tags);
        layer.point(camera.id, x, y, &tags);
    }
    layer
}

/// Interning codes: the field's index in the top bits, the value's own bits below.
fn code(field: usize, bits: u64) -> u64 {
    ((field as u64) << 48) | (bits & 0xFFFF_FFFF_FFFF)
}

fn camera_tags(layer: &mut LayerWriter, c: &Camera, tags: &mut Vec<(u32, u32)>) {
    let mut tag =
        |layer: &mut LayerWriter, field: usize, bits: u64, make: &dyn Fn() -> Value<'static>| {
            let value = layer.value(code(field, bits), make);
            tags.push((u32::try_from(field).unwrap_or(0), value));
        };
    tag(layer, 0, c.placement as u64, &|| {
        Value::Str(Cow::Borrowed(c.placement.as_str()))
    });
    tag(layer, 1, u64::from(c.views), &|| {
        Value::Str(Cow::Owned(views_text(c.views)))
    });
    if let Some(v) = c.facing_deg() {
        tag(layer, 2, u64::from(v.to_bits()), &|| Value::Float(v));
    }
    if let Some(v) = c.fov_deg() {
        tag(layer, 3, u64::from(v.to_bits()), &|| Value::Float(v));
    }
    if let Some(v) = c.range_m() {
        tag(layer, 4, u64::from(v.to_bits()), &|| Value::Float(v));
    }
    if let Some(v) = c.retention_days() {
        tag(layer, 5, u64::from(v.cast_unsigned()), &|| {
            Value::Int(i64::from(v))
        });
    }
    tag(layer, 6, c.recording_mode as u64, &|| {
        Value::Str(Cow::Borrowed(c.recording_mode.as_str()))
    });
    tag(layer, 7, c.can_export as u64, &|| {
        Value::Str(Cow::Borrowed(c.can_export.as_str()))
    });
    tag(layer, 8, c.kind as u64, &|| {
        Value::Str(Cow::Borrowed(c.kind.as_str()))
    });
    if let (Some(day), Some(date)) = (c.verified_day(), c.verified_on()) {
        tag(layer, 9, u64::from(day.cast_unsigned()), &|| {
            Value::Str(Cow::Owned(date.format("%Y-%m-%d").to_string()))
        });
    }
}

/// The views as the database lists them, comma separated in the vocabulary's order.
pub fn views_text(mask: u8) -> String {
    View::from_mask(mask)
        .map(View::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

fn wedges(snapshot: &Snapshot, tile: TileId) -> LayerWriter {
    let mut layer = LayerWriter::new(Layer::CameraFov.name(), FOV_FIELDS);
    let (x0, y0) = tile.origin();
    let size = tile.size() as f64;
    let buffer = size * f64::from(BUFFER) / f64::from(EXTENT);
    // Mercator stretches most at the edge nearer a pole.
    let stretch = [y0, y0 + tile.size() - 1]
        .into_iter()
        .map(|y| {
            WorldPoint {
                x: 0,
                y: u32::try_from(y).unwrap_or(u32::MAX),
            }
            .units_per_metre()
        })
        .fold(0.0, f64::max);
    let reach = snapshot.max_wedge_range_m() * stretch + buffer;
    let min = (x0 as f64 - reach, y0 as f64 - reach);
    let max = (x0 as f64 + size + reach, y0 as f64 + size + reach);
    let search_zoom = zoom_for_span(max.0 - min.0, tile.z);
    let (lo_edge, hi_edge) = (x0 as f64 - buffer, x0 as f64 + size + buffer);
    let (top_edge, bottom_edge) = (y0 as f64 - buffer, y0 as f64 + size + buffer);
    let mut tags = Vec::with_capacity(FOV_FIELDS.len());
    for search in tiles_covering(min, max, search_zoom) {
        for camera in snapshot.in_tile(search) {
            let Some(wedge) = camera.wedge() else {
                continue;
            };
            let r = wedge.reach(camera.at);
            let (cx, cy) = (f64::from(camera.at.x), f64::from(camera.at.y));
            if cx + r < lo_edge || cx - r > hi_edge || cy + r < top_edge || cy - r > bottom_edge {
                continue;
            }
            let Some(ring) = ring_on_tile(&wedge.outline(camera.at), tile, EXTENT, BUFFER) else {
                continue;
            };
            tags.clear();
            #[allow(clippy::cast_possible_truncation)]
            for (field, v) in [wedge.facing_deg, wedge.fov_deg, wedge.range_m]
                .into_iter()
                .map(|v| v as f32)
                .enumerate()
            {
                let value = layer.value(code(field, u64::from(v.to_bits())), || Value::Float(v));
                tags.push((u32::try_from(field).unwrap_or(0), value));
            }
            layer.polygon(camera.id, &ring, &tags);
        }
    }
    layer
}

fn coverage(snapshot: &Snapshot, tile: TileId) -> LayerWriter {
    let mut layer = LayerWriter::new(Layer::Coverage.name(), COVERAGE_FIELDS);
    let grid_zoom = (tile.z + GRID_LEVELS).min(32);
    let (lo, hi) = snapshot.bounds(tile, 0, snapshot.len());
    count_cells(snapshot, tile, tile, grid_zoom, (lo, hi), &mut layer);
    layer
}

/// Walks the quadtree under `node`, skipping empty quarters, and writes one square per
/// non-empty cell of `grid_zoom` with its count.
fn count_cells(
    snapshot: &Snapshot,
    tile: TileId,
    node: TileId,
    grid_zoom: u8,
    (lo, hi): (usize, usize),
    layer: &mut LayerWriter,
) {
    if lo == hi {
        return;
    }
    if node.z == grid_zoom {
        let (nx, ny) = node.origin();
        let (x0, y0) = tile.to_tile_coords(nx as f64, ny as f64, EXTENT);
        let side = f64::from(EXTENT) / f64::from(1u32 << (grid_zoom - tile.z));
        #[allow(clippy::cast_possible_truncation)]
        let (x0, y0, x1, y1) = (
            x0.round() as i32,
            y0.round() as i32,
            (x0 + side).round() as i32,
            (y0 + side).round() as i32,
        );
        let count = (hi - lo) as u64;
        let value = layer.value(count, || {
            Value::Int(i64::try_from(count).unwrap_or(i64::MAX))
        });
        let shift = grid_zoom - tile.z;
        let id = (u64::from(node.y - (tile.y << shift)) << shift)
            | u64::from(node.x - (tile.x << shift));
        layer.polygon(id, &[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], &[(0, value)]);
        return;
    }
    let mut start = lo;
    for child in node.children() {
        let (_, end) = snapshot.bounds(child, start, hi);
        count_cells(snapshot, tile, child, grid_zoom, (start, end), layer);
        start = end;
    }
}

fn tile_point(tile: TileId, at: WorldPoint) -> (i32, i32) {
    let (x, y) = tile.to_tile_coords(f64::from(at.x), f64::from(at.y), EXTENT);
    // Inside the tile: 0..=4096.
    #[allow(clippy::cast_possible_truncation)]
    (x.round() as i32, y.round() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::camera;
    use geozero::mvt::{Message, Tile};

    fn city() -> Snapshot {
        let cameras = (0..5000u64)
            .map(|i| {
                camera(
                    i + 1,
                    -122.06 + (i % 100) as f64 * 0.0006,
                    37.95 + (i / 100) as f64 * 0.0006,
                )
            })
            .collect();
        Snapshot::new(cameras)
    }

    fn decode(bytes: &[u8]) -> Tile {
        Tile::decode(bytes).unwrap()
    }

    #[test]
    fn coverage_counts_add_up_to_the_cameras_of_the_tile() {
        let snapshot = city();
        for z in [4u8, 8, 12, 14, 17] {
            let tile = TileId::containing(WorldPoint::from_lon_lat(-122.04, 37.965), z);
            let decoded = decode(&render(&snapshot, LayerSet::only(Layer::Coverage), tile));
            let layer = &decoded.layers[0];
            let total: i64 = layer
                .features
                .iter()
                .map(|f| layer.values[f.tags[1] as usize].sint_value.unwrap())
                .sum();
            assert_eq!(total as usize, snapshot.in_tile(tile).len(), "z{z}");
            assert!(layer.features.len() <= 64 * 64);
        }
    }

    #[test]
    fn points_carry_every_listed_attribute() {
        let snapshot = city();
        let tile = TileId::containing(WorldPoint::from_lon_lat(-122.04, 37.965), 15);
        let decoded = decode(&render(&snapshot, LayerSet::only(Layer::Cameras), tile));
        let layer = &decoded.layers[0];
        assert_eq!(layer.features.len(), snapshot.in_tile(tile).len());
        assert_eq!(layer.keys, CAMERA_FIELDS);
        // Every feature has every field but fov_deg (unknown in the fixture).
        assert!(
            layer
                .features
                .iter()
                .all(|f| f.tags.len() == 2 * (CAMERA_FIELDS.len() - 1))
        );
        let text: Vec<_> = layer
            .values
            .iter()
            .filter_map(|v| v.string_value.clone())
            .collect();
        assert!(text.contains(&"2026-05-01".to_owned()) && text.contains(&"street".to_owned()));
    }

    #[test]
    fn wedges_reach_into_neighbouring_tiles() {
        // One camera just west of a tile edge, facing east into the next tile.
        let tile = TileId::containing(WorldPoint::from_lon_lat(-122.04, 37.965), 18);
        let (x0, y0) = tile.origin();
        let at = WorldPoint {
            x: u32::try_from(x0 - 20).unwrap(),
            y: u32::try_from(y0 + 100).unwrap(),
        };
        let mut c = camera(9, at.longitude(), at.latitude());
        c.at = at;
        let snapshot = Snapshot::new(vec![c]);
        assert!(snapshot.in_tile(tile).is_empty());
        let decoded = decode(&render(&snapshot, LayerSet::only(Layer::CameraFov), tile));
        assert_eq!(decoded.layers[0].features.len(), 1);
        let far = TileId {
            x: tile.x + 3,
            ..tile
        };
        assert!(render(&snapshot, LayerSet::only(Layer::CameraFov), far).is_empty());
    }

    #[test]
    fn low_zooms_get_counts_instead_of_points() {
        let all = LayerSet::only(Layer::Cameras);
        assert_eq!(
            effective_layers(all, 12, 13),
            LayerSet::only(Layer::Coverage)
        );
        assert_eq!(effective_layers(all, 13, 13), all);
        assert_eq!(views_text(0b101), "street,driveway");
    }
}
