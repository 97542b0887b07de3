//! `canvass serve`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use canvass_db::connect::PoolOptions;
use canvass_db::demo::{self, DemoOptions};
use canvass_db::{ClusterState, Database, migrate, server_secrets};
use canvass_server::{AppParts, AppState, Limits, Metrics};
use tokio::sync::watch;

use crate::cli::{GlobalArgs, ServeArgs};

/// How long a stopping server waits for its mail sender to settle the messages in flight
/// (an SMTP exchange that hangs is cut after lettre's own timeout).
const MAIL_STOP_WAIT: Duration = Duration::from_secs(15);

pub async fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let intake = crate::intake_settings(&args.consent_version, &public_url)?;
    // Bind first: a busy port should fail before a database is started for nothing.
    let listener = canvass_server::bind(args.listen).await?;
    let mailer = crate::mailer(global)?;
    tracing::info!(transport = mailer.describe(), "outgoing mail");
    let key = crate::contact_key_file::load_or_create(global)?;
    let set = crate::migrations(global)?;
    let pool = PoolOptions {
        max_size: usize::try_from(args.db_pool_size).unwrap_or(16),
        role: Some(args.db_role.trim().to_owned()).filter(|r| !r.is_empty()),
        ..PoolOptions::default()
    };
    let db = crate::open_database(global, pool).await?;
    if let Err(e) = prepare(&db, &set, &key, &args).await {
        db.close().await;
        return Err(e);
    }
    let cursor_secret = match cursor_secret(&db).await {
        Ok(secret) => secret,
        Err(e) => {
            db.close().await;
            return Err(e);
        }
    };
    let db = Arc::new(db);
    let public = Arc::new(canvass_server::PublicSettings::new(
        department(&args)?,
        intake,
        canvass_server::RateLimiter::new(args.form_posts_per_minute, Duration::from_secs(60)),
        canvass_server::MapLibre::load(&args.web_assets_dir),
    )?);
    let state = AppState::new(AppParts {
        public,
        mailer: Arc::new(mailer),
        mail_wake: Arc::default(),
        db: db.clone(),
        metrics: Metrics::new()?,
        sessions: canvass_server::SessionSettings {
            idle: Duration::from_secs(args.session_idle_minutes * 60),
            lifetime: Duration::from_secs(args.session_hours * 3600),
            secure_cookies: args.secure_cookies,
            totp_roles: args
                .require_totp_roles
                .iter()
                .map(|r| (*r).into())
                .collect(),
        },
        login_limiter: Arc::new(canvass_server::RateLimiter::new(
            args.login_attempts_per_minute,
            Duration::from_secs(60),
        )),
        key_cache: Arc::default(),
        ogc: Arc::new(canvass_server::OgcSettings::new(
            canvass_model::PublicUrl::parse(&public_url)?,
            cursor_secret,
        )),
        tiles: Arc::new(canvass_server::TileService::new(
            canvass_server::TileSettings {
                max_zoom: args.tile_max_zoom,
                points_from_zoom: args.coverage_below_zoom,
                cache_bytes: args.tile_cache_mb.saturating_mul(1 << 20),
            },
        )),
        contact_keys: Arc::new(canvass_server::ContactKeys::new(
            key.clone(),
            Some(crate::contact_key_file::path(global)),
        )),
        case_numbers: Arc::new(args.case_number_pattern.clone()),
    });
    let limits = Limits {
        max_body_bytes: args.max_body_bytes,
        request_timeout: Duration::from_secs(args.request_timeout),
    };
    let sync = tokio::spawn(canvass_server::sync::keep_in_sync(state.clone()));
    let mail_stop = Arc::new(AtomicBool::new(false));
    let mut mail = tokio::spawn(canvass_server::mail_sender::send_mail(
        state.clone(),
        args.mail.options(None),
        Duration::from_secs(args.mail_poll),
        mail_stop.clone(),
    ));
    let mail_wake = state.mail_wake.clone();
    let app = canvass_server::router(state, limits);
    let address = listener.local_addr()?;
    println!("Canvass listening on http://{address}");

    let unconfirmed = tokio::spawn(purge_unconfirmed(db.clone()));
    let purger = tokio::spawn(purge_sessions(
        db.clone(),
        Duration::from_secs(args.session_idle_minutes * 60),
    ));
    let (failed_tx, failed_rx) = watch::channel(None::<String>);
    if let Some(cluster) = db.cluster_state() {
        tokio::spawn(watch_cluster(cluster, failed_tx));
    }
    let mut failure = failed_rx.clone();
    let shutdown = async move {
        tokio::select! {
            _ = crate::shutdown::signalled() => {}
            _ = failure.wait_for(Option::is_some) => {}
        }
    };
    let served = canvass_server::serve(listener, app, shutdown).await;
    // Let the sender settle the messages in flight: one the relay took but that was not yet
    // recorded would be sent again by the next sender.
    mail_stop.store(true, Ordering::SeqCst);
    mail_wake.notify_one();
    let mut tasks = vec![purger, sync, unconfirmed];
    // A finished JoinHandle must not be polled again, so it is only kept when still running.
    if tokio::time::timeout(MAIL_STOP_WAIT, &mut mail)
        .await
        .is_err()
    {
        tracing::warn!(
            "the mail sender did not stop in time; messages in flight may be sent again"
        );
        tasks.push(mail);
    }
    for task in tasks {
        task.abort();
        let _ = task.await;
    }
    match Arc::try_unwrap(db) {
        Ok(db) => db.close().await,
        Err(_) => tracing::warn!("database handle still in use at shutdown"),
    }
    served?;
    let reason = failed_rx.borrow().clone();
    match reason {
        Some(reason) => {
            eprintln!("canvass: error: the embedded database could not be restarted: {reason}");
            Ok(ExitCode::FAILURE)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// The key that seals OGC API paging cursors, shared by every server of this database.
async fn cursor_secret(db: &Database) -> anyhow::Result<[u8; 32]> {
    let client = db.client().await?;
    let secret = server_secrets::shared_secret(&**client, server_secrets::CURSOR_KEY).await?;
    Ok(secret)
}

async fn prepare(
    db: &Database,
    set: &[migrate::Migration],
    key: &canvass_model::contact_seal::ContactKeyRing,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    // Migrations and the demo need the owner's rights; the pool acts as the application role.
    let mut client = db.owner_client().await?;
    let report = migrate::run(&client, set).await?;
    if !report.applied.is_empty() {
        tracing::info!(count = report.applied.len(), "migrations applied");
    }
    if args.demo {
        if demo::registry_is_empty(&client).await? {
            let options = DemoOptions {
                cameras: args.demo_cameras,
                seed: args.demo_seed,
                as_of: chrono::Utc::now().date_naive(),
            };
            let report = demo::load(&mut client, options, key.current(), false).await?;
            tracing::info!(
                cameras = report.cameras,
                registrations = report.registrations,
                "demo data loaded"
            );
        } else {
            tracing::info!("registry not empty; demo data not loaded");
        }
    }
    Ok(())
}

/// The department as the public pages show it, from the serve flags.
fn department(args: &ServeArgs) -> anyhow::Result<canvass_server::Department> {
    let logo = match &args.department_logo {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("department logo {}: {e}", path.display()))?;
            let content_type = if bytes.starts_with(b"\x89PNG") {
                "image/png"
            } else if std::str::from_utf8(&bytes).is_ok_and(|t| t.contains("<svg")) {
                "image/svg+xml"
            } else {
                anyhow::bail!("department logo {} is neither PNG nor SVG", path.display());
            };
            Some((bytes, content_type))
        }
        None => None,
    };
    Ok(canvass_server::Department {
        name: args.department_name.clone(),
        phone: args.department_phone.clone(),
        email: args.department_email.clone(),
        logo,
        consent: args.consent_en.clone().zip(args.consent_es.clone()),
        jurisdiction_name: args.jurisdiction_name.clone(),
        owner_notices: !args.hide_owner_notices,
        time_zone: args.time_zone,
    })
}

/// Deletes registrations never confirmed within seven days, hourly.
async fn purge_unconfirmed(db: Arc<Database>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let Ok(client) = db.client().await else {
            continue;
        };
        match canvass_db::registrations::purge_unconfirmed(&**client).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "unconfirmed registrations purged"),
            Err(e) => tracing::warn!(error = %e, "cannot purge unconfirmed registrations"),
        }
    }
}

/// Deletes ended sessions every ten minutes, so the table holds only live ones.
async fn purge_sessions(db: Arc<Database>, idle: Duration) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let Ok(client) = db.client().await else {
            continue;
        };
        match canvass_db::sessions::purge_sessions(&**client, idle).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "ended sessions purged"),
            Err(e) => tracing::warn!(error = %e, "cannot purge sessions"),
        }
    }
}

/// The supervisor restarts a crashed embedded cluster by itself; when it gives up, serving
/// without a database helps nobody, so the server stops with the reason.
async fn watch_cluster(
    mut state: watch::Receiver<ClusterState>,
    failed: watch::Sender<Option<String>>,
) {
    loop {
        let current = state.borrow_and_update().clone();
        match current {
            ClusterState::Failed(reason) => {
                tracing::error!(%reason, "embedded database failed");
                let _ = failed.send(Some(reason));
                return;
            }
            ClusterState::Down => tracing::warn!("embedded database down; restarting it"),
            ClusterState::Ready { .. } => tracing::debug!("embedded database ready"),
            ClusterState::Starting | ClusterState::Stopped => {}
        }
        if state.changed().await.is_err() {
            return;
        }
    }
}
