//! Footage requests: the owners of chosen cameras of a canvass, asked by e-mail to preserve or
//! hand over a recording. [`create`] stores the request and one row per owner with the owner's
//! opened contact (to address the mail); the caller sends the mails and records each outcome
//! with [`record_sending`]. The owner's manage page reads [`asked_on`] and [`disclosed_on`].

use std::collections::HashMap;

use canvass_model::footage_request::{FootageRequest, MAX_OWNERS};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::GenericClient;

use crate::DbError;
use crate::audit::Actor;
use crate::registrations::{self, ActiveContact, ContactOpener};

/// Longest failure kept per owner (the column's check).
const MAX_FAILURE: usize = 300;
/// Most days an owner's page lists of each kind of notice.
const MAX_NOTICE_DAYS: i64 = 50;

const CANVASS: &str = "SELECT case_number FROM canvasses WHERE id = $1";
const OWNERS: &str = "SELECT c.registration_id, array_agg(c.id ORDER BY c.id)
    FROM canvasses v JOIN cameras c ON c.id = ANY(v.camera_ids)
    WHERE v.id = $1 AND c.id = ANY($2)
    GROUP BY c.registration_id ORDER BY c.registration_id";
const INSERT: &str = "INSERT INTO footage_requests (canvass_id, kind, window_start, window_end,
        officer_name, callback_phone, requested_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, requested_at";
const INSERT_OWNER: &str = "INSERT INTO footage_request_owners (request_id, registration_id,
        camera_ids) VALUES ($1, $2, $3)";
const SENT: &str = "UPDATE footage_request_owners SET sent_at = now(), failure = NULL
    WHERE request_id = $1 AND registration_id = $2";
const FAILED: &str = "UPDATE footage_request_owners SET sent_at = NULL, failure = $3
    WHERE request_id = $1 AND registration_id = $2";
const ASKED_ON: &str = "SELECT DISTINCT (f.requested_at AT TIME ZONE 'UTC')::date AS day
    FROM footage_request_owners o JOIN footage_requests f ON f.id = o.request_id
    WHERE o.registration_id = $1 AND o.sent_at IS NOT NULL
    ORDER BY day DESC LIMIT $2";
const LIST: &str = "SELECT f.id, f.kind, f.window_start, f.window_end, f.officer_name,
        f.callback_phone, f.requested_by, f.requested_at,
        coalesce(json_agg(json_build_object('registration_id', o.registration_id,
                                            'camera_ids', o.camera_ids,
                                            'sent_at', o.sent_at,
                                            'failure', o.failure)
                          ORDER BY o.registration_id)
                 FILTER (WHERE o.request_id IS NOT NULL), '[]')
    FROM footage_requests f LEFT JOIN footage_request_owners o ON o.request_id = f.id
    WHERE f.canvass_id = $1
    GROUP BY f.id ORDER BY f.id";
/// `contact.disclose` rows list registrations; `features.disclose` and `export` rows list the
/// cameras whose owners' contacts they carried.
const DISCLOSED_ON: &str = "SELECT DISTINCT (a.at AT TIME ZONE 'UTC')::date AS day
    FROM audit_log a
    WHERE (a.action = 'contact.disclose' AND a.record_ids @> ARRAY[$1::bigint])
       OR (a.action IN ('features.disclose', 'export')
           AND a.record_ids && ARRAY(SELECT id FROM cameras WHERE registration_id = $1))
    ORDER BY day DESC LIMIT $2";

/// An owner to mail: their cameras named by the request, and their opened contact.
#[derive(Debug, Clone)]
pub struct OwnerToAsk {
    /// The registration.
    pub registration_id: i64,
    /// Their cameras the request names.
    pub camera_ids: Vec<i64>,
    /// Their contact details, language and preferred contact method.
    pub contact: ActiveContact,
}

/// A stored request.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    /// Its id.
    pub id: i64,
    /// When it was made.
    pub requested_at: DateTime<Utc>,
    /// The canvass's case number, for the footage mail.
    pub case_number: String,
    /// The owners to mail, by registration id.
    pub owners: Vec<OwnerToAsk>,
    /// Cameras named whose owners are no longer registered (opted out, lapsed, paused since
    /// the canvass ran): nobody is asked for them.
    pub not_registered: Vec<i64>,
}

/// Why a request cannot be stored; each the caller's to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestProblem {
    /// No canvass with this id.
    UnknownCanvass,
    /// These cameras are not among the canvass's.
    NotInCanvass(Vec<i64>),
    /// The cameras belong to more owners than one request mails.
    TooManyOwners(usize),
}

/// Stores `request` for canvass `canvass_id`, made by `by`, with one row per owner still
/// registered, and opens those owners' contacts with `keys`. Call it on the transaction that
/// audits the request.
pub async fn create(
    client: &impl GenericClient,
    keys: &(impl ContactOpener + ?Sized),
    canvass_id: i64,
    request: &FootageRequest,
    by: &Actor,
) -> Result<Result<StoredRequest, RequestProblem>, DbError> {
    let Some(case) = client
        .query_opt(CANVASS, &[&canvass_id])
        .await
        .map_err(DbError::pg("find a canvass"))?
    else {
        return Ok(Err(RequestProblem::UnknownCanvass));
    };
    let rows = client
        .query(OWNERS, &[&canvass_id, &request.camera_ids])
        .await
        .map_err(DbError::pg("find the owners of a canvass's cameras"))?;
    let mut by_owner: Vec<(i64, Vec<i64>)> =
        rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    let found: std::collections::HashSet<i64> = by_owner
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    let missing: Vec<i64> = request
        .camera_ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect();
    if !missing.is_empty() {
        return Ok(Err(RequestProblem::NotInCanvass(missing)));
    }
    let registration_ids: Vec<i64> = by_owner.iter().map(|(id, _)| *id).collect();
    let mut contacts: HashMap<i64, ActiveContact> =
        registrations::active_contacts(client, keys, &registration_ids).await?;
    let mut not_registered = Vec::new();
    by_owner.retain(|(registration, ids)| {
        let active = contacts.contains_key(registration);
        if !active {
            not_registered.extend(ids.iter().copied());
        }
        active
    });
    if by_owner.len() > MAX_OWNERS {
        return Ok(Err(RequestProblem::TooManyOwners(by_owner.len())));
    }
    let (_, _, requested_by) = crate::canvasses::actor_columns(by);
    let stored = client
        .query_one(
            INSERT,
            &[
                &canvass_id,
                &request.kind.as_str(),
                &request.window_start.with_timezone(&Utc),
                &request.window_end.with_timezone(&Utc),
                &request.officer_name,
                &request.callback_phone,
                &requested_by,
            ],
        )
        .await
        .map_err(DbError::pg("store a footage request"))?;
    let id: i64 = stored.get(0);
    let mut owners = Vec::with_capacity(by_owner.len());
    for (registration_id, camera_ids) in by_owner {
        client
            .execute(INSERT_OWNER, &[&id, &registration_id, &camera_ids])
            .await
            .map_err(DbError::pg("store an owner of a footage request"))?;
        if let Some(contact) = contacts.remove(&registration_id) {
            owners.push(OwnerToAsk {
                registration_id,
                camera_ids,
                contact,
            });
        }
    }
    not_registered.sort_unstable();
    Ok(Ok(StoredRequest {
        id,
        requested_at: stored.get(1),
        case_number: case.get(0),
        owners,
        not_registered,
    }))
}

/// A request as it was made, with what became of each owner's mail.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// Its id.
    pub id: i64,
    /// `preservation` or `footage`.
    pub kind: String,
    /// The recording asked for.
    pub window_start: DateTime<Utc>,
    /// Its end.
    pub window_end: DateTime<Utc>,
    /// The officer to call, for a footage request.
    pub officer_name: Option<String>,
    /// Their number.
    pub callback_phone: Option<String>,
    /// Who made the request.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// Per owner: `registration_id`, `camera_ids`, `sent_at` (null until sent), `failure`.
    pub owners: serde_json::Value,
}

/// Every footage request of canvass `canvass_id`, oldest first.
pub async fn list(
    client: &impl GenericClient,
    canvass_id: i64,
) -> Result<Vec<RequestRecord>, DbError> {
    Ok(client
        .query(LIST, &[&canvass_id])
        .await
        .map_err(DbError::pg("list footage requests"))?
        .iter()
        .map(|row| RequestRecord {
            id: row.get(0),
            kind: row.get(1),
            window_start: row.get(2),
            window_end: row.get(3),
            officer_name: row.get(4),
            callback_phone: row.get(5),
            requested_by: row.get(6),
            requested_at: row.get(7),
            owners: row.get(8),
        })
        .collect())
}

/// Records whether the mail to `registration_id` of request `request_id` went out; `failure`
/// says why not, in words safe to show an officer (no address, no contact detail).
pub async fn record_sending(
    client: &impl GenericClient,
    request_id: i64,
    registration_id: i64,
    failure: Option<&str>,
) -> Result<(), DbError> {
    match failure {
        None => client.execute(SENT, &[&request_id, &registration_id]).await,
        Some(failure) => {
            let failure: String = failure.chars().take(MAX_FAILURE).collect();
            client
                .execute(FAILED, &[&request_id, &registration_id, &failure])
                .await
        }
    }
    .map_err(DbError::pg("record a footage request's mail"))?;
    Ok(())
}

/// The days (UTC, newest first) on which the owner of `registration_id` was mailed a footage
/// request.
pub async fn asked_on(
    client: &impl GenericClient,
    registration_id: i64,
) -> Result<Vec<NaiveDate>, DbError> {
    days(
        client,
        ASKED_ON,
        registration_id,
        "read an owner's footage requests",
    )
    .await
}

/// The days (UTC, newest first) on which the contact details of `registration_id` were
/// disclosed to staff, as the audit trail records them.
pub async fn disclosed_on(
    client: &impl GenericClient,
    registration_id: i64,
) -> Result<Vec<NaiveDate>, DbError> {
    days(
        client,
        DISCLOSED_ON,
        registration_id,
        "read an owner's disclosures",
    )
    .await
}

async fn days(
    client: &impl GenericClient,
    query: &str,
    registration_id: i64,
    what: &'static str,
) -> Result<Vec<NaiveDate>, DbError> {
    Ok(client
        .query(query, &[&registration_id, &MAX_NOTICE_DAYS])
        .await
        .map_err(DbError::pg(what))?
        .iter()
        .map(|row| row.get(0))
        .collect())
}
