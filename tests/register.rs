//! Public registration through the real binary over HTTP: refusals in the page's language with
//! nothing stored and the other values kept, double opt-in through the mail outbox, duplicates
//! answered with the manage link, the honeypot, and the rate limit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, outbox_texts, wait_outbox};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

struct Setup {
    db: TestDatabase,
    server: Server,
    outbox: PathBuf,
    address: String,
    _dir: tempfile::TempDir,
}

async fn setup(extra: &[&str]) -> Setup {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (url, data) = (db.url.clone(), dir.path().to_str().unwrap().to_owned());
    let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    let server = tokio::task::spawn_blocking(move || {
        let mut args = vec![
            "--database-url",
            &url,
            "--data-dir",
            &data,
            "--demo",
            "--demo-cameras",
            "300",
        ];
        args.extend(extra.iter().map(String::as_str));
        let server = Server::start(&args);
        server.wait_ready();
        server
    })
    .await
    .unwrap();
    let client = db.connect().await.unwrap();
    let address: String = client
        .query_one(
            "SELECT number || ' ' || street FROM address_points ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    Setup {
        outbox: dir.path().join("outbox"),
        db,
        server,
        address,
        _dir: dir,
    }
}

/// A form session: the CSRF cookie and token of a fresh `GET /register`.
struct Form {
    cookie: String,
    csrf: String,
}

async fn open_form(base: &str, lang: &str) -> Form {
    let response = reqwest::get(format!("{base}/register?lang={lang}"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie(response.headers(), "canvass_form_csrf");
    let page = response.text().await.unwrap();
    assert!(page.contains(&format!("<html lang=\"{lang}\"")));
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    Form { cookie, csrf }
}

fn set_cookie(headers: &HeaderMap, name: &str) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned()
}

/// A good registration as form fields.
fn fields(address: &str, email: &str) -> Vec<(String, String)> {
    [
        ("name", "Ana López"),
        ("email", email),
        ("phone", "(925) 555-0101"),
        ("contact_method", "email"),
        ("language", "es"),
        ("kind", "residence"),
        ("address", address),
        ("cameras", "1"),
        ("camera-0-placement", "exterior"),
        ("camera-0-views", "street"),
        ("camera-0-views", "driveway"),
        ("camera-0-facing", "NE"),
        ("camera-0-retention_days", "30"),
        ("camera-0-recording_mode", "motion"),
        ("camera-0-can_export", "yes"),
        ("consent", "yes"),
        ("action", "submit"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn set(fields: &mut Vec<(String, String)>, key: &str, value: &str) {
    fields.retain(|(k, _)| k != key);
    fields.push((key.to_owned(), value.to_owned()));
}

async fn post(
    base: &str,
    lang: &str,
    form: Option<&Form>,
    fields: &[(String, String)],
) -> (StatusCode, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .extend_pairs(form.map(|f| ("csrf", f.csrf.as_str())))
        .finish();
    let mut request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/register?lang={lang}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(form) = form {
        request = request.header("cookie", format!("canvass_form_csrf={}", form.cookie));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn web_registrations(db: &TestDatabase) -> i64 {
    let client = db.connect().await.unwrap();
    client
        .query_one(
            "SELECT count(*) FROM registrations WHERE source = 'web'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

fn link(text: &str, path: &str) -> String {
    let start = text.find(&format!("{path}/")).unwrap();
    text[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn refusals_are_in_the_page_language_store_nothing_and_keep_the_form() {
    let s = setup(&[]).await;
    let base = &s.server.base;
    let form = open_form(base, "es").await;
    let many: Vec<(String, String)> = {
        let mut f = fields(&s.address, "ana@example.org");
        set(&mut f, "cameras", "21");
        for i in 1..21 {
            f.push((format!("camera-{i}-placement"), "exterior".into()));
            f.push((format!("camera-{i}-views"), "street".into()));
            f.push((format!("camera-{i}-recording_mode"), "motion".into()));
        }
        f
    };
    let huge = "x".repeat(2 << 20);
    type Case = (
        &'static str,
        Vec<(String, String)>,
        StatusCode,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "outside",
            {
                let mut f = fields(&s.address, "ana@example.org");
                set(&mut f, "latitude", "40.0");
                set(&mut f, "longitude", "-100.0");
                f
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "está fuera de Demo City",
        ),
        (
            "phone of letters",
            {
                let mut f = fields(&s.address, "ana@example.org");
                set(&mut f, "phone", "call me maybe");
                f
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "Escriba un teléfono con su código de área",
        ),
        (
            "e-mail without @",
            fields(&s.address, "ana.example.org"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Escriba un correo como nombre@ejemplo.org",
        ),
        (
            "21 cameras",
            many,
            StatusCode::UNPROCESSABLE_ENTITY,
            "como máximo 20 cámaras",
        ),
        (
            "facing 361",
            {
                let mut f = fields(&s.address, "ana@example.org");
                set(&mut f, "camera-0-facing", "361");
                f
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "Elija una dirección, o escriba grados de 0 a 360",
        ),
        (
            "2 MB body",
            {
                let mut f = fields(&s.address, "ana@example.org");
                set(&mut f, "camera-0-notes", &huge);
                f
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "Use como máximo 1000 caracteres",
        ),
        (
            "script in the notes",
            {
                let mut f = fields(&s.address, "ana@example.org");
                set(&mut f, "camera-0-notes", "<script>alert('x')</script>");
                f
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "No use los caracteres &lt; ni &gt;",
        ),
    ];
    for (what, fields, status, message) in cases {
        let (got, page) = post(base, "es", Some(&form), &fields).await;
        assert_eq!(got, status, "{what}");
        assert!(
            page.contains(message),
            "{what}: {}",
            &page[..page.len().min(3000)]
        );
        assert!(
            page.contains("value=\"Ana López\""),
            "{what}: the name is kept"
        );
        assert!(page.contains("<html lang=\"es\""), "{what}");
        assert!(!page.contains("<script>alert"), "{what}: markup echoed");
        assert_eq!(web_registrations(&s.db).await, 0, "{what}: stored");
    }
    // No CSRF token: refused, kept, nothing stored.
    let (got, page) = post(base, "es", None, &fields(&s.address, "ana@example.org")).await;
    assert_eq!(got, StatusCode::FORBIDDEN);
    assert!(page.contains("Este formulario venció"));
    assert!(page.contains("value=\"Ana López\""));
    // A body beyond anything a form sends is refused whole, still in the page's language.
    let body = vec![b'a'; 5 << 20];
    let response = reqwest::Client::new()
        .post(format!("{base}/register?lang=es"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Son demasiados datos")
        );
    }
    assert_eq!(web_registrations(&s.db).await, 0);
    assert!(
        outbox_texts(&s.outbox).is_empty(),
        "no mail for refused forms"
    );
}

#[tokio::test]
async fn double_opt_in_duplicates_and_the_honeypot() {
    let s = setup(&[]).await;
    let base = &s.server.base;
    let form = open_form(base, "en").await;
    // A bot fills the honeypot: it is told all went well, and nothing is kept.
    let mut bot = fields(&s.address, "bot@example.org");
    set(&mut bot, "website", "http://spam.example");
    let (status, _) = post(base, "en", Some(&form), &bot).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(web_registrations(&s.db).await, 0);

    let (status, _) = post(
        base,
        "en",
        Some(&form),
        &fields(&s.address, " Ana@Example.org "),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let client = s.db.connect().await.unwrap();
    let row = client
        .query_one(
            "SELECT id, status, language FROM registrations WHERE source = 'web'",
            &[],
        )
        .await
        .unwrap();
    let (id, status, language): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((status.as_str(), language.as_str()), ("pending", "es"));
    let cameras: i64 = client
        .query_one(
            "SELECT count(*) FROM cameras WHERE registration_id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(cameras, 1);
    // Not on any map while pending: the change feed has nothing for it.
    let feed: i64 = client
        .query_one("SELECT count(*) FROM changes ch JOIN cameras c ON c.id = ch.camera_id WHERE c.registration_id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(feed, 0);

    let mails = wait_outbox(&s.outbox, 1);
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("Subject: Confirme el registro de sus"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("Hola, Ana López:"), "{}", mails[0]);
    assert!(mails[0].contains("To: ana@example.org"));
    let confirm = link(&mails[0], &format!("{base}/confirm"));
    let page = reqwest::get(&confirm).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Gracias, ya está registrado")
    );
    let status: String = client
        .query_one("SELECT status FROM registrations WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "active");
    // The link works once.
    assert_eq!(
        reqwest::get(&confirm).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // The same address again: no second entry, the manage link by mail instead.
    let (status, _) = post(
        base,
        "en",
        Some(&form),
        &fields(&s.address, "ana@example.org"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(web_registrations(&s.db).await, 1);
    let mails = wait_outbox(&s.outbox, 2);
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|m| m.contains(&format!("{base}/manage/"))));
}

#[tokio::test]
async fn the_public_pages_explain_the_programme_in_both_languages() {
    let s = setup(&["--form-posts-per-minute", "2"]).await;
    let base = &s.server.base;
    for (lang, words) in [
        (
            "en",
            [
                "It is not live access",
                "missing",
                "dementia",
                "once a year",
                "Demo City Police Department",
            ],
        ),
        (
            "es",
            [
                "No es acceso en vivo",
                "desaparece un niño",
                "demencia",
                "una vez al año",
                "Demo City Police Department",
            ],
        ),
    ] {
        let page = reqwest::get(format!("{base}/?lang={lang}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for word in words {
            assert!(page.contains(word), "{lang}: {word}");
        }
    }
    // The browser's language decides when nothing else does.
    let page = reqwest::Client::new()
        .get(format!("{base}/register"))
        .header("accept-language", "es-MX,es;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Registre sus cámaras"));
    // Never asks for camera logins, serials or ID numbers.
    for word in ["password", "serial", "contraseña", "social security"] {
        assert!(!page.to_lowercase().contains(word), "{word}");
    }
    // Per-address rate limit on form posts.
    let form = open_form(base, "en").await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let mut bad = fields(&s.address, "x@example.org");
        set(&mut bad, "phone", "letters");
        statuses.push(post(base, "en", Some(&form), &bad).await.0);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

/// A client that keeps no cookies and follows no redirects: every step says what it sends.
fn plain() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn owners_manage_with_single_use_links_pause_and_opt_out() {
    let s = setup(&[]).await;
    let base = &s.server.base;
    let form = open_form(base, "en").await;
    let (status, _) = post(
        base,
        "en",
        Some(&form),
        &fields(&s.address, "owner@example.org"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let confirm = link(&wait_outbox(&s.outbox, 1)[0], &format!("{base}/confirm"));
    assert_eq!(
        reqwest::get(&confirm).await.unwrap().status(),
        StatusCode::OK
    );

    // Asking for a link: the same answer for a registered and an unknown address.
    let ask = |email: &'static str| {
        let form = &form;
        async move {
            let body = form_urlencoded::Serializer::new(String::new())
                .append_pair("email", email)
                .append_pair("csrf", &form.csrf)
                .finish();
            let response = plain()
                .post(format!("{base}/manage?lang=en"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("canvass_form_csrf={}", form.cookie))
                .body(body)
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (known, known_page) = ask("Owner@Example.org").await;
    let (unknown, unknown_page) = ask("nobody@example.org").await;
    assert_eq!((known, unknown), (StatusCode::OK, StatusCode::OK));
    assert!(known_page.contains("If that address is registered"));
    assert_eq!(known_page, unknown_page, "the answer reveals nothing");
    let mails = wait_outbox(&s.outbox, 2);
    assert_eq!(mails.len(), 2, "one confirmation, one manage link");
    let manage = link(
        mails.iter().find(|m| m.contains("/manage/")).unwrap(),
        &format!("{base}/manage"),
    );

    // The link opens a session once.
    let opened = plain().get(&manage).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let session = set_cookie(opened.headers(), "canvass_owner");
    assert_eq!(
        plain().get(&manage).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let entry = |body: Option<String>| {
        let session = session.clone();
        async move {
            let request = match body {
                Some(body) => plain()
                    .post(format!("{base}/manage/entry?lang=en"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
                None => plain().get(format!("{base}/manage/entry?lang=en")),
            };
            let response = request
                .header("cookie", format!("canvass_owner={session}"))
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, page) = entry(None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"Ana López\"") && page.contains("value=\"owner@example.org\""));
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let client = s.db.connect().await.unwrap();
    let status_of = || async {
        client
            .query_one("SELECT status FROM registrations WHERE source = 'web'", &[])
            .await
            .unwrap()
            .get::<_, String>(0)
    };
    // Without the session's token nothing happens.
    let (status, _) = entry(Some("action=pause&csrf=forged".into())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of().await, "active");
    let (status, page) = entry(Some(format!("action=pause&csrf={csrf}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Your registration is paused"));
    assert_eq!(status_of().await, "paused");
    let (_, page) = entry(Some(format!("action=resume&csrf={csrf}"))).await;
    assert!(page.contains("active again"));
    assert_eq!(status_of().await, "active");
    // An edit keeps what is valid and refuses what is not, as the registration form does.
    let mut edit = fields(&s.address, "owner@example.org");
    set(&mut edit, "camera-0-retention_days", "99999");
    edit.push(("csrf".into(), csrf.clone()));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(edit.iter())
        .finish();
    let (status, page) = entry(Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("from 0 to 3650"));

    let (status, page) = entry(Some(format!("action=opt_out&csrf={csrf}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Your registration is removed"));
    assert_eq!(status_of().await, "opted_out");
    let left: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM cameras c JOIN registrations r \
             ON r.id = c.registration_id WHERE r.source = 'web') + (SELECT count(*) FROM owner_tokens t \
             JOIN registrations r ON r.id = t.registration_id WHERE r.source = 'web')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // The demo's own owners keep their contacts; count only what belonged to this owner.
    let demo_contacts: i64 = client
        .query_one("SELECT count(*) FROM contacts c JOIN registrations r ON r.id = c.registration_id WHERE r.source = 'demo'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        left, demo_contacts,
        "no contact, camera or link of the owner is left"
    );
    let receipt = wait_outbox(&s.outbox, 3)
        .into_iter()
        .find(|m| m.contains("Como lo pidió, su registro") && m.contains("To: owner@example.org"));
    assert!(receipt.is_some(), "an opt-out receipt was mailed");
    // The session is over.
    assert_eq!(entry(None).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unconfirmed_registrations_are_purged_after_seven_days() {
    let s = setup(&[]).await;
    let base = &s.server.base;
    let form = open_form(base, "en").await;
    for email in ["old@example.org", "new@example.org"] {
        let (status, _) = post(base, "en", Some(&form), &fields(&s.address, email)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    let client = s.db.connect().await.unwrap();
    client
        .execute(
            "UPDATE registrations SET created_at = now() - interval '8 days' \
              WHERE id = (SELECT min(id) FROM registrations WHERE source = 'web')",
            &[],
        )
        .await
        .unwrap();
    let purged = canvass_db::registrations::purge_unconfirmed(&client)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert_eq!(web_registrations(&s.db).await, 1);
}

/// The public form and `canvass import registrations` share one intake: a consent version the
/// database would refuse stops both commands at start with the same message and exit code,
/// instead of a 503 on every registration.
#[test]
fn serve_and_import_refuse_a_too_long_consent_version_alike() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let long = "v".repeat(65);
    let serve = canvass_e2e::run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--consent-version",
        &long,
        "--data-dir",
        dir,
    ]);
    let import = canvass_e2e::run(&[
        "import",
        "registrations",
        "cameras.csv",
        "--consent-version",
        &long,
        "--data-dir",
        dir,
    ]);
    for output in [&serve, &import] {
        canvass_e2e::assert_clear_error(output, "--consent-version: give 1 to 64 characters");
    }
    assert_eq!(
        canvass_e2e::stderr_of(&serve),
        canvass_e2e::stderr_of(&import)
    );
    assert_eq!(serve.status.code(), import.status.code());
    let bad_url = |command: &[&str]| {
        let mut args = command.to_vec();
        args.extend(["--public-url", "cameras.example", "--data-dir", dir]);
        canvass_e2e::stderr_of(&canvass_e2e::run(&args))
    };
    let serve = bad_url(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(serve.contains("--public-url"), "{serve}");
    assert_eq!(serve, bad_url(&["import", "registrations", "cameras.csv"]));
}
