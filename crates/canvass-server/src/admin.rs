//! `/admin/audit`: the audit trail for administrators, filtered by actor, case and date.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, db_unavailable};
use crate::html::{escape, page};

const PAGE_ROWS: i64 = 200;
const SELECT: &str =
    "SELECT seq, at, actor_kind, coalesce(actor_name, ''), action, record_ids::text,
     coalesce(case_number, ''), coalesce(reason, ''), coalesce(host(client_addr), '')
     FROM audit_log
     WHERE ($1::text IS NULL OR actor_name ILIKE '%' || $1 || '%' ESCAPE '\\')
       AND ($2::text IS NULL OR case_number = $2)
       AND ($3::date IS NULL OR at >= $3::date)
       AND ($4::date IS NULL OR at < $4::date + 1)
     ORDER BY seq DESC LIMIT $5";

#[derive(Debug, Deserialize)]
pub(crate) struct AuditFilter {
    actor: Option<String>,
    case: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn date(value: Option<&str>, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("{name} must be a date like 2026-11-23"),
                )
            }),
    }
}

fn text(value: Option<&str>, name: &str) -> Result<Option<String>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > 100 || v.chars().any(char::is_control) => {
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("{name} must be at most 100 characters of text"),
            ))
        }
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// `GET /admin/audit?actor=&case=&from=&to=`.
pub(crate) async fn audit(
    State(state): State<AppState>,
    Query(filter): Query<AuditFilter>,
) -> Response {
    match render(&state, &filter).await {
        Ok(html) => Html(html).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn render(state: &AppState, filter: &AuditFilter) -> Result<String, ApiError> {
    let actor = text(filter.actor.as_deref(), "actor")?.map(|a| {
        a.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    });
    let case = text(filter.case.as_deref(), "case")?;
    let from = date(filter.from.as_deref(), "from")?;
    let to = date(filter.to.as_deref(), "to")?;
    let db = state.db.client().await.map_err(db_unavailable)?;
    let rows = db
        .query(SELECT, &[&actor, &case, &from, &to, &PAGE_ROWS])
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "audit query failed");
            ApiError::unavailable()
        })?;
    let value = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    let mut body = format!(
        "<h1>Audit trail</h1>\
         <form method=\"get\" action=\"/admin/audit\">\
         <label>Actor <input name=\"actor\" value=\"{}\"></label> \
         <label>Case number <input name=\"case\" value=\"{}\"></label> \
         <label>From <input name=\"from\" type=\"date\" value=\"{}\"></label> \
         <label>To <input name=\"to\" type=\"date\" value=\"{}\"></label> \
         <button type=\"submit\">Filter</button></form>\
         <p>Newest first, at most {PAGE_ROWS} rows. Verify the chain with <code>canvass audit verify</code>.</p>\
         <table><thead><tr><th>#</th><th>time (UTC)</th><th>actor</th><th>action</th><th>records</th>\
         <th>case</th><th>reason</th><th>client</th></tr></thead><tbody>",
        value(&filter.actor),
        value(&filter.case),
        value(&filter.from),
        value(&filter.to)
    );
    for row in &rows {
        let at: chrono::DateTime<chrono::Utc> = row.get(1);
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row.get::<_, i64>(0),
            at.format("%Y-%m-%d %H:%M:%S"),
            escape(row.get(2)),
            escape(row.get(3)),
            escape(row.get(4)),
            escape(row.get(5)),
            escape(row.get(6)),
            escape(row.get(7)),
            escape(row.get(8)),
        ));
    }
    body.push_str("</tbody></table>");
    Ok(page("Audit trail", &body))
}
