//! One authorization layer for the whole server.
//!
//! Routes are added only through [`Routes::route`], which takes the route's [`Access`] policy,
//! so a route cannot be written without one. The [`authorize`] middleware looks the policy up
//! by the matched route template and refuses (403) any route that has none: deny by default.
//!
//! Machines and QGIS authenticate with API keys, as `Authorization: Bearer KEY` or as the
//! password of HTTP Basic (any user name), because QGIS 3.22 and GDAL can send Basic but no
//! custom header.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use canvass_db::access::{self, KeyRejection};
use canvass_db::audit::{self, Actor, Event};
use canvass_model::{Permission, Role};

use crate::AppState;

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not. Only for routes that disclose nothing about the registry.
    Public,
    /// A principal whose role carries the permission.
    Requires(Permission),
    /// As `Requires`, and the `pii` grant: the response carries personal data.
    RequiresPii(Permission),
}

/// Who is making a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// For the audit trail.
    pub actor: Actor,
    /// Role.
    pub role: Role,
    /// May see personal data.
    pub pii: bool,
    /// The CSRF token of the session, when the principal signed in with a password.
    pub session_csrf: Option<String>,
    /// Signed in with a password but must set up TOTP before anything else.
    pub needs_totp: bool,
}

/// Routes a session that still has to set up TOTP may reach.
const BEFORE_TOTP: &[&str] = &["/account", "/account/totp", "/logout"];

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Peer address.
    pub addr: Option<std::net::IpAddr>,
    /// User-Agent header.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// An audit event of `actor` doing `action`, from this client.
    pub fn event(&self, actor: Actor, action: &'static str) -> Event {
        Event {
            client_addr: self.addr,
            user_agent: self.user_agent.clone(),
            ..Event::new(actor, action)
        }
    }
}

/// Marks a response as never to be stored by a cache.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The router under construction and the policy of every route in it.
#[derive(Debug)]
pub struct Routes {
    router: Router<AppState>,
    policies: HashMap<&'static str, Access>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            policies: HashMap::new(),
        }
    }
}

impl Routes {
    /// Adds a route with its policy.
    pub fn route(
        mut self,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.policies.insert(path, access);
        self
    }

    /// Every route template with its policy, for the route × role test.
    pub fn policies(&self) -> Vec<(&'static str, Access)> {
        let mut list: Vec<_> = self.policies.iter().map(|(p, a)| (*p, *a)).collect();
        list.sort_by_key(|(p, _)| *p);
        list
    }

    /// The router with the authorization layer applied to every route.
    pub fn into_router(self, state: &AppState) -> Router<AppState> {
        let policies = Arc::new(self.policies);
        self.router
            .route_layer(axum::middleware::from_fn_with_state(
                (state.clone(), policies),
                authorize,
            ))
    }
}

type PolicyState = (AppState, Arc<HashMap<&'static str, Access>>);

/// Authenticates and authorizes every routed request.
pub(crate) async fn authorize(
    State((state, policies)): State<PolicyState>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = client_info(&request);
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let access = path.as_deref().and_then(|p| policies.get(p).copied());
    let Some(access) = access else {
        tracing::error!("route without an access policy refused");
        return deny(
            StatusCode::FORBIDDEN,
            "this route has no access policy and is refused",
        );
    };
    let (permission, needs_pii) = match access {
        Access::Public => return next.run(request).await,
        Access::Requires(p) => (p, false),
        Access::RequiresPii(p) => (p, true),
    };
    let principal = match authenticate(&state, request.headers(), &client).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    if principal.needs_totp && !path.as_deref().is_some_and(|p| BEFORE_TOTP.contains(&p)) {
        return deny(
            StatusCode::FORBIDDEN,
            "your role needs two-factor sign-in: set it up at /account/totp first",
        );
    }
    if !principal.role.allows(permission) {
        return deny(
            StatusCode::FORBIDDEN,
            &format!("the {} role may not use this route", principal.role),
        );
    }
    if needs_pii && !principal.pii {
        let event = client.event(principal.actor.clone(), "access.pii_denied");
        if let Err(response) = record(&state, &event).await {
            return response;
        }
        return deny(
            StatusCode::FORBIDDEN,
            "this route returns personal data, which needs the pii permission",
        );
    }
    request.extensions_mut().insert(principal);
    request.extensions_mut().insert(client);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A handler may relax no-store to a private, revalidated cache (tiles with an ETag);
    // anything else a protected route answers is never stored.
    let private = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("private"));
    if !private {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    headers.append(
        header::VARY,
        HeaderValue::from_static("Authorization, Cookie"),
    );
    response
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientInfo,
) -> Result<Principal, Response> {
    let Some(key) = presented_key(headers) else {
        if let Some(token) =
            crate::cookies::cookie(headers, crate::login::SESSION_COOKIE).filter(|t| !t.is_empty())
        {
            let db = state
                .db
                .client()
                .await
                .map_err(|_| deny(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))?;
            let user = canvass_db::sessions::session_user(&**db, &token, state.sessions.idle)
                .await
                .map_err(|_| deny(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))?;
            return match user {
                Some(user) => Ok(Principal {
                    actor: Actor::User(user.id, user.username),
                    role: user.role,
                    pii: user.pii,
                    session_csrf: Some(user.csrf_token),
                    needs_totp: user.needs_totp,
                }),
                None => Err(sign_in_again(
                    headers,
                    "your session has ended; sign in again",
                )),
            };
        }
        return Err(sign_in_again(
            headers,
            "authentication required: sign in, or send an API key as a Bearer token or as the HTTP Basic password",
        ));
    };
    if let Some(known) = state.key_cache.get(&key) {
        return Ok(key_principal(known));
    }
    let db = state
        .db
        .client()
        .await
        .map_err(|_| deny(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))?;
    let outcome = access::authenticate_key(&**db, &key)
        .await
        .map_err(|_| deny(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))?;
    match outcome {
        Ok(found) => {
            state.key_cache.insert(&key, found.clone());
            Ok(key_principal(found))
        }
        Err((rejection, known)) => {
            let message = match rejection {
                KeyRejection::Unknown => "unknown or malformed API key",
                KeyRejection::Revoked => "this API key has been revoked",
                KeyRejection::Expired => "this API key has expired",
            };
            // A key of ours used after revocation or expiry may mean a leak: keep a record.
            if let Some((id, name)) = known {
                let event = client
                    .event(Actor::ApiKey(id, name), "auth.key_rejected")
                    .details(serde_json::json!({ "reason": message }));
                audit::record(&**db, &event)
                    .await
                    .map_err(|_| deny(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))?;
            }
            Err(challenge(message))
        }
    }
}

fn key_principal(key: access::KeyPrincipal) -> Principal {
    Principal {
        actor: Actor::ApiKey(key.id, key.name),
        role: key.role,
        pii: key.pii,
        session_csrf: None,
        needs_totp: false,
    }
}

/// The API key of a Bearer or Basic `Authorization` header.
fn presented_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(credentials.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(credentials).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (_user, password) = text.split_once(':')?;
        return Some(password.to_owned());
    }
    None
}

fn client_info(request: &Request) -> ClientInfo {
    ClientInfo {
        addr: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
    }
}

async fn record(state: &AppState, event: &Event) -> Result<(), Response> {
    let db = state
        .db
        .client()
        .await
        .map_err(|_| deny(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))?;
    audit::record(&**db, event)
        .await
        .map_err(|_| deny(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"))
}

/// A browser asking for a page is sent to the sign-in page; anything else gets a 401.
fn sign_in_again(headers: &HeaderMap, message: &str) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        return no_store((StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response());
    }
    challenge(message)
}

/// 401 with a Basic challenge, so that QGIS and GDAL offer their stored credentials.
fn challenge(message: &str) -> Response {
    let mut response = deny(StatusCode::UNAUTHORIZED, message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Canvass\", charset=\"UTF-8\""),
    );
    response
}

/// A refusal with a JSON body that says why.
pub(crate) fn deny(status: StatusCode, message: &str) -> Response {
    no_store((status, axum::Json(serde_json::json!({ "error": message }))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn keys_from_bearer_and_basic() {
        assert_eq!(
            presented_key(&headers("Bearer cvk_1_abc")),
            Some("cvk_1_abc".into())
        );
        let basic = STANDARD.encode("qgis:cvk_2_def");
        assert_eq!(
            presented_key(&headers(&format!("Basic {basic}"))),
            Some("cvk_2_def".into())
        );
        assert_eq!(presented_key(&headers("Basic !!!")), None);
        assert_eq!(presented_key(&headers("Digest x")), None);
        assert_eq!(presented_key(&HeaderMap::new()), None);
    }
}
