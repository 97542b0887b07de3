//! Vector tiles through the real binary: read back with GDAL's MVT driver, compared with
//! PostGIS's own `ST_AsMVT`, refused to callers without map rights, kept current across two
//! `serve` processes, and bad addresses refused clearly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, create_key, run, stderr_of};
use geozero::mvt::{Message, Tile};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The attributes of the `cameras` layer, and nothing else.
const CAMERA_FIELDS: &[&str] = &[
    "placement",
    "views",
    "facing_deg",
    "fov_deg",
    "range_m",
    "retention_days",
    "recording_mode",
    "can_export",
    "kind",
    "verified_on",
];

/// The truth for a tile: active cameras inside its envelope, attributes as the tile shows them.
const ACTIVE_IN_TILE: &str = "
    SELECT c.id, c.placement,
           (SELECT string_agg(v, ',' ORDER BY array_position(
                ARRAY['street','sidewalk','driveway','yard','parking_lot','alley','entrance'], v))
              FROM unnest(c.views) v) AS views,
           c.facing_deg, c.fov_deg, c.range_m, c.retention_days, c.recording_mode,
           c.can_export, r.kind,
           to_char((r.verified_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS verified_on,
           ST_X(c.location), ST_Y(c.location), c.address
      FROM cameras c JOIN registrations r ON r.id = c.registration_id
     WHERE r.status = 'active'
       AND ST_Intersects(ST_Transform(c.location, 3857), ST_TileEnvelope($1, $2, $3))";

/// The same tile from PostGIS's encoder, the reference.
const POSTGIS_TILE: &str = "
    SELECT ST_AsMVT(t, 'cameras', 4096, 'geom', 'id') FROM (
        SELECT c.id,
               ST_AsMVTGeom(ST_Transform(c.location, 3857), ST_TileEnvelope($1, $2, $3),
                            4096, 0, false) AS geom,
               c.placement,
               (SELECT string_agg(v, ',' ORDER BY array_position(
                    ARRAY['street','sidewalk','driveway','yard','parking_lot','alley','entrance'], v))
                  FROM unnest(c.views) v) AS views,
               c.facing_deg, c.fov_deg, c.range_m, c.retention_days, c.recording_mode,
               c.can_export, r.kind,
               to_char((r.verified_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS verified_on
          FROM cameras c JOIN registrations r ON r.id = c.registration_id
         WHERE r.status = 'active'
           AND ST_Intersects(ST_Transform(c.location, 3857), ST_TileEnvelope($1, $2, $3))
    ) t WHERE geom IS NOT NULL";

struct Setup {
    db: TestDatabase,
    server: Server,
    officer: String,
    _dir: tempfile::TempDir,
}

async fn setup(cameras: &str) -> Setup {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (url, data, cameras) = (
        db.url.clone(),
        dir.path().to_str().unwrap().to_owned(),
        cameras.to_owned(),
    );
    let (server, officer) = tokio::task::spawn_blocking(move || {
        let server = Server::demo(&url, &data, &cameras);
        let officer = create_key(&url, "officer");
        (server, officer)
    })
    .await
    .unwrap();
    Setup {
        db,
        server,
        officer,
        _dir: dir,
    }
}

async fn get(
    url: &str,
    key: Option<&str>,
    extra: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// The slippy-map tile holding a longitude and latitude.
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (z, x as u32, y as u32)
}

/// Tiles around the demo city's centre.
fn city_tiles(z: u32) -> Vec<(u32, u32, u32)> {
    let (_, cx, cy) = tile_of(-122.03, 37.97, z);
    let mut tiles = Vec::new();
    for dx in -1..=1i32 {
        for dy in -1..=1i32 {
            tiles.push((z, cx.wrapping_add_signed(dx), cy.wrapping_add_signed(dy)));
        }
    }
    tiles
}

/// Reads a tile file with GDAL's MVT driver into GeoJSON (EPSG:4326).
fn read_with_gdal(
    dir: &Path,
    (z, x, y): (u32, u32, u32),
    bytes: &[u8],
    layer: &str,
) -> serde_json::Value {
    let path = dir.join(format!("{z}/{x}/{y}.mvt"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new("ogr2ogr")
        .args(["-f", "GeoJSON", "-t_srs", "EPSG:4326", "/vsistdout/"])
        .arg(&path)
        .arg(layer)
        .output()
        .expect("run ogr2ogr (Debian gdal-bin)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn number(value: Option<&serde_json::Value>) -> Option<f64> {
    value.and_then(serde_json::Value::as_f64)
}

#[tokio::test]
async fn gdal_reads_exactly_the_active_cameras_of_each_tile_and_no_personal_data() {
    let s = setup("4000").await;
    let client = s.db.connect().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for tile @ (z, x, y) in city_tiles(14).into_iter().chain(city_tiles(16)) {
        let url = format!("{}/tiles/cameras/{z}/{x}/{y}.mvt", s.server.base);
        let (status, _, bytes) = get(&url, Some(&s.officer), &[]).await;
        let truth = client
            .query(ACTIVE_IN_TILE, &[&(z as i32), &(x as i32), &(y as i32)])
            .await
            .unwrap();
        if truth.is_empty() {
            assert_eq!(status, StatusCode::NO_CONTENT, "{z}/{x}/{y}");
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{z}/{x}/{y}");
        // Nothing a person typed about where they live is in the tile.
        for row in &truth {
            let address: String = row.get(13);
            assert!(
                !bytes
                    .windows(address.len())
                    .any(|w| w == address.as_bytes()),
                "address of camera {} leaked",
                row.get::<_, i64>(0)
            );
        }
        let json = read_with_gdal(dir.path(), tile, &bytes, "cameras");
        let features = json["features"].as_array().unwrap();
        let found: HashSet<i64> = features
            .iter()
            .map(|f| f["properties"]["mvt_id"].as_i64().unwrap())
            .collect();
        let expected: HashSet<i64> = truth.iter().map(|r| r.get(0)).collect();
        assert_eq!(found, expected, "tile {z}/{x}/{y}");
        // Half a tile pixel, in degrees of longitude, plus rounding.
        let pixel_deg = 360.0 / f64::from(1u32 << z) / 4096.0;
        for feature in features {
            let props = feature["properties"].as_object().unwrap();
            for name in props.keys() {
                assert!(
                    name == "mvt_id" || CAMERA_FIELDS.contains(&name.as_str()),
                    "unexpected attribute {name}"
                );
            }
            let id = props["mvt_id"].as_i64().unwrap();
            let row = truth.iter().find(|r| r.get::<_, i64>(0) == id).unwrap();
            for (i, field) in [
                (1, "placement"),
                (2, "views"),
                (7, "recording_mode"),
                (8, "can_export"),
                (9, "kind"),
                (10, "verified_on"),
            ] {
                let want: Option<String> = row.get(i);
                assert_eq!(
                    props.get(field).and_then(|v| v.as_str()).map(str::to_owned),
                    want,
                    "{field} of {id}"
                );
            }
            for (i, field) in [(3, "facing_deg"), (4, "fov_deg"), (5, "range_m")] {
                let want: Option<f32> = row.get(i);
                assert_eq!(
                    number(props.get(field)),
                    want.map(f64::from),
                    "{field} of {id}"
                );
            }
            let retention: Option<i32> = row.get(6);
            assert_eq!(
                number(props.get("retention_days")),
                retention.map(f64::from)
            );
            let coords = feature["geometry"]["coordinates"].as_array().unwrap();
            let (lon, lat): (f64, f64) = (row.get(11), row.get(12));
            assert!(
                (coords[0].as_f64().unwrap() - lon).abs() <= pixel_deg,
                "lon of {id}"
            );
            assert!(
                (coords[1].as_f64().unwrap() - lat).abs() <= pixel_deg,
                "lat of {id}"
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} cameras checked");

    // Wedges: one per camera with a facing whose wedge reaches the tile; polygons to GDAL.
    let tile @ (z, x, y) = tile_of(-122.03, 37.97, 16);
    let url = format!("{}/tiles/camera_fov/{z}/{x}/{y}.mvt", s.server.base);
    let (status, _, bytes) = get(&url, Some(&s.officer), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let json = read_with_gdal(dir.path(), tile, &bytes, "camera_fov");
    let wedges: HashSet<i64> = json["features"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|f| assert_eq!(f["geometry"]["type"], "Polygon"))
        .map(|f| f["properties"]["mvt_id"].as_i64().unwrap())
        .collect();
    let facing_inside: HashSet<i64> = client
        .query(ACTIVE_IN_TILE, &[&(z as i32), &(x as i32), &(y as i32)])
        .await
        .unwrap()
        .iter()
        .filter(|r| r.get::<_, Option<f32>>(3).is_some())
        .map(|r| r.get(0))
        .collect();
    assert!(!facing_inside.is_empty());
    assert!(
        facing_inside.is_subset(&wedges),
        "every camera inside with a facing has its wedge"
    );

    // Below zoom 13 the cameras become counts that add up to the cameras of the tile.
    for z in [8u32, 10, 12] {
        let (z, x, y) = tile_of(-122.03, 37.97, z);
        let url = format!("{}/tiles/cameras/{z}/{x}/{y}.mvt", s.server.base);
        let (status, _, bytes) = get(&url, Some(&s.officer), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(bytes.len() < 500_000, "z{z} tile is {} bytes", bytes.len());
        let tile = Tile::decode(&bytes[..]).unwrap();
        assert_eq!(tile.layers.len(), 1);
        let layer = &tile.layers[0];
        assert_eq!(layer.name, "coverage");
        let total: i64 = layer
            .features
            .iter()
            .map(|f| layer.values[f.tags[1] as usize].sint_value.unwrap())
            .sum();
        let truth: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM ({ACTIVE_IN_TILE}) t"),
                &[&(z as i32), &(x as i32), &(y as i32)],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(total, truth, "coverage at z{z}");
    }
}

/// Features of a decoded `cameras` layer: id → (x, y, attributes as text).
fn features(bytes: &[u8]) -> BTreeMap<u64, (i64, i64, BTreeMap<String, String>)> {
    let tile = Tile::decode(bytes).unwrap();
    let Some(layer) = tile.layers.iter().find(|l| l.name == "cameras") else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for f in &layer.features {
        let mut attributes = BTreeMap::new();
        for pair in f.tags.chunks(2) {
            let value = &layer.values[pair[1] as usize];
            let text = if let Some(s) = &value.string_value {
                s.clone()
            } else {
                let n = value
                    .float_value
                    .map(f64::from)
                    .or(value.double_value)
                    .or(value.int_value.map(|v| v as f64))
                    .or(value.sint_value.map(|v| v as f64))
                    .or(value.uint_value.map(|v| v as f64))
                    .unwrap();
                format!("{n:.3}")
            };
            attributes.insert(layer.keys[pair[0] as usize].clone(), text);
        }
        // One MoveTo of one point: zig-zag x and y.
        let unzig = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
        out.insert(
            f.id.unwrap(),
            (unzig(f.geometry[1]), unzig(f.geometry[2]), attributes),
        );
    }
    out
}

#[tokio::test]
async fn canvass_and_postgis_st_asmvt_encode_the_same_features() {
    let s = setup("4000").await;
    let client = s.db.connect().await.unwrap();
    let mut compared = 0;
    for (z, x, y) in city_tiles(13).into_iter().chain(city_tiles(15)) {
        let reference: Vec<u8> = client
            .query_one(POSTGIS_TILE, &[&(z as i32), &(x as i32), &(y as i32)])
            .await
            .unwrap()
            .get(0);
        let url = format!("{}/tiles/cameras/{z}/{x}/{y}.mvt", s.server.base);
        let (_, _, ours) = get(&url, Some(&s.officer), &[]).await;
        let (reference, ours) = (features(&reference), features(&ours));
        assert_eq!(
            reference.keys().collect::<Vec<_>>(),
            ours.keys().collect::<Vec<_>>(),
            "feature ids of {z}/{x}/{y}"
        );
        for (id, (rx, ry, rattrs)) in &reference {
            let (x, y, attrs) = &ours[id];
            assert!(
                (rx - x).abs() <= 1 && (ry - y).abs() <= 1,
                "position of {id}: {rx},{ry} vs {x},{y}"
            );
            assert_eq!(rattrs, attrs, "attributes of {id}");
        }
        compared += reference.len();
    }
    assert!(compared > 1000, "only {compared} features compared");
}

#[tokio::test]
async fn only_map_roles_get_tiles_and_a_revoked_key_stops_at_once() {
    let s = setup("300").await;
    let url = s.db.url.clone();
    let (records, analyst, admin, doomed) = tokio::task::spawn_blocking(move || {
        (
            create_key(&url, "records"),
            create_key(&url, "analyst"),
            create_key(&url, "admin"),
            create_key(&url, "officer"),
        )
    })
    .await
    .unwrap();
    let tile = format!("{}/tiles/coverage/0/0/0.mvt", s.server.base);
    let tilejson = format!("{}/tiles/cameras.json", s.server.base);
    for url in [&tile, &tilejson] {
        assert_eq!(get(url, None, &[]).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(get(url, Some(&records), &[]).await.0, StatusCode::FORBIDDEN);
        for key in [&s.officer, &analyst, &admin, &doomed] {
            assert_eq!(get(url, Some(key), &[]).await.0, StatusCode::OK, "{url}");
        }
    }
    // The key is now in the server's authentication cache; revoking it must still stop it.
    let id = doomed.split('_').nth(1).unwrap().to_owned();
    let db_url = s.db.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        run(&["key", "revoke", &id, "--database-url", &db_url])
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let revoked = Instant::now();
    loop {
        let (status, _, body) = get(&tile, Some(&doomed), &[]).await;
        if status == StatusCode::UNAUTHORIZED {
            assert!(String::from_utf8_lossy(&body).contains("revoked"));
            break;
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(1),
            "revoked key still works"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls `url` until `done` holds of its features, for at most one second; returns the time.
async fn until(
    url: &str,
    key: &str,
    done: impl Fn(&BTreeMap<u64, (i64, i64, BTreeMap<String, String>)>) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let (_, _, bytes) = get(url, Some(key), &[]).await;
        if done(&features(&bytes)) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{url} not updated within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn an_edit_and_an_opt_out_reach_every_process_within_a_second() {
    let s = setup("2000").await;
    let dir = tempfile::tempdir().unwrap();
    let (url, data) = (s.db.url.clone(), dir.path().to_str().unwrap().to_owned());
    let second = tokio::task::spawn_blocking(move || {
        let server = Server::start(&["--database-url", &url, "--data-dir", &data]);
        server.wait_ready();
        server
    })
    .await
    .unwrap();
    let client = s.db.connect().await.unwrap();
    let row = client
        .query_one(
            "SELECT c.id, c.registration_id, ST_X(c.location), ST_Y(c.location)
               FROM cameras c JOIN registrations r ON r.id = c.registration_id
              WHERE r.status = 'active' ORDER BY c.id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let (camera, registration, lon, lat): (i64, i64, f64, f64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let (z, x, y) = tile_of(lon, lat, 15);
    let urls: Vec<String> = [&s.server.base, &second.base]
        .iter()
        .map(|base| format!("{base}/tiles/cameras/{z}/{x}/{y}.mvt"))
        .collect();
    let id = camera as u64;
    // Warm both caches: the second request of each is a cache hit with the same validator.
    for url in &urls {
        let (_, first, bytes) = get(url, Some(&s.officer), &[]).await;
        let (_, again, _) = get(url, Some(&s.officer), &[]).await;
        assert_eq!(first["etag"], again["etag"]);
        assert!(features(&bytes).contains_key(&id));
    }

    client
        .execute(
            "UPDATE cameras SET retention_days = 777 WHERE id = $1",
            &[&camera],
        )
        .await
        .unwrap();
    for url in &urls {
        let took = until(url, &s.officer, |f| {
            f.get(&id).is_some_and(|(_, _, a)| {
                a.get("retention_days").map(String::as_str) == Some("777.000")
            })
        })
        .await;
        eprintln!("edit visible at {url} after {took:?}");
    }

    client
        .execute(
            "UPDATE registrations SET status = 'opted_out', opted_out_at = now() WHERE id = $1",
            &[&registration],
        )
        .await
        .unwrap();
    for url in &urls {
        let took = until(url, &s.officer, |f| !f.contains_key(&id)).await;
        eprintln!("opt-out visible at {url} after {took:?}");
    }
}

#[tokio::test]
async fn bad_tile_addresses_are_refused_with_a_clear_message() {
    let s = setup("300").await;
    let thousand = vec!["cameras"; 1000].join(",");
    let cases: Vec<(String, u16, &str)> = vec![
        (
            "/tiles/cameras/23/0/0.mvt".into(),
            400,
            "above the maximum zoom 22",
        ),
        ("/tiles/cameras/2/4/0.mvt".into(), 400, "does not exist"),
        ("/tiles/cameras/2/0/4.mvt".into(), 400, "does not exist"),
        (
            "/tiles/cameras/-1/0/0.mvt".into(),
            400,
            "z must be a whole number",
        ),
        (
            "/tiles/cameras/14/-5/0.mvt".into(),
            400,
            "x must be a whole number",
        ),
        (
            "/tiles/cameras/14/5/-5.mvt".into(),
            400,
            "y must be a whole number",
        ),
        (
            "/tiles/cameras/abc/0/0.mvt".into(),
            400,
            "z must be a whole number",
        ),
        (
            "/tiles/cameras/14/1/1e3.mvt".into(),
            400,
            "y must be a whole number",
        ),
        (
            "/tiles/cameras/99999999999999999999/0/0.mvt".into(),
            400,
            "out of range",
        ),
        ("/tiles/cameras/1/0/0.png".into(), 404, "end in .mvt"),
        (
            "/tiles/owners/1/0/0.mvt".into(),
            404,
            r#"unknown layer \"owners\""#,
        ),
        ("/tiles/cameras,,/1/0/0.mvt".into(), 400, "empty layer name"),
        (
            format!("/tiles/{thousand}/1/0/0.mvt"),
            400,
            "too many layers",
        ),
        ("/tiles/owners.json".into(), 404, "unknown layer"),
        ("/tiles/cameras.xml".into(), 404, "TileJSON is at"),
    ];
    for (path, status, message) in cases {
        let (got, headers, body) =
            get(&format!("{}{path}", s.server.base), Some(&s.officer), &[]).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(got.as_u16(), status, "{path}: {body}");
        assert!(body.contains(message), "{path}: {body}");
        assert_eq!(headers["content-type"], "application/json", "{path}");
    }
    // Not even a well-formed path: refused before any handler, still not a 500.
    let (got, _, _) = get(
        &format!("{}/tiles/%FF/1/0/0.mvt", s.server.base),
        Some(&s.officer),
        &[],
    )
    .await;
    assert_eq!(got.as_u16(), 400);
}

#[tokio::test]
async fn validators_compression_privacy_and_empty_tiles() {
    let s = setup("1000").await;
    let (z, x, y) = tile_of(-122.03, 37.97, 14);
    let url = format!("{}/tiles/cameras,camera_fov/{z}/{x}/{y}.mvt", s.server.base);
    let (status, headers, plain) = get(&url, Some(&s.officer), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(headers["cache-control"], "private, no-cache");
    let vary: Vec<_> = headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        vary.contains(&"Authorization, Cookie") && vary.contains(&"Accept-Encoding"),
        "{vary:?}"
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();

    let (status, headers, body) = get(&url, Some(&s.officer), &[("If-None-Match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers["etag"].to_str().unwrap(), etag);
    let (status, _, _) = get(&url, Some(&s.officer), &[("If-None-Match", "\"other\"")]).await;
    assert_eq!(status, StatusCode::OK);
    // A validator is no way around authentication.
    let (status, _, _) = get(&url, None, &[("If-None-Match", &etag)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, headers, gz) = get(&url, Some(&s.officer), &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(gz.len() < plain.len());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, plain);

    // Far from the city: no feature, 204.
    let (status, headers, body) = get(
        &format!("{}/tiles/cameras/14/0/0.mvt", s.server.base),
        Some(&s.officer),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(body.is_empty());
    assert_eq!(headers["cache-control"], "private, no-cache");

    let (status, _, body) = get(
        &format!("{}/tiles/cameras,camera_fov.json", s.server.base),
        Some(&s.officer),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let tilejson: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(tilejson["tilejson"], "3.0.0");
    assert_eq!(
        tilejson["tiles"][0],
        format!(
            "{}/tiles/cameras,camera_fov/{{z}}/{{x}}/{{y}}.mvt",
            s.server.base
        )
    );
    let bounds: Vec<f64> = tilejson["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        bounds[0] < -122.03 && bounds[2] > -122.03 && bounds[1] < 37.97 && bounds[3] > 37.97,
        "{bounds:?}"
    );
    let layers: Vec<_> = tilejson["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["cameras", "camera_fov", "coverage"]);
    let fields: Vec<_> = tilejson["vector_layers"][0]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut expected: Vec<_> = CAMERA_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    expected.sort();
    assert_eq!(fields, expected);
}
