//! The officer's canvass through the real binary over HTTP on a real PostGIS: radius, polygon,
//! route and missing-person searches return exactly the cameras PostGIS finds, in distance
//! order; faces-incident and footage flags for hand-made cameras; contacts only with pii, in
//! JSON and CSV, each disclosure audited with the case number; per-camera status with its
//! history; and every bad request refused with a clear 4xx naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use canvass_e2e::{
    DemoServer, Session, create_named_key_async, demo_server, run, stderr_of, stdout_of,
};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

/// Metres per degree of latitude on the mean sphere.
const METRES_PER_DEGREE: f64 = 111_195.08;

/// Active cameras within a radius of a point, with PostGIS's sphere distance, nearest first.
const IN_RADIUS: &str = "
    SELECT c.id, ST_Distance(c.location::geography, p.g, false),
           degrees(ST_Azimuth(p.g, c.location::geography))
      FROM cameras c JOIN registrations r ON r.id = c.registration_id,
           (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g) p
     WHERE r.status = 'active' AND ST_DWithin(c.location::geography, p.g, $3, false)
     ORDER BY 2, 1";
/// Active cameras inside a GeoJSON polygon (its boundary included), with their distance from
/// the incident.
const IN_POLYGON: &str = "
    SELECT c.id, ST_Distance(c.location::geography, p.g, false),
           degrees(ST_Azimuth(p.g, c.location::geography))
      FROM cameras c JOIN registrations r ON r.id = c.registration_id,
           (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g) p
     WHERE r.status = 'active'
       AND ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON($3), 4326), c.location)
     ORDER BY 2, 1";
/// Active cameras within a buffer of a GeoJSON line (on the sphere).
const ALONG_ROUTE: &str = "
    SELECT c.id, ST_Distance(c.location::geography, p.g, false),
           degrees(ST_Azimuth(p.g, c.location::geography))
      FROM cameras c JOIN registrations r ON r.id = c.registration_id,
           (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g) p
     WHERE r.status = 'active'
       AND ST_DWithin(ST_SetSRID(ST_GeomFromGeoJSON($3), 4326)::geography,
                      c.location::geography, $4, false)
     ORDER BY 2, 1";

async fn setup(cameras: &str) -> DemoServer {
    demo_server(cameras, &[]).await
}

/// A request with an optional JSON body: (status, body text).
async fn call(
    method: reqwest::Method,
    url: &str,
    key: &str,
    content_type: Option<&str>,
    body: Option<Vec<u8>>,
) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(key)
        .timeout(Duration::from_secs(60));
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn post(base: &str, key: &str, body: &Value) -> (u16, String) {
    call(
        reqwest::Method::POST,
        &format!("{base}/api/v1/canvasses"),
        key,
        Some("application/json"),
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await
}

async fn get(url: &str, key: &str) -> (u16, String) {
    call(reqwest::Method::GET, url, key, None, None).await
}

/// A canvass that must be created: its answer.
async fn canvass(base: &str, key: &str, body: &Value) -> Value {
    let (status, text) = post(base, key, body).await;
    assert_eq!(status, 201, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn request(case: &str, lon: f64, lat: f64, area: Value) -> Value {
    json!({
        "case_number": case,
        "reason": "burglary",
        "incident_time": "2026-01-15T14:05:00-08:00",
        "incident": {"type": "Point", "coordinates": [lon, lat]},
        "area": area,
    })
}

fn camera_ids(answer: &Value) -> Vec<i64> {
    answer["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["camera_id"].as_i64().unwrap())
        .collect()
}

/// The answer holds exactly the reference's cameras, in its distance order (cameras whose
/// distances differ by less than 2 cm may come either way: the index holds positions to the
/// centimetre), with the same distance and bearing from the incident.
fn assert_matches(answer: &Value, reference: &[tokio_postgres::Row], what: &str) {
    let got: BTreeSet<i64> = camera_ids(answer).into_iter().collect();
    let want: BTreeSet<i64> = reference.iter().map(|r| r.get::<_, i64>(0)).collect();
    assert_eq!(got, want, "{what}: the same cameras as PostGIS");
    let by_id: HashMap<i64, (f64, Option<f64>)> = reference
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let mut previous = 0.0;
    for (rank, camera) in answer["cameras"].as_array().unwrap().iter().enumerate() {
        let id = camera["camera_id"].as_i64().unwrap();
        let (distance, azimuth) = by_id[&id];
        assert!(
            distance >= previous - 0.02,
            "{what}: camera {id} at {distance} m after one at {previous} m"
        );
        previous = previous.max(distance);
        assert_eq!(camera["rank"].as_u64().unwrap(), rank as u64 + 1, "{what}");
        let shown = camera["distance_m"].as_f64().unwrap();
        assert!(
            (shown - distance).abs() <= 0.06,
            "{what}: camera {id} shown at {shown} m, PostGIS says {distance}"
        );
        if let Some(azimuth) = azimuth.filter(|_| distance > 5.0) {
            let bearing = camera["bearing_deg"].as_f64().unwrap();
            let off = (bearing - azimuth).rem_euclid(360.0);
            assert!(
                off.min(360.0 - off) <= 1.0,
                "{what}: camera {id} bearing {bearing}, PostGIS azimuth {azimuth}"
            );
        }
    }
    assert_eq!(answer["found"].as_u64().unwrap() as usize, want.len());
    assert_eq!(answer["truncated"], false);
}

/// A ring of `corners` points around a centre at uneven distances (concave at most corners),
/// closed, as GeoJSON positions rounded to 5 decimals (a metre).
fn star(lon: f64, lat: f64, corners: u32, reach: &[f64]) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = (0..corners)
        .map(|i| {
            let angle = std::f64::consts::TAU * f64::from(i) / f64::from(corners);
            let r = reach[i as usize % reach.len()];
            let round = |v: f64| (v * 1e5).round() / 1e5;
            [round(lon + r * angle.cos()), round(lat + r * angle.sin())]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

#[tokio::test]
async fn searches_return_exactly_what_postgis_finds_nearest_first() {
    let s = setup("6000").await;
    let officer = create_named_key_async(&s.db.url, "officer", "officer", false).await;
    let client = s.db.connect().await.unwrap();
    let base = s.server.base.clone();
    let mut checked = 0;

    // Circles of several sizes around points that are no grid's centre.
    for (lon, lat) in [
        (-122.0317, 37.9683),
        (-122.0441, 37.9752),
        (-122.0129, 37.9618),
    ] {
        for radius in [10.0, 150.0, 400.0, 1200.0] {
            let answer = canvass(
                &base,
                &officer,
                &request("26-000001", lon, lat, json!({"radius_m": radius})),
            )
            .await;
            let reference = client
                .query(IN_RADIUS, &[&lon, &lat, &radius])
                .await
                .unwrap();
            assert_matches(&answer, &reference, &format!("{radius} m at {lon},{lat}"));
            assert_eq!(answer["area"], json!({"radius_m": radius}));
            checked += reference.len();
        }
    }
    // The default radius is 300 m.
    let mut default = request("26-000001", -122.0317, 37.9683, json!({}));
    default.as_object_mut().unwrap().remove("area");
    let answer = canvass(&base, &officer, &default).await;
    let reference = client
        .query(IN_RADIUS, &[&-122.0317, &37.9683, &300.0])
        .await
        .unwrap();
    assert_matches(&answer, &reference, "the default radius");

    // Polygons: star-shaped (concave), and a square with a hole.
    let polygons = [
        json!({"type": "Polygon", "coordinates": [star(-122.035, 37.97, 9, &[0.012, 0.004, 0.009])]}),
        json!({"type": "Polygon", "coordinates": [
            star(-122.02, 37.965, 4, &[0.015]),
            star(-122.02, 37.965, 4, &[0.006]),
        ]}),
    ];
    for polygon in &polygons {
        let (lon, lat) = (-122.031, 37.967);
        let answer = canvass(
            &base,
            &officer,
            &request("26-000002", lon, lat, json!({"polygon": polygon})),
        )
        .await;
        let reference = client
            .query(IN_POLYGON, &[&lon, &lat, &polygon.to_string()])
            .await
            .unwrap();
        assert!(!reference.is_empty());
        assert_matches(&answer, &reference, &format!("polygon {polygon}"));
        assert_eq!(answer["area"]["polygon"]["type"], "Polygon");
        checked += reference.len();
    }

    // A route from the last-seen point through three turns, with a buffer.
    let route = json!({"type": "LineString", "coordinates": [
        [-122.041, 37.962], [-122.033, 37.966], [-122.034, 37.975], [-122.021, 37.979]
    ]});
    for buffer in [25.0, 120.0] {
        let (lon, lat) = (-122.041, 37.962);
        let answer = canvass(
            &base,
            &officer,
            &request(
                "26-000003",
                lon,
                lat,
                json!({"route": route, "buffer_m": buffer}),
            ),
        )
        .await;
        let reference = client
            .query(ALONG_ROUTE, &[&lon, &lat, &route.to_string(), &buffer])
            .await
            .unwrap();
        assert!(!reference.is_empty());
        assert_matches(&answer, &reference, &format!("route with {buffer} m"));
        assert_eq!(answer["area"]["buffer_m"], buffer);
        checked += reference.len();
    }

    // A missing person last seen 9 minutes ago, walking at 5 km/h: the radius is the walk.
    let last_seen = (Utc::now() - TimeDelta::minutes(9)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let (lon, lat) = (-122.0317, 37.9683);
    let missing = json!({
        "case_number": "26-000004",
        "reason": "missing person",
        "incident": {"type": "Point", "coordinates": [lon, lat]},
        "area": {"missing_person": {"last_seen_at": last_seen, "speed_kmh": 5}},
    });
    let answer = canvass(&base, &officer, &missing).await;
    let id = answer["id"].as_i64().unwrap();
    let stored: f32 = client
        .query_one("SELECT radius_m FROM canvasses WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    let walked = f64::from(stored);
    assert!(
        (740.0..800.0).contains(&walked),
        "9 minutes at 5 km/h: {walked} m"
    );
    let reference = client
        .query(IN_RADIUS, &[&lon, &lat, &walked])
        .await
        .unwrap();
    assert_matches(&answer, &reference, "missing person");
    assert_eq!(answer["incident_time"], json!(last_seen));
    checked += reference.len();
    assert!(checked > 1_000, "the searches found cameras: {checked}");

    // Every canvass is stored with its cameras in answer order.
    let kept: i64 = client
        .query_one(
            "SELECT cardinality(camera_ids)::bigint FROM canvasses WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept as usize, reference.len());
}

/// Adds an active registration with one camera; returns the camera id.
async fn hand_made(
    client: &tokio_postgres::Client,
    (lon, lat): (f64, f64),
    facing: Option<f32>,
    fov: Option<f32>,
    range: Option<f32>,
    retention: Option<i32>,
) -> i64 {
    let registration: i64 = client
        .query_one(
            "INSERT INTO registrations (status, kind, consent_version, consented_at, source,
                 confirmed_at, verified_at)
             VALUES ('active', 'business', 'test', now(), 'officer', now(), now()) RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    client
        .query_one(
            "INSERT INTO cameras (registration_id, location, address, placement, views,
                 facing_deg, fov_deg, range_m, retention_days, recording_mode, can_export)
             VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326), '1 Test Way', 'exterior',
                     ARRAY['street'], $4, $5, $6, $7, 'continuous', 'yes')
             RETURNING id",
            &[&registration, &lon, &lat, &facing, &fov, &range, &retention],
        )
        .await
        .unwrap()
        .get(0)
}

/// Waits until the server's camera index holds `count` cameras.
async fn wait_for_index(base: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let metrics = reqwest::get(format!("{base}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let size = metrics
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains("tile_index_cameras"))
            .find_map(|l| l.split_whitespace().last()?.parse::<usize>().ok());
        if size == Some(count) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "index holds {size:?}, not {count}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn index_size(client: &tokio_postgres::Client) -> usize {
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id
             WHERE r.status = 'active'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    count as usize
}

#[tokio::test]
async fn faces_incident_and_footage_for_hand_made_cameras() {
    let s = setup("300").await;
    let officer = create_named_key_async(&s.db.url, "officer", "officer", false).await;
    let client = s.db.connect().await.unwrap();
    let base = s.server.base.clone();
    // Far from the demo city: only these cameras are near.
    let (lon, lat) = (-121.90, 37.80);
    let north = |m: f64| (lon, lat + m / METRES_PER_DEGREE);
    let south = |m: f64| (lon, lat - m / METRES_PER_DEGREE);
    let east = |m: f64| (lon + m / (METRES_PER_DEGREE * lat.to_radians().cos()), lat);
    // North of the incident facing south: it sees it. Its footage ended yesterday.
    let facing = hand_made(
        &client,
        north(20.0),
        Some(180.0),
        Some(90.0),
        Some(40.0),
        Some(2),
    )
    .await;
    // North of it facing away (north); footage ends within 24 hours.
    let away = hand_made(
        &client,
        north(20.0),
        Some(0.0),
        Some(90.0),
        Some(40.0),
        Some(4),
    )
    .await;
    // East of it without a facing; footage ends in 10 days.
    let unknown = hand_made(&client, east(24.0), None, None, None, Some(13)).await;
    // South of it facing south, but seeing all around; retention unknown.
    let around = hand_made(
        &client,
        south(28.0),
        Some(180.0),
        Some(360.0),
        Some(30.0),
        None,
    )
    .await;
    // North facing south, but beyond the default range (30 m) of a camera without one.
    let far = hand_made(&client, north(45.0), Some(180.0), None, None, Some(30)).await;
    wait_for_index(&base, index_size(&client).await).await;

    let incident_time =
        (Utc::now() - TimeDelta::days(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut body = request("26-000010", lon, lat, json!({"radius_m": 60}));
    body["incident_time"] = json!(incident_time);
    let answer = canvass(&base, &officer, &body).await;
    assert_eq!(
        camera_ids(&answer),
        vec![facing, away, unknown, around, far],
        "nearest first, ties by id"
    );
    let incident: DateTime<Utc> = incident_time.parse().unwrap();
    let until = |days: i64| {
        json!((incident + TimeDelta::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true))
    };
    let expected = [
        (facing, "yes", until(2), "overwritten", 0),
        (away, "no", until(4), "at_risk", 0),
        (unknown, "unknown", until(13), "ok", 90),
        (around, "yes", Value::Null, "unknown", 180),
        (far, "no", until(30), "ok", 0),
    ];
    for (camera, (id, faces, footage_until, status, bearing)) in
        answer["cameras"].as_array().unwrap().iter().zip(expected)
    {
        assert_eq!(camera["camera_id"], id);
        assert_eq!(camera["faces_incident"], faces, "camera {id}");
        assert_eq!(camera["footage_until"], footage_until, "camera {id}");
        assert_eq!(camera["footage_status"], status, "camera {id}");
        assert_eq!(camera["bearing_deg"], bearing, "camera {id}");
        assert_eq!(camera["kind"], "business");
        assert_eq!(camera["status"], "not_contacted");
    }

    // A missing person last seen here 30 minutes ago; then a camera is registered nearby and
    // the case is run again: the circle has grown, and only the new camera is marked new.
    let last_seen =
        (Utc::now() - TimeDelta::minutes(30)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let missing = json!({
        "case_number": "26-000011",
        "reason": "missing child",
        "incident": {"type": "Point", "coordinates": [lon, lat]},
        "area": {"missing_person": {"last_seen_at": last_seen}},
    });
    let first = canvass(&base, &officer, &missing).await;
    assert!(first.get("previous_run_id").is_none());
    assert!(first["cameras"][0].get("new_since_previous_run").is_none());
    let newcomer = hand_made(&client, east(300.0), Some(270.0), None, None, Some(7)).await;
    wait_for_index(&base, index_size(&client).await).await;
    let again = canvass(&base, &officer, &missing).await;
    assert_eq!(again["previous_run_id"], first["id"]);
    let radius = |a: &Value| a["area"]["missing_person"]["radius_m"].as_f64().unwrap();
    assert!(
        (1950.0..2100.0).contains(&radius(&first)),
        "{}",
        radius(&first)
    );
    assert!(radius(&again) >= radius(&first));
    let marked: Vec<(i64, bool)> = again["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["camera_id"].as_i64().unwrap(),
                c["new_since_previous_run"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(marked.len(), 6, "{marked:?}");
    for (id, new) in marked {
        assert_eq!(new, id == newcomer, "camera {id}");
    }
}

#[tokio::test]
async fn contacts_only_with_pii_every_canvass_and_disclosure_audited() {
    let s = setup("1000").await;
    let officer = create_named_key_async(&s.db.url, "officer", "officer", false).await;
    let detective = create_named_key_async(&s.db.url, "detective", "officer", true).await;
    let analyst = create_named_key_async(&s.db.url, "analyst", "analyst", false).await;
    let records = create_named_key_async(&s.db.url, "records", "records", true).await;
    let client = s.db.connect().await.unwrap();
    let base = s.server.base.clone();
    let (lon, lat) = (-122.0317, 37.9683);
    let body = request("26-000020", lon, lat, json!({"radius_m": 400}));

    // Without pii: no address and no contact, in the answer, the read-back or the CSV.
    let plain = canvass(&base, &officer, &body).await;
    let plain_id = plain["id"].as_i64().unwrap();
    let ids = camera_ids(&plain);
    assert!(ids.len() > 5, "{}", ids.len());
    let url = format!("{base}/api/v1/canvasses/{plain_id}");
    let (status, read_back) = get(&url, &officer).await;
    assert_eq!(status, 200);
    let (status, plain_csv) = get(&format!("{url}.csv"), &officer).await;
    assert_eq!(status, 200);
    for camera in plain["cameras"].as_array().unwrap() {
        assert!(camera.get("contact").is_none() && camera.get("address").is_none());
    }
    let read_back: Value = serde_json::from_str(&read_back).unwrap();
    assert_eq!(camera_ids(&read_back), ids);
    assert_eq!(read_back["case_number"], "26-000020");
    let header = plain_csv.lines().next().unwrap();
    assert!(header.starts_with("rank,camera_id,distance_m"), "{header}");
    for column in ["address", "name", "email", "phone", "contact"] {
        assert!(!header.split(',').any(|c| c.contains(column)), "{header}");
    }
    assert_eq!(plain_csv.lines().count(), ids.len() + 1);

    // An analyst may canvass too; the records system may not.
    assert_eq!(post(&base, &analyst, &body).await.0, 201);
    let (status, text) = post(&base, &records, &body).await;
    assert_eq!(status, 403, "{text}");

    // With pii: each camera with its owner's contact, and the disclosure audited.
    let full = canvass(&base, &detective, &body).await;
    let full_id = full["id"].as_i64().unwrap();
    assert_eq!(camera_ids(&full), ids);
    let mut owners = BTreeSet::new();
    for camera in full["cameras"].as_array().unwrap() {
        let contact = &camera["contact"];
        assert!(contact["email"].as_str().unwrap().contains('@'), "{camera}");
        assert!(!contact["name"].as_str().unwrap().is_empty());
        assert!(["en", "es"].contains(&contact["language"].as_str().unwrap()));
        assert!(contact.get("contact_method").is_some() && contact.get("phone").is_some());
        assert!(!camera["address"].as_str().unwrap().is_empty());
        let email = contact["email"].as_str().unwrap();
        let name = contact["name"].as_str().unwrap();
        for shown in [plain.to_string(), read_back.to_string(), plain_csv.clone()] {
            assert!(!shown.contains(email) && !shown.contains(name));
        }
        owners.insert(
            client
                .query_one(
                    "SELECT registration_id FROM cameras WHERE id = $1",
                    &[&camera["camera_id"].as_i64().unwrap()],
                )
                .await
                .unwrap()
                .get::<_, i64>(0),
        );
    }
    let full_url = format!("{base}/api/v1/canvasses/{full_id}");
    let (status, csv) = get(&format!("{full_url}.csv"), &detective).await;
    assert_eq!(status, 200);
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",address,name,email,phone,business_name,language,contact_method")
    );
    assert!(csv.contains('@'));
    let (status, json_again) = get(&full_url, &detective).await;
    assert_eq!(status, 200);
    assert!(json_again.contains("\"contact\":{"));
    // Asked without contacts: none shown, nothing disclosed.
    let (status, quiet) = get(&format!("{full_url}?contacts=false"), &detective).await;
    assert_eq!(status, 200);
    assert!(!quiet.contains("\"contact\"") && !quiet.contains('@'));

    // A status change with its history; it is audited with the case number.
    let first = ids[0];
    let status_url = format!("{base}/api/v1/canvasses/{plain_id}/cameras/{first}");
    let patch = |key: String, body: Value| {
        let url = status_url.clone();
        async move {
            call(
                reqwest::Method::PATCH,
                &url,
                &key,
                Some("application/json"),
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await
        }
    };
    let (status, text) = patch(
        officer.clone(),
        json!({"status": "no_answer", "note": "left a card"}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    // A colleague follows up on the same canvass.
    let (status, text) = patch(detective.clone(), json!({"status": "footage_obtained"})).await;
    assert_eq!(status, 200, "{text}");
    let changed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(changed["status"], "footage_obtained");
    assert_eq!(changed["status_by"], "detective");
    assert_eq!(changed["note"], Value::Null);
    let history: Vec<(String, Value, String)> = changed["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["status"].as_str().unwrap().to_owned(),
                h["note"].clone(),
                h["status_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            ("no_answer".into(), json!("left a card"), "officer".into()),
            ("footage_obtained".into(), Value::Null, "detective".into()),
        ]
    );
    let (status, shown) = get(&status_url, &analyst).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&shown).unwrap(), changed);
    let (_, listed) = get(&url, &officer).await;
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["cameras"][0]["status"], "footage_obtained");

    // Lists: all, mine, by case number.
    let (_, all) = get(&format!("{base}/api/v1/canvasses"), &officer).await;
    let all: Value = serde_json::from_str(&all).unwrap();
    assert_eq!(all["canvasses"].as_array().unwrap().len(), 3);
    let (_, mine) = get(&format!("{base}/api/v1/canvasses?mine=true"), &officer).await;
    let mine: Value = serde_json::from_str(&mine).unwrap();
    assert_eq!(mine["canvasses"][0]["id"], plain_id);
    assert_eq!(mine["canvasses"].as_array().unwrap().len(), 1);
    let kinds: Vec<&str> = all["canvasses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["area_kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds
            .iter()
            .all(|k| ["radius", "polygon", "route", "missing_person"].contains(k)),
        "{kinds:?}"
    );
    let (_, none) = get(
        &format!("{base}/api/v1/canvasses?case_number=26-999999"),
        &officer,
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&none).unwrap()["canvasses"],
        json!([])
    );
    let (_, page) = get(&format!("{base}/api/v1/canvasses?limit=2"), &officer).await;
    let page: Value = serde_json::from_str(&page).unwrap();
    let next = page["next"].as_str().unwrap();
    let (_, rest) = get(&format!("{base}{next}"), &officer).await;
    let rest: Value = serde_json::from_str(&rest).unwrap();
    assert_eq!(rest["canvasses"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next"], Value::Null);

    // The audit trail: every canvass with its cameras and case number; every disclosure with
    // the owners; every status change; and the chain verifies.
    let rows = client
        .query(
            "SELECT action, record_ids, case_number, actor_name, details
               FROM audit_log WHERE action LIKE 'canvass.%' OR action = 'contact.disclose'
              ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    let actions: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, String>(3)))
        .collect();
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        actions,
        vec![
            pair("canvass.create", "officer"),
            pair("canvass.create", "analyst"),
            pair("canvass.create", "detective"),
            pair("contact.disclose", "detective"),
            pair("contact.disclose", "detective"),
            pair("contact.disclose", "detective"),
            pair("canvass.status", "officer"),
            pair("canvass.status", "detective"),
        ]
    );
    let mut sorted_ids = ids.clone();
    sorted_ids.sort_unstable();
    for row in &rows {
        let action: String = row.get(0);
        let records: Vec<i64> = row.get(1);
        let case: Option<String> = row.get(2);
        let details: Value = row.get(4);
        assert_eq!(case.as_deref(), Some("26-000020"), "{action}");
        match action.as_str() {
            "canvass.create" => {
                let mut records = records.clone();
                records.sort_unstable();
                assert_eq!(records, sorted_ids);
                assert_eq!(details["area"], "radius");
            }
            "contact.disclose" => {
                assert_eq!(records, owners.iter().copied().collect::<Vec<_>>());
                assert_eq!(details["canvass_id"], full_id);
            }
            _ => assert_eq!(records, vec![first]),
        }
    }
    let url = s.db.url.clone();
    let verify =
        tokio::task::spawn_blocking(move || run(&["audit", "verify", "--database-url", &url]))
            .await
            .unwrap();
    assert!(verify.status.success(), "{}", stderr_of(&verify));
    assert!(
        stdout_of(&verify).contains("intact"),
        "{}",
        stdout_of(&verify)
    );

    // An incident given as an address is placed on its address point.
    let point: (String, f64, f64) = {
        let row = client
            .query_one(
                "SELECT min(number || ' ' || street), min(ST_X(location)), min(ST_Y(location))
                   FROM address_points GROUP BY street_key, number
                  HAVING count(DISTINCT (ST_X(location), ST_Y(location))) = 1
                  ORDER BY 1 LIMIT 1",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    let mut by_address = request("26-000021", 0.0, 0.0, json!({"radius_m": 100}));
    by_address.as_object_mut().unwrap().remove("incident");
    by_address["address"] = json!(point.0);
    let placed = canvass(&base, &officer, &by_address).await;
    let coordinates = &placed["incident"]["coordinates"];
    assert!(
        (coordinates[0].as_f64().unwrap() - point.1).abs() < 1e-9,
        "{placed}"
    );
    assert!((coordinates[1].as_f64().unwrap() - point.2).abs() < 1e-9);
    assert_eq!(placed["address"], json!(point.0));
}

/// Adds the officer `ana.garcia` and signs her in through the login form.
async fn sign_in(url: &str, base: &str) -> Session {
    canvass_e2e::sign_in(url, base, "ana.garcia", "officer", false).await
}

#[tokio::test]
async fn bad_requests_are_refused_naming_the_field() {
    let mut s = setup("300").await;
    let officer = create_named_key_async(&s.db.url, "officer", "officer", false).await;
    let base = s.server.base.clone();
    let good = request("26-000030", -122.0317, 37.9683, json!({"radius_m": 300}));
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        change(&mut body);
        serde_json::to_vec(&body).unwrap()
    };
    let mut huge_ring = star(-122.03, 37.97, 99_999, &[0.01]);
    huge_ring.push(huge_ring[0]);
    let cases: Vec<(&str, Vec<u8>, u16, Vec<&str>)> = vec![
        (
            "radius 0",
            with(&|b| b["area"] = json!({"radius_m": 0})),
            400,
            vec!["area.radius_m", "10 to 5000"],
        ),
        (
            "radius 50,000",
            with(&|b| b["area"] = json!({"radius_m": 50_000})),
            400,
            vec!["area.radius_m"],
        ),
        (
            "a self-intersecting polygon",
            with(&|b| {
                b["area"] = json!({"polygon": {"type": "Polygon", "coordinates": [[
                    [-122.04, 37.96], [-122.02, 37.98], [-122.02, 37.96], [-122.04, 37.98],
                    [-122.04, 37.96]
                ]]}})
            }),
            400,
            vec!["area.polygon", "Self-intersection"],
        ),
        (
            "an empty route",
            with(&|b| b["area"] = json!({"route": {"type": "LineString", "coordinates": []}})),
            400,
            vec!["area.route", "at least 2"],
        ),
        (
            "a polygon of 100,000 vertices",
            with(&|b| {
                b["area"] = json!({"polygon": {"type": "Polygon", "coordinates": [huge_ring]}})
            }),
            400,
            vec!["area.polygon", "100001 positions", "10000"],
        ),
        (
            "an incident in the far future",
            with(&|b| b["incident_time"] = json!("2099-01-01T00:00:00Z")),
            400,
            vec!["incident_time", "future"],
        ),
        (
            "an address that does not geocode",
            with(&|b| {
                b.as_object_mut().unwrap().remove("incident");
                b["address"] = json!("99999 Nowhere Boulevard");
            }),
            400,
            vec!["address", "no imported address point"],
        ),
        (
            "a case number not matching the pattern",
            with(&|b| b["case_number"] = json!("2026-30")),
            400,
            vec!["case_number", "^[0-9]{2}-[0-9]{6}$"],
        ),
        (
            "no case number",
            with(&|b| {
                b.as_object_mut().unwrap().remove("case_number");
            }),
            400,
            vec!["case_number", "required"],
        ),
        (
            "no reason",
            with(&|b| b["reason"] = json!("")),
            400,
            vec!["reason", "required"],
        ),
        (
            "a misspelt field",
            with(&|b| b["area"] = json!({"radius": 300})),
            400,
            vec!["area", "unknown field `radius`"],
        ),
        (
            "a radius that is text",
            with(&|b| b["area"] = json!({"radius_m": "300"})),
            400,
            vec!["area.radius_m", "invalid type"],
        ),
        (
            "malformed JSON",
            b"{\"case_number\": \"26-000030\", ".to_vec(),
            400,
            vec!["malformed JSON"],
        ),
    ];
    for (what, body, status, says) in cases {
        let (got, text) = call(
            reqwest::Method::POST,
            &format!("{base}/api/v1/canvasses"),
            &officer,
            Some("application/json"),
            Some(body),
        )
        .await;
        assert_eq!(got, status, "{what}: {text}");
        let error: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: {text}"));
        let message = error["error"].as_str().unwrap();
        for part in says {
            assert!(message.contains(part), "{what}: {message:?} lacks {part:?}");
        }
        assert!(
            !message.contains("26-000030"),
            "{what}: the case number is not echoed"
        );
    }
    // A body over 4 MiB is refused before it is read (curl, which reads an answer that comes
    // while it is still sending, as a browser does).
    let (status, answer) = canvass_e2e::curl_post_json(
        &format!("{base}/api/v1/canvasses"),
        &officer,
        vec![b' '; 5 << 20],
    )
    .await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("larger than 4194304 bytes"), "{answer}");

    // Not JSON at all.
    let (got, text) = call(
        reqwest::Method::POST,
        &format!("{base}/api/v1/canvasses"),
        &officer,
        Some("application/x-www-form-urlencoded"),
        Some(b"case_number=26-000030".to_vec()),
    )
    .await;
    assert_eq!(got, 415, "{text}");

    // Nothing was stored.
    let client = s.db.connect().await.unwrap();
    let stored: i64 = client
        .query_one("SELECT count(*) FROM canvasses", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);

    // Unknown canvasses and cameras, malformed ids, bad statuses.
    let id = canvass(&base, &officer, &good).await["id"]
        .as_i64()
        .unwrap();
    let patch = |url: String, body: &'static str| {
        let key = officer.clone();
        async move {
            call(
                reqwest::Method::PATCH,
                &url,
                &key,
                Some("application/json"),
                Some(body.as_bytes().to_vec()),
            )
            .await
        }
    };
    let checks = [
        (
            get(&format!("{base}/api/v1/canvasses/999999"), &officer).await,
            404,
            "no canvass 999999",
        ),
        (
            get(&format!("{base}/api/v1/canvasses/999999.csv"), &officer).await,
            404,
            "no canvass",
        ),
        (
            get(&format!("{base}/api/v1/canvasses/12abc"), &officer).await,
            400,
            "canvass id",
        ),
        (
            get(&format!("{base}/api/v1/canvasses?limit=0"), &officer).await,
            400,
            "limit",
        ),
        (
            patch(
                format!("{base}/api/v1/canvasses/999999/cameras/1"),
                r#"{"status": "contacted"}"#,
            )
            .await,
            404,
            "no canvass 999999",
        ),
        (
            patch(
                format!("{base}/api/v1/canvasses/{id}/cameras/999999"),
                r#"{"status": "contacted"}"#,
            )
            .await,
            404,
            "camera 999999 is not in canvass",
        ),
        (
            patch(
                format!("{base}/api/v1/canvasses/{id}/cameras/1"),
                r#"{"status": "reached"}"#,
            )
            .await,
            400,
            "status: must be one of not_contacted",
        ),
        (
            patch(
                format!("{base}/api/v1/canvasses/{id}/cameras/1"),
                r#"{"note": "x"}"#,
            )
            .await,
            400,
            "status",
        ),
    ];
    for ((status, text), want, says) in checks {
        assert_eq!(status, want, "{text}");
        assert!(text.contains(says), "{text} lacks {says:?}");
    }
    // A status note over the 64 KiB a status change may hold.
    let (status, text) = call(
        reqwest::Method::PATCH,
        &format!("{base}/api/v1/canvasses/{id}/cameras/1"),
        &officer,
        Some("application/json"),
        Some(
            format!(
                r#"{{"status": "contacted", "note": "{}"}}"#,
                "x".repeat(70_000)
            )
            .into_bytes(),
        ),
    )
    .await;
    assert_eq!(status, 413, "{text}");

    // A person signed in with a password sends the session's CSRF token with a change.
    let session = sign_in(&s.db.url, &base).await;
    let post_as_session = |csrf: Option<String>| {
        let (url, cookie, body) = (
            format!("{base}/api/v1/canvasses"),
            session.cookie.clone(),
            serde_json::to_vec(&good).unwrap(),
        );
        async move {
            let mut request = reqwest::Client::new()
                .post(url)
                .header("cookie", cookie)
                .header("content-type", "application/json")
                .body(body);
            if let Some(csrf) = csrf {
                request = request.header("x-csrf-token", csrf);
            }
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, text) = post_as_session(None).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("CSRF"), "{text}");
    let (status, text) = post_as_session(Some("forged".into())).await;
    assert_eq!(status, 403, "{text}");
    let (status, text) = post_as_session(Some(session.csrf.clone())).await;
    assert_eq!(status, 201, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["created_by"],
        "ana.garcia"
    );

    let stderr = s.server.stderr_text();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// One stop of a printed sheet: its number and the camera ids listed under it.
#[derive(Debug)]
struct SheetStop {
    number: usize,
    cameras: Vec<i64>,
}

/// The stops of a sheet, in the order printed.
fn sheet_stops(html: &str) -> Vec<SheetStop> {
    html.split("<li class=\"stop\" data-stop=\"")
        .skip(1)
        .map(|chunk| {
            let number = chunk[..chunk.find('"').unwrap()].parse().unwrap();
            let cameras = chunk
                .split("<td>#")
                .skip(1)
                .map(|c| c[..c.find('<').unwrap()].parse().unwrap())
                .collect();
            SheetStop { number, cameras }
        })
        .collect()
}

/// Metres between two positions on the local equirectangular projection the sheet uses.
fn local_metres(a: (f64, f64), b: (f64, f64), lat0: f64) -> f64 {
    let dx = (a.0 - b.0) * METRES_PER_DEGREE * lat0.to_radians().cos();
    let dy = (a.1 - b.1) * METRES_PER_DEGREE;
    dx.hypot(dy)
}

fn path_length(points: &[(f64, f64)], lat0: f64) -> f64 {
    points
        .windows(2)
        .map(|w| local_metres(w[0], w[1], lat0))
        .sum()
}

#[tokio::test]
async fn the_printable_sheet_orders_the_stops_and_shows_contacts_only_with_pii() {
    let s = setup("1000").await;
    let officer = create_named_key_async(&s.db.url, "officer", "officer", false).await;
    let detective = create_named_key_async(&s.db.url, "detective", "officer", true).await;
    let records = create_named_key_async(&s.db.url, "records", "records", true).await;
    let client = s.db.connect().await.unwrap();
    let base = s.server.base.clone();
    let (lon, lat) = (-122.0317, 37.9683);
    let created = canvass(
        &base,
        &officer,
        &request("26-000030", lon, lat, json!({"radius_m": 1000})),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let ids = camera_ids(&created);
    assert!(ids.len() > 10, "{}", ids.len());
    // A resident-supplied address holding markup, on the camera nearest the incident.
    let hostile = "<script>alert('x')</script> & 1 Main St";
    client
        .execute(
            "UPDATE cameras SET address = $1 WHERE id = $2",
            &[&hostile, &ids[0]],
        )
        .await
        .unwrap();
    let sheet_url = format!("{base}/api/v1/canvasses/{id}/sheet");
    let disclosures = || async {
        client
            .query(
                "SELECT actor_name, record_ids, case_number, details FROM audit_log
                  WHERE action = 'contact.disclose' ORDER BY seq",
                &[],
            )
            .await
            .unwrap()
    };

    // Without pii: 200 HTML under the security policy, every camera once, no personal data,
    // nothing disclosed.
    let response = reqwest::Client::new()
        .get(&sheet_url)
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("style-src 'self'")
    );
    let plain = response.text().await.unwrap();
    assert!(plain.starts_with("<!doctype html>"));
    assert!(plain.contains("href=\"/static/canvass-sheet.css\""));
    assert!(!plain.contains("<style") && !plain.contains("<script") && !plain.contains("style="));
    assert!(plain.contains("26-000030"));
    assert!(
        plain.contains("Footage (America/Los_Angeles)"),
        "the clock is named"
    );
    assert!(
        plain.contains(" PST") || plain.contains(" PDT"),
        "times on the department's clock"
    );
    assert!(!plain.contains(" UTC<"), "no time left on UTC");
    let stops = sheet_stops(&plain);
    assert!(
        stops.len() >= 8,
        "{} stops: too few to test the order",
        stops.len()
    );
    let mut printed: Vec<i64> = stops.iter().flat_map(|s| s.cameras.clone()).collect();
    printed.sort_unstable();
    let mut kept = ids.clone();
    kept.sort_unstable();
    assert_eq!(printed, kept, "every kept camera once");
    assert_eq!(
        stops.iter().map(|s| s.number).collect::<Vec<_>>(),
        (1..=stops.len()).collect::<Vec<_>>()
    );
    assert!(
        stops[0].cameras.contains(&ids[0]),
        "the first stop is nearest the incident"
    );
    // The door script in both languages, the map with a numbered mark per stop and streets.
    assert!(plain.contains("<div lang=\"en\">") && plain.contains("<div lang=\"es\">"));
    assert!(plain.contains("¿Podemos preguntarle si su cámara grabó algo entre"));
    assert!(plain.contains("<svg class=\"map-image\""));
    assert!(plain.contains("class=\"street "), "streets drawn");
    let marks = plain.split("<g class=\"stop-marks\">").nth(1).unwrap();
    let marks = &marks[..marks.find("</g>").unwrap()];
    assert_eq!(marks.matches("<circle").count(), stops.len());
    assert!(disclosures().await.is_empty());

    // With pii: the owners' addresses and contacts, and the read is audited like the JSON's.
    let (status, full_json) = get(&format!("{base}/api/v1/canvasses/{id}"), &detective).await;
    assert_eq!(status, 200);
    let full_json: Value = serde_json::from_str(&full_json).unwrap();
    let (status, full) = get(&sheet_url, &detective).await;
    assert_eq!(status, 200, "{full}");
    let audited = disclosures().await;
    assert_eq!(audited.len(), 2, "the JSON read and the sheet");
    let (json_read, sheet_read) = (&audited[0], &audited[1]);
    assert_eq!(sheet_read.get::<_, String>(0), "detective");
    assert_eq!(
        sheet_read.get::<_, Vec<i64>>(1),
        json_read.get::<_, Vec<i64>>(1),
        "the same owners as the JSON read"
    );
    assert_eq!(
        sheet_read.get::<_, Option<String>>(2).as_deref(),
        Some("26-000030")
    );
    assert_eq!(sheet_read.get::<_, Value>(3)["canvass_id"], id);
    assert_eq!(sheet_stops(&full).len(), stops.len());
    // Markup in an address is text.
    assert!(!full.contains("<script"));
    assert!(full.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 1 Main St"));
    let mut address_of: HashMap<i64, String> = HashMap::new();
    let mut position_of: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut rank_of: HashMap<i64, u64> = HashMap::new();
    for camera in full_json["cameras"].as_array().unwrap() {
        let camera_id = camera["camera_id"].as_i64().unwrap();
        let contact = &camera["contact"];
        for personal in [&contact["email"], &contact["name"], &contact["phone"]] {
            if let Some(text) = personal.as_str() {
                assert!(!plain.contains(text), "{text} on a sheet without pii");
            }
        }
        let name = contact["name"].as_str().unwrap();
        let escaped = name.replace('&', "&amp;").replace('\'', "&#39;");
        assert!(full.contains(&escaped), "{name} missing with pii");
        address_of.insert(camera_id, camera["address"].as_str().unwrap().to_owned());
        position_of.insert(
            camera_id,
            (
                camera["lon"].as_f64().unwrap(),
                camera["lat"].as_f64().unwrap(),
            ),
        );
        rank_of.insert(camera_id, camera["rank"].as_u64().unwrap());
    }
    assert!(!plain.contains("Main St"), "no address without pii");
    // Cameras at one address are one stop, and no address is two stops.
    let key = |a: &str| {
        a.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut seen = BTreeSet::new();
    for stop in &stops {
        let addresses: BTreeSet<String> =
            stop.cameras.iter().map(|c| key(&address_of[c])).collect();
        assert_eq!(addresses.len(), 1, "stop {}: {addresses:?}", stop.number);
        assert!(seen.insert(addresses.into_iter().next().unwrap()));
    }
    // A valid tour: it starts at the stop nearest the incident, is no longer than the nearest
    // neighbour tour from there, and 2-opt finds nothing left to shorten.
    let positions: Vec<(f64, f64)> = stops
        .iter()
        .map(|stop| {
            let nearest = stop.cameras.iter().min_by_key(|c| rank_of[*c]).unwrap();
            position_of[nearest]
        })
        .collect();
    let incident = (lon, lat);
    let first = local_metres(positions[0], incident, lat);
    assert!(
        positions
            .iter()
            .all(|p| local_metres(*p, incident, lat) >= first - 1e-6)
    );
    let mut left: Vec<(f64, f64)> = positions[1..].to_vec();
    let mut greedy = vec![positions[0]];
    while !left.is_empty() {
        let here = *greedy.last().unwrap();
        let (i, _) = left
            .iter()
            .enumerate()
            .min_by(|a, b| local_metres(*a.1, here, lat).total_cmp(&local_metres(*b.1, here, lat)))
            .unwrap();
        greedy.push(left.remove(i));
    }
    let walked = path_length(&positions, lat);
    assert!(walked <= path_length(&greedy, lat) + 0.01, "{walked} m");
    for i in 1..positions.len() {
        for j in i + 1..positions.len() {
            let mut other = positions.clone();
            other[i..=j].reverse();
            assert!(
                path_length(&other, lat) > walked - 0.01,
                "reversing {i}..={j} shortens"
            );
        }
    }

    // With pii but ?contacts=false: nothing shown, nothing disclosed.
    let (status, quiet) = get(&format!("{sheet_url}?contacts=false"), &detective).await;
    assert_eq!(status, 200);
    assert!(!quiet.contains("Main St") && !quiet.contains('@'));
    assert_eq!(disclosures().await.len(), 2);

    // Spanish headings on asking; other areas draw too.
    let (status, spanish) = get(&format!("{sheet_url}?lang=es"), &officer).await;
    assert_eq!(status, 200);
    assert!(spanish.contains("<html lang=\"es\">") && spanish.contains("Orden de recorrido"));
    let polygon = json!({"type": "Polygon", "coordinates": [[
        [lon - 0.002, lat - 0.002], [lon + 0.002, lat - 0.002],
        [lon + 0.002, lat + 0.002], [lon - 0.002, lat + 0.002], [lon - 0.002, lat - 0.002]]]});
    let route = json!({"type": "LineString", "coordinates": [[lon - 0.003, lat], [lon + 0.003, lat + 0.001]]});
    for (case, area) in [
        ("26-000031", json!({"polygon": polygon})),
        ("26-000032", json!({"route": route, "buffer_m": 60})),
    ] {
        let other = canvass(&base, &officer, &request(case, lon, lat, area)).await;
        let url = format!("{base}/api/v1/canvasses/{}/sheet", other["id"]);
        let (status, html) = get(&url, &officer).await;
        assert_eq!(status, 200, "{case}: {html}");
        let mut printed: Vec<i64> = sheet_stops(&html)
            .iter()
            .flat_map(|s| s.cameras.clone())
            .collect();
        printed.sort_unstable();
        let mut kept = camera_ids(&other);
        kept.sort_unstable();
        assert_eq!(printed, kept, "{case}");
    }

    // Refusals: the role without Canvass, a made-up id, a word for an id, an unknown language.
    let (status, _) = get(&sheet_url, &records).await;
    assert_eq!(status, 403);
    let (status, text) = get(&format!("{base}/api/v1/canvasses/999999/sheet"), &officer).await;
    assert_eq!(
        (status, text.contains("no canvass 999999")),
        (404, true),
        "{text}"
    );
    let (status, text) = get(&format!("{base}/api/v1/canvasses/abc/sheet"), &officer).await;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("the canvass id must be a whole number"),
        "{text}"
    );
    let (status, text) = get(&format!("{base}/api/v1/canvasses/%3Cb%3E/sheet"), &officer).await;
    assert_eq!(status, 400, "{text}");
    let (status, text) = get(&format!("{sheet_url}?lang=fr"), &officer).await;
    assert_eq!(status, 400, "{text}");
    // The stylesheet needs no credentials.
    let css = reqwest::get(format!("{base}/static/canvass-sheet.css"))
        .await
        .unwrap();
    assert_eq!(css.status().as_u16(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}
