//! Keyset cursors: where the next page starts, as the sort values and id of the last feature
//! of the page before. The last page of a million then costs what the first does.
//!
//! The text form handed to callers is sealed: URL-safe base64 of a compact encoding of the
//! values and id, followed by an HMAC-SHA-256 tag over that encoding and a canonical encoding
//! of the query's collection, filter and sort. A cursor that was changed in any way, or that
//! was issued for another query, is refused ([`QueryError::Cursor`]) rather than obeyed; the
//! page size and the chosen properties may change between pages.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::QueryError;
use crate::feature::CameraFeature;
use crate::filter::{CompareOp, Filter, Geometry, TemporalOp, TimeRange, Value};
use crate::query::{FeatureQuery, SortKey};
use crate::queryables::{Property, PropertyType};

/// Longest cursor text accepted, in characters.
pub const MAX_CURSOR_CHARS: usize = 2_048;

/// The first byte of every sealed cursor: the encoding's version.
const FORMAT: u8 = 1;
/// Bytes of the HMAC tag kept (128 bits).
const TAG_BYTES: usize = 16;
/// Sets these tags apart from any other use of the key.
const DOMAIN: &[u8] = b"canvass feature cursor 1";

/// The position after the last feature of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The last feature's value of each sort key, in the query's sort order (`None` for null).
    pub values: Vec<Option<Value>>,
    /// The last feature's id (the final tie-breaker).
    pub id: i64,
}

impl Cursor {
    /// The position of `feature` under the sort keys.
    pub fn of(feature: &CameraFeature, sort: &[SortKey]) -> Cursor {
        Cursor {
            values: sort.iter().map(|key| feature.value(key.property)).collect(),
            id: feature.id,
        }
    }
}

/// The secret that seals and opens cursors. Every server answering the same clients must hold
/// the same key; a new key refuses every cursor issued under the old one.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl CursorKey {
    /// A key from 32 secret bytes.
    pub fn new(bytes: [u8; 32]) -> CursorKey {
        CursorKey(bytes)
    }

    /// The cursor as text for a `next` link of `query`.
    pub fn seal(&self, cursor: &Cursor, query: &FeatureQuery) -> String {
        let mut payload = vec![FORMAT];
        payload.extend(cursor.id.to_be_bytes());
        put_length(&mut payload, cursor.values.len());
        for value in &cursor.values {
            put_value(&mut payload, value.as_ref());
        }
        let tag = self.mac(query, &payload).finalize().into_bytes();
        payload.extend(&tag[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(payload)
    }

    /// The cursor `text` names, when this key sealed it for this `query` (same collection,
    /// filter and sort) and its values fit the sort keys.
    pub fn open(&self, text: &str, query: &FeatureQuery) -> Result<Cursor, QueryError> {
        if text.len() > MAX_CURSOR_CHARS {
            return Err(QueryError::Cursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| QueryError::Cursor)?;
        let split = bytes
            .len()
            .checked_sub(TAG_BYTES)
            .ok_or(QueryError::Cursor)?;
        let (payload, tag) = bytes.split_at(split);
        self.mac(query, payload)
            .verify_truncated_left(tag)
            .map_err(|_| QueryError::Cursor)?;
        decode(payload, &query.sort).ok_or(QueryError::Cursor)
    }

    /// The MAC over the query's fingerprint and the payload.
    fn mac(&self, query: &FeatureQuery, payload: &[u8]) -> Hmac<Sha256> {
        // HMAC pads a key shorter than the hash's block with zeros; padding it here gives the
        // same MAC through the constructor that cannot fail.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        let mut mac = <Hmac<Sha256> as Mac>::new(&block.into());
        mac.update(DOMAIN);
        mac.update(&fingerprint(query));
        mac.update(payload);
        mac
    }
}

/// What a cursor is valid for: a prefix-free encoding of the collection, sort and filter.
fn fingerprint(query: &FeatureQuery) -> Vec<u8> {
    let mut out = Vec::new();
    put_bytes(&mut out, query.collection.id().as_bytes());
    put_length(&mut out, query.sort.len());
    for key in &query.sort {
        put_bytes(&mut out, key.property.name().as_bytes());
        out.push(u8::from(key.descending));
    }
    match &query.filter {
        None => out.push(0),
        Some(filter) => {
            out.push(1);
            put_filter(&mut out, filter);
        }
    }
    out
}

/// A length as LEB128.
fn put_length(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_length(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_timestamp(out: &mut Vec<u8>, at: DateTime<Utc>) {
    out.extend(at.timestamp().to_be_bytes());
    out.extend(at.timestamp_subsec_nanos().to_be_bytes());
}

fn put_value(out: &mut Vec<u8>, value: Option<&Value>) {
    match value {
        None => out.push(0),
        Some(Value::Integer(n)) => {
            out.push(1);
            out.extend(n.to_be_bytes());
        }
        Some(Value::Number(x)) => {
            out.push(2);
            out.extend(x.to_bits().to_be_bytes());
        }
        Some(Value::Text(text)) => {
            out.push(3);
            put_bytes(out, text.as_bytes());
        }
        Some(Value::Date(day)) => {
            out.push(4);
            out.extend(day.num_days_from_ce().to_be_bytes());
        }
        Some(Value::Timestamp(at)) => {
            out.push(5);
            put_timestamp(out, *at);
        }
    }
}

fn put_filter(out: &mut Vec<u8>, filter: &Filter) {
    let property = |out: &mut Vec<u8>, p: &Property| put_bytes(out, p.name().as_bytes());
    match filter {
        Filter::And(parts) | Filter::Or(parts) => {
            out.push(if matches!(filter, Filter::And(_)) {
                b'&'
            } else {
                b'|'
            });
            put_length(out, parts.len());
            parts.iter().for_each(|part| put_filter(out, part));
        }
        Filter::Not(inner) => {
            out.push(b'!');
            put_filter(out, inner);
        }
        Filter::Compare {
            property: p,
            op,
            value,
        } => {
            out.push(b'c');
            property(out, p);
            out.push(match op {
                CompareOp::Eq => 0,
                CompareOp::Ne => 1,
                CompareOp::Lt => 2,
                CompareOp::Le => 3,
                CompareOp::Gt => 4,
                CompareOp::Ge => 5,
            });
            put_value(out, Some(value));
        }
        Filter::Like {
            property: p,
            pattern,
        } => {
            out.push(b'l');
            property(out, p);
            put_bytes(out, pattern.as_bytes());
        }
        Filter::In {
            property: p,
            values,
        } => {
            out.push(b'i');
            property(out, p);
            put_length(out, values.len());
            values.iter().for_each(|v| put_value(out, Some(v)));
        }
        Filter::Between {
            property: p,
            low,
            high,
        } => {
            out.push(b'b');
            property(out, p);
            put_value(out, Some(low));
            put_value(out, Some(high));
        }
        Filter::IsNull(p) => {
            out.push(b'n');
            property(out, p);
        }
        Filter::Intersects(geometry) => {
            out.push(b's');
            put_geometry(out, geometry);
        }
        Filter::Temporal { op, at } => {
            out.push(b't');
            out.push(match op {
                TemporalOp::After => 0,
                TemporalOp::Before => 1,
                TemporalOp::Intersects => 2,
            });
            put_range(out, at);
        }
    }
}

fn put_geometry(out: &mut Vec<u8>, geometry: &Geometry) {
    let number = |out: &mut Vec<u8>, x: f64| out.extend(x.to_bits().to_be_bytes());
    match geometry {
        Geometry::Point(p) => {
            out.push(b'p');
            number(out, p.lon());
            number(out, p.lat());
        }
        Geometry::Envelope(edges) => {
            out.push(b'e');
            edges.iter().for_each(|&x| number(out, x));
        }
        Geometry::Polygon(rings) => {
            out.push(b'P');
            put_length(out, rings.len());
            for ring in rings {
                put_length(out, ring.len());
                for p in ring {
                    number(out, p.lon());
                    number(out, p.lat());
                }
            }
        }
    }
}

fn put_range(out: &mut Vec<u8>, range: &TimeRange) {
    for end in [range.start, range.end] {
        match end {
            None => out.push(0),
            Some(at) => {
                out.push(1);
                put_timestamp(out, at);
            }
        }
    }
}

/// Reads a payload front to back; every read fails on a short payload.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn byte(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    fn length(&mut self) -> Option<usize> {
        let mut n = 0usize;
        for shift in (0..usize::BITS).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn value(&mut self) -> Option<Option<Value>> {
        Some(Some(match self.byte()? {
            0 => return Some(None),
            1 => Value::Integer(i64::from_be_bytes(self.array()?)),
            2 => Value::Number(f64::from_bits(u64::from_be_bytes(self.array()?))),
            3 => {
                let len = self.length()?;
                Value::Text(String::from_utf8(self.take(len)?.to_vec()).ok()?)
            }
            4 => Value::Date(NaiveDate::from_num_days_from_ce_opt(i32::from_be_bytes(
                self.array()?,
            ))?),
            5 => {
                let seconds = i64::from_be_bytes(self.array()?);
                let nanos = u32::from_be_bytes(self.array()?);
                Value::Timestamp(DateTime::from_timestamp(seconds, nanos)?)
            }
            _ => return None,
        }))
    }
}

/// The cursor a payload holds, when it is whole and its values fit the sort keys.
fn decode(payload: &[u8], sort: &[SortKey]) -> Option<Cursor> {
    let mut reader = Reader { bytes: payload };
    if reader.byte()? != FORMAT {
        return None;
    }
    let id = i64::from_be_bytes(reader.array()?);
    if reader.length()? != sort.len() {
        return None;
    }
    let mut values = Vec::with_capacity(sort.len());
    for key in sort {
        let value = reader.value()?;
        if !value.as_ref().is_none_or(|v| fits(key.property, v)) {
            return None;
        }
        values.push(value);
    }
    reader.bytes.is_empty().then_some(Cursor { values, id })
}

/// Whether a value is one the property can hold.
fn fits(property: Property, value: &Value) -> bool {
    match (property.value_type(), value) {
        (PropertyType::Integer, Value::Integer(_))
        | (PropertyType::Text, Value::Text(_))
        | (PropertyType::Date, Value::Date(_))
        | (PropertyType::Timestamp, Value::Timestamp(_)) => true,
        (PropertyType::Number, Value::Number(x)) => x.is_finite(),
        (PropertyType::Enum(words), Value::Text(word)) => words.contains(&word.as_str()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queryables::Collection;

    fn query(sort: Vec<SortKey>, filter: Option<Filter>) -> FeatureQuery {
        FeatureQuery {
            collection: Collection::Cameras,
            filter,
            sort,
            properties: None,
            limit: Some(100),
        }
    }

    fn key(property: Property, descending: bool) -> SortKey {
        SortKey {
            property,
            descending,
        }
    }

    fn every_kind() -> (FeatureQuery, Cursor) {
        let sort = vec![
            key(Property::Kind, false),
            key(Property::RangeM, true),
            key(Property::RetentionDays, false),
            key(Property::VerifiedOn, true),
            key(Property::UpdatedAt, false),
        ];
        let cursor = Cursor {
            values: vec![
                Some(Value::Text("business".into())),
                Some(Value::Number(12.5)),
                None,
                NaiveDate::from_ymd_opt(2024, 2, 29).map(Value::Date),
                DateTime::from_timestamp(1_714_564_800, 123_456_789).map(Value::Timestamp),
            ],
            id: -42,
        };
        let filter = Filter::Compare {
            property: Property::Kind,
            op: CompareOp::Eq,
            value: Value::Text("business".into()),
        };
        (query(sort, Some(filter)), cursor)
    }

    #[test]
    fn a_sealed_cursor_opens_for_its_query() {
        let key = CursorKey::new([7; 32]);
        let (query, cursor) = every_kind();
        let text = key.seal(&cursor, &query);
        assert!(text.len() < 200, "{text}");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(key.open(&text, &query), Ok(cursor.clone()));
        // The page size and the properties may change between pages.
        let mut bigger = query.clone();
        bigger.limit = Some(500);
        bigger.properties = Some(vec![Property::Kind]);
        assert_eq!(key.open(&text, &bigger), Ok(cursor));
        let plain = self::query(vec![], None);
        let first = Cursor {
            values: vec![],
            id: 1,
        };
        assert_eq!(key.open(&key.seal(&first, &plain), &plain), Ok(first));
    }

    #[test]
    fn any_change_is_refused() {
        let key = CursorKey::new([7; 32]);
        let (query, cursor) = every_kind();
        let text = key.seal(&cursor, &query);
        // Every single-character change.
        for i in 0..text.len() {
            let mut changed = text.clone().into_bytes();
            changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(changed).unwrap();
            assert_eq!(
                key.open(&changed, &query),
                Err(QueryError::Cursor),
                "at {i}"
            );
        }
        assert_eq!(key.open(&text[1..], &query), Err(QueryError::Cursor));
        assert_eq!(key.open("", &query), Err(QueryError::Cursor));
        assert_eq!(key.open("!!!!", &query), Err(QueryError::Cursor));
        assert_eq!(
            key.open(&"A".repeat(MAX_CURSOR_CHARS + 1), &query),
            Err(QueryError::Cursor)
        );
        // Another key, collection, sort or filter.
        let other_key = CursorKey::new([8; 32]);
        assert_eq!(other_key.open(&text, &query), Err(QueryError::Cursor));
        let mut other = query.clone();
        other.collection = Collection::CameraContacts;
        assert_eq!(key.open(&text, &other), Err(QueryError::Cursor));
        let mut other = query.clone();
        other.sort[1].descending = false;
        assert_eq!(key.open(&text, &other), Err(QueryError::Cursor));
        let mut other = query.clone();
        other.filter = None;
        assert_eq!(key.open(&text, &other), Err(QueryError::Cursor));
        let mut other = query.clone();
        other.filter = Some(Filter::Compare {
            property: Property::Kind,
            op: CompareOp::Eq,
            value: Value::Text("residence".into()),
        });
        assert_eq!(key.open(&text, &other), Err(QueryError::Cursor));
    }

    #[test]
    fn values_must_fit_the_sort_keys() {
        let key = CursorKey::new([1; 32]);
        let sort = vec![self::key(Property::Kind, false)];
        let q = query(sort, None);
        let wrong_type = Cursor {
            values: vec![Some(Value::Integer(3))],
            id: 1,
        };
        assert_eq!(
            key.open(&key.seal(&wrong_type, &q), &q),
            Err(QueryError::Cursor)
        );
        let not_a_kind = Cursor {
            values: vec![Some(Value::Text("castle".into()))],
            id: 1,
        };
        assert_eq!(
            key.open(&key.seal(&not_a_kind, &q), &q),
            Err(QueryError::Cursor)
        );
        let too_few = Cursor {
            values: vec![],
            id: 1,
        };
        assert_eq!(
            key.open(&key.seal(&too_few, &q), &q),
            Err(QueryError::Cursor)
        );
        let null = Cursor {
            values: vec![None],
            id: 1,
        };
        assert_eq!(key.open(&key.seal(&null, &q), &q), Ok(null));
    }

    #[test]
    fn the_key_is_not_printed() {
        assert_eq!(format!("{:?}", CursorKey::new([0xab; 32])), "CursorKey(..)");
    }

    #[test]
    fn lengths_round_trip() {
        for n in [0, 1, 127, 128, 300, 16_384, usize::MAX] {
            let mut out = Vec::new();
            put_length(&mut out, n);
            assert_eq!(Reader { bytes: &out }.length(), Some(n));
        }
        assert_eq!(Reader { bytes: &[0x80; 12] }.length(), None);
    }
}
