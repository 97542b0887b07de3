//! The CQL2 parsers, text and JSON side by side: each operator, precedence, the typing rules,
//! and hostile input.

use canvass_geo::LonLat;
use chrono::{DateTime, NaiveDate, Utc};

use super::{parse_cql2_json, parse_cql2_text};
use crate::error::QueryError;
use crate::filter::{
    CompareOp, Filter, Geometry, MAX_DEPTH, MAX_FILTER_BYTES, TemporalOp, TimeRange, Value,
};
use crate::queryables::{Collection, Property};

fn text(filter: &str) -> Result<Filter, QueryError> {
    parse_cql2_text(Collection::Cameras, filter)
}

fn json(filter: &str) -> Result<Filter, QueryError> {
    parse_cql2_json(Collection::Cameras, filter)
}

/// Parses CQL2 text that must be valid.
fn tree(filter: &str) -> Filter {
    text(filter).unwrap_or_else(|e| panic!("{filter}: {e}"))
}

/// Parses CQL2 text and JSON that must give the same tree.
fn both(filter: &str, json_filter: &str) -> Filter {
    let from_text = tree(filter);
    let from_json = json(json_filter).unwrap_or_else(|e| panic!("{json_filter}: {e}"));
    assert_eq!(from_text, from_json, "{filter} and {json_filter}");
    from_text
}

/// The message of an error, checked to be of the expected kind.
fn message(result: Result<Filter, QueryError>, kind: fn(&QueryError) -> bool) -> String {
    match result {
        Err(e) if kind(&e) => e.to_string(),
        other => panic!("unexpected {other:?}"),
    }
}

fn syntax(e: &QueryError) -> bool {
    matches!(e, QueryError::Syntax(_))
}

fn too_large(e: &QueryError) -> bool {
    matches!(e, QueryError::TooLarge(_))
}

fn bad_value(e: &QueryError) -> bool {
    matches!(e, QueryError::BadValue { .. })
}

fn geometry_error(e: &QueryError) -> bool {
    matches!(e, QueryError::Geometry(_))
}

fn unsupported(e: &QueryError) -> bool {
    matches!(e, QueryError::Unsupported(_))
}

fn compare(property: Property, op: CompareOp, value: Value) -> Filter {
    Filter::Compare {
        property,
        op,
        value,
    }
}

fn word(w: &str) -> Value {
    Value::Text(w.to_owned())
}

fn kind_is(w: &str) -> Filter {
    compare(Property::Kind, CompareOp::Eq, word(w))
}

fn at(lon: f64, lat: f64) -> LonLat {
    LonLat::new(lon, lat).unwrap()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[test]
fn comparisons() {
    let ops = [
        ("=", CompareOp::Eq),
        ("<>", CompareOp::Ne),
        ("<", CompareOp::Lt),
        ("<=", CompareOp::Le),
        (">", CompareOp::Gt),
        (">=", CompareOp::Ge),
    ];
    for (spelling, op) in ops {
        assert_eq!(
            both(
                &format!("range_m {spelling} 12.5"),
                &format!(r#"{{"op": "{spelling}", "args": [{{"property": "range_m"}}, 12.5]}}"#)
            ),
            compare(Property::RangeM, op, Value::Number(12.5))
        );
    }
    assert_eq!(
        tree("retention_days>=30"),
        compare(Property::RetentionDays, CompareOp::Ge, Value::Integer(30))
    );
    assert_eq!(
        tree("id = -4"),
        compare(Property::Id, CompareOp::Eq, Value::Integer(-4))
    );
    assert_eq!(
        both(
            "verified_on < DATE('2024-05-01')",
            r#"{"op": "<", "args": [{"property": "verified_on"}, {"date": "2024-05-01"}]}"#
        ),
        compare(
            Property::VerifiedOn,
            CompareOp::Lt,
            Value::Date(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())
        )
    );
    assert_eq!(
        both(
            "updated_at > TIMESTAMP('2024-05-01T12:00:00Z')",
            r#"{"op": ">", "args": [{"property": "updated_at"}, {"timestamp": "2024-05-01T12:00:00Z"}]}"#
        ),
        compare(
            Property::UpdatedAt,
            CompareOp::Gt,
            Value::Timestamp(instant("2024-05-01T12:00:00Z"))
        )
    );
    // QGIS and others quote names and write dates as strings.
    assert_eq!(
        tree("\"verified_on\" >= '2024-05-01'"),
        tree("verified_on >= DATE('2024-05-01')")
    );
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let a = kind_is("business");
    let b = compare(Property::RangeM, CompareOp::Gt, Value::Number(1.0));
    let c = Filter::IsNull(Property::FacingDeg);
    let not_c = Filter::Not(Box::new(c.clone()));
    assert_eq!(
        tree("kind = 'business' OR range_m > 1 AND NOT facing_deg IS NULL"),
        Filter::Or(vec![a.clone(), Filter::And(vec![b.clone(), not_c.clone()])])
    );
    assert_eq!(
        tree("NOT facing_deg IS NULL AND range_m > 1 OR kind = 'business'"),
        Filter::Or(vec![Filter::And(vec![not_c, b.clone()]), a.clone()])
    );
    assert_eq!(
        tree("(kind = 'business' OR range_m > 1) AND facing_deg IS NULL"),
        Filter::And(vec![Filter::Or(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(
        tree("NOT (kind = 'business' OR range_m > 1)"),
        Filter::Not(Box::new(Filter::Or(vec![a.clone(), b.clone()])))
    );
    // Chains stay flat; keywords are read in any case.
    assert_eq!(
        tree("kind = 'business' and range_m > 1 And facing_deg is null"),
        Filter::And(vec![a.clone(), b.clone(), c.clone()])
    );
    assert_eq!(
        json(
            r#"{"op": "or", "args": [{"op": "=", "args": [{"property": "kind"}, "business"]},
                {"op": "and", "args": [{"op": ">", "args": [{"property": "range_m"}, 1]},
                {"op": "not", "args": [{"op": "isNull", "args": [{"property": "facing_deg"}]}]}]}]}"#
        ),
        text("kind = 'business' OR range_m > 1 AND NOT facing_deg IS NULL")
    );
}

#[test]
fn like_in_between_and_null() {
    let like = Filter::Like {
        property: Property::Kind,
        pattern: "bus%".to_owned(),
    };
    assert_eq!(
        both(
            "kind LIKE 'bus%'",
            r#"{"op": "like", "args": [{"property": "kind"}, "bus%"]}"#
        ),
        like
    );
    assert_eq!(tree("kind NOT LIKE 'bus%'"), Filter::Not(Box::new(like)));
    let within = Filter::In {
        property: Property::RetentionDays,
        values: vec![Value::Integer(7), Value::Integer(30)],
    };
    assert_eq!(
        both(
            "retention_days IN (7, 30)",
            r#"{"op": "in", "args": [{"property": "retention_days"}, [7, 30]]}"#
        ),
        within
    );
    assert_eq!(
        tree("retention_days NOT IN (7,30)"),
        Filter::Not(Box::new(within))
    );
    let between = Filter::Between {
        property: Property::FacingDeg,
        low: Value::Number(90.0),
        high: Value::Number(180.0),
    };
    assert_eq!(
        both(
            "facing_deg BETWEEN 90 AND 180",
            r#"{"op": "between", "args": [{"property": "facing_deg"}, 90, 180]}"#
        ),
        between
    );
    assert_eq!(
        tree("facing_deg NOT BETWEEN 90 AND 180 AND kind = 'business'"),
        Filter::And(vec![Filter::Not(Box::new(between)), kind_is("business")])
    );
    assert_eq!(
        both(
            "fov_deg IS NULL",
            r#"{"op": "isNull", "args": [{"property": "fov_deg"}]}"#
        ),
        Filter::IsNull(Property::FovDeg)
    );
    assert_eq!(
        tree("fov_deg IS NOT NULL"),
        Filter::Not(Box::new(Filter::IsNull(Property::FovDeg)))
    );
    assert!(message(text("kind IN ()"), syntax).contains("at byte 9"));
    assert!(message(text("kind IS 'x'"), syntax).contains("expected NULL"));
    assert!(message(text("kind NOT = 'x'"), syntax).contains("expected LIKE, IN or BETWEEN"));
    assert!(message(text("range_m BETWEEN 1 OR 2"), syntax).contains("expected AND"));
}

#[test]
fn views_is_a_list() {
    assert_eq!(
        tree("views = 'street'"),
        compare(Property::Views, CompareOp::Eq, word("street"))
    );
    assert!(text("views <> 'street'").is_ok());
    assert!(text("views IN ('street', 'alley')").is_ok());
    let refused = message(text("views > 'street'"), bad_value);
    assert!(refused.starts_with("views: is a list"), "{refused}");
    assert!(message(text("views LIKE 's%'"), bad_value).contains("is a list"));
    assert!(message(text("views BETWEEN 'a' AND 'z'"), bad_value).contains("is a list"));
    assert!(message(text("views = 'sky'"), bad_value).contains("expected one of street"));
}

#[test]
fn literals_must_fit_their_property() {
    assert_eq!(
        message(text("kind = 'castle'"), bad_value),
        "kind: expected one of residence, business, got \"castle\" at byte 7"
    );
    assert_eq!(
        message(text("kind < 'business'"), bad_value),
        "kind: is one of a set of words without an order: use =, <>, IN or LIKE at byte 5"
    );
    assert!(message(text("retention_days = 1.5"), bad_value).starts_with("retention_days:"));
    assert!(message(text("retention_days = '30'"), bad_value).contains("expected a whole number"));
    assert!(message(text("range_m = 1e999"), bad_value).contains("finite"));
    assert!(message(text("range_m LIKE '1%'"), bad_value).contains("text properties only"));
    assert!(message(text("verified_on = 'May 1st'"), bad_value).contains("YYYY-MM-DD"));
    assert!(message(text("updated_at = DATE('2024-05-01')"), bad_value).contains("instant"));
    assert!(
        message(
            json(r#"{"op": "=", "args": [{"property": "kind"}, 3]}"#),
            bad_value
        )
        .ends_with("at /args/1")
    );
    assert!(message(text("kind = TRUE"), unsupported).contains("boolean"));
    assert!(message(text("kind = placement"), unsupported).contains("property"));
    assert!(message(text("verified_on = DATE('tomorrow')"), syntax).contains("DATE at byte 14"));
}

#[test]
fn properties_come_from_the_allow_list() {
    assert_eq!(
        text("owner = 'x'"),
        Err(QueryError::UnknownProperty {
            collection: "cameras",
            property: "owner".to_owned()
        })
    );
    assert!(matches!(
        text("address = 'x'"),
        Err(QueryError::UnknownProperty { .. })
    ));
    assert!(parse_cql2_text(Collection::CameraContacts, "address LIKE '1%'").is_ok());
    let sealed = parse_cql2_text(Collection::CameraContacts, "email = 'a@b.example'");
    assert!(message(sealed, bad_value).starts_with("email: cannot be filtered"));
    assert!(matches!(
        json(r#"{"op": "isNull", "args": [{"property": "Kind"}]}"#),
        Err(QueryError::UnknownProperty { .. })
    ));
    // A long hostile name is cut in the message.
    let long = format!("{} = 1", "x".repeat(10_000));
    assert!(
        message(text(&long), |e| matches!(
            e,
            QueryError::UnknownProperty { .. }
        ))
        .len()
            < 200
    );
}

#[test]
fn strings_quote_and_escape() {
    let contacts = |f: &str| parse_cql2_text(Collection::CameraContacts, f);
    assert_eq!(
        contacts("address = 'O''Brien St'"),
        Ok(compare(
            Property::Address,
            CompareOp::Eq,
            word("O'Brien St")
        ))
    );
    assert_eq!(
        contacts("\"address\" = ''"),
        Ok(compare(Property::Address, CompareOp::Eq, word("")))
    );
    assert_eq!(
        contacts("address = 'Calle Ñandú 5'"),
        Ok(compare(
            Property::Address,
            CompareOp::Eq,
            word("Calle Ñandú 5")
        ))
    );
}

#[test]
fn sql_in_a_filter_is_a_syntax_error_or_a_harmless_string() {
    let contacts = |f: &str| parse_cql2_text(Collection::CameraContacts, f);
    assert!(message(text("'; DROP TABLE cameras; --"), syntax).contains("no closing quote"));
    assert_eq!(
        message(contacts("address = ''; DROP TABLE cameras; --'"), syntax),
        "filter: unexpected character ';' at byte 12"
    );
    // On a closed set the harmless string is refused first.
    assert!(message(text("kind = ''; DROP TABLE cameras; --'"), bad_value).contains("got \"\""));
    assert!(text("kind = 'business'; DROP TABLE cameras; --").is_err());
    assert!(text("kind = 'business' -- comment").is_err());
    assert!(message(text("kind = 'business' OR 1=1"), syntax).contains("at byte 21"));
    assert_eq!(
        contacts("address = '''; DROP TABLE cameras; --'"),
        Ok(compare(
            Property::Address,
            CompareOp::Eq,
            word("'; DROP TABLE cameras; --")
        ))
    );
    assert!(matches!(
        text("\"kind; DROP TABLE cameras\" = 'x'"),
        Err(QueryError::UnknownProperty { .. })
    ));
    assert!(
        json(r#"{"op": "=", "args": [{"property": "kind"}, "'; DROP TABLE cameras; --"]}"#)
            .is_err()
    );
}

#[test]
fn spatial() {
    let point = Filter::Intersects(Geometry::Point(at(-122.03, 37.97)));
    assert_eq!(
        both(
            "S_INTERSECTS(geometry, POINT(-122.03 37.97))",
            r#"{"op": "s_intersects", "args": [{"property": "geometry"},
                {"type": "Point", "coordinates": [-122.03, 37.97]}]}"#
        ),
        point
    );
    assert_eq!(
        tree("s_intersects(POINT Z (-122.03 37.97 10), \"geometry\")"),
        point
    );
    let envelope = Filter::Intersects(Geometry::Envelope([-123.0, 37.0, -122.0, 38.0]));
    assert_eq!(
        both(
            "S_INTERSECTS(geometry, BBOX(-123, 37, -122, 38))",
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [-123, 37, -122, 38]}]}"#
        ),
        envelope
    );
    assert_eq!(
        tree("S_INTERSECTS(geometry, ENVELOPE(-123, -122, 38, 37))"),
        envelope
    );
    assert_eq!(
        tree("S_INTERSECTS(geometry, BBOX(-123, 37, 0, -122, 38, 100))"),
        envelope
    );
    let polygon = both(
        "S_INTERSECTS(geometry, POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 4)))",
        r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon",
            "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
                            [[4, 4], [6, 4], [6, 6], [4, 4]]]}]}"#,
    );
    let Filter::Intersects(Geometry::Polygon(rings)) = polygon else {
        panic!("not a polygon");
    };
    assert_eq!((rings.len(), rings[0].len(), rings[1].len()), (2, 5, 4));

    let open_ring = text("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))");
    assert!(message(open_ring, geometry_error).contains("not closed"));
    let short = json(
        r#"{"op": "s_intersects", "args": [{"property": "geometry"},
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}]}"#,
    );
    assert!(message(short, geometry_error).contains("at least 4"));
    let far = text("S_INTERSECTS(geometry, POINT(200 0))");
    assert!(message(far, geometry_error).contains("CRS84"));
    let upside_down = text("S_INTERSECTS(geometry, BBOX(0, 10, 1, 5))");
    assert!(message(upside_down, geometry_error).contains("south edge"));
    let antimeridian = text("S_INTERSECTS(geometry, BBOX(170, 0, -170, 5))");
    assert!(message(antimeridian, geometry_error).contains("antimeridian"));
    let line = text("S_INTERSECTS(geometry, LINESTRING(0 0, 1 1))");
    assert!(message(line, unsupported).contains("LINESTRING"));
    let multi = json(
        r#"{"op": "s_intersects", "args": [{"property": "geometry"},
            {"type": "MultiPoint", "coordinates": [[0, 0]]}]}"#,
    );
    assert!(message(multi, unsupported).contains("MultiPoint"));
    assert!(message(text("S_WITHIN(geometry, POINT(0 0))"), unsupported).contains("S_WITHIN"));
    assert!(
        message(text("S_INTERSECTS(kind, POINT(0 0))"), unsupported).contains("only on geometry")
    );
    assert!(text("S_INTERSECTS(geometry, geometry)").is_err());
}

#[test]
fn too_many_vertices_is_a_geometry_error() {
    let mut ring: Vec<String> = (0..10_000)
        .map(|i| format!("{} {}", i % 100, i / 200))
        .collect();
    ring.push(ring[0].clone());
    let filter = format!("S_INTERSECTS(geometry, POLYGON(({})))", ring.join(","));
    assert!(filter.len() <= MAX_FILTER_BYTES);
    let refused = message(text(&filter), geometry_error);
    assert!(refused.contains("more than 10000 vertices"), "{refused}");
}

#[test]
fn temporal() {
    let range = |start: Option<&str>, end: Option<&str>| TimeRange {
        start: start.map(instant),
        end: end.map(instant),
    };
    assert_eq!(
        both(
            "T_AFTER(updated_at, TIMESTAMP('2024-05-01T12:00:00Z'))",
            r#"{"op": "t_after", "args": [{"property": "updated_at"}, {"timestamp": "2024-05-01T12:00:00Z"}]}"#
        ),
        Filter::Temporal {
            op: TemporalOp::After,
            at: range(Some("2024-05-01T12:00:00Z"), Some("2024-05-01T12:00:00Z"))
        }
    );
    assert_eq!(
        both(
            "t_before(updated_at, DATE('2024-05-01'))",
            r#"{"op": "t_before", "args": [{"property": "updated_at"}, {"date": "2024-05-01"}]}"#
        ),
        Filter::Temporal {
            op: TemporalOp::Before,
            at: range(
                Some("2024-05-01T00:00:00Z"),
                Some("2024-05-01T23:59:59.999999999Z")
            )
        }
    );
    assert_eq!(
        both(
            "T_INTERSECTS(updated_at, INTERVAL('2024-05-01', '..'))",
            r#"{"op": "t_intersects", "args": [{"property": "updated_at"}, {"interval": ["2024-05-01", ".."]}]}"#
        ),
        Filter::Temporal {
            op: TemporalOp::Intersects,
            at: range(Some("2024-05-01T00:00:00Z"), None)
        }
    );
    assert_eq!(
        tree(
            "T_INTERSECTS(updated_at, INTERVAL(DATE('2024-05-01'), TIMESTAMP('2024-05-02T00:00:00Z')))"
        ),
        Filter::Temporal {
            op: TemporalOp::Intersects,
            at: range(Some("2024-05-01T00:00:00Z"), Some("2024-05-02T00:00:00Z"))
        }
    );
    assert_eq!(
        json(
            r#"{"op": "t_intersects", "args": [{"property": "updated_at"}, {"interval": [{"date": "2024-05-01"}, {"date": "2024-05-01"}]}]}"#
        ),
        text("T_INTERSECTS(updated_at, DATE('2024-05-01'))")
    );
    let backwards = text("T_INTERSECTS(updated_at, INTERVAL('2024-05-02', '2024-05-01'))");
    assert!(message(backwards, syntax).contains("before it starts"));
    let wrong_property = text("T_AFTER(verified_on, DATE('2024-05-01'))");
    assert!(message(wrong_property, bad_value).starts_with("verified_on: temporal operators"));
    assert!(message(text("T_AFTER(updated_at, 'soon')"), syntax).contains("TIMESTAMP"));
    assert!(
        message(
            text("T_DURING(updated_at, DATE('2024-05-01'))"),
            unsupported
        )
        .contains("T_DURING")
    );
}

#[test]
fn syntax_errors_say_where() {
    assert_eq!(
        message(text(""), syntax),
        "filter: expected a condition (a property, NOT, \"(\" or a function) at byte 0, found the end of the filter"
    );
    assert_eq!(
        message(text("kind = 'business' )"), syntax),
        "filter: unexpected \")\" at byte 18"
    );
    assert_eq!(
        message(text("(kind = 'business'"), syntax),
        "filter: expected \")\" at byte 18 to close the \"(\" at byte 0, found the end of the filter"
    );
    assert!(message(text("kind"), syntax).contains("after kind at byte 4"));
    assert!(message(text("kind == 'x'"), syntax).contains("at byte 6"));
    assert!(message(json("{\"op\": "), syntax).starts_with("filter: the filter is not JSON"));
    assert_eq!(
        message(
            json(r#"{"op": "and", "args": [{"op": "=", "args": []}]}"#),
            syntax
        ),
        "filter: = takes 2 arguments, not 0 at /args/0/args"
    );
    assert!(
        message(json(r#"{"op": "=", "args": [], "x": 1}"#), syntax).contains("at the top level")
    );
    assert!(message(json("[1]"), syntax).contains("found an array"));
    assert!(message(json(r#"{"op": "foo", "args": []}"#), unsupported).contains("\"foo\""));
    assert!(
        message(
            json(r#"{"op": "=", "args": [{"property": "kind"}, true]}"#),
            unsupported
        )
        .contains("boolean")
    );
    assert!(
        message(
            json(r#"{"op": "=", "args": [{"property": "kind"}, null]}"#),
            syntax
        )
        .contains("null")
    );
}

#[test]
fn oversized_filters_are_refused_before_parsing() {
    // A megabyte of an otherwise valid filter.
    let huge = format!("kind = '{}'", "x".repeat(1 << 20));
    assert!(message(text(&huge), too_large).contains("bytes long"));
    let huge_json = format!(
        r#"{{"op": "=", "args": [{{"property": "kind"}}, "{}"]}}"#,
        "x".repeat(1 << 20)
    );
    assert!(message(json(&huge_json), too_large).contains("bytes long"));
}

#[test]
fn deep_nesting_stops_with_an_error() {
    let deep = format!(
        "{}kind = 'business'{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert!(
        message(text(&deep), too_large).contains(&format!("nested more than {MAX_DEPTH} levels"))
    );
    let nots = format!("{}kind = 'business'", "NOT ".repeat(10_000));
    assert!(message(text(&nots), too_large).contains("nested"));
    let unclosed = "(".repeat(10_000);
    assert!(message(text(&unclosed), too_large).contains("nested"));
    // Just within the limit is fine.
    let fine = format!(
        "{}kind = 'business'{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(text(&fine), Ok(kind_is("business")));

    let arrays = "[".repeat(10_000);
    assert!(message(json(&arrays), too_large).contains("nested more than"));
    let leaf = r#"{"op": "isNull", "args": [{"property": "fov_deg"}]}"#;
    let not_json = format!(
        "{}{leaf}{}",
        r#"{"op": "not", "args": ["#.repeat(2_000),
        "]}".repeat(2_000)
    );
    assert!(not_json.len() <= MAX_FILTER_BYTES);
    assert!(message(json(&not_json), too_large).contains("nested"));
    let twenty = format!(
        "{}{leaf}{}",
        r#"{"op": "not", "args": ["#.repeat(20),
        "]}".repeat(20)
    );
    assert!(json(&twenty).is_ok());
    // Brackets inside strings do not count.
    let in_string = format!(
        r#"{{"op": "=", "args": [{{"property": "kind"}}, "{}"]}}"#,
        "[".repeat(500)
    );
    assert!(message(json(&in_string), bad_value).starts_with("kind:"));
}

#[test]
fn too_many_nodes_is_refused() {
    let wide = vec!["id = 1"; 2_000].join(" OR ");
    assert!(wide.len() <= MAX_FILTER_BYTES);
    assert!(message(text(&wide), too_large).contains("more than 2000"));
    let values = vec!["1"; 3_000].join(",");
    assert!(message(text(&format!("id IN ({values})")), too_large).contains("more than 2000"));
    let json_wide = format!(
        r#"{{"op": "or", "args": [{}]}}"#,
        vec![r#"{"op": "=", "args": [{"property": "id"}, 1]}"#; 1_000].join(",")
    );
    assert!(json_wide.len() <= MAX_FILTER_BYTES);
    assert!(message(json(&json_wide), too_large).contains("more than 2000"));
}
