//! People signing in: sessions, CSRF, lock-out, rate limits, sign-out, through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, canvass, run_with_stdin, stderr_of};
use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::redirect::Policy;

const PASSWORD: &str = "correct horse battery staple";

fn add_user(url: &str, name: &str, role: &str) {
    let args = [
        "user",
        "add",
        name,
        "--role",
        role,
        "--password-stdin",
        "--database-url",
        url,
    ];
    let output = run_with_stdin(&args, format!("{PASSWORD}\n").as_bytes());
    assert!(output.status.success(), "{}", stderr_of(&output));
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            (
                v[name.len() + 1..].split(';').next().unwrap().to_owned(),
                v.to_owned(),
            )
        })
}

struct Browser {
    base: String,
    client: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        Browser {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
    }

    async fn get(&self, path: &str, cookies: &str, accept: &str) -> Answer {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", cookies)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    async fn post(&self, path: &str, cookies: &str, form: &str) -> Answer {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", cookies)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .unwrap();
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    /// Loads the login page: (csrf cookie, csrf form value).
    async fn login_form(&self) -> (String, String) {
        let page = self.get("/login", "", "text/html").await;
        assert_eq!(page.status, 200);
        let (cookie, set) = cookie_value(&page.headers, "canvass_login_csrf").expect("csrf cookie");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let field = csrf_field(&page.body);
        assert!(
            page.body.contains("<label for=\"username\">")
                && page.body.contains("<label for=\"password\">")
        );
        (format!("canvass_login_csrf={cookie}"), field)
    }

    async fn login(&self, user: &str, password: &str) -> Answer {
        self.login_with_code(user, password, "").await
    }

    async fn login_with_code(&self, user: &str, password: &str, code: &str) -> Answer {
        let (cookie, csrf) = self.login_form().await;
        let form = format!(
            "username={}&password={}&code={code}&csrf={csrf}",
            urlencode(user),
            urlencode(password)
        );
        self.post("/login", &cookie, &form).await
    }
}

/// The value of the hidden `csrf` field of a page's form.
fn csrf_field(body: &str) -> String {
    let after = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .expect("csrf field");
    after.split('"').next().unwrap_or_default().to_owned()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn start(extra: &[&str]) -> (TestDatabase, Server, tempfile::TempDir) {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (url, data) = (db.url.clone(), dir.path().to_str().unwrap().to_owned());
    let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    let server = tokio::task::spawn_blocking(move || {
        add_user(&url, "ana.garcia", "officer");
        add_user(&url, "boss", "admin");
        let mut args = vec!["--database-url", url.as_str(), "--data-dir", data.as_str()];
        args.extend(extra.iter().map(String::as_str));
        Server::start(&args)
    })
    .await
    .unwrap();
    (db, server, dir)
}

async fn actions(db: &TestDatabase) -> Vec<String> {
    let client = db.connect().await.unwrap();
    client
        .query(
            "SELECT action FROM audit_log WHERE action LIKE 'log%' ORDER BY seq",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn sign_in_use_and_sign_out() {
    let (db, mut server, _dir) = start(&["--login-attempts-per-minute", "1000"]).await;
    let browser = Browser::new(&server.base);

    let signed_in = browser.login("Ana.Garcia", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.headers["location"], "/account");
    let (token, set) = cookie_value(&signed_in.headers, "canvass_session").unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let session = format!("canvass_session={token}");

    let account = browser.get("/account", &session, "text/html").await;
    assert_eq!(account.status, 200);
    assert!(
        account.body.contains("ana.garcia") && account.body.contains("officer"),
        "{}",
        account.body
    );
    assert_eq!(account.headers["cache-control"], "private, no-store");
    let csrf = csrf_field(&account.body);
    let client = db.connect().await.unwrap();
    let stored: Vec<u8> = client
        .query_one("SELECT id_hash FROM sessions", &[])
        .await
        .unwrap()
        .get(0);
    assert_ne!(
        stored,
        token.as_bytes(),
        "only a hash of the session id is stored"
    );

    // An officer is not an administrator.
    assert_eq!(
        browser
            .get("/admin/audit", &session, "text/html")
            .await
            .status,
        403
    );
    // Tampered or unknown cookies: a browser is sent to the login page, a program gets 401.
    let tampered = format!("canvass_session={}x", token);
    assert_eq!(
        browser
            .get("/account", &tampered, "application/json")
            .await
            .status,
        401
    );
    let redirected = browser.get("/account", &tampered, "text/html").await;
    assert_eq!(
        (
            redirected.status,
            redirected.headers["location"].to_str().unwrap()
        ),
        (303, "/login")
    );

    // Sign-out needs the session's CSRF token.
    assert_eq!(
        browser
            .post("/logout", &session, "csrf=forged")
            .await
            .status,
        403
    );
    assert_eq!(browser.post("/logout", &session, "").await.status, 403);
    let out = browser
        .post("/logout", &session, &format!("csrf={csrf}"))
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(
        browser
            .get("/account", &session, "application/json")
            .await
            .status,
        401,
        "the session is gone"
    );

    // An administrator sees the trail, filtered.
    let boss = browser.login("boss", PASSWORD).await;
    let (boss_token, _) = cookie_value(&boss.headers, "canvass_session").unwrap();
    let boss_session = format!("canvass_session={boss_token}");
    let trail = browser
        .get("/admin/audit?actor=ana", &boss_session, "text/html")
        .await;
    assert_eq!(trail.status, 200);
    assert!(
        trail.body.contains("login.success") && trail.body.contains("logout"),
        "{}",
        trail.body
    );
    assert!(!trail.body.contains("boss</td>"), "filtered by actor");
    assert_eq!(
        browser
            .get("/admin/audit?from=yesterday", &boss_session, "text/html")
            .await
            .status,
        400
    );
    let injected = browser
        .get(
            "/admin/audit?actor=%3Cscript%3E&case=%27%20OR%201%3D1--",
            &boss_session,
            "text/html",
        )
        .await;
    assert_eq!(injected.status, 200);
    assert!(!injected.body.contains("<script>") && injected.body.contains("&lt;script&gt;"));

    // An idle session ends.
    client
        .execute(
            "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        browser
            .get("/account", &boss_session, "application/json")
            .await
            .status,
        401
    );

    assert_eq!(
        actions(&db).await,
        vec!["login.success", "logout", "login.success"]
    );
    assert!(
        !server.stderr_text().contains(PASSWORD),
        "no password in the logs"
    );
}

#[tokio::test]
async fn lock_out_after_five_failures_and_bad_forms() {
    let (db, server, _dir) = start(&["--login-attempts-per-minute", "1000"]).await;
    let browser = Browser::new(&server.base);
    for _ in 0..5 {
        let wrong = browser.login("ana.garcia", "not the password").await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.body.contains("Wrong user name or password"));
        assert!(
            wrong.body.contains("value=\"ana.garcia\""),
            "the form keeps the user name"
        );
    }
    let locked = browser.login("ana.garcia", PASSWORD).await;
    assert_eq!(locked.status, 401);
    assert!(locked.body.contains("locked"), "{}", locked.body);
    let unknown = browser.login("nobody", PASSWORD).await;
    assert_eq!(unknown.status, 401);
    assert!(
        unknown.body.contains("Wrong user name or password"),
        "unknown users look like wrong passwords"
    );

    // Reset by an administrator unlocks.
    let reset = [
        "user",
        "reset-password",
        "ana.garcia",
        "--password-stdin",
        "--database-url",
        &db.url,
    ];
    assert!(
        run_with_stdin(&reset, format!("{PASSWORD}\n").as_bytes())
            .status
            .success()
    );
    assert_eq!(browser.login("ana.garcia", PASSWORD).await.status, 303);

    // Disabled accounts cannot sign in; their sessions stop working.
    let session = browser.login("boss", PASSWORD).await;
    let (token, _) = cookie_value(&session.headers, "canvass_session").unwrap();
    let output = canvass()
        .args(["user", "disable", "boss", "--database-url", &db.url])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        browser
            .get(
                "/account",
                &format!("canvass_session={token}"),
                "application/json"
            )
            .await
            .status,
        401
    );
    let disabled = browser.login("boss", PASSWORD).await;
    assert_eq!(disabled.status, 403);

    // Forms without or with a forged CSRF token, and hostile fields.
    let (cookie, csrf) = browser.login_form().await;
    let form = |user: &str, password: &str, token: &str| {
        format!(
            "username={}&password={}&csrf={token}",
            urlencode(user),
            urlencode(password)
        )
    };
    assert_eq!(
        browser
            .post("/login", &cookie, &form("ana.garcia", PASSWORD, ""))
            .await
            .status,
        403
    );
    assert_eq!(
        browser
            .post("/login", "", &form("ana.garcia", PASSWORD, &csrf))
            .await
            .status,
        403
    );
    assert_eq!(
        browser
            .post("/login", &cookie, &form("ana.garcia", PASSWORD, "forged"))
            .await
            .status,
        403
    );
    let statuses = [
        browser
            .post(
                "/login",
                &cookie,
                &form(&"a".repeat(100_000), PASSWORD, &csrf),
            )
            .await
            .status,
        browser
            .post("/login", &cookie, &form("ana.garcia", "", &csrf))
            .await
            .status,
        browser
            .post(
                "/login",
                &cookie,
                &form("x' OR '1'='1", "' OR 1=1--", &csrf),
            )
            .await
            .status,
        browser
            .post(
                "/login",
                &cookie,
                &format!("username=%FF%FE&password=x&csrf={csrf}"),
            )
            .await
            .status,
        browser.post("/login", &cookie, "%%%").await.status,
    ];
    for status in statuses {
        assert!((400..500).contains(&status), "{statuses:?}");
    }
    // A 2 MiB body: curl reads the early answer that a client still sending would miss.
    let body_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        body_file.path(),
        format!("username=a&csrf={csrf}&password={}", "p".repeat(2 << 20)),
    )
    .unwrap();
    let curl = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            &format!("cookie: {cookie}"),
        ])
        .args([
            "-H",
            "content-type: application/x-www-form-urlencoded",
            "--data-binary",
        ])
        .arg(format!("@{}", body_file.path().display()))
        .arg(format!("{}/login", server.base))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "413");
    let users: i64 = db
        .connect()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(users, 2);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let (_db, server, _dir) = start(&["--login-attempts-per-minute", "3"]).await;
    let browser = Browser::new(&server.base);
    for _ in 0..3 {
        assert_eq!(
            browser.login("ana.garcia", "wrong password!").await.status,
            401
        );
    }
    let limited = browser.login("ana.garcia", PASSWORD).await;
    assert_eq!(limited.status, 429);
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert!(limited.body.contains("Too many sign-in attempts"));
}

fn session_of(answer: &Answer) -> String {
    let (token, _) = cookie_value(&answer.headers, "canvass_session").expect("session cookie");
    format!("canvass_session={token}")
}

fn code_now(secret: &[u8]) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{:06}", canvass_model::totp::code_at(secret, now))
}

#[tokio::test]
async fn two_factor_sign_in() {
    let (db, server, _dir) = start(&[
        "--login-attempts-per-minute",
        "1000",
        "--require-totp-roles",
        "admin",
    ])
    .await;
    let browser = Browser::new(&server.base);

    // An administrator without an authenticator is sent to set one up and reaches nothing else.
    let first = browser.login("boss", PASSWORD).await;
    assert_eq!(
        (first.status, first.headers["location"].to_str().unwrap()),
        (303, "/account/totp")
    );
    let session = session_of(&first);
    let refused = browser.get("/admin/audit", &session, "text/html").await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("/account/totp"), "{}", refused.body);
    let setup = browser.get("/account/totp", &session, "text/html").await;
    assert_eq!(setup.status, 200);
    assert!(
        setup.body.contains("<svg") && setup.body.contains("QR code"),
        "a QR code is shown"
    );
    let secret_text = setup
        .body
        .split("<code id=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let secret = canvass_model::totp::from_base32(&secret_text).unwrap();
    assert_eq!(secret.len(), 20);
    let csrf = csrf_field(&setup.body);
    let stored: Vec<u8> = db
        .connect()
        .await
        .unwrap()
        .query_one(
            "SELECT totp_pending_sealed FROM users WHERE username = 'boss'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        !stored.windows(8).any(|w| w == &secret_text.as_bytes()[..8]),
        "the secret is sealed"
    );

    let wrong = browser
        .post(
            "/account/totp",
            &session,
            &format!("csrf={csrf}&code=000000"),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("not right"));
    assert_eq!(
        browser
            .post(
                "/account/totp",
                &session,
                &format!("csrf=forged&code={}", code_now(&secret))
            )
            .await
            .status,
        403
    );
    let enabled = browser
        .post(
            "/account/totp",
            &session,
            &format!("csrf={csrf}&code={}", code_now(&secret)),
        )
        .await;
    assert_eq!(enabled.status, 303, "{}", enabled.body);
    assert_eq!(
        browser
            .get("/admin/audit", &session, "text/html")
            .await
            .status,
        200,
        "the restriction is lifted"
    );

    // From now on the code is needed.
    let without = browser.login("boss", PASSWORD).await;
    assert_eq!(without.status, 401);
    assert!(
        without.body.contains("authentication code"),
        "{}",
        without.body
    );
    assert_eq!(
        browser
            .login_with_code("boss", PASSWORD, "123456")
            .await
            .status,
        401
    );
    let with = browser
        .login_with_code("boss", PASSWORD, &code_now(&secret))
        .await;
    assert_eq!(
        (with.status, with.headers["location"].to_str().unwrap()),
        (303, "/account")
    );

    // Roles without the requirement sign in with a password alone.
    let officer = browser.login("ana.garcia", PASSWORD).await;
    assert_eq!(
        (
            officer.status,
            officer.headers["location"].to_str().unwrap()
        ),
        (303, "/account")
    );

    // A lost phone: an administrator resets it, and set-up starts again.
    let reset = canvass()
        .args(["user", "reset-totp", "boss", "--database-url", &db.url])
        .output()
        .unwrap();
    assert!(reset.status.success(), "{}", stderr_of(&reset));
    let again = browser.login("boss", PASSWORD).await;
    assert_eq!(again.headers["location"].to_str().unwrap(), "/account/totp");

    let client = db.connect().await.unwrap();
    let actions: Vec<String> = client
        .query("SELECT action FROM audit_log WHERE action IN ('totp.enable', 'user.totp_reset') ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(actions, vec!["totp.enable", "user.totp_reset"]);
}
