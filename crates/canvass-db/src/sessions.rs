//! Sign-in of people: password checks with lock-out, and server-side sessions.
//!
//! The session cookie carries 32 random bytes; the database keeps only their SHA-256, so a
//! leaked database or backup holds no usable session. Sessions end after 30 idle minutes or
//! at their absolute expiry, whichever comes first.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use canvass_model::Role;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use crate::DbError;
use crate::access::verify_password;

/// Failed logins after which an account is locked (with doubling back-off).
pub const LOCK_AFTER_FAILURES: i32 = 5;

const FIND_USER: &str = "SELECT id, username, role, pii, password_hash, disabled, locked_until,
     totp_key_id, totp_sealed
     FROM users WHERE lower(username) = lower($1)";
const FAILED: &str = "UPDATE users SET failed_logins = failed_logins + 1,
     locked_until = CASE WHEN failed_logins + 1 >= $2
         THEN now() + make_interval(mins => least(60, power(2, failed_logins + 1 - $2)::int))
         ELSE locked_until END
     WHERE id = $1 RETURNING locked_until";
const SUCCEEDED: &str =
    "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1";
const INSERT_SESSION: &str =
    "INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at, client_addr, user_agent, needs_totp)
     VALUES ($1, $2, $3, now() + $4 * interval '1 second', $5, $6, $7)";
const FIND_SESSION: &str = "SELECT u.id, u.username, u.role, u.pii, s.csrf_token, s.needs_totp,
     s.last_seen_at < now() - interval '1 minute'
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id_hash = $1 AND NOT u.disabled
       AND s.expires_at > now() AND s.last_seen_at > now() - $2 * interval '1 second'";
/// Marks a session used; done at most once a minute, so that requests mostly only read.
const TOUCH_SESSION: &str = "UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1";
const SET_PENDING_TOTP: &str = "UPDATE users SET totp_key_id = $2, totp_pending_sealed = $3 WHERE id = $1 AND totp_sealed IS NULL";
const PENDING_TOTP: &str =
    "SELECT totp_key_id, totp_pending_sealed, totp_sealed IS NOT NULL FROM users WHERE id = $1";
const ACTIVATE_TOTP: &str =
    "UPDATE users SET totp_sealed = totp_pending_sealed, totp_pending_sealed = NULL
     WHERE id = $1 AND totp_pending_sealed IS NOT NULL";
const SESSION_TOTP_DONE: &str = "UPDATE sessions SET needs_totp = false WHERE user_id = $1";
const RESET_TOTP: &str =
    "UPDATE users SET totp_sealed = NULL, totp_pending_sealed = NULL, totp_key_id = NULL
     WHERE lower(username) = lower($1) RETURNING id";
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id";
const DELETE_EXPIRED: &str = "DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - $1 * interval '1 second'";

/// The outcome of a password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Correct password: the user, and their sealed TOTP secret (key id, sealed) when they
    /// set one up; the caller checks the code, then calls [`record_success`] or
    /// [`record_failure`].
    Accepted(SessionUser, Option<(String, Vec<u8>)>),
    /// Unknown user or wrong password (the same answer for both).
    Rejected {
        /// The user, when the name was known.
        user_id: Option<i64>,
        /// Set when this failure locked the account.
        locked_until: Option<DateTime<Utc>>,
    },
    /// The account is locked until then.
    Locked {
        /// The user.
        user_id: i64,
        /// Until.
        until: DateTime<Utc>,
    },
    /// Correct password, but the account is disabled.
    Disabled {
        /// The user.
        user_id: i64,
    },
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    /// users.id
    pub id: i64,
    /// Name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// May see personal data.
    pub pii: bool,
    /// The session's CSRF token (empty outside a session).
    pub csrf_token: String,
    /// The session may only set up TOTP until that is done.
    pub needs_totp: bool,
}

/// Checks a password, counting failures and locking the account after
/// [`LOCK_AFTER_FAILURES`] of them.
pub async fn check_password(
    client: &impl GenericClient,
    username: &str,
    password: &str,
) -> Result<LoginOutcome, DbError> {
    let row = client
        .query_opt(FIND_USER, &[&username])
        .await
        .map_err(DbError::pg("look up user"))?;
    let Some(row) = row else {
        // Spend the same time as a real check, so that timing does not reveal user names.
        let _ = verify_password(password, DUMMY_HASH);
        return Ok(LoginOutcome::Rejected {
            user_id: None,
            locked_until: None,
        });
    };
    let id: i64 = row.get(0);
    let locked_until: Option<DateTime<Utc>> = row.get(6);
    if let Some(until) = locked_until.filter(|t| *t > Utc::now()) {
        return Ok(LoginOutcome::Locked { user_id: id, until });
    }
    let hash: String = row.get(4);
    if !verify_password(password, &hash) {
        let locked_until = record_failure(client, id).await?;
        return Ok(LoginOutcome::Rejected {
            user_id: Some(id),
            locked_until,
        });
    }
    if row.get::<_, bool>(5) {
        return Ok(LoginOutcome::Disabled { user_id: id });
    }
    let role: String = row.get(2);
    let role = role
        .parse::<Role>()
        .map_err(|e| DbError::Demo(e.to_string()))?;
    let totp = match (
        row.get::<_, Option<String>>(7),
        row.get::<_, Option<Vec<u8>>>(8),
    ) {
        (Some(key_id), Some(sealed)) => Some((key_id, sealed)),
        _ => None,
    };
    let user = SessionUser {
        id,
        username: row.get(1),
        role,
        pii: row.get(3),
        csrf_token: String::new(),
        needs_totp: false,
    };
    Ok(LoginOutcome::Accepted(user, totp))
}

/// Counts a failed sign-in; returns the lock's end when this failure locked the account.
pub async fn record_failure(
    client: &impl GenericClient,
    user_id: i64,
) -> Result<Option<DateTime<Utc>>, DbError> {
    let locked: Option<DateTime<Utc>> = client
        .query_one(FAILED, &[&user_id, &LOCK_AFTER_FAILURES])
        .await
        .map_err(DbError::pg("count failed login"))?
        .get(0);
    Ok(locked.filter(|t| *t > Utc::now()))
}

/// Records a complete sign-in: failures forgotten, last login set.
pub async fn record_success(client: &impl GenericClient, user_id: i64) -> Result<(), DbError> {
    client
        .execute(SUCCEEDED, &[&user_id])
        .await
        .map_err(DbError::pg("record login"))?;
    Ok(())
}

/// Stores a TOTP secret being set up (sealed by the caller); false when TOTP is already on.
pub async fn set_pending_totp(
    client: &impl GenericClient,
    user_id: i64,
    key_id: &str,
    sealed: &[u8],
) -> Result<bool, DbError> {
    let changed = client
        .execute(SET_PENDING_TOTP, &[&user_id, &key_id, &sealed])
        .await
        .map_err(DbError::pg("store TOTP secret"))?;
    Ok(changed == 1)
}

/// (key id, pending sealed secret, TOTP already on) of a user.
pub async fn pending_totp(
    client: &impl GenericClient,
    user_id: i64,
) -> Result<(Option<String>, Option<Vec<u8>>, bool), DbError> {
    let row = client
        .query_one(PENDING_TOTP, &[&user_id])
        .await
        .map_err(DbError::pg("read TOTP state"))?;
    Ok((row.get(0), row.get(1), row.get(2)))
}

/// Turns the pending secret on and lifts the set-up restriction of the user's sessions.
pub async fn activate_totp(client: &impl GenericClient, user_id: i64) -> Result<bool, DbError> {
    let changed = client
        .execute(ACTIVATE_TOTP, &[&user_id])
        .await
        .map_err(DbError::pg("turn TOTP on"))?;
    client
        .execute(SESSION_TOTP_DONE, &[&user_id])
        .await
        .map_err(DbError::pg("update sessions"))?;
    Ok(changed == 1)
}

/// Removes a user's TOTP (a lost phone); returns the user's id.
pub async fn reset_totp(
    client: &impl GenericClient,
    username: &str,
) -> Result<Option<i64>, DbError> {
    let row = client
        .query_opt(RESET_TOTP, &[&username])
        .await
        .map_err(DbError::pg("reset TOTP"))?;
    Ok(row.map(|r| r.get(0)))
}

/// An argon2id hash of a random password, for constant-time rejection of unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$BJ5Jf6hc6DsJtXC+2w2kHhGoNa9AbOU3t5R6D1kvU4I";

/// A new random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session: returns (cookie token, CSRF token).
pub async fn create_session(
    client: &impl GenericClient,
    user_id: i64,
    lifetime: Duration,
    client_addr: Option<IpAddr>,
    user_agent: Option<&str>,
    needs_totp: bool,
) -> Result<(String, String), DbError> {
    let (token, csrf) = (random_token(), random_token());
    let seconds = lifetime.as_secs_f64();
    client
        .execute(
            INSERT_SESSION,
            &[
                &token_hash(&token),
                &user_id,
                &csrf,
                &seconds,
                &client_addr,
                &user_agent,
                &needs_totp,
            ],
        )
        .await
        .map_err(DbError::pg("create session"))?;
    Ok((token, csrf))
}

/// The user of a live session (and marks it used, at most once a minute); `None` when unknown, idle too long,
/// expired, or the user is disabled.
pub async fn session_user(
    client: &impl GenericClient,
    token: &str,
    idle: Duration,
) -> Result<Option<SessionUser>, DbError> {
    if token.len() > 100 {
        return Ok(None);
    }
    let row = client
        .query_opt(FIND_SESSION, &[&token_hash(token), &idle.as_secs_f64()])
        .await
        .map_err(DbError::pg("look up session"))?;
    let Some(row) = row else { return Ok(None) };
    if row.get::<_, bool>(6) {
        client
            .execute(TOUCH_SESSION, &[&token_hash(token)])
            .await
            .map_err(DbError::pg("mark session used"))?;
    }
    let role: String = row.get(2);
    let Ok(role) = role.parse::<Role>() else {
        return Ok(None);
    };
    Ok(Some(SessionUser {
        id: row.get(0),
        username: row.get(1),
        role,
        pii: row.get(3),
        csrf_token: row.get(4),
        needs_totp: row.get(5),
    }))
}

/// Ends a session; returns its user.
pub async fn end_session(client: &impl GenericClient, token: &str) -> Result<Option<i64>, DbError> {
    let row = client
        .query_opt(DELETE_SESSION, &[&token_hash(token)])
        .await
        .map_err(DbError::pg("end session"))?;
    Ok(row.map(|r| r.get(0)))
}

/// Deletes sessions past their expiry or idle limit; returns how many.
pub async fn purge_sessions(client: &impl GenericClient, idle: Duration) -> Result<u64, DbError> {
    client
        .execute(DELETE_EXPIRED, &[&idle.as_secs_f64()])
        .await
        .map_err(DbError::pg("purge sessions"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_is_a_valid_argon2_hash() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything at all", DUMMY_HASH));
    }
}
