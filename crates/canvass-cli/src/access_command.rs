//! `canvass user …` and `canvass key …`. Every change is audited in its own transaction.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use canvass_db::access::{self, AccessError};
use canvass_db::audit::{self, Actor, Event};
use canvass_db::connect::PoolOptions;

use crate::cli::{GlobalArgs, KeyAction, UserAction};

/// The operator at the command line, as the audit trail names them.
pub(crate) fn operator() -> Actor {
    let who = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    Actor::System(format!(
        "cli:{}",
        who.chars()
            .filter(|c| !c.is_control())
            .take(60)
            .collect::<String>()
    ))
}

/// The password from standard input, without its final line break.
fn read_password() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(access::MAX_PASSWORD_BYTES as u64 + 2)
        .read_to_end(&mut bytes)
        .context("cannot read the password from standard input")?;
    let text =
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("the password must be UTF-8 text"))?;
    let password = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if password.is_empty() {
        anyhow::bail!("no password on standard input");
    }
    Ok(password.to_owned())
}

/// Commits `tx` when the change was accepted, else reports why.
async fn finish<T>(
    tx: deadpool_postgres::Transaction<'_>,
    outcome: Result<T, AccessError>,
    event: impl FnOnce(&T) -> Event,
) -> anyhow::Result<T> {
    let value = outcome?;
    audit::record(&*tx, &event(&value)).await?;
    tx.commit().await.context("commit")?;
    Ok(value)
}

pub async fn user(global: &GlobalArgs, action: UserAction) -> anyhow::Result<ExitCode> {
    let password = match &action {
        UserAction::Add { .. } | UserAction::ResetPassword { .. } => Some(read_password()?),
        _ => None,
    };
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        canvass_db::migrate::run(&client, &crate::migrations(global)?).await?;
        let tx = client.transaction().await.context("begin")?;
        let secret = password.as_deref().unwrap_or_default();
        match action {
            UserAction::Add { name, role, pii, .. } => {
                let created = access::create_user(&*tx, &name, role.into(), pii, secret).await?;
                let id = finish(tx, created, |id| Event::new(operator(), "user.create").records(&[*id]).details(serde_json::json!({ "role": canvass_model::Role::from(role).as_str(), "pii": pii }))).await?;
                println!("created user {name} (id {id})");
            }
            UserAction::Disable { name } => {
                let changed = access::set_user_disabled(&*tx, &name, true).await?;
                finish(tx, changed, |id| Event::new(operator(), "user.disable").records(&[*id])).await?;
                println!("disabled user {name}");
            }
            UserAction::Enable { name } => {
                let changed = access::set_user_disabled(&*tx, &name, false).await?;
                finish(tx, changed, |id| Event::new(operator(), "user.enable").records(&[*id])).await?;
                println!("enabled user {name}");
            }
            UserAction::ResetPassword { name, .. } => {
                let changed = access::set_password(&*tx, &name, secret).await?;
                finish(tx, changed, |id| Event::new(operator(), "user.password_reset").records(&[*id])).await?;
                println!("password of {name} reset");
            }
            UserAction::ResetTotp { name } => {
                let reset = canvass_db::sessions::reset_totp(&*tx, &name).await?;
                let reset = reset.ok_or_else(|| AccessError::NoSuchUser(name.chars().take(64).collect()));
                finish(tx, reset, |id| Event::new(operator(), "user.totp_reset").records(&[*id])).await?;
                println!("two-factor sign-in of {name} removed; they set it up again at their next sign-in if their role requires it");
            }
            UserAction::List => {
                println!("{:>6}  {:<24} {:<8} {:<4} {:<9} last login", "id", "name", "role", "pii", "state");
                for user in access::list_users(&*tx).await? {
                    println!(
                        "{:>6}  {:<24} {:<8} {:<4} {:<9} {}",
                        user.id,
                        user.username,
                        user.role,
                        if user.pii { "yes" } else { "no" },
                        if user.disabled { "disabled" } else { "active" },
                        user.last_login_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into())
                    );
                }
            }
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}

pub async fn key(global: &GlobalArgs, action: KeyAction) -> anyhow::Result<ExitCode> {
    let db = crate::open_database(global, PoolOptions::default()).await?;
    let outcome = async {
        let mut client = db.client().await?;
        canvass_db::migrate::run(&client, &crate::migrations(global)?).await?;
        let tx = client.transaction().await.context("begin")?;
        match action {
            KeyAction::Create { name, role, pii, expires } => {
                let expires_at = expires.map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc());
                let created = access::create_key(&*tx, &name, role.into(), pii, expires_at).await?;
                let (id, key) = finish(tx, created, |(id, _)| {
                    Event::new(operator(), "key.create").records(&[*id]).details(serde_json::json!({
                        "role": canvass_model::Role::from(role).as_str(), "pii": pii, "expires": expires_at,
                    }))
                })
                .await?;
                println!("{key}");
                eprintln!("API key {id} created; it is shown only this once. Use it as a Bearer token or as the HTTP Basic password.");
            }
            KeyAction::List => {
                println!("{:>6}  {:<30} {:<8} {:<4} {:<10} {:<10} last used", "id", "name", "role", "pii", "expires", "state");
                for key in access::list_keys(&*tx).await? {
                    let state = if key.revoked_at.is_some() {
                        "revoked"
                    } else if key.expires_at.is_some_and(|t| t <= chrono::Utc::now()) {
                        "expired"
                    } else {
                        "active"
                    };
                    println!(
                        "{:>6}  {:<30} {:<8} {:<4} {:<10} {:<10} {}",
                        key.id,
                        key.name.chars().take(30).collect::<String>(),
                        key.role,
                        if key.pii { "yes" } else { "no" },
                        key.expires_at.map(|t| t.date_naive().to_string()).unwrap_or_else(|| "never".into()),
                        state,
                        key.last_used_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into())
                    );
                }
            }
            KeyAction::Revoke { id } => {
                let revoked = access::revoke_key(&*tx, id).await?;
                let name = finish(tx, revoked, |_| Event::new(operator(), "key.revoke").records(&[id])).await?;
                println!("revoked key {id} ({name})");
            }
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    }
    .await;
    db.close().await;
    outcome
}
