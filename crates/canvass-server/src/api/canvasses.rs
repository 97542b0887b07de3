//! The officer's canvass under `/api/v1/canvasses` (the request, the answer and the rules are
//! in `docs/canvass.md`):
//!
//! - `create`: `POST /api/v1/canvasses` — check the request, place the incident, search the
//!   in-memory camera index, store the canvass and audit it in one transaction.
//! - `read`: `GET /api/v1/canvasses` (a list), `GET /api/v1/canvasses/{id}` (JSON) and
//!   `GET /api/v1/canvasses/{id}.csv`.
//! - `status`: `GET` and `PATCH /api/v1/canvasses/{id}/cameras/{camera}` — the outcome of
//!   contacting a camera's owner, with its history.
//! - `requests`: `POST` and `GET /api/v1/canvasses/{id}/requests` — e-mail the owners of chosen
//!   cameras, each in their language, to preserve or hand over a recording.
//! - `preview`: `POST /api/v1/canvasses/preview` — the cameras a canvass would list, before
//!   a case number is typed (nothing stored, nothing personal).
//! - `places`: `GET /api/v1/places?q=` — an address typed into the officer map's search box,
//!   looked up on the imported address points.
//! - `sheet`: `GET /api/v1/canvasses/{id}/sheet` — the printable canvass sheet (HTML with an
//!   SVG map, the stops in walking order, the door script in English and Spanish).
//! - `answer`: the one shape of a canvass in JSON and CSV; owners' contacts only for callers
//!   with `pii`, opened and audited on the caller's transaction.
//!
//! Every caller with the Canvass permission may read and update every canvass: cases are team
//! work, and the audit trail says who did what.

pub(crate) mod answer;
pub(crate) mod create;
pub(crate) mod places;
pub(crate) mod preview;
pub(crate) mod read;
pub(crate) mod requests;
pub(crate) mod sheet;
pub(crate) mod status;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use canvass_db::{Database, DbError};
use canvass_model::canvass::{CanvassInputError, CaseNumberPattern, SearchArea};
use canvass_tiles::TileService;
use serde::de::DeserializeOwned;

use crate::contact_key_ring::ContactKeys;
use crate::http::{Principal, Refusal};
use crate::public::PublicSettings;

/// Largest body of `POST /api/v1/canvasses`: a polygon at the vertex limit with full
/// precision is about half a megabyte, and a polygon ten times over the limit still arrives
/// whole, to be refused by name rather than as an anonymous 413.
pub(crate) const MAX_CREATE_BODY: usize = 4 << 20;
/// Largest body of a status change (a status and a note of 1,000 characters).
pub(crate) const MAX_STATUS_BODY: usize = 64 << 10;

/// What the canvass handlers use.
#[derive(Debug, Clone)]
pub(crate) struct CanvassState {
    /// Canvasses, cameras, contacts and the audit trail.
    pub db: Arc<Database>,
    /// Opens sealed contacts for callers with `pii`.
    pub keys: Arc<ContactKeys>,
    /// The in-memory camera index the searches read.
    pub tiles: Arc<TileService>,
    /// The department's case-number format.
    pub case_numbers: Arc<CaseNumberPattern>,
    /// The department (its name and phone), both languages' words and the owner-mail
    /// composer: for the printed sheet and the footage-request mails.
    pub public: Arc<PublicSettings>,
}

/// The paths whose handlers read their own body (up to [`MAX_CREATE_BODY`]) instead of the
/// server's general body limit.
pub(crate) fn reads_its_own_body(path: &str) -> bool {
    matches!(path, "/api/v1/canvasses" | "/api/v1/canvasses/preview")
}

/// A JSON body of at most `limit` bytes: 415 unless it is declared JSON, 413 when larger, 400
/// naming the field when it does not fit `T`.
async fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<T, Refusal> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as JSON (Content-Type: application/json)",
        ));
    }
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        // The limit may be this one or the server's, each wrapped once or more.
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut limited = false;
        while let Some(error) = cause {
            limited |= error.is::<http_body_util::LengthLimitError>();
            cause = error.source();
        }
        if limited {
            too_large()
        } else {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
        }
    })?;
    let mut reader = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if !inner.is_data() {
            format!("malformed JSON: {inner}")
        } else if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        };
        Refusal::new(StatusCode::BAD_REQUEST, message)
    })?;
    reader
        .end()
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// A caller signed in with a password (a session cookie) sends its session's CSRF token in
/// `X-CSRF-Token` with every change; a caller with an API key has no session to forge.
fn check_csrf(principal: &Principal, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(expected) = principal.session_csrf.as_deref() else {
        return Ok(());
    };
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if sent != Some(expected) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "missing or wrong CSRF token (send the session's token in X-CSRF-Token)",
        ));
    }
    Ok(())
}

/// A field of the request that is wrong: 400 naming it.
/// 400 naming what PostGIS finds wrong with a polygon area; nothing for other shapes.
async fn check_polygon(
    client: &impl tokio_postgres::GenericClient,
    area: &SearchArea,
) -> Result<(), Refusal> {
    let SearchArea::Polygon(rings) = area else {
        return Ok(());
    };
    match canvass_db::canvasses::polygon_problem(client, rings)
        .await
        .map_err(Refusal::unavailable)?
    {
        Some(problem) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("area.polygon: {problem}"),
        )),
        None => Ok(()),
    }
}

/// Runs a camera search off the async workers: a 5 km circle in a dense city reads hundreds
/// of thousands of cameras. An area the index refuses is a 400 naming it.
async fn search_off_the_workers<T: Send + 'static>(
    search: impl FnOnce() -> Result<T, canvass_tiles::TilesError> + Send + 'static,
) -> Result<T, Refusal> {
    tokio::task::spawn_blocking(search)
        .await
        .map_err(|e| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the camera search failed",
            )
            .caused_by(e)
        })?
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, format!("area: {e}")))
}

fn bad_input(error: CanvassInputError) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, error.to_string())
}

/// An id in the path.
fn path_id(text: &str, what: &'static str) -> Result<i64, Refusal> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "{what} must be a whole number, got {:?}",
                    text.chars().take(20).collect::<String>()
                ),
            )
        })
}

/// 404 naming a canvass that does not exist.
fn no_canvass(id: i64) -> Refusal {
    Refusal::new(StatusCode::NOT_FOUND, format!("no canvass {id}"))
}

/// Canvass `id` with its cameras, or 404 naming it.
async fn load_canvass(
    client: &impl tokio_postgres::GenericClient,
    id: i64,
) -> Result<canvass_db::canvasses::Canvass, Refusal> {
    canvass_db::canvasses::load(client, id)
        .await
        .map_err(db_failure)?
        .ok_or_else(|| no_canvass(id))
}

/// A database failure: 500 when sealed contacts cannot be opened (the key is wrong), 503
/// otherwise.
fn db_failure(error: DbError) -> Refusal {
    match error {
        DbError::Seal(_) => Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "contact details cannot be decrypted with the configured key",
        )
        .caused_by(error),
        error => Refusal::unavailable(error),
    }
}
