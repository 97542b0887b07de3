//! Keyset cursors: where the next page starts, as the sort values and id of the last feature
//! of the page before. The last page of a million then costs what the first does.
//!
//! The text form handed to callers is sealed (see the sealing functions below), so that a
//! cursor that was changed, or issued for another query, is refused rather than obeyed.

use crate::filter::Value;

/// The position after the last feature of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The last feature's value of each sort key, in the query's sort order (`None` for null).
    pub values: Vec<Option<Value>>,
    /// The last feature's id (the final tie-breaker).
    pub id: i64,
}
