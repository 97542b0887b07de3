//! The test harness every crate's tests use: one throwaway PostGIS cluster per test run,
//! started by the same code as the embedded default, and a fresh database per test cloned
//! from a migrated template.
//!
//! The cluster lives in `$CANVASS_TEST_CLUSTER_DIR`, else `<target>/canvass-test-cluster`. The
//! first test process starts it detached and later ones reuse it; the test command stops and
//! removes it at the end (`scripts/test`), so a run leaves nothing behind.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest, Sha256};

use crate::cluster::{EmbeddedCluster, StartMode, socket_config};
use crate::connect::{connect_once, create_database};
use crate::{DbError, PgBinaries, migrate};

/// A database made for one test.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// Its name.
    pub name: String,
    /// Connection settings.
    pub config: tokio_postgres::Config,
    /// The same as a `key=value` string, for `--database-url`.
    pub url: String,
    /// The cluster's data directory.
    pub cluster_dir: PathBuf,
}

impl TestDatabase {
    /// A migrated, empty database of its own.
    pub async fn new() -> Result<Self, DbError> {
        Self::create(true).await
    }

    /// An empty database without the schema, for migration tests.
    pub async fn unmigrated() -> Result<Self, DbError> {
        Self::create(false).await
    }

    async fn create(migrated: bool) -> Result<Self, DbError> {
        let cluster_dir = cluster_dir();
        let binaries = PgBinaries::locate(None)?;
        // Detached: the cluster outlives this test process for the next test to reuse.
        let cluster = EmbeddedCluster::start(&cluster_dir, &binaries, StartMode::Detached).await?;
        let socket_dir = cluster.socket_dir().to_path_buf();
        let admin = socket_config(&socket_dir, "postgres");
        let name = unique_name();
        let template = if migrated {
            Some(template(&admin).await?)
        } else {
            None
        };
        create_database(&admin, &name, template.as_deref()).await?;
        let config = socket_config(&socket_dir, &name);
        let url = format!(
            "host={} user={} dbname={name}",
            socket_dir.display(),
            crate::cluster::CLUSTER_USER
        );
        Ok(TestDatabase {
            name,
            config,
            url,
            cluster_dir,
        })
    }

    /// A single connection to this database.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, DbError> {
        connect_once(&self.config).await
    }
}

fn cluster_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CANVASS_TEST_CLUSTER_DIR") {
        return PathBuf::from(dir);
    }
    // Test binaries live in <target>/<profile>/deps/.
    let exe = std::env::current_exe().unwrap_or_default();
    let target = exe
        .ancestors()
        .nth(3)
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    target.join("canvass-test-cluster")
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// The migrated template for the current migrations, created once per set of migrations.
async fn template(admin: &tokio_postgres::Config) -> Result<String, DbError> {
    let set = migrate::embedded()?;
    let mut digest = Sha256::new();
    for m in &set {
        digest.update(m.checksum.as_bytes());
    }
    let name = format!("template_{}", &hex::encode(digest.finalize())[..16]);
    let client = connect_once(admin).await?;
    // Serialise template creation across concurrent test processes.
    client
        .execute(
            "SELECT pg_advisory_lock(hashtext('canvass.test.template'))",
            &[],
        )
        .await
        .map_err(DbError::pg("lock template"))?;
    let ready = client
        .query_opt(
            "SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate",
            &[&name],
        )
        .await
        .map_err(DbError::pg("look up template"))?
        .is_some();
    if !ready {
        let building = format!("{name}_build");
        client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {}",
                crate::connect::quote_ident(&building)?
            ))
            .await
            .map_err(DbError::pg("drop half-built template"))?;
        create_database(admin, &building, None).await?;
        let mut config = admin.clone();
        config.dbname(&building);
        {
            let template_client = connect_once(&config).await?;
            migrate::run(&template_client, &set).await?;
        }
        let rename = format!(
            "ALTER DATABASE {} RENAME TO {}",
            crate::connect::quote_ident(&building)?,
            crate::connect::quote_ident(&name)?
        );
        // The migrating connection may take a moment to end; renaming waits for that.
        let mut attempts = 0;
        loop {
            match client.batch_execute(&rename).await {
                Ok(()) => break,
                Err(e)
                    if attempts < 50
                        && e.code() == Some(&tokio_postgres::error::SqlState::OBJECT_IN_USE) =>
                {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => {
                    return Err(DbError::Postgres {
                        context: "rename template".into(),
                        source: e,
                    });
                }
            }
        }
        client
            .execute(
                "UPDATE pg_database SET datistemplate = true WHERE datname = $1",
                &[&name],
            )
            .await
            .map_err(DbError::pg("mark template"))?;
    }
    client
        .execute(
            "SELECT pg_advisory_unlock(hashtext('canvass.test.template'))",
            &[],
        )
        .await
        .map_err(DbError::pg("unlock template"))?;
    Ok(name)
}
