//! `POST /api/v1/canvasses/{id}/requests`: the owners of chosen cameras of a canvass are
//! e-mailed, one message each in their own language, asking them to preserve a recording now
//! or to hand it over for the case. The request, the owners asked and the audit row
//! (`canvass.request`, the registrations asked, the case number) and each owner's mail, queued
//! in the outbox, commit together; the outbox sender mails them and records each outcome on the
//! owner's row (`sent_at`, or `failure`). The answer does not wait on SMTP: it says which
//! mails were queued. The caller never sees an owner's contact: the answer names registrations
//! and cameras only. `GET` on the same path
//! lists a canvass's requests.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::audit::{self, Event};
use canvass_db::footage_requests::{self, OwnerToAsk, RequestProblem, StoredRequest};
use canvass_mail::outbox::{Purpose, ToQueue, queue};
use canvass_mail::{MailError, OwnerMail, footage_window};
use canvass_model::Language;
use canvass_model::contact_seal::ContactKey;
use canvass_model::footage_request::{FootageRequest, FootageRequestBody, MAX_OWNERS, RequestKind};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;
use tokio_postgres::GenericClient;

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
    /// In the outbox; `GET` on the requests shows when it went out.
    queued: bool,
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
    let owners = queue_all(&*tx, &state, &request, &stored)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "footage request mails not queued");
            Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable; try again",
            )
        })?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit a footage request"))
        .map_err(Refusal::unavailable)?;
    drop(db);
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

/// Queues each owner their own message, in the request's transaction. An owner without an
/// e-mail address is recorded at once with what the officer should do instead.
async fn queue_all(
    tx: &impl GenericClient,
    state: &CanvassState,
    request: &FootageRequest,
    stored: &StoredRequest,
) -> Result<Vec<OwnerOutcome>, MailError> {
    let window = footage_window(request.window_start, request.window_end);
    let key = state.keys.ring();
    let mut outcomes = Vec::with_capacity(stored.owners.len());
    for owner in &stored.owners {
        let failure =
            match queue_one(tx, state, key.current(), request, stored, owner, &window).await? {
                true => None,
                false => Some("the owner gave no e-mail address; call them instead"),
            };
        if failure.is_some() {
            footage_requests::record_sending(tx, stored.id, owner.registration_id, failure).await?;
        }
        outcomes.push(OwnerOutcome {
            registration_id: owner.registration_id,
            camera_ids: owner.camera_ids.clone(),
            queued: failure.is_none(),
            failure,
        });
    }
    Ok(outcomes)
}

/// `false` when the owner has no address to write to.
async fn queue_one(
    tx: &impl GenericClient,
    state: &CanvassState,
    key: &ContactKey,
    request: &FootageRequest,
    stored: &StoredRequest,
    owner: &OwnerToAsk,
    window: &str,
) -> Result<bool, MailError> {
    let email = owner.contact.contact.email.trim();
    if email.is_empty() {
        return Ok(false);
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
    let item = ToQueue {
        registration_id: owner.registration_id,
        to: email,
        language,
        mail,
        purpose: Purpose::FootageRequest(stored.id),
    };
    queue(tx, &public.composer, key, item).await?;
    Ok(true)
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
