//! Recently authenticated API keys, so that a busy client (a map drawing tiles, QGIS) is not
//! one database round trip per request.
//!
//! Only successes are kept, for at most [`KEY_CACHE_TTL`] and never past the key's expiry.
//! A revoked, re-roled or deleted key is announced by the database (`canvass_access`), and
//! every process drops its whole cache within a second; the TTL bounds the damage should a
//! notification be lost with a broken connection.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use canvass_db::access::KeyPrincipal;
use chrono::Utc;
use sha2::{Digest, Sha256};

/// Longest an authentication is reused without asking the database.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(30);
/// Entries kept at most; a full cache is emptied rather than grown.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
struct Entry {
    key: KeyPrincipal,
    until: Instant,
}

/// Successful key authentications by a hash of the presented key.
#[derive(Debug, Default)]
pub struct ApiKeyCache {
    entries: RwLock<HashMap<[u8; 32], Entry>>,
}

impl ApiKeyCache {
    /// The principal of a presented key authenticated moments ago.
    pub fn get(&self, presented: &str) -> Option<KeyPrincipal> {
        let digest = digest(presented);
        let entries = self.entries.read().ok()?;
        let entry = entries.get(&digest)?;
        let live =
            entry.until > Instant::now() && entry.key.expires_at.is_none_or(|at| at > Utc::now());
        live.then(|| entry.key.clone())
    }

    /// Remembers a successful authentication.
    pub fn insert(&self, presented: &str, key: KeyPrincipal) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            digest(presented),
            Entry {
                key,
                until: Instant::now() + KEY_CACHE_TTL,
            },
        );
    }

    /// Forgets everything: a key changed somewhere.
    pub fn clear(&self) {
        match self.entries.write() {
            Ok(mut entries) => entries.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
    }
}

fn digest(presented: &str) -> [u8; 32] {
    Sha256::digest(presented.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(expires_in: i64) -> KeyPrincipal {
        KeyPrincipal {
            id: 1,
            name: "rms".into(),
            role: canvass_model::Role::Officer,
            pii: false,
            expires_at: Some(Utc::now() + chrono::Duration::seconds(expires_in)),
        }
    }

    #[test]
    fn remembers_until_cleared_or_expired() {
        let cache = ApiKeyCache::default();
        cache.insert("cvk_1_a", key(60));
        assert_eq!(cache.get("cvk_1_a").map(|k| k.id), Some(1));
        assert!(cache.get("cvk_1_b").is_none());
        cache.clear();
        assert!(cache.get("cvk_1_a").is_none());
        cache.insert("cvk_1_a", key(-1));
        assert!(
            cache.get("cvk_1_a").is_none(),
            "an expired key is not reused"
        );
    }
}
