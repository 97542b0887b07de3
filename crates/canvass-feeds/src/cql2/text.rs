//! CQL2 text, by recursive descent: `OR` binds loosest, then `AND`, then `NOT`; a predicate
//! always starts with its property (or is a function such as `S_INTERSECTS`). Keywords are
//! read in any case; property names are exact.

use canvass_geo::LonLat;
use chrono::{DateTime, NaiveDate, Utc};

use crate::cql2::lexer::{Kind, Lexer, Token};
use crate::cql2::literal::{self, End, Literal};
use crate::cql2::nodes::{Builder, check_depth, ordered};
use crate::cql2::{GEOMETRY_PROPERTY, check_size, geometry, located};
use crate::error::{QueryError, cut};
use crate::filter::{CompareOp, Filter, Geometry, TemporalOp, TimeRange, Value};
use crate::queryables::{Collection, Property};

/// Parses a CQL2 text filter on `collection` into a checked [`Filter`]: every property a
/// queryable of the collection, every literal of its property's type, within the size, depth,
/// node and vertex limits of [`crate::filter`]. A comparison names its property on the left.
pub fn parse_cql2_text(collection: Collection, text: &str) -> Result<Filter, QueryError> {
    check_size(text)?;
    let mut parser = Parser {
        lexer: Lexer::new(text),
        peeked: None,
        builder: Builder::new(collection),
    };
    let filter = parser.or_expr(1)?;
    let end = parser.next()?;
    if end.kind != Kind::End {
        return Err(QueryError::Syntax(format!(
            "unexpected {} at byte {}",
            end.kind.describe(),
            end.at
        )));
    }
    Ok(filter)
}

/// Where a message points.
fn byte(at: usize) -> String {
    format!("byte {at}")
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    builder: Builder,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Result<Token<'a>, QueryError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    fn peek(&mut self) -> Result<&Token<'a>, QueryError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        self.peeked
            .as_ref()
            .ok_or_else(|| QueryError::Syntax("the parser lost its place".to_owned()))
    }

    /// Whether the next token is `(`.
    fn opens(&mut self) -> Result<bool, QueryError> {
        Ok(self.peek()?.kind == Kind::Open)
    }

    /// Takes the next token when it is `keyword`.
    fn eat(&mut self, keyword: &str) -> Result<bool, QueryError> {
        let found = self.peek()?.kind.is(keyword);
        if found {
            self.next()?;
        }
        Ok(found)
    }

    /// Takes the next token, which must be `kind`; `context` says what it was for.
    fn expect(&mut self, kind: Kind<'static>, context: &str) -> Result<usize, QueryError> {
        let token = self.next()?;
        if token.kind != kind {
            return Err(QueryError::Syntax(format!(
                "expected {} at byte {} {context}, found {}",
                kind.describe(),
                token.at,
                token.kind.describe()
            )));
        }
        Ok(token.at)
    }

    fn or_expr(&mut self, depth: usize) -> Result<Filter, QueryError> {
        let at = self.peek()?.at;
        check_depth(depth).map_err(|e| located(e, &byte(at)))?;
        let mut terms = vec![self.and_expr(depth)?];
        while self.eat("OR")? {
            terms.push(self.and_expr(depth)?);
        }
        self.builder.or(terms).map_err(|e| located(e, &byte(at)))
    }

    fn and_expr(&mut self, depth: usize) -> Result<Filter, QueryError> {
        let at = self.peek()?.at;
        let mut factors = vec![self.not_expr(depth)?];
        while self.eat("AND")? {
            factors.push(self.not_expr(depth)?);
        }
        self.builder.and(factors).map_err(|e| located(e, &byte(at)))
    }

    fn not_expr(&mut self, depth: usize) -> Result<Filter, QueryError> {
        let at = self.peek()?.at;
        if self.eat("NOT")? {
            check_depth(depth + 1).map_err(|e| located(e, &byte(at)))?;
            let inner = self.not_expr(depth + 1)?;
            return self.builder.not(inner).map_err(|e| located(e, &byte(at)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Filter, QueryError> {
        let token = self.next()?;
        match token.kind {
            Kind::Open => {
                let inner = self.or_expr(depth + 1)?;
                let context = format!("to close the \"(\" at byte {}", token.at);
                self.expect(Kind::Close, &context)?;
                Ok(inner)
            }
            Kind::Word(word) if self.opens()? => self.function(word, token.at),
            Kind::Word(word) => self.predicate(word, token.at),
            Kind::Name(name) => self.predicate(&name, token.at),
            other => Err(QueryError::Syntax(format!(
                "expected a condition (a property, NOT, \"(\" or a function) at byte {}, found {}",
                token.at,
                other.describe()
            ))),
        }
    }

    /// A predicate that starts with its property.
    fn predicate(&mut self, name: &str, at: usize) -> Result<Filter, QueryError> {
        let property = self
            .builder
            .property(name)
            .map_err(|e| located(e, &byte(at)))?;
        let token = self.next()?;
        let here = byte(token.at);
        match &token.kind {
            Kind::Compare(op) => {
                if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                    ordered(property).map_err(|e| located(e, &here))?;
                }
                let value = self.value(property)?;
                self.builder
                    .compare(property, *op, value)
                    .map_err(|e| located(e, &here))
            }
            k if k.is("LIKE") => self.like(property, token.at),
            k if k.is("IN") => self.in_list(property, token.at),
            k if k.is("BETWEEN") => self.between(property, token.at),
            k if k.is("NOT") => {
                let next = self.next()?;
                let inner = match &next.kind {
                    k if k.is("LIKE") => self.like(property, next.at)?,
                    k if k.is("IN") => self.in_list(property, next.at)?,
                    k if k.is("BETWEEN") => self.between(property, next.at)?,
                    other => {
                        return Err(QueryError::Syntax(format!(
                            "expected LIKE, IN or BETWEEN after NOT at byte {}, found {}",
                            next.at,
                            other.describe()
                        )));
                    }
                };
                self.builder.not(inner).map_err(|e| located(e, &here))
            }
            k if k.is("IS") => {
                let negated = self.eat("NOT")?;
                let null = self.next()?;
                if !null.kind.is("NULL") {
                    return Err(QueryError::Syntax(format!(
                        "expected NULL after IS at byte {}, found {}",
                        null.at,
                        null.kind.describe()
                    )));
                }
                let is_null = self
                    .builder
                    .is_null(property)
                    .map_err(|e| located(e, &here))?;
                if negated {
                    self.builder.not(is_null).map_err(|e| located(e, &here))
                } else {
                    Ok(is_null)
                }
            }
            other => Err(QueryError::Syntax(format!(
                "expected =, <>, <, <=, >, >=, LIKE, IN, BETWEEN or IS after {} at byte {}, found {}",
                property,
                token.at,
                other.describe()
            ))),
        }
    }

    fn like(&mut self, property: Property, at: usize) -> Result<Filter, QueryError> {
        let (pattern, _) = self.literal()?;
        self.builder
            .like(property, pattern)
            .map_err(|e| located(e, &byte(at)))
    }

    fn in_list(&mut self, property: Property, at: usize) -> Result<Filter, QueryError> {
        self.expect(Kind::Open, "after IN")?;
        let mut values = vec![self.value(property)?];
        loop {
            let token = self.next()?;
            match token.kind {
                Kind::Comma => values.push(self.value(property)?),
                Kind::Close => break,
                other => {
                    return Err(QueryError::Syntax(format!(
                        "expected \",\" or \")\" in the IN list at byte {}, found {}",
                        token.at,
                        other.describe()
                    )));
                }
            }
        }
        self.builder
            .in_list(property, values)
            .map_err(|e| located(e, &byte(at)))
    }

    fn between(&mut self, property: Property, at: usize) -> Result<Filter, QueryError> {
        ordered(property).map_err(|e| located(e, &byte(at)))?;
        let low = self.value(property)?;
        let and = self.next()?;
        if !and.kind.is("AND") {
            return Err(QueryError::Syntax(format!(
                "expected AND in BETWEEN at byte {}, found {}",
                and.at,
                and.kind.describe()
            )));
        }
        let high = self.value(property)?;
        self.builder
            .between(property, low, high)
            .map_err(|e| located(e, &byte(at)))
    }

    /// A literal of the property's type.
    fn value(&mut self, property: Property) -> Result<Value, QueryError> {
        let (literal, at) = self.literal()?;
        self.builder
            .value(property, literal)
            .map_err(|e| located(e, &byte(at)))
    }

    /// A literal and where it starts.
    fn literal(&mut self) -> Result<(Literal, usize), QueryError> {
        let token = self.next()?;
        let at = token.at;
        let literal = match token.kind {
            Kind::Text(text) => Literal::Text(text),
            Kind::Number(number) => Literal::Number(number),
            Kind::Word(word) if self.opens()? => {
                if word.eq_ignore_ascii_case("TIMESTAMP") {
                    Literal::Timestamp(self.timestamp(at)?)
                } else if word.eq_ignore_ascii_case("DATE") {
                    Literal::Date(self.date(at)?)
                } else {
                    return Err(QueryError::Unsupported(format!(
                        "the function {} as a value at byte {at}",
                        cut(word)
                    )));
                }
            }
            Kind::Word(word)
                if word.eq_ignore_ascii_case("TRUE") || word.eq_ignore_ascii_case("FALSE") =>
            {
                return Err(QueryError::Unsupported(format!(
                    "the boolean {} at byte {at} (no property is boolean)",
                    cut(word)
                )));
            }
            Kind::Word(_) | Kind::Name(_) => {
                return Err(QueryError::Unsupported(format!(
                    "comparing a property with a property or a word at byte {at}"
                )));
            }
            other => {
                return Err(QueryError::Syntax(format!(
                    "expected a value at byte {at}, found {}",
                    other.describe()
                )));
            }
        };
        Ok((literal, at))
    }

    /// The text argument of `NAME('…')`, after the name.
    fn quoted_argument(&mut self, name: &str) -> Result<String, QueryError> {
        let context = format!("after {name}");
        self.expect(Kind::Open, &context)?;
        let token = self.next()?;
        let Kind::Text(text) = token.kind else {
            return Err(QueryError::Syntax(format!(
                "expected the text of {name}(…) at byte {}, found {}",
                token.at,
                token.kind.describe()
            )));
        };
        self.expect(Kind::Close, &format!("to close {name}(…)"))?;
        Ok(text)
    }

    /// `TIMESTAMP('…')`, after the word.
    fn timestamp(&mut self, at: usize) -> Result<DateTime<Utc>, QueryError> {
        let text = self.quoted_argument("TIMESTAMP")?;
        literal::parse_timestamp(&text).ok_or_else(|| {
            QueryError::Syntax(format!(
                "TIMESTAMP at byte {at} takes an RFC 3339 instant such as \
                 2024-05-01T12:00:00Z, not {:?}",
                cut(&text)
            ))
        })
    }

    /// `DATE('…')`, after the word.
    fn date(&mut self, at: usize) -> Result<NaiveDate, QueryError> {
        let text = self.quoted_argument("DATE")?;
        literal::parse_date(&text).ok_or_else(|| {
            QueryError::Syntax(format!(
                "DATE at byte {at} takes a date such as 2024-05-01, not {:?}",
                cut(&text)
            ))
        })
    }

    /// `S_INTERSECTS`, `T_AFTER`, … after the name.
    fn function(&mut self, name: &str, at: usize) -> Result<Filter, QueryError> {
        if name.eq_ignore_ascii_case("S_INTERSECTS") {
            return self.s_intersects(at);
        }
        let temporal = [
            ("T_AFTER", TemporalOp::After),
            ("T_BEFORE", TemporalOp::Before),
            ("T_INTERSECTS", TemporalOp::Intersects),
        ];
        match temporal.iter().find(|(n, _)| name.eq_ignore_ascii_case(n)) {
            Some(&(_, op)) => self.temporal(op, at),
            None => Err(QueryError::Unsupported(format!(
                "the function {} at byte {at}",
                cut(name)
            ))),
        }
    }

    fn s_intersects(&mut self, at: usize) -> Result<Filter, QueryError> {
        self.expect(Kind::Open, "after S_INTERSECTS")?;
        let first = self.spatial_argument()?;
        self.expect(Kind::Comma, "between the arguments of S_INTERSECTS")?;
        let second = self.spatial_argument()?;
        self.expect(Kind::Close, "to close S_INTERSECTS(…)")?;
        let geometry = match (first, second) {
            (None, Some(geometry)) | (Some(geometry), None) => geometry,
            _ => {
                return Err(QueryError::Unsupported(format!(
                    "S_INTERSECTS at byte {at} other than of {GEOMETRY_PROPERTY} with a \
                     POINT, POLYGON or BBOX"
                )));
            }
        };
        self.builder
            .intersects(geometry)
            .map_err(|e| located(e, &byte(at)))
    }

    /// The features' geometry (`None`) or a geometry literal.
    fn spatial_argument(&mut self) -> Result<Option<Geometry>, QueryError> {
        let token = self.next()?;
        let name = match token.kind {
            Kind::Word(word) if is_geometry_word(word) || self.opens()? => {
                return self.geometry(word, token.at).map(Some);
            }
            Kind::Word(word) => word.to_owned(),
            Kind::Name(name) => name,
            other => {
                return Err(QueryError::Syntax(format!(
                    "expected {GEOMETRY_PROPERTY} or a geometry at byte {}, found {}",
                    token.at,
                    other.describe()
                )));
            }
        };
        if name != GEOMETRY_PROPERTY {
            return Err(QueryError::Unsupported(format!(
                "S_INTERSECTS on {:?} at byte {} (only on {GEOMETRY_PROPERTY})",
                cut(&name),
                token.at
            )));
        }
        Ok(None)
    }

    /// A WKT point or polygon, `BBOX(w, s, e, n)` or `ENVELOPE(w, e, n, s)`, after its word.
    fn geometry(&mut self, word: &str, at: usize) -> Result<Geometry, QueryError> {
        let here = byte(at);
        let geometry = match word.to_ascii_uppercase().as_str() {
            "POINT" => {
                self.eat("Z")?;
                self.expect(Kind::Open, "after POINT")?;
                let point = self.position()?;
                self.expect(Kind::Close, "to close the POINT")?;
                Geometry::Point(point)
            }
            "POLYGON" => {
                self.eat("Z")?;
                self.expect(Kind::Open, "after POLYGON")?;
                let mut rings = vec![self.ring()?];
                while self.peek()?.kind == Kind::Comma {
                    self.next()?;
                    rings.push(self.ring()?);
                }
                self.expect(Kind::Close, "to close the POLYGON")?;
                geometry::polygon(rings).map_err(|e| located(e, &here))?
            }
            "BBOX" => {
                let numbers = self.numbers("BBOX", 6)?;
                geometry::envelope(&numbers).map_err(|e| located(e, &here))?
            }
            "ENVELOPE" => {
                // CQL (OGC 07-006) orders an envelope west, east, north, south.
                let numbers = self.numbers("ENVELOPE", 4)?;
                let &[west, east, north, south] = numbers.as_slice() else {
                    return Err(QueryError::Geometry(format!(
                        "ENVELOPE at byte {at} takes 4 numbers: west, east, north, south"
                    )));
                };
                geometry::envelope(&[west, south, east, north]).map_err(|e| located(e, &here))?
            }
            _ => {
                return Err(QueryError::Unsupported(format!(
                    "the geometry {} at byte {at} (use POINT, POLYGON or BBOX)",
                    cut(word)
                )));
            }
        };
        Ok(geometry)
    }

    /// `x y` or `x y z`, as a CRS84 position.
    fn position(&mut self) -> Result<LonLat, QueryError> {
        let at = self.peek()?.at;
        self.builder.vertex().map_err(|e| located(e, &byte(at)))?;
        let x = self.number()?;
        let y = self.number()?;
        if matches!(self.peek()?.kind, Kind::Number(_)) {
            self.number()?;
        }
        geometry::position(x, y).map_err(|e| located(e, &byte(at)))
    }

    /// `(x y, x y, …)`.
    fn ring(&mut self) -> Result<Vec<LonLat>, QueryError> {
        self.expect(Kind::Open, "to start a ring")?;
        let mut ring = vec![self.position()?];
        while self.peek()?.kind == Kind::Comma {
            self.next()?;
            ring.push(self.position()?);
        }
        self.expect(Kind::Close, "to close the ring")?;
        Ok(ring)
    }

    fn number(&mut self) -> Result<f64, QueryError> {
        let token = self.next()?;
        match token.kind {
            Kind::Number(n) => Ok(n.real),
            other => Err(QueryError::Syntax(format!(
                "expected a coordinate at byte {}, found {}",
                token.at,
                other.describe()
            ))),
        }
    }

    /// `(n, n, …)` of at most `most` numbers.
    fn numbers(&mut self, name: &str, most: usize) -> Result<Vec<f64>, QueryError> {
        self.expect(Kind::Open, &format!("after {name}"))?;
        let mut numbers = vec![self.number()?];
        loop {
            let token = self.next()?;
            match token.kind {
                Kind::Comma if numbers.len() < most => numbers.push(self.number()?),
                Kind::Close => return Ok(numbers),
                other => {
                    return Err(QueryError::Syntax(format!(
                        "expected \")\" to close {name} (at most {most} numbers) at byte {}, \
                         found {}",
                        token.at,
                        other.describe()
                    )));
                }
            }
        }
    }

    fn temporal(&mut self, op: TemporalOp, at: usize) -> Result<Filter, QueryError> {
        self.expect(Kind::Open, "after the temporal operator")?;
        let token = self.next()?;
        let name = match token.kind {
            Kind::Word(word) if !self.opens()? => word.to_owned(),
            Kind::Name(name) => name,
            other => {
                return Err(QueryError::Syntax(format!(
                    "expected the property (updated_at) first at byte {}, found {}",
                    token.at,
                    other.describe()
                )));
            }
        };
        let property = self
            .builder
            .property(&name)
            .map_err(|e| located(e, &byte(token.at)))?;
        self.expect(Kind::Comma, "after the property")?;
        let range = self.time_range()?;
        self.expect(Kind::Close, "to close the temporal operator")?;
        self.builder
            .temporal(property, op, range)
            .map_err(|e| located(e, &byte(at)))
    }

    /// `TIMESTAMP('…')`, `DATE('…')` or `INTERVAL(start, end)`.
    fn time_range(&mut self) -> Result<TimeRange, QueryError> {
        let token = self.next()?;
        let at = token.at;
        match token.kind {
            k if k.is("TIMESTAMP") => Ok(literal::instant(self.timestamp(at)?)),
            k if k.is("DATE") => Ok(literal::day(self.date(at)?)),
            k if k.is("INTERVAL") => {
                self.expect(Kind::Open, "after INTERVAL")?;
                let start = self.bound(End::Start)?;
                self.expect(Kind::Comma, "between the ends of the INTERVAL")?;
                let end = self.bound(End::End)?;
                self.expect(Kind::Close, "to close the INTERVAL")?;
                literal::interval(start, end)
                    .map_err(|problem| QueryError::Syntax(format!("{problem} at byte {at}")))
            }
            other => Err(QueryError::Syntax(format!(
                "expected TIMESTAMP(…), DATE(…) or INTERVAL(…, …) at byte {at}, found {}",
                other.describe()
            ))),
        }
    }

    /// One end of an `INTERVAL`: `'..'`, a date or instant in quotes, `DATE(…)`, `TIMESTAMP(…)`.
    fn bound(&mut self, end: End) -> Result<Option<DateTime<Utc>>, QueryError> {
        let token = self.next()?;
        let at = token.at;
        match token.kind {
            Kind::Text(text) => literal::bound(&text, end)
                .map_err(|problem| QueryError::Syntax(format!("{problem} at byte {at}"))),
            k if k.is("TIMESTAMP") => Ok(Some(self.timestamp(at)?)),
            k if k.is("DATE") => {
                let range = literal::day(self.date(at)?);
                Ok(match end {
                    End::Start => range.start,
                    End::End => range.end,
                })
            }
            other => Err(QueryError::Syntax(format!(
                "expected an end of the INTERVAL ('..', a date or an instant) at byte {at}, \
                 found {}",
                other.describe()
            ))),
        }
    }
}

/// Whether a word starts a geometry literal.
fn is_geometry_word(word: &str) -> bool {
    ["POINT", "POLYGON", "BBOX", "ENVELOPE"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}
