//! One page of an answer, from either executor.

use crate::cursor::Cursor;
use crate::feature::CameraFeature;

/// The features of one page and where the next starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The features, in the query's order.
    pub features: Vec<CameraFeature>,
    /// How many features match the whole query, when the executor knows it cheaply.
    pub number_matched: Option<u64>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}
