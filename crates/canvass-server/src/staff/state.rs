//! The part of the application's state the staff pages take.

use std::sync::Arc;

use canvass_db::Database;

use crate::contact_key_ring::ContactKeys;
use crate::http::SessionSettings;
use crate::rate_limit::RateLimiter;

/// What the staff pages need of the application's state.
#[derive(Debug, Clone)]
pub(crate) struct StaffState {
    /// Users, sessions and the audit trail.
    pub db: Arc<Database>,
    /// Opens sealed TOTP secrets.
    pub contact_keys: Arc<ContactKeys>,
    /// Session lifetimes and cookie settings.
    pub sessions: SessionSettings,
    /// Sign-in attempts per client address.
    pub login_limiter: Arc<RateLimiter>,
}
