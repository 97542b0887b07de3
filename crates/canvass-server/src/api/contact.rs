//! The JSON API under `/api/v1`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use canvass_db::Database;
use canvass_db::audit::{self, Event};
use canvass_db::{DbError, registrations};
use canvass_model::disclosure;
use serde::{Deserialize, Serialize};

use crate::contact_key_ring::ContactKeys;
use crate::http::{ClientInfo, Principal, Refusal};

/// The state a disclosure needs: the database and the keys that open contacts.
#[derive(Debug, Clone)]
pub(crate) struct DisclosureState {
    /// Contacts and the audit trail, written in one transaction.
    pub db: Arc<Database>,
    /// Opens sealed contacts (re-reading the key file after a rotation).
    pub keys: Arc<ContactKeys>,
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
    State(state): State<DisclosureState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<i64>,
    Query(query): Query<DisclosureQuery>,
) -> Result<Response, Refusal> {
    let case = disclosure::case_number(query.case.as_deref().unwrap_or_default()).map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("{e}; it is required to see contact details"),
        )
    })?;
    let reason = disclosure::reason(query.reason.as_deref().unwrap_or_default())
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    match disclose(&state, &principal, &client, id, &case, reason.as_deref()).await? {
        Some(contact) => Ok(Json(contact).into_response()),
        None => Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "no contact details for this registration (unknown, not active, or opted out)",
        )),
    }
}

async fn disclose(
    state: &DisclosureState,
    principal: &Principal,
    client: &ClientInfo,
    id: i64,
    case: &str,
    reason: Option<&str>,
) -> Result<Option<Contact>, Refusal> {
    let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
    let tx = db
        .transaction()
        .await
        .map_err(DbError::pg("begin a disclosure"))
        .map_err(Refusal::unavailable)?;
    let found = registrations::active_contact(&*tx, &*state.keys, id)
        .await
        .map_err(|e| match e {
            DbError::Seal(_) => Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "contact details cannot be decrypted with the configured key",
            )
            .caused_by(e),
            e => Refusal::unavailable(e),
        })?;
    let Some(found) = found else {
        return Ok(None);
    };
    let contact = Contact {
        registration_id: id,
        name: found.contact.name,
        email: found.contact.email,
        phone: found.contact.phone,
        business_name: found.contact.business_name,
        language: found.language,
        contact_method: found.contact_method,
    };
    let event = Event {
        case_number: Some(case.to_owned()),
        reason: reason.map(str::to_owned),
        ..client
            .event(principal.actor.clone(), "contact.disclose")
            .records(&[id])
    };
    // A disclosure that cannot be audited is refused: the record and the read go together.
    audit::record(&*tx, &event)
        .await
        .map_err(Refusal::unavailable)?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit a disclosure"))
        .map_err(Refusal::unavailable)?;
    Ok(Some(contact))
}
