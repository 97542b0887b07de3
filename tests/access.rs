//! Access control, personal data disclosure, and the audit trail, through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, create_named_key, run, run_with_stdin, stderr_of, stdout_of};

/// Every route and its policy. A new route, or a changed policy, must be written here too.
const EXPECTED_POLICIES: &[(&str, &str)] = &[
    ("/", "Public"),
    ("/account", "Requires(Identify)"),
    ("/account/totp", "Requires(Identify)"),
    ("/admin/audit", "Requires(Administer)"),
    ("/api/v1/canvasses", "Requires(Canvass)"),
    ("/api/v1/canvasses/preview", "Requires(Canvass)"),
    ("/api/v1/canvasses/{id}", "Requires(Canvass)"),
    (
        "/api/v1/canvasses/{id}/cameras/{camera}",
        "Requires(Canvass)",
    ),
    ("/api/v1/canvasses/{id}/requests", "Requires(Canvass)"),
    ("/api/v1/canvasses/{id}/sheet", "Requires(Canvass)"),
    ("/api/v1/changes", "Requires(Feeds)"),
    ("/api/v1/places", "Requires(Canvass)"),
    ("/api/v1/registrations/{id}/contact", "RequiresPii(Canvass)"),
    ("/api/v1/whoami", "Requires(Identify)"),
    ("/confirm/{token}", "Public"),
    ("/healthz", "Public"),
    ("/login", "Public"),
    ("/logout", "Requires(Identify)"),
    ("/manage", "Public"),
    ("/manage/entry", "Public"),
    ("/manage/{token}", "Public"),
    ("/map", "Requires(Canvass)"),
    ("/metrics", "Public"),
    ("/ogc", "Requires(Feeds)"),
    ("/ogc/", "Requires(Feeds)"),
    ("/ogc/api", "Requires(Feeds)"),
    ("/ogc/collections", "Requires(Feeds)"),
    ("/ogc/collections/{collectionId}", "Requires(Feeds)"),
    (
        "/ogc/collections/{collectionId}/download",
        "Requires(Feeds)",
    ),
    ("/ogc/collections/{collectionId}/items", "Requires(Feeds)"),
    (
        "/ogc/collections/{collectionId}/items/{featureId}",
        "Requires(Feeds)",
    ),
    (
        "/ogc/collections/{collectionId}/queryables",
        "Requires(Feeds)",
    ),
    ("/ogc/conformance", "Requires(Feeds)"),
    ("/optout/{token}", "Public"),
    ("/public/tiles/basemap/{z}/{x}/{y}", "Public"),
    ("/readyz", "Public"),
    ("/register", "Public"),
    ("/register/sent", "Public"),
    ("/static/canvass-sheet.css", "Public"),
    ("/static/canvass.css", "Public"),
    ("/static/logo", "Public"),
    ("/static/map.css", "Public"),
    ("/static/map.js", "Public"),
    ("/static/pin-map.js", "Public"),
    ("/static/vendor/maplibre-gl.css", "Public"),
    ("/static/vendor/maplibre-gl.js", "Public"),
    ("/tiles/{layers}/{z}/{x}/{y}", "Requires(ViewMap)"),
    ("/tiles/{tileset}", "Requires(ViewMap)"),
];

/// How the walk calls each route, and what an allowed caller gets (a key has no session to
/// end, so an allowed POST /logout is a 400 from the handler, not the policy).
fn walk_request(path: &str) -> (reqwest::Method, u16) {
    match path {
        "/logout" => (reqwest::Method::POST, 400),
        // TOTP is for people signed in with a password; a key gets a 400 from the handler.
        "/account/totp" => (reqwest::Method::GET, 400),
        // Public owner pages: a made-up link is unknown, and no owner session is open.
        "/confirm/{token}" | "/manage/{token}" | "/optout/{token}" => (reqwest::Method::GET, 404),
        "/manage/entry" => (reqwest::Method::GET, 403),
        // The preview is a POST of JSON; the walk's form body is refused as the wrong type.
        "/api/v1/canvasses/preview" => (reqwest::Method::POST, 415),
        // The address search without an address is refused by name.
        "/api/v1/places" => (reqwest::Method::GET, 400),
        // The walk's database holds no canvass: an allowed caller is told so.
        "/api/v1/canvasses/{id}"
        | "/api/v1/canvasses/{id}/cameras/{camera}"
        | "/api/v1/canvasses/{id}/requests"
        | "/api/v1/canvasses/{id}/sheet" => (reqwest::Method::GET, 404),
        // The walk's server has no logo and no web assets (scripts/web-assets) configured.
        "/static/logo" | "/static/vendor/maplibre-gl.css" | "/static/vendor/maplibre-gl.js" => {
            (reqwest::Method::GET, 404)
        }
        _ => (reqwest::Method::GET, 200),
    }
}

fn get(url: &str, key: Option<&str>) -> (u16, String, reqwest::header::HeaderMap) {
    request(reqwest::Method::GET, url, key)
}

fn request(
    method: reqwest::Method,
    url: &str,
    key: Option<&str>,
) -> (u16, String, reqwest::header::HeaderMap) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new().request(method.clone(), url);
        if method == reqwest::Method::POST {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body("csrf=x");
        }
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, response.text().await.unwrap(), headers)
    })
}

async fn audit_rows(db: &TestDatabase, action: &str) -> Vec<(Vec<i64>, Option<String>)> {
    let client = db.connect().await.unwrap();
    client
        .query(
            "SELECT record_ids, case_number FROM audit_log WHERE action = $1 ORDER BY seq",
            &[&action],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

struct Setup {
    db: TestDatabase,
    server: Server,
    dir: tempfile::TempDir,
    active_registration: i64,
    active_camera: i64,
}

async fn setup() -> Setup {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let data = dir.path().to_str().unwrap().to_owned();
    let server = tokio::task::spawn_blocking(move || Server::demo(&url, &data, "300"))
        .await
        .unwrap();
    let client = db.connect().await.unwrap();
    let active_registration: i64 = client
        .query_one("SELECT min(r.id) FROM registrations r JOIN contacts c ON c.registration_id = r.id WHERE r.status = 'active'", &[])
        .await
        .unwrap()
        .get(0);
    let active_camera: i64 = client
        .query_one(
            "SELECT min(c.id) FROM cameras c JOIN registrations r ON r.id = c.registration_id WHERE r.status = 'active'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    Setup {
        db,
        server,
        dir,
        active_registration,
        active_camera,
    }
}

#[test]
fn every_route_has_the_expected_policy() {
    let actual: Vec<(String, String)> = canvass_server::routes()
        .policies()
        .into_iter()
        .map(|(path, access)| (path.to_owned(), format!("{access:?}")))
        .collect();
    let expected: Vec<(String, String)> = EXPECTED_POLICIES
        .iter()
        .map(|(p, a)| ((*p).to_owned(), (*a).to_owned()))
        .collect();
    assert_eq!(
        actual, expected,
        "a route was added or its policy changed: update EXPECTED_POLICIES deliberately"
    );
}

#[tokio::test]
async fn route_by_role_walk() {
    let s = setup().await;
    let url = s.db.url.clone();
    let keys: Vec<(&str, Option<String>, bool, &str)> = tokio::task::spawn_blocking(move || {
        let key = |who: &'static str, name: &str, role: &'static str, pii: bool| {
            (
                who,
                Some(create_named_key(&url, name, role, pii)),
                pii,
                role,
            )
        };
        vec![
            ("anonymous", None, false, "none"),
            key("officer", "officer", "officer", false),
            key("officer+pii", "officer pii", "officer", true),
            key("analyst", "analyst", "analyst", false),
            key("records", "records", "records", false),
            key("records+pii", "records pii", "records", true),
            key("admin+pii", "admin", "admin", true),
        ]
    })
    .await
    .unwrap();
    let base = s.server.base.clone();
    let id = s.active_registration;
    let camera = s.active_camera;
    let results = tokio::task::spawn_blocking(move || {
        let mut results = Vec::new();
        for (path, policy) in EXPECTED_POLICIES {
            // The OGC API refuses parameters it does not know, such as a case for `cameras`.
            let query = if path.starts_with("/ogc") {
                ""
            } else {
                "?case=WALK-1"
            };
            let url = format!(
                "{base}{}{query}",
                path.replace("{id}", &id.to_string())
                    .replace("{camera}", "1")
                    .replace("{layers}/{z}/{x}/{y}", "coverage/0/0/0.mvt")
                    .replace("{tileset}", "cameras.json")
                    .replace("{z}/{x}/{y}", "14/2638/6321.mvt")
                    .replace("{collectionId}", "cameras")
                    .replace("{featureId}", &camera.to_string())
            );
            for (who, key, pii, role) in &keys {
                let (method, allowed) = walk_request(path);
                let (status, body, headers) = request(method, &url, key.as_deref());
                let expected = match *policy {
                    "Public" => allowed,
                    _ if key.is_none() => 401,
                    "Requires(Identify)" => allowed,
                    "Requires(Administer)" if *role != "admin" => 403,
                    "Requires(Administer)" => allowed,
                    "RequiresPii(Canvass)" if !["officer", "analyst", "admin"].contains(role) => {
                        403
                    }
                    "RequiresPii(Canvass)" if !pii => 403,
                    "RequiresPii(Canvass)" => 200,
                    "Requires(ViewMap)" if !["officer", "analyst", "admin"].contains(role) => 403,
                    "Requires(ViewMap)" => allowed,
                    "Requires(Canvass)" if !["officer", "analyst", "admin"].contains(role) => 403,
                    "Requires(Canvass)" => allowed,
                    "Requires(Feeds)" if !["analyst", "records", "admin"].contains(role) => 403,
                    "Requires(Feeds)" => allowed,
                    other => panic!("no expectation for {other}"),
                };
                assert_eq!(
                    headers["x-content-type-options"], "nosniff",
                    "{path} as {who}"
                );
                assert!(
                    headers["content-security-policy"]
                        .to_str()
                        .unwrap()
                        .contains("frame-ancestors 'none'")
                );
                if *policy != "Public" && status == allowed {
                    // Tiles may be kept by the client, but only with revalidation.
                    let cache_control = if path.ends_with("{y}") {
                        "private, no-cache"
                    } else {
                        "private, no-store"
                    };
                    assert_eq!(headers["cache-control"], cache_control, "{path} as {who}");
                    let vary: Vec<_> = headers
                        .get_all("vary")
                        .iter()
                        .map(|v| v.to_str().unwrap())
                        .collect();
                    assert!(
                        vary.contains(&"Authorization, Cookie"),
                        "{path} as {who}: {vary:?}"
                    );
                }
                if status == 401 {
                    assert!(headers.contains_key("www-authenticate"), "{path} as {who}");
                }
                results.push((
                    path.to_string(),
                    *policy,
                    who.to_string(),
                    expected,
                    status,
                    body,
                ));
            }
        }
        results
    })
    .await
    .unwrap();
    for (path, policy, who, expected, status, body) in &results {
        assert_eq!(status, expected, "{path} as {who}: {body}");
        // Public pages refuse with a page in the reader's language, not a JSON error.
        if *status >= 400 && *policy != "Public" {
            assert!(
                body.contains("\"error\""),
                "{path} as {who} says why: {body}"
            );
            assert!(!body.contains('@'), "no personal data in a refusal: {body}");
        }
    }
    // Refusals of personal data to keys without pii are audited; disclosures too.
    let denied = audit_rows(&s.db, "access.pii_denied").await;
    assert_eq!(
        denied.len(),
        2,
        "officer and analyst without pii (records is refused by role first)"
    );
    let disclosed = audit_rows(&s.db, "contact.disclose").await;
    assert_eq!(disclosed.len(), 2, "officer+pii and admin+pii");
    assert!(
        disclosed
            .iter()
            .all(|(ids, case)| ids == &vec![id] && case.as_deref() == Some("WALK-1"))
    );
}

#[tokio::test]
async fn disclosure_needs_a_case_and_decrypts_for_pii_keys() {
    let s = setup().await;
    let url = s.db.url.clone();
    let key =
        tokio::task::spawn_blocking(move || create_named_key(&url, "detective", "officer", true))
            .await
            .unwrap();
    let base = format!(
        "{}/api/v1/registrations/{}/contact",
        s.server.base, s.active_registration
    );
    let unknown = format!(
        "{}/api/v1/registrations/999999/contact?case=2026-123",
        s.server.base
    );
    let malformed = format!(
        "{}/api/v1/registrations/12abc/contact?case=2026-123",
        s.server.base
    );
    let checks = tokio::task::spawn_blocking(move || {
        vec![
            get(&base, Some(&key)),
            get(&format!("{base}?case="), Some(&key)),
            get(&format!("{base}?case=1%27%20OR%201%3D1--"), Some(&key)),
            get(&format!("{base}?case={}", "A".repeat(65)), Some(&key)),
            get(
                &format!("{base}?case=2026-123&reason={}", "x".repeat(600)),
                Some(&key),
            ),
            get(
                &format!("{base}?case=2026-123&reason=burglary%20canvass"),
                Some(&key),
            ),
            get(&malformed, Some(&key)),
            get(&unknown, Some(&key)),
        ]
    })
    .await
    .unwrap();
    let statuses: Vec<u16> = checks.iter().map(|c| c.0).collect();
    assert_eq!(
        statuses,
        vec![400, 400, 400, 400, 400, 200, 400, 404],
        "{checks:?}"
    );
    let contact: serde_json::Value = serde_json::from_str(&checks[5].1).unwrap();
    assert!(
        contact["email"].as_str().unwrap().contains("@example."),
        "{contact}"
    );
    assert!(!contact["name"].as_str().unwrap().is_empty());
    let disclosed = audit_rows(&s.db, "contact.disclose").await;
    assert_eq!(
        disclosed,
        vec![(vec![s.active_registration], Some("2026-123".to_owned()))],
        "one audited disclosure"
    );
}

#[tokio::test]
async fn revoked_and_expired_keys_and_basic_auth() {
    let s = setup().await;
    let url = s.db.url.clone();
    let (revoked, expired, good) = tokio::task::spawn_blocking(move || {
        (
            create_named_key(&url, "old laptop", "officer", false),
            create_named_key(&url, "contractor", "analyst", false),
            create_named_key(&url, "qgis", "analyst", false),
        )
    })
    .await
    .unwrap();
    let revoked_id = revoked.split('_').nth(1).unwrap().to_owned();
    let output = run(&["key", "revoke", &revoked_id, "--database-url", &s.db.url]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let expired_id: i64 = expired.split('_').nth(1).unwrap().parse().unwrap();
    s.db.connect()
        .await
        .unwrap()
        .execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 day' WHERE id = $1",
            &[&expired_id],
        )
        .await
        .unwrap();
    let whoami = format!("{}/api/v1/whoami", s.server.base);
    let (whoami2, whoami3) = (whoami.clone(), whoami.clone());
    let (revoked_answer, expired_answer, wrong_answer) = tokio::task::spawn_blocking(move || {
        (
            get(&whoami, Some(&revoked)),
            get(&whoami2, Some(&expired)),
            get(
                &whoami3,
                Some("cvk_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        (revoked_answer.0, expired_answer.0, wrong_answer.0),
        (401, 401, 401)
    );
    assert!(revoked_answer.1.contains("revoked"), "{}", revoked_answer.1);
    assert!(expired_answer.1.contains("expired"), "{}", expired_answer.1);
    assert_eq!(audit_rows(&s.db, "auth.key_rejected").await.len(), 2);

    // curl with the key as the HTTP Basic password, as QGIS and GDAL send it.
    let whoami = format!("{}/api/v1/whoami", s.server.base);
    let curl = std::process::Command::new("curl")
        .args(["-sS", "-f", "-u", &format!("qgis:{good}"), &whoami])
        .output()
        .unwrap();
    assert!(curl.status.success(), "{}", stderr_of(&curl));
    assert!(
        stdout_of(&curl).contains("\"role\":\"analyst\""),
        "{}",
        stdout_of(&curl)
    );

    // GDAL, with the key as the HTTP Basic password (GDAL_HTTP_AUTH=BASIC), reads the same.
    let gdal_read = |key: &str| {
        let script = "import sys\nfrom osgeo import gdal\ngdal.UseExceptions()\n\
                      f = gdal.VSIFOpenL('/vsicurl_streaming/' + sys.argv[1], 'rb')\n\
                      print(gdal.VSIFReadL(1, 10000, f).decode())";
        std::process::Command::new("/usr/bin/python3")
            .args(["-c", script, &whoami])
            .env("GDAL_HTTP_AUTH", "BASIC")
            .env("GDAL_HTTP_USERPWD", format!("gdal:{key}"))
            .output()
            .unwrap()
    };
    let gdal = gdal_read(&good);
    assert!(
        stdout_of(&gdal).contains("\"role\":\"analyst\""),
        "{} {}",
        stdout_of(&gdal),
        stderr_of(&gdal)
    );
    let refused = gdal_read("cvk_9_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert!(
        !stdout_of(&refused).contains("\"role\""),
        "{}",
        stdout_of(&refused)
    );

    let listed = stdout_of(&run(&["key", "list", "--database-url", &s.db.url]));
    assert!(
        listed.contains("revoked") && listed.contains("expired"),
        "{listed}"
    );
    assert!(!listed.contains("cvk_"), "keys are never listed");
}

#[tokio::test]
async fn hostile_user_and_key_commands() {
    let db = TestDatabase::new().await.unwrap();
    let url = db.url.clone();
    // The kernel caps one argument at 128 KiB; 1 MiB inputs go through standard input below.
    let huge = "x".repeat(100_000);
    let cases: Vec<(Vec<String>, Vec<u8>)> = vec![
        (
            vec![
                "user",
                "add",
                "ana'; DROP TABLE users;--",
                "--role",
                "officer",
                "--password-stdin",
            ],
            b"long enough password\n".to_vec(),
        ),
        (
            vec![
                "user",
                "add",
                &huge,
                "--role",
                "officer",
                "--password-stdin",
            ],
            b"long enough password\n".to_vec(),
        ),
        (
            vec!["user", "add", "", "--role", "officer", "--password-stdin"],
            b"long enough password\n".to_vec(),
        ),
        (
            vec![
                "user",
                "add",
                "ana",
                "--role",
                "sheriff",
                "--password-stdin",
            ],
            b"long enough password\n".to_vec(),
        ),
        (
            vec![
                "user",
                "add",
                "ana",
                "--role",
                "officer",
                "--password-stdin",
            ],
            b"short\n".to_vec(),
        ),
        (
            vec![
                "user",
                "add",
                "ana",
                "--role",
                "officer",
                "--password-stdin",
            ],
            vec![b'p'; 2 << 20],
        ),
        (
            vec![
                "user",
                "add",
                "ana",
                "--role",
                "officer",
                "--password-stdin",
            ],
            vec![
                0xff, 0xfe, b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'h', b'i', b'j', b'k',
            ],
        ),
        (
            vec![
                "user",
                "add",
                "ana",
                "--role",
                "officer",
                "--password-stdin",
            ],
            Vec::new(),
        ),
        (vec!["user", "add", "ana", "--role", "officer"], Vec::new()),
        (vec!["user", "disable", "nobody"], Vec::new()),
        (
            vec!["user", "reset-password", "nobody", "--password-stdin"],
            b"long enough password\n".to_vec(),
        ),
        (
            vec!["key", "create", "--name", "", "--role", "officer"],
            Vec::new(),
        ),
        (
            vec!["key", "create", "--name", &huge, "--role", "officer"],
            Vec::new(),
        ),
        (
            vec![
                "key",
                "create",
                "--name",
                "x",
                "--role",
                "officer",
                "--expires",
                "2001-01-01",
            ],
            Vec::new(),
        ),
        (
            vec![
                "key",
                "create",
                "--name",
                "x",
                "--role",
                "officer",
                "--expires",
                "soon",
            ],
            Vec::new(),
        ),
        (vec!["key", "revoke", "abc"], Vec::new()),
        (vec!["key", "revoke", "424242"], Vec::new()),
        (vec!["key", "revoke", "1 OR 1=1"], Vec::new()),
    ]
    .into_iter()
    .map(|(args, input)| (args.into_iter().map(str::to_owned).collect(), input))
    .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        cases
            .iter()
            .map(|(args, input)| {
                let mut full: Vec<&str> = args.iter().map(String::as_str).collect();
                full.extend(["--database-url", &url]);
                (
                    args.iter()
                        .map(|a| a.chars().take(40).collect::<String>())
                        .collect::<Vec<_>>(),
                    run_with_stdin(&full, input),
                )
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (args, output) in &outputs {
        let stderr = stderr_of(output);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains("error") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.len() < 4096,
            "{args:?}: the error is one short line, not an echo: {} bytes",
            stderr.len()
        );
    }
    let client = db.connect().await.unwrap();
    let users: i64 = client
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .unwrap()
        .get(0);
    let keys: i64 = client
        .query_one("SELECT count(*) FROM api_keys", &[])
        .await
        .unwrap()
        .get(0);
    let audited: i64 = client
        .query_one("SELECT count(*) FROM audit_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        (users, keys, audited),
        (0, 0, 0),
        "refused commands leave nothing behind"
    );

    // The same commands done right work and are audited.
    let ok = run_with_stdin(
        &[
            "user",
            "add",
            "ana.garcia",
            "--role",
            "officer",
            "--pii",
            "--password-stdin",
            "--database-url",
            &db.url,
        ],
        b"correct horse battery\n",
    );
    assert!(ok.status.success(), "{}", stderr_of(&ok));
    let again = run_with_stdin(
        &[
            "user",
            "add",
            "ANA.GARCIA",
            "--role",
            "officer",
            "--password-stdin",
            "--database-url",
            &db.url,
        ],
        b"correct horse battery\n",
    );
    assert!(
        stderr_of(&again).contains("already exists"),
        "{}",
        stderr_of(&again)
    );
    assert!(
        run(&["user", "disable", "ana.garcia", "--database-url", &db.url])
            .status
            .success()
    );
    let listed = stdout_of(&run(&["user", "list", "--database-url", &db.url]));
    assert!(
        listed.contains("ana.garcia") && listed.contains("disabled"),
        "{listed}"
    );
    let hash: String = client
        .query_one("SELECT password_hash FROM users", &[])
        .await
        .unwrap()
        .get(0);
    assert!(hash.starts_with("$argon2id$") && !hash.contains("correct horse"));
    let audited: Vec<String> = client
        .query("SELECT action FROM audit_log ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(audited, vec!["user.create", "user.disable"]);
}

#[tokio::test]
async fn audit_verify_names_tampered_rows() {
    let db = TestDatabase::new().await.unwrap();
    let client = db.connect().await.unwrap();
    for i in 0..6 {
        client
            .execute("INSERT INTO audit_log (actor_kind, action, case_number) VALUES ('system', 'test.event', $1)", &[&format!("C-{i}")])
            .await
            .unwrap();
    }
    let verify = || run(&["audit", "verify", "--database-url", &db.url]);
    let clean = verify();
    assert!(clean.status.success(), "{}", stdout_of(&clean));
    assert!(stdout_of(&clean).contains("intact: 6 rows"));

    // As the database superuser, past the append-only triggers.
    client
        .batch_execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        .await
        .unwrap();
    client
        .execute(
            "UPDATE audit_log SET case_number = 'C-X' WHERE seq = 2",
            &[],
        )
        .await
        .unwrap();
    let edited = verify();
    assert_eq!(edited.status.code(), Some(3));
    assert!(
        stdout_of(&edited).contains("row 2: content changed"),
        "{}",
        stdout_of(&edited)
    );
    client
        .execute(
            "UPDATE audit_log SET case_number = 'C-1' WHERE seq = 2",
            &[],
        )
        .await
        .unwrap();
    assert!(verify().status.success(), "restored");

    client
        .execute("DELETE FROM audit_log WHERE seq = 4", &[])
        .await
        .unwrap();
    let deleted = verify();
    assert!(
        stdout_of(&deleted).contains("row 5: does not follow"),
        "{}",
        stdout_of(&deleted)
    );

    // Reorder: swap the contents (and hashes) of rows 5 and 6.
    client
        .batch_execute(
            "UPDATE audit_log a SET case_number = b.case_number, prev_hash = b.prev_hash, row_hash = b.row_hash
             FROM (SELECT seq, case_number, prev_hash, row_hash FROM audit_log WHERE seq IN (5, 6)) b
             WHERE a.seq IN (5, 6) AND b.seq = 11 - a.seq",
        )
        .await
        .unwrap();
    let reordered = stdout_of(&verify());
    assert!(
        reordered.contains("row 5") && reordered.contains("row 6"),
        "{reordered}"
    );

    let csv = run(&[
        "audit",
        "export",
        "--since",
        "2000-01-01",
        "--database-url",
        &db.url,
    ]);
    assert!(csv.status.success(), "{}", stderr_of(&csv));
    let text = stdout_of(&csv);
    assert!(text.starts_with("seq,at,actor_kind"), "{text}");
    assert_eq!(text.lines().count(), 1 + 5);
}

#[tokio::test]
async fn contact_key_rotation_without_restart() {
    let s = setup().await;
    let url = s.db.url.clone();
    let key =
        tokio::task::spawn_blocking(move || create_named_key(&url, "rotation", "admin", true))
            .await
            .unwrap();
    let contact_url = format!(
        "{}/api/v1/registrations/{}/contact?case=ROT-1",
        s.server.base, s.active_registration
    );
    let read = |url: String, key: String| async move {
        tokio::task::spawn_blocking(move || get(&url, Some(&key)))
            .await
            .unwrap()
    };
    let before = read(contact_url.clone(), key.clone()).await;
    assert_eq!(before.0, 200, "{}", before.1);
    let client = s.db.connect().await.unwrap();
    let hash_before: Vec<u8> = client
        .query_one(
            "SELECT email_hash FROM contacts WHERE registration_id = $1",
            &[&s.active_registration],
        )
        .await
        .unwrap()
        .get(0);

    let data_dir = s.dir.path().to_str().unwrap().to_owned();
    let rotate = run(&[
        "keys",
        "rotate",
        "--batch",
        "7",
        "--database-url",
        &s.db.url,
        "--data-dir",
        &data_dir,
    ]);
    assert!(rotate.status.success(), "{}", stderr_of(&rotate));
    let key_file = std::fs::read_to_string(s.dir.path().join("secrets/contact.key")).unwrap();
    assert_eq!(key_file.matches("canvass-contact-key v1").count(), 2);
    let ids: Vec<String> = client
        .query("SELECT DISTINCT key_id FROM contacts", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids.len(), 1, "every contact re-sealed under one key");
    assert!(
        stdout_of(&rotate).contains(&ids[0]),
        "{}",
        stdout_of(&rotate)
    );
    let hash_after: Vec<u8> = client
        .query_one(
            "SELECT email_hash FROM contacts WHERE registration_id = $1",
            &[&s.active_registration],
        )
        .await
        .unwrap()
        .get(0);
    assert_ne!(
        hash_before, hash_after,
        "look-up hashes move to the new key too"
    );

    // The running server re-reads the key file when it meets the new generation.
    let after = read(contact_url.clone(), key.clone()).await;
    assert_eq!(after.0, 200, "{}", after.1);
    assert_eq!(before.1, after.1, "same contact, new key");

    let prune = run(&[
        "keys",
        "prune",
        "--database-url",
        &s.db.url,
        "--data-dir",
        &data_dir,
    ]);
    assert!(
        stdout_of(&prune).contains("1 unused key generation(s) removed"),
        "{}",
        stdout_of(&prune)
    );
    let key_file = std::fs::read_to_string(s.dir.path().join("secrets/contact.key")).unwrap();
    assert_eq!(key_file.matches("canvass-contact-key v1").count(), 1);
    assert_eq!(read(contact_url, key).await.0, 200);
    let actions: Vec<String> = client
        .query(
            "SELECT action FROM audit_log WHERE action LIKE 'keys.%' ORDER BY seq",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(actions, vec!["keys.rotate", "keys.prune"]);
}
