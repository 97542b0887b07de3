//! `/account/totp`: a signed-in person sets up an authenticator app. The page shows a QR code
//! and the secret as text; the secret is kept (sealed) as pending until a code proves the app
//! has it.

use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use canvass_db::audit::{self, Actor};
use canvass_db::sessions;
use canvass_model::contact_seal::ContactField;
use canvass_model::totp;
use serde::Deserialize;

use super::sign_in::unix_now;
use super::state::StaffState;
use crate::http::page::{escape, page};
use crate::http::{ClientInfo, Principal, Refusal, no_store};

const ISSUER: &str = "Canvass";

fn signed_in_user(principal: &Principal) -> Result<(i64, String, String), Refusal> {
    match (&principal.actor, &principal.session_csrf) {
        (Actor::User(id, name), Some(csrf)) => Ok((*id, name.clone(), csrf.clone())),
        _ => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "two-factor sign-in is for people signed in with a password, not API keys",
        )),
    }
}

fn setup_page(
    status: StatusCode,
    name: &str,
    secret: &[u8],
    csrf: &str,
    message: Option<&str>,
) -> Response {
    let uri = totp::otpauth_uri(ISSUER, name, secret);
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .build()
        })
        .unwrap_or_default();
    // The SVG is generated from our own URI; drop its XML declaration to inline it.
    let qr = qr
        .split_once("?>")
        .map(|(_, svg)| svg.to_owned())
        .unwrap_or(qr);
    let alert = message
        .map(|m| format!("<p role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Set up two-factor sign-in</h1>{alert}\
         <p>Scan this code with an authenticator app, or type the secret into it.</p>\
         <figure role=\"img\" aria-label=\"QR code of the secret\">{qr}</figure>\
         <p>Secret: <code id=\"secret\">{}</code></p>\
         <form method=\"post\" action=\"/account/totp\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <p><label for=\"code\">Code the app shows now</label><br>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required maxlength=\"8\"></p>\
         <p><button type=\"submit\">Turn on</button></p></form>",
        escape(&totp::base32(secret)),
        escape(csrf)
    );
    no_store((status, Html(page("Two-factor sign-in", &body))).into_response())
}

/// `GET /account/totp`: a fresh pending secret, or word that TOTP is on.
pub(crate) async fn show(State(state): State<StaffState>, principal: Principal) -> Response {
    match begin(&state, &principal).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn begin(state: &StaffState, principal: &Principal) -> Result<Response, Refusal> {
    let (id, name, csrf) = signed_in_user(principal)?;
    let db = state.db.client().await.map_err(Refusal::unavailable)?;
    let (_, _, enabled) = sessions::pending_totp(&**db, id)
        .await
        .map_err(Refusal::unavailable)?;
    if enabled {
        let body = "<h1>Two-factor sign-in is on</h1><p>If you lose your phone, ask an administrator \
                    to reset it (<code>canvass user reset-totp</code>).</p>";
        return Ok(Html(page("Two-factor sign-in", body)).into_response());
    }
    let secret = totp::generate_secret();
    let ring = state.contact_keys.ring();
    let sealed = ring
        .current()
        .seal(id, ContactField::TotpSecret, &totp::base32(&secret));
    sessions::set_pending_totp(&**db, id, ring.current().id(), &sealed)
        .await
        .map_err(Refusal::unavailable)?;
    Ok(setup_page(StatusCode::OK, &name, &secret, &csrf, None))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /account/totp`: turns TOTP on when the code matches the pending secret.
pub(crate) async fn confirm(
    State(state): State<StaffState>,
    principal: Principal,
    client: ClientInfo,
    Form(form): Form<ConfirmForm>,
) -> Response {
    match finish(&state, &principal, &client, &form).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn finish(
    state: &StaffState,
    principal: &Principal,
    client: &ClientInfo,
    form: &ConfirmForm,
) -> Result<Response, Refusal> {
    let (id, name, csrf) = signed_in_user(principal)?;
    if form.csrf != csrf {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "missing or wrong CSRF token",
        ));
    }
    let db = state.db.client().await.map_err(Refusal::unavailable)?;
    let (key_id, pending, _) = sessions::pending_totp(&**db, id)
        .await
        .map_err(Refusal::unavailable)?;
    let (Some(key_id), Some(pending)) = (key_id, pending) else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "no set-up in progress: open /account/totp first",
        ));
    };
    let secret = state
        .contact_keys
        .open_totp_secret(&key_id, id, &pending)
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the pending secret cannot be opened",
            )
        })?;
    if !totp::verify(&secret, &form.code, unix_now()) {
        return Ok(setup_page(
            StatusCode::BAD_REQUEST,
            &name,
            &secret,
            &csrf,
            Some("That code is not right. Enter the 6 digits the app shows now."),
        ));
    }
    sessions::activate_totp(&**db, id)
        .await
        .map_err(Refusal::unavailable)?;
    let event = client.event(principal.actor.clone(), "totp.enable");
    audit::record(&**db, &event)
        .await
        .map_err(Refusal::unavailable)?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/account")]).into_response())
}
