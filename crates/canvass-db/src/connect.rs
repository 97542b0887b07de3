//! Where the database is, and the connection pool every command uses.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::Hook;
use deadpool_postgres::{
    HookError, Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime,
};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::cluster::{ClusterState, EmbeddedCluster, StartMode};
use crate::{DbError, PgBinaries};

/// Name of the application database inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "canvass";

/// Where Canvass keeps its data.
#[derive(Debug, Clone)]
pub enum Target {
    /// A PostgreSQL server given by URL or key=value string; Canvass never starts one.
    Url(Box<tokio_postgres::Config>),
    /// The private cluster in a data directory.
    Embedded {
        /// The data directory.
        data_dir: PathBuf,
        /// Where the PostgreSQL programs are, when not in Debian's place.
        pg_bin_dir: Option<PathBuf>,
    },
}

impl Target {
    /// Parses a `postgres://` URL or a `key=value` connection string. The error never repeats
    /// the input, which may hold a password.
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(DbError::BadUrl("it is empty".into()));
        }
        let looks_like_url =
            trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://");
        if trimmed.contains("://") && !looks_like_url {
            return Err(DbError::BadUrl(
                "the scheme must be postgres:// or postgresql://".into(),
            ));
        }
        if !looks_like_url && !trimmed.contains('=') {
            return Err(DbError::BadUrl(
                "expected postgres://user@host/dbname or key=value pairs such as \
                 'host=/run/postgresql dbname=canvass'"
                    .into(),
            ));
        }
        let config = tokio_postgres::Config::from_str(trimmed)
            .map_err(|e| DbError::BadUrl(e.to_string()))?;
        if config.get_hosts().is_empty() {
            return Err(DbError::BadUrl("no host given".into()));
        }
        Ok(Target::Url(Box::new(config)))
    }
}

/// Pool size, timeouts, and the role pooled connections act as.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections held open.
    pub max_size: usize,
    /// How long a caller waits for a free connection or a new one.
    pub timeout: Duration,
    /// `SET ROLE` to this role on every pooled connection (the server uses `canvass_app`);
    /// `None` keeps the login role's rights (migrations, operator commands).
    pub role: Option<String>,
}

/// The role of `sql/0007_app_role.sql`, which may not rewrite the audit trail.
pub const APP_ROLE: &str = "canvass_app";

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 16,
            timeout: Duration::from_secs(5),
            role: None,
        }
    }
}

/// An open database: the pool, and the embedded cluster behind it when there is one.
#[derive(Debug)]
pub struct Database {
    pool: Pool,
    config: tokio_postgres::Config,
    cluster: Option<EmbeddedCluster>,
}

impl Database {
    /// Opens the target: starts or reuses the embedded cluster, creates the application
    /// database in it if needed, and builds the pool. Does not migrate.
    pub async fn open(
        target: &Target,
        mode: StartMode,
        options: PoolOptions,
    ) -> Result<Self, DbError> {
        match target {
            Target::Url(config) => {
                let pool = build_pool((**config).clone(), &options)?;
                Ok(Database {
                    pool,
                    config: (**config).clone(),
                    cluster: None,
                })
            }
            Target::Embedded {
                data_dir,
                pg_bin_dir,
            } => {
                let binaries = PgBinaries::locate(pg_bin_dir.as_deref())?;
                let cluster = EmbeddedCluster::start(data_dir, &binaries, mode).await?;
                ensure_database(&cluster.pg_config("postgres"), EMBEDDED_DATABASE).await?;
                let config = cluster.pg_config(EMBEDDED_DATABASE);
                let pool = build_pool(config.clone(), &options)?;
                Ok(Database {
                    pool,
                    config,
                    cluster: Some(cluster),
                })
            }
        }
    }

    /// The pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A pooled connection.
    pub async fn client(&self) -> Result<Object, DbError> {
        self.pool
            .get()
            .await
            .map_err(|e| DbError::Pool(e.to_string()))
    }

    /// A connection of its own with the login role's full rights, for migrations and the demo
    /// loader; the pool may act as a lesser role.
    pub async fn owner_client(&self) -> Result<tokio_postgres::Client, DbError> {
        connect_once(&self.config).await
    }

    /// A connection of its own, listening on `channels`, that passes on the channel name of
    /// every notification. The receiver ends when the connection does; listen again then.
    pub async fn listen(
        &self,
        channels: &[&'static str],
    ) -> Result<(tokio_postgres::Client, mpsc::UnboundedReceiver<String>), DbError> {
        let (client, mut connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(DbError::pg("connect listener"))?;
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(|cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(n)) => {
                        if sender.send(n.channel().to_owned()).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::debug!(error = %e, "listener connection closed");
                        return;
                    }
                }
            }
        });
        for channel in channels {
            client
                .batch_execute(&format!("LISTEN {}", quote_ident(channel)?))
                .await
                .map_err(DbError::pg("listen"))?;
        }
        Ok((client, receiver))
    }

    /// Checks that the database answers a query.
    pub async fn ping(&self) -> Result<(), DbError> {
        let client = self.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .map_err(DbError::pg("ping"))?;
        Ok(())
    }

    /// The embedded cluster's state, when there is one.
    pub fn cluster_state(&self) -> Option<watch::Receiver<ClusterState>> {
        self.cluster.as_ref().map(EmbeddedCluster::state)
    }

    /// The embedded cluster, when there is one.
    pub fn cluster(&self) -> Option<&EmbeddedCluster> {
        self.cluster.as_ref()
    }

    /// Closes the pool and stops an embedded server this process started.
    pub async fn close(self) {
        self.pool.close();
        if let Some(cluster) = self.cluster {
            cluster.stop().await;
        }
    }
}

fn build_pool(config: tokio_postgres::Config, options: &PoolOptions) -> Result<Pool, DbError> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let mut builder = Pool::builder(manager)
        .max_size(options.max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.timeout))
        .create_timeout(Some(options.timeout))
        .recycle_timeout(Some(options.timeout));
    if let Some(role) = &options.role {
        let set_role = format!("SET ROLE {}", quote_ident(role)?);
        builder = builder.post_create(Hook::async_fn(move |client, _| {
            let set_role = set_role.clone();
            Box::pin(async move {
                client
                    .batch_execute(&set_role)
                    .await
                    .map_err(|e| HookError::Message(format!("{set_role}: {e}").into()))
            })
        }));
    }
    builder.build().map_err(|e| DbError::Pool(e.to_string()))
}

/// Opens one connection outside any pool, driving it on a background task.
pub async fn connect_once(
    config: &tokio_postgres::Config,
) -> Result<tokio_postgres::Client, DbError> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(DbError::pg("connect"))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "database connection closed");
        }
    });
    Ok(client)
}

/// Creates database `name` on the server of `admin` (connected to another database) unless it
/// exists. Two processes racing here both succeed.
pub async fn ensure_database(admin: &tokio_postgres::Config, name: &str) -> Result<(), DbError> {
    create_database(admin, name, None).await
}

/// Creates database `name`, optionally as a copy of `template`, unless it exists.
pub async fn create_database(
    admin: &tokio_postgres::Config,
    name: &str,
    template: Option<&str>,
) -> Result<(), DbError> {
    let client = connect_once(admin).await?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .map_err(DbError::pg("look up database"))?
        .is_some();
    if exists {
        return Ok(());
    }
    // Identifiers cannot be bound as parameters; both names are checked to be plain
    // lower-case identifiers before they are quoted into the statement.
    let mut statement = format!("CREATE DATABASE {}", quote_ident(name)?);
    if let Some(template) = template {
        statement.push_str(&format!(" TEMPLATE {}", quote_ident(template)?));
    }
    match client.batch_execute(&statement).await {
        Ok(()) => Ok(()),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => Ok(()),
        Err(e) => Err(DbError::Postgres {
            context: format!("create database {name}"),
            source: e,
        }),
    }
}

/// Quotes a database name after checking it is a plain identifier.
pub(crate) fn quote_ident(name: &str) -> Result<String, DbError> {
    let plain = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        Ok(format!("\"{name}\""))
    } else {
        Err(DbError::BadUrl(format!(
            "database name {:?} must be 1-63 lower-case letters, digits or _",
            name.chars().take(64).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(Target::from_url("postgres://u:p@localhost:5432/db").is_ok());
        assert!(Target::from_url("host=/tmp dbname=x").is_ok());
        for bad in [
            "",
            "   ",
            "not a url",
            "mysql://x",
            "postgres://u@:99999999/db",
            "host=",
        ] {
            let err = Target::from_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("malformed database URL"), "{bad}: {err}");
        }
        let err = Target::from_url("postgres://user:s3cret@host:notaport/db")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn identifiers() {
        assert!(quote_ident("canvass_test_1").is_ok());
        for bad in ["", "Canvass", "a\"b", "x; drop", "1abc"] {
            assert!(quote_ident(bad).is_err(), "{bad}");
        }
    }
}
