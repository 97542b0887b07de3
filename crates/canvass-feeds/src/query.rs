//! The protocol-free query every front door builds and every executor answers.

use crate::filter::Filter;
use crate::queryables::{Collection, Property};

/// Features per page when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 100;
/// Most features one page may hold.
pub const MAX_LIMIT: u32 = 10_000;

/// One query of one collection.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureQuery {
    /// The collection asked.
    pub collection: Collection,
    /// Every condition (bbox, datetime, property equalities, CQL2) as one tree.
    pub filter: Option<Filter>,
    /// Sort keys, most significant first; the feature id always breaks ties last, ascending,
    /// so that a keyset cursor names exactly one position.
    pub sort: Vec<SortKey>,
    /// The properties to output; `None` for all of the collection's.
    pub properties: Option<Vec<Property>>,
    /// Features per page, 1..=[`MAX_LIMIT`]; `None` for the whole result (exports).
    pub limit: Option<u32>,
}

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// The property sorted on (queryable, not a list).
    pub property: Property,
    /// Largest first.
    pub descending: bool,
}
