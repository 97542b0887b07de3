//! The query parameters OGC API Features, WFS and GeoServices share — `bbox`, `datetime`,
//! `sortby`, `properties`, `limit` and a property's equality — read from their text without
//! any protocol. Each front door passes its own spelling of the parameter's value here.

use crate::cql2::literal::{self, Literal, Number};
use crate::error::{QueryError, cut};
use crate::filter::{CompareOp, Filter, TimeRange};
use crate::query::{DEFAULT_LIMIT, MAX_LIMIT, SortKey};
use crate::queryables::{Collection, Property, PropertyType};

/// `bbox=west,south,east,north` (or 6 numbers with heights, which are dropped). The edges are
/// not range-checked here: a bbox may be in another CRS (`bbox-crs`), which the caller
/// transforms and checks.
pub fn parse_bbox(text: &str) -> Result<[f64; 4], QueryError> {
    let refuse = |problem: String| QueryError::Parameter {
        parameter: "bbox",
        problem,
    };
    let parts: Vec<&str> = text.split(',').take(7).collect();
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let number = Number::parse(part.trim())
            .map(|n| n.real)
            .filter(|n| n.is_finite())
            .ok_or_else(|| refuse(format!("{:?} is not a finite number", cut(part))))?;
        numbers.push(number);
    }
    let [min_x, min_y, max_x, max_y] = match numbers.as_slice() {
        &[a, b, c, d] | &[a, b, _, c, d, _] => [a, b, c, d],
        _ => {
            return Err(refuse(
                "expected 4 comma-separated numbers (west,south,east,north) or 6 with heights"
                    .to_owned(),
            ));
        }
    };
    if min_x > max_x || min_y > max_y {
        return Err(refuse("minimum larger than maximum".to_owned()));
    }
    Ok([min_x, min_y, max_x, max_y])
}

/// `datetime=`: an instant, a date (the whole day, UTC), or an interval `start/end` whose ends
/// may be open (`..`).
pub fn parse_datetime(text: &str) -> Result<TimeRange, QueryError> {
    literal::time_range(text).map_err(|problem| QueryError::Parameter {
        parameter: "datetime",
        problem,
    })
}

/// `sortby=+kind,-updated_at,id`: queryable properties, `-` for descending (`+` or nothing for
/// ascending). A list property cannot be sorted, and a property is named once.
pub fn parse_sortby(collection: Collection, text: &str) -> Result<Vec<SortKey>, QueryError> {
    let refuse = |problem: String| QueryError::Parameter {
        parameter: "sortby",
        problem,
    };
    let mut keys: Vec<SortKey> = Vec::new();
    for item in text.split(',') {
        // A `+` arrives as a space when the caller did not percent-encode it.
        let item = item.trim();
        let (name, descending) = match item.strip_prefix('-') {
            Some(name) => (name, true),
            None => (item.strip_prefix('+').unwrap_or(item), false),
        };
        if name.is_empty() {
            return Err(refuse(
                "expected property names separated by commas".to_owned(),
            ));
        }
        let property = collection.property(name)?;
        if !property.queryable() {
            return Err(refuse(format!(
                "{property} cannot be sorted: it is stored sealed"
            )));
        }
        if matches!(property.value_type(), PropertyType::EnumList(_)) {
            return Err(refuse(format!("{property} is a list and cannot be sorted")));
        }
        if keys.iter().any(|k| k.property == property) {
            return Err(refuse(format!("{property} is named twice")));
        }
        keys.push(SortKey {
            property,
            descending,
        });
    }
    Ok(keys)
}

/// `properties=kind,views`: the properties to output, in the order given, each once. An empty
/// value asks for none (only the id and the geometry).
pub fn parse_properties(collection: Collection, text: &str) -> Result<Vec<Property>, QueryError> {
    let mut chosen: Vec<Property> = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let property = collection.property(name)?;
        if !chosen.contains(&property) {
            chosen.push(property);
        }
    }
    Ok(chosen)
}

/// `limit=`: the page size, [`DEFAULT_LIMIT`] when absent, 1 to [`MAX_LIMIT`].
pub fn parse_limit(text: Option<&str>) -> Result<u32, QueryError> {
    let Some(text) = text else {
        return Ok(DEFAULT_LIMIT);
    };
    let refuse = || QueryError::Parameter {
        parameter: "limit",
        problem: format!(
            "must be a whole number from 1 to {MAX_LIMIT} (the most one page holds), not {:?}",
            cut(text)
        ),
    };
    let all_digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !all_digits {
        return Err(refuse());
    }
    match text.parse::<u32>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(refuse()),
    }
}

/// `?placement=exterior`: the property equals the value (for `views`: includes it). The value
/// is read as the property's type: a number for numbers, a date, an instant, or a word of the
/// closed set.
pub fn property_equality(
    collection: Collection,
    name: &str,
    value: &str,
) -> Result<Filter, QueryError> {
    let property = collection.property(name)?;
    if !property.queryable() {
        return Err(QueryError::BadValue {
            property: property.name(),
            problem: "cannot be filtered or sorted: it is stored sealed".to_owned(),
        });
    }
    let literal = match property.value_type() {
        PropertyType::Integer | PropertyType::Number => Number::parse(value.trim())
            .map(Literal::Number)
            .ok_or_else(|| QueryError::BadValue {
                property: property.name(),
                problem: format!("expected a number, got {:?}", cut(value)),
            })?,
        _ => Literal::Text(value.to_owned()),
    };
    Ok(Filter::Compare {
        property,
        op: CompareOp::Eq,
        value: literal::value_of(property, literal)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Value;
    use chrono::{DateTime, Utc};

    fn parameter(result: Result<impl std::fmt::Debug, QueryError>) -> String {
        match result {
            Err(e @ QueryError::Parameter { .. }) => e.to_string(),
            other => panic!("expected a parameter error, got {other:?}"),
        }
    }

    #[test]
    fn bboxes() {
        assert_eq!(
            parse_bbox("-122.1,37.9,-122,38"),
            Ok([-122.1, 37.9, -122.0, 38.0])
        );
        assert_eq!(parse_bbox(" 1, 2, 3, 4 "), Ok([1.0, 2.0, 3.0, 4.0]));
        assert_eq!(parse_bbox("1,2,-10,3,4,10"), Ok([1.0, 2.0, 3.0, 4.0]));
        // Other CRSs have other ranges: metres pass.
        assert_eq!(
            parse_bbox("6000000,2000000,6100000,2100000"),
            Ok([6e6, 2e6, 6.1e6, 2.1e6])
        );
        assert_eq!(
            parameter(parse_bbox("3,2,1,4")),
            "bbox: minimum larger than maximum"
        );
        assert_eq!(
            parameter(parse_bbox("1,4,3,2")),
            "bbox: minimum larger than maximum"
        );
        assert!(parameter(parse_bbox("1,2,3")).contains("expected 4"));
        assert!(parameter(parse_bbox("1,2,3,4,5")).contains("expected 4"));
        assert!(parameter(parse_bbox(&"1,".repeat(100_000))).contains("expected 4"));
        assert!(parameter(parse_bbox("1,2,3,x")).contains("\"x\" is not a finite number"));
        assert!(parameter(parse_bbox("1,2,3,inf")).contains("not a finite number"));
        assert!(parameter(parse_bbox("1,2,3,1e999")).contains("not a finite number"));
    }

    #[test]
    fn datetimes() {
        let t = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
        let instant = parse_datetime("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(
            (instant.start, instant.end),
            (t("2024-05-01T12:00:00Z"), t("2024-05-01T12:00:00Z"))
        );
        let day = parse_datetime("2024-05-01").unwrap();
        assert_eq!(day.start, t("2024-05-01T00:00:00Z"));
        assert_eq!(day.end, t("2024-05-01T23:59:59.999999999Z"));
        let until = parse_datetime("../2024-05-01T12:00:00Z").unwrap();
        assert_eq!((until.start, until.end), (None, t("2024-05-01T12:00:00Z")));
        let since = parse_datetime("2024-05-01T12:00:00Z/..").unwrap();
        assert_eq!((since.start, since.end), (t("2024-05-01T12:00:00Z"), None));
        let both = parse_datetime("2024-05-01/2024-05-02").unwrap();
        assert_eq!(
            (both.start, both.end),
            (
                t("2024-05-01T00:00:00Z"),
                t("2024-05-02T23:59:59.999999999Z")
            )
        );
        assert!(parameter(parse_datetime("2024-05-02/2024-05-01")).starts_with("datetime: "));
        assert!(parameter(parse_datetime("tomorrow")).starts_with("datetime: "));
        assert!(parameter(parse_datetime("2024-13-01")).starts_with("datetime: "));
    }

    #[test]
    fn sort_keys() {
        let key = |property, descending| SortKey {
            property,
            descending,
        };
        assert_eq!(
            parse_sortby(Collection::Cameras, "+kind,-updated_at,id"),
            Ok(vec![
                key(Property::Kind, false),
                key(Property::UpdatedAt, true),
                key(Property::Id, false)
            ])
        );
        assert_eq!(
            parse_sortby(Collection::Cameras, " range_m"),
            Ok(vec![key(Property::RangeM, false)])
        );
        assert!(parameter(parse_sortby(Collection::Cameras, "views")).contains("is a list"));
        assert!(parameter(parse_sortby(Collection::Cameras, "kind,-kind")).contains("twice"));
        assert!(parameter(parse_sortby(Collection::Cameras, "kind,")).contains("separated"));
        assert!(parameter(parse_sortby(Collection::CameraContacts, "email")).contains("sealed"));
        assert!(matches!(
            parse_sortby(Collection::Cameras, "address"),
            Err(QueryError::UnknownProperty { .. })
        ));
    }

    #[test]
    fn property_lists() {
        assert_eq!(
            parse_properties(Collection::CameraContacts, "kind, email,kind"),
            Ok(vec![Property::Kind, Property::Email])
        );
        assert_eq!(parse_properties(Collection::Cameras, ""), Ok(vec![]));
        assert!(parse_properties(Collection::Cameras, "kind,email").is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None), Ok(DEFAULT_LIMIT));
        assert_eq!(parse_limit(Some("1")), Ok(1));
        assert_eq!(parse_limit(Some("10000")), Ok(MAX_LIMIT));
        assert_eq!(
            parameter(parse_limit(Some("100000000"))),
            "limit: must be a whole number from 1 to 10000 (the most one page holds), not \"100000000\""
        );
        for bad in [
            "0",
            "10001",
            "-1",
            "+5",
            "1.5",
            "",
            "ten",
            "99999999999999999999999",
        ] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn equalities() {
        assert_eq!(
            property_equality(Collection::Cameras, "placement", "exterior"),
            Ok(Filter::Compare {
                property: Property::Placement,
                op: CompareOp::Eq,
                value: Value::Text("exterior".into())
            })
        );
        assert_eq!(
            property_equality(Collection::Cameras, "retention_days", "30"),
            Ok(Filter::Compare {
                property: Property::RetentionDays,
                op: CompareOp::Eq,
                value: Value::Integer(30)
            })
        );
        assert!(property_equality(Collection::Cameras, "views", "street").is_ok());
        assert!(property_equality(Collection::Cameras, "verified_on", "2024-05-01").is_ok());
        let bad = property_equality(Collection::Cameras, "placement", "roof").unwrap_err();
        assert!(
            bad.to_string().starts_with("placement: expected one of"),
            "{bad}"
        );
        assert!(property_equality(Collection::Cameras, "retention_days", "a week").is_err());
        assert!(property_equality(Collection::Cameras, "email", "x").is_err());
        assert!(property_equality(Collection::CameraContacts, "email", "x").is_err());
    }
}
