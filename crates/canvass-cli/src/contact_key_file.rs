//! The contact key file (the key ring that seals contact details): created on first use with
//! owner-only permissions.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use canvass_model::contact_seal::ContactKeyRing;

use crate::cli::GlobalArgs;

/// Where the key file is.
pub fn path(global: &GlobalArgs) -> PathBuf {
    global
        .contact_key_file
        .clone()
        .unwrap_or_else(|| global.data_dir.join("secrets").join("contact.key"))
}

/// Loads the key ring, creating a file with a fresh key (mode 0600) when there is none yet.
pub fn load_or_create(global: &GlobalArgs) -> anyhow::Result<ContactKeyRing> {
    let path = path(global);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mode = std::fs::metadata(&path)
                .map(|m| m.permissions().mode() & 0o077)
                .unwrap_or(0);
            if mode != 0 {
                tracing::warn!(path = %path.display(), "contact key file is readable by others; chmod 600 it");
            }
            ContactKeyRing::from_key_file(&text)
                .with_context(|| format!("contact key {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let ring = ContactKeyRing::generate();
            write(&path, &ring, true)?;
            tracing::info!(path = %path.display(), key_id = ring.current().id(), "created a new contact key; back it up apart from the database");
            Ok(ring)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read contact key {}", path.display())),
    }
}

/// Writes the ring to `path` atomically (a new file renamed over the old), mode 0600.
pub fn write(path: &Path, ring: &ContactKeyRing, create_new: bool) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if create_new {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    let staging = path.with_extension("key.new");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    file.write_all(ring.to_key_file().as_bytes())
        .with_context(|| format!("cannot write {}", staging.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", staging.display()))?;
    if create_new && path.exists() {
        anyhow::bail!("{} appeared meanwhile; not overwriting it", path.display());
    }
    std::fs::rename(&staging, path).with_context(|| format!("cannot replace {}", path.display()))
}
