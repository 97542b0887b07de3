//! The feature-query core that every feed of Canvass shares — OGC API Features today, WFS 2.0
//! and the GeoServices FeatureServer next, and `canvass export`.
//!
//! A front door turns its protocol's request into one [`FeatureQuery`]: the collection, one
//! [`Filter`] tree (its bbox, datetime, property equalities and CQL2 filter all folded in), the
//! sort, the chosen properties, a page size and a keyset [`cursor`]. Two executors answer it:
//! `canvass-tiles` over the in-memory index (the `cameras` collection, fast) and `canvass-db`
//! in SQL (contacts and exports, in a transaction with their audit row). Both read the same
//! tree, so both honour the same allow-list of [`Property`]s; a test runs random trees through
//! both and compares. Encoders write the features they produce.
//!
//! Nothing here knows HTTP or SQL text.

pub mod cql2;
pub mod crs;
pub mod cursor;
pub mod encode;
pub mod error;
mod eval;
pub mod feature;
pub mod filter;
pub mod page;
pub mod params;
pub mod query;
pub mod queryables;

pub use cql2::{GEOMETRY_PROPERTY, parse_cql2_json, parse_cql2_text};
pub use crs::{AxisOrder, Crs, Transform, envelope_to_crs84};
pub use cursor::{Cursor, CursorKey};
pub use encode::{CsvGeometry, EncodeError, FeatureSink, Format, Link, Output, PageInfo};
pub use error::QueryError;
pub use feature::{CameraFeature, ContactFields};
pub use filter::{CompareOp, Filter, Geometry, TemporalOp, TimeRange, Value};
pub use page::{Page, compare, page_of};
pub use params::{
    parse_bbox, parse_datetime, parse_limit, parse_properties, parse_sortby, property_equality,
};
pub use query::{FeatureQuery, SortKey};
pub use queryables::{Collection, Property, PropertyType};
