//! The schema keeps bad data out, records feed changes, and migrations behave.

// Helpers outside #[test] functions panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use canvass_db::migrate;
use canvass_db::testing::TestDatabase;
use tokio_postgres::Client;

const INSERT_REGISTRATION: &str =
    "INSERT INTO registrations (status, kind, consent_version, consented_at, source, confirmed_at)
     VALUES ($1, 'residence', 'v1', now(), 'web', now()) RETURNING id";
const INSERT_CAMERA: &str = "INSERT INTO cameras (registration_id, location, address, placement, views, facing_deg, retention_days, recording_mode, can_export)
     VALUES ($1, ST_SetSRID(ST_MakePoint(-122.03, 37.97), 4326), '1 Main St', 'exterior', ARRAY['street'], $2, $3, 'motion', 'yes') RETURNING id";

async fn registration(client: &Client, status: &str) -> i64 {
    client
        .query_one(INSERT_REGISTRATION, &[&status])
        .await
        .unwrap()
        .get(0)
}

async fn camera(
    client: &Client,
    registration: i64,
    facing: Option<f32>,
    retention: Option<i32>,
) -> Result<i64, tokio_postgres::Error> {
    Ok(client
        .query_one(INSERT_CAMERA, &[&registration, &facing, &retention])
        .await?
        .get(0))
}

async fn changes(client: &Client) -> Vec<(i64, String)> {
    client
        .query("SELECT camera_id, op FROM changes ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn constraint_violation(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    let code = e.code();
    code == Some(&SqlState::CHECK_VIOLATION)
        || code == Some(&SqlState::FOREIGN_KEY_VIOLATION)
        || code == Some(&SqlState::NOT_NULL_VIOLATION)
}

#[tokio::test]
async fn constraints_refuse_bad_cameras() {
    let db = TestDatabase::new().await.unwrap();
    let client = db.connect().await.unwrap();
    let owner = registration(&client, "active").await;
    assert!(camera(&client, owner, Some(90.0), Some(30)).await.is_ok());
    assert!(camera(&client, owner, Some(360.0), Some(0)).await.is_ok());

    let facing = camera(&client, owner, Some(400.0), Some(30))
        .await
        .unwrap_err();
    assert!(constraint_violation(&facing), "{facing}");
    let negative_facing = camera(&client, owner, Some(-1.0), Some(30))
        .await
        .unwrap_err();
    assert!(constraint_violation(&negative_facing), "{negative_facing}");
    let retention = camera(&client, owner, Some(10.0), Some(-1))
        .await
        .unwrap_err();
    assert!(constraint_violation(&retention), "{retention}");
    let long_retention = camera(&client, owner, Some(10.0), Some(3651))
        .await
        .unwrap_err();
    assert!(constraint_violation(&long_retention), "{long_retention}");
    let orphan = camera(&client, 999_999, Some(10.0), Some(30))
        .await
        .unwrap_err();
    assert!(constraint_violation(&orphan), "{orphan}");

    let bad_view = client
        .execute("INSERT INTO cameras (registration_id, location, address, placement, views, recording_mode, can_export)
                  VALUES ($1, ST_SetSRID(ST_MakePoint(0, 0), 4326), 'x', 'exterior', ARRAY['bedroom'], 'motion', 'yes')", &[&owner])
        .await
        .unwrap_err();
    assert!(constraint_violation(&bad_view), "{bad_view}");
    let bad_status = client
        .query_one(INSERT_REGISTRATION, &[&"deleted"])
        .await
        .unwrap_err();
    assert!(constraint_violation(&bad_status), "{bad_status}");
    let count: i64 = client
        .query_one("SELECT count(*) FROM cameras", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2, "only the two valid cameras are stored");
}

#[tokio::test]
async fn changes_follow_what_feeds_show() {
    let db = TestDatabase::new().await.unwrap();
    let client = db.connect().await.unwrap();
    let active = registration(&client, "active").await;
    let pending = registration(&client, "pending").await;
    let shown = camera(&client, active, Some(90.0), Some(30)).await.unwrap();
    let hidden = camera(&client, pending, Some(90.0), Some(30))
        .await
        .unwrap();
    assert_eq!(
        changes(&client).await,
        vec![(shown, "upsert".into())],
        "a pending owner's camera is not in feeds"
    );

    // Touching nothing a feed shows records nothing.
    client
        .execute(
            "UPDATE cameras SET updated_at = now() WHERE id = $1",
            &[&shown],
        )
        .await
        .unwrap();
    client
        .execute(
            "UPDATE cameras SET facing_deg = 10 WHERE id = $1",
            &[&hidden],
        )
        .await
        .unwrap();
    assert_eq!(changes(&client).await.len(), 1);

    client
        .execute(
            "UPDATE cameras SET facing_deg = 180 WHERE id = $1",
            &[&shown],
        )
        .await
        .unwrap();
    // The pending owner confirms: their camera appears.
    client
        .execute(
            "UPDATE registrations SET status = 'active' WHERE id = $1",
            &[&pending],
        )
        .await
        .unwrap();
    // The first owner pauses: their camera leaves the feeds.
    client
        .execute(
            "UPDATE registrations SET status = 'paused' WHERE id = $1",
            &[&active],
        )
        .await
        .unwrap();
    // The second owner opts out: personal data and cameras go, tombstones stay.
    client
        .execute(
            "UPDATE registrations SET status = 'opted_out', opted_out_at = now() WHERE id = $1",
            &[&pending],
        )
        .await
        .unwrap();
    client
        .execute(
            "DELETE FROM cameras WHERE registration_id = $1",
            &[&pending],
        )
        .await
        .unwrap();
    assert_eq!(
        changes(&client).await,
        vec![
            (shown, "upsert".into()),
            (shown, "upsert".into()),
            (hidden, "upsert".into()),
            (shown, "delete".into()),
            (hidden, "delete".into()),
            (hidden, "delete".into()),
        ]
    );
    let moved = client
        .execute("UPDATE cameras SET id = 424242 WHERE id = $1", &[&shown])
        .await
        .unwrap_err();
    assert!(constraint_violation(&moved), "{moved}");
}

#[tokio::test]
async fn audit_log_is_append_only_and_chained() {
    let db = TestDatabase::new().await.unwrap();
    let client = db.connect().await.unwrap();
    for action in ["login.success", "canvass.create"] {
        client
            .execute(
                "INSERT INTO audit_log (actor_kind, action) VALUES ('system', $1)",
                &[&action],
            )
            .await
            .unwrap();
    }
    let rows = client
        .query(
            "SELECT prev_hash, row_hash FROM audit_log ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    let (first, second): (Vec<u8>, Vec<u8>) = (rows[0].get(1), rows[1].get(0));
    assert_eq!(first, second, "each row names its predecessor's hash");
    assert!(
        client
            .execute("UPDATE audit_log SET action = 'x'", &[])
            .await
            .is_err()
    );
    assert!(client.execute("DELETE FROM audit_log", &[]).await.is_err());
    assert!(client.batch_execute("TRUNCATE audit_log").await.is_err());
}

#[tokio::test]
async fn migrations_are_idempotent_and_safe_concurrently() {
    let db = TestDatabase::unmigrated().await.unwrap();
    let set = migrate::embedded().unwrap();
    let (a, b) = (db.connect().await.unwrap(), db.connect().await.unwrap());
    let (first, second) = tokio::join!(migrate::run(&a, &set), migrate::run(&b, &set));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first.applied.len() + second.applied.len(),
        set.len(),
        "each migration applied once"
    );
    let again = migrate::run(&a, &set).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, set.len());
}

#[tokio::test]
async fn an_edited_migration_is_refused_by_name() {
    let db = TestDatabase::unmigrated().await.unwrap();
    let client = db.connect().await.unwrap();
    let mut set = migrate::embedded().unwrap();
    migrate::run(&client, &set).await.unwrap();
    set[2].sql.push_str("\n-- edited after release\n");
    set[2].checksum = "0".repeat(64);
    let err = migrate::run(&client, &set).await.unwrap_err().to_string();
    assert!(err.contains(&set[2].file), "{err}");
    // A database ahead of this binary is refused too.
    let fewer = &migrate::embedded().unwrap()[..3];
    let err = migrate::run(&client, fewer).await.unwrap_err().to_string();
    assert!(err.contains("does not know"), "{err}");
}

#[tokio::test]
async fn the_application_role_cannot_rewrite_the_audit_trail() {
    let db = TestDatabase::new().await.unwrap();
    let client = db.connect().await.unwrap();
    // Even with the triggers out of the way, privileges refuse.
    client
        .batch_execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        .await
        .unwrap();
    client.batch_execute("SET ROLE canvass_app").await.unwrap();
    client
        .execute(
            "INSERT INTO audit_log (actor_kind, action) VALUES ('system', 'test.event')",
            &[],
        )
        .await
        .unwrap();
    for statement in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DELETE FROM canvass_schema_migrations",
        "DROP TABLE cameras",
    ] {
        let err = client.batch_execute(statement).await.unwrap_err();
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{statement}: {err}"
        );
    }
    // What the application does need still works.
    let owner = registration(&client, "active").await;
    camera(&client, owner, Some(10.0), Some(7)).await.unwrap();
    client
        .execute(
            "UPDATE registrations SET status = 'paused' WHERE id = $1",
            &[&owner],
        )
        .await
        .unwrap();
    assert_eq!(changes(&client).await.len(), 2);
}

/// `0017` moves the cameras a canvass kept into arrays of its row, in rank order, and keeps
/// only the outcomes someone recorded, with their history.
#[tokio::test]
async fn canvass_cameras_move_into_the_canvass_row() {
    let db = TestDatabase::unmigrated().await.unwrap();
    let client = db.connect().await.unwrap();
    let all = migrate::embedded().unwrap();
    let before = all
        .iter()
        .position(|m| m.file.starts_with("0017"))
        .expect("0017 is embedded");
    migrate::run(&client, &all[..before]).await.unwrap();
    let owner = registration(&client, "active").await;
    let (near, far) = (
        camera(&client, owner, None, Some(7)).await.unwrap(),
        camera(&client, owner, None, None).await.unwrap(),
    );
    let canvass: i64 = client
        .query_one(
            "INSERT INTO canvasses (case_number, reason, incident, incident_time, area_kind,
                 radius_m, found, created_by_name)
             VALUES ('24-000001', 'burglary', ST_SetSRID(ST_MakePoint(-122.03, 37.97), 4326),
                     '2026-12-01T14:00:00Z', 'radius', 300, 2, 'Officer A') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    client
        .execute(
            "INSERT INTO canvass_cameras (canvass_id, camera_id, rank, distance_m, bearing_deg,
                 faces_incident, footage_until, contact_status, notes, updated_by_name)
             VALUES ($1, $2, 1, 10.5, 90, 'yes', '2026-12-08T14:00:00Z', 'contacted', 'call back', 'Officer A'),
                    ($1, $3, 2, 20.5, 180, 'unknown', NULL, 'not_contacted', NULL, NULL)",
            &[&canvass, &far, &near],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO canvass_camera_history (canvass_id, camera_id, contact_status, notes,
                 changed_by_name) VALUES ($1, $2, 'contacted', 'call back', 'Officer A')",
            &[&canvass, &far],
        )
        .await
        .unwrap();
    migrate::run(&client, &all).await.unwrap();
    let row = client
        .query_one(
            "SELECT camera_ids, distances_m, faces_incident, cardinality(footage_until),
                    new_since_previous IS NULL
               FROM canvasses WHERE id = $1",
            &[&canvass],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<i64>>(0), vec![far, near], "rank order");
    assert_eq!(row.get::<_, Vec<f32>>(1), vec![10.5, 20.5]);
    assert_eq!(row.get::<_, Vec<String>>(2), vec!["yes", "unknown"]);
    assert_eq!(row.get::<_, i32>(3), 2);
    assert!(row.get::<_, bool>(4), "not a re-run");
    let kept: Vec<(i64, String)> = client
        .query(
            "SELECT camera_id, contact_status FROM canvass_camera_status WHERE canvass_id = $1",
            &[&canvass],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        kept,
        vec![(far, "contacted".to_owned())],
        "only recorded outcomes"
    );
    let history: i64 = client
        .query_one("SELECT count(*) FROM canvass_camera_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(history, 1);
    // Misaligned arrays are refused.
    let err = client
        .execute(
            "UPDATE canvasses SET distances_m = '{1}' WHERE id = $1",
            &[&canvass],
        )
        .await
        .unwrap_err();
    assert!(constraint_violation(&err), "{err}");
}
