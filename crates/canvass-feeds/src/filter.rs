//! The one filter tree. Every way a caller narrows a query — a bbox, a datetime, a property
//! equality in the URL, a CQL2 text or JSON filter, later a WFS FES filter or a GeoServices
//! `where` — becomes this tree, with every property checked against the collection's
//! allow-list and every literal already converted to the property's type. Executors therefore
//! never see a name or a value they have not been told about.

use canvass_geo::LonLat;
use chrono::{DateTime, NaiveDate, Utc};

use crate::queryables::Property;

/// Most nodes a filter tree may have (operators, properties and literals together).
pub const MAX_NODES: usize = 2_000;
/// Deepest nesting of a filter tree.
pub const MAX_DEPTH: usize = 64;
/// Longest filter text (CQL2 text or JSON) accepted, in bytes.
pub const MAX_FILTER_BYTES: usize = 64 * 1024;
/// Most vertices of all geometries of one filter together.
pub const MAX_VERTICES: usize = 10_000;

/// A condition on a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every one holds (an empty list holds).
    And(Vec<Filter>),
    /// At least one holds.
    Or(Vec<Filter>),
    /// It does not hold.
    Not(Box<Filter>),
    /// `property op value`. On a list property (`views`), `=` means "includes" and `<>`
    /// "does not include"; order comparisons are refused for lists at parse time.
    Compare {
        /// The property compared.
        property: Property,
        /// The comparison.
        op: CompareOp,
        /// The literal, of the property's type.
        value: Value,
    },
    /// `property LIKE pattern` on a text or enum property: `%` any run, `_` one character,
    /// `\` escapes the next character. Case-sensitive, as CQL2 says.
    Like {
        /// The property matched.
        property: Property,
        /// The pattern as given.
        pattern: String,
    },
    /// `property IN (values…)`: equal to one of them (on a list: includes one of them).
    In {
        /// The property.
        property: Property,
        /// The literals, of the property's type; at least one.
        values: Vec<Value>,
    },
    /// `property BETWEEN low AND high`, both ends included.
    Between {
        /// The property.
        property: Property,
        /// The lower end.
        low: Value,
        /// The upper end.
        high: Value,
    },
    /// `property IS NULL`.
    IsNull(Property),
    /// `S_INTERSECTS(geometry, …)`: the camera's position lies in or on the geometry
    /// (in CRS84; a front door transforms other CRSs first).
    Intersects(Geometry),
    /// A temporal test of the entry's last change (`updated_at`).
    Temporal {
        /// The test.
        op: TemporalOp,
        /// The instant or interval compared with.
        at: TimeRange,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A typed literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A whole number.
    Integer(i64),
    /// A finite real number.
    Number(f64),
    /// Text, or one word of a closed set.
    Text(String),
    /// A calendar day.
    Date(NaiveDate),
    /// An instant.
    Timestamp(DateTime<Utc>),
}

/// A geometry to test positions against, in CRS84 degrees.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// A point: matches a camera exactly there (to the index's centimetre).
    Point(LonLat),
    /// An envelope: west, south, east, north; west ≤ east, south ≤ north.
    Envelope([f64; 4]),
    /// A polygon: outer ring first, then holes; each ring closed (first = last), ≥ 4 points.
    Polygon(Vec<Vec<LonLat>>),
}

/// A time interval; an open end is `None` (`..` in CQL2 and in `datetime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// The first instant, included.
    pub start: Option<DateTime<Utc>>,
    /// The last instant, included.
    pub end: Option<DateTime<Utc>>,
}

/// A temporal operator on the last change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemporalOp {
    /// `T_AFTER`: changed after the range's end.
    After,
    /// `T_BEFORE`: changed before the range's start.
    Before,
    /// `T_INTERSECTS` (and `datetime=`): changed within the range.
    Intersects,
}

impl Filter {
    /// Several conditions that must all hold, flattened; `None` when there are none.
    pub fn all(parts: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        let mut flat = Vec::new();
        for part in parts {
            match part {
                Filter::And(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(Filter::And(flat)),
        }
    }

    /// An envelope every matching position lies in, when the tree says so (an `Intersects`
    /// at the top or under an `And`): an executor's spatial index starts there.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        match self {
            Filter::Intersects(geometry) => Some(geometry.envelope()),
            Filter::And(parts) => parts.iter().filter_map(Filter::bounds).reduce(
                |[w1, s1, e1, n1], [w2, s2, e2, n2]| {
                    [w1.max(w2), s1.max(s2), e1.min(e2), n1.min(n2)]
                },
            ),
            _ => None,
        }
    }
}

impl Geometry {
    /// The smallest envelope around it.
    pub fn envelope(&self) -> [f64; 4] {
        match self {
            Geometry::Point(p) => [p.lon(), p.lat(), p.lon(), p.lat()],
            Geometry::Envelope(e) => *e,
            Geometry::Polygon(rings) => rings.iter().flatten().fold(
                [
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ],
                |[w, s, e, n], p| {
                    [
                        w.min(p.lon()),
                        s.min(p.lat()),
                        e.max(p.lon()),
                        n.max(p.lat()),
                    ]
                },
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_intersect_the_boxes_under_an_and() {
        let a = Filter::Intersects(Geometry::Envelope([0.0, 0.0, 10.0, 10.0]));
        let b = Filter::Intersects(Geometry::Envelope([5.0, -5.0, 20.0, 8.0]));
        let kind = Filter::IsNull(Property::FacingDeg);
        let and = Filter::all([a.clone(), kind.clone(), b]);
        assert_eq!(and.and_then(|f| f.bounds()), Some([5.0, 0.0, 10.0, 8.0]));
        assert_eq!(Filter::Or(vec![a, kind]).bounds(), None);
    }
}
