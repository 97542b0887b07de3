//! Geometry for Canvass that needs no database: Web Mercator and XYZ tile math with a Morton
//! (Z-order) key that makes every tile a contiguous range of a sorted array, field-of-view
//! wedges, an encoder for Mapbox Vector Tiles 2.1 and the one (E)WKB writer.

pub mod mvt;
pub mod tile;
pub mod wedge;
pub mod wkb;

pub use tile::{TileError, TileId, WorldPoint};
