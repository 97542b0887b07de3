//! What the OGC API is configured with, and the part of the application's state its
//! handlers take.

use std::sync::Arc;

use canvass_db::Database;
use canvass_feeds::CursorKey;
use canvass_model::PublicUrl;
use canvass_tiles::TileService;

use crate::contact_key_ring::ContactKeys;

/// What the OGC API handlers need of the application's state.
#[derive(Debug, Clone)]
pub(crate) struct OgcState {
    /// The camera index (the `cameras` collection and every extent).
    pub tiles: Arc<TileService>,
    /// The database (the `camera_contacts` collection and its audit trail).
    pub db: Arc<Database>,
    /// Opens sealed contacts.
    pub keys: Arc<ContactKeys>,
    /// The base URL and the cursor key.
    pub settings: Arc<OgcSettings>,
}

/// What the OGC API is configured with.
#[derive(Debug)]
pub struct OgcSettings {
    /// The public base URL, under which every link is absolute (`--public-url`).
    base_url: PublicUrl,
    /// Seals the paging cursors of `next` links.
    cursor_key: CursorKey,
}

impl OgcSettings {
    /// Links under `base_url`; cursors sealed with `cursor_secret`, which every replica
    /// serving the same clients must share (`canvass_db::server_secrets`).
    pub fn new(base_url: PublicUrl, cursor_secret: [u8; 32]) -> Self {
        OgcSettings {
            base_url,
            cursor_key: CursorKey::new(cursor_secret),
        }
    }
}

impl OgcState {
    /// The public base URL, without a trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        self.settings.base_url.as_str()
    }

    /// The key of the paging cursors.
    pub(crate) fn cursor_key(&self) -> &CursorKey {
        &self.settings.cursor_key
    }

    /// The absolute URL of `path` (which starts with `/ogc`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }
}
