//! A [`FeatureQuery`] as SQL text and typed parameters.
//!
//! The text is assembled only from `&'static str` fragments of this module and of
//! `camera_points` (the base SELECT, the column expressions a `match` on [`Property`] picks,
//! operators) and from generated `$n` placeholders; every value the caller gave is a
//! parameter. A [`Statement`] offers no way to append anything else, so caller text cannot
//! reach the SQL.
//!
//! Semantics are those of the in-memory evaluator (`Filter::matches` in `canvass-feeds`), which
//! follows SQL: three-valued logic (a comparison with a null is unknown, `NOT unknown` is
//! unknown, a row is returned only when its condition is true), text compared and sorted by
//! code point (`COLLATE "C"`). Where a tree holds what no parser makes — a literal of another
//! kind than its property's, `LIKE` on a number, an order comparison on `views` — the SQL says
//! what the evaluator says (unknown, unknown, "includes"), so that the two never disagree.

use canvass_feeds::filter::{MAX_DEPTH, MAX_NODES, MAX_VERTICES};
use canvass_feeds::{
    Collection, CompareOp, Cursor, FeatureQuery, Filter, Geometry, Property, PropertyType,
    QueryError, SortKey, TemporalOp, TimeRange, Value,
};
use tokio_postgres::types::ToSql;

use crate::camera_points::{camera_updated_at, camera_verified_on};

/// SQL's unknown, where a literal of another kind makes a test unknown.
const UNKNOWN: &str = "NULL::boolean";
/// Most sort keys a query may have: each property once.
const MAX_SORT_KEYS: usize = Property::ALL.len();

const COUNT_OPEN: &str = "SELECT count(*) FROM (";
const COUNT_CLOSE: &str = ") matched";

/// SQL text with its parameters, built only from this module's fragments and placeholders.
pub(super) struct Statement {
    text: String,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

/// A bound parameter's placeholder with its type, e.g. `$3::float8`; it may be used twice.
struct Placeholder(String);

impl Statement {
    fn new(base: &'static str) -> Self {
        Statement {
            text: String::from(base),
            params: Vec::new(),
        }
    }

    /// The SQL text.
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// The parameters, in placeholder order.
    pub(super) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| &**p as &(dyn ToSql + Sync))
            .collect()
    }

    fn sql(&mut self, fragment: &'static str) {
        self.text.push_str(fragment);
    }

    fn bind<T: ToSql + Sync + Send + 'static>(
        &mut self,
        value: T,
        cast: &'static str,
    ) -> Placeholder {
        self.params.push(Box::new(value));
        Placeholder(format!("${}::{cast}", self.params.len()))
    }

    fn put(&mut self, placeholder: &Placeholder) {
        self.text.push_str(&placeholder.0);
    }
}

/// `SELECT … WHERE <base> AND <filter> [AND <after cursor>] ORDER BY <sort>, id [LIMIT n]`.
pub(super) fn select(
    base: &'static str,
    query: &FeatureQuery,
    after: Option<&Cursor>,
    limit: Option<u64>,
) -> Result<Statement, QueryError> {
    let mut t = Translator::new(base, query.collection);
    if let Some(filter) = &query.filter {
        t.sql.sql(" AND ");
        t.filter(filter, 1)?;
    }
    if let Some(cursor) = after {
        t.sql.sql(" AND ");
        t.after(&query.sort, cursor)?;
    }
    t.order_by(&query.sort)?;
    if let Some(limit) = limit {
        t.sql.sql(" LIMIT ");
        let n = t.sql.bind(i64::try_from(limit).unwrap_or(i64::MAX), "int8");
        t.sql.put(&n);
    }
    Ok(t.sql)
}

/// `SELECT count(*)` of the rows `select` would give without cursor and limit.
pub(super) fn count(base: &'static str, query: &FeatureQuery) -> Result<Statement, QueryError> {
    let mut t = Translator::new(COUNT_OPEN, query.collection);
    t.sql.sql(base);
    if let Some(filter) = &query.filter {
        t.sql.sql(" AND ");
        t.filter(filter, 1)?;
    }
    t.sql.sql(COUNT_CLOSE);
    Ok(t.sql)
}

struct Translator {
    sql: Statement,
    collection: Collection,
    nodes: usize,
    vertices: usize,
}

impl Translator {
    fn new(base: &'static str, collection: Collection) -> Self {
        Translator {
            sql: Statement::new(base),
            collection,
            nodes: 0,
            vertices: 0,
        }
    }

    /// The column expression of `property`: the allow-list. Text is compared by code point.
    fn column(&self, property: Property) -> Result<&'static str, QueryError> {
        if !self.collection.properties().contains(&property) {
            return Err(QueryError::UnknownProperty {
                collection: self.collection.id(),
                property: property.name().to_owned(),
            });
        }
        Ok(match property {
            Property::Id => "c.id",
            Property::Placement => "c.placement COLLATE \"C\"",
            Property::Views => "c.views",
            Property::FacingDeg => "c.facing_deg",
            Property::FovDeg => "c.fov_deg",
            Property::RangeM => "c.range_m",
            Property::RetentionDays => "c.retention_days",
            Property::RecordingMode => "c.recording_mode COLLATE \"C\"",
            Property::CanExport => "c.can_export COLLATE \"C\"",
            Property::Kind => "r.kind COLLATE \"C\"",
            Property::VerifiedOn => camera_verified_on!(),
            Property::UpdatedAt => camera_updated_at!(),
            Property::Address => "c.address COLLATE \"C\"",
            Property::Language => "r.language COLLATE \"C\"",
            Property::ContactMethod => "r.contact_method COLLATE \"C\"",
            Property::OwnerName | Property::Email | Property::Phone | Property::BusinessName => {
                return Err(QueryError::Unsupported(format!(
                    "filtering or sorting by {property} (it is stored sealed)"
                )));
            }
        })
    }

    /// Binds `value` as a parameter of `property`'s type and writes its placeholder, or `NULL`
    /// for a value of another kind, which compares as unknown (the evaluator orders only values
    /// of one kind).
    fn value(&mut self, property: Property, value: &Value) -> Result<(), QueryError> {
        match self.bind_value(property, value)? {
            Some(placeholder) => self.sql.put(&placeholder),
            None => self.sql.sql("NULL"),
        }
        Ok(())
    }

    /// The parameter of `value`, when it is of `property`'s kind.
    fn bind_value(
        &mut self,
        property: Property,
        value: &Value,
    ) -> Result<Option<Placeholder>, QueryError> {
        Ok(Some(match (property.value_type(), value) {
            (PropertyType::Integer, Value::Integer(i)) => self.sql.bind(*i, "int8"),
            (PropertyType::Number, Value::Number(n)) if n.is_finite() => {
                self.sql.bind(*n, "float8")
            }
            (PropertyType::Number, Value::Number(_)) => {
                return Err(QueryError::BadValue {
                    property: property.name(),
                    problem: "a number must be finite".into(),
                });
            }
            (
                PropertyType::Text | PropertyType::Enum(_) | PropertyType::EnumList(_),
                Value::Text(t),
            ) => self.sql.bind(t.clone(), "text"),
            (PropertyType::Date, Value::Date(d)) => self.sql.bind(*d, "date"),
            (PropertyType::Timestamp, Value::Timestamp(t)) => self.sql.bind(*t, "timestamptz"),
            _ => return Ok(None),
        }))
    }

    fn count_nodes(&mut self, n: usize) -> Result<(), QueryError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(QueryError::TooLarge(format!(
                "more than {MAX_NODES} operators and values"
            )));
        }
        Ok(())
    }

    fn filter(&mut self, filter: &Filter, depth: usize) -> Result<(), QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::TooLarge(format!(
                "nested more than {MAX_DEPTH} deep"
            )));
        }
        self.count_nodes(1)?;
        match filter {
            Filter::And(parts) => self.junction(parts, " AND ", "TRUE", depth),
            Filter::Or(parts) => self.junction(parts, " OR ", "FALSE", depth),
            Filter::Not(inner) => {
                self.sql.sql("(NOT ");
                self.filter(inner, depth + 1)?;
                self.sql.sql(")");
                Ok(())
            }
            Filter::Compare {
                property,
                op,
                value,
            } => self.compare(*property, *op, value),
            Filter::Like { property, pattern } => self.like(*property, pattern),
            Filter::In { property, values } => self.one_of(*property, values),
            Filter::Between {
                property,
                low,
                high,
            } => self.between(*property, low, high),
            Filter::IsNull(property) => {
                let column = self.column(*property)?;
                self.sql.sql("(");
                self.sql.sql(column);
                self.sql.sql(" IS NULL)");
                Ok(())
            }
            Filter::Intersects(geometry) => self.intersects(geometry),
            Filter::Temporal { op, at } => self.temporal(*op, at),
        }
    }

    fn junction(
        &mut self,
        parts: &[Filter],
        operator: &'static str,
        empty: &'static str,
        depth: usize,
    ) -> Result<(), QueryError> {
        if parts.is_empty() {
            self.sql.sql(empty);
            return Ok(());
        }
        self.sql.sql("(");
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                self.sql.sql(operator);
            }
            self.filter(part, depth + 1)?;
        }
        self.sql.sql(")");
        Ok(())
    }

    fn compare(
        &mut self,
        property: Property,
        op: CompareOp,
        value: &Value,
    ) -> Result<(), QueryError> {
        self.count_nodes(1)?;
        let column = self.column(property)?;
        if property == Property::Views {
            // A list: `<>` is "does not include", any other comparison "includes".
            return self.includes(value, op == CompareOp::Ne);
        }
        self.sql.sql("(");
        self.sql.sql(column);
        self.sql.sql(match op {
            CompareOp::Eq => " = ",
            CompareOp::Ne => " <> ",
            CompareOp::Lt => " < ",
            CompareOp::Le => " <= ",
            CompareOp::Gt => " > ",
            CompareOp::Ge => " >= ",
        });
        self.value(property, value)?;
        self.sql.sql(")");
        Ok(())
    }

    /// Whether the views include the word (or, negated, do not); a value that is not a word is
    /// never included.
    fn includes(&mut self, value: &Value, negated: bool) -> Result<(), QueryError> {
        let Value::Text(word) = value else {
            self.sql.sql(if negated { "TRUE" } else { "FALSE" });
            return Ok(());
        };
        self.sql.sql(if negated { "(NOT (" } else { "((" });
        let word = self.sql.bind(word.clone(), "text");
        self.sql.put(&word);
        self.sql.sql(" = ANY(c.views)))");
        Ok(())
    }

    fn like(&mut self, property: Property, pattern: &str) -> Result<(), QueryError> {
        self.count_nodes(1)?;
        let column = self.column(property)?;
        if !matches!(
            property.value_type(),
            PropertyType::Text | PropertyType::Enum(_)
        ) {
            // Not text: unknown.
            self.sql.sql(UNKNOWN);
            return Ok(());
        }
        // A final lone `\\` escapes nothing: it stands for itself, as in the evaluator (PostgreSQL
        // would refuse the pattern).
        let trailing = pattern.chars().rev().take_while(|c| *c == '\\').count();
        let pattern = if trailing % 2 == 1 {
            format!("{pattern}\\")
        } else {
            pattern.to_owned()
        };
        self.sql.sql("(");
        self.sql.sql(column);
        self.sql.sql(" LIKE ");
        let pattern = self.sql.bind(pattern, "text");
        self.sql.put(&pattern);
        self.sql.sql(" ESCAPE '\\')");
        Ok(())
    }

    fn one_of(&mut self, property: Property, values: &[Value]) -> Result<(), QueryError> {
        self.count_nodes(values.len())?;
        let column = self.column(property)?;
        if property == Property::Views {
            // Includes one of the words: the arrays overlap.
            let words: Vec<String> = values
                .iter()
                .filter_map(|v| match v {
                    Value::Text(word) => Some(word.clone()),
                    _ => None,
                })
                .collect();
            if words.is_empty() {
                self.sql.sql("FALSE");
                return Ok(());
            }
            self.sql.sql("(c.views && ");
            let words = self.sql.bind(words, "text[]");
            self.sql.put(&words);
            self.sql.sql(")");
            return Ok(());
        }
        self.sql.sql("(");
        if values.is_empty() {
            // Equal to none of nothing: false, or unknown for a null.
            self.sql.sql("CASE WHEN ");
            self.sql.sql(column);
            self.sql.sql(" IS NULL THEN NULL ELSE FALSE END)");
            return Ok(());
        }
        self.sql.sql(column);
        self.sql.sql(" IN (");
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.sql.sql(", ");
            }
            self.value(property, value)?;
        }
        self.sql.sql("))");
        Ok(())
    }

    /// `low <= column AND column <= high`, as the evaluator takes it: unknown when `low` is of
    /// another kind, and `high` only looked at when `low` holds.
    fn between(&mut self, property: Property, low: &Value, high: &Value) -> Result<(), QueryError> {
        self.count_nodes(2)?;
        let column = self.column(property)?;
        // A list has no single value to range over: unknown, like a null.
        let low = match property {
            Property::Views => None,
            _ => self.bind_value(property, low)?,
        };
        let Some(low) = low else {
            self.sql.sql(UNKNOWN);
            return Ok(());
        };
        self.sql.sql("(");
        self.sql.sql(column);
        self.sql.sql(" >= ");
        self.sql.put(&low);
        self.sql.sql(" AND ");
        self.sql.sql(column);
        self.sql.sql(" <= ");
        self.value(property, high)?;
        self.sql.sql(")");
        Ok(())
    }

    fn coordinate(&mut self, value: f64) -> Result<Placeholder, QueryError> {
        if !value.is_finite() {
            return Err(QueryError::Geometry("coordinates must be finite".into()));
        }
        Ok(self.sql.bind(value, "float8"))
    }

    fn intersects(&mut self, geometry: &Geometry) -> Result<(), QueryError> {
        match geometry {
            Geometry::Point(at) => {
                self.count_vertices(1)?;
                let (x, y) = (self.coordinate(at.lon())?, self.coordinate(at.lat())?);
                // Exactly there: the index finds the candidates, the coordinates decide.
                self.sql.sql("(c.location && ST_SetSRID(ST_MakePoint(");
                self.sql.put(&x);
                self.sql.sql(", ");
                self.sql.put(&y);
                self.sql.sql("), 4326) AND ST_X(c.location) = ");
                self.sql.put(&x);
                self.sql.sql(" AND ST_Y(c.location) = ");
                self.sql.put(&y);
                self.sql.sql(")");
            }
            Geometry::Envelope([west, south, east, north]) => {
                self.count_vertices(2)?;
                let w = self.coordinate(*west)?;
                let s = self.coordinate(*south)?;
                let e = self.coordinate(*east)?;
                let n = self.coordinate(*north)?;
                // The index finds candidates by their (rounded outward) boxes; the coordinate
                // test makes the edges exact and inclusive.
                self.sql.sql("(c.location && ST_MakeEnvelope(");
                for (i, p) in [&w, &s, &e, &n].into_iter().enumerate() {
                    if i > 0 {
                        self.sql.sql(", ");
                    }
                    self.sql.put(p);
                }
                self.sql.sql(", 4326) AND ST_X(c.location) BETWEEN ");
                self.sql.put(&w);
                self.sql.sql(" AND ");
                self.sql.put(&e);
                self.sql.sql(" AND ST_Y(c.location) BETWEEN ");
                self.sql.put(&s);
                self.sql.sql(" AND ");
                self.sql.put(&n);
                self.sql.sql(")");
            }
            Geometry::Polygon(rings) => {
                let mut polygon = Vec::with_capacity(rings.len());
                for ring in rings {
                    self.count_vertices(ring.len())?;
                    let closed = ring.first() == ring.last();
                    if ring.len() < 4 || !closed {
                        return Err(QueryError::Geometry(
                            "each polygon ring must be closed and have at least 4 points".into(),
                        ));
                    }
                    polygon.push(ring.iter().map(|p| (p.lon(), p.lat())).collect());
                }
                if polygon.is_empty() {
                    return Err(QueryError::Geometry("a polygon needs a ring".into()));
                }
                let wkb = canvass_geo::wkb::multi_polygon(None, &[polygon])
                    .map_err(|e| QueryError::Geometry(e.to_string()))?;
                // The boundary counts as inside: ST_Intersects holds there.
                self.sql.sql("ST_Intersects(c.location, ST_GeomFromWKB(");
                let wkb = self.sql.bind(wkb, "bytea");
                self.sql.put(&wkb);
                self.sql.sql(", 4326))");
            }
        }
        Ok(())
    }

    fn count_vertices(&mut self, n: usize) -> Result<(), QueryError> {
        self.vertices += n;
        if self.vertices > MAX_VERTICES {
            return Err(QueryError::TooLarge(format!(
                "geometries of more than {MAX_VERTICES} vertices"
            )));
        }
        Ok(())
    }

    /// A temporal test of the last change: `T_AFTER` after the range's end, `T_BEFORE` before
    /// its start, `T_INTERSECTS` within it (both ends included). An open end is never passed:
    /// nothing is after `..` nor before it.
    fn temporal(&mut self, op: TemporalOp, at: &TimeRange) -> Result<(), QueryError> {
        let bound = |t: &mut Translator, fragment: &'static str, instant| {
            t.sql.sql("(");
            t.sql.sql(camera_updated_at!());
            t.sql.sql(fragment);
            let p = t.sql.bind(instant, "timestamptz");
            t.sql.put(&p);
            t.sql.sql(")");
        };
        match (op, at.start, at.end) {
            (TemporalOp::After, _, Some(end)) => bound(self, " > ", end),
            (TemporalOp::Before, Some(start), _) => bound(self, " < ", start),
            (TemporalOp::After | TemporalOp::Before, _, _) => self.sql.sql("FALSE"),
            (TemporalOp::Intersects, None, None) => self.sql.sql("TRUE"),
            (TemporalOp::Intersects, Some(start), None) => bound(self, " >= ", start),
            (TemporalOp::Intersects, None, Some(end)) => bound(self, " <= ", end),
            (TemporalOp::Intersects, Some(start), Some(end)) => {
                self.sql.sql("(");
                bound(self, " >= ", start);
                self.sql.sql(" AND ");
                bound(self, " <= ", end);
                self.sql.sql(")");
            }
        }
        Ok(())
    }

    fn sort_column(&self, key: &SortKey) -> Result<&'static str, QueryError> {
        if key.property == Property::Views {
            return Err(QueryError::Unsupported("sorting on views (a list)".into()));
        }
        self.column(key.property)
    }

    /// `ORDER BY` the keys, then the id. PostgreSQL's defaults, stated: ascending puts nulls
    /// last, descending puts them first, so a descending key is exactly its ascending order
    /// reversed.
    fn order_by(&mut self, sort: &[SortKey]) -> Result<(), QueryError> {
        if sort.len() > MAX_SORT_KEYS {
            return Err(QueryError::Parameter {
                parameter: "sortby",
                problem: format!("at most {MAX_SORT_KEYS} sort keys"),
            });
        }
        self.sql.sql(" ORDER BY ");
        for key in sort {
            let column = self.sort_column(key)?;
            self.sql.sql(column);
            self.sql.sql(if key.descending {
                " DESC NULLS FIRST, "
            } else {
                " ASC NULLS LAST, "
            });
        }
        self.sql.sql("c.id ASC");
        Ok(())
    }

    /// The rows after `cursor` in the sort order: for some key `i`, every key before it equal
    /// (nulls equal to nulls) and key `i` beyond the cursor's value in its direction; or every
    /// key equal and a greater id.
    fn after(&mut self, sort: &[SortKey], cursor: &Cursor) -> Result<(), QueryError> {
        if cursor.values.len() != sort.len() || sort.len() > MAX_SORT_KEYS {
            return Err(QueryError::Cursor);
        }
        let mut keys = Vec::with_capacity(sort.len());
        for (key, value) in sort.iter().zip(&cursor.values) {
            let column = self.sort_column(key)?;
            let placeholder = match value {
                Some(value) => Some(
                    self.bind_value(key.property, value)
                        .ok()
                        .flatten()
                        .ok_or(QueryError::Cursor)?,
                ),
                None => None,
            };
            keys.push((column, key.descending, placeholder));
        }
        self.sql.sql("(");
        for i in 0..=keys.len() {
            if i > 0 {
                self.sql.sql(" OR ");
            }
            self.sql.sql("(");
            for (column, _, value) in &keys[..i] {
                self.sql.sql(column);
                match value {
                    Some(p) => {
                        self.sql.sql(" = ");
                        self.sql.put(p);
                    }
                    None => self.sql.sql(" IS NULL"),
                }
                self.sql.sql(" AND ");
            }
            match keys.get(i) {
                Some((column, descending, value)) => self.beyond(column, *descending, value),
                None => {
                    self.sql.sql("c.id > ");
                    let id = self.sql.bind(cursor.id, "int8");
                    self.sql.put(&id);
                }
            }
            self.sql.sql(")");
        }
        self.sql.sql(")");
        Ok(())
    }

    /// `column` strictly beyond `value` in the key's direction, nulls last ascending and first
    /// descending.
    fn beyond(&mut self, column: &'static str, descending: bool, value: &Option<Placeholder>) {
        match (descending, value) {
            // Nothing follows a null when nulls come last.
            (false, None) => self.sql.sql("FALSE"),
            (false, Some(p)) => {
                self.sql.sql("(");
                self.sql.sql(column);
                self.sql.sql(" > ");
                self.sql.put(p);
                self.sql.sql(" OR ");
                self.sql.sql(column);
                self.sql.sql(" IS NULL)");
            }
            // Every value follows the nulls that come first.
            (true, None) => {
                self.sql.sql(column);
                self.sql.sql(" IS NOT NULL");
            }
            (true, Some(p)) => {
                self.sql.sql(column);
                self.sql.sql(" < ");
                self.sql.put(p);
            }
        }
    }
}
