//! `POST /api/v1/canvasses/{id}/requests`: the owners of chosen cameras of a canvass are
//! e-mailed, one message each in their own language, asking them to preserve a recording now
//! or to hand it over for the case. The request, the owners asked and the audit row
//! (`canvass.request`, the registrations asked, the case number) commit together before any
//! mail leaves; each mail's outcome is recorded after it is sent. The caller never sees an
//! owner's contact: the answer names registrations and cameras only. `GET` on the same path
//! lists a canvass's requests.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::audit::{self, Event};
use canvass_db::footage_requests::{self, OwnerToAsk, RequestProblem, StoredRequest};
use canvass_mail::{OwnerMail, footage_window};
use canvass_model::Language;
use canvass_model::footage_request::{FootageRequest, FootageRequestBody, MAX_OWNERS, RequestKind};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;

use super::{
    CanvassState, MAX_STATUS_BODY, bad_input, check_csrf, db_failure, json_body, no_canvass,
    path_id,
};
use crate::http::{ClientInfo, Principal, Refusal};

/// What became of one owner's mail.
#[derive(Debug, Serialize)]
struct OwnerOutcome {
    registration_id: i64,
    camera_ids: Vec<i64>,
    sent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct RequestAnswer {
    id: i64,
    canvass_id: i64,
    kind: RequestKind,
    window_start: String,
    window_end: String,
    requested_at: String,
    owners: Vec<OwnerOutcome>,
    /// Cameras whose owners left the registry since the canvass ran: nobody was asked.
    not_registered: Vec<i64>,
}

/// `POST /api/v1/canvasses/{id}/requests`.
pub(crate) async fn create(
    State(state): State<CanvassState>,
    principal: Principal,
    client: ClientInfo,
    Path(canvass): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    check_csrf(&principal, &headers)?;
    let canvass_id = path_id(&canvass, "the canvass id")?;
    let body: FootageRequestBody = json_body(&headers, body, MAX_STATUS_BODY).await?;
    let request = body.check(Utc::now()).map_err(bad_input)?;

    let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
    let tx = db
        .transaction()
        .await
        .map_err(DbError::pg("begin a footage request"))
        .map_err(Refusal::unavailable)?;
    let stored = footage_requests::create(
        &*tx,
        state.keys.as_ref(),
        canvass_id,
        &request,
        &principal.actor,
    )
    .await
    .map_err(db_failure)?
    .map_err(|problem| refused(canvass_id, problem))?;
    let mut asked: Vec<i64> = stored.owners.iter().map(|o| o.registration_id).collect();
    asked.sort_unstable();
    let event = Event {
        case_number: Some(stored.case_number.clone()),
        ..client
            .event(principal.actor.clone(), "canvass.request")
            .records(&asked)
            .details(json!({
                "canvass_id": canvass_id,
                "request_id": stored.id,
                "kind": request.kind.as_str(),
                "cameras": request.camera_ids.len(),
            }))
    };
    audit::record(&*tx, &event)
        .await
        .map_err(Refusal::unavailable)?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit a footage request"))
        .map_err(Refusal::unavailable)?;
    drop(db);

    let owners = send_all(&state, &request, &stored).await;
    let answer = RequestAnswer {
        id: stored.id,
        canvass_id,
        kind: request.kind,
        window_start: request
            .window_start
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        window_end: request
            .window_end
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        requested_at: stored
            .requested_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        owners,
        not_registered: stored.not_registered,
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `GET /api/v1/canvasses/{id}/requests`: every footage request of the canvass — who asked,
/// when, for which window, and per owner the cameras and whether the mail went out. No
/// contact detail: the officer sees registrations, as in the answer to the request.
pub(crate) async fn list(
    State(state): State<CanvassState>,
    Path(canvass): Path<String>,
) -> Result<Response, Refusal> {
    let canvass_id = path_id(&canvass, "the canvass id")?;
    let db = state.db.client().await.map_err(Refusal::unavailable)?;
    if canvass_db::canvasses::case_number(&**db, canvass_id)
        .await
        .map_err(Refusal::unavailable)?
        .is_none()
    {
        return Err(no_canvass(canvass_id));
    }
    let requests = footage_requests::list(&**db, canvass_id)
        .await
        .map_err(Refusal::unavailable)?;
    let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let requests: Vec<serde_json::Value> = requests
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "kind": r.kind,
                "window_start": time(r.window_start),
                "window_end": time(r.window_end),
                "officer_name": r.officer_name,
                "callback_phone": r.callback_phone,
                "requested_by": r.requested_by,
                "requested_at": time(r.requested_at),
                "owners": r.owners,
            })
        })
        .collect();
    Ok(Json(json!({ "canvass_id": canvass_id, "requests": requests })).into_response())
}

/// Sends each owner their own message and records the outcome. A mail that cannot be sent
/// does not stop the others; its owner's row says why, in words with no contact detail.
async fn send_all(
    state: &CanvassState,
    request: &FootageRequest,
    stored: &StoredRequest,
) -> Vec<OwnerOutcome> {
    let window = footage_window(request.window_start, request.window_end);
    let mut outcomes = Vec::with_capacity(stored.owners.len());
    for owner in &stored.owners {
        let failure = send_one(state, request, stored, owner, &window).await;
        if let Err(e) = record(state, stored.id, owner.registration_id, failure).await {
            tracing::warn!(error = %e, request = stored.id, "the outcome of a footage mail was not recorded");
        }
        outcomes.push(OwnerOutcome {
            registration_id: owner.registration_id,
            camera_ids: owner.camera_ids.clone(),
            sent: failure.is_none(),
            failure,
        });
    }
    outcomes
}

/// `None` when the mail went out; otherwise why not.
async fn send_one(
    state: &CanvassState,
    request: &FootageRequest,
    stored: &StoredRequest,
    owner: &OwnerToAsk,
    window: &str,
) -> Option<&'static str> {
    let email = owner.contact.contact.email.trim();
    if email.is_empty() {
        return Some("the owner gave no e-mail address; call them instead");
    }
    let language = owner
        .contact
        .language
        .parse::<Language>()
        .unwrap_or(Language::En);
    let name = owner.contact.contact.name.as_str();
    let public = &state.public;
    let mail = match request.kind {
        RequestKind::Preservation => OwnerMail::PreservationRequest {
            name,
            window,
            phone: &public.department.phone,
        },
        RequestKind::Footage => OwnerMail::FootageRequest {
            name,
            window,
            case: &stored.case_number,
            officer: request.officer_name.as_deref().unwrap_or_default(),
            callback: request.callback_phone.as_deref().unwrap_or_default(),
        },
    };
    let message = public.composer.compose(language, mail);
    match state.mailer.send(email, &message).await {
        Ok(()) => None,
        Err(e) => {
            tracing::warn!(error = %e, request = stored.id, "a footage request mail was not sent");
            Some("the mail could not be sent; try again later or call the owner")
        }
    }
}

async fn record(
    state: &CanvassState,
    request_id: i64,
    registration_id: i64,
    failure: Option<&str>,
) -> Result<(), DbError> {
    let db = state.db.client().await?;
    footage_requests::record_sending(&**db, request_id, registration_id, failure).await
}

fn refused(canvass_id: i64, problem: RequestProblem) -> Refusal {
    match problem {
        RequestProblem::UnknownCanvass => no_canvass(canvass_id),
        RequestProblem::NotInCanvass(ids) => {
            let shown: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
            Refusal::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "camera_ids: {}{} not in canvass {canvass_id}",
                    shown.join(", "),
                    if ids.len() > 10 { ", …" } else { "" }
                ),
            )
        }
        RequestProblem::TooManyOwners(owners) => Refusal::new(
            StatusCode::BAD_REQUEST,
            format!(
                "camera_ids: these cameras belong to {owners} owners; one request mails at most \
                 {MAX_OWNERS}, so send it in parts"
            ),
        ),
    }
}
