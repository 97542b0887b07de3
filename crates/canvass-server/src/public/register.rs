//! `/register`: the registration form, and what happens when it is sent.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::intake::{self, Admission};
use canvass_mail::MailError;
use canvass_mail::OwnerMail;
use canvass_mail::outbox::{Purpose, ToQueue, queue};
use canvass_model::Language;
use canvass_model::submission::{CameraInput, SubmissionInput};

use super::answer::{self, html, message};
use super::form::{self, Action, Feedback, read_form};
use super::form_csrf::{form_csrf, form_csrf_ok, with_form_csrf};
use super::locate::location_feedback;
use super::settings::PublicState;
use super::{basemap, layout};
use crate::http::Refusal;
use crate::http::language::PageLanguage;
use crate::http::page::escape;

/// `GET /register`.
pub(crate) async fn register(
    State(state): State<PublicState>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
    headers: HeaderMap,
) -> Response {
    let input = SubmissionInput {
        language: lang.as_str().to_owned(),
        cameras: vec![CameraInput::default()],
        ..SubmissionInput::default()
    };
    let csrf = form_csrf(&headers);
    let page = form_page(&state, lang, &input, &Feedback::default(), &csrf).await;
    with_form_csrf(
        html(StatusCode::OK, page, lang, remember),
        &csrf,
        state.secure_cookies,
    )
}

async fn form_page(
    state: &PublicState,
    lang: Language,
    input: &SubmissionInput,
    feedback: &Feedback,
    csrf: &str,
) -> String {
    let s = &state.settings;
    let map_centre = basemap::map_centre(state).await;
    let body = format!(
        "<h1>{}</h1><p>{}</p>{}",
        escape(&s.t(lang, "register-heading")),
        escape(&s.t(lang, "register-intro")),
        form::registration_form(
            s,
            lang,
            input,
            feedback,
            csrf,
            &format!("/register?lang={}", lang.as_str()),
            map_centre,
        )
    );
    layout::public_page(
        s,
        lang,
        &s.t(lang, "register-heading"),
        &body,
        "/register",
        s.map_scripts(),
    )
}

/// `POST /register`.
pub(crate) async fn register_submit(
    State(state): State<PublicState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PageLanguage { language: lang, .. }: PageLanguage,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let s = &state.settings;
    let secure = state.secure_cookies;
    let fresh = form_csrf(&headers);
    let Some(bytes) = read_form(body).await else {
        let feedback = Feedback::banner(s.t(lang, "problem-too-large"));
        let input = SubmissionInput {
            cameras: vec![CameraInput::default()],
            ..SubmissionInput::default()
        };
        let page = form_page(&state, lang, &input, &feedback, &fresh).await;
        return with_form_csrf(
            html(StatusCode::PAYLOAD_TOO_LARGE, page, lang, false),
            &fresh,
            secure,
        );
    };
    let mut posted = form::parse(&bytes);
    let refuse = async |status: StatusCode, input: &SubmissionInput, feedback: Feedback| {
        let page = form_page(&state, lang, input, &feedback, &fresh).await;
        with_form_csrf(html(status, page, lang, false), &fresh, secure)
    };
    if !form_csrf_ok(&headers, &posted.csrf) {
        let feedback = Feedback::banner(s.t(lang, "problem-expired-form"));
        return refuse(StatusCode::FORBIDDEN, &posted.input, feedback).await;
    }
    if let Err(wait) = s.form_limiter.check(peer.ip()) {
        let feedback = Feedback::banner(s.t(lang, "problem-rate-limited"));
        let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, &posted.input, feedback).await;
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    match posted.action {
        Some(Action::AddCamera) => {
            posted.input.cameras.push(CameraInput::default());
            return refuse(StatusCode::OK, &posted.input, Feedback::default()).await;
        }
        Some(Action::RemoveCamera(i))
            if i < posted.input.cameras.len() && posted.input.cameras.len() > 1 =>
        {
            posted.input.cameras.remove(i);
            return refuse(StatusCode::OK, &posted.input, Feedback::default()).await;
        }
        _ => {}
    }
    // A bot filled in the field people never see: answer as if all went well, keep nothing.
    if !posted.honeypot.is_empty() {
        tracing::info!("registration honeypot filled; nothing stored");
        return sent(lang);
    }
    let registration = match posted.input.validate() {
        Ok(r) => r,
        Err(errors) => {
            let feedback = Feedback::from_errors(s, lang, &errors);
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, &posted.input, feedback).await;
        }
    };
    let mut client = match state.db.client().await {
        Ok(c) => c,
        Err(e) => return answer::refuse(s, lang, Refusal::unavailable(e), "/register", false),
    };
    let keys = state.contact_keys.ring();
    // The entry and its mail are stored together or not at all; the mail leaves later, from
    // the outbox, so the answer never waits on SMTP and is the same for a known address.
    let admitted = async {
        let tx = client
            .transaction()
            .await
            .map_err(DbError::pg("begin registration"))?;
        let admission = intake::admit(&*tx, &keys, &s.intake, &registration).await?;
        let (registration_id, mail, purpose) = match &admission {
            Admission::Unplaced(_)
            | Admission::Created {
                confirm_token: None,
                ..
            } => {
                return Ok::<_, MailError>(admission);
            }
            Admission::AlreadyRegistered { id, manage_token } => (
                *id,
                OwnerMail::AlreadyRegistered {
                    token: manage_token,
                },
                Purpose::OnRequest(chrono::Utc::now()),
            ),
            Admission::Created {
                id,
                confirm_token: Some(token),
            } => (
                *id,
                OwnerMail::Confirmation {
                    name: &registration.name,
                    token,
                },
                Purpose::Registration,
            ),
        };
        let item = ToQueue {
            registration_id,
            to: &registration.email,
            language: registration.language,
            mail,
            purpose,
        };
        queue(&*tx, &s.composer, keys.current(), item).await?;
        tx.commit()
            .await
            .map_err(DbError::pg("commit registration"))?;
        Ok(admission)
    }
    .await;
    match admitted {
        Ok(Admission::Unplaced(problem)) => {
            let feedback = location_feedback(s, lang, problem);
            refuse(StatusCode::UNPROCESSABLE_ENTITY, &posted.input, feedback).await
        }
        Ok(_) => sent(lang),
        Err(e) => {
            tracing::warn!(error = %e, "registration could not be completed");
            let feedback = Feedback::banner(s.t(lang, "problem-unavailable"));
            refuse(StatusCode::SERVICE_UNAVAILABLE, &posted.input, feedback).await
        }
    }
}

fn sent(lang: Language) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("/register/sent?lang={}", lang.as_str()),
        )],
    )
        .into_response()
}

/// `GET /register/sent`.
pub(crate) async fn register_sent(
    State(state): State<PublicState>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
) -> Response {
    message(
        &state.settings,
        lang,
        StatusCode::OK,
        ("sent-heading", "sent-body"),
        "/register/sent",
        remember,
    )
}
