//! Application-side encryption of contact details.
//!
//! A database dump alone must reveal no owner: every contact field is sealed with AES-256-GCM
//! before it reaches PostgreSQL, and the e-mail is also stored as a keyed hash (HMAC-SHA-256 of
//! its normalised form) so that look-up and de-duplication work without decrypting anything.
//! The associated data binds each ciphertext to its registration and field, so a ciphertext
//! copied into another row or column fails to open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const NONCE_LEN: usize = 12;
const KEY_FILE_HEADER: &str = "canvass-contact-key v1";

/// Errors of sealing, opening and key parsing. Messages never contain plaintext or key bytes.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key text is not in the `canvass-contact-key v1` format.
    #[error("contact key is malformed: {0}")]
    MalformedKey(&'static str),
    /// The ciphertext was made with another key id than the one given.
    #[error("value was sealed with key {found:?}, but key {expected:?} was given")]
    WrongKey {
        /// Key id of the value.
        found: String,
        /// Key id of the key at hand.
        expected: String,
    },
    /// Authentication failed: wrong key, wrong row or field, or a tampered value.
    #[error("sealed value failed authentication")]
    Tampered,
}

/// One generation of the contact key: an id (stored beside each value for rotation), the
/// AES-256-GCM key and the HMAC key for look-up hashes.
#[derive(Clone)]
pub struct ContactKey {
    id: String,
    cipher: Aes256Gcm,
    aes_key: [u8; 32],
    hmac_key: [u8; 32],
}

impl std::fmt::Debug for ContactKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Which contact field a value belongs to; part of the associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    /// Owner's name.
    Name,
    /// Phone number.
    Phone,
    /// E-mail address.
    Email,
    /// Business name.
    BusinessName,
    /// Free-text notes.
    Notes,
    /// A user's TOTP secret (the id is the user's, not a registration's).
    TotpSecret,
    /// A message waiting in the mail outbox (recipient, subject, text, links).
    Mail,
}

impl ContactField {
    fn label(self) -> &'static str {
        match self {
            ContactField::Name => "name",
            ContactField::Phone => "phone",
            ContactField::Email => "email",
            ContactField::BusinessName => "business_name",
            ContactField::Notes => "notes",
            ContactField::TotpSecret => "totp",
            ContactField::Mail => "mail",
        }
    }
}

impl ContactKey {
    fn from_parts(id: String, aes: &[u8; 32], hmac_key: [u8; 32]) -> Self {
        let cipher = Aes256Gcm::new(aes.into());
        ContactKey {
            id,
            cipher,
            aes_key: *aes,
            hmac_key,
        }
    }

    /// Parses one `canvass-contact-key v1` block.
    fn from_block(block: &str) -> Result<Self, SealError> {
        let (mut id, mut aes, mut mac) = (None, None, None);
        for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once('=')
                .ok_or(SealError::MalformedKey("expected name=value lines"))?;
            match name.trim() {
                "id" => id = Some(value.trim().to_owned()),
                "aes256" => aes = Some(decode_32(value)?),
                "hmac" => mac = Some(decode_32(value)?),
                _ => {
                    return Err(SealError::MalformedKey(
                        "unknown field (want id, aes256, hmac)",
                    ));
                }
            }
        }
        let id = id.ok_or(SealError::MalformedKey("missing id"))?;
        if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(SealError::MalformedKey("id must be 1-32 letters or digits"));
        }
        let aes = aes.ok_or(SealError::MalformedKey("missing aes256"))?;
        let mac = mac.ok_or(SealError::MalformedKey("missing hmac"))?;
        Ok(Self::from_parts(id, &aes, mac))
    }

    fn to_block(&self) -> String {
        format!(
            "{KEY_FILE_HEADER}\nid={}\naes256={}\nhmac={}\n",
            self.id,
            hex::encode(self.aes_key),
            hex::encode(self.hmac_key)
        )
    }

    /// Generates a key.
    fn generate_fresh() -> Self {
        let mut rng = rand::rng();
        let mut id = [0u8; 4];
        let mut aes = [0u8; 32];
        let mut hmac_key = [0u8; 32];
        rng.fill_bytes(&mut id);
        rng.fill_bytes(&mut aes);
        rng.fill_bytes(&mut hmac_key);
        Self::from_parts(hex::encode(id), &aes, hmac_key)
    }

    /// The key id stored beside each sealed value.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plaintext` for `field` of registration `registration_id`: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, registration_id: i64, field: ContactField, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(registration_id, field);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: &aad,
        };
        // AES-GCM encryption only fails for messages over 64 GiB; contact fields are bounded
        // far below that by validation, so an empty value is the impossible fallback.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed by [`ContactKey::seal`] under this key.
    pub fn open(
        &self,
        key_id: &str,
        registration_id: i64,
        field: ContactField,
        sealed: &[u8],
    ) -> Result<String, SealError> {
        if key_id != self.id {
            return Err(SealError::WrongKey {
                found: key_id.to_owned(),
                expected: self.id.clone(),
            });
        }
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Tampered);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let aad = associated_data(registration_id, field);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Tampered)?;
        String::from_utf8(plain).map_err(|_| SealError::Tampered)
    }

    /// Keyed hash of an e-mail address after normalisation (trimmed, lower case).
    pub fn email_hash(&self, email: &str) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail for a 32-byte key.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac_key) else {
            return Vec::new();
        };
        mac.update(normalise_email(email).as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// Every generation of the contact key still in use: the first seals, all of them open. The key
/// file holds the ring, newest first; `canvass contact-key rotate` adds a generation and re-seals
/// every contact under it, `canvass contact-key prune` drops generations no value uses any more.
#[derive(Debug, Clone)]
pub struct ContactKeyRing {
    keys: Vec<ContactKey>,
}

impl ContactKeyRing {
    /// A ring of one fresh key.
    pub fn generate() -> Self {
        ContactKeyRing {
            keys: vec![ContactKey::generate_fresh()],
        }
    }

    /// Parses a key file: one or more `canvass-contact-key v1` blocks, newest first.
    pub fn from_key_file(text: &str) -> Result<Self, SealError> {
        if !text.trim_start().starts_with(KEY_FILE_HEADER) {
            return Err(SealError::MalformedKey(
                "first line must be 'canvass-contact-key v1'",
            ));
        }
        let keys = text
            .split(KEY_FILE_HEADER)
            .filter(|block| !block.trim().is_empty())
            .map(ContactKey::from_block)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(SealError::MalformedKey("no key in the file"));
        }
        Ok(ContactKeyRing { keys })
    }

    /// The key file text; keep it out of backups of the database.
    pub fn to_key_file(&self) -> String {
        self.keys
            .iter()
            .map(ContactKey::to_block)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The key that seals new values.
    pub fn current(&self) -> &ContactKey {
        // The constructors never build an empty ring.
        &self.keys[0]
    }

    /// The ring with a new current key, the old ones kept for opening.
    pub fn rotated(&self) -> Self {
        let mut keys = vec![ContactKey::generate_fresh()];
        keys.extend(self.keys.iter().cloned());
        ContactKeyRing { keys }
    }

    /// The ring without the generations whose ids are not in `used` (the current one stays).
    pub fn pruned(&self, used: &[String]) -> Self {
        let keys = self
            .keys
            .iter()
            .enumerate()
            .filter(|(i, k)| *i == 0 || used.iter().any(|u| u == k.id()))
            .map(|(_, k)| k.clone())
            .collect();
        ContactKeyRing { keys }
    }

    /// Key ids, newest first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(ContactKey::id).collect()
    }

    /// Opens a value sealed under any generation of the ring.
    pub fn open(
        &self,
        key_id: &str,
        registration_id: i64,
        field: ContactField,
        sealed: &[u8],
    ) -> Result<String, SealError> {
        let key =
            self.keys
                .iter()
                .find(|k| k.id() == key_id)
                .ok_or_else(|| SealError::WrongKey {
                    found: key_id.to_owned(),
                    expected: self.ids().join(","),
                })?;
        key.open(key_id, registration_id, field, sealed)
    }

    /// The e-mail's look-up hash under every generation, current first: a look-up during a
    /// rotation finds rows not yet re-sealed.
    pub fn email_hashes(&self, email: &str) -> Vec<Vec<u8>> {
        self.keys.iter().map(|k| k.email_hash(email)).collect()
    }
}

/// The form of an e-mail address that de-duplication compares.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn associated_data(registration_id: i64, field: ContactField) -> Vec<u8> {
    format!("canvass/contact/{registration_id}/{}", field.label()).into_bytes()
}

fn decode_32(value: &str) -> Result<[u8; 32], SealError> {
    let bytes = hex::decode(value.trim()).map_err(|_| SealError::MalformedKey("key is not hex"))?;
    bytes
        .try_into()
        .map_err(|_| SealError::MalformedKey("key must be 32 bytes (64 hex digits)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let ring = ContactKeyRing::generate();
        let (key, text) = (ring.current().clone(), ring.to_key_file());
        let sealed = key.seal(7, ContactField::Name, "Ana García");
        assert!(!sealed.windows(3).any(|w| w == b"Ana"));
        assert_eq!(
            key.open(key.id(), 7, ContactField::Name, &sealed).unwrap(),
            "Ana García"
        );
        // Another row or field does not open it.
        assert!(key.open(key.id(), 8, ContactField::Name, &sealed).is_err());
        assert!(key.open(key.id(), 7, ContactField::Phone, &sealed).is_err());
        // A flipped bit does not open it.
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert!(key.open(key.id(), 7, ContactField::Name, &bad).is_err());
        // The key file round-trips.
        let again = ContactKeyRing::from_key_file(&text).unwrap();
        assert_eq!(
            again
                .open(key.id(), 7, ContactField::Name, &sealed)
                .unwrap(),
            "Ana García"
        );
        assert_eq!(
            again.current().email_hash(" A@B.org "),
            key.email_hash("a@b.org")
        );
    }

    #[test]
    fn rotation_keeps_old_values_open_until_pruned() {
        let ring = ContactKeyRing::generate();
        let old = ring.current().clone();
        let sealed = old.seal(1, ContactField::Email, "a@b.org");
        let rotated = ContactKeyRing::from_key_file(&ring.rotated().to_key_file()).unwrap();
        assert_ne!(rotated.current().id(), old.id());
        assert_eq!(
            rotated
                .open(old.id(), 1, ContactField::Email, &sealed)
                .unwrap(),
            "a@b.org"
        );
        assert_eq!(rotated.email_hashes("a@b.org").len(), 2);
        let pruned = rotated.pruned(&[]);
        assert_eq!(pruned.ids(), vec![rotated.current().id()]);
        assert!(
            pruned
                .open(old.id(), 1, ContactField::Email, &sealed)
                .is_err()
        );
    }

    #[test]
    fn malformed_key_files_are_rejected() {
        for text in [
            "",
            "hello",
            "canvass-contact-key v1\nid=x\n",
            "canvass-contact-key v1\nid=ab\naes256=zz\nhmac=00\n",
        ] {
            assert!(ContactKeyRing::from_key_file(text).is_err(), "{text:?}");
        }
    }
}
