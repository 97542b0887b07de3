use std::path::PathBuf;

/// Everything that can go wrong between Canvass and its database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// PostgreSQL or PostGIS programs are missing.
    #[error(
        "{what} not found ({looked}); install the Debian packages postgresql-15 and \
         postgresql-15-postgis-3 (scripts/setup does this)"
    )]
    MissingBinaries {
        /// What is missing.
        what: String,
        /// Where we looked.
        looked: String,
    },
    /// A filesystem operation on the data directory failed.
    #[error("data directory {}: {action}: {source}", path.display())]
    DataDir {
        /// The path concerned.
        path: PathBuf,
        /// What we were doing.
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The data directory cannot be used as it is.
    #[error("data directory {}: {message}", path.display())]
    DataDirUnusable {
        /// The path concerned.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// An external program failed.
    #[error("{program} failed: {message}")]
    Program {
        /// The program.
        program: String,
        /// Its exit status and the tail of its output.
        message: String,
    },
    /// The embedded cluster did not come up.
    #[error("the embedded PostgreSQL did not start: {0}")]
    ClusterStart(String),
    /// The database URL could not be parsed.
    #[error("malformed database URL: {0}")]
    BadUrl(String),
    /// Connecting or querying failed.
    #[error("database: {context}: {source}")]
    Postgres {
        /// What we were doing.
        context: String,
        /// The driver's error.
        source: tokio_postgres::Error,
    },
    /// The pool could not hand out a connection.
    #[error("database unavailable: {0}")]
    Pool(String),
    /// An applied migration no longer matches its file.
    #[error(
        "migration {file} was changed after it was applied (checksum {applied} in the database, \
         {current} now); restore the file and add a new migration instead"
    )]
    MigrationEdited {
        /// File name of the migration.
        file: String,
        /// Checksum recorded at application.
        applied: String,
        /// Checksum of the file now.
        current: String,
    },
    /// The database has migrations this binary does not know.
    #[error(
        "the database has migration {file} that this canvass does not know; run a newer canvass"
    )]
    MigrationUnknown {
        /// File name recorded in the database.
        file: String,
    },
    /// A migration file name or body is invalid.
    #[error("migration {file}: {message}")]
    MigrationInvalid {
        /// File name.
        file: String,
        /// Why.
        message: String,
    },
    /// A sealed value cannot be opened.
    #[error("sealed contact: {0}")]
    Seal(String),
    /// A row holds a value the schema's checks should have kept out.
    #[error("unexpected value in the database: {0}")]
    Invalid(String),
    /// Demo data cannot be loaded as asked.
    #[error("demo: {0}")]
    Demo(String),
    /// Address points or a boundary cannot be stored as given.
    #[error("{0}")]
    Places(String),
    /// No jurisdiction boundary is loaded, so no point can be said to be inside it.
    #[error(
        "no jurisdiction boundary is loaded; an administrator must run `canvass import boundary FILE`"
    )]
    NoJurisdiction,
    /// A feature query that cannot be answered as asked: the caller's mistake.
    #[error(transparent)]
    Query(#[from] canvass_feeds::QueryError),
    /// `camera_contacts` was asked without a disclosure to audit and the keys to open it.
    #[error(
        "camera_contacts is answered only with a disclosure: an audit event and the contact keys"
    )]
    DisclosureRequired,
}

impl DbError {
    /// Wraps a driver error with what we were doing (`map_err(DbError::pg("read a tile"))`).
    pub fn pg(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> DbError {
        let context = context.into();
        move |source| DbError::Postgres { context, source }
    }

    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> DbError {
        let path = path.into();
        move |source| DbError::DataDir {
            path,
            action,
            source,
        }
    }
}
