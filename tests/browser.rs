//! A resident on a phone, in a real browser: Debian's chromium, driven by playwright-core
//! (tests/browser/register.mjs) at 390×844, registers in English and in Spanish, gets the
//! confirmation mail from a real SMTP server (aiosmtpd) started here, follows the link, edits
//! a camera through the manage link, and opts out. At each step the database is checked here:
//! afterwards it holds no personal data of either owner, and `changes` holds the tombstones.
//!
//! Needs `node`, Debian's `chromium` and `python3-aiosmtpd` (`scripts/setup --test` installs
//! them); a missing one fails the test with what to install. The Node project is installed
//! with `npm ci` from its lock file when `tests/browser/node_modules` is missing or stale.
//!
//! The screenshots of `/register` (register-en.png, register-es.png) go to
//! `$CANVASS_SCREENSHOTS_DIR`, else `<target>/tmp/browser/screenshots`; to refresh the ones in
//! docs: `CANVASS_SCREENSHOTS_DIR=$PWD/docs/screenshots cargo nextest run --test browser`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use canvass_db::testing::TestDatabase;
use canvass_e2e::Server;
use canvass_e2e::browser::{Driver, Said, check_tools, install_node_project, png_size};
use serde_json::Value;

/// The whole journey, both languages, may take this long on a busy 2-core machine.
const BROWSER_TIME_LIMIT: Duration = Duration::from_secs(300);

/// Two addresses of the demo city, each matching exactly one address point.
async fn two_addresses(client: &tokio_postgres::Client) -> (String, String) {
    let rows = client
        .query(
            "SELECT a.number || ' ' || a.street FROM address_points a
              WHERE (SELECT count(*) FROM address_points b
                      WHERE b.street_key = a.street_key AND b.number = a.number) = 1
              ORDER BY a.id LIMIT 2",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the demo has address points");
    (rows[0].get(0), rows[1].get(0))
}

/// The registration the browser made in `lang` (made after `before`).
async fn registration(client: &tokio_postgres::Client, before: i64, lang: &str) -> i64 {
    let rows = client
        .query(
            "SELECT id FROM registrations WHERE id > $1 AND language = $2",
            &[&before, &lang],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one new registration in {lang}");
    rows[0].get(0)
}

fn compass_degrees(point: &str) -> Option<f32> {
    match point {
        "" => None,
        "N" => Some(0.0),
        "NE" => Some(45.0),
        "E" => Some(90.0),
        "SE" => Some(135.0),
        "S" => Some(180.0),
        "SW" => Some(225.0),
        "W" => Some(270.0),
        "NW" => Some(315.0),
        other => panic!("unknown compass point {other}"),
    }
}

fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
        .to_owned()
}

/// Plain text that must not be anywhere in the database once its owner opted out.
#[derive(Default)]
struct Personal {
    words: Vec<String>,
    camera_ids: BTreeSet<i64>,
}

async fn camera_ids(client: &tokio_postgres::Client, registration: i64) -> Vec<i64> {
    client
        .query(
            "SELECT id FROM cameras WHERE registration_id = $1 ORDER BY id",
            &[&registration],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// After submitting: a pending registration, sealed contact details, the cameras.
async fn check_registered(
    client: &tokio_postgres::Client,
    before: i64,
    step: &Value,
    personal: &mut Personal,
) {
    let lang = text(step, "lang");
    let id = registration(client, before, &lang).await;
    let row = client
        .query_one(
            "SELECT r.status, r.source, r.confirmed_at IS NULL,
                    c.name_sealed, c.email_sealed, c.business_name_sealed
               FROM registrations r JOIN contacts c ON c.registration_id = r.id
              WHERE r.id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, String>(0),
        "pending",
        "{lang}: not yet confirmed"
    );
    assert_eq!(row.get::<_, String>(1), "web");
    assert!(row.get::<_, bool>(2));
    let name = text(step, "name");
    let email = text(step, "email");
    let business = text(step, "business_name");
    let sealed: Vec<u8> = [3, 4, 5]
        .iter()
        .flat_map(|i| row.get::<_, Option<Vec<u8>>>(*i).unwrap_or_default())
        .collect();
    for plain in [&name, &email, &business] {
        if !plain.is_empty() {
            assert!(
                !sealed.windows(plain.len()).any(|w| w == plain.as_bytes()),
                "{lang}: {plain:?} is stored in plain text"
            );
            personal.words.push(plain.clone());
        }
    }
    let phone_digits: String = text(step, "phone")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if !phone_digits.is_empty() {
        personal.words.push(phone_digits);
    }
    let typed = step["cameras"].as_array().unwrap();
    for camera in typed {
        let notes = text(camera, "notes");
        if !notes.is_empty() {
            personal.words.push(notes);
        }
    }
    let cameras = camera_ids(client, id).await;
    assert_eq!(cameras.len(), typed.len(), "{lang}: cameras stored");
    personal.camera_ids.extend(cameras);
}

/// After the edit through the manage link: active, and the cameras as edited.
async fn check_edited(
    client: &tokio_postgres::Client,
    before: i64,
    step: &Value,
    personal: &mut Personal,
) {
    let lang = text(step, "lang");
    let id = registration(client, before, &lang).await;
    let row = client
        .query_one(
            "SELECT status, confirmed_at IS NOT NULL FROM registrations WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "active", "{lang}: confirmed");
    assert!(row.get::<_, bool>(1));
    let rows = client
        .query(
            "SELECT id, placement, views, facing_deg, retention_days, recording_mode, can_export,
                    notes
               FROM cameras WHERE registration_id = $1 ORDER BY id",
            &[&id],
        )
        .await
        .unwrap();
    let expected = step["cameras"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len(), "{lang}: cameras after the edit");
    for (row, camera) in rows.iter().zip(expected) {
        let what = format!("{lang}: camera {}", row.get::<_, i64>(0));
        personal.camera_ids.insert(row.get(0));
        assert_eq!(row.get::<_, String>(1), text(camera, "placement"), "{what}");
        let mut views: Vec<String> = row.get(2);
        views.sort();
        let mut wanted: Vec<String> = camera["views"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        wanted.sort();
        assert_eq!(views, wanted, "{what}");
        assert_eq!(
            row.get::<_, Option<f32>>(3),
            compass_degrees(&text(camera, "facing")),
            "{what}: facing"
        );
        let retention = text(camera, "retention");
        assert_eq!(
            row.get::<_, Option<i32>>(4),
            (!retention.is_empty()).then(|| retention.parse().unwrap()),
            "{what}: retention"
        );
        assert_eq!(row.get::<_, String>(5), text(camera, "recording"), "{what}");
        assert_eq!(row.get::<_, String>(6), text(camera, "export"), "{what}");
        let notes = text(camera, "notes");
        assert_eq!(
            row.get::<_, Option<String>>(7).unwrap_or_default(),
            notes,
            "{what}: notes"
        );
        if !notes.is_empty() {
            // The search that must come up empty after opting out finds the notes now.
            assert_eq!(
                tables_holding(client, &notes).await,
                ["public.cameras"],
                "{what}: notes"
            );
            personal.words.push(notes);
        }
    }
    // Confirmed, the cameras are on the officers' feeds.
    let published: i64 = client
        .query_one(
            "SELECT count(DISTINCT camera_id) FROM changes WHERE camera_id = ANY($1) AND op = 'upsert'",
            &[&camera_ids(client, id).await],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        published as usize,
        expected.len(),
        "{lang}: cameras published"
    );
}

/// After opting out: nothing personal left, the registration a bare opted-out row, and a
/// tombstone in `changes` for every camera it ever had.
async fn check_opted_out(
    client: &tokio_postgres::Client,
    before: i64,
    step: &Value,
    personal: &Personal,
) {
    let lang = text(step, "lang");
    let id = registration(client, before, &lang).await;
    let row = client
        .query_one(
            "SELECT status, opted_out_at IS NOT NULL,
                    (SELECT count(*) FROM contacts WHERE registration_id = $1),
                    (SELECT count(*) FROM cameras WHERE registration_id = $1),
                    (SELECT count(*) FROM owner_tokens WHERE registration_id = $1)
               FROM registrations WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "opted_out", "{lang}");
    assert!(row.get::<_, bool>(1), "{lang}: opted_out_at");
    assert_eq!(row.get::<_, i64>(2), 0, "{lang}: contact details deleted");
    assert_eq!(row.get::<_, i64>(3), 0, "{lang}: cameras deleted");
    assert_eq!(
        row.get::<_, i64>(4),
        0,
        "{lang}: owner links and sessions deleted"
    );

    let ids: Vec<i64> = personal.camera_ids.iter().copied().collect();
    let left: i64 = client
        .query_one("SELECT count(*) FROM cameras WHERE id = ANY($1)", &[&ids])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "{lang}: no camera of the owner is left");
    let tombstones = client
        .query(
            "SELECT DISTINCT ON (camera_id) camera_id, op FROM changes
              WHERE camera_id = ANY($1) ORDER BY camera_id, seq DESC",
            &[&ids],
        )
        .await
        .unwrap();
    assert_eq!(
        tombstones.len(),
        ids.len(),
        "{lang}: every camera of the owner is in changes"
    );
    for row in &tombstones {
        assert_eq!(
            row.get::<_, String>(1),
            "delete",
            "{lang}: last change of camera {}",
            row.get::<_, i64>(0)
        );
    }

    // No table, in any schema of the application, holds the owner's words in plain text.
    for word in &personal.words {
        let tables = tables_holding(client, word).await;
        assert!(tables.is_empty(), "{lang}: {word:?} is still in {tables:?}");
    }
}

/// Every table of the database (system catalogs aside) with a row whose text contains `word`.
async fn tables_holding(client: &tokio_postgres::Client, word: &str) -> Vec<String> {
    let tables = client
        .query(
            "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
              WHERE table_type = 'BASE TABLE'
                AND table_schema NOT IN ('pg_catalog', 'information_schema')
              ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let mut holding = Vec::new();
    for table in tables {
        let table: String = table.get(0);
        let query = format!("SELECT count(*) FROM {table} t WHERE t::text ILIKE '%' || $1 || '%'");
        let found: i64 = client.query_one(&query, &[&word]).await.unwrap().get(0);
        if found > 0 {
            holding.push(table);
        }
    }
    holding
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resident_on_a_phone_registers_edits_and_opts_out_in_english_and_spanish() {
    check_tools();
    install_node_project();

    let work = tempfile::tempdir().unwrap();
    let smtp = canvass_e2e::SmtpServer::start(work.path().join("maildir"));
    let db = TestDatabase::new().await.unwrap();
    let data = work.path().join("data");
    let (url, data_arg, smtp_url) = (
        db.url.clone(),
        data.to_str().unwrap().to_owned(),
        format!("smtp://127.0.0.1:{}", smtp.port),
    );
    let mut server = tokio::task::spawn_blocking(move || {
        let server = Server::start(&[
            "--database-url",
            &url,
            "--data-dir",
            &data_arg,
            "--demo",
            "--demo-cameras",
            "300",
            "--smtp-url",
            &smtp_url,
        ]);
        server.wait_ready();
        server
    })
    .await
    .unwrap();

    let client = db.connect().await.unwrap();
    let (address_en, address_es) = two_addresses(&client).await;
    let before: i64 = client
        .query_one("SELECT coalesce(max(id), 0) FROM registrations", &[])
        .await
        .unwrap()
        .get(0);

    let target_tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let screenshots = std::env::var_os("CANVASS_SCREENSHOTS_DIR")
        .map_or_else(|| target_tmp.join("screenshots"), PathBuf::from);
    let artifacts = target_tmp.join("artifacts");
    let args: Vec<std::ffi::OsString> = vec![
        "--base".into(),
        server.base.clone().into(),
        "--maildir".into(),
        smtp.maildir.clone().into(),
        "--screenshots".into(),
        screenshots.clone().into(),
        "--artifacts".into(),
        artifacts.clone().into(),
        "--address-en".into(),
        address_en.into(),
        "--address-es".into(),
        address_es.into(),
    ];
    let mut driver = Driver::start("register.mjs", &args);

    let mut personal = Personal::default();
    let mut steps = Vec::new();
    let deadline = Instant::now() + BROWSER_TIME_LIMIT;
    loop {
        let json = match tokio::task::block_in_place(|| driver.next(deadline)) {
            Said::Checkpoint(json) => json,
            Said::Done => break,
            Said::Stopped(status) => panic!(
                "the browser driver stopped ({status}) after {steps:?}; see its output above \
                 and {}; server log:\n{}",
                artifacts.display(),
                server.stderr_text()
            ),
            Said::TimedOut => panic!(
                "the browser journey took longer than {BROWSER_TIME_LIMIT:?} (reached {steps:?})"
            ),
        };
        let step: Value = serde_json::from_str(&json).unwrap();
        let name = text(&step, "step");
        match name.as_str() {
            "registered" => check_registered(&client, before, &step, &mut personal).await,
            "edited" => check_edited(&client, before, &step, &mut personal).await,
            "opted_out" => check_opted_out(&client, before, &step, &personal).await,
            other => panic!("unknown checkpoint {other}"),
        }
        steps.push(format!("{name} ({})", text(&step, "lang")));
        driver.answer_ok();
    }
    let status = driver.wait();
    assert!(status.success(), "the browser driver exited with {status}");
    assert_eq!(
        steps,
        [
            "registered (en)",
            "edited (en)",
            "opted_out (en)",
            "registered (es)",
            "edited (es)",
            "opted_out (es)",
        ]
    );
    for lang in ["en", "es"] {
        let shot = screenshots.join(format!("register-{lang}.png"));
        let bytes = std::fs::read(&shot).unwrap();
        // A phone's viewport.
        assert_eq!(png_size(&bytes), (390, 844), "{}", shot.display());
    }
    drop(smtp);
    let status = server.interrupt();
    assert!(status.success(), "canvass serve exited with {status}");
}
