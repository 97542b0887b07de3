//! What is wrong with a query, said so that the caller can fix it. Every variant is the
//! caller's mistake (a 400 at an HTTP front door); none carries personal data.

/// Why a query cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// A property that is not a queryable of the collection.
    #[error("{property:?} is not a queryable of {collection}; see its /queryables")]
    UnknownProperty {
        /// The collection asked.
        collection: &'static str,
        /// The name given, cut to 64 characters.
        property: String,
    },
    /// A value that does not fit the property's type or its allowed values.
    #[error("{property}: {problem}")]
    BadValue {
        /// The property compared.
        property: &'static str,
        /// What is wrong with the value.
        problem: String,
    },
    /// A filter expression that does not parse.
    #[error("filter: {0}")]
    Syntax(String),
    /// A filter larger or deeper than a query may be.
    #[error("filter: {0}")]
    TooLarge(String),
    /// An operator or function the feeds do not support.
    #[error("filter: {0} is not supported")]
    Unsupported(String),
    /// A geometry that is not usable (not closed, out of range, too many vertices).
    #[error("geometry: {0}")]
    Geometry(String),
    /// A paging cursor that was not issued by this server for this query.
    #[error(
        "the cursor is not one this server issued for this query; start again from the first page"
    )]
    Cursor,
    /// A limit, bbox, datetime or other parameter out of range.
    #[error("{parameter}: {problem}")]
    Parameter {
        /// The parameter's name.
        parameter: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A coordinate reference system PROJ does not know or cannot use here.
    #[error("crs {0:?} is not a coordinate reference system this server can use")]
    Crs(String),
}

/// Cuts caller-supplied text before it goes into an error message, so that hostile input
/// cannot make an answer or a log line large.
pub fn cut(text: &str) -> String {
    text.chars().take(64).collect()
}
