//! `GET` and `PATCH /api/v1/canvasses/{id}/cameras/{camera}`: the outcome of contacting a
//! camera's owner (`{"status": "no_answer", "note": "left a card"}`), who set it and when, and
//! every change before it. A change is audited (`canvass.status`, with the case number; the
//! note stays out of the audit trail, as it may name people).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::audit::{self, Event};
use canvass_db::canvasses;
use canvass_model::canvass::StatusBody;
use serde::Serialize;
use serde_json::json;
use tokio_postgres::GenericClient;

use super::answer::StatusJson;
use super::{CanvassState, MAX_STATUS_BODY, bad_input, check_csrf, json_body, no_canvass, path_id};
use crate::http::{ClientInfo, Principal, Refusal};

#[derive(Debug, Serialize)]
struct StatusAnswer<'a> {
    canvass_id: i64,
    camera_id: i64,
    #[serde(flatten)]
    current: StatusJson<'a>,
    history: Vec<StatusJson<'a>>,
}

fn ids(canvass: &str, camera: &str) -> Result<(i64, i64), Refusal> {
    Ok((
        path_id(canvass, "the canvass id")?,
        path_id(camera, "the camera id")?,
    ))
}

/// The camera's outcome and history, or 404 naming what is unknown.
async fn answer(
    client: &impl GenericClient,
    canvass_id: i64,
    camera_id: i64,
) -> Result<Response, Refusal> {
    let found = canvasses::status_history(client, canvass_id, camera_id)
        .await
        .map_err(Refusal::unavailable)?;
    let Some((current, history)) = found else {
        return Err(not_in_canvass(canvass_id, camera_id));
    };
    Ok(Json(StatusAnswer {
        canvass_id,
        camera_id,
        current: StatusJson::new(&current),
        history: history.iter().map(StatusJson::new).collect::<Vec<_>>(),
    })
    .into_response())
}

fn not_in_canvass(canvass_id: i64, camera_id: i64) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        format!("camera {camera_id} is not in canvass {canvass_id}"),
    )
}

/// `GET /api/v1/canvasses/{id}/cameras/{camera}`.
pub(crate) async fn show(
    State(state): State<CanvassState>,
    Path((canvass, camera)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let (canvass_id, camera_id) = ids(&canvass, &camera)?;
    let db = state.db.client().await.map_err(Refusal::unavailable)?;
    let known = canvasses::case_number(&**db, canvass_id)
        .await
        .map_err(Refusal::unavailable)?;
    if known.is_none() {
        return Err(no_canvass(canvass_id));
    }
    answer(&**db, canvass_id, camera_id).await
}

/// `PATCH /api/v1/canvasses/{id}/cameras/{camera}`.
pub(crate) async fn change(
    State(state): State<CanvassState>,
    principal: Principal,
    client: ClientInfo,
    Path((canvass, camera)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    check_csrf(&principal, &headers)?;
    let (canvass_id, camera_id) = ids(&canvass, &camera)?;
    let body: StatusBody = json_body(&headers, body, MAX_STATUS_BODY).await?;
    let change = body.check().map_err(bad_input)?;
    let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
    let tx = db
        .transaction()
        .await
        .map_err(DbError::pg("begin a status change"))
        .map_err(Refusal::unavailable)?;
    let case_number = canvasses::case_number(&*tx, canvass_id)
        .await
        .map_err(Refusal::unavailable)?
        .ok_or_else(|| no_canvass(canvass_id))?;
    let changed = canvasses::set_status(&*tx, canvass_id, camera_id, &change, &principal.actor)
        .await
        .map_err(Refusal::unavailable)?;
    if !changed {
        return Err(not_in_canvass(canvass_id, camera_id));
    }
    let event = Event {
        case_number: Some(case_number),
        ..client
            .event(principal.actor.clone(), "canvass.status")
            .records(&[camera_id])
            .details(json!({
                "canvass_id": canvass_id,
                "status": change.status.as_str(),
            }))
    };
    audit::record(&*tx, &event)
        .await
        .map_err(Refusal::unavailable)?;
    let response = answer(&*tx, canvass_id, camera_id).await?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit a status change"))
        .map_err(Refusal::unavailable)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canvass_db::canvasses::StatusEntry;
    use canvass_model::canvass::ContactStatus;

    #[test]
    fn an_unset_status_names_nobody() {
        let entry = StatusEntry {
            status: ContactStatus::NotContacted,
            note: None,
            by: None,
            at: None,
        };
        assert_eq!(
            serde_json::to_value(StatusJson::new(&entry)).unwrap(),
            json!({"status": "not_contacted", "note": null, "status_by": null, "status_at": null})
        );
    }
}
