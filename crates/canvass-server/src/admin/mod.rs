//! Administration pages (English, for staff): the audit trail.

mod audit;

use axum::extract::FromRef;
use axum::routing::get;
use std::sync::Arc;

use canvass_db::Database;
use canvass_model::Permission;

use crate::http::{Access, Routes};

/// The administration routes and their policies.
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Database>: FromRef<S>,
{
    Routes::default().route(
        "/admin/audit",
        Access::Requires(Permission::Administer),
        get(audit::audit),
    )
}
