//! The JSON API under `/api/v1`.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canvass_db::audit::{self, Actor, Event};
use canvass_model::contact_seal::ContactField;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{ClientInfo, Principal, deny};
use crate::error::{ApiError, db_unavailable};

const SELECT_CONTACT: &str =
    "SELECT r.language, r.contact_method, c.key_id, c.name_sealed, c.email_sealed,
     c.phone_sealed, c.business_name_sealed
     FROM registrations r JOIN contacts c ON c.registration_id = r.id
     WHERE r.id = $1 AND r.status = 'active'";

/// `GET /api/v1/whoami`: the caller's identity as the server sees it.
#[derive(Debug, Serialize)]
pub(crate) struct WhoAmI {
    kind: &'static str,
    name: String,
    role: String,
    pii: bool,
}

pub(crate) async fn whoami(Extension(principal): Extension<Principal>) -> Json<WhoAmI> {
    let (kind, name) = match &principal.actor {
        Actor::User(_, name) => ("user", name.clone()),
        Actor::ApiKey(_, name) => ("api_key", name.clone()),
        Actor::System(name) => ("system", name.clone()),
        Actor::Anonymous => ("anonymous", String::new()),
    };
    Json(WhoAmI {
        kind,
        name,
        role: principal.role.to_string(),
        pii: principal.pii,
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct DisclosureQuery {
    case: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Contact {
    registration_id: i64,
    name: String,
    email: String,
    phone: Option<String>,
    business_name: Option<String>,
    language: String,
    contact_method: String,
}

/// `GET /api/v1/registrations/{id}/contact?case=…&reason=…`: an owner's contact details, for a
/// case. The disclosure is audited in the same transaction as the read.
pub(crate) async fn contact(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<ClientInfo>,
    Path(id): Path<i64>,
    Query(query): Query<DisclosureQuery>,
) -> Response {
    let Some(case) = query
        .case
        .as_deref()
        .map(str::trim)
        .filter(|c| valid_case_number(c))
    else {
        return deny(
            StatusCode::BAD_REQUEST,
            "a case number (1-64 letters, digits, - _ / .) is required to see contact details",
        );
    };
    let reason = query
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500 || r.chars().any(char::is_control)) {
        return deny(
            StatusCode::BAD_REQUEST,
            "reason must be at most 500 characters of text",
        );
    }
    match disclose(&state, &principal, &client, id, case, reason).await {
        Ok(Some(contact)) => Json(contact).into_response(),
        Ok(None) => deny(
            StatusCode::NOT_FOUND,
            "no contact details for this registration (unknown, not active, or opted out)",
        ),
        Err(error) => error.into_response(),
    }
}

async fn disclose(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: i64,
    case: &str,
    reason: Option<&str>,
) -> Result<Option<Contact>, ApiError> {
    let unavailable = |_| ApiError::unavailable();
    let mut db = state.db.client().await.map_err(unavailable)?;
    let tx = db.transaction().await.map_err(|e| {
        tracing::warn!(error = %e, "cannot begin transaction");
        ApiError::unavailable()
    })?;
    let Some(row) = tx.query_opt(SELECT_CONTACT, &[&id]).await.map_err(|e| {
        tracing::warn!(error = %e, "contact read failed");
        ApiError::unavailable()
    })?
    else {
        return Ok(None);
    };
    let key_id: String = row.get(2);
    let keys = &state.contact_keys;
    let open = |field, sealed: Option<Vec<u8>>| -> Result<Option<String>, ApiError> {
        sealed
            .map(|bytes| keys.open(&key_id, id, field, &bytes))
            .transpose()
            .map_err(|e| {
                tracing::error!(error = %e, registration = id, "cannot open sealed contact");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "contact details cannot be decrypted with the configured key",
                )
            })
    };
    let contact = Contact {
        registration_id: id,
        name: open(ContactField::Name, row.get(3))?.unwrap_or_default(),
        email: open(ContactField::Email, row.get(4))?.unwrap_or_default(),
        phone: open(ContactField::Phone, row.get(5))?,
        business_name: open(ContactField::BusinessName, row.get(6))?,
        language: row.get(0),
        contact_method: row.get(1),
    };
    let event = Event {
        case_number: Some(case.to_owned()),
        reason: reason.map(str::to_owned),
        ..client
            .event(principal.actor.clone(), "contact.disclose")
            .records(&[id])
    };
    audit::record(&*tx, &event).await.map_err(|e| {
        tracing::error!(error = %e, "cannot audit a disclosure; refusing it");
        ApiError::unavailable()
    })?;
    tx.commit().await.map_err(db_unavailable)?;
    Ok(Some(contact))
}

fn valid_case_number(case: &str) -> bool {
    (1..=64).contains(&case.len())
        && case
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c))
}
