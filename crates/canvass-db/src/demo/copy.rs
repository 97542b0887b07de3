//! COPY text encoding: rows of escaped fields, NULLs, bytea and EWKB geometry, streamed to
//! the server a megabyte at a time.

use bytes::{BufMut, Bytes, BytesMut};
use canvass_geo::LonLat;
use canvass_geo::wkb::{self, WkbError};
use futures_util::SinkExt;

use crate::DbError;

const BATCH_BYTES: usize = 1 << 20;
const EPSG_4326: u32 = 4326;

/// Streams rows into a COPY, one megabyte at a time.
pub(super) async fn copy_rows<T>(
    tx: &tokio_postgres::Transaction<'_>,
    statement: &str,
    rows: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut BytesMut, (usize, T)) -> Result<(), DbError>,
) -> Result<u64, DbError> {
    let sink = tx
        .copy_in::<_, Bytes>(statement)
        .await
        .map_err(DbError::pg(statement.to_owned()))?;
    let mut sink = std::pin::pin!(sink);
    let mut buf = BytesMut::with_capacity(BATCH_BYTES + 4096);
    for row in rows.enumerate() {
        write(&mut buf, row)?;
        if buf.len() >= BATCH_BYTES {
            sink.send(buf.split().freeze())
                .await
                .map_err(DbError::pg(statement.to_owned()))?;
        }
    }
    if !buf.is_empty() {
        sink.send(buf.freeze())
            .await
            .map_err(DbError::pg(statement.to_owned()))?;
    }
    sink.as_mut()
        .finish()
        .await
        .map_err(DbError::pg(statement.to_owned()))
}

/// Hex EWKB of a point in EPSG:4326: what PostGIS parses fastest from COPY text.
pub(super) fn point_ewkb(at: LonLat) -> String {
    hex::encode_upper(wkb::point(Some(EPSG_4326), (at.lon(), at.lat())))
}

/// Hex EWKB of a line string in EPSG:4326.
pub(super) fn line_ewkb(points: impl ExactSizeIterator<Item = LonLat>) -> Result<String, WkbError> {
    wkb::line_string(Some(EPSG_4326), points.map(|p| (p.lon(), p.lat()))).map(hex::encode_upper)
}

/// bytea in COPY text format: `\\x` then hex (the backslash itself escaped).
pub(super) fn bytea(bytes: &[u8]) -> String {
    format!("\\\\x{}", hex::encode(bytes))
}

/// A row of fields that are all present.
pub(super) fn write_fields(buf: &mut BytesMut, fields: &[&str]) {
    write_row(buf, fields.iter().map(|f| Some(*f)));
}

/// A row where `None` is SQL NULL.
pub(super) fn write_fields_opt(buf: &mut BytesMut, fields: &[Option<String>]) {
    write_row(buf, fields.iter().map(Option::as_deref));
}

fn write_row<'a>(buf: &mut BytesMut, fields: impl Iterator<Item = Option<&'a str>>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            buf.put_u8(b'\t');
        }
        match field {
            Some(text) => put_escaped(buf, text),
            None => buf.put_slice(b"\\N"),
        }
    }
    buf.put_u8(b'\n');
}

/// COPY text escaping for the characters that would end a field or row. Values that are
/// already escaped (bytea) contain only `\\` and hex digits, which pass through unchanged.
fn put_escaped(buf: &mut BytesMut, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\t' => buf.put_slice(b"\\t"),
            b'\n' => buf.put_slice(b"\\n"),
            b'\r' => buf.put_slice(b"\\r"),
            _ => buf.put_u8(byte),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ewkb_point_layout() {
        let hex = point_ewkb(LonLat::ORIGIN);
        assert!(hex.starts_with("0101000020E6100000"));
        assert_eq!(hex.len(), 50);
    }
}
