//! The audit trail: appending events and verifying the hash chain.
//!
//! Rows are chained by the `audit_log_chain` trigger of `sql/0004_access.sql`; [`verify`]
//! recomputes the same expression for every row and follows the links, so an edited, deleted
//! or reordered row is found and named. (Someone able to rewrite the whole table can rebuild
//! a consistent chain; export the trail regularly to keep an outside copy of the last hash.)

use std::net::IpAddr;

use canvass_model::csv::{CsvWriter, Quoting};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::GenericClient;

use crate::DbError;

const INSERT: &str = "INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, record_ids,
     case_number, reason, client_addr, user_agent, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const RECOMPUTE: &str = "SELECT seq, prev_hash, row_hash,
     sha256(prev_hash || convert_to(
        jsonb_build_array(seq, extract(epoch FROM at), actor_kind, actor_id, actor_name, action,
                          record_ids, case_number, reason, host(client_addr), user_agent, details)::text,
        'UTF8'))
     FROM audit_log ORDER BY seq";
const EXPORT: &str =
    "SELECT seq, at, actor_kind, actor_id, actor_name, action, record_ids, case_number,
     reason, host(client_addr), user_agent, details::text, encode(row_hash, 'hex')
     FROM audit_log WHERE at >= $1 ORDER BY seq";

const SEARCH: &str =
    "SELECT seq, at, actor_kind, coalesce(actor_name, ''), action, record_ids::text,
     coalesce(case_number, ''), coalesce(reason, ''), coalesce(host(client_addr), '')
     FROM audit_log
     WHERE ($1::text IS NULL OR actor_name ILIKE '%' || $1 || '%' ESCAPE '\\')
       AND ($2::text IS NULL OR case_number = $2)
       AND ($3::date IS NULL OR at >= $3::date)
       AND ($4::date IS NULL OR at < $4::date + 1)
     ORDER BY seq DESC LIMIT $5";

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person (users.id, username).
    User(i64, String),
    /// A machine key (api_keys.id, key name).
    ApiKey(i64, String),
    /// An operator at the command line, or the server itself.
    System(String),
    /// Nobody signed in.
    Anonymous,
}

/// One event to append.
#[derive(Debug, Clone)]
pub struct Event {
    /// Who.
    pub actor: Actor,
    /// What, e.g. `key.create`, `login.failure`.
    pub action: &'static str,
    /// Records concerned.
    pub record_ids: Vec<i64>,
    /// Case number, where the action concerns a case.
    pub case_number: Option<String>,
    /// Stated reason.
    pub reason: Option<String>,
    /// Client address.
    pub client_addr: Option<IpAddr>,
    /// Client user agent (cut to 512 characters).
    pub user_agent: Option<String>,
    /// Anything else worth keeping; never personal data.
    pub details: serde_json::Value,
}

impl Event {
    /// An event with only actor and action.
    pub fn new(actor: Actor, action: &'static str) -> Self {
        Event {
            actor,
            action,
            record_ids: Vec::new(),
            case_number: None,
            reason: None,
            client_addr: None,
            user_agent: None,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// The same event about `ids`.
    pub fn records(mut self, ids: &[i64]) -> Self {
        self.record_ids = ids.to_vec();
        self
    }

    /// The same event with extra details.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Which audit rows an administrator asks for; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Part of the actor's name, matched literally and case-insensitively.
    pub actor: Option<String>,
    /// The exact case number.
    pub case_number: Option<String>,
    /// First day (UTC), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day (UTC), inclusive.
    pub to: Option<NaiveDate>,
}

/// One audit row as the administrator's page shows it; absent values are empty text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `api_key`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The actor's name.
    pub actor_name: String,
    /// What was done.
    pub action: String,
    /// Records concerned, as PostgreSQL writes an array (`{1,2}`).
    pub record_ids: String,
    /// Case number.
    pub case_number: String,
    /// Stated reason.
    pub reason: String,
    /// Client address.
    pub client_addr: String,
}

/// The newest `limit` audit rows that match `filter`, newest first.
pub async fn search(
    client: &impl GenericClient,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEntry>, DbError> {
    // The actor is matched as typed: LIKE's wildcards in it are plain characters.
    let actor = filter.actor.as_deref().map(|a| {
        a.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    });
    let rows = client
        .query(
            SEARCH,
            &[
                &actor,
                &filter.case_number,
                &filter.from,
                &filter.to,
                &limit,
            ],
        )
        .await
        .map_err(DbError::pg("search the audit trail"))?;
    Ok(rows
        .iter()
        .map(|row| AuditEntry {
            seq: row.get(0),
            at: row.get(1),
            actor_kind: row.get(2),
            actor_name: row.get(3),
            action: row.get(4),
            record_ids: row.get(5),
            case_number: row.get(6),
            reason: row.get(7),
            client_addr: row.get(8),
        })
        .collect())
}

/// Appends `event`; call it on the transaction that does (or reads) what it records.
pub async fn record(client: &impl GenericClient, event: &Event) -> Result<(), DbError> {
    let (kind, id, name) = match &event.actor {
        Actor::User(id, name) => ("user", Some(*id), Some(name.as_str())),
        Actor::ApiKey(id, name) => ("api_key", Some(*id), Some(name.as_str())),
        Actor::System(name) => ("system", None, Some(name.as_str())),
        Actor::Anonymous => ("anonymous", None, None),
    };
    let name = name.map(|n| truncate(n, 100));
    let agent = event.user_agent.as_deref().map(|a| truncate(a, 512));
    client
        .execute(
            INSERT,
            &[
                &kind,
                &id,
                &name,
                &event.action,
                &event.record_ids,
                &event.case_number,
                &event.reason,
                &event.client_addr,
                &agent,
                &event.details,
            ],
        )
        .await
        .map_err(DbError::pg(format!("record audit event {}", event.action)))?;
    Ok(())
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The row's content no longer matches its hash.
    Edited {
        /// The row.
        seq: i64,
    },
    /// The row does not follow the row before it: rows were deleted or reordered.
    Broken {
        /// The first row after the gap.
        seq: i64,
    },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Edited { seq } => write!(f, "row {seq}: content changed after it was written"),
            Finding::Broken { seq } => write!(
                f,
                "row {seq}: does not follow the row before it (rows deleted or reordered before it)"
            ),
        }
    }
}

/// Verifies the whole chain: (rows checked, findings).
pub async fn verify(client: &impl GenericClient) -> Result<(u64, Vec<Finding>), DbError> {
    let rows = client
        .query(RECOMPUTE, &[])
        .await
        .map_err(DbError::pg("read the audit trail"))?;
    let mut findings = Vec::new();
    let mut previous: Vec<u8> = Vec::new();
    for row in &rows {
        let (seq, prev_hash, row_hash, recomputed): (i64, Vec<u8>, Vec<u8>, Vec<u8>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if prev_hash != previous {
            findings.push(Finding::Broken { seq });
        }
        if recomputed != row_hash {
            findings.push(Finding::Edited { seq });
        }
        previous = row_hash;
    }
    Ok((rows.len() as u64, findings))
}

const EXPORT_HEADER: [&str; 13] = [
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "record_ids",
    "case_number",
    "reason",
    "client_addr",
    "user_agent",
    "details",
    "row_hash",
];

/// Writes the trail since `since` as CSV (header included) to `out`; returns the row count.
pub async fn export_csv(
    client: &impl GenericClient,
    since: DateTime<Utc>,
    out: &mut impl std::io::Write,
) -> Result<u64, DbError> {
    let rows = client
        .query(EXPORT, &[&since])
        .await
        .map_err(DbError::pg("read the audit trail"))?;
    let io = |e: canvass_model::csv::CsvError| DbError::Program {
        program: "audit export".into(),
        message: e.to_string(),
    };
    let mut csv = CsvWriter::new(out, &EXPORT_HEADER, Quoting::AsNeeded).map_err(io)?;
    for row in &rows {
        let at: DateTime<Utc> = row.get(1);
        let ids: Vec<i64> = row.get(6);
        let fields = [
            row.get::<_, i64>(0).to_string(),
            at.to_rfc3339(),
            row.get::<_, String>(2),
            row.get::<_, Option<i64>>(3)
                .map(|v| v.to_string())
                .unwrap_or_default(),
            row.get::<_, Option<String>>(4).unwrap_or_default(),
            row.get::<_, String>(5),
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" "),
            row.get::<_, Option<String>>(7).unwrap_or_default(),
            row.get::<_, Option<String>>(8).unwrap_or_default(),
            row.get::<_, Option<String>>(9).unwrap_or_default(),
            row.get::<_, Option<String>>(10).unwrap_or_default(),
            row.get::<_, String>(11),
            row.get::<_, String>(12),
        ];
        csv.row(&fields).map_err(io)?;
    }
    csv.finish().map_err(io)?;
    Ok(rows.len() as u64)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
