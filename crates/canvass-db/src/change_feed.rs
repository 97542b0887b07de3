//! The change feed for machines that keep a copy of the registry (the records system): every
//! camera that appeared, changed or left, in an order that never skips a row.
//!
//! Rows are read only from transactions below the snapshot's `xmin` (all of them have ended,
//! so no row will ever appear among them later), ordered by `(txid, seq)`, and the cursor is
//! the last `(txid, seq)` delivered. A transaction that commits after a later one is therefore
//! delivered after it, never skipped; a long-running transaction holds the feed back until it
//! ends. An upsert carries the camera's state as of the read; one whose camera has left the
//! map since is delivered as a tombstone (its own later row repeats it).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use crate::DbError;
use crate::camera_points::{CameraPoint, FETCH_ACTIVE, Watermark, point, snapshot};

/// Changes per page at most.
pub const MAX_PAGE: i64 = 10_000;

const PAGE: &str = "SELECT seq, camera_id, op, changed_at, txid::text FROM changes \
     WHERE txid < pg_snapshot_xmin(pg_current_snapshot()) \
       AND (txid, seq) > ($1::text::xid8, $2) \
     ORDER BY txid, seq LIMIT $3";

/// Where a reader stands in the feed: the last change it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedCursor {
    txid: u64,
    seq: i64,
}

impl FeedCursor {
    /// Where a copy complete up to `watermark` (every change of a transaction below it, and
    /// perhaps some above) picks up the feed: at the watermark's first transaction, so nothing
    /// the copy may lack is skipped and what it has already is only applied again.
    pub fn resuming(watermark: Watermark) -> FeedCursor {
        FeedCursor {
            txid: watermark.0.saturating_sub(1),
            seq: i64::MAX,
        }
    }
}

/// A cursor that no answer of this feed could have given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a cursor is two whole numbers joined by a dot, as an answer's `cursor` gives it")]
pub struct CursorError;

impl FromStr for FeedCursor {
    type Err = CursorError;

    fn from_str(text: &str) -> Result<Self, CursorError> {
        let (txid, seq) = text.split_once('.').ok_or(CursorError)?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(txid) || !digits(seq) {
            return Err(CursorError);
        }
        Ok(FeedCursor {
            txid: txid.parse().map_err(|_| CursorError)?,
            seq: seq.parse().map_err(|_| CursorError)?,
        })
    }
}

impl fmt::Display for FeedCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.txid, self.seq)
    }
}

/// What became of a camera.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedOp {
    /// It is on the map, as it is now.
    Upsert(CameraPoint),
    /// It left the map: opted out, lapsed, paused, deleted; a copy must drop it.
    Delete,
}

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedChange {
    /// Position in the feed's own order.
    pub seq: i64,
    /// The camera.
    pub camera_id: i64,
    /// When the change was written.
    pub changed_at: DateTime<Utc>,
    /// What became of it.
    pub op: FeedOp,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// In feed order.
    pub changes: Vec<FeedChange>,
    /// Where to read on from (the cursor given when the page is empty).
    pub cursor: FeedCursor,
    /// More changes are ready now.
    pub more: bool,
}

/// Up to `limit` (1 to [`MAX_PAGE`]) changes after `after`.
pub async fn read(client: &mut Client, after: FeedCursor, limit: i64) -> Result<FeedPage, DbError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let tx = snapshot(client).await?;
    let rows = tx
        .query(PAGE, &[&after.txid.to_string(), &after.seq, &(limit + 1)])
        .await
        .map_err(DbError::pg("read the change feed"))?;
    let more = rows.len() as i64 > limit;
    let mut cursor = after;
    let mut raw = Vec::with_capacity(rows.len());
    for row in rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        let txid: String = row.get(4);
        cursor = FeedCursor {
            txid: txid
                .parse()
                .map_err(|_| DbError::Invalid(format!("txid {txid:?} is not a transaction id")))?,
            seq: row.get(0),
        };
        let op: String = row.get(2);
        raw.push((
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get(3),
            op == "upsert",
        ));
    }
    let upserted: Vec<i64> = raw.iter().filter(|r| r.3).map(|r| r.1).collect();
    let mut current: HashMap<i64, CameraPoint> = HashMap::new();
    if !upserted.is_empty() {
        for row in tx
            .query(FETCH_ACTIVE, &[&upserted])
            .await
            .map_err(DbError::pg("read the changed cameras"))?
        {
            let camera = point(&row)?;
            current.insert(camera.id, camera);
        }
    }
    tx.commit()
        .await
        .map_err(DbError::pg("end the change feed read"))?;
    let changes = raw
        .into_iter()
        .map(|(seq, camera_id, changed_at, upsert)| FeedChange {
            seq,
            camera_id,
            changed_at,
            op: match current.get(&camera_id).filter(|_| upsert) {
                Some(camera) => FeedOp::Upsert(camera.clone()),
                None => FeedOp::Delete,
            },
        })
        .collect();
    Ok(FeedPage {
        changes,
        cursor,
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let cursor: FeedCursor = "7412.35".parse().unwrap();
        assert_eq!(cursor.to_string(), "7412.35");
        assert_eq!(FeedCursor::default().to_string(), "0.0");
        for bad in [
            "",
            "1",
            "1.",
            ".1",
            "-1.2",
            "1.-2",
            "1.2.3",
            "a.b",
            "1e3.4",
            " 1.2",
            "99999999999999999999.1",
            "1.99999999999999999999",
            "'; DROP TABLE changes; --",
        ] {
            assert!(bad.parse::<FeedCursor>().is_err(), "{bad:?}");
        }
    }
}
