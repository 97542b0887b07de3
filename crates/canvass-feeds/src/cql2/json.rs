//! CQL2 JSON: `{"op": …, "args": […]}` trees, read with `serde_json` after a scan that refuses
//! nesting deeper than `serde_json` itself would read. Errors name the place as a JSON pointer.

use canvass_geo::LonLat;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};

use crate::cql2::literal::{self, End, Literal, Number};
use crate::cql2::nodes::{Builder, check_depth, ordered};
use crate::cql2::{GEOMETRY_PROPERTY, check_size, geometry, located};
use crate::error::{QueryError, cut};
use crate::filter::{CompareOp, Filter, Geometry, TemporalOp, TimeRange, Value};
use crate::queryables::{Collection, Property};

/// Deepest JSON nesting read. `serde_json` stops at 128 levels; a filter tree nests two JSON
/// levels per operator, so this allows about 58 operators deep (below
/// [`crate::filter::MAX_DEPTH`]).
const MAX_JSON_NESTING: usize = 120;

/// Parses a CQL2 JSON filter on `collection` into a checked [`Filter`], with the same rules and
/// limits as [`crate::cql2::parse_cql2_text`].
pub fn parse_cql2_json(collection: Collection, text: &str) -> Result<Filter, QueryError> {
    check_size(text)?;
    check_nesting(text)?;
    let json: Json = serde_json::from_str(text)
        .map_err(|e| QueryError::Syntax(format!("the filter is not JSON: {e}")))?;
    let mut reader = Reader {
        builder: Builder::new(collection),
    };
    reader.filter(&json, &Path::ROOT, 1)
}

/// Refuses JSON nested deeper than [`MAX_JSON_NESTING`], counting brackets outside strings.
fn check_nesting(text: &str) -> Result<(), QueryError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, b) in text.bytes().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_NESTING {
                    return Err(QueryError::TooLarge(format!(
                        "the JSON is nested more than {MAX_JSON_NESTING} levels deep at byte {at}"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Where in the JSON a value is, as a linked list up to the root.
#[derive(Debug, Clone, Copy)]
struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    step: Step,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Root,
    Key(&'static str),
    Index(usize),
}

impl<'p> Path<'p> {
    const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };

    fn key(&'p self, key: &'static str) -> Path<'p> {
        Path {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    fn index(&'p self, index: usize) -> Path<'p> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// The JSON pointer (`/args/1/args/0`), or "the top level".
    fn render(&self) -> String {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(path) = at {
            match path.step {
                Step::Root => {}
                Step::Key(key) => steps.push(key.to_owned()),
                Step::Index(index) => steps.push(index.to_string()),
            }
            at = path.parent;
        }
        if steps.is_empty() {
            return "the top level".to_owned();
        }
        steps.reverse();
        format!("/{}", steps.join("/"))
    }

    /// The error, located here.
    fn fail(&self, error: QueryError) -> QueryError {
        located(error, &self.render())
    }

    /// A syntax error here.
    fn syntax(&self, message: impl Into<String>) -> QueryError {
        self.fail(QueryError::Syntax(message.into()))
    }
}

/// What a JSON value is, for messages.
fn describe(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The only member of a one-member object.
fn single(object: &Map<String, Json>) -> Option<(&str, &Json)> {
    let mut members = object.iter();
    match (members.next(), members.next()) {
        (Some((key, value)), None) => Some((key.as_str(), value)),
        _ => None,
    }
}

struct Reader {
    builder: Builder,
}

impl Reader {
    fn filter(&mut self, json: &Json, path: &Path<'_>, depth: usize) -> Result<Filter, QueryError> {
        check_depth(depth).map_err(|e| path.fail(e))?;
        let Json::Object(object) = json else {
            return Err(path.syntax(format!(
                "expected an operation {{\"op\": …, \"args\": […]}}, found {}",
                describe(json)
            )));
        };
        let (Some(Json::String(op)), Some(Json::Array(args)), 2) =
            (object.get("op"), object.get("args"), object.len())
        else {
            return Err(path.syntax(
                "expected an operation with exactly the members \"op\" (a string) and \"args\" \
                 (an array)",
            ));
        };
        let args_path = path.key("args");
        let op = op.to_ascii_lowercase();
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(args_path.syntax(format!("{op} takes {n} arguments, not {}", args.len())))
            }
        };
        let fail = |e| path.fail(e);
        match op.as_str() {
            "and" | "or" => {
                if args.is_empty() {
                    return Err(args_path.syntax(format!("{op} needs arguments")));
                }
                let mut parts = Vec::with_capacity(args.len());
                for (i, arg) in args.iter().enumerate() {
                    parts.push(self.filter(arg, &args_path.index(i), depth + 1)?);
                }
                if op == "and" {
                    self.builder.and(parts).map_err(fail)
                } else {
                    self.builder.or(parts).map_err(fail)
                }
            }
            "not" => {
                arity(1)?;
                let inner = self.filter(&args[0], &args_path.index(0), depth + 1)?;
                self.builder.not(inner).map_err(fail)
            }
            "like" => {
                arity(2)?;
                let property = self.property(&args[0], &args_path.index(0))?;
                let pattern = literal(&args[1], &args_path.index(1))?;
                self.builder.like(property, pattern).map_err(fail)
            }
            "in" => {
                arity(2)?;
                let property = self.property(&args[0], &args_path.index(0))?;
                let list_path = args_path.index(1);
                let Json::Array(items) = &args[1] else {
                    return Err(list_path.syntax(format!(
                        "in takes an array of values, found {}",
                        describe(&args[1])
                    )));
                };
                let mut values = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let item_path = list_path.index(i);
                    let literal = literal(item, &item_path)?;
                    values.push(
                        self.builder
                            .value(property, literal)
                            .map_err(|e| item_path.fail(e))?,
                    );
                }
                self.builder.in_list(property, values).map_err(fail)
            }
            "between" => {
                arity(3)?;
                let property = self.property(&args[0], &args_path.index(0))?;
                ordered(property).map_err(fail)?;
                let low = self.value(property, &args[1], &args_path.index(1))?;
                let high = self.value(property, &args[2], &args_path.index(2))?;
                self.builder.between(property, low, high).map_err(fail)
            }
            "isnull" => {
                arity(1)?;
                let property = self.property(&args[0], &args_path.index(0))?;
                self.builder.is_null(property).map_err(fail)
            }
            "s_intersects" => {
                arity(2)?;
                let first = self.spatial(&args[0], &args_path.index(0))?;
                let second = self.spatial(&args[1], &args_path.index(1))?;
                let geometry = match (first, second) {
                    (None, Some(geometry)) | (Some(geometry), None) => geometry,
                    _ => {
                        return Err(fail(QueryError::Unsupported(format!(
                            "s_intersects other than of {GEOMETRY_PROPERTY} with a Point, a \
                             Polygon or a bbox"
                        ))));
                    }
                };
                self.builder.intersects(geometry).map_err(fail)
            }
            "t_after" | "t_before" | "t_intersects" => {
                arity(2)?;
                let op = match op.as_str() {
                    "t_after" => TemporalOp::After,
                    "t_before" => TemporalOp::Before,
                    _ => TemporalOp::Intersects,
                };
                let property = self.property(&args[0], &args_path.index(0))?;
                let range = time_range(&args[1], &args_path.index(1))?;
                self.builder.temporal(property, op, range).map_err(fail)
            }
            other => match compare_op(other) {
                Some(compare) => {
                    arity(2)?;
                    let property = self.property(&args[0], &args_path.index(0))?;
                    if !matches!(compare, CompareOp::Eq | CompareOp::Ne) {
                        ordered(property).map_err(fail)?;
                    }
                    let value = self.value(property, &args[1], &args_path.index(1))?;
                    self.builder.compare(property, compare, value).map_err(fail)
                }
                None => Err(fail(QueryError::Unsupported(format!(
                    "the operator {:?}",
                    cut(other)
                )))),
            },
        }
    }

    /// `{"property": "name"}`, resolved and checked.
    fn property(&mut self, json: &Json, path: &Path<'_>) -> Result<Property, QueryError> {
        match property_name(json) {
            Some(name) => self.builder.property(name).map_err(|e| path.fail(e)),
            None => Err(path.syntax(format!(
                "expected a property {{\"property\": \"name\"}}, found {}",
                describe(json)
            ))),
        }
    }

    /// A literal of the property's type.
    fn value(
        &mut self,
        property: Property,
        json: &Json,
        path: &Path<'_>,
    ) -> Result<Value, QueryError> {
        let literal = literal(json, path)?;
        self.builder
            .value(property, literal)
            .map_err(|e| path.fail(e))
    }

    /// The features' geometry (`None`) or a geometry literal.
    fn spatial(&mut self, json: &Json, path: &Path<'_>) -> Result<Option<Geometry>, QueryError> {
        if let Some(name) = property_name(json) {
            if name != GEOMETRY_PROPERTY {
                return Err(path.fail(QueryError::Unsupported(format!(
                    "s_intersects on {:?} (only on {GEOMETRY_PROPERTY})",
                    cut(name)
                ))));
            }
            return Ok(None);
        }
        self.geometry(json, path).map(Some)
    }

    /// A GeoJSON Point or Polygon, or `{"bbox": […]}`.
    fn geometry(&mut self, json: &Json, path: &Path<'_>) -> Result<Geometry, QueryError> {
        let Json::Object(object) = json else {
            return Err(path.syntax(format!(
                "expected a GeoJSON geometry or {{\"bbox\": […]}}, found {}",
                describe(json)
            )));
        };
        if let Some(("bbox", numbers)) = single(object) {
            let bbox_path = path.key("bbox");
            let numbers = coordinates(numbers, &bbox_path)?;
            return geometry::envelope(&numbers).map_err(|e| bbox_path.fail(e));
        }
        let kind = object.get("type").and_then(Json::as_str);
        let unexpected = object
            .keys()
            .find(|k| !matches!(k.as_str(), "type" | "coordinates" | "bbox"));
        let (Some(kind), Some(coords), None) = (kind, object.get("coordinates"), unexpected) else {
            return Err(path.syntax(
                "expected a GeoJSON geometry {\"type\": …, \"coordinates\": …} or {\"bbox\": […]}",
            ));
        };
        let coords_path = path.key("coordinates");
        match kind {
            "Point" => self.position(coords, &coords_path).map(Geometry::Point),
            "Polygon" => {
                let Json::Array(rings) = coords else {
                    return Err(coords_path.syntax("a Polygon's coordinates are an array of rings"));
                };
                let mut out = Vec::with_capacity(rings.len());
                for (i, ring) in rings.iter().enumerate() {
                    let ring_path = coords_path.index(i);
                    let Json::Array(positions) = ring else {
                        return Err(ring_path.syntax("a ring is an array of positions"));
                    };
                    let mut points = Vec::with_capacity(positions.len());
                    for (j, position) in positions.iter().enumerate() {
                        points.push(self.position(position, &ring_path.index(j))?);
                    }
                    out.push(points);
                }
                geometry::polygon(out).map_err(|e| coords_path.fail(e))
            }
            other => Err(path.fail(QueryError::Unsupported(format!(
                "the geometry type {:?} (use Point, Polygon or a bbox)",
                cut(other)
            )))),
        }
    }

    /// `[x, y]` or `[x, y, z]`, as a CRS84 position.
    fn position(&mut self, json: &Json, path: &Path<'_>) -> Result<LonLat, QueryError> {
        self.builder.vertex().map_err(|e| path.fail(e))?;
        match coordinates(json, path)?.as_slice() {
            &[x, y] | &[x, y, _] => geometry::position(x, y).map_err(|e| path.fail(e)),
            other => Err(path.fail(QueryError::Geometry(format!(
                "a position has 2 or 3 numbers, not {}",
                other.len()
            )))),
        }
    }
}

/// The name in `{"property": "name"}`.
fn property_name(json: &Json) -> Option<&str> {
    match json {
        Json::Object(object) => match single(object) {
            Some(("property", Json::String(name))) => Some(name),
            _ => None,
        },
        _ => None,
    }
}

/// An array of at most 6 numbers.
fn coordinates(json: &Json, path: &Path<'_>) -> Result<Vec<f64>, QueryError> {
    match json {
        Json::Array(items) if items.len() <= 6 => items
            .iter()
            .map(|item| item.as_f64())
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| path.syntax("expected numbers")),
        _ => Err(path.syntax(format!(
            "expected an array of at most 6 numbers, found {}",
            describe(json)
        ))),
    }
}

/// The comparison an `op` names.
fn compare_op(op: &str) -> Option<CompareOp> {
    Some(match op {
        "=" => CompareOp::Eq,
        "<>" => CompareOp::Ne,
        "<" => CompareOp::Lt,
        "<=" => CompareOp::Le,
        ">" => CompareOp::Gt,
        ">=" => CompareOp::Ge,
        _ => return None,
    })
}

/// A literal value: a string, a number, `{"date": …}` or `{"timestamp": …}`.
fn literal(json: &Json, path: &Path<'_>) -> Result<Literal, QueryError> {
    match json {
        Json::String(text) => Ok(Literal::Text(text.clone())),
        Json::Number(number) => number
            .as_f64()
            .map(|real| {
                Literal::Number(Number {
                    whole: number.as_i64(),
                    real,
                })
            })
            .ok_or_else(|| path.syntax("the number is out of range")),
        Json::Object(object) => match single(object) {
            Some(("date", Json::String(text))) => {
                literal::parse_date(text).map(Literal::Date).ok_or_else(|| {
                    path.syntax(format!(
                        "a date is written like 2024-05-01, not {:?}",
                        cut(text)
                    ))
                })
            }
            Some(("timestamp", Json::String(text))) => {
                timestamp(text, path).map(Literal::Timestamp)
            }
            Some(("property", _)) => Err(path.fail(QueryError::Unsupported(
                "comparing a property with a property".to_owned(),
            ))),
            _ => Err(path.syntax(
                "expected a value: a string, a number, {\"date\": …} or {\"timestamp\": …}",
            )),
        },
        Json::Bool(_) => Err(path.fail(QueryError::Unsupported(
            "a boolean value (no property is boolean)".to_owned(),
        ))),
        other => Err(path.syntax(format!("expected a value, found {}", describe(other)))),
    }
}

fn timestamp(text: &str, path: &Path<'_>) -> Result<DateTime<Utc>, QueryError> {
    literal::parse_timestamp(text).ok_or_else(|| {
        path.syntax(format!(
            "a timestamp is an RFC 3339 instant such as 2024-05-01T12:00:00Z, not {:?}",
            cut(text)
        ))
    })
}

/// `{"timestamp": …}`, `{"date": …}` or `{"interval": [start, end]}`.
fn time_range(json: &Json, path: &Path<'_>) -> Result<TimeRange, QueryError> {
    let member = match json {
        Json::Object(object) => single(object),
        _ => None,
    };
    match member {
        Some(("timestamp", Json::String(text))) => Ok(literal::instant(timestamp(text, path)?)),
        Some(("date", Json::String(text))) => literal::parse_date(text)
            .map(literal::day)
            .ok_or_else(|| path.syntax(format!("{:?} is not a date", cut(text)))),
        Some(("interval", Json::Array(ends))) if ends.len() == 2 => {
            let ends_path = path.key("interval");
            let start = bound(&ends[0], End::Start, &ends_path.index(0))?;
            let end = bound(&ends[1], End::End, &ends_path.index(1))?;
            literal::interval(start, end).map_err(|problem| ends_path.syntax(problem))
        }
        _ => Err(path
            .syntax("expected {\"timestamp\": …}, {\"date\": …} or {\"interval\": [start, end]}")),
    }
}

/// One end of an interval: `".."`, a date or instant string, `{"date": …}`, `{"timestamp": …}`.
fn bound(json: &Json, end: End, path: &Path<'_>) -> Result<Option<DateTime<Utc>>, QueryError> {
    let member = match json {
        Json::String(text) => {
            return literal::bound(text, end).map_err(|problem| path.syntax(problem));
        }
        Json::Object(object) => single(object),
        _ => None,
    };
    match member {
        Some(("timestamp" | "date", _)) => {
            let range = time_range(json, path)?;
            Ok(match end {
                End::Start => range.start,
                End::End => range.end,
            })
        }
        _ => Err(path.syntax(
            "expected an end of the interval: \"..\", a date, an instant, {\"date\": …} or \
             {\"timestamp\": …}",
        )),
    }
}
