//! Geometry for Canvass that needs no database: Web Mercator and XYZ tile math with a Morton
//! (Z-order) key that makes every tile a contiguous range of a sorted array, field-of-view
//! wedges, an encoder for Mapbox Vector Tiles 2.1, the one (E)WKB writer, and the checked
//! [`LonLat`] position.

mod lon_lat;
pub mod mvt;
pub mod tile;
pub mod wedge;
pub mod wkb;

pub use lon_lat::{LonLat, LonLatError};
pub use tile::{TileError, TileId, WorldPoint};
