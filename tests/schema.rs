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
