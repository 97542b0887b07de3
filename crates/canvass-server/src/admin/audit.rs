//! `/admin/audit`: the audit trail for administrators, filtered by actor, case and date.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use canvass_db::Database;
use canvass_db::audit::{self, AuditFilter as Search};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::http::Refusal;
use crate::http::page::{escape, page};

const PAGE_ROWS: i64 = 200;

#[derive(Debug, Deserialize)]
pub(crate) struct AuditFilter {
    actor: Option<String>,
    case: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn date(value: Option<&str>, name: &str) -> Result<Option<NaiveDate>, Refusal> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    format!("{name} must be a date like 2026-11-23"),
                )
            }),
    }
}

fn text(value: Option<&str>, name: &str) -> Result<Option<String>, Refusal> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > 100 || v.chars().any(char::is_control) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("{name} must be at most 100 characters of text"),
        )),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// `GET /admin/audit?actor=&case=&from=&to=`.
pub(crate) async fn audit(
    State(db): State<Arc<Database>>,
    Query(filter): Query<AuditFilter>,
) -> Response {
    match render(&db, &filter).await {
        Ok(html) => Html(html).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn render(db: &Database, filter: &AuditFilter) -> Result<String, Refusal> {
    let search = Search {
        actor: text(filter.actor.as_deref(), "actor")?,
        case_number: text(filter.case.as_deref(), "case")?,
        from: date(filter.from.as_deref(), "from")?,
        to: date(filter.to.as_deref(), "to")?,
    };
    let client = db.client().await.map_err(Refusal::unavailable)?;
    let rows = audit::search(&**client, &search, PAGE_ROWS)
        .await
        .map_err(Refusal::unavailable)?;
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
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row.seq,
            row.at.format("%Y-%m-%d %H:%M:%S"),
            escape(&row.actor_kind),
            escape(&row.actor_name),
            escape(&row.action),
            escape(&row.record_ids),
            escape(&row.case_number),
            escape(&row.reason),
            escape(&row.client_addr),
        ));
    }
    body.push_str("</tbody></table>");
    Ok(page("Audit trail", &body))
}
