//! The change feed through the real binary: a records system that follows `next` from the
//! start holds exactly the registry's active cameras, after edits, moves, opt-outs, lapses,
//! deletions and transactions that commit out of order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, create_key};
use reqwest::StatusCode;
use serde_json::Value;

const ACTIVE: &str = "SELECT c.id, ST_X(c.location), ST_Y(c.location), c.retention_days
    FROM cameras c JOIN registrations r ON r.id = c.registration_id
    WHERE r.status = 'active' ORDER BY c.id";

type Copy = BTreeMap<i64, (f64, f64, Option<i64>)>;

async fn get(
    url: &str,
    key: Option<&str>,
    if_none_match: Option<&str>,
) -> (StatusCode, String, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(key) = key {
        request = request.basic_auth("rms", Some(key));
    }
    if let Some(tag) = if_none_match {
        request = request.header("If-None-Match", tag);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, etag, response.text().await.unwrap())
}

/// Follows the feed from `cursor` until it has nothing more, applying every change to `copy`;
/// returns the cursor to poll from next time.
async fn sync(base: &str, key: &str, mut cursor: String, copy: &mut Copy) -> String {
    loop {
        let url = format!("{base}/api/v1/changes?after={cursor}&limit=97");
        let (status, _, body) = get(&url, Some(key), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        for change in page["changes"].as_array().unwrap() {
            let id = change["camera_id"].as_i64().unwrap();
            match change["op"].as_str().unwrap() {
                "upsert" => {
                    let camera = &change["camera"];
                    assert!(camera.get("address").is_none() && camera.get("notes").is_none());
                    copy.insert(
                        id,
                        (
                            camera["lon"].as_f64().unwrap(),
                            camera["lat"].as_f64().unwrap(),
                            camera["retention_days"].as_i64(),
                        ),
                    );
                }
                "delete" => {
                    assert!(change.get("camera").is_none());
                    copy.remove(&id);
                }
                other => panic!("unknown op {other}"),
            }
        }
        cursor = page["cursor"].as_str().unwrap().to_owned();
        assert!(page["next"].as_str().unwrap().contains(&cursor));
        if !page["more"].as_bool().unwrap() {
            return cursor;
        }
    }
}

async fn active(client: &tokio_postgres::Client) -> Copy {
    client
        .query(ACTIVE, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let retention: Option<i32> = r.get(3);
            (r.get(0), (r.get(1), r.get(2), retention.map(i64::from)))
        })
        .collect()
}

/// Syncs until the copy holds the registry's active cameras. A change is delivered only once
/// every transaction older than it has ended, and the server's own short writes (a key's
/// last use) may be such a transaction for a moment: a bounded number of polls.
async fn sync_until_same(
    base: &str,
    key: &str,
    mut cursor: String,
    copy: &mut Copy,
    client: &tokio_postgres::Client,
    tolerance: f64,
) -> String {
    for _ in 0..50 {
        cursor = sync(base, key, cursor, copy).await;
        let truth = active(client).await;
        if copy.len() == truth.len()
            && truth.iter().all(|(id, (lon, lat, retention))| {
                copy.get(id).is_some_and(|(l, b, r)| {
                    (l - lon).abs() < tolerance && (b - lat).abs() < tolerance && r == retention
                })
            })
        {
            return cursor;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_same(copy, &active(client).await, tolerance);
    cursor
}

/// Degrees within which a position read from the feed (exact) must match the database's.
const EXACT: f64 = 1e-9;
/// Degrees within which a position read from a download (written rounded) must match.
const ROUNDED: f64 = 1e-6;

fn assert_same(copy: &Copy, truth: &Copy, tolerance: f64) {
    assert_eq!(copy.len(), truth.len());
    for (id, (lon, lat, retention)) in truth {
        let (l, b, r) = copy
            .get(id)
            .unwrap_or_else(|| panic!("camera {id} missing"));
        assert!(
            (l - lon).abs() < tolerance && (b - lat).abs() < tolerance,
            "camera {id} position"
        );
        assert_eq!(r, retention, "camera {id} retention");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_records_system_following_the_feed_holds_exactly_the_active_cameras() {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (url, data) = (db.url.clone(), dir.path().to_str().unwrap().to_owned());
    let (server, records, officer) = tokio::task::spawn_blocking(move || {
        let server = Server::demo(&url, &data, "400");
        (
            server,
            create_key(&url, "records"),
            create_key(&url, "officer"),
        )
    })
    .await
    .unwrap();
    let base = server.base.clone();
    let client = db.connect().await.unwrap();

    // A first full copy, page by page.
    let mut copy = Copy::new();
    let cursor = sync_until_same(&base, &records, "0.0".into(), &mut copy, &client, EXACT).await;

    // Nothing new: a client holding the page is told so.
    let poll = format!("{base}/api/v1/changes?after={cursor}&limit=97");
    let mut unchanged = false;
    for _ in 0..20 {
        let (status, etag, body) = get(&poll, Some(&records), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if get(&poll, Some(&records), Some(&etag)).await.0 == StatusCode::NOT_MODIFIED {
            unchanged = true;
            break;
        }
    }
    assert!(unchanged, "an unchanged page is answered 304");

    // Edits, a move, an opt-out, a lapse, a deletion: one camera of each of several owners.
    let ids: Vec<i64> = client
        .query(
            "SELECT DISTINCT ON (c.registration_id) c.id
               FROM cameras c JOIN registrations r ON r.id = c.registration_id
              WHERE r.status = 'active' ORDER BY c.registration_id, c.id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let statements = [
        format!(
            "UPDATE cameras SET retention_days = 77 WHERE id = {}",
            ids[0]
        ),
        format!(
            "UPDATE cameras SET location = ST_SetSRID(ST_MakePoint(ST_X(location) + 0.001, \
             ST_Y(location)), 4326) WHERE id = {}",
            ids[1]
        ),
        format!(
            "UPDATE registrations SET status = 'opted_out', opted_out_at = now() WHERE id = \
             (SELECT registration_id FROM cameras WHERE id = {})",
            ids[2]
        ),
        format!(
            "UPDATE registrations SET status = 'lapsed' WHERE id = \
             (SELECT registration_id FROM cameras WHERE id = {})",
            ids[3]
        ),
        format!("DELETE FROM cameras WHERE id = {}", ids[4]),
    ];
    for statement in &statements {
        client.batch_execute(statement).await.unwrap();
    }
    let cursor = sync_until_same(&base, &records, cursor, &mut copy, &client, EXACT).await;
    assert_eq!(copy[&ids[0]].2, Some(77));

    // Out of order: A starts first and commits last. While A runs, B's committed change is
    // held back (not skipped); once A commits, both arrive.
    let a = db.connect().await.unwrap();
    a.batch_execute(&format!(
        "BEGIN; UPDATE cameras SET retention_days = 11 WHERE id = {}",
        ids[5]
    ))
    .await
    .unwrap();
    client
        .batch_execute(&format!(
            "UPDATE cameras SET retention_days = 22 WHERE id = {}",
            ids[6]
        ))
        .await
        .unwrap();
    for _ in 0..5 {
        let held = sync(&base, &records, cursor.clone(), &mut copy).await;
        assert_eq!(
            held, cursor,
            "nothing is delivered past a transaction still running"
        );
        assert_ne!(copy[&ids[6]].2, Some(22));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    a.batch_execute("COMMIT").await.unwrap();
    sync_until_same(&base, &records, cursor, &mut copy, &client, EXACT).await;
    assert_eq!(copy[&ids[5]].2, Some(11));
    assert_eq!(copy[&ids[6]].2, Some(22));

    // Refusals: who may read it, and input no answer could have given.
    let first = format!("{base}/api/v1/changes");
    assert_eq!(get(&first, None, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&first, Some(&officer), None).await.0,
        StatusCode::FORBIDDEN
    );
    for query in [
        "after=abc",
        "after=1.2.3",
        "after=-1.5",
        "after=99999999999999999999.1",
        "after=%27%3B%20DROP%20TABLE%20changes%3B%20--",
        "limit=0",
        "limit=100000000",
        "limit=ten",
    ] {
        let (status, _, body) = get(&format!("{first}?{query}"), Some(&records), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(
            error["error"].as_str().unwrap().starts_with("after")
                || error["error"].as_str().unwrap().starts_with("limit"),
            "{query}: {body}"
        );
    }
    let tail = format!(
        "{first}?after={}.0&limit={}",
        u64::MAX / 2,
        "x".repeat(10_000)
    );
    assert_eq!(
        get(&tail, Some(&records), None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(active(&client).await.len(), copy.len());
}

/// A records system's first copy from the FlatGeobuf/GeoJSON download, then the feed from the
/// download's `Canvass-Changes-Cursor`: exact, with changes committed before, during and after
/// the download, and a transaction that began before it and commits after.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_from_the_download_is_kept_exact_from_its_cursor() {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (url, data) = (db.url.clone(), dir.path().to_str().unwrap().to_owned());
    let (server, records) = tokio::task::spawn_blocking(move || {
        let server = Server::demo(&url, &data, "400");
        (server, create_key(&url, "records"))
    })
    .await
    .unwrap();
    let base = server.base.clone();
    let client = db.connect().await.unwrap();
    // One camera of each of several owners, so that an opt-out touches only its own.
    let ids: Vec<i64> = client
        .query(
            "SELECT DISTINCT ON (c.registration_id) c.id
               FROM cameras c JOIN registrations r ON r.id = c.registration_id
              WHERE r.status = 'active' ORDER BY c.registration_id, c.id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();

    // Let the whole feed settle, so that the cursor's worth is measurable below.
    let mut settled = Copy::new();
    sync_until_same(&base, &records, "0.0".into(), &mut settled, &client, EXACT).await;

    // A change the server may not have applied to its index yet, and one that began before
    // the download and commits after it.
    client
        .batch_execute(&format!(
            "UPDATE cameras SET retention_days = 33 WHERE id = {}",
            ids[0]
        ))
        .await
        .unwrap();
    let late = db.connect().await.unwrap();
    late.batch_execute(&format!(
        "BEGIN; UPDATE cameras SET retention_days = 44 WHERE id = {}",
        ids[1]
    ))
    .await
    .unwrap();

    let download = format!("{base}/ogc/collections/cameras/download?f=geojson");
    let response = reqwest::Client::new()
        .get(&download)
        .basic_auth("rms", Some(&records))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cursor = response
        .headers()
        .get("canvass-changes-cursor")
        .expect("a whole-collection download names its feed cursor")
        .to_str()
        .unwrap()
        .to_owned();
    let file: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let mut copy: Copy = file["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let at = &f["geometry"]["coordinates"];
            (
                f["id"].as_i64().unwrap(),
                (
                    at[0].as_f64().unwrap(),
                    at[1].as_f64().unwrap(),
                    f["properties"]["retention_days"].as_i64(),
                ),
            )
        })
        .collect();
    assert!(copy.len() > 100, "{} cameras downloaded", copy.len());

    // After the download: an opt-out, a move, a deletion; then the late transaction commits.
    client
        .batch_execute(&format!(
            "UPDATE registrations SET status = 'opted_out', opted_out_at = now() WHERE id = \
             (SELECT registration_id FROM cameras WHERE id = {});
             UPDATE cameras SET location = ST_SetSRID(ST_MakePoint(ST_X(location) + 0.001, \
             ST_Y(location)), 4326) WHERE id = {};
             DELETE FROM cameras WHERE id = {}",
            ids[2], ids[3], ids[4]
        ))
        .await
        .unwrap();
    late.batch_execute("COMMIT").await.unwrap();

    // The cursor is a position in the feed, not its start: far fewer changes follow it than
    // the whole feed holds.
    let (status, _, body) = get(
        &format!("{base}/api/v1/changes?after={cursor}&limit=10000"),
        Some(&records),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cursor}: {body}");
    let after: Value = serde_json::from_str(&body).unwrap();
    let replayed = after["changes"].as_array().unwrap().len();
    assert!(
        replayed < 50,
        "{replayed} changes follow the download's cursor {cursor}"
    );

    sync_until_same(&base, &records, cursor, &mut copy, &client, ROUNDED).await;
    assert_eq!(copy[&ids[0]].2, Some(33));
    assert_eq!(copy[&ids[1]].2, Some(44));
    assert!(!copy.contains_key(&ids[4]));

    // A filtered download is not a whole copy: it names no cursor.
    let filtered = reqwest::Client::new()
        .get(format!("{download}&bbox=-180,-90,180,90"))
        .basic_auth("rms", Some(&records))
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.status(), StatusCode::OK);
    assert!(filtered.headers().get("canvass-changes-cursor").is_none());
}
