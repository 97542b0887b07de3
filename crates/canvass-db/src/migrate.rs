//! The numbered migrations of `sql/`: applied in order, once each, recorded with a checksum.
//!
//! An applied migration whose text has changed is an error naming the file, never a silent
//! re-run. A session advisory lock makes concurrent `canvass migrate` / `serve` starts safe:
//! the second waits, then finds nothing to do.

use std::path::Path;

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::DbError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// Advisory lock key held while migrating ("canvmigr").
const LOCK_KEY: i64 = 0x6361_6e76_6d69_6772;

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS canvass_schema_migrations (
    version     integer PRIMARY KEY,
    file        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)";
const SELECT_APPLIED: &str =
    "SELECT version, file, checksum FROM canvass_schema_migrations ORDER BY version";
const INSERT_APPLIED: &str =
    "INSERT INTO canvass_schema_migrations (version, file, checksum) VALUES ($1, $2, $3)";

/// One migration file.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The number the file name starts with.
    pub version: i32,
    /// The file name, e.g. `0002_registry.sql`.
    pub file: String,
    /// Its SQL.
    pub sql: String,
    /// Hex SHA-256 of the SQL.
    pub checksum: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Files applied by this run, in order.
    pub applied: Vec<String>,
    /// Files that were already applied.
    pub already_applied: usize,
}

/// The migrations compiled into this binary.
pub fn embedded() -> Result<Vec<Migration>, DbError> {
    parse_set(
        embedded::EMBEDDED
            .iter()
            .map(|(file, sql)| ((*file).to_owned(), (*sql).to_owned())),
    )
}

/// The migrations in a directory (`--migrations-dir`, for development of new migrations).
pub fn from_dir(dir: &Path) -> Result<Vec<Migration>, DbError> {
    let entries = std::fs::read_dir(dir).map_err(DbError::io(dir, "cannot read migrations"))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(DbError::io(dir, "cannot read migrations"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".sql") {
            let sql = std::fs::read_to_string(entry.path())
                .map_err(DbError::io(entry.path(), "cannot read migration"))?;
            files.push((name, sql));
        }
    }
    parse_set(files.into_iter())
}

fn parse_set(files: impl Iterator<Item = (String, String)>) -> Result<Vec<Migration>, DbError> {
    let mut set: Vec<Migration> = files
        .map(|(file, sql)| {
            let version = file
                .split_once('_')
                .and_then(|(number, _)| number.parse::<i32>().ok())
                .filter(|v| *v > 0)
                .ok_or_else(|| DbError::MigrationInvalid {
                    file: file.clone(),
                    message: "name must be NNNN_description.sql".into(),
                })?;
            let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
            Ok(Migration {
                version,
                file,
                sql,
                checksum,
            })
        })
        .collect::<Result<_, DbError>>()?;
    set.sort_by_key(|m| m.version);
    for pair in set.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(DbError::MigrationInvalid {
                file: pair[1].file.clone(),
                message: format!("has the same number as {}", pair[0].file),
            });
        }
    }
    if set.is_empty() {
        return Err(DbError::MigrationInvalid {
            file: "(none)".into(),
            message: "no migrations".into(),
        });
    }
    Ok(set)
}

/// Applies every migration of `set` not yet applied, after checking the applied ones.
pub async fn run(client: &Client, set: &[Migration]) -> Result<MigrationReport, DbError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(DbError::pg("take the migration lock"))?;
    let outcome = apply_locked(client, set).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await
        .map_err(DbError::pg("release the migration lock"));
    let report = outcome?;
    unlock?;
    Ok(report)
}

/// The migrations not yet applied, after checking the applied ones (for `migrate --check`).
pub async fn pending(client: &Client, set: &[Migration]) -> Result<Vec<String>, DbError> {
    let ledger: Option<String> = client
        .query_one("SELECT to_regclass('canvass_schema_migrations')::text", &[])
        .await
        .map_err(DbError::pg("look for the migration ledger"))?
        .get(0);
    let applied = match ledger {
        Some(_) => check_applied(client, set).await?,
        None => Vec::new(),
    };
    Ok(set
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .map(|m| m.file.clone())
        .collect())
}

async fn apply_locked(client: &Client, set: &[Migration]) -> Result<MigrationReport, DbError> {
    client
        .batch_execute(CREATE_LEDGER)
        .await
        .map_err(DbError::pg("create the migration ledger"))?;
    let applied = check_applied(client, set).await?;
    let mut report = MigrationReport {
        applied: Vec::new(),
        already_applied: applied.len(),
    };
    for migration in set.iter().filter(|m| !applied.contains(&m.version)) {
        apply_one(client, migration).await?;
        tracing::info!(file = %migration.file, "migration applied");
        report.applied.push(migration.file.clone());
    }
    Ok(report)
}

async fn check_applied(client: &Client, set: &[Migration]) -> Result<Vec<i32>, DbError> {
    let rows = client
        .query(SELECT_APPLIED, &[])
        .await
        .map_err(DbError::pg("read the migration ledger"))?;
    let mut versions = Vec::with_capacity(rows.len());
    for row in rows {
        let (version, file, checksum): (i32, String, String) = (row.get(0), row.get(1), row.get(2));
        let known = set
            .iter()
            .find(|m| m.version == version)
            .ok_or_else(|| DbError::MigrationUnknown { file: file.clone() })?;
        if known.checksum != checksum || known.file != file {
            return Err(DbError::MigrationEdited {
                file: known.file.clone(),
                applied: short(&checksum),
                current: short(&known.checksum),
            });
        }
        versions.push(version);
    }
    Ok(versions)
}

async fn apply_one(client: &Client, migration: &Migration) -> Result<(), DbError> {
    let failed = |source| DbError::Postgres {
        context: format!("apply {}", migration.file),
        source,
    };
    client.batch_execute("BEGIN").await.map_err(failed)?;
    let applied = async {
        client.batch_execute(&migration.sql).await?;
        client
            .execute(
                INSERT_APPLIED,
                &[&migration.version, &migration.file, &migration.checksum],
            )
            .await?;
        client.batch_execute("COMMIT").await
    }
    .await;
    if let Err(e) = applied {
        let _ = client.batch_execute("ROLLBACK").await;
        return Err(failed(e));
    }
    Ok(())
}

fn short(checksum: &str) -> String {
    checksum.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_set_is_ordered_and_complete() {
        let set = embedded().unwrap();
        assert!(set.len() >= 6);
        assert_eq!(set[0].file, "0001_extensions.sql");
        assert!(set.windows(2).all(|w| w[0].version < w[1].version));
    }

    #[test]
    fn bad_names_and_duplicates() {
        let one = |f: &str| parse_set([(f.to_owned(), String::new())].into_iter());
        assert!(one("schema.sql").is_err());
        assert!(one("0000_zero.sql").is_err());
        let dup = parse_set(
            [
                ("0001_a.sql".to_owned(), String::new()),
                ("0001_b.sql".to_owned(), String::new()),
            ]
            .into_iter(),
        );
        assert!(dup.unwrap_err().to_string().contains("0001_b.sql"));
    }
}
