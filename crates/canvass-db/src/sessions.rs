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

const FIND_USER: &str = "SELECT id, username, role, pii, password_hash, disabled, locked_until
     FROM users WHERE lower(username) = lower($1)";
const FAILED: &str = "UPDATE users SET failed_logins = failed_logins + 1,
     locked_until = CASE WHEN failed_logins + 1 >= $2
         THEN now() + make_interval(mins => least(60, power(2, failed_logins + 1 - $2)::int))
         ELSE locked_until END
     WHERE id = $1 RETURNING locked_until";
const SUCCEEDED: &str =
    "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1";
const INSERT_SESSION: &str =
    "INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at, client_addr, user_agent)
     VALUES ($1, $2, $3, now() + $4 * interval '1 second', $5, $6)";
const FIND_SESSION: &str = "UPDATE sessions s SET last_seen_at = now()
     FROM users u
     WHERE s.id_hash = $1 AND u.id = s.user_id AND NOT u.disabled
       AND s.expires_at > now() AND s.last_seen_at > now() - $2 * interval '1 second'
     RETURNING u.id, u.username, u.role, u.pii, s.csrf_token";
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id";
const DELETE_EXPIRED: &str = "DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - $1 * interval '1 second'";

/// The outcome of a password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Correct: the user.
    Accepted(SessionUser),
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
        let locked: Option<DateTime<Utc>> = client
            .query_one(FAILED, &[&id, &LOCK_AFTER_FAILURES])
            .await
            .map_err(DbError::pg("count failed login"))?
            .get(0);
        return Ok(LoginOutcome::Rejected {
            user_id: Some(id),
            locked_until: locked.filter(|t| *t > Utc::now()),
        });
    }
    if row.get::<_, bool>(5) {
        return Ok(LoginOutcome::Disabled { user_id: id });
    }
    let role: String = row.get(2);
    let role = role
        .parse::<Role>()
        .map_err(|e| DbError::Demo(e.to_string()))?;
    client
        .execute(SUCCEEDED, &[&id])
        .await
        .map_err(DbError::pg("record login"))?;
    Ok(LoginOutcome::Accepted(SessionUser {
        id,
        username: row.get(1),
        role,
        pii: row.get(3),
        csrf_token: String::new(),
    }))
}

/// An argon2id hash of a random password, for constant-time rejection of unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$BJ5Jf6hc6DsJtXC+2w2kHhGoNa9AbOU3t5R6D1kvU4I";

/// A new random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session: returns (cookie token, CSRF token).
pub async fn create_session(
    client: &impl GenericClient,
    user_id: i64,
    lifetime: Duration,
    client_addr: Option<IpAddr>,
    user_agent: Option<&str>,
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
            ],
        )
        .await
        .map_err(DbError::pg("create session"))?;
    Ok((token, csrf))
}

/// The user of a live session (and marks it used); `None` when unknown, idle too long,
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
