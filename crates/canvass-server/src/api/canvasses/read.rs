//! `GET /api/v1/canvasses` (a page of canvasses, newest first: `?mine=true`,
//! `?case_number=…`, `?before=ID`, `?limit=N`) and `GET /api/v1/canvasses/{id}` in JSON, or
//! as CSV when the id ends in `.csv`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::canvasses::{self, CanvassSummary, ListFilter};
use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::answer;
use super::{CanvassState, load_canvass, path_id};
use crate::http::{ClientInfo, Principal, Refusal};

/// Canvasses per page unless the caller asks for another number.
const DEFAULT_LIMIT: i64 = 50;

/// `?contacts=false`: leave the owners' contacts out (and undisclosed) even for a caller with
/// `pii`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ContactsQuery {
    contacts: Option<String>,
}

impl ContactsQuery {
    /// Whether contacts are wanted (the default).
    pub(crate) fn contacts(&self) -> bool {
        !matches!(self.contacts.as_deref(), Some("false" | "0" | "no"))
    }
}

/// The list's parameters; others (such as a `case` a client adds to every URL) are ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    mine: Option<String>,
    case_number: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
struct ListAnswer {
    canvasses: Vec<SummaryJson>,
    /// The next page's address, when this page was full.
    next: Option<String>,
}

#[derive(Debug, Serialize)]
struct SummaryJson {
    id: i64,
    case_number: String,
    reason: Option<String>,
    incident_time: String,
    area_kind: &'static str,
    found: i64,
    cameras: i64,
    created_at: String,
    created_by: Option<String>,
}

fn summary(s: CanvassSummary) -> SummaryJson {
    SummaryJson {
        id: s.id,
        case_number: s.case_number,
        reason: s.reason,
        incident_time: s.incident_time.to_rfc3339_opts(SecondsFormat::Secs, true),
        area_kind: s.area_kind.as_str(),
        found: s.found,
        cameras: s.cameras,
        created_at: s.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        created_by: s.created_by,
    }
}

fn bad(message: impl Into<std::borrow::Cow<'static, str>>) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, message)
}

/// `GET /api/v1/canvasses`.
pub(crate) async fn list(
    State(state): State<CanvassState>,
    principal: Principal,
    Query(query): Query<ListQuery>,
) -> Result<Response, Refusal> {
    let mine = match query.mine.as_deref() {
        None | Some("false" | "0" | "no") => false,
        Some("true" | "1" | "yes") => true,
        Some(_) => return Err(bad("mine must be true or false")),
    };
    let case_number = query
        .case_number
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if case_number.is_some_and(|c| c.chars().count() > 64) {
        return Err(bad("case_number is longer than 64 characters"));
    }
    let before = query
        .before
        .as_deref()
        .map(|b| path_id(b, "before"))
        .transpose()?;
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=canvasses::MAX_LIST).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "limit must be a whole number from 1 to {}",
                    canvasses::MAX_LIST
                ))
            })?,
    };
    let db = state.db.client().await.map_err(Refusal::unavailable)?;
    let filter = ListFilter {
        mine: mine.then_some(&principal.actor),
        case_number,
        before,
        limit,
    };
    let page = canvasses::list(&**db, &filter)
        .await
        .map_err(Refusal::unavailable)?;
    let next = match page.last() {
        Some(last) if page.len() as i64 == limit => {
            let mut next: form_urlencoded::Serializer<String> =
                form_urlencoded::Serializer::new(String::new());
            if mine {
                next.append_pair("mine", "true");
            }
            if let Some(case) = case_number {
                next.append_pair("case_number", case);
            }
            next.append_pair("before", &last.id.to_string());
            next.append_pair("limit", &limit.to_string());
            Some(format!("/api/v1/canvasses?{}", next.finish()))
        }
        _ => None,
    };
    let body = ListAnswer {
        canvasses: page.into_iter().map(summary).collect(),
        next,
    };
    Ok(axum::Json(body).into_response())
}

/// `GET /api/v1/canvasses/{id}` and `GET /api/v1/canvasses/{id}.csv`: contacts for callers
/// with `pii` (unless `?contacts=false`), disclosed and audited in one transaction.
pub(crate) async fn show(
    State(state): State<CanvassState>,
    principal: Principal,
    client: ClientInfo,
    Path(id_file): Path<String>,
    Query(query): Query<ContactsQuery>,
) -> Result<Response, Refusal> {
    let (id_text, csv) = match id_file.strip_suffix(".csv") {
        Some(id) => (id, true),
        None => (id_file.as_str(), false),
    };
    let id = path_id(id_text, "the canvass id")?;
    let now = Utc::now();
    let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
    let tx = db
        .transaction()
        .await
        .map_err(DbError::pg("begin reading a canvass"))
        .map_err(Refusal::unavailable)?;
    let canvass = load_canvass(&*tx, id).await?;
    let contacts = answer::contacts(
        &*tx,
        &state.keys,
        &principal,
        &client,
        &canvass,
        query.contacts(),
    )
    .await?;
    let (bytes, content_type) = if csv {
        (
            answer::csv(&canvass, contacts.as_ref(), now)?,
            "text/csv; charset=utf-8",
        )
    } else {
        (
            answer::json(&canvass, contacts.as_ref(), now)?,
            "application/json",
        )
    };
    tx.commit()
        .await
        .map_err(DbError::pg("commit reading a canvass"))
        .map_err(Refusal::unavailable)?;
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response();
    if csv {
        let name = format!("attachment; filename=\"canvass-{id}.csv\"");
        if let Ok(value) = HeaderValue::from_str(&name) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}
