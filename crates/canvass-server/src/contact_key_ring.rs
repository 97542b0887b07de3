//! The contact key ring as the server holds it: re-read from its file when a value sealed
//! under an unknown generation turns up, so that `canvass keys rotate` needs no restart.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use canvass_db::registrations::ContactOpener;
use canvass_model::contact_seal::{ContactField, ContactKeyRing, SealError};

/// The ring, and the file it came from.
#[derive(Debug)]
pub struct ContactKeys {
    path: Option<PathBuf>,
    ring: RwLock<Arc<ContactKeyRing>>,
}

impl ContactKeys {
    /// Keys read from `path` (re-read on an unknown key id); `None` for a fixed ring.
    pub fn new(ring: ContactKeyRing, path: Option<PathBuf>) -> Self {
        ContactKeys {
            path,
            ring: RwLock::new(Arc::new(ring)),
        }
    }

    /// The ring as it is now.
    pub fn ring(&self) -> Arc<ContactKeyRing> {
        match self.ring.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Opens a sealed value, re-reading the key file once if its generation is unknown.
    pub fn open(
        &self,
        key_id: &str,
        registration_id: i64,
        field: ContactField,
        sealed: &[u8],
    ) -> Result<String, SealError> {
        match self.ring().open(key_id, registration_id, field, sealed) {
            Err(SealError::WrongKey { .. }) if self.reload() => {
                self.ring().open(key_id, registration_id, field, sealed)
            }
            other => other,
        }
    }

    /// A user's TOTP secret, sealed under the ring as base32 text; `None` when it cannot be
    /// opened or decoded.
    pub fn open_totp_secret(&self, key_id: &str, user_id: i64, sealed: &[u8]) -> Option<Vec<u8>> {
        let text = self
            .open(key_id, user_id, ContactField::TotpSecret, sealed)
            .ok()?;
        canvass_model::totp::from_base32(&text)
    }

    /// Re-reads the key file; true when the ring changed.
    fn reload(&self) -> bool {
        let Some(path) = &self.path else { return false };
        let fresh = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| ContactKeyRing::from_key_file(&text).map_err(|e| e.to_string()))
        {
            Ok(ring) => ring,
            Err(error) => {
                tracing::error!(%error, path = %path.display(), "cannot re-read the contact key file");
                return false;
            }
        };
        tracing::info!(keys = ?fresh.ids(), "contact key file re-read");
        match self.ring.write() {
            Ok(mut ring) => *ring = Arc::new(fresh),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(fresh),
        }
        true
    }
}

impl ContactOpener for ContactKeys {
    fn open_field(
        &self,
        key_id: &str,
        registration_id: i64,
        field: ContactField,
        sealed: &[u8],
    ) -> Result<String, SealError> {
        self.open(key_id, registration_id, field, sealed)
    }
}
