//! `/register`: the registration form, and what happens when it is sent.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::intake::{self, Admission};
use canvass_mail::OwnerMail;
use canvass_model::Language;
use canvass_model::submission::{CameraInput, SubmissionInput};

use super::form::{self, Action, Feedback};
use super::locate::Located;
use super::{
    LangQuery, PublicSettings, form_csrf, form_csrf_ok, html, language, layout, with_form_csrf,
};
use crate::AppState;
use crate::html::escape;

/// Largest registration form body read. Far beyond any real form (20 cameras with long notes
/// is under 64 KiB), so that an oversized field is refused beside its field with everything
/// else kept; a body beyond even this is refused whole.
pub(crate) const FORM_BODY_LIMIT: usize = 4 << 20;

/// `GET /register`.
pub(crate) async fn register(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, remember) = language(query.lang.as_deref(), &headers);
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
        state.sessions.secure_cookies,
    )
}

async fn form_page(
    state: &AppState,
    lang: Language,
    input: &SubmissionInput,
    feedback: &Feedback,
    csrf: &str,
) -> String {
    let s = &state.public;
    let map_centre = super::basemap::map_centre(state).await;
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

/// Reads a form body up to [`FORM_BODY_LIMIT`]; `None` when it is larger.
pub(crate) async fn read_form(body: Body) -> Option<axum::body::Bytes> {
    axum::body::to_bytes(body, FORM_BODY_LIMIT).await.ok()
}

/// A short page of a heading and a paragraph (message ids), as an answer with `status`.
pub(crate) fn message(
    s: &PublicSettings,
    lang: Language,
    status: StatusCode,
    (heading, text): (&str, &str),
    path: &str,
    remember: bool,
) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"notice\">{}</p>",
        escape(&s.t(lang, heading)),
        escape(&s.t(lang, text))
    );
    let page = layout::public_page(s, lang, &s.t(lang, heading), &body, path, &[]);
    html(status, page, lang, remember)
}

/// `POST /register`.
pub(crate) async fn register_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let s = &state.public;
    let (lang, _) = language(query.lang.as_deref(), &headers);
    let secure = state.sessions.secure_cookies;
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
        Err(e) => return unavailable(&state, lang, e),
    };
    let keys = state.contact_keys.ring();
    let (mail, created) = match intake::admit(&mut client, &keys, &s.intake, &registration).await {
        Ok(Admission::Unplaced(problem)) => {
            let feedback = location_feedback(s, lang, problem);
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, &posted.input, feedback).await;
        }
        Ok(Admission::AlreadyRegistered { manage_token, .. }) => (Ok(manage_token), None),
        Ok(Admission::Created {
            id,
            confirm_token: Some(token),
        }) => (Ok(token), Some(id)),
        Ok(Admission::Created { .. }) => return sent(lang),
        Err(e) => (Err(e.to_string()), None),
    };
    let outcome = match mail {
        Ok(token) => {
            let mail = match created {
                Some(_) => OwnerMail::Confirmation {
                    name: &registration.name,
                    token: &token,
                },
                None => OwnerMail::AlreadyRegistered { token: &token },
            };
            let message = s.composer.compose(registration.language, mail);
            match state.mailer.send(&registration.email, &message).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    // Without the mail the entry can never be confirmed: take it back.
                    if let Some(id) = created
                        && let Err(undo) = intake::withdraw(&**client, id).await
                    {
                        tracing::warn!(error = %undo, "unmailed registration not taken back");
                    }
                    Err(e.to_string())
                }
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => sent(lang),
        Err(e) => {
            tracing::warn!(error = %e, "registration could not be completed");
            let feedback = Feedback::banner(s.t(lang, "problem-unavailable"));
            refuse(StatusCode::SERVICE_UNAVAILABLE, &posted.input, feedback).await
        }
    }
}

/// The address problem beside the address field (or the pin's, when a pin was given).
pub(crate) fn location_feedback(s: &PublicSettings, lang: Language, problem: Located) -> Feedback {
    let (field, text) = match problem {
        Located::Outside => (
            "address",
            s.messages.format(
                lang,
                "problem-outside",
                &[("jurisdiction", &s.department.jurisdiction_name)],
            ),
        ),
        Located::Ambiguous => ("address", s.t(lang, "problem-ambiguous")),
        Located::NotOpen => ("address", s.t(lang, "problem-not-open")),
        Located::NotFound | Located::At(..) => ("address", s.t(lang, "problem-not-found")),
    };
    Feedback {
        fields: vec![(field.to_owned(), text)],
        banner: None,
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

fn unavailable(state: &AppState, lang: Language, error: impl std::fmt::Display) -> Response {
    tracing::warn!(%error, "database failure on a public page");
    message(
        &state.public,
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        ("unavailable-heading", "problem-unavailable"),
        "/register",
        false,
    )
}

/// `GET /register/sent`.
pub(crate) async fn register_sent(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, remember) = language(query.lang.as_deref(), &headers);
    message(
        &state.public,
        lang,
        StatusCode::OK,
        ("sent-heading", "sent-body"),
        "/register/sent",
        remember,
    )
}
