//! Building checked filter nodes: every property resolved through the collection's allow-list,
//! every operator checked against the property's type, and every node and vertex counted
//! against the limits of [`crate::filter`]. Both CQL2 encodings build their trees only here.

use crate::cql2::literal::{Literal, value_of};
use crate::error::QueryError;
use crate::filter::{
    CompareOp, Filter, Geometry, MAX_DEPTH, MAX_NODES, MAX_VERTICES, TemporalOp, TimeRange, Value,
};
use crate::queryables::{Collection, Property, PropertyType};

/// Builds the nodes of one filter and keeps its counts.
#[derive(Debug)]
pub(crate) struct Builder {
    collection: Collection,
    nodes: usize,
    vertices: usize,
}

/// Refuses nesting deeper than [`MAX_DEPTH`]; parsers call it before they descend, so that
/// hostile nesting stops here rather than on the stack.
pub(crate) fn check_depth(depth: usize) -> Result<(), QueryError> {
    if depth > MAX_DEPTH {
        return Err(QueryError::TooLarge(format!(
            "nested more than {MAX_DEPTH} levels deep"
        )));
    }
    Ok(())
}

impl Builder {
    /// A builder for a filter of `collection`.
    pub(crate) fn new(collection: Collection) -> Builder {
        Builder {
            collection,
            nodes: 0,
            vertices: 0,
        }
    }

    /// Counts `count` more nodes.
    fn count(&mut self, count: usize) -> Result<(), QueryError> {
        self.nodes += count;
        if self.nodes > MAX_NODES {
            return Err(QueryError::TooLarge(format!(
                "more than {MAX_NODES} operators, properties and values"
            )));
        }
        Ok(())
    }

    /// Counts one more vertex of the filter's geometries.
    pub(crate) fn vertex(&mut self) -> Result<(), QueryError> {
        self.vertices += 1;
        if self.vertices > MAX_VERTICES {
            return Err(QueryError::Geometry(format!(
                "the filter's geometries have more than {MAX_VERTICES} vertices"
            )));
        }
        Ok(())
    }

    /// The queryable property a filter names.
    pub(crate) fn property(&mut self, name: &str) -> Result<Property, QueryError> {
        let property = self.collection.property(name)?;
        if !property.queryable() {
            return Err(QueryError::BadValue {
                property: property.name(),
                problem: "cannot be filtered or sorted: it is stored sealed".to_owned(),
            });
        }
        self.count(1)?;
        Ok(property)
    }

    /// A literal as a value of the property's type.
    pub(crate) fn value(
        &mut self,
        property: Property,
        literal: Literal,
    ) -> Result<Value, QueryError> {
        self.count(1)?;
        value_of(property, literal)
    }

    /// `property op value`.
    pub(crate) fn compare(
        &mut self,
        property: Property,
        op: CompareOp,
        value: Value,
    ) -> Result<Filter, QueryError> {
        if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
            ordered(property)?;
        }
        self.count(1)?;
        Ok(Filter::Compare {
            property,
            op,
            value,
        })
    }

    /// `property LIKE pattern`.
    pub(crate) fn like(
        &mut self,
        property: Property,
        pattern: Literal,
    ) -> Result<Filter, QueryError> {
        let refuse = |problem: &str| QueryError::BadValue {
            property: property.name(),
            problem: problem.to_owned(),
        };
        match property.value_type() {
            PropertyType::Text | PropertyType::Enum(_) => {}
            PropertyType::EnumList(_) => {
                return Err(refuse("is a list: LIKE does not apply; use = or IN"));
            }
            _ => return Err(refuse("is not text: LIKE applies to text properties only")),
        }
        let Literal::Text(pattern) = pattern else {
            return Err(refuse("LIKE takes a pattern in quotes"));
        };
        if ends_in_escape(&pattern) {
            return Err(refuse(
                "the LIKE pattern ends with the escape character \\; write \\\\ for a backslash",
            ));
        }
        self.count(2)?;
        Ok(Filter::Like { property, pattern })
    }

    /// `property IN (values…)`.
    pub(crate) fn in_list(
        &mut self,
        property: Property,
        values: Vec<Value>,
    ) -> Result<Filter, QueryError> {
        if values.is_empty() {
            return Err(QueryError::BadValue {
                property: property.name(),
                problem: "IN needs at least one value".to_owned(),
            });
        }
        self.count(1)?;
        Ok(Filter::In { property, values })
    }

    /// `property BETWEEN low AND high`.
    pub(crate) fn between(
        &mut self,
        property: Property,
        low: Value,
        high: Value,
    ) -> Result<Filter, QueryError> {
        ordered(property)?;
        self.count(1)?;
        Ok(Filter::Between {
            property,
            low,
            high,
        })
    }

    /// `property IS NULL`.
    pub(crate) fn is_null(&mut self, property: Property) -> Result<Filter, QueryError> {
        self.count(1)?;
        Ok(Filter::IsNull(property))
    }

    /// `S_INTERSECTS(geometry, …)`.
    pub(crate) fn intersects(&mut self, geometry: Geometry) -> Result<Filter, QueryError> {
        self.count(2)?;
        Ok(Filter::Intersects(geometry))
    }

    /// `T_AFTER`, `T_BEFORE` or `T_INTERSECTS` of a property and a time.
    pub(crate) fn temporal(
        &mut self,
        property: Property,
        op: TemporalOp,
        at: TimeRange,
    ) -> Result<Filter, QueryError> {
        if property != Property::UpdatedAt {
            return Err(QueryError::BadValue {
                property: property.name(),
                problem: "temporal operators (T_AFTER, T_BEFORE, T_INTERSECTS) apply to \
                          updated_at only; compare dates with <, >= or BETWEEN"
                    .to_owned(),
            });
        }
        self.count(2)?;
        Ok(Filter::Temporal { op, at })
    }

    /// `NOT inner`.
    pub(crate) fn not(&mut self, inner: Filter) -> Result<Filter, QueryError> {
        self.count(1)?;
        Ok(Filter::Not(Box::new(inner)))
    }

    /// All of `parts` (one part stands alone).
    pub(crate) fn and(&mut self, parts: Vec<Filter>) -> Result<Filter, QueryError> {
        self.join(parts, Filter::And)
    }

    /// Any of `parts` (one part stands alone).
    pub(crate) fn or(&mut self, parts: Vec<Filter>) -> Result<Filter, QueryError> {
        self.join(parts, Filter::Or)
    }

    fn join(
        &mut self,
        mut parts: Vec<Filter>,
        node: fn(Vec<Filter>) -> Filter,
    ) -> Result<Filter, QueryError> {
        if parts.len() == 1 {
            return Ok(parts.remove(0));
        }
        self.count(1)?;
        Ok(node(parts))
    }
}

/// Refuses order comparisons (`<`, `BETWEEN`, …) on properties without an order. Parsers
/// call it before they read the values, so that the operator is what a message names.
pub(crate) fn ordered(property: Property) -> Result<(), QueryError> {
    let problem = match property.value_type() {
        PropertyType::EnumList(_) => {
            "is a list: use = or <> (includes, does not include) or IN; it has no order"
        }
        PropertyType::Enum(_) => "is one of a set of words without an order: use =, <>, IN or LIKE",
        _ => return Ok(()),
    };
    Err(QueryError::BadValue {
        property: property.name(),
        problem: problem.to_owned(),
    })
}

/// Whether a LIKE pattern ends in an escape character that escapes nothing.
fn ends_in_escape(pattern: &str) -> bool {
    let trailing = pattern.bytes().rev().take_while(|&b| b == b'\\').count();
    trailing % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_and_unknown_properties_are_refused() {
        let mut builder = Builder::new(Collection::CameraContacts);
        assert_eq!(builder.property("address"), Ok(Property::Address));
        let sealed = builder.property("email").unwrap_err();
        assert_eq!(
            sealed.to_string(),
            "email: cannot be filtered or sorted: it is stored sealed"
        );
        let mut cameras = Builder::new(Collection::Cameras);
        assert!(matches!(
            cameras.property("address"),
            Err(QueryError::UnknownProperty { .. })
        ));
    }

    #[test]
    fn operators_fit_the_property_type() {
        let mut b = Builder::new(Collection::Cameras);
        let street = Value::Text("street".into());
        assert!(
            b.compare(Property::Views, CompareOp::Eq, street.clone())
                .is_ok()
        );
        assert!(
            b.compare(Property::Views, CompareOp::Ne, street.clone())
                .is_ok()
        );
        let list = b.compare(Property::Views, CompareOp::Lt, street.clone());
        assert!(list.unwrap_err().to_string().contains("is a list"));
        assert!(
            b.between(Property::Views, street.clone(), street.clone())
                .is_err()
        );
        let word = Value::Text("business".into());
        let unordered = b.compare(Property::Kind, CompareOp::Ge, word.clone());
        assert!(
            unordered
                .unwrap_err()
                .to_string()
                .contains("without an order")
        );
        assert!(b.like(Property::Views, Literal::Text("s%".into())).is_err());
        assert!(
            b.like(Property::RangeM, Literal::Text("1%".into()))
                .is_err()
        );
        assert!(b.like(Property::Kind, Literal::Text("bus%".into())).is_ok());
        assert!(
            b.like(Property::Kind, Literal::Text("bus\\".into()))
                .is_err()
        );
        assert!(
            b.like(Property::Kind, Literal::Text("bus\\\\".into()))
                .is_ok()
        );
        assert!(b.in_list(Property::Kind, vec![]).is_err());
        let range = TimeRange {
            start: None,
            end: None,
        };
        assert!(
            b.temporal(Property::VerifiedOn, TemporalOp::After, range)
                .is_err()
        );
        assert!(
            b.temporal(Property::UpdatedAt, TemporalOp::After, range)
                .is_ok()
        );
    }

    #[test]
    fn counts_are_bounded() {
        let mut b = Builder::new(Collection::Cameras);
        let refused = (0..=MAX_NODES).try_for_each(|_| b.is_null(Property::FovDeg).map(drop));
        assert!(matches!(refused, Err(QueryError::TooLarge(_))));
        let refused = (0..=MAX_VERTICES).try_for_each(|_| b.vertex());
        assert!(matches!(refused, Err(QueryError::Geometry(_))));
        assert!(check_depth(MAX_DEPTH).is_ok());
        assert!(matches!(
            check_depth(MAX_DEPTH + 1),
            Err(QueryError::TooLarge(_))
        ));
    }
}
