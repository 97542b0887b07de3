//! The `canvass` binary.

// Command results are its standard output; logs go to standard error.
#![allow(clippy::print_stdout)]

mod access_command;
mod audit_command;
mod cli;
mod config_file;
mod contact_key_command;
mod contact_key_file;
mod db_command;
mod demo_command;
mod export_command;
mod export_file;
mod import_command;
mod import_registrations;
mod mail_command;
mod migrate_command;
mod rejects;
mod serve_command;
mod shutdown;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, GlobalArgs, LogFormat};

/// Exit code of a command that ran and found a problem to report (e.g. pending migrations).
pub const EXIT_FINDING: u8 = 3;

/// Said on standard error by the old spelling of `canvass contact-key`.
const KEYS_DEPRECATION: &str = "canvass keys is deprecated; use canvass contact-key";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(Parse::Clap(e)) => {
            // --help and --version print to stdout and succeed; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
        Err(Parse::Config(e)) => {
            eprintln!("canvass: error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logging(&cli.global) {
        eprintln!("canvass: error: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("canvass: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // One line: the error and its causes.
            eprintln!("canvass: error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

enum Parse {
    Clap(clap::Error),
    Config(config_file::ConfigFileError),
}

fn parse(args: &[OsString]) -> Result<Cli, Parse> {
    let mut command = Cli::command();
    if let Some(path) = config_file::config_path(args) {
        command = config_file::apply(command, &path).map_err(Parse::Config)?;
    }
    let matches = command.try_get_matches_from(args).map_err(Parse::Clap)?;
    Cli::from_arg_matches(&matches).map_err(Parse::Clap)
}

fn init_logging(global: &GlobalArgs) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&global.log)
        .map_err(|e| anyhow::anyhow!("invalid --log filter {:?}: {e}", global.log))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let installed = match global.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot start logging: {e}"))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve_command::run(&cli.global, *args).await,
        Command::Migrate(args) => migrate_command::run(&cli.global, args).await,
        Command::Demo(args) => demo_command::run(&cli.global, args).await,
        Command::Db { action } => db_command::run(&cli.global, action),
        Command::User { action } => access_command::user(&cli.global, action).await,
        Command::Key { action } => access_command::key(&cli.global, action).await,
        Command::ContactKey { action } => contact_key_command::run(&cli.global, action).await,
        Command::Keys { action } => {
            // Scripts written for the old spelling keep working for one release.
            eprintln!("{KEYS_DEPRECATION}");
            contact_key_command::run(&cli.global, action).await
        }
        Command::Audit { action } => audit_command::run(&cli.global, action).await,
        Command::Mail { action } => mail_command::run(&cli.global, action).await,
        Command::Import { action } => import_command::run(&cli.global, action).await,
        Command::Export(args) => export_command::run(&cli.global, args).await,
    }
}

/// Where the database is, from the global flags.
pub fn target(global: &GlobalArgs) -> anyhow::Result<canvass_db::Target> {
    Ok(match &global.database_url {
        Some(url) => canvass_db::Target::from_url(url)?,
        None => canvass_db::Target::Embedded {
            data_dir: global.data_dir.clone(),
            pg_bin_dir: global.pg_bin_dir.clone(),
        },
    })
}

/// Opens the database of the global flags; an embedded cluster lives as long as this process.
pub async fn open_database(
    global: &GlobalArgs,
    pool: canvass_db::connect::PoolOptions,
) -> anyhow::Result<canvass_db::Database> {
    let target = target(global)?;
    Ok(canvass_db::Database::open(&target, canvass_db::StartMode::Attached, pool).await?)
}

/// The mailer from the global flags: SMTP when configured, else the outbox folder.
pub fn mailer(global: &GlobalArgs) -> anyhow::Result<canvass_mail::Mailer> {
    let outbox = global.data_dir.join("outbox");
    Ok(
        canvass_mail::Mailer::new(&global.mail_from, global.smtp_url.as_deref(), &outbox)?
            .with_reply_to(global.mail_reply_to.as_deref())?,
    )
}

/// The intake's settings from the flags of `serve` and `import registrations`, checked before
/// anything starts: one rule and one message for both commands.
pub fn intake_settings(
    consent_version: &str,
    public_url: &str,
) -> anyhow::Result<canvass_db::intake::IntakeSettings> {
    canvass_db::intake::IntakeSettings::new(consent_version, public_url)
        .map_err(|e| anyhow::anyhow!("--{}: {e}", e.setting()))
}

/// The migrations to apply: built in, or from --migrations-dir.
pub fn migrations(global: &GlobalArgs) -> anyhow::Result<Vec<canvass_db::migrate::Migration>> {
    Ok(match &global.migrations_dir {
        Some(dir) => canvass_db::migrate::from_dir(dir)?,
        None => canvass_db::migrate::embedded()?,
    })
}
