//! `canvass demo`: a plausible, deterministic city, loaded through the real binary.

// Helpers outside #[test] functions panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use canvass_db::testing::TestDatabase;
use canvass_e2e::{run, stderr_of, stdout_of};

const CAMERA_FINGERPRINT: &str = "SELECT md5(string_agg(concat_ws('|', id, registration_id, ST_AsEWKT(location), address,
     placement, views::text, facing_deg, fov_deg, range_m, retention_days, recording_mode, can_export), ',' ORDER BY id))
     FROM cameras";
const REGISTRATION_FINGERPRINT: &str =
    "SELECT md5(string_agg(concat_ws('|', id, status, kind, language, created_at,
     verified_at, verification_due), ',' ORDER BY id)) FROM registrations";

fn demo(db: &TestDatabase, extra: &[&str]) -> std::process::Output {
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("contact.key");
    let mut args = vec!["demo", "--database-url", &db.url, "--as-of", "2026-06-01"];
    let key_arg = key_file.to_string_lossy().into_owned();
    args.extend(["--contact-key-file", &key_arg]);
    args.extend(extra);
    run(&args)
}

async fn fingerprints(db: &TestDatabase) -> (String, String) {
    let client = db.connect().await.unwrap();
    let cameras: String = client
        .query_one(CAMERA_FINGERPRINT, &[])
        .await
        .unwrap()
        .get(0);
    let registrations: String = client
        .query_one(REGISTRATION_FINGERPRINT, &[])
        .await
        .unwrap()
        .get(0);
    (cameras, registrations)
}

#[tokio::test]
async fn demo_city_is_plausible() {
    let db = TestDatabase::new().await.unwrap();
    let output = demo(&db, &["--cameras", "3000", "--seed", "11"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stdout_of(&output).contains("3000 cameras"),
        "{}",
        stdout_of(&output)
    );
    let client = db.connect().await.unwrap();
    let one = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap() }
    };
    assert_eq!(
        one("SELECT count(*) FROM cameras").await.get::<_, i64>(0),
        3000
    );
    let area: f64 = one("SELECT ST_Area(boundary::geography) / 1e6 FROM jurisdiction")
        .await
        .get(0);
    assert!((70.0..90.0).contains(&area), "jurisdiction of {area} km²");
    let centre: (f64, f64) = {
        let row = one(
            "SELECT ST_X(ST_Centroid(boundary)), ST_Y(ST_Centroid(boundary)) FROM jurisdiction",
        )
        .await;
        (row.get(0), row.get(1))
    };
    assert!(
        (centre.0 + 122.03).abs() < 0.01 && (centre.1 - 37.97).abs() < 0.01,
        "{centre:?}"
    );
    let outside: i64 = one("SELECT count(*) FROM cameras c, jurisdiction j WHERE NOT ST_Within(c.location, j.boundary)").await.get(0);
    assert_eq!(outside, 0, "every camera is inside the city");
    let named: i64 = one("SELECT count(DISTINCT name) FROM streets").await.get(0);
    assert!(named > 50, "{named} street names");
    let addresses: i64 = one("SELECT count(*) FROM address_points").await.get(0);
    assert!(addresses > 10_000, "{addresses} address points");
    let business: f64 = one("SELECT avg((kind = 'business')::int)::float8 FROM registrations")
        .await
        .get(0);
    assert!(
        (0.22..0.38).contains(&business),
        "business share {business}"
    );
    let spanish: f64 = one("SELECT avg((language = 'es')::int)::float8 FROM registrations")
        .await
        .get(0);
    assert!((0.1..0.4).contains(&spanish), "Spanish share {spanish}");
    let per_owner = one(
        "SELECT min(n), max(n) FROM (SELECT count(*) n FROM cameras GROUP BY registration_id) t",
    )
    .await;
    assert!(per_owner.get::<_, i64>(0) >= 1 && per_owner.get::<_, i64>(1) <= 6);
    let retention = one("SELECT min(retention_days), max(retention_days), percentile_cont(0.5) WITHIN GROUP (ORDER BY retention_days) FROM cameras").await;
    assert!(retention.get::<_, i32>(0) >= 1 && retention.get::<_, i32>(1) <= 90);
    assert!(
        (7.0..=30.0).contains(&retention.get::<_, f64>(2)),
        "median retention"
    );
    let statuses: i64 = one("SELECT count(DISTINCT status) FROM registrations")
        .await
        .get(0);
    assert_eq!(statuses, 5, "every status appears");
    let opted_out_contacts: i64 = one("SELECT count(*) FROM contacts c JOIN registrations r ON r.id = c.registration_id WHERE r.status = 'opted_out'").await.get(0);
    assert_eq!(
        opted_out_contacts, 0,
        "opted-out owners keep no personal data"
    );
    let fed: i64 = one("SELECT count(*) FROM changes").await.get(0);
    let active: i64 = one("SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id WHERE r.status = 'active'").await.get(0);
    assert_eq!(fed, active, "the change feed holds every visible camera");
}

#[tokio::test]
async fn same_seed_same_data_and_replace_is_explicit() {
    let (a, b) = (
        TestDatabase::new().await.unwrap(),
        TestDatabase::new().await.unwrap(),
    );
    for db in [&a, &b] {
        let output = demo(db, &["--cameras", "800", "--seed", "5"]);
        assert!(output.status.success(), "{}", stderr_of(&output));
    }
    assert_eq!(fingerprints(&a).await, fingerprints(&b).await);

    let refused = demo(&a, &["--cameras", "800", "--seed", "6"]);
    assert!(!refused.status.success());
    assert!(
        stderr_of(&refused).contains("--replace"),
        "{}",
        stderr_of(&refused)
    );
    assert_eq!(
        fingerprints(&a).await,
        fingerprints(&b).await,
        "a refused load changes nothing"
    );

    let replaced = demo(&a, &["--cameras", "800", "--seed", "6", "--replace"]);
    assert!(replaced.status.success(), "{}", stderr_of(&replaced));
    assert_ne!(
        fingerprints(&a).await.0,
        fingerprints(&b).await.0,
        "another seed, another city"
    );
}

#[tokio::test]
async fn demo_rejects_bad_counts() {
    let db = TestDatabase::new().await.unwrap();
    for bad in [
        &["--cameras", "0"][..],
        &["--cameras", "-5"],
        &["--cameras", "lots"],
        &["--cameras", "99999999999"],
        &["--as-of", "yesterday"],
    ] {
        let output = demo(&db, bad);
        assert!(!output.status.success(), "{bad:?}");
        let stderr = stderr_of(&output);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains("error"), "{bad:?}: {stderr}");
    }
    let count: i64 = db
        .connect()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM registrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 0);
}

#[tokio::test]
async fn database_dump_holds_no_plaintext_contacts() {
    let db = TestDatabase::new().await.unwrap();
    let output = demo(&db, &["--cameras", "500", "--seed", "3"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let dump = std::process::Command::new("/usr/lib/postgresql/15/bin/pg_dump")
        .args(["--data-only", &db.url])
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", stderr_of(&dump));
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(
        text.contains("COPY public.contacts"),
        "the dump has the contacts table"
    );
    for plaintext in [
        "@example.org",
        "@example.com",
        "+1925555",
        "García",
        "Smith",
        "Hardware",
    ] {
        assert!(!text.contains(plaintext), "dump contains {plaintext:?}");
    }
}
