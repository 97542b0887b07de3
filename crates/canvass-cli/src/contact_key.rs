//! The contact key file: created on first use with owner-only permissions.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

use anyhow::Context;
use canvass_model::contact_seal::ContactKey;

use crate::cli::GlobalArgs;

/// Loads the contact key, creating it (mode 0600) when the file does not exist yet.
pub fn load_or_create(global: &GlobalArgs) -> anyhow::Result<ContactKey> {
    let path = global
        .contact_key_file
        .clone()
        .unwrap_or_else(|| global.data_dir.join("secrets").join("contact.key"));
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mode = std::fs::metadata(&path)
                .map(|m| m.permissions().mode() & 0o077)
                .unwrap_or(0);
            if mode != 0 {
                tracing::warn!(path = %path.display(), "contact key file is readable by others; chmod 600 it");
            }
            ContactKey::from_key_file(&text)
                .with_context(|| format!("contact key {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(e) => Err(e).with_context(|| format!("cannot read contact key {}", path.display())),
    }
}

fn create(path: PathBuf) -> anyhow::Result<ContactKey> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    let (key, text) = ContactKey::generate_with_file();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot create contact key {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), key_id = key.id(), "created a new contact key; back it up apart from the database");
    Ok(key)
}
