//! The active cameras as the in-memory tile index reads them: everything once, under a
//! commit watermark, then only the cameras the change feed names between two watermarks.
//!
//! A watermark is the snapshot's `xmin`: every transaction below it has ended, so the change
//! rows with a `txid` below it are all visible and none will appear later. Reading by `seq`
//! instead could skip a row whose transaction committed after a later one.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use std::pin::pin;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, IsolationLevel, Row};

use canvass_geo::LonLat;
use canvass_model::{CanExport, Kind, Placement, RecordingMode, View};

use crate::DbError;
use crate::places::lon_lat_of;

/// A camera as tiles show it: no owner, no address, no notes.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraPoint {
    /// Camera id.
    pub id: i64,
    /// Where it is (WGS 84).
    pub at: LonLat,
    /// Mounted outside or inside.
    pub placement: Placement,
    /// What it views: bit `i` set for `View::ALL[i]`.
    pub views: u8,
    /// Degrees clockwise from north.
    pub facing_deg: Option<f32>,
    /// Field of view in degrees.
    pub fov_deg: Option<f32>,
    /// Range in metres.
    pub range_m: Option<f32>,
    /// Days footage is kept.
    pub retention_days: Option<i32>,
    /// Continuous or on motion.
    pub recording_mode: RecordingMode,
    /// Whether the owner can export footage.
    pub can_export: CanExport,
    /// Residence or business.
    pub kind: Kind,
    /// Day the owner last confirmed the entry (UTC).
    pub verified_on: Option<NaiveDate>,
    /// When the camera or its registration last changed.
    pub updated_at: DateTime<Utc>,
}

/// A commit watermark: every transaction with a lower id has ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Watermark(pub u64);

/// The last change of an active camera: its own row's or its registration's.
macro_rules! camera_updated_at {
    () => {
        "GREATEST(c.updated_at, r.updated_at)"
    };
}
/// The day the owner last confirmed the entry, in UTC.
macro_rules! camera_verified_on {
    () => {
        "(r.verified_at AT TIME ZONE 'UTC')::date"
    };
}

/// The active cameras (`c`) with their registrations (`r`): the columns [`point`] reads (0 to
/// 13), then `$columns`, then `$joins`, then `$where` after the status test.
macro_rules! active_cameras {
    ($where:literal) => {
        $crate::camera_points::active_cameras!("", "", $where)
    };
    ($columns:literal, $joins:literal, $where:literal) => {
        concat!(
            "SELECT c.id, ST_X(c.location), ST_Y(c.location), c.placement, c.views, \
                    c.facing_deg, c.fov_deg, c.range_m, c.retention_days, c.recording_mode, \
                    c.can_export, r.kind, ",
            $crate::camera_points::camera_verified_on!(),
            ", ",
            $crate::camera_points::camera_updated_at!(),
            $columns,
            " FROM cameras c JOIN registrations r ON r.id = c.registration_id",
            $joins,
            " WHERE r.status = 'active'",
            $where
        )
    };
}
pub(crate) use {active_cameras, camera_updated_at, camera_verified_on};

const LOAD_ACTIVE: &str = active_cameras!("");
pub(crate) const FETCH_ACTIVE: &str = active_cameras!(" AND c.id = ANY($1)");
const WATERMARK: &str = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text";
const CHANGES_FROM: &str = "SELECT seq, camera_id, txid >= $2::text::xid8 FROM changes \
                            WHERE txid >= $1::text::xid8";

/// Reads every active camera into `each`, and the watermark the set is complete up to.
pub async fn load_active(
    client: &mut Client,
    mut each: impl FnMut(CameraPoint),
) -> Result<Watermark, DbError> {
    let tx = snapshot(client).await?;
    let watermark = read_watermark(&tx).await?;
    let rows = tx
        .query_raw(LOAD_ACTIVE, std::iter::empty::<&(dyn ToSql + Sync)>())
        .await
        .map_err(DbError::pg("load active cameras"))?;
    let mut rows = pin!(rows);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(DbError::pg("load active cameras"))?
    {
        each(point(&row)?);
    }
    tx.commit().await.map_err(DbError::pg("end camera load"))?;
    Ok(watermark)
}

/// Cameras the change feed names since a watermark, with their current state.
#[derive(Debug, Default)]
pub struct ChangeBatch {
    /// The watermark to read from next time.
    pub watermark: Watermark,
    /// Every camera named by a change not applied before.
    pub ids: Vec<i64>,
    /// The current state of those still active; an id without a point has left the map.
    pub points: Vec<CameraPoint>,
    /// Change rows at or above the new watermark: committed and applied now, but read again
    /// next time (their transaction id is not yet below every running one); pass them back.
    pub applied_above: HashSet<i64>,
}

/// What changed since `since`. Rows of transactions that committed while an older one still
/// runs are applied at once (and remembered in `applied_above`), rather than waiting for the
/// watermark to pass them.
pub async fn changes_since(
    client: &mut Client,
    since: Watermark,
    applied_above: &HashSet<i64>,
) -> Result<ChangeBatch, DbError> {
    let tx = snapshot(client).await?;
    let now = read_watermark(&tx).await?.max(since);
    let rows = tx
        .query(CHANGES_FROM, &[&since.0.to_string(), &now.0.to_string()])
        .await
        .map_err(DbError::pg("read change feed"))?;
    let mut batch = ChangeBatch {
        watermark: now,
        ..ChangeBatch::default()
    };
    let mut ids = HashSet::new();
    for row in rows {
        let (seq, camera, above): (i64, i64, bool) = (row.get(0), row.get(1), row.get(2));
        if above {
            batch.applied_above.insert(seq);
        }
        if !applied_above.contains(&seq) {
            ids.insert(camera);
        }
    }
    batch.ids = ids.into_iter().collect();
    if !batch.ids.is_empty() {
        for row in tx
            .query(FETCH_ACTIVE, &[&batch.ids])
            .await
            .map_err(DbError::pg("read changed cameras"))?
        {
            batch.points.push(point(&row)?);
        }
    }
    tx.commit().await.map_err(DbError::pg("end change read"))?;
    Ok(batch)
}

/// A read-only transaction on one snapshot, so that the watermark and the rows agree.
pub(crate) async fn snapshot(
    client: &mut Client,
) -> Result<tokio_postgres::Transaction<'_>, DbError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(DbError::pg("begin snapshot read"))
}

async fn read_watermark(tx: &tokio_postgres::Transaction<'_>) -> Result<Watermark, DbError> {
    let text: String = tx
        .query_one(WATERMARK, &[])
        .await
        .map_err(DbError::pg("read watermark"))?
        .get(0);
    text.parse()
        .map(Watermark)
        .map_err(|_| DbError::Invalid(format!("watermark {text:?} is not a transaction id")))
}

pub(crate) fn point(row: &Row) -> Result<CameraPoint, DbError> {
    let bad = |what: &str, value: &str| DbError::Invalid(format!("camera {what} {value:?}"));
    let text = |i: usize| -> Result<String, DbError> {
        row.try_get(i).map_err(DbError::pg("read camera row"))
    };
    let views: Vec<String> = row.try_get(4).map_err(DbError::pg("read camera row"))?;
    let mut mask = 0u8;
    for view in &views {
        let parsed: View = view.parse().map_err(|_| bad("view", view))?;
        let index = View::ALL.iter().position(|v| *v == parsed).unwrap_or(0);
        mask |= 1 << index;
    }
    let placement = text(3)?;
    let recording = text(9)?;
    let export = text(10)?;
    let kind = text(11)?;
    Ok(CameraPoint {
        id: row.get(0),
        at: lon_lat_of(row, 1, "a camera")?,
        placement: placement
            .parse()
            .map_err(|_| bad("placement", &placement))?,
        views: mask,
        facing_deg: row.get(5),
        fov_deg: row.get(6),
        range_m: row.get(7),
        retention_days: row.get(8),
        recording_mode: recording
            .parse()
            .map_err(|_| bad("recording mode", &recording))?,
        can_export: export.parse().map_err(|_| bad("export answer", &export))?,
        kind: kind.parse().map_err(|_| bad("kind", &kind))?,
        verified_on: row.get(12),
        updated_at: row.get(13),
    })
}
