//! Web Mercator positions as 32-bit integers, XYZ tiles, and the Morton (Z-order) key.
//!
//! A position is a pair of 32-bit integers over the Web Mercator square (x east, y south), so
//! the tile of zoom `z` holding a position is just its top `z` bits, and the Morton key (the
//! two coordinates' bits interleaved) of every position in a tile shares the tile's `2z`-bit
//! prefix. Sorted by that key, the positions of any tile are one contiguous run.

use std::f64::consts::PI;
use std::ops::RangeInclusive;

/// Side of the Web Mercator square in position units (2³²).
const WORLD: f64 = 4_294_967_296.0;
/// Earth's equatorial circumference in metres, the side of the Web Mercator square.
pub const EARTH_CIRCUMFERENCE_M: f64 = 40_075_016.685_578_49;
/// Latitude at which Web Mercator ends.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;
/// Deepest zoom a tile id may have (one position unit per tile at zoom 32).
pub const MAX_TILE_ZOOM: u8 = 30;

/// Why a tile address is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The zoom is above what is served.
    #[error("zoom {z} is above the maximum zoom {max}")]
    ZoomTooDeep {
        /// Requested.
        z: u32,
        /// Allowed.
        max: u8,
    },
    /// x or y is not a tile of that zoom.
    #[error("tile {z}/{x}/{y} does not exist: at zoom {z}, x and y run from 0 to {last}")]
    OutOfRange {
        /// Zoom.
        z: u8,
        /// Column.
        x: u64,
        /// Row.
        y: u64,
        /// Largest valid x or y.
        last: u64,
    },
}

/// A position on the Web Mercator square, in units of 2⁻³² of its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorldPoint {
    /// East, from the antimeridian.
    pub x: u32,
    /// South, from the northern edge.
    pub y: u32,
}

impl WorldPoint {
    /// The position of a longitude and latitude in degrees (WGS 84); latitudes beyond Web
    /// Mercator's edge are clamped to it.
    pub fn from_lon_lat(lon: f64, lat: f64) -> WorldPoint {
        let x = (lon + 180.0) / 360.0 * WORLD;
        let sin = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians().sin();
        let y = (0.5 - ((1.0 + sin) / (1.0 - sin)).ln() / (4.0 * PI)) * WORLD;
        WorldPoint {
            x: to_unit(x),
            y: to_unit(y),
        }
    }

    /// Latitude in degrees.
    pub fn latitude(self) -> f64 {
        let n = PI * (1.0 - 2.0 * f64::from(self.y) / WORLD);
        n.sinh().atan().to_degrees()
    }

    /// Longitude in degrees.
    pub fn longitude(self) -> f64 {
        f64::from(self.x) / WORLD * 360.0 - 180.0
    }

    /// Position units per metre on the ground here (Mercator stretches by 1/cos(latitude)).
    pub fn units_per_metre(self) -> f64 {
        WORLD / (EARTH_CIRCUMFERENCE_M * self.latitude().to_radians().cos())
    }

    /// The Morton key: x's bits at the odd positions, y's at the even ones.
    pub fn morton(self) -> u64 {
        (spread(self.x) << 1) | spread(self.y)
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_unit(v: f64) -> u32 {
    // Saturating float-to-int conversion; NaN becomes 0.
    v.floor().clamp(0.0, WORLD - 1.0) as u32
}

/// Puts the bits of `v` at the even positions of a u64.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// An XYZ tile (x east from the antimeridian, y south from the north edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
}

impl TileId {
    /// Checks a requested address against `max_zoom` (itself at most [`MAX_TILE_ZOOM`]).
    pub fn new(z: u32, x: u64, y: u64, max_zoom: u8) -> Result<TileId, TileError> {
        let max = max_zoom.min(MAX_TILE_ZOOM);
        let z = u8::try_from(z)
            .ok()
            .filter(|z| *z <= max)
            .ok_or(TileError::ZoomTooDeep { z, max })?;
        let last = (1u64 << z) - 1;
        if x > last || y > last {
            return Err(TileError::OutOfRange { z, x, y, last });
        }
        // Both fit: last < 2³⁰.
        Ok(TileId {
            z,
            x: u32::try_from(x).unwrap_or(u32::MAX),
            y: u32::try_from(y).unwrap_or(u32::MAX),
        })
    }

    /// The tile of zoom `z` (at most 32) that holds `p`.
    pub fn containing(p: WorldPoint, z: u8) -> TileId {
        let shift = 32 - u32::from(z.min(32));
        TileId {
            z,
            x: shift_down(p.x, shift),
            y: shift_down(p.y, shift),
        }
    }

    /// Side of the tile in position units.
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.z))
    }

    /// North-west corner in position units.
    pub fn origin(self) -> (u64, u64) {
        let size = self.size();
        (u64::from(self.x) * size, u64::from(self.y) * size)
    }

    /// Whether `p` lies in the tile (west and north edges in, east and south edges out).
    pub fn contains(self, p: WorldPoint) -> bool {
        TileId::containing(p, self.z) == self
    }

    /// The Morton keys of every position in the tile.
    pub fn morton_range(self) -> RangeInclusive<u64> {
        let free_bits = 64 - 2 * u32::from(self.z);
        let prefix = (spread(self.x) << 1) | spread(self.y);
        let start = prefix.checked_shl(free_bits).unwrap_or(0);
        let span = 1u64.checked_shl(free_bits).map_or(u64::MAX, |s| s - 1);
        start..=start | span
    }

    /// The four tiles of the next zoom, in Morton order.
    pub fn children(self) -> [TileId; 4] {
        let (z, x, y) = (self.z + 1, self.x * 2, self.y * 2);
        [
            TileId { z, x, y },
            TileId { z, x, y: y + 1 },
            TileId { z, x: x + 1, y },
            TileId {
                z,
                x: x + 1,
                y: y + 1,
            },
        ]
    }

    /// West, south, east, north edges in degrees.
    pub fn bounds_lon_lat(self) -> [f64; 4] {
        let (x0, y0) = self.origin();
        let size = self.size();
        let lon = |x: u64| x as f64 / WORLD * 360.0 - 180.0;
        let lat = |y: u64| {
            let n = PI * (1.0 - 2.0 * y as f64 / WORLD);
            n.sinh().atan().to_degrees()
        };
        [lon(x0), lat(y0 + size), lon(x0 + size), lat(y0)]
    }

    /// Converts a position (in possibly fractional or out-of-world units) to this tile's
    /// coordinates on a grid of `extent` units per side.
    pub fn to_tile_coords(self, x: f64, y: f64, extent: u32) -> (f64, f64) {
        let (x0, y0) = self.origin();
        let scale = f64::from(extent) / self.size() as f64;
        ((x - x0 as f64) * scale, (y - y0 as f64) * scale)
    }
}

fn shift_down(v: u32, shift: u32) -> u32 {
    v.checked_shr(shift).unwrap_or(0)
}

/// The tiles of zoom `z` that cover the box `[min, max]` (position units, clamped to the world).
pub fn tiles_covering(min: (f64, f64), max: (f64, f64), z: u8) -> impl Iterator<Item = TileId> {
    let size = (1u64 << (32 - u32::from(z))) as f64;
    let last = f64::from((1u32 << z) - 1);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let cell = move |v: f64| (v / size).floor().clamp(0.0, last) as u32;
    let (x0, x1, y0, y1) = (cell(min.0), cell(max.0), cell(min.1), cell(max.1));
    (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| TileId { z, x, y }))
}

/// The deepest zoom (at most `max`) whose tiles are at least `span` position units wide.
pub fn zoom_for_span(span: f64, max: u8) -> u8 {
    let mut z = max.min(31);
    while z > 0 && ((1u64 << (32 - u32::from(z))) as f64) < span {
        z -= 1;
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tiles() {
        // Concord, California at zoom 14 (checked against the OSM slippy-map formula).
        let p = WorldPoint::from_lon_lat(-122.03, 37.97);
        assert_eq!(
            TileId::containing(p, 14),
            TileId {
                z: 14,
                x: 2638,
                y: 6321
            }
        );
        assert_eq!(TileId::containing(p, 0), TileId { z: 0, x: 0, y: 0 });
        let back = (p.longitude(), p.latitude());
        assert!((back.0 + 122.03).abs() < 1e-6 && (back.1 - 37.97).abs() < 1e-6);
    }

    #[test]
    fn morton_ranges_nest_and_hold_their_points() {
        let p = WorldPoint::from_lon_lat(13.4, 52.5);
        for z in 0..=30u8 {
            let tile = TileId::containing(p, z);
            assert!(tile.morton_range().contains(&p.morton()), "z{z}");
            assert!(tile.contains(p));
            for child in tile.children() {
                let (parent, range) = (tile.morton_range(), child.morton_range());
                assert!(parent.start() <= range.start() && range.end() <= parent.end());
            }
        }
        assert_eq!(TileId { z: 0, x: 0, y: 0 }.morton_range(), 0..=u64::MAX);
    }

    #[test]
    fn children_are_in_morton_order() {
        let kids = TileId { z: 3, x: 5, y: 2 }.children();
        for pair in kids.windows(2) {
            assert!(pair[0].morton_range().end() < pair[1].morton_range().start());
        }
    }

    #[test]
    fn addresses_are_checked() {
        assert!(TileId::new(14, 2638, 6318, 22).is_ok());
        assert_eq!(
            TileId::new(23, 0, 0, 22),
            Err(TileError::ZoomTooDeep { z: 23, max: 22 })
        );
        assert!(matches!(
            TileId::new(2, 4, 0, 22),
            Err(TileError::OutOfRange { last: 3, .. })
        ));
        assert!(TileId::new(u32::MAX, 0, 0, 22).is_err());
    }

    #[test]
    fn bounds_and_cover() {
        let [w, s, e, n] = TileId { z: 1, x: 0, y: 0 }.bounds_lon_lat();
        assert_eq!((w, e), (-180.0, 0.0));
        assert!((n - MAX_LATITUDE).abs() < 1e-9 && s.abs() < 1e-9);
        let tile = TileId { z: 10, x: 5, y: 7 };
        let (x0, y0) = tile.origin();
        let size = tile.size() as f64;
        let covered: Vec<_> = tiles_covering(
            (x0 as f64 - 1.0, y0 as f64 + 1.0),
            (x0 as f64 + size, y0 as f64 + 2.0),
            10,
        )
        .collect();
        assert_eq!(covered.len(), 3);
        assert_eq!(zoom_for_span(size, 20), 10);
    }
}
