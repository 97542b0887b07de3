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
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use canvass_db::Database;
use canvass_db::access::{self, KeyRejection};
use canvass_db::audit::{self, Actor, Event};
use canvass_model::{Permission, Role};
use tower::{Layer, Service};

use super::client::ClientInfo;
use super::cookies::{SESSION_COOKIE, cookie};
use super::refusal::Refusal;
use super::response::no_store;

use crate::api_key_cache::ApiKeyCache;
use crate::metrics::Metrics;

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

/// How long sessions live, how their cookie is sent, and who must use a second factor.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub lifetime: Duration,
    /// Mark cookies Secure (set when Canvass is served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Roles that must sign in with a TOTP code; their users set it up at first sign-in.
    pub totp_roles: Vec<Role>,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            totp_roles: Vec::new(),
        }
    }
}

/// What the access layer needs of the application's state.
#[derive(Debug, Clone)]
pub struct AccessState {
    /// Sessions, API keys and the audit trail.
    pub db: Arc<Database>,
    /// How long an unused session lives.
    pub session_idle: Duration,
    /// Recently authenticated API keys.
    pub key_cache: Arc<ApiKeyCache>,
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Refusal;

    /// The principal the access layer authenticated; a route without one (a public route) is
    /// refused rather than served anonymously.
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "this route needs a principal but has a public access policy",
            )
        })
    }
}

/// The router under construction and the policy of every route in it.
#[derive(Debug)]
pub struct Routes<S> {
    router: Router<S>,
    policies: HashMap<&'static str, Access>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            policies: HashMap::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// Adds a route with its policy.
    pub fn route(mut self, path: &'static str, access: Access, handler: MethodRouter<S>) -> Self {
        self.router = self.router.route(path, handler);
        self.policies.insert(path, access);
        self
    }

    /// Adds every route of `other` (an area's) with its policy.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.policies.extend(other.policies);
        self
    }

    /// Every route template with its policy, for the route × role test.
    pub fn policies(&self) -> Vec<(&'static str, Access)> {
        let mut list: Vec<_> = self.policies.iter().map(|(p, a)| (*p, *a)).collect();
        list.sort_by_key(|(p, _)| *p);
        list
    }

    /// The router with the access layer applied to every route: authentication,
    /// authorization and the request metrics, in one service.
    pub fn into_router(self, access: AccessState, metrics: Metrics) -> Router<S> {
        let shared = Arc::new(AccessShared {
            state: access,
            policies: self.policies,
            metrics,
        });
        self.router.route_layer(AccessLayer { shared })
    }
}

/// What the access layer holds: built once, shared by every request.
#[derive(Debug)]
struct AccessShared {
    state: AccessState,
    policies: HashMap<&'static str, Access>,
    metrics: Metrics,
}

/// Wraps every route in [`AccessService`].
#[derive(Debug, Clone)]
struct AccessLayer {
    shared: Arc<AccessShared>,
}

impl<I> Layer<I> for AccessLayer {
    type Service = AccessService<I>;

    fn layer(&self, inner: I) -> Self::Service {
        AccessService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// Authenticates and authorizes every routed request, and counts and times it under its route
/// template.
///
/// A hand-written service rather than `axum::middleware::from_fn`: the route is cloned for
/// every request, so the layer must be cheap to clone, and a request whose API key was
/// authenticated moments ago (a map drawing tiles) is decided without waiting on anything, so
/// it goes straight to the handler. Everything else takes the asynchronous path of
/// [`authorize`].
#[derive(Debug, Clone)]
pub(crate) struct AccessService<I> {
    inner: I,
    shared: Arc<AccessShared>,
}

type BoxedResponse = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<I> Service<Request> for AccessService<I>
where
    I: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    I::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxedResponse;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> BoxedResponse {
        let started = Instant::now();
        let shared = self.shared.clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let method = request.method().clone();
        let access = route
            .as_ref()
            .and_then(|r| shared.policies.get(r.as_str()).copied());
        if let Some(principal) = decided_now(&shared.state, access, request.headers()) {
            let protected = principal.is_some();
            if let Some(principal) = principal {
                request.extensions_mut().insert(principal);
            }
            let answer = self.inner.call(request);
            return Box::pin(async move {
                let Ok(mut response) = answer.await;
                if protected {
                    protect(&mut response);
                }
                shared.record(route.as_ref(), &method, &response, started);
                Ok(response)
            });
        }
        // The inner service was made ready for this call: take it, leave a clone behind.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let response = authorize(&shared, access, route.as_ref(), request, inner).await;
            shared.record(route.as_ref(), &method, &response, started);
            Ok(response)
        })
    }
}

impl AccessShared {
    fn record(
        &self,
        route: Option<&MatchedPath>,
        method: &axum::http::Method,
        response: &Response,
        started: Instant,
    ) {
        let route = route.map_or("unmatched", MatchedPath::as_str);
        self.metrics
            .record_request(route, method, response.status(), started);
    }
}

/// The decision that needs no database: `Some(None)` for a public route, `Some(principal)` for
/// an API key authenticated moments ago that the route admits. `None`: ask [`authorize`],
/// which also refuses and audits.
fn decided_now(
    state: &AccessState,
    access: Option<Access>,
    headers: &HeaderMap,
) -> Option<Option<Principal>> {
    let (permission, needs_pii) = match access? {
        Access::Public => return Some(None),
        Access::Requires(p) => (p, false),
        Access::RequiresPii(p) => (p, true),
    };
    let key = presented_key(headers)?;
    let principal = key_principal(state.key_cache.get(&key)?);
    let admitted = principal.role.allows(permission) && (principal.pii || !needs_pii);
    admitted.then_some(Some(principal))
}

/// A protected answer is never stored by a shared cache and varies with the credentials. A
/// handler may relax no-store to a private, revalidated cache (tiles with an ETag).
fn protect(response: &mut Response) {
    let headers = response.headers_mut();
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
}

/// Authenticates (asking the database where needed) and authorizes a routed request, then
/// runs `inner`, which is ready for the call.
async fn authorize<I>(
    shared: &AccessShared,
    access: Option<Access>,
    route: Option<&MatchedPath>,
    mut request: Request,
    mut inner: I,
) -> Response
where
    I: Service<Request, Response = Response, Error = Infallible>,
{
    let state = &shared.state;
    let path = route.map(MatchedPath::as_str);
    let Some(access) = access else {
        tracing::error!("route without an access policy refused");
        return refuse(
            StatusCode::FORBIDDEN,
            "this route has no access policy and is refused",
        );
    };
    let (permission, needs_pii) = match access {
        Access::Public => {
            let Ok(response) = inner.call(request).await;
            return response;
        }
        Access::Requires(p) => (p, false),
        Access::RequiresPii(p) => (p, true),
    };
    let (mut parts, body) = request.into_parts();
    let Ok(client) = ClientInfo::from_request_parts(&mut parts, &()).await;
    request = Request::from_parts(parts, body);
    let principal = match authenticate(state, request.headers(), &client).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    if principal.needs_totp && !path.is_some_and(|p| BEFORE_TOTP.contains(&p)) {
        return refuse(
            StatusCode::FORBIDDEN,
            "your role needs two-factor sign-in: set it up at /account/totp first",
        );
    }
    if !principal.role.allows(permission) {
        return refuse(
            StatusCode::FORBIDDEN,
            &format!("the {} role may not use this route", principal.role),
        );
    }
    if needs_pii && !principal.pii {
        let event = client.event(principal.actor.clone(), "access.pii_denied");
        if let Err(response) = record(state, &event).await {
            return response;
        }
        return refuse(
            StatusCode::FORBIDDEN,
            "this route returns personal data, which needs the pii permission",
        );
    }
    request.extensions_mut().insert(principal);
    let Ok(mut response) = inner.call(request).await;
    protect(&mut response);
    response
}

async fn authenticate(
    state: &AccessState,
    headers: &HeaderMap,
    client: &ClientInfo,
) -> Result<Principal, Response> {
    let Some(key) = presented_key(headers) else {
        if let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
            let db = state
                .db
                .client()
                .await
                .map_err(|e| Refusal::unavailable(e).into_response())?;
            let user = canvass_db::sessions::session_user(&**db, &token, state.session_idle)
                .await
                .map_err(|e| Refusal::unavailable(e).into_response())?;
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
        .map_err(|e| Refusal::unavailable(e).into_response())?;
    let outcome = access::authenticate_key(&**db, &key)
        .await
        .map_err(|e| Refusal::unavailable(e).into_response())?;
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
                    .map_err(|e| Refusal::unavailable(e).into_response())?;
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

async fn record(state: &AccessState, event: &Event) -> Result<(), Response> {
    let db = state
        .db
        .client()
        .await
        .map_err(|e| Refusal::unavailable(e).into_response())?;
    audit::record(&**db, event)
        .await
        .map_err(|e| Refusal::unavailable(e).into_response())
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

fn refuse(status: StatusCode, message: &str) -> Response {
    Refusal::new(status, message.to_owned()).into_response()
}

/// 401 with a Basic challenge, so that QGIS and GDAL offer their stored credentials.
fn challenge(message: &str) -> Response {
    let mut response = refuse(StatusCode::UNAUTHORIZED, message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Canvass\", charset=\"UTF-8\""),
    );
    response
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
