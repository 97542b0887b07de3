//! What this server does beside the tile index when the database announces something: the
//! follower ([`canvass_tiles::follow_changes`]) keeps the index current, and on the same
//! connection this process drops its API-key cache when a key changes, wakes its mail outbox
//! sender when a message was queued, and records the index's size in its metrics.

use canvass_tiles::{FollowerHooks, follow_changes};

use crate::AppState;
use crate::mail_sender;

const ACCESS: &str = "canvass_access";

/// Runs until the process ends: loads the tile index, then applies changes as they come.
pub async fn keep_in_sync(state: AppState) {
    let hooks = ServerHooks { state: &state };
    follow_changes(&state.db, &state.tiles, &hooks).await;
}

struct ServerHooks<'a> {
    state: &'a AppState,
}

impl FollowerHooks for ServerHooks<'_> {
    fn channels(&self) -> &[&'static str] {
        &[ACCESS, mail_sender::CHANNEL]
    }

    fn listening(&self) {
        // Key changes and queued mail may have been missed while not listening.
        self.state.key_cache.clear();
        self.state.mail_wake.notify_one();
    }

    fn notified(&self, channel: &str) {
        if channel == ACCESS {
            self.state.key_cache.clear();
        } else if channel == mail_sender::CHANNEL {
            self.state.mail_wake.notify_one();
        }
    }

    fn loaded(&self, cameras: usize) {
        self.set_cameras(cameras);
    }

    fn updated(&self, cameras: usize) {
        self.state.metrics.tile_index_updates.inc();
        self.set_cameras(cameras);
    }
}

impl ServerHooks<'_> {
    fn set_cameras(&self, cameras: usize) {
        self.state
            .metrics
            .tile_index_cameras
            .set(i64::try_from(cameras).unwrap_or(i64::MAX));
    }
}
