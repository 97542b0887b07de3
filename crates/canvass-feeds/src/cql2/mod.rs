//! CQL2 (OGC API – Features Part 3), text and JSON, parsed into the one
//! [`Filter`](crate::filter::Filter) tree.
//!
//! The subset the feeds answer: comparisons (`=`, `<>`, `<`, `<=`, `>`, `>=`) of a property
//! with a literal, the property on the left; `AND`/`OR`/`NOT` and parentheses; `[NOT] LIKE`,
//! `[NOT] IN`, `[NOT] BETWEEN`, `IS [NOT] NULL`; `S_INTERSECTS` of the geometry with a point,
//! a polygon (holes allowed) or a box — `BBOX(west, south, east, north)`, or
//! `ENVELOPE(west, east, north, south)` in the order of OGC CQL (07-006) — and
//! `T_AFTER`/`T_BEFORE`/`T_INTERSECTS` of `updated_at` with `TIMESTAMP(…)`, `DATE(…)` (the whole
//! day, UTC) or `INTERVAL(start, end)` (`'..'` for an open end). Anything else is refused with
//! [`QueryError::Unsupported`] or a syntax error that says where: a byte offset in text, a
//! JSON pointer in JSON.
//!
//! Both parsers are hand-written and bounded: the size is checked before anything is read, the
//! depth before each descent, and the nodes and vertices as they are built, so no input can
//! exhaust the stack or memory.

mod geometry;
mod json;
mod lexer;
pub(crate) mod literal;
mod nodes;
mod text;

#[cfg(test)]
mod tests;

pub use json::parse_cql2_json;
pub use text::parse_cql2_text;

use crate::error::QueryError;
use crate::filter::MAX_FILTER_BYTES;

/// The name of the features' geometry in filters (`S_INTERSECTS(geometry, …)`) and in
/// `/queryables`.
pub const GEOMETRY_PROPERTY: &str = "geometry";

/// Refuses a filter text longer than [`MAX_FILTER_BYTES`] before any of it is read.
fn check_size(text: &str) -> Result<(), QueryError> {
    if text.len() > MAX_FILTER_BYTES {
        return Err(QueryError::TooLarge(format!(
            "{} bytes long; at most {MAX_FILTER_BYTES} are accepted",
            text.len()
        )));
    }
    Ok(())
}

/// The error with where it happened added to its message (`at byte 17`, `at /args/1`).
fn located(error: QueryError, place: &str) -> QueryError {
    let at = |message: String| format!("{message} at {place}");
    match error {
        QueryError::BadValue { property, problem } => QueryError::BadValue {
            property,
            problem: at(problem),
        },
        QueryError::Syntax(message) => QueryError::Syntax(at(message)),
        QueryError::TooLarge(message) => QueryError::TooLarge(at(message)),
        QueryError::Unsupported(message) => QueryError::Unsupported(at(message)),
        QueryError::Geometry(message) => QueryError::Geometry(at(message)),
        // An unknown name is found by its name; the rest do not come from a filter.
        other => other,
    }
}
