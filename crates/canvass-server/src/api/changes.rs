//! `GET /api/v1/changes?after=CURSOR&limit=N`: the change feed for the records system.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::Database;
use canvass_db::camera_points::CameraPoint;
use canvass_db::change_feed::{self, FeedChange, FeedCursor, FeedOp};
use canvass_model::View;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::http::Refusal;

/// Changes per page unless the caller asks for another number.
const DEFAULT_LIMIT: i64 = 1_000;

#[derive(Debug, Deserialize)]
pub(crate) struct ChangesQuery {
    after: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
struct Page {
    changes: Vec<Change>,
    /// Give it back as `after` to read on.
    cursor: String,
    /// The next page's address.
    next: String,
    /// More changes are ready now; otherwise poll `next` later.
    more: bool,
}

#[derive(Debug, Serialize)]
struct Change {
    seq: i64,
    camera_id: i64,
    op: &'static str,
    changed_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    camera: Option<Camera>,
}

/// A camera as feeds show it: no owner, no address, no notes.
#[derive(Debug, Serialize)]
struct Camera {
    lon: f64,
    lat: f64,
    placement: &'static str,
    views: Vec<&'static str>,
    facing_deg: Option<f32>,
    fov_deg: Option<f32>,
    range_m: Option<f32>,
    retention_days: Option<i32>,
    recording_mode: &'static str,
    can_export: &'static str,
    kind: &'static str,
    verified_on: Option<String>,
    updated_at: String,
}

pub(crate) async fn changes(
    State(db): State<Arc<Database>>,
    Query(query): Query<ChangesQuery>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let after = match query.after.as_deref().filter(|a| !a.is_empty()) {
        None => FeedCursor::default(),
        Some(text) => text.parse().map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                format!("after: {e} (like 7412.35)"),
            )
        })?,
    };
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=change_feed::MAX_PAGE).contains(n))
            .ok_or_else(|| {
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "limit must be a whole number from 1 to {}",
                        change_feed::MAX_PAGE
                    ),
                )
            })?,
    };
    let mut client = db.client().await.map_err(Refusal::unavailable)?;
    let page = change_feed::read(&mut client, after, limit)
        .await
        .map_err(Refusal::unavailable)?;
    let cursor = page.cursor.to_string();
    let body = Page {
        next: format!("/api/v1/changes?after={cursor}&limit={limit}"),
        changes: page.changes.into_iter().map(change).collect(),
        cursor,
        more: page.more,
    };
    let bytes = serde_json::to_vec(&body).map_err(|e| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the change feed",
        )
        .caused_by(e)
    })?;
    let etag = format!("\"{}\"", hex_prefix(&Sha256::digest(&bytes)));
    let etag = HeaderValue::from_str(&etag).map_err(|e| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot tag the change feed",
        )
        .caused_by(e)
    })?;
    let matches = |tag: &str| {
        let tag = tag.trim().trim_start_matches("W/");
        tag == "*" || tag.as_bytes() == etag.as_bytes()
    };
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(matches);
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn hex_prefix(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn change(change: FeedChange) -> Change {
    let (op, camera) = match change.op {
        FeedOp::Upsert(point) => ("upsert", Some(camera(&point))),
        FeedOp::Delete => ("delete", None),
    };
    Change {
        seq: change.seq,
        camera_id: change.camera_id,
        op,
        changed_at: change
            .changed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        camera,
    }
}

fn camera(point: &CameraPoint) -> Camera {
    Camera {
        lon: point.at.lon(),
        lat: point.at.lat(),
        placement: point.placement.as_str(),
        views: View::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| point.views & (1 << i) != 0)
            .map(|(_, v)| v.as_str())
            .collect(),
        facing_deg: point.facing_deg,
        fov_deg: point.fov_deg,
        range_m: point.range_m,
        retention_days: point.retention_days,
        recording_mode: point.recording_mode.as_str(),
        can_export: point.can_export.as_str(),
        kind: point.kind.as_str(),
        verified_on: point.verified_on.map(|d| d.format("%Y-%m-%d").to_string()),
        updated_at: point
            .updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}
