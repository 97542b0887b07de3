//! The command line. Every flag can also come from a `CANVASS_*` environment variable or, by
//! its long name, from the TOML file given with `--config`; the command line wins over the
//! environment, which wins over the file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Canvass: the community camera registry for police departments.
///
/// Residents register their security cameras; officers, analysts and the records system find
/// the cameras around an incident and reach the owners. No live access to any camera, ever.
///
/// With no --database-url, Canvass runs a private PostgreSQL + PostGIS cluster in --data-dir
/// (Debian packages postgresql-15 and postgresql-15-postgis-3); every command given the same
/// data directory uses that same cluster.
#[derive(Debug, Parser)]
#[command(
    name = "canvass",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings every command shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML file of settings, keyed by long flag name (e.g. `listen = "0.0.0.0:8080"`).
    #[arg(long, global = true, env = "CANVASS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where Canvass keeps its embedded database, mail outbox and keys.
    #[arg(
        long,
        global = true,
        env = "CANVASS_DATA_DIR",
        default_value = "./var",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,

    /// PostgreSQL server to use instead of the embedded one (postgres://user:pass@host/db or
    /// key=value pairs). Canvass then never starts a server.
    #[arg(
        long,
        global = true,
        env = "CANVASS_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Directory of the PostgreSQL 15 server programs (default: Debian's, then PATH).
    #[arg(long, global = true, env = "CANVASS_PG_BIN_DIR", value_name = "DIR")]
    pub pg_bin_dir: Option<PathBuf>,

    /// Read migrations from this directory instead of those built in (for developing one).
    #[arg(
        long,
        global = true,
        env = "CANVASS_MIGRATIONS_DIR",
        value_name = "DIR"
    )]
    pub migrations_dir: Option<PathBuf>,

    /// Key file for sealing contact details (created on first use if missing).
    /// Default: <data-dir>/secrets/contact.key.
    #[arg(
        long,
        global = true,
        env = "CANVASS_CONTACT_KEY_FILE",
        value_name = "FILE"
    )]
    pub contact_key_file: Option<PathBuf>,

    /// SMTP relay for outgoing mail (smtp://user:pass@host:587?tls=required, smtps://host).
    /// Without it, mail is written as .eml files to <data-dir>/outbox.
    #[arg(
        long,
        global = true,
        env = "CANVASS_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,

    /// Sender of outgoing mail.
    #[arg(
        long,
        global = true,
        env = "CANVASS_MAIL_FROM",
        value_name = "MAILBOX",
        default_value = "Canvass <canvass@localhost>"
    )]
    pub mail_from: String,

    /// Where owners' replies go (the department's address); without it, to the sender.
    #[arg(
        long,
        global = true,
        env = "CANVASS_MAIL_REPLY_TO",
        value_name = "MAILBOX"
    )]
    pub mail_reply_to: Option<String>,

    /// Log filter, e.g. `info` or `canvass=debug,tower_http=info`.
    #[arg(
        long,
        global = true,
        env = "CANVASS_LOG",
        default_value = "info,tokio_postgres=warn",
        value_name = "FILTER"
    )]
    pub log: String,

    /// Log line format.
    #[arg(
        long,
        global = true,
        env = "CANVASS_LOG_FORMAT",
        default_value = "text",
        value_enum
    )]
    pub log_format: LogFormat,
}

/// How log lines are written (to standard error).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations; safe to run twice or from two processes at once.
    Migrate(MigrateArgs),
    /// Load deterministic demo data for a Concord-sized city.
    Demo(DemoArgs),
    /// Inspect or stop the embedded PostgreSQL cluster of --data-dir.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Manage people who sign in.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API keys for machines and QGIS.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Rotate or prune the key ring that seals contact details (not the API keys of `key`).
    ContactKey {
        #[command(subcommand)]
        action: ContactKeyAction,
    },
    /// The old spelling of `contact-key`, kept for one release; says so on standard error.
    #[command(hide = true)]
    Keys {
        #[command(subcommand)]
        action: ContactKeyAction,
    },
    /// Verify or export the audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Check the mail settings.
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// Load reference data or an existing camera registry from a file (any vector format GDAL
    /// reads: CSV, XLSX, GeoPackage, Shapefile, GeoJSON, File Geodatabase…).
    Import {
        #[command(subcommand)]
        action: ImportAction,
    },
    /// Write the active cameras to a GIS file through GDAL (GeoPackage, Shapefile, KML, CSV,
    /// FlatGeobuf, GeoJSON); with --pii, their owners' contacts too. Every export is audited.
    Export(ExportArgs),
}

#[derive(Debug, Subcommand)]
pub enum MailAction {
    /// Send a test message through the configured relay (or into the outbox).
    Test {
        /// Recipient.
        #[arg(long, value_name = "ADDRESS")]
        to: String,
        /// Language of the message.
        #[arg(long, default_value = "en", value_parser = ["en", "es"])]
        language: String,
    },
    /// Send the owner mail waiting in the outbox, then exit (for cron or a systemd timer when
    /// no `canvass serve` sends it). Safe beside running servers and other senders.
    Send {
        #[command(flatten)]
        sending: MailSendArgs,
        /// Stop after this many messages.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        limit: Option<u64>,
    },
    /// Count the outbox's messages by state and kind, and list the entries whose address was
    /// refused (awaiting review).
    Status,
}

/// How the outbox sender works, for `serve` and `mail send`.
#[derive(Debug, Clone, clap::Args)]
pub struct MailSendArgs {
    /// Messages sent at once (one database and one SMTP connection each).
    #[arg(long, env = "CANVASS_MAIL_LANES", default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub mail_lanes: u16,

    /// Seconds before the first retry of a transiently failed message; doubles each time.
    #[arg(long, env = "CANVASS_MAIL_RETRY_AFTER", default_value_t = 60, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub mail_retry_after: u64,

    /// Attempts before a message that keeps failing transiently is given up.
    #[arg(long, env = "CANVASS_MAIL_MAX_ATTEMPTS", default_value_t = 12, value_name = "N",
          value_parser = clap::value_parser!(i32).range(1..=100))]
    pub mail_max_attempts: i32,
}

impl MailSendArgs {
    /// The sender's options.
    pub fn options(&self, limit: Option<u64>) -> canvass_mail::sender::SendOptions {
        canvass_mail::sender::SendOptions {
            lanes: usize::from(self.mail_lanes),
            retry_after: std::time::Duration::from_secs(self.mail_retry_after),
            max_attempts: self.mail_max_attempts,
            limit,
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub mail: MailSendArgs,

    /// Seconds between looks at the mail outbox when no notification arrives (the sender
    /// also wakes at once on every queued message).
    #[arg(long, env = "CANVASS_MAIL_POLL", default_value_t = 30, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub mail_poll: u64,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "CANVASS_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: SocketAddr,

    /// Load the demo data when the registry is empty.
    #[arg(long, env = "CANVASS_DEMO")]
    pub demo: bool,

    /// Cameras in the demo loaded by --demo.
    #[arg(
        long,
        env = "CANVASS_DEMO_CAMERAS",
        default_value_t = 5000,
        value_name = "N"
    )]
    pub demo_cameras: u64,

    /// Seed of the demo loaded by --demo.
    #[arg(long, env = "CANVASS_DEMO_SEED", default_value_t = 1, value_name = "S")]
    pub demo_seed: u64,

    /// Largest request body, in bytes.
    #[arg(long, env = "CANVASS_MAX_BODY_BYTES", default_value_t = 1 << 20, value_name = "BYTES")]
    pub max_body_bytes: usize,

    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "CANVASS_REQUEST_TIMEOUT", default_value_t = 30, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,

    /// Minutes after which an unused session ends.
    #[arg(long, env = "CANVASS_SESSION_IDLE_MINUTES", default_value_t = 30, value_name = "MINUTES",
          value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub session_idle_minutes: u64,

    /// Hours after sign-in at which a session ends, used or not.
    #[arg(long, env = "CANVASS_SESSION_HOURS", default_value_t = 12, value_name = "HOURS",
          value_parser = clap::value_parser!(u64).range(1..=168))]
    pub session_hours: u64,

    /// Mark session cookies Secure; set it whenever users reach Canvass over HTTPS.
    #[arg(long, env = "CANVASS_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Roles whose people must sign in with an authenticator-app code (comma separated, e.g.
    /// `admin,analyst`); they set it up at their first sign-in.
    #[arg(
        long,
        env = "CANVASS_REQUIRE_TOTP_ROLES",
        value_enum,
        value_delimiter = ',',
        value_name = "ROLES"
    )]
    pub require_totp_roles: Vec<RoleArg>,

    /// Sign-in attempts allowed per client address per minute (then 429).
    #[arg(long, env = "CANVASS_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 10, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub login_attempts_per_minute: u32,

    /// Database role the server acts as (SET ROLE): it may not rewrite the audit trail.
    /// Migrations run with the login role's rights. Empty: act as the login role.
    #[arg(
        long,
        env = "CANVASS_DB_ROLE",
        default_value = "canvass_app",
        value_name = "ROLE"
    )]
    pub db_role: String,

    /// Most database connections this process holds.
    #[arg(long, env = "CANVASS_DB_POOL_SIZE", default_value_t = 16, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub db_pool_size: u64,

    /// Megabytes of encoded vector tiles kept in memory; 0 turns the tile cache off.
    #[arg(long, env = "CANVASS_TILE_CACHE_MB", default_value_t = 64, value_name = "MB",
          value_parser = clap::value_parser!(u64).range(0..=65536))]
    pub tile_cache_mb: u64,

    /// Zoom from which tiles carry camera points and wedges; below it, coverage counts.
    #[arg(long, env = "CANVASS_COVERAGE_BELOW_ZOOM", default_value_t = 13, value_name = "Z",
          value_parser = clap::value_parser!(u8).range(0..=22))]
    pub coverage_below_zoom: u8,

    /// Deepest tile zoom served.
    #[arg(long, env = "CANVASS_TILE_MAX_ZOOM", default_value_t = 22, value_name = "Z",
          value_parser = clap::value_parser!(u8).range(0..=24))]
    pub tile_max_zoom: u8,

    /// The department's name on the public pages and in e-mails.
    #[arg(
        long,
        env = "CANVASS_DEPARTMENT_NAME",
        default_value = "Demo City Police Department",
        value_name = "NAME"
    )]
    pub department_name: String,

    /// The department's public phone number, shown on every public page.
    #[arg(
        long,
        env = "CANVASS_DEPARTMENT_PHONE",
        default_value = "(925) 555-0100",
        value_name = "PHONE"
    )]
    pub department_phone: String,

    /// The department's public e-mail address, shown on every public page.
    #[arg(
        long,
        env = "CANVASS_DEPARTMENT_EMAIL",
        default_value = "cameras@demo-city.example",
        value_name = "ADDRESS"
    )]
    pub department_email: String,

    /// Logo shown in the public pages' header (SVG or PNG file).
    #[arg(long, env = "CANVASS_DEPARTMENT_LOGO", value_name = "FILE")]
    pub department_logo: Option<std::path::PathBuf>,

    /// Name of the area the registry covers, as refusals name it.
    #[arg(
        long,
        env = "CANVASS_JURISDICTION_NAME",
        default_value = "Demo City",
        value_name = "NAME"
    )]
    pub jurisdiction_name: String,

    /// Do not tell owners on their manage page when their contact details were given to an
    /// officer, or when they were asked for footage (shown by default; never with case
    /// details).
    #[arg(long, env = "CANVASS_HIDE_OWNER_NOTICES")]
    pub hide_owner_notices: bool,

    /// The department's time zone (an IANA name such as America/Los_Angeles): the times printed
    /// on canvass sheets are shown on its clock.
    #[arg(
        long,
        env = "CANVASS_TIME_ZONE",
        default_value = "UTC",
        value_name = "ZONE",
        value_parser = time_zone
    )]
    pub time_zone: chrono_tz::Tz,

    /// Consent text in English (default: the built-in wording naming the department).
    #[arg(
        long,
        env = "CANVASS_CONSENT_EN",
        value_name = "TEXT",
        requires = "consent_es"
    )]
    pub consent_en: Option<String>,

    /// Consent text in Spanish (give both or neither).
    #[arg(
        long,
        env = "CANVASS_CONSENT_ES",
        value_name = "TEXT",
        requires = "consent_en"
    )]
    pub consent_es: Option<String>,

    /// Version of the consent text, recorded with every registration.
    #[arg(
        long,
        env = "CANVASS_CONSENT_VERSION",
        default_value = "demo-2026-01",
        value_name = "VERSION"
    )]
    pub consent_version: String,

    /// Base URL of the public site, for links in e-mails (default: http://<listen>).
    #[arg(long, env = "CANVASS_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// Public form posts (register, manage) allowed per client address per minute (then 429).
    #[arg(long, env = "CANVASS_FORM_POSTS_PER_MINUTE", default_value_t = 20, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub form_posts_per_minute: u32,

    /// Folder of the browser files fetched by scripts/web-assets (MapLibre GL JS for the pin
    /// map); without them the public form offers latitude and longitude fields only.
    #[arg(
        long,
        env = "CANVASS_WEB_ASSETS_DIR",
        default_value = "target/web",
        value_name = "DIR"
    )]
    pub web_assets_dir: std::path::PathBuf,

    /// The department's case-number format: a regular expression the whole case number of
    /// every canvass must match (the default takes 24-001234). In a config file:
    /// case_number_pattern = "^[0-9]{2}-[0-9]{6}$".
    #[arg(
        long,
        env = "CANVASS_CASE_NUMBER_PATTERN",
        default_value = canvass_model::canvass::DEFAULT_CASE_NUMBER_PATTERN,
        value_name = "REGEX",
        value_parser = case_number_pattern
    )]
    pub case_number_pattern: canvass_model::canvass::CaseNumberPattern,
}

fn case_number_pattern(text: &str) -> Result<canvass_model::canvass::CaseNumberPattern, String> {
    canvass_model::canvass::CaseNumberPattern::new(text).map_err(|e| e.reason)
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Only report pending migrations; change nothing. Exits 3 when some are pending.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of cameras to generate.
    #[arg(
        long,
        env = "CANVASS_DEMO_CAMERAS",
        default_value_t = 5000,
        value_name = "N"
    )]
    pub cameras: u64,

    /// Seed: the same seed and --as-of give the same data.
    #[arg(long, env = "CANVASS_DEMO_SEED", default_value_t = 1, value_name = "S")]
    pub seed: u64,

    /// Day the data is "as of" (YYYY-MM-DD); dates are relative to it. Default: today (UTC).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,

    /// Empty the registry first (users, keys and the audit trail are kept).
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Say whether the embedded cluster is running, and where.
    Status,
    /// Stop the embedded cluster, whichever process started it.
    Stop,
}

/// A role, as the command line spells it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Maps and canvasses.
    Officer,
    /// Officer, plus feeds and exports.
    Analyst,
    /// Machine account of the records system: feeds only.
    Records,
    /// Everything, including users, keys and the audit trail.
    Admin,
}

impl From<RoleArg> for canvass_model::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Officer => canvass_model::Role::Officer,
            RoleArg::Analyst => canvass_model::Role::Analyst,
            RoleArg::Records => canvass_model::Role::Records,
            RoleArg::Admin => canvass_model::Role::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user. The password is read from standard input, never from the command line.
    Add {
        /// User name (letters, digits, . _ @ -).
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// May see personal data (owners' contact details).
        #[arg(long)]
        pii: bool,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Stop a user from signing in.
    Disable {
        /// User name.
        name: String,
    },
    /// Let a disabled user sign in again.
    Enable {
        /// User name.
        name: String,
    },
    /// Set a new password (read from standard input) and clear a lock-out.
    ResetPassword {
        /// User name.
        name: String,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Remove a user's authenticator app (a lost phone); they set it up again at sign-in.
    ResetTotp {
        /// User name.
        name: String,
    },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Create an API key and print it once; only its hash is kept.
    Create {
        /// What the key is for, e.g. "RMS nightly feed".
        #[arg(long)]
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// May see personal data.
        #[arg(long)]
        pii: bool,
        /// Last day the key works (YYYY-MM-DD, UTC); it stops at the start of that day.
        #[arg(long, value_name = "DATE")]
        expires: Option<chrono::NaiveDate>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key at once.
    Revoke {
        /// Key id, as `key list` shows it.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check the hash chain; names every edited, deleted or reordered row. Exits 3 if any.
    Verify,
    /// Write the trail as CSV.
    Export {
        /// First day to include (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE")]
        since: chrono::NaiveDate,
        /// File to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactKeyAction {
    /// Add a new contact key generation and re-seal every contact under it, in batches, while
    /// the server keeps running (it re-reads the key file when it meets the new key id).
    Rotate {
        /// Contacts re-sealed per transaction.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        batch: i64,
    },
    /// Drop key generations that no contact uses any more from the key file.
    Prune,
}

/// `--map` of `import addresses`, checked against its keys. Clap names the flag already.
fn address_map(spec: &str) -> Result<canvass_import::FieldMap, String> {
    canvass_import::FieldMap::parse(spec, canvass_import::ADDRESS_FIELDS)
        .map_err(|e| e.to_string().trim_start_matches("--map: ").to_owned())
}

#[derive(Debug, Subcommand)]
pub enum ImportAction {
    /// Load address points for geocoding typed addresses. Reads Shapefile, GeoPackage, GeoJSON,
    /// CSV with coordinate columns and every other vector format GDAL knows; reprojects to
    /// longitude/latitude. Bad rows are reported and skipped, never fatal.
    Addresses {
        /// The file (or a folder of Shapefiles, or a GDAL /vsizip/… path).
        file: PathBuf,
        /// Layer to read (default: the file's only layer).
        #[arg(long, value_name = "NAME")]
        layer: Option<String>,
        /// Which fields hold what, e.g. `number=ADDR_NUM,street=ST_NAME`; join fields with +
        /// (`street=PREDIR+NAME+SUFFIX`). Keys: number, street, unit, city, postcode, and x, y
        /// to read coordinates from attributes. Unmapped keys are found by usual field names.
        #[arg(long, value_name = "KEY=FIELD,…", value_parser = address_map)]
        map: Vec<canvass_import::FieldMap>,
        /// Replace the points of an earlier import with the same --source.
        #[arg(long)]
        replace: bool,
        /// Name of this set of points (default: the file's name); --replace replaces by it.
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// Coordinate system of the coordinates when the file names none (or a wrong one),
        /// e.g. EPSG:2227.
        #[arg(long, value_name = "CRS")]
        source_crs: Option<String>,
        /// Write every rejected row, with its reason, to this CSV file.
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
    },
    /// Load an existing registry: one camera per row, rows with the same e-mail address are
    /// one owner's cameras. Rows are checked like the public form, placed by their point or
    /// x/y columns or else by geocoding their address, and refused outside the jurisdiction;
    /// owners already registered are skipped. Imported owners get a welcome e-mail and stay
    /// pending until they confirm (or are active at once with --trusted).
    Registrations(RegistrationArgs),
    /// Load the jurisdiction boundary: the polygons of a layer, merged, replace the previous
    /// boundary. Registrations outside it are refused.
    Boundary {
        /// The file.
        file: PathBuf,
        /// Layer to read (default: the file's only layer).
        #[arg(long, value_name = "NAME")]
        layer: Option<String>,
        /// Name of the jurisdiction (default: the layer's name).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Coordinate system of the coordinates when the file names none (or a wrong one).
        #[arg(long, value_name = "CRS")]
        source_crs: Option<String>,
    },
}

/// `--map` of `import registrations`, checked against its keys.
fn registration_map(spec: &str) -> Result<canvass_import::FieldMap, String> {
    canvass_import::FieldMap::parse(spec, canvass_import::REGISTRATION_FIELDS)
        .map_err(|e| e.to_string().trim_start_matches("--map: ").to_owned())
}

/// `--default` of `import registrations`, checked like a cell.
fn registration_default(spec: &str) -> Result<canvass_import::Defaults, String> {
    canvass_import::Defaults::parse(spec)
        .map_err(|e| e.to_string().trim_start_matches("--default: ").to_owned())
}

#[derive(Debug, Args)]
pub struct RegistrationArgs {
    /// The file (CSV, XLSX, GeoPackage, Shapefile, GeoJSON, a GDAL /vsizip/… path, …).
    pub file: PathBuf,
    /// Layer or sheet to read (default: the file's only one).
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,
    /// Which fields hold what, e.g. `name=OWNER,email=EMAIL,address=SITE_ADDR`; join fields
    /// with + (`name=FIRST+LAST`). Keys: name, email, phone, address, placement, views, facing,
    /// retention_days, recording_mode, can_export, notes, kind, business_name, language,
    /// contact_method, and x, y for coordinate columns. Unmapped keys are found by usual names.
    #[arg(long, value_name = "KEY=FIELD,…", value_parser = registration_map)]
    pub map: Vec<canvass_import::FieldMap>,
    /// A value for rows whose cell is empty or for a column the file lacks, e.g.
    /// `--default kind=residence --default views=street;sidewalk`. Keys: kind, placement,
    /// views, facing, retention_days, recording_mode, can_export, language, contact_method.
    #[arg(long, value_name = "KEY=VALUE", value_parser = registration_default)]
    pub default: Vec<canvass_import::Defaults>,
    /// Coordinate system of the coordinates when the file names none (or a wrong one).
    #[arg(long, value_name = "CRS")]
    pub source_crs: Option<String>,
    /// Write every rejected row, with its reason and original values, to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Check everything (rows, places, owners already registered) but write nothing and send
    /// no mail; --rejects is still written.
    #[arg(long)]
    pub dry_run: bool,
    /// Entries the department has already verified: active at once, no confirmation mail.
    #[arg(long)]
    pub trusted: bool,
    /// Consent version recorded with the imported registrations (the department attests the
    /// owners' consent).
    #[arg(long, default_value = "import", value_name = "VERSION")]
    pub consent_version: String,
    /// Base URL of the public site, for the confirmation links in the welcome mails.
    #[arg(
        long,
        env = "CANVASS_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub public_url: String,
    /// The department's name in the welcome mails.
    #[arg(
        long,
        env = "CANVASS_DEPARTMENT_NAME",
        default_value = "Demo City Police Department",
        value_name = "NAME"
    )]
    pub department_name: String,
}

/// `--bbox`: west, south, east, north in degrees of longitude and latitude, read as the feeds
/// read `bbox=`.
fn bbox(spec: &str) -> Result<[f64; 4], String> {
    let [west, south, east, north] = canvass_feeds::parse_bbox(spec).map_err(|e| e.to_string())?;
    if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
        return Err("longitudes must be within -180 to 180".into());
    }
    if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
        return Err("latitudes must be within -90 to 90".into());
    }
    Ok([west, south, east, north])
}

/// `--time-zone`: an IANA time-zone name.
fn time_zone(text: &str) -> Result<chrono_tz::Tz, String> {
    text.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        format!("{text:?} is not an IANA time zone; use a name such as America/Los_Angeles or UTC")
    })
}

/// `--case`: a case number as every disclosure takes it.
fn case_number(text: &str) -> Result<String, String> {
    canvass_model::disclosure::case_number(text).map_err(|e| e.to_string())
}

/// `--reason`: as every disclosure takes it; given empty, it is a mistake, not "no reason".
fn reason(text: &str) -> Result<String, String> {
    match canvass_model::disclosure::reason(text) {
        Ok(Some(reason)) => Ok(reason),
        Ok(None) => Err("a reason, when given, is text, not only spaces".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write; its extension gives the format unless --format does (.gpkg, .shp,
    /// .kml, .csv, .fgb, .geojson). Written beside itself first and moved into place at the
    /// end, so a failed export leaves nothing.
    pub file: PathBuf,
    /// Output format (GDAL driver name).
    #[arg(long, value_enum, ignore_case = true)]
    pub format: Option<crate::export_file::Format>,
    /// Coordinate system of the output, e.g. EPSG:2227 (California zone III, US feet); any
    /// EPSG code PROJ knows. Coordinates are written x then y (longitude, easting first).
    /// Default: EPSG:4326, longitude/latitude.
    #[arg(long, value_name = "EPSG:N", value_parser = crate::export_file::parse_crs)]
    pub crs: Option<canvass_feeds::Crs>,
    /// Only the cameras in this box: west,south,east,north in degrees (edges included).
    #[arg(long, value_name = "W,S,E,N", value_parser = bbox, allow_hyphen_values = true)]
    pub bbox: Option<[f64; 4]>,
    /// Only the cameras this CQL2 text filter selects, as the feeds' `filter=` does, e.g.
    /// "kind = 'business' AND views = 'street'" (with --pii, address, language and
    /// contact_method too).
    #[arg(long, value_name = "CQL2", allow_hyphen_values = true)]
    pub filter: Option<String>,
    /// Include the owners' contact details (name, e-mail, phone, address, language). Needs
    /// --case; the audit row lists every camera whose owner was disclosed.
    #[arg(long)]
    pub pii: bool,
    /// The case number the contacts are disclosed for (with --pii).
    #[arg(long, value_name = "N", value_parser = case_number)]
    pub case: Option<String>,
    /// Why the contacts are needed, recorded in the audit trail (with --pii).
    #[arg(long, value_name = "TEXT", value_parser = reason)]
    pub reason: Option<String>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub overwrite: bool,
}
