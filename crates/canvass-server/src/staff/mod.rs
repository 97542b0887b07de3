//! Staff sign-in: `/login`, `/logout`, `/account` and the TOTP set-up at `/account/totp`.
//! English pages. Their refusals are JSON `{"error": …}`, like every protected route's, since
//! machines with API keys reach them too.

mod sign_in;
mod state;
mod totp_setup;

pub(crate) use state::StaffState;

use axum::extract::FromRef;
use axum::routing::{get, post};
use canvass_model::Permission;

use crate::http::{Access, Routes};

/// The staff routes and their policies.
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    StaffState: FromRef<S>,
{
    use Access::{Public, Requires};
    Routes::default()
        .route("/login", Public, get(sign_in::show).post(sign_in::submit))
        .route(
            "/logout",
            Requires(Permission::Identify),
            post(sign_in::logout),
        )
        .route(
            "/account",
            Requires(Permission::Identify),
            get(sign_in::account),
        )
        .route(
            "/account/totp",
            Requires(Permission::Identify),
            get(totp_setup::show).post(totp_setup::confirm),
        )
}
