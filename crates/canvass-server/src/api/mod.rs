//! The JSON API under `/api/v1`.

mod canvasses;
mod changes;
mod contact;

pub(crate) use canvasses::{CanvassState, reads_its_own_body};
pub(crate) use contact::DisclosureState;

use std::sync::Arc;

use axum::Json;
use axum::extract::FromRef;
use axum::routing::{get, post};
use canvass_db::Database;
use canvass_db::audit::Actor;
use canvass_model::Permission;
use serde::Serialize;

use crate::http::{Access, Principal, Routes};

/// The API routes and their policies.
pub(crate) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    contact::DisclosureState: FromRef<S>,
    canvasses::CanvassState: FromRef<S>,
    Arc<Database>: FromRef<S>,
{
    Routes::default()
        .route(
            "/api/v1/whoami",
            Access::Requires(Permission::Identify),
            get(whoami),
        )
        .route(
            "/api/v1/changes",
            Access::Requires(Permission::Feeds),
            get(changes::changes),
        )
        .route(
            "/api/v1/registrations/{id}/contact",
            Access::RequiresPii(Permission::Canvass),
            get(contact::contact),
        )
        // Every canvass route is open to every role with Canvass: owners' contacts are added
        // to the answers only for callers with pii (see docs/canvass.md).
        .route(
            "/api/v1/canvasses",
            Access::Requires(Permission::Canvass),
            post(canvasses::create::create).get(canvasses::read::list),
        )
        // Before a case number: what a canvass would list, nothing stored or personal.
        .route(
            "/api/v1/canvasses/preview",
            Access::Requires(Permission::Canvass),
            post(canvasses::preview::preview),
        )
        // The map's address search, on the imported address points.
        .route(
            "/api/v1/places",
            Access::Requires(Permission::Canvass),
            get(canvasses::places::search),
        )
        .route(
            "/api/v1/canvasses/{id}",
            Access::Requires(Permission::Canvass),
            get(canvasses::read::show),
        )
        .route(
            "/api/v1/canvasses/{id}/sheet",
            Access::Requires(Permission::Canvass),
            get(canvasses::sheet::sheet),
        )
        // The sheet's stylesheet: no data in it, and a page loads it without credentials.
        .route(
            canvasses::sheet::STYLESHEET_PATH,
            Access::Public,
            get(canvasses::sheet::stylesheet),
        )
        .route(
            "/api/v1/canvasses/{id}/cameras/{camera}",
            Access::Requires(Permission::Canvass),
            get(canvasses::status::show).patch(canvasses::status::change),
        )
        .route(
            "/api/v1/canvasses/{id}/requests",
            Access::Requires(Permission::Canvass),
            post(canvasses::requests::create).get(canvasses::requests::list),
        )
}

/// `GET /api/v1/whoami`: the caller's identity as the server sees it.
#[derive(Debug, Serialize)]
pub(crate) struct WhoAmI {
    kind: &'static str,
    name: String,
    role: String,
    pii: bool,
}

async fn whoami(principal: Principal) -> Json<WhoAmI> {
    let (kind, name) = match &principal.actor {
        Actor::User(_, name) => ("user", name.clone()),
        Actor::ApiKey(_, name) => ("api_key", name.clone()),
        Actor::System(name) => ("system", name.clone()),
        Actor::Anonymous => ("anonymous", String::new()),
    };
    Json(WhoAmI {
        kind,
        name,
        role: principal.role.to_string(),
        pii: principal.pii,
    })
}
