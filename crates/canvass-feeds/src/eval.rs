//! Evaluating a filter on one feature, with the semantics the SQL executor has, so that both
//! executors answer a query alike:
//!
//! - SQL's three-valued logic: a comparison, `LIKE`, `IN` or `BETWEEN` on a null property is
//!   *unknown*; `NOT` of unknown is unknown; `AND` is false if any part is false, `OR` true if
//!   any part is true, and unknown otherwise when a part is unknown. A feature matches only
//!   when the whole filter is *true*.
//! - Text compares byte by byte (code point order), as PostgreSQL's `"C"` collation does; the
//!   SQL executor must compare and sort text with `COLLATE "C"`.
//! - `LIKE` is case-sensitive: `%` any run, `_` one character, `\` escapes the next one.
//! - `views` is a list, never null: `=` and `IN` hold when it includes the word, `<>` when it
//!   does not.
//! - A position on a polygon's edge (its holes' too) or an envelope's edge is inside.
//! - `T_AFTER` holds strictly after the range's end, `T_BEFORE` strictly before its start,
//!   `T_INTERSECTS` within it, ends included; an open end reaches forever.

use std::cmp::Ordering;

use canvass_geo::LonLat;

use crate::feature::CameraFeature;
use crate::filter::{CompareOp, Filter, Geometry, TemporalOp, TimeRange, Value};
use crate::queryables::Property;

impl Filter {
    /// Whether the feature satisfies the filter (is *true*, not false or unknown).
    pub fn matches(&self, feature: &CameraFeature) -> bool {
        self.truth(feature) == Some(true)
    }

    /// The filter's truth for the feature: `None` is SQL's unknown.
    fn truth(&self, feature: &CameraFeature) -> Option<bool> {
        match self {
            Filter::And(parts) => {
                let mut truth = Some(true);
                for part in parts {
                    match part.truth(feature) {
                        Some(false) => return Some(false),
                        None => truth = None,
                        Some(true) => {}
                    }
                }
                truth
            }
            Filter::Or(parts) => {
                let mut truth = Some(false);
                for part in parts {
                    match part.truth(feature) {
                        Some(true) => return Some(true),
                        None => truth = None,
                        Some(false) => {}
                    }
                }
                truth
            }
            Filter::Not(inner) => inner.truth(feature).map(|holds| !holds),
            Filter::Compare {
                property: Property::Views,
                op,
                value,
            } => {
                let includes = includes(feature, value);
                match op {
                    CompareOp::Ne => Some(!includes),
                    // Order comparisons on a list are refused when a filter is parsed.
                    _ => Some(includes),
                }
            }
            Filter::Compare {
                property,
                op,
                value,
            } => {
                let order = feature.value(*property)?.order(value)?;
                Some(match op {
                    CompareOp::Eq => order.is_eq(),
                    CompareOp::Ne => order.is_ne(),
                    CompareOp::Lt => order.is_lt(),
                    CompareOp::Le => order.is_le(),
                    CompareOp::Gt => order.is_gt(),
                    CompareOp::Ge => order.is_ge(),
                })
            }
            Filter::Like { property, pattern } => match feature.value(*property)? {
                Value::Text(text) => Some(like(&text, pattern)),
                _ => None,
            },
            Filter::In {
                property: Property::Views,
                values,
            } => Some(values.iter().any(|value| includes(feature, value))),
            Filter::In { property, values } => {
                let own = feature.value(*property)?;
                let mut truth = Some(false);
                for value in values {
                    match own.order(value) {
                        Some(Ordering::Equal) => return Some(true),
                        None => truth = None,
                        Some(_) => {}
                    }
                }
                truth
            }
            Filter::Between {
                property,
                low,
                high,
            } => {
                let own = feature.value(*property)?;
                Some(own.order(low)?.is_ge() && own.order(high)?.is_le())
            }
            Filter::IsNull(Property::Views) => Some(false),
            Filter::IsNull(property) => Some(feature.value(*property).is_none()),
            Filter::Intersects(geometry) => Some(geometry.contains(feature.at)),
            Filter::Temporal { op, at } => Some(holds_in_time(*op, at, feature)),
        }
    }
}

impl Value {
    /// How two values of the same kind order; `None` for values of different kinds.
    pub(crate) fn order(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
            (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
            (Value::Text(a), Value::Text(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Whether the feature's views include the word.
fn includes(feature: &CameraFeature, value: &Value) -> bool {
    match value {
        Value::Text(word) => feature.view_names().any(|view| view == word),
        _ => false,
    }
}

fn holds_in_time(op: TemporalOp, range: &TimeRange, feature: &CameraFeature) -> bool {
    let at = feature.updated_at;
    match op {
        TemporalOp::After => range.end.is_some_and(|end| at > end),
        TemporalOp::Before => range.start.is_some_and(|start| at < start),
        TemporalOp::Intersects => {
            range.start.is_none_or(|start| at >= start) && range.end.is_none_or(|end| at <= end)
        }
    }
}

impl Geometry {
    /// Whether the position lies in or on the geometry.
    pub fn contains(&self, p: LonLat) -> bool {
        match self {
            Geometry::Point(q) => p == *q,
            Geometry::Envelope([west, south, east, north]) => {
                (*west..=*east).contains(&p.lon()) && (*south..=*north).contains(&p.lat())
            }
            Geometry::Polygon(rings) => {
                if rings.iter().any(|ring| on_ring(ring, p)) {
                    return true;
                }
                let mut rings = rings.iter();
                rings.next().is_some_and(|outer| inside_ring(outer, p))
                    && !rings.any(|hole| inside_ring(hole, p))
            }
        }
    }
}

/// The ring's edges, as pairs of positions.
fn edges(ring: &[LonLat]) -> impl Iterator<Item = (LonLat, LonLat)> + '_ {
    ring.windows(2).map(|pair| (pair[0], pair[1]))
}

/// Whether the position lies on one of the ring's edges.
fn on_ring(ring: &[LonLat], p: LonLat) -> bool {
    edges(ring).any(|(a, b)| {
        let cross =
            (b.lon() - a.lon()) * (p.lat() - a.lat()) - (b.lat() - a.lat()) * (p.lon() - a.lon());
        cross == 0.0
            && p.lon() >= a.lon().min(b.lon())
            && p.lon() <= a.lon().max(b.lon())
            && p.lat() >= a.lat().min(b.lat())
            && p.lat() <= a.lat().max(b.lat())
    })
}

/// Whether the position lies strictly inside the closed ring (even-odd crossings of a ray
/// towards the east).
fn inside_ring(ring: &[LonLat], p: LonLat) -> bool {
    let mut inside = false;
    for (a, b) in edges(ring) {
        if (a.lat() > p.lat()) != (b.lat() > p.lat()) {
            let crossing =
                a.lon() + (p.lat() - a.lat()) / (b.lat() - a.lat()) * (b.lon() - a.lon());
            if p.lon() < crossing {
                inside = !inside;
            }
        }
    }
    inside
}

/// SQL `LIKE`: `%` matches any run of characters, `_` exactly one, `\` makes the next
/// character literal. Greedy with one backtracking point, so it costs at most
/// text × pattern steps.
fn like(text: &str, pattern: &str) -> bool {
    let (mut t, mut p) = (0, 0);
    // After the last `%`: where the pattern resumes, and where in the text it was tried.
    let mut retry: Option<(usize, usize)> = None;
    loop {
        if let Some((token, after)) = pattern_token(pattern, p) {
            let matched = match token {
                Token::Run => {
                    retry = Some((after, t));
                    p = after;
                    continue;
                }
                Token::One => text[t..].chars().next().map(char::len_utf8),
                Token::Char(c) => text[t..].starts_with(c).then(|| c.len_utf8()),
            };
            if let Some(len) = matched {
                t += len;
                p = after;
                continue;
            }
        } else if t == text.len() {
            return true;
        }
        // A mismatch: let the last `%` swallow one more character, if there is one.
        let Some((resume, tried)) = retry else {
            return false;
        };
        let Some(c) = text[tried..].chars().next() else {
            return false;
        };
        t = tried + c.len_utf8();
        p = resume;
        retry = Some((resume, t));
    }
}

enum Token {
    Run,
    One,
    Char(char),
}

/// The pattern's token at byte `at` and the byte after it; `None` at the end.
fn pattern_token(pattern: &str, at: usize) -> Option<(Token, usize)> {
    let mut chars = pattern[at..].chars();
    let c = chars.next()?;
    let after = at + c.len_utf8();
    Some(match c {
        '%' => (Token::Run, after),
        '_' => (Token::One, after),
        '\\' => match chars.next() {
            Some(escaped) => (Token::Char(escaped), after + escaped.len_utf8()),
            // Refused when parsed; as a literal backslash otherwise.
            None => (Token::Char('\\'), after),
        },
        c => (Token::Char(c), after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cql2::parse_cql2_text;
    use crate::queryables::Collection;
    use canvass_model::{CanExport, Kind, Placement, RecordingMode};
    use chrono::{DateTime, NaiveDate, Utc};

    fn at(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    fn instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    /// A camera with views street (bit 0) and driveway (bit 2), no facing, range 30 m.
    fn camera() -> CameraFeature {
        CameraFeature {
            id: 7,
            at: at(-122.03, 37.97),
            placement: Placement::Exterior,
            views: 0b101,
            facing_deg: None,
            fov_deg: Some(90.0),
            range_m: Some(30.0),
            retention_days: Some(14),
            recording_mode: RecordingMode::Motion,
            can_export: CanExport::Yes,
            kind: Kind::Residence,
            verified_on: NaiveDate::from_ymd_opt(2024, 3, 1),
            updated_at: instant("2024-05-01T12:00:00Z"),
            contact: None,
        }
    }

    fn holds(filter: &str) -> bool {
        parse_cql2_text(Collection::Cameras, filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches(&camera())
    }

    #[test]
    fn comparisons() {
        assert!(holds("range_m = 30"));
        assert!(holds("range_m <> 31"));
        assert!(holds(
            "range_m < 31 AND range_m <= 30 AND range_m > 29 AND range_m >= 30"
        ));
        assert!(!holds("range_m > 30"));
        assert!(holds("id = 7"));
        assert!(holds("kind = 'residence'"));
        assert!(!holds("kind = 'business'"));
        assert!(holds("verified_on < DATE('2024-03-02')"));
        assert!(holds("verified_on = '2024-03-01'"));
        assert!(holds(
            "updated_at >= TIMESTAMP('2024-05-01T14:00:00+02:00')"
        ));
    }

    #[test]
    fn nulls_are_unknown_and_never_true() {
        assert!(!holds("facing_deg = 0"));
        assert!(!holds("facing_deg <> 0"));
        assert!(!holds("NOT facing_deg = 0"));
        assert!(!holds("NOT (facing_deg = 0 AND id = 7)"));
        assert!(holds("NOT (facing_deg = 0 AND id = 8)"));
        assert!(holds("facing_deg = 0 OR id = 7"));
        assert!(!holds("NOT (facing_deg = 0 OR id = 8)"));
        assert!(!holds("facing_deg IN (1, 2)"));
        assert!(!holds("facing_deg NOT IN (1, 2)"));
        assert!(!holds("facing_deg BETWEEN 0 AND 360"));
        assert!(!holds("facing_deg NOT BETWEEN 0 AND 360"));
        assert!(holds("facing_deg IS NULL"));
        assert!(!holds("facing_deg IS NOT NULL"));
        assert!(holds("range_m IS NOT NULL"));
        assert!(!holds("views IS NULL"));
    }

    #[test]
    fn lists_include() {
        assert!(holds("views = 'street'"));
        assert!(holds("views = 'driveway'"));
        assert!(!holds("views = 'sidewalk'"));
        assert!(holds("views <> 'sidewalk'"));
        assert!(!holds("views <> 'street'"));
        assert!(holds("views IN ('yard', 'driveway')"));
        assert!(!holds("views IN ('yard', 'alley')"));
        assert!(holds("views NOT IN ('yard', 'alley')"));
    }

    #[test]
    fn in_and_between() {
        assert!(holds("retention_days IN (7, 14, 30)"));
        assert!(!holds("retention_days IN (7, 30)"));
        assert!(holds("retention_days NOT IN (7, 30)"));
        assert!(holds("retention_days BETWEEN 14 AND 14"));
        assert!(holds("retention_days BETWEEN 1 AND 30"));
        assert!(!holds("retention_days BETWEEN 15 AND 30"));
        assert!(holds("retention_days NOT BETWEEN 15 AND 30"));
        assert!(!holds("retention_days BETWEEN 30 AND 1"));
        assert!(holds("kind IN ('business', 'residence')"));
    }

    #[test]
    fn like_patterns() {
        assert!(like("residence", "res%"));
        assert!(like("residence", "%dence"));
        assert!(like("residence", "%side%"));
        assert!(like("residence", "r_sidence"));
        assert!(!like("residence", "R%"));
        assert!(!like("residence", "res"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("100%", "100\\%"));
        assert!(!like("1000", "100\\%"));
        assert!(like("a_b", "a\\_b"));
        assert!(!like("axb", "a\\_b"));
        assert!(like("a\\b", "a\\\\b"));
        assert!(like("añb", "a_b"));
        assert!(like("aXbXc", "a%b%c"));
        assert!(!like("aXbXd", "a%b%c"));
        assert!(like("mississippi", "%iss%ppi"));
        assert!(like("abab", "%ab"));
        // No blow-up on a hostile pattern.
        let text = "a".repeat(2_000);
        assert!(!like(&text, &format!("{}b", "%a".repeat(500))));
        assert!(holds("kind LIKE 'res%'"));
        assert!(holds("kind NOT LIKE 'bus%'"));
        assert!(!holds("verified_on IS NULL AND kind LIKE 'res%'"));
    }

    #[test]
    fn spatial() {
        assert!(holds("S_INTERSECTS(geometry, POINT(-122.03 37.97))"));
        assert!(!holds("S_INTERSECTS(geometry, POINT(-122.03 37.971))"));
        assert!(holds("S_INTERSECTS(geometry, BBOX(-123, 37, -122, 38))"));
        assert!(holds(
            "S_INTERSECTS(geometry, BBOX(-122.03, 37.97, -122, 38))"
        ));
        assert!(!holds(
            "S_INTERSECTS(geometry, BBOX(-122.02, 37, -122, 38))"
        ));
        let square =
            |w: f64, s: f64, e: f64, n: f64| vec![at(w, s), at(e, s), at(e, n), at(w, n), at(w, s)];
        let outer = square(0.0, 0.0, 10.0, 10.0);
        let hole = square(4.0, 4.0, 6.0, 6.0);
        let donut = Geometry::Polygon(vec![outer.clone(), hole]);
        assert!(donut.contains(at(1.0, 1.0)));
        assert!(!donut.contains(at(5.0, 5.0)));
        assert!(
            donut.contains(at(4.0, 5.0)),
            "a hole's edge is the polygon's"
        );
        assert!(donut.contains(at(0.0, 3.0)), "the outer edge is inside");
        assert!(donut.contains(at(10.0, 10.0)), "a corner is inside");
        assert!(!donut.contains(at(10.5, 5.0)));
        assert!(!donut.contains(at(-0.5, 0.0)));
        let triangle = Geometry::Polygon(vec![vec![
            at(0.0, 0.0),
            at(4.0, 0.0),
            at(0.0, 4.0),
            at(0.0, 0.0),
        ]]);
        assert!(triangle.contains(at(2.0, 2.0)), "on the diagonal edge");
        assert!(triangle.contains(at(1.0, 1.0)));
        assert!(!triangle.contains(at(2.5, 2.5)));
        assert!(holds(
            "S_INTERSECTS(geometry, POLYGON((-123 37, -121 37, -121 39, -123 39, -123 37)))"
        ));
    }

    #[test]
    fn temporal() {
        // The camera changed at 2024-05-01T12:00:00Z.
        assert!(holds(
            "T_AFTER(updated_at, TIMESTAMP('2024-05-01T11:59:59Z'))"
        ));
        assert!(!holds(
            "T_AFTER(updated_at, TIMESTAMP('2024-05-01T12:00:00Z'))"
        ));
        assert!(holds(
            "T_BEFORE(updated_at, TIMESTAMP('2024-05-01T12:00:01Z'))"
        ));
        assert!(!holds(
            "T_BEFORE(updated_at, TIMESTAMP('2024-05-01T12:00:00Z'))"
        ));
        assert!(holds(
            "T_INTERSECTS(updated_at, TIMESTAMP('2024-05-01T12:00:00Z'))"
        ));
        assert!(holds("T_INTERSECTS(updated_at, DATE('2024-05-01'))"));
        assert!(!holds("T_AFTER(updated_at, DATE('2024-05-01'))"));
        assert!(holds("T_AFTER(updated_at, DATE('2024-04-30'))"));
        assert!(holds("T_BEFORE(updated_at, DATE('2024-05-02'))"));
        assert!(holds(
            "T_INTERSECTS(updated_at, INTERVAL('2024-05-01', '..'))"
        ));
        assert!(holds(
            "T_INTERSECTS(updated_at, INTERVAL('..', '2024-05-01T12:00:00Z'))"
        ));
        assert!(!holds(
            "T_INTERSECTS(updated_at, INTERVAL('..', '2024-05-01T11:00:00Z'))"
        ));
        assert!(holds("T_INTERSECTS(updated_at, INTERVAL('..', '..'))"));
        // Nothing is after an interval that never ends, or before one that never began.
        assert!(!holds("T_AFTER(updated_at, INTERVAL('2020-01-01', '..'))"));
        assert!(!holds("T_BEFORE(updated_at, INTERVAL('..', '2030-01-01'))"));
        assert!(holds("T_AFTER(updated_at, INTERVAL('..', '2024-04-30'))"));
    }

    #[test]
    fn text_orders_by_code_point() {
        let a = Value::Text("Zebra".into());
        let b = Value::Text("apple".into());
        assert_eq!(a.order(&b), Some(Ordering::Less));
        assert_eq!(Value::Integer(1).order(&Value::Number(1.0)), None);
    }
}
