//! People and machine keys: creation, look-up, and the credentials' hashes.
//!
//! Passwords are hashed with argon2id. API keys look like `cvk_<id>_<secret>`; only the
//! SHA-256 of the secret is stored (the secret has 256 random bits, so a slow hash adds
//! nothing), and the key is shown once.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use canvass_model::Role;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use crate::DbError;

const KEY_PREFIX: &str = "cvk_";
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (argon2 would hash more, but nobody types it).
pub const MAX_PASSWORD_BYTES: usize = 1024;

const INSERT_USER: &str =
    "INSERT INTO users (username, role, pii, password_hash) VALUES ($1, $2, $3, $4) RETURNING id";
const SET_DISABLED: &str =
    "UPDATE users SET disabled = $2 WHERE lower(username) = lower($1) RETURNING id";
const SET_PASSWORD: &str =
    "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL
     WHERE lower(username) = lower($1) RETURNING id";
const LIST_USERS: &str =
    "SELECT id, username, role, pii, disabled, last_login_at FROM users ORDER BY lower(username)";
const INSERT_KEY: &str = "INSERT INTO api_keys (name, role, pii, key_hash, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
const LIST_KEYS: &str = "SELECT id, name, role, pii, created_at, expires_at, revoked_at, last_used_at FROM api_keys ORDER BY id";
const REVOKE_KEY: &str =
    "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name";
const FIND_KEY: &str = "SELECT id, name, role, pii, expires_at, revoked_at, key_hash, last_used_at
     FROM api_keys WHERE id = $1";
const TOUCH_KEY: &str = "UPDATE api_keys SET last_used_at = now() WHERE id = $1";
/// Last use is recorded at most this often, so that a busy key does not write on every request.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A user or key request that cannot be honoured, said so that the caller can show it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// The user name is not acceptable.
    #[error("user name must be 1-64 characters of letters, digits, . _ @ -")]
    BadUsername,
    /// The key name is not acceptable.
    #[error("key name must be 1-100 printable characters")]
    BadKeyName,
    /// The password is too short or too long.
    #[error(
        "password must be at least {MIN_PASSWORD_CHARS} characters and at most {MAX_PASSWORD_BYTES} bytes"
    )]
    BadPassword,
    /// The name is taken.
    #[error("user {0:?} already exists")]
    UserExists(String),
    /// No such user.
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    /// No such key, or already revoked.
    #[error("no active API key with id {0}")]
    NoSuchKey(i64),
    /// The expiry is in the past.
    #[error("expiry must be in the future")]
    ExpiryInPast,
}

/// A user as listed.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub username: String,
    /// Role.
    pub role: String,
    /// May see personal data.
    pub pii: bool,
    /// Disabled.
    pub disabled: bool,
    /// Last login.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A key as listed (never the key itself).
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// May see personal data.
    pub pii: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last used.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Why a presented key was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRejection {
    /// Not a key of ours (malformed or unknown).
    Unknown,
    /// Revoked.
    Revoked,
    /// Past its expiry.
    Expired,
}

/// An accepted key.
#[derive(Debug, Clone)]
pub struct KeyPrincipal {
    /// Key id.
    pub id: i64,
    /// Key name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// May see personal data.
    pub pii: bool,
    /// When the key stops working.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, AccessError> {
    check_password(password)?;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| AccessError::BadPassword)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AccessError::BadPassword)
}

/// Whether `password` matches an argon2 hash made by [`hash_password`].
pub fn verify_password(password: &str, hash: &str) -> bool {
    password.len() <= MAX_PASSWORD_BYTES
        && PasswordHash::new(hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
}

fn check_password(password: &str) -> Result<(), AccessError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(AccessError::BadPassword);
    }
    Ok(())
}

fn check_username(name: &str) -> Result<(), AccessError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AccessError::BadUsername)
    }
}

/// Creates a user; the password is hashed here.
pub async fn create_user(
    client: &impl GenericClient,
    username: &str,
    role: Role,
    pii: bool,
    password: &str,
) -> Result<Result<i64, AccessError>, DbError> {
    if let Err(e) = check_username(username) {
        return Ok(Err(e));
    }
    let hash = match hash_password(password) {
        Ok(hash) => hash,
        Err(e) => return Ok(Err(e)),
    };
    match client
        .query_one(INSERT_USER, &[&username, &role.as_str(), &pii, &hash])
        .await
    {
        Ok(row) => Ok(Ok(row.get(0))),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Ok(Err(AccessError::UserExists(username.to_owned())))
        }
        Err(e) => Err(DbError::Postgres {
            context: "create user".into(),
            source: e,
        }),
    }
}

/// Disables or enables a user; returns its id.
pub async fn set_user_disabled(
    client: &impl GenericClient,
    username: &str,
    disabled: bool,
) -> Result<Result<i64, AccessError>, DbError> {
    let row = client
        .query_opt(SET_DISABLED, &[&username, &disabled])
        .await
        .map_err(DbError::pg("update user"))?;
    Ok(row
        .map(|r| r.get(0))
        .ok_or_else(|| AccessError::NoSuchUser(printable(username))))
}

/// Sets a new password (and clears a lock-out); returns the user's id.
pub async fn set_password(
    client: &impl GenericClient,
    username: &str,
    password: &str,
) -> Result<Result<i64, AccessError>, DbError> {
    let hash = match hash_password(password) {
        Ok(hash) => hash,
        Err(e) => return Ok(Err(e)),
    };
    let row = client
        .query_opt(SET_PASSWORD, &[&username, &hash])
        .await
        .map_err(DbError::pg("update user"))?;
    Ok(row
        .map(|r| r.get(0))
        .ok_or_else(|| AccessError::NoSuchUser(printable(username))))
}

/// Every user.
pub async fn list_users(client: &impl GenericClient) -> Result<Vec<UserRow>, DbError> {
    let rows = client
        .query(LIST_USERS, &[])
        .await
        .map_err(DbError::pg("list users"))?;
    Ok(rows
        .iter()
        .map(|r| UserRow {
            id: r.get(0),
            username: r.get(1),
            role: r.get(2),
            pii: r.get(3),
            disabled: r.get(4),
            last_login_at: r.get(5),
        })
        .collect())
}

/// Creates an API key; returns (id, the key to show once).
pub async fn create_key(
    client: &impl GenericClient,
    name: &str,
    role: Role,
    pii: bool,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Result<(i64, String), AccessError>, DbError> {
    if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Ok(Err(AccessError::BadKeyName));
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Ok(Err(AccessError::ExpiryInPast));
    }
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    let hash = Sha256::digest(secret.as_bytes()).to_vec();
    let row = client
        .query_one(
            INSERT_KEY,
            &[&name, &role.as_str(), &pii, &hash, &expires_at],
        )
        .await
        .map_err(DbError::pg("create key"))?;
    let id: i64 = row.get(0);
    Ok(Ok((id, format!("{KEY_PREFIX}{id}_{secret}"))))
}

/// Every key.
pub async fn list_keys(client: &impl GenericClient) -> Result<Vec<KeyRow>, DbError> {
    let rows = client
        .query(LIST_KEYS, &[])
        .await
        .map_err(DbError::pg("list keys"))?;
    Ok(rows
        .iter()
        .map(|r| KeyRow {
            id: r.get(0),
            name: r.get(1),
            role: r.get(2),
            pii: r.get(3),
            created_at: r.get(4),
            expires_at: r.get(5),
            revoked_at: r.get(6),
            last_used_at: r.get(7),
        })
        .collect())
}

/// Revokes a key; returns its name.
pub async fn revoke_key(
    client: &impl GenericClient,
    id: i64,
) -> Result<Result<String, AccessError>, DbError> {
    let row = client
        .query_opt(REVOKE_KEY, &[&id])
        .await
        .map_err(DbError::pg("revoke key"))?;
    Ok(row.map(|r| r.get(0)).ok_or(AccessError::NoSuchKey(id)))
}

/// Checks a presented key; an accepted key's last use is recorded (at most once a minute).
/// Returns the key id with a rejection when the key is ours but not usable.
pub async fn authenticate_key(
    client: &impl GenericClient,
    presented: &str,
) -> Result<Result<KeyPrincipal, (KeyRejection, Option<(i64, String)>)>, DbError> {
    let Some((id, secret)) = parse_key(presented) else {
        return Ok(Err((KeyRejection::Unknown, None)));
    };
    let Some(row) = client
        .query_opt(FIND_KEY, &[&id])
        .await
        .map_err(DbError::pg("look up key"))?
    else {
        return Ok(Err((KeyRejection::Unknown, None)));
    };
    let stored: Vec<u8> = row.get(6);
    if Sha256::digest(secret.as_bytes()).as_slice() != stored.as_slice() {
        return Ok(Err((KeyRejection::Unknown, None)));
    }
    let name: String = row.get(1);
    let revoked: Option<DateTime<Utc>> = row.get(5);
    if revoked.is_some() {
        return Ok(Err((KeyRejection::Revoked, Some((id, name)))));
    }
    let expires: Option<DateTime<Utc>> = row.get(4);
    if expires.is_some_and(|at| at <= Utc::now()) {
        return Ok(Err((KeyRejection::Expired, Some((id, name)))));
    }
    let role: String = row.get(2);
    let Ok(role) = role.parse::<Role>() else {
        return Ok(Err((KeyRejection::Unknown, None)));
    };
    let last_used: Option<DateTime<Utc>> = row.get(7);
    if last_used.is_none_or(|at| (Utc::now() - at).num_seconds() >= TOUCH_EVERY_SECONDS) {
        client
            .execute(TOUCH_KEY, &[&id])
            .await
            .map_err(DbError::pg("record key use"))?;
    }
    Ok(Ok(KeyPrincipal {
        id,
        name,
        role,
        pii: row.get(3),
        expires_at: expires,
    }))
}

/// `cvk_<id>_<secret>` → (id, secret).
fn parse_key(presented: &str) -> Option<(i64, &str)> {
    let rest = presented.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
    (secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some((id, secret))
}

fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert_eq!(hash_password("short"), Err(AccessError::BadPassword));
        assert_eq!(
            hash_password(&"x".repeat(2000)),
            Err(AccessError::BadPassword)
        );
    }

    #[test]
    fn key_format() {
        let secret = "a".repeat(43);
        assert_eq!(
            parse_key(&format!("cvk_12_{secret}")),
            Some((12, secret.as_str()))
        );
        for bad in [
            "",
            "cvk_",
            "cvk_x_abc",
            "cvk_-1_aaa",
            "bearer",
            &format!("cvk_1_{}", "a".repeat(44)),
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn usernames() {
        assert!(check_username("ana.garcia@pd").is_ok());
        for bad in ["", "has space", "a'; DROP TABLE users;--", &"x".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }
}
