//! Owners without passwords: the confirmation link, `/manage` (a single-use link by e-mail),
//! and the page behind it (edit, add or remove cameras, pause, opt out).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::footage_requests;
use canvass_db::intake::{Placed, place};
use canvass_db::registrations::{self, OwnedRegistration, TokenPurpose};
use canvass_mail::outbox::{Purpose, ToQueue, queue};
use canvass_mail::{MailError, OwnerMail};
use canvass_model::contact_seal::ContactKeyRing;
use canvass_model::submission::{CameraInput, NewRegistration, SubmissionInput, normalise_email};
use canvass_model::{Language, RegistrationStatus};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::answer::{html, message, refuse};
use super::form::{self, Action, Feedback, read_form};
use super::form_csrf::{form_csrf, form_csrf_ok, with_form_csrf};
use super::layout;
use super::locate::location_feedback;
use super::settings::PublicSettings;
use super::settings::PublicState;
use crate::http::cookies::{SameSite, cookie, set_cookie};
use crate::http::language::PageLanguage;
use crate::http::page::escape;
use crate::http::{Refusal, no_store};

/// The owner-session cookie a manage link opens. SameSite=Lax: the link is followed from a
/// mail client, a cross-site navigation that Strict would strip.
const OWNER_COOKIE: &str = "canvass_owner";

/// `GET /confirm/{token}`: the double opt-in.
pub(crate) async fn confirm(
    State(state): State<PublicState>,
    Path(token): Path<String>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
) -> Response {
    let s = &state.settings;
    let confirmed = async {
        let client = state.db.client().await?;
        match registrations::take(&**client, &token, TokenPurpose::Confirm).await? {
            Some(id) => registrations::confirm(&**client, id).await,
            None => Ok(false),
        }
    }
    .await;
    let (status, heading, text) = match confirmed {
        Ok(true) => (StatusCode::OK, "confirmed-heading", "confirmed-body"),
        Ok(false) => (
            StatusCode::NOT_FOUND,
            "link-invalid-heading",
            "link-invalid-body",
        ),
        Err(e) => return refuse(s, lang, Refusal::unavailable(e), "/register", remember),
    };
    message(s, lang, status, (heading, text), "/register", remember)
}

fn manage_form(
    s: &PublicSettings,
    lang: Language,
    csrf: &str,
    notice: Option<&str>,
    email: &str,
    error: Option<&str>,
) -> String {
    let t = |id: &str| escape(&s.t(lang, id));
    let notice = notice
        .map(|n| format!("<p class=\"notice\" role=\"status\">{}</p>", escape(n)))
        .unwrap_or_default();
    let (error_html, invalid) = match error {
        Some(e) => (
            format!("<p class=\"error\" id=\"email-error\">{}</p>", escape(e)),
            " aria-invalid=\"true\" aria-describedby=\"email-error\"",
        ),
        None => (String::new(), ""),
    };
    let body = format!(
        "<h1>{}</h1>{notice}<p>{}</p><form method=\"post\" action=\"/manage?lang={l}\" novalidate>\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label for=\"email\">{}</label>{error_html}\
         <input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"email\" value=\"{}\"{invalid}>\
         <div class=\"actions\"><button>{}</button></div></form>",
        t("manage-heading"),
        t("manage-intro"),
        escape(csrf),
        t("field-email"),
        escape(&email.chars().take(254).collect::<String>()),
        t("manage-send"),
        l = lang.as_str(),
    );
    layout::public_page(s, lang, &s.t(lang, "manage-heading"), &body, "/manage", &[])
}

/// Opts registration `id` out and queues the receipt, in one transaction: the receipt's copy
/// of the address is sealed in the outbox until it is sent, the contact itself is gone.
async fn opt_out(
    state: &PublicState,
    client: &mut tokio_postgres::Client,
    keys: &ContactKeyRing,
    id: i64,
) -> Result<(), MailError> {
    let tx = client
        .transaction()
        .await
        .map_err(DbError::pg("begin opt-out"))?;
    if let Some((email, owner_language)) = registrations::opt_out(&tx, keys, id).await? {
        let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let item = ToQueue {
            registration_id: id,
            to: &email,
            language: owner_language,
            mail: OwnerMail::OptOutReceipt { date: &date },
            purpose: Purpose::OptOut,
        };
        if !email.is_empty() {
            queue(&tx, &state.settings.composer, keys.current(), item).await?;
        }
    }
    tx.commit().await.map_err(DbError::pg("commit opt-out"))?;
    Ok(())
}

/// `GET /optout/{token}`: the one-click opt-out link of a mail's List-Unsubscribe header,
/// opened in a browser. Mail scanners follow links, so this only shows what would happen and a
/// button; the link is not used up.
pub(crate) async fn optout_link(
    State(state): State<PublicState>,
    Path(token): Path<String>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
) -> Response {
    let s = &state.settings;
    let valid = async {
        let client = state.db.client().await?;
        registrations::peek(&**client, &token, TokenPurpose::OptOut).await
    }
    .await;
    match valid {
        Ok(Some(_)) => {
            let t = |id: &str| escape(&s.t(lang, id));
            let body = format!(
                "<h1>{}</h1><p>{}</p><form method=\"post\" action=\"/optout/{}?lang={}\">\
                 <div class=\"actions\"><button class=\"danger\">{}</button></div></form>",
                t("optout-heading"),
                t("optout-body"),
                escape(&token),
                lang.as_str(),
                t("optout-confirm"),
            );
            let page =
                layout::public_page(s, lang, &s.t(lang, "optout-heading"), &body, "/manage", &[]);
            no_store(html(StatusCode::OK, page, lang, remember))
        }
        Ok(None) => message(
            s,
            lang,
            StatusCode::NOT_FOUND,
            ("link-invalid-heading", "link-invalid-body"),
            "/manage",
            remember,
        ),
        Err(e) => refuse(s, lang, Refusal::unavailable(e), "/manage", remember),
    }
}

/// `POST /optout/{token}`: opts out, from the button of [`optout_link`] or from a mail
/// program's one-click unsubscribe (RFC 8058: `List-Unsubscribe=One-Click`, no cookies, so no
/// form token either: the single-use link is the credential). The body is not read.
pub(crate) async fn optout_post(
    State(state): State<PublicState>,
    Path(token): Path<String>,
    PageLanguage { language: lang, .. }: PageLanguage,
) -> Response {
    let s = &state.settings;
    let done = async {
        let mut client = state.db.client().await?;
        let keys = state.contact_keys.ring();
        let Some(id) = registrations::take(&**client, &token, TokenPurpose::OptOut).await? else {
            return Ok::<_, MailError>(false);
        };
        opt_out(&state, &mut client, &keys, id).await?;
        Ok(true)
    }
    .await;
    match done {
        Ok(true) => message(
            s,
            lang,
            StatusCode::OK,
            ("optout-done-heading", "optout-done-body"),
            "/manage",
            false,
        ),
        Ok(false) => message(
            s,
            lang,
            StatusCode::NOT_FOUND,
            ("link-invalid-heading", "link-invalid-body"),
            "/manage",
            false,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "one-click opt-out failed");
            refuse(
                s,
                lang,
                Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "try again later".to_owned(),
                ),
                "/manage",
                false,
            )
        }
    }
}

/// `GET /manage`: asks for the e-mail address.
pub(crate) async fn manage(
    State(state): State<PublicState>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
    headers: HeaderMap,
) -> Response {
    let csrf = form_csrf(&headers);
    let page = manage_form(&state.settings, lang, &csrf, None, "", None);
    with_form_csrf(
        html(StatusCode::OK, page, lang, remember),
        &csrf,
        state.secure_cookies,
    )
}

/// `POST /manage`: e-mails a single-use link when the address is registered. The answer is the
/// same either way, and given before the address is even looked up, so the form reveals
/// nobody's registration, not even by its timing.
pub(crate) async fn manage_request(
    State(state): State<PublicState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PageLanguage { language: lang, .. }: PageLanguage,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let s = &state.settings;
    let csrf = form_csrf(&headers);
    let secure = state.secure_cookies;
    let answer = |status, notice: Option<String>, email: &str, error: Option<String>| {
        let page = manage_form(s, lang, &csrf, notice.as_deref(), email, error.as_deref());
        with_form_csrf(html(status, page, lang, false), &csrf, secure)
    };
    let Some(bytes) = read_form(body).await else {
        return answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            "",
            Some(s.t(lang, "problem-too-large")),
        );
    };
    let mut email = String::new();
    let mut posted_csrf = String::new();
    for (key, value) in form_urlencoded::parse(&bytes) {
        match key.as_ref() {
            "email" => email = value.into_owned(),
            "csrf" => posted_csrf = value.into_owned(),
            _ => {}
        }
    }
    if !form_csrf_ok(&headers, &posted_csrf) {
        return answer(
            StatusCode::FORBIDDEN,
            None,
            &email,
            Some(s.t(lang, "problem-expired-form")),
        );
    }
    if s.form_limiter.check(peer.ip()).is_err() {
        return answer(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            &email,
            Some(s.t(lang, "problem-rate-limited")),
        );
    }
    let normalised = match normalise_email(&email) {
        Ok(e) => e,
        Err(problem) => {
            return answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &email,
                Some(form::say(s, lang, problem)),
            );
        }
    };
    // The look-up and the queueing happen after the answer, so that the answer's content and
    // its time are the same for a registered and an unknown address.
    let work = state.clone();
    tokio::spawn(async move {
        if let Err(e) = queue_manage_link(&work, &normalised, lang).await {
            tracing::warn!(error = %e, "manage link not queued");
        }
    });
    answer(StatusCode::OK, Some(s.t(lang, "manage-sent")), "", None)
}

/// Queues a manage link for the owner of `email`, if it is registered: the link and its mail
/// are kept together or not at all.
async fn queue_manage_link(
    state: &PublicState,
    email: &str,
    lang: Language,
) -> Result<(), MailError> {
    let mut client = state.db.client().await?;
    let keys = state.contact_keys.ring();
    let Some(id) = registrations::find_by_email(&**client, &keys, email).await? else {
        return Ok(());
    };
    let owner_language = registrations::language(&**client, id)
        .await?
        .unwrap_or(lang);
    let tx = client
        .transaction()
        .await
        .map_err(DbError::pg("begin a manage link"))?;
    let token =
        registrations::issue(&*tx, id, TokenPurpose::Manage, registrations::MANAGE_TTL).await?;
    let item = ToQueue {
        registration_id: id,
        to: email,
        language: owner_language,
        mail: OwnerMail::ManageLink { token: &token },
        purpose: Purpose::OnRequest(chrono::Utc::now()),
    };
    queue(&*tx, &state.settings.composer, keys.current(), item).await?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit a manage link"))?;
    Ok(())
}

/// `GET /manage/{token}`: uses the link once and opens a short owner session.
pub(crate) async fn manage_link(
    State(state): State<PublicState>,
    Path(token): Path<String>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
) -> Response {
    let opened = async {
        let client = state.db.client().await?;
        match registrations::take(&**client, &token, TokenPurpose::Manage).await? {
            Some(id) => registrations::issue(
                &**client,
                id,
                TokenPurpose::Session,
                registrations::OWNER_SESSION_TTL,
            )
            .await
            .map(Some),
            None => Ok(None),
        }
    }
    .await;
    match opened {
        Ok(Some(session)) => {
            let mut response = no_store(
                (
                    StatusCode::SEE_OTHER,
                    [(
                        header::LOCATION,
                        format!("/manage/entry?lang={}", lang.as_str()),
                    )],
                )
                    .into_response(),
            );
            set_cookie(
                &mut response,
                (OWNER_COOKIE, &session),
                "/manage",
                Some(registrations::OWNER_SESSION_TTL.as_secs()),
                SameSite::Lax,
                state.secure_cookies,
            );
            response
        }
        Ok(None) => message(
            &state.settings,
            lang,
            StatusCode::NOT_FOUND,
            ("link-invalid-heading", "link-invalid-body"),
            "/manage",
            remember,
        ),
        Err(e) => refuse(
            &state.settings,
            lang,
            Refusal::unavailable(e),
            "/manage",
            remember,
        ),
    }
}

/// The form token of an owner session: derived from the session secret, so only the holder of
/// the cookie can compute it.
fn session_csrf(session: &str) -> String {
    let digest = Sha256::digest(format!("canvass/owner-csrf/{session}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The form's values from a stored registration.
fn input_from(r: &NewRegistration) -> SubmissionInput {
    SubmissionInput {
        name: r.name.clone(),
        phone: r.phone.clone().unwrap_or_default(),
        email: r.email.clone(),
        language: r.language.as_str().into(),
        contact_method: r.contact_method.as_str().into(),
        kind: r.kind.as_str().into(),
        business_name: r.business_name.clone().unwrap_or_default(),
        address: r.address.clone(),
        latitude: String::new(),
        longitude: String::new(),
        cameras: r
            .cameras
            .iter()
            .map(|c| CameraInput {
                placement: c.placement.as_str().into(),
                views: c.views.iter().map(|v| v.as_str().to_owned()).collect(),
                facing: c
                    .facing_deg
                    .map(|f| {
                        canvass_model::submission::COMPASS
                            .iter()
                            .find(|(_, d)| (*d - f).abs() < 1e-6)
                            .map_or_else(|| format!("{f}"), |(p, _)| (*p).to_owned())
                    })
                    .unwrap_or_default(),
                retention_days: c.retention_days.map(|d| d.to_string()).unwrap_or_default(),
                recording_mode: c.recording_mode.as_str().into(),
                can_export: c.can_export.as_str().into(),
                notes: c.notes.clone().unwrap_or_default(),
            })
            .collect(),
        consent: true,
    }
}

/// The owner's entry and what staff did with it: what the entry page shows besides the form.
#[derive(Clone, Copy)]
struct OwnerView<'a> {
    owned: &'a OwnedRegistration,
    uses: &'a Uses,
}

fn entry_page(
    s: &PublicSettings,
    lang: Language,
    view: OwnerView<'_>,
    input: &SubmissionInput,
    feedback: &Feedback,
    csrf: &str,
    notice: Option<&str>,
) -> String {
    let OwnerView { owned, uses } = view;
    let t = |id: &str| escape(&s.t(lang, id));
    let status = s.t(lang, &format!("status-{}", owned.status.as_str()));
    let notice = notice
        .map(|n| format!("<p class=\"notice\" role=\"status\">{}</p>", escape(n)))
        .unwrap_or_default();
    let action = format!("/manage/entry?lang={}", lang.as_str());
    let form_html = form::registration_form(
        s,
        lang,
        input,
        feedback,
        csrf,
        &action,
        Some(owned.location),
    )
    .replace(
        &format!("value=\"submit\">{}</button>", t("register-submit")),
        &format!("value=\"submit\">{}</button>", t("entry-save")),
    );
    let pause = match owned.status {
        RegistrationStatus::Active => Some(("pause", "entry-pause")),
        RegistrationStatus::Paused => Some(("resume", "entry-resume")),
        _ => None,
    };
    let pause_html = pause
        .map(|(value, label)| {
            format!(
                "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <div class=\"actions\"><button class=\"secondary\" name=\"action\" value=\"{value}\">{}</button></div></form>",
                escape(csrf),
                t(label)
            )
        })
        .unwrap_or_default();
    let uses_html = uses_section(s, lang, uses);
    let body = format!(
        "<h1>{}</h1>{notice}<p>{}</p>{uses_html}{form_html}{pause_html}\
         <h2>{}</h2><p>{}</p><form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <div class=\"actions\"><button class=\"danger\" name=\"action\" value=\"opt_out\">{}</button></div></form>",
        t("entry-heading"),
        escape(
            &s.messages
                .format(lang, "entry-status", &[("status", &status)])
        ),
        t("optout-heading"),
        t("optout-body"),
        escape(csrf),
        t("optout-confirm"),
    );
    layout::public_page(
        s,
        lang,
        &s.t(lang, "entry-heading"),
        &body,
        "/manage/entry",
        s.map_scripts(),
    )
}

/// What staff did with the owner's entry, as the owner is told it: the days their contact
/// was given to an officer and the days they were asked for footage (never the case).
#[derive(Debug, Default)]
struct Uses {
    /// Whether the department shows this at all.
    shown: bool,
    disclosed: Vec<NaiveDate>,
    asked: Vec<NaiveDate>,
}

async fn uses_of(
    s: &PublicSettings,
    client: &impl tokio_postgres::GenericClient,
    id: i64,
) -> Result<Uses, Refusal> {
    if !s.department.owner_notices {
        return Ok(Uses::default());
    }
    Ok(Uses {
        shown: true,
        disclosed: footage_requests::disclosed_on(client, id)
            .await
            .map_err(Refusal::unavailable)?,
        asked: footage_requests::asked_on(client, id)
            .await
            .map_err(Refusal::unavailable)?,
    })
}

fn uses_section(s: &PublicSettings, lang: Language, uses: &Uses) -> String {
    if !uses.shown {
        return String::new();
    }
    let line = |id: &str, day: &NaiveDate| {
        let date = day.format("%Y-%m-%d").to_string();
        format!(
            "<li>{}</li>",
            escape(&s.messages.format(lang, id, &[("date", &date)]))
        )
    };
    let mut items: Vec<(NaiveDate, String)> = uses
        .disclosed
        .iter()
        .map(|d| (*d, line("entry-use-disclosed", d)))
        .chain(uses.asked.iter().map(|d| (*d, line("entry-use-asked", d))))
        .collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    let list = if items.is_empty() {
        format!("<p>{}</p>", escape(&s.t(lang, "entry-use-none")))
    } else {
        format!(
            "<ul class=\"uses\">{}</ul>",
            items.into_iter().map(|(_, li)| li).collect::<String>()
        )
    };
    format!(
        "<h2>{}</h2><p>{}</p>{list}",
        escape(&s.t(lang, "entry-uses-heading")),
        escape(&s.t(lang, "entry-uses-intro"))
    )
}

/// The owner session of the request's cookie and its registration; `None` when there is no
/// cookie or the session has ended.
async fn owner_session(
    state: &PublicState,
    headers: &HeaderMap,
) -> Result<Option<(String, i64)>, Refusal> {
    let Some(token) = cookie(headers, OWNER_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let client = state.db.client().await.map_err(Refusal::unavailable)?;
    let id = registrations::session_registration(&**client, &token)
        .await
        .map_err(Refusal::unavailable)?;
    Ok(id.map(|id| (token, id)))
}

/// The owner's registration; a registration gone since the session opened ends the session.
async fn load_owned(
    client: &impl tokio_postgres::GenericClient,
    keys: &canvass_model::contact_seal::ContactKeyRing,
    id: i64,
) -> Result<OwnedRegistration, Refusal> {
    registrations::load(client, keys, id)
        .await
        .map_err(Refusal::unavailable)?
        .ok_or_else(session_ended)
}

fn session_ended() -> Refusal {
    Refusal::new(StatusCode::FORBIDDEN, "the owner session has ended")
}

/// `GET /manage/entry`: the owner's registration, editable.
pub(crate) async fn entry(
    State(state): State<PublicState>,
    PageLanguage {
        language: lang,
        remember,
    }: PageLanguage,
    headers: HeaderMap,
) -> Response {
    let shown = async {
        let (session, id) = owner_session(&state, &headers)
            .await?
            .ok_or_else(session_ended)?;
        let client = state.db.client().await.map_err(Refusal::unavailable)?;
        let owned = load_owned(&**client, &state.contact_keys.ring(), id).await?;
        let uses = uses_of(&state.settings, &**client, id).await?;
        let input = input_from(&owned.details);
        Ok(entry_page(
            &state.settings,
            lang,
            OwnerView {
                owned: &owned,
                uses: &uses,
            },
            &input,
            &Feedback::default(),
            &session_csrf(&session),
            None,
        ))
    }
    .await;
    match shown {
        Ok(page) => html(StatusCode::OK, page, lang, remember),
        Err(refusal) => refuse(&state.settings, lang, refusal, "/manage", false),
    }
}

/// `POST /manage/entry`: save, add or remove a camera, pause or resume, opt out.
pub(crate) async fn entry_action(
    State(state): State<PublicState>,
    PageLanguage { language: lang, .. }: PageLanguage,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let s = &state.settings;
    let refused = |refusal| refuse(s, lang, refusal, "/manage", false);
    let (session, id) = match owner_session(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return refused(session_ended()),
        Err(refusal) => return refused(refusal),
    };
    let csrf = session_csrf(&session);
    let keys = state.contact_keys.ring();
    let mut client = match state.db.client().await {
        Ok(c) => c,
        Err(e) => return refused(Refusal::unavailable(e)),
    };
    let owned = match load_owned(&**client, &keys, id).await {
        Ok(owned) => owned,
        Err(refusal) => return refused(refusal),
    };
    let uses = match uses_of(s, &**client, id).await {
        Ok(uses) => uses,
        Err(refusal) => return refused(refusal),
    };
    let show = |status,
                input: &SubmissionInput,
                feedback: Feedback,
                notice: Option<String>,
                owned: &OwnedRegistration| {
        let view = OwnerView { owned, uses: &uses };
        let page = entry_page(s, lang, view, input, &feedback, &csrf, notice.as_deref());
        html(status, page, lang, false)
    };
    let Some(bytes) = read_form(body).await else {
        let feedback = Feedback::banner(s.t(lang, "problem-too-large"));
        return show(
            StatusCode::PAYLOAD_TOO_LARGE,
            &input_from(&owned.details),
            feedback,
            None,
            &owned,
        );
    };
    let mut posted = form::parse(&bytes);
    if posted.csrf.is_empty() || posted.csrf != csrf {
        let feedback = Feedback::banner(s.t(lang, "problem-expired-form"));
        let input = if posted.input.email.is_empty() {
            input_from(&owned.details)
        } else {
            posted.input
        };
        return show(StatusCode::FORBIDDEN, &input, feedback, None, &owned);
    }
    match posted.action {
        Some(Action::AddCamera) => {
            posted.input.cameras.push(CameraInput::default());
            show(
                StatusCode::OK,
                &posted.input,
                Feedback::default(),
                None,
                &owned,
            )
        }
        Some(Action::RemoveCamera(i))
            if i < posted.input.cameras.len() && posted.input.cameras.len() > 1 =>
        {
            posted.input.cameras.remove(i);
            show(
                StatusCode::OK,
                &posted.input,
                Feedback::default(),
                None,
                &owned,
            )
        }
        Some(Action::Pause | Action::Resume) => {
            let pause = posted.action == Some(Action::Pause);
            if let Err(e) = registrations::set_paused(&**client, id, pause).await {
                return refused(Refusal::unavailable(e));
            }
            let owned = match load_owned(&**client, &keys, id).await {
                Ok(owned) => owned,
                Err(refusal) => return refused(refusal),
            };
            let notice = s.t(
                lang,
                if pause {
                    "entry-paused"
                } else {
                    "entry-resumed"
                },
            );
            show(
                StatusCode::OK,
                &input_from(&owned.details),
                Feedback::default(),
                Some(notice),
                &owned,
            )
        }
        Some(Action::OptOut) => match opt_out(&state, &mut client, &keys, id).await {
            Ok(()) => {
                let mut response = message(
                    s,
                    lang,
                    StatusCode::OK,
                    ("optout-done-heading", "optout-done-body"),
                    "/manage",
                    false,
                );
                set_cookie(
                    &mut response,
                    (OWNER_COOKIE, ""),
                    "/manage",
                    Some(0),
                    SameSite::Lax,
                    state.secure_cookies,
                );
                response
            }
            Err(e) => {
                tracing::warn!(error = %e, "opt-out failed");
                let feedback = Feedback::banner(s.t(lang, "problem-unavailable"));
                show(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &input_from(&owned.details),
                    feedback,
                    None,
                    &owned,
                )
            }
        },
        _ => {
            // Consent was given at registration; the edit form does not ask again.
            posted.input.consent = true;
            let registration = match posted.input.validate() {
                Ok(r) => r,
                Err(errors) => {
                    let feedback = Feedback::from_errors(s, lang, &errors);
                    return show(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &posted.input,
                        feedback,
                        None,
                        &owned,
                    );
                }
            };
            let unchanged_place =
                registration.pin.is_none() && registration.address == owned.details.address;
            let location = if unchanged_place {
                owned.location
            } else {
                match place(&**client, &registration.address, registration.pin).await {
                    Ok(Placed::At(at)) => at,
                    Ok(problem) => {
                        let feedback = location_feedback(s, lang, problem);
                        return show(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            &posted.input,
                            feedback,
                            None,
                            &owned,
                        );
                    }
                    Err(e) => return refused(Refusal::unavailable(e)),
                }
            };
            match registrations::update(&mut client, keys.current(), id, &registration, location)
                .await
            {
                Ok(()) => {
                    let owned = match load_owned(&**client, &keys, id).await {
                        Ok(owned) => owned,
                        Err(refusal) => return refused(refusal),
                    };
                    let notice = s.t(lang, "entry-saved");
                    show(
                        StatusCode::OK,
                        &input_from(&owned.details),
                        Feedback::default(),
                        Some(notice),
                        &owned,
                    )
                }
                Err(e) => {
                    tracing::warn!(error = %e, "owner update failed");
                    let feedback = Feedback::banner(s.t(lang, "problem-unavailable"));
                    show(
                        StatusCode::SERVICE_UNAVAILABLE,
                        &posted.input,
                        feedback,
                        None,
                        &owned,
                    )
                }
            }
        }
    }
}
