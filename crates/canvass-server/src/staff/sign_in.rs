//! `/login`, `/logout` and `/account`: people sign in with a password and get a session cookie
//! (HttpOnly, SameSite=Strict, Secure when configured), with lock-out after repeated
//! failures, a per-client rate limit, and CSRF tokens on every form.

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::audit::{self, Actor};
use canvass_db::sessions::{self, LoginOutcome};
use serde::Deserialize;

use super::state::StaffState;
use crate::http::cookies::{SESSION_COOKIE, SameSite, cookie, set_cookie};
use crate::http::page::{escape, page};
use crate::http::{ClientInfo, Principal, Refusal, no_store};
use canvass_model::totp;

/// Name of the pre-login CSRF cookie (double-submit).
const LOGIN_CSRF_COOKIE: &str = "canvass_login_csrf";

fn login_page(
    status: StatusCode,
    csrf: &str,
    message: Option<&str>,
    username: &str,
    secure: bool,
) -> Response {
    let alert = message
        .map(|m| format!("<p role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in to Canvass</h1>{alert}\
         <form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"username\">User name</label><br>\
         <input id=\"username\" name=\"username\" autocomplete=\"username\" required maxlength=\"64\" value=\"{}\"></p>\
         <p><label for=\"password\">Password</label><br>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\
         <p><label for=\"code\">Authentication code (if you use an authenticator app)</label><br>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"8\"></p>\
         <p><button type=\"submit\">Sign in</button></p></form>",
        escape(username)
    );
    let mut response = (status, axum::response::Html(page("Sign in", &body))).into_response();
    set_cookie(
        &mut response,
        (LOGIN_CSRF_COOKIE, csrf),
        "/login",
        Some(3600),
        SameSite::Strict,
        secure,
    );
    no_store(response)
}

/// `GET /login`.
pub(crate) async fn show(State(state): State<StaffState>) -> Response {
    login_page(
        StatusCode::OK,
        &sessions::random_token(),
        None,
        "",
        state.sessions.secure_cookies,
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /login`.
pub(crate) async fn submit(
    State(state): State<StaffState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let secure = state.sessions.secure_cookies;
    let fresh_csrf = sessions::random_token();
    if let Err(wait) = state.login_limiter.check(peer.ip()) {
        let mut response = login_page(
            StatusCode::TOO_MANY_REQUESTS,
            &fresh_csrf,
            Some("Too many sign-in attempts from this address. Wait a minute and try again."),
            "",
            secure,
        );
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let username: String = form
        .username
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let cookie_csrf = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if form.csrf.is_empty() || cookie_csrf != form.csrf {
        return login_page(
            StatusCode::FORBIDDEN,
            &fresh_csrf,
            Some("This form expired or did not come from this site. Please sign in again."),
            &username,
            secure,
        );
    }
    if form.username.len() > 64
        || form.password.is_empty()
        || form.password.len() > canvass_db::access::MAX_PASSWORD_BYTES
    {
        return login_page(
            StatusCode::BAD_REQUEST,
            &fresh_csrf,
            Some("Enter your user name (at most 64 characters) and your password."),
            &username,
            secure,
        );
    }
    let client = ClientInfo::new(Some(peer.ip()), &headers);
    match sign_in(&state, &username, &form.password, &form.code, &client).await {
        Ok(Ok((token, needs_totp))) => {
            let next = if needs_totp {
                "/account/totp"
            } else {
                "/account"
            };
            let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
            set_cookie(
                &mut response,
                (SESSION_COOKIE, &token),
                "/",
                None,
                SameSite::Strict,
                secure,
            );
            set_cookie(
                &mut response,
                (LOGIN_CSRF_COOKIE, ""),
                "/login",
                Some(0),
                SameSite::Strict,
                secure,
            );
            no_store(response)
        }
        Ok(Err((status, message))) => {
            login_page(status, &fresh_csrf, Some(message), &username, secure)
        }
        Err(refusal) => refusal.into_response(),
    }
}

async fn sign_in(
    state: &StaffState,
    username: &str,
    password: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<Result<(String, bool), (StatusCode, &'static str)>, Refusal> {
    let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
    let tx = db.transaction().await.map_err(Refusal::unavailable)?;
    let outcome = sessions::check_password(&*tx, username, password)
        .await
        .map_err(Refusal::unavailable)?;
    let name = username.to_owned();
    let (event, result) = match outcome {
        LoginOutcome::Accepted(user, totp) => {
            let code_ok = match &totp {
                None => true,
                Some((key_id, sealed)) => {
                    let secret = state.contact_keys.open_totp_secret(key_id, user.id, sealed);
                    secret.is_some_and(|secret| totp::verify(&secret, code, unix_now()))
                }
            };
            if code_ok {
                sessions::record_success(&*tx, user.id)
                    .await
                    .map_err(Refusal::unavailable)?;
                let needs_totp = totp.is_none() && state.sessions.totp_roles.contains(&user.role);
                let (token, _csrf) = sessions::create_session(
                    &*tx,
                    user.id,
                    state.sessions.lifetime,
                    client.addr,
                    client.user_agent.as_deref(),
                    needs_totp,
                )
                .await
                .map_err(Refusal::unavailable)?;
                (
                    client.event(Actor::User(user.id, user.username), "login.success"),
                    Ok((token, needs_totp)),
                )
            } else {
                let locked = sessions::record_failure(&*tx, user.id)
                    .await
                    .map_err(Refusal::unavailable)?;
                let details = serde_json::json!({ "username": name, "second_factor": true, "locked": locked.is_some() });
                (
                    client
                        .event(Actor::User(user.id, user.username), "login.failure")
                        .details(details),
                    Err((
                        StatusCode::UNAUTHORIZED,
                        "Wrong or missing authentication code: enter the 6 digits your authenticator app shows now.",
                    )),
                )
            }
        }
        LoginOutcome::Rejected {
            user_id,
            locked_until,
        } => {
            let actor = user_id
                .map(|id| Actor::User(id, name.clone()))
                .unwrap_or(Actor::Anonymous);
            let details = serde_json::json!({ "username": name, "locked": locked_until.is_some() });
            let message = if locked_until.is_some() {
                "Wrong user name or password. The account is now locked for a while after repeated failures."
            } else {
                "Wrong user name or password."
            };
            (
                client.event(actor, "login.failure").details(details),
                Err((StatusCode::UNAUTHORIZED, message)),
            )
        }
        LoginOutcome::Locked { user_id, .. } => (
            client.event(Actor::User(user_id, name), "login.locked"),
            Err((
                StatusCode::UNAUTHORIZED,
                "This account is locked after repeated failed sign-ins. Try again later or ask an administrator.",
            )),
        ),
        LoginOutcome::Disabled { user_id } => (
            client.event(Actor::User(user_id, name), "login.disabled"),
            Err((
                StatusCode::FORBIDDEN,
                "This account is disabled. Ask an administrator.",
            )),
        ),
    };
    audit::record(&*tx, &event)
        .await
        .map_err(Refusal::unavailable)?;
    tx.commit().await.map_err(Refusal::unavailable)?;
    Ok(result)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub(crate) async fn logout(
    State(state): State<StaffState>,
    principal: Principal,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(expected) = principal.session_csrf.as_deref() else {
        return Refusal::new(
            StatusCode::BAD_REQUEST,
            "there is no session to end; API keys are revoked with `canvass key revoke`",
        )
        .into_response();
    };
    if form.csrf != expected {
        return Refusal::new(StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response();
    }
    let Some(token) = cookie(&headers, SESSION_COOKIE) else {
        return Refusal::new(StatusCode::BAD_REQUEST, "no session cookie").into_response();
    };
    let ended = async {
        let db = state.db.client().await.map_err(Refusal::unavailable)?;
        sessions::end_session(&**db, &token)
            .await
            .map_err(Refusal::unavailable)?;
        let event = client.event(principal.actor.clone(), "logout");
        audit::record(&**db, &event)
            .await
            .map_err(Refusal::unavailable)
    }
    .await;
    if let Err(error) = ended {
        return error.into_response();
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    set_cookie(
        &mut response,
        (SESSION_COOKIE, ""),
        "/",
        Some(0),
        SameSite::Strict,
        state.sessions.secure_cookies,
    );
    no_store(response)
}

/// Seconds since the epoch, for TOTP.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `GET /account`: who is signed in, and the sign-out button.
pub(crate) async fn account(principal: Principal) -> Response {
    let name = match &principal.actor {
        Actor::User(_, name) | Actor::ApiKey(_, name) | Actor::System(name) => name.clone(),
        Actor::Anonymous => String::new(),
    };
    let logout = principal
        .session_csrf
        .as_deref()
        .map(|csrf| {
            format!(
                "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\">Sign out</button></form>",
                escape(csrf)
            )
        })
        .unwrap_or_default();
    // The people who run canvasses go on to the map from here.
    let map = if principal.role.allows(canvass_model::Permission::Canvass) {
        "<p><a class=\"button\" href=\"/map\">Open the officer map</a></p>"
    } else {
        ""
    };
    let body = format!(
        "<h1>Signed in</h1><p>{} · role {}{}</p>{map}\
         <p><a href=\"/account/totp\">Two-factor sign-in (authenticator app)</a></p>{logout}",
        escape(&name),
        escape(principal.role.as_str()),
        if principal.pii {
            " · may see contact details"
        } else {
            ""
        }
    );
    axum::response::Html(page("Account", &body)).into_response()
}
