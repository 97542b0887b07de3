//! OGC API – Features through the real binary: every route and format, paging by `next` links
//! over the whole demo registry, filters, sorting, property selection and CRSs, the personal
//! data of `camera_contacts` (refused without pii, audited with it), hostile input, and the
//! streamed downloads (the FlatGeobuf read back by GDAL's `ogrinfo`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::process::Command;

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, create_named_key};
use reqwest::header::HeaderMap;
use serde_json::Value;

const ACTIVE_IDS: &str =
    "SELECT c.id FROM cameras c JOIN registrations r ON r.id = c.registration_id
    WHERE r.status = 'active' ORDER BY c.id";

struct Setup {
    db: TestDatabase,
    server: Server,
    _dir: tempfile::TempDir,
    /// An analyst's key (no pii).
    analyst: String,
}

async fn setup(cameras: &'static str) -> Setup {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let data = dir.path().to_str().unwrap().to_owned();
    let (server, analyst) = tokio::task::spawn_blocking(move || {
        let server = Server::demo(&url, &data, cameras);
        (server, create_named_key(&url, "analyst", "analyst", false))
    })
    .await
    .unwrap();
    Setup {
        db,
        server,
        _dir: dir,
        analyst,
    }
}

/// A GET with the key as the HTTP Basic password (as QGIS and GDAL send it).
async fn get_as(url: &str, key: &str, accept: Option<&str>) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .get(url)
        .basic_auth("qgis", Some(key));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => panic!(
            "GET {}…: {}",
            url.chars().take(160).collect::<String>(),
            e.without_url()
        ),
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

async fn json(url: &str, key: &str) -> Value {
    let (status, _, body) = get_as(url, key, None).await;
    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

async fn active_ids(db: &TestDatabase) -> Vec<i64> {
    let client = db.connect().await.unwrap();
    client
        .query(ACTIVE_IDS, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect()
}

fn next_link(page: &Value) -> Option<String> {
    page["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .map(|l| l["href"].as_str().unwrap().to_owned())
}

/// Every page from `url` on, by `next` links: the ids in order, and numberMatched of each page.
async fn follow(url: &str, key: &str) -> (Vec<i64>, BTreeSet<u64>) {
    let mut url = url.to_owned();
    let mut all = Vec::new();
    let mut matched = BTreeSet::new();
    for _ in 0..10_000 {
        let page = json(&url, key).await;
        assert_eq!(
            page["numberReturned"].as_u64().unwrap() as usize,
            page["features"].as_array().unwrap().len()
        );
        matched.insert(page["numberMatched"].as_u64().unwrap());
        all.extend(ids(&page));
        match next_link(&page) {
            Some(next) => url = next,
            None => return (all, matched),
        }
    }
    panic!("more than 10,000 pages");
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_route_answers_in_every_format() {
    let s = setup("300").await;
    let base = format!("{}/ogc", s.server.base);
    let key = s.analyst.clone();
    let camera = active_ids(&s.db).await[0];
    let cases: Vec<(String, Option<&str>, &str)> = vec![
        (base.clone(), None, "application/json"),
        (format!("{base}/"), None, "application/json"),
        (base.clone(), Some("text/html"), "text/html; charset=utf-8"),
        (format!("{base}?f=html"), None, "text/html; charset=utf-8"),
        (format!("{base}/conformance"), None, "application/json"),
        (
            format!("{base}/api"),
            None,
            "application/vnd.oai.openapi+json;version=3.0",
        ),
        (format!("{base}/collections"), None, "application/json"),
        (
            format!("{base}/collections?f=html"),
            None,
            "text/html; charset=utf-8",
        ),
        (
            format!("{base}/collections/cameras"),
            None,
            "application/json",
        ),
        (
            format!("{base}/collections/cameras/queryables"),
            None,
            "application/schema+json",
        ),
        (
            format!("{base}/collections/cameras/items"),
            None,
            "application/geo+json",
        ),
        (
            format!("{base}/collections/cameras/items"),
            Some("application/json"),
            "application/geo+json",
        ),
        (
            format!("{base}/collections/cameras/items"),
            Some("text/html,application/xhtml+xml,*/*;q=0.8"),
            "text/html; charset=utf-8",
        ),
        (
            format!("{base}/collections/cameras/items?f=csv"),
            None,
            "text/csv; charset=utf-8",
        ),
        (
            format!("{base}/collections/cameras/items"),
            Some("application/flatgeobuf"),
            "application/flatgeobuf",
        ),
        (
            format!("{base}/collections/cameras/items/{camera}"),
            None,
            "application/geo+json",
        ),
        (
            format!("{base}/collections/cameras/items/{camera}?f=html"),
            None,
            "text/html; charset=utf-8",
        ),
        (
            format!("{base}/collections/cameras/download"),
            None,
            "application/flatgeobuf",
        ),
        (
            format!("{base}/collections/cameras/download?f=geojson"),
            None,
            "application/geo+json",
        ),
        (
            format!("{base}/collections/cameras/download?f=csv"),
            None,
            "text/csv; charset=utf-8",
        ),
    ];
    for (url, accept, content_type) in cases {
        let (status, headers, body) = get_as(&url, &key, accept).await;
        assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
        assert_eq!(header(&headers, "content-type"), content_type, "{url}");
        assert_eq!(
            header(&headers, "cache-control"),
            "private, no-store",
            "{url}"
        );
        let vary: Vec<&str> = headers
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(vary.contains(&"Accept"), "{url}: {vary:?}");
        assert!(vary.contains(&"Authorization, Cookie"), "{url}: {vary:?}");
        if url.contains("/items") || url.contains("/download") {
            assert_eq!(
                header(&headers, "content-crs"),
                "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>",
                "{url}"
            );
        }
        if content_type.starts_with("text/html") {
            let page = String::from_utf8(body).unwrap();
            assert!(page.starts_with("<!doctype html>"), "{url}");
        }
    }

    // The landing page links the definition, the conformance and the collections.
    let landing = json(&base, &key).await;
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "{rels:?}");
    }
    let conformance = json(&format!("{base}/conformance"), &key).await;
    let classes = conformance["conformsTo"].as_array().unwrap();
    assert!(
        classes
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("/conf/geojson"))
    );
    assert!(
        classes
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("/conf/cql2-json"))
    );
    // The collection advertises its queryables and its downloads.
    let collection = json(&format!("{base}/collections/cameras"), &key).await;
    let enclosures: Vec<&str> = collection["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["rel"] == "enclosure")
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        enclosures,
        ["application/flatgeobuf", "application/geo+json", "text/csv"]
    );
    assert_eq!(
        collection["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let queryables = json(&format!("{base}/collections/cameras/queryables"), &key).await;
    assert_eq!(queryables["properties"]["placement"]["enum"][0], "exterior");
    assert_eq!(
        queryables["properties"]["updated_at"]["format"],
        "date-time"
    );
    assert!(queryables["properties"].get("email").is_none());
    let api = json(&format!("{base}/api"), &key).await;
    assert_eq!(api["openapi"], "3.0.3");
    assert!(api["paths"]["/ogc/collections/{collectionId}/items"].is_object());
    // One feature, with its links.
    let item = json(&format!("{base}/collections/cameras/items/{camera}"), &key).await;
    assert_eq!(item["type"], "Feature");
    assert_eq!(item["id"], camera);
    assert!(
        item["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "self")
    );

    // Without credentials: a Basic challenge; a role without Feeds: refused.
    let (status, headers, _) = get_as(&base, "cvk_1_nothing", None).await;
    assert_eq!(status, 401);
    assert!(header(&headers, "www-authenticate").starts_with("Basic"));
    let url = s.db.url.clone();
    let officer =
        tokio::task::spawn_blocking(move || create_named_key(&url, "officer", "officer", false))
            .await
            .unwrap();
    assert_eq!(get_as(&base, &officer, None).await.0, 403);
}

#[tokio::test]
async fn next_links_reach_every_active_camera_once() {
    let s = setup("1500").await;
    let active = active_ids(&s.db).await;
    assert!(active.len() > 1000, "{}", active.len());
    let items = format!("{}/ogc/collections/cameras/items", s.server.base);
    let (found, matched) = follow(&format!("{items}?limit=97"), &s.analyst).await;
    assert_eq!(found, active, "every active camera once, by id");
    assert_eq!(matched, BTreeSet::from([active.len() as u64]));

    // Sorted by something else, the pages still hold each camera once, in the asked order.
    let (sorted, _) = follow(
        &format!("{items}?limit=250&sortby=-updated_at,kind"),
        &s.analyst,
    )
    .await;
    let mut unique = sorted.clone();
    unique.sort_unstable();
    assert_eq!(unique, active);
    let (by_kind, _) = follow(
        &format!("{items}?limit=400&sortby=kind&properties=kind"),
        &s.analyst,
    )
    .await;
    assert_eq!(by_kind.len(), active.len());

    // A next link made by one server is honoured by another of the same database (a replica,
    // or the same after a restart): the cursor key is shared through the database.
    let first = json(&format!("{items}?limit=50&sortby=id"), &s.analyst).await;
    let next = next_link(&first).unwrap();
    let url = s.db.url.clone();
    let data = s._dir.path().to_str().unwrap().to_owned();
    let replica = tokio::task::spawn_blocking(move || {
        let server = Server::start(&["--database-url", &url, "--data-dir", &data]);
        server.wait_ready();
        server
    })
    .await
    .unwrap();
    let on_replica = next.replace(&s.server.base, &replica.base);
    let second = json(&on_replica, &s.analyst).await;
    assert_eq!(ids(&second), active[50..100].to_vec());
}

#[tokio::test]
async fn filters_sorting_properties_and_crs() {
    let s = setup("600").await;
    let client = s.db.connect().await.unwrap();
    let count = |sql: &'static str| {
        let client = &client;
        async move {
            let n: i64 = client.query_one(sql, &[]).await.unwrap().get(0);
            n as u64
        }
    };
    let items = format!("{}/ogc/collections/cameras/items", s.server.base);
    let key = &s.analyst;
    let matched =
        |url: String| async move { json(&url, key).await["numberMatched"].as_u64().unwrap() };
    let business_exterior = count(
        "SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id
         WHERE r.status = 'active' AND r.kind = 'business' AND c.placement = 'exterior'",
    )
    .await;
    assert!(business_exterior > 0);
    let text = "kind = 'business' AND placement = 'exterior'";
    assert_eq!(
        matched(format!("{items}?filter={}", urlencode(text))).await,
        business_exterior
    );
    let json_filter = r#"{"op":"and","args":[{"op":"=","args":[{"property":"kind"},"business"]},{"op":"=","args":[{"property":"placement"},"exterior"]}]}"#;
    assert_eq!(
        matched(format!(
            "{items}?filter-lang=cql2-json&filter={}",
            urlencode(json_filter)
        ))
        .await,
        business_exterior
    );
    assert_eq!(
        matched(format!("{items}?kind=business&placement=exterior")).await,
        business_exterior
    );
    let long_retention = count(
        "SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id
         WHERE r.status = 'active' AND c.retention_days BETWEEN 14 AND 60",
    )
    .await;
    assert_eq!(
        matched(format!(
            "{items}?filter={}",
            urlencode("retention_days BETWEEN 14 AND 60")
        ))
        .await,
        long_retention
    );
    let no_facing = count(
        "SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id
         WHERE r.status = 'active' AND c.facing_deg IS NULL",
    )
    .await;
    assert_eq!(
        matched(format!(
            "{items}?filter={}",
            urlencode("facing_deg IS NULL")
        ))
        .await,
        no_facing
    );

    // bbox in CRS84, the same box in EPSG:3857 (bbox-crs) and as S_INTERSECTS.
    let (west, south, east, north) = (-122.06, 37.95, -122.02, 37.99);
    let in_box: i64 = client
        .query_one(
            "SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id
             WHERE r.status = 'active' AND ST_X(c.location) BETWEEN $1 AND $2
             AND ST_Y(c.location) BETWEEN $3 AND $4",
            &[&west, &east, &south, &north],
        )
        .await
        .unwrap()
        .get(0);
    assert!(in_box > 0);
    let by_bbox = json(
        &format!("{items}?bbox={west},{south},{east},{north}&limit=10000"),
        key,
    )
    .await;
    assert_eq!(by_bbox["numberMatched"].as_u64().unwrap(), in_box as u64);
    let intersects = format!("S_INTERSECTS(geometry, BBOX({west},{south},{east},{north}))");
    assert_eq!(
        matched(format!("{items}?filter={}", urlencode(&intersects))).await,
        in_box as u64
    );
    let mercator = |lon: f64, lat: f64| {
        let x = lon.to_radians() * 6_378_137.0;
        let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln()
            * 6_378_137.0;
        (x, y)
    };
    let (x0, y0) = mercator(west, south);
    let (x1, y1) = mercator(east, north);
    let by_mercator_box = json(
        &format!("{items}?bbox={x0},{y0},{x1},{y1}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857&limit=10000"),
        key,
    )
    .await;
    assert_eq!(ids(&by_mercator_box), ids(&by_bbox));

    // EPSG:4326 answers latitude first; EPSG:3857 in metres; both named in Content-Crs.
    let first = by_bbox["features"][0].clone();
    let id = first["id"].as_i64().unwrap();
    let lon = first["geometry"]["coordinates"][0].as_f64().unwrap();
    let lat = first["geometry"]["coordinates"][1].as_f64().unwrap();
    let one = format!("{}/ogc/collections/cameras/items/{id}", s.server.base);
    let (status, headers, body) = get_as(
        &format!("{one}?crs=http://www.opengis.net/def/crs/EPSG/0/4326"),
        key,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    );
    let swapped: Value = serde_json::from_slice(&body).unwrap();
    let c = &swapped["geometry"]["coordinates"];
    assert!((c[0].as_f64().unwrap() - lat).abs() < 1e-9, "{c}");
    assert!((c[1].as_f64().unwrap() - lon).abs() < 1e-9, "{c}");
    let (status, headers, body) = get_as(&format!("{one}?crs=EPSG:3857"), key, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    );
    let projected: Value = serde_json::from_slice(&body).unwrap();
    let (x, y) = mercator(lon, lat);
    let c = &projected["geometry"]["coordinates"];
    assert!((c[0].as_f64().unwrap() - x).abs() < 0.01, "{c} vs {x}");
    assert!((c[1].as_f64().unwrap() - y).abs() < 0.01, "{c} vs {y}");

    // sortby orders; properties chooses.
    let sorted = json(
        &format!("{items}?sortby=-retention_days&properties=retention_days,kind&limit=500"),
        key,
    )
    .await;
    let retention: Vec<Option<i64>> = sorted["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let properties = f["properties"].as_object().unwrap();
            let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
            names.sort_unstable();
            assert_eq!(names, ["kind", "retention_days"]);
            properties["retention_days"].as_i64()
        })
        .collect();
    // Descending puts the cameras without a retention first, then largest first.
    let known: Vec<i64> = retention.iter().flatten().copied().collect();
    assert!(known.windows(2).all(|w| w[0] >= w[1]), "{known:?}");
    let first_known = retention.iter().position(Option::is_some).unwrap();
    assert!(retention[first_known..].iter().all(Option::is_some));

    // datetime: everything changed up to now; nothing after tomorrow.
    let active = active_ids(&s.db).await.len() as u64;
    assert_eq!(
        matched(format!("{items}?datetime=../2999-01-01T00:00:00Z")).await,
        active
    );
    assert_eq!(
        matched(format!("{items}?datetime=2999-01-01T00:00:00Z/..")).await,
        0
    );
}

/// A GET written on a plain connection (for requests no client library would send): the
/// answer's status.
async fn raw_get(base: &str, path: &str, key: &str) -> u16 {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://").to_owned();
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        // The server may answer and close before it has read everything.
        let _ = stream.write_all(head.as_bytes());
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        answer
            .split(' ')
            .nth(1)
            .and_then(|status| status.parse().ok())
            .unwrap_or(0)
    })
    .await
    .unwrap()
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn camera_contacts_need_pii_and_every_answer_is_audited() {
    let s = setup("300").await;
    let url = s.db.url.clone();
    let detective =
        tokio::task::spawn_blocking(move || create_named_key(&url, "analyst pii", "analyst", true))
            .await
            .unwrap();
    let base = format!("{}/ogc", s.server.base);
    let contacts = format!("{base}/collections/camera_contacts");

    // Without pii: not listed, and refused (audited).
    let listed = json(&format!("{base}/collections"), &s.analyst).await;
    let names: Vec<&str> = listed["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cameras"]);
    for path in ["", "/items", "/items/1", "/queryables", "/download"] {
        let (status, _, body) = get_as(&format!("{contacts}{path}"), &s.analyst, None).await;
        assert_eq!(status, 403, "{path}");
        let exception: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(exception["code"], "Forbidden");
        assert!(exception["description"].as_str().unwrap().contains("pii"));
    }
    let client = s.db.connect().await.unwrap();
    let denied: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'access.pii_denied'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(denied, 5);

    // With pii: listed, and the contacts come with an audit row listing the cameras.
    let listed = json(&format!("{base}/collections"), &detective).await;
    assert_eq!(listed["collections"].as_array().unwrap().len(), 2);
    let page = json(
        &format!("{contacts}/items?limit=7&case=2026-0042&reason=burglary%20canvass"),
        &detective,
    )
    .await;
    let disclosed = ids(&page);
    assert_eq!(disclosed.len(), 7);
    for feature in page["features"].as_array().unwrap() {
        assert!(
            feature["properties"]["email"]
                .as_str()
                .unwrap()
                .contains('@'),
            "{feature}"
        );
        assert!(
            !feature["properties"]["owner_name"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    let next = next_link(&page).unwrap();
    assert!(next.contains("case=2026-0042"), "{next}");
    let rows = client
        .query(
            "SELECT record_ids, case_number, reason FROM audit_log
             WHERE action = 'features.disclose' ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let record_ids: Vec<i64> = rows[0].get(0);
    assert_eq!(record_ids, disclosed);
    assert_eq!(
        rows[0].get::<_, Option<String>>(1).as_deref(),
        Some("2026-0042")
    );
    assert_eq!(
        rows[0].get::<_, Option<String>>(2).as_deref(),
        Some("burglary canvass")
    );
    // The whole registry's contacts are not a download.
    let (status, _, body) = get_as(&format!("{contacts}/download"), &detective, None).await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("canvass export"));
    // cameras never carries contact fields.
    let cameras = json(
        &format!("{base}/collections/cameras/items?limit=5"),
        &detective,
    )
    .await;
    for feature in cameras["features"].as_array().unwrap() {
        assert!(feature["properties"].get("email").is_none());
        assert!(feature["properties"].get("address").is_none());
    }
}

#[tokio::test]
async fn hostile_input_is_a_clear_4xx() {
    let s = setup("300").await;
    let items = format!("{}/ogc/collections/cameras/items", s.server.base);
    let key = &s.analyst;
    let page = json(&format!("{items}?limit=10"), key).await;
    let next = next_link(&page).unwrap();
    let cursor = next.split("cursor=").nth(1).unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let deep = format!(
        "{}kind = 'business'{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    // As deep as a URL can carry (about 50 bytes a level once encoded): far past the limit.
    let deep_json = format!(
        "{}{{\"op\":\"=\",\"args\":[{{\"property\":\"kind\"}},\"business\"]}}{}",
        "{\"op\":\"not\",\"args\":[".repeat(1_000),
        "]}".repeat(1_000)
    );
    let cases: Vec<(String, u16, &str)> = vec![
        (
            format!("{items}?filter={}", urlencode("colour = 'red'")),
            400,
            "colour",
        ),
        (
            format!(
                "{items}?filter={}",
                urlencode("kind = 'business'; DROP TABLE cameras; --")
            ),
            400,
            "filter",
        ),
        (
            format!("{items}?filter={}", urlencode("'; DROP TABLE cameras; --")),
            400,
            "filter",
        ),
        (
            format!("{items}?filter={}", urlencode(&deep)),
            400,
            "filter",
        ),
        (
            format!(
                "{items}?filter-lang=cql2-json&filter={}",
                urlencode(&deep_json)
            ),
            400,
            "filter",
        ),
        (format!("{items}?limit=100000000"), 400, "10000"),
        (format!("{items}?limit=-1"), 400, "limit"),
        (format!("{items}?crs=EPSG:999999"), 400, "999999"),
        (format!("{items}?crs=http://example.com/crs"), 400, "crs"),
        (
            format!("{items}?bbox=1,2,3,4&bbox-crs=EPSG:0"),
            400,
            "EPSG:0",
        ),
        (format!("{items}?bbox=-122,38,-123,37"), 400, "bbox"),
        (format!("{items}?bbox=a,b,c,d"), 400, "bbox"),
        (format!("{items}?cursor={tampered}"), 400, "cursor"),
        (format!("{items}?cursor=%00%01garbage"), 400, "cursor"),
        // A cursor issued for another query is refused too.
        (
            format!("{items}?limit=10&kind=business&cursor={cursor}"),
            400,
            "cursor",
        ),
        (format!("{items}?sortby=email"), 400, "email"),
        (format!("{items}?properties=email"), 400, "email"),
        (format!("{items}?colour=red&limt=5"), 400, "limt"),
        (format!("{items}?limit=5&limit=6"), 400, "twice"),
        (format!("{items}?f=shp"), 400, "shp"),
        (format!("{items}?datetime=yesterday"), 400, "datetime"),
        (format!("{items}?placement=attic"), 400, "placement"),
        (
            format!("{}/ogc/collections/nothing/items", s.server.base),
            404,
            "nothing",
        ),
        (format!("{items}/999999999"), 404, "999999999"),
        (format!("{items}/abc"), 404, "abc"),
        (format!("{items}/-1"), 404, "-1"),
    ];
    for (url, status, says) in &cases {
        let (got, headers, body) = get_as(url, key, None).await;
        let shown: String = url.chars().take(160).collect();
        assert_eq!(got, *status, "{shown}: {}", String::from_utf8_lossy(&body));
        assert_eq!(
            header(&headers, "content-type"),
            "application/json",
            "{shown}"
        );
        let exception: Value = serde_json::from_slice(&body).unwrap();
        assert!(exception["code"].is_string(), "{shown}: {exception}");
        let description = exception["description"].as_str().unwrap();
        assert!(description.contains(says), "{shown}: {description}");
        assert!(description.len() < 600, "{shown}: a short description");
    }
    // Accept with nothing the resource has: 406.
    let (status, _, body) = get_as(&items, key, Some("image/png")).await;
    assert_eq!(status, 406);
    let exception: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(exception["code"], "NotAcceptable");
    // A 1 MB filter is refused by the HTTP layer before any handler (a request line over 64 KB
    // is 414, a request head over about 400 KB 431): no HTTP client library even builds such a
    // request, so it is written by hand. What matters is a 4xx, and that the server goes on.
    let huge = format!(
        "/ogc/collections/cameras/items?filter={}",
        urlencode(&format!("kind = '{}'", "x".repeat(1 << 20)))
    );
    let status = raw_get(&s.server.base, &huge, key).await;
    assert!(status == 414 || status == 431, "{status}");
    assert_eq!(
        json(&format!("{items}?limit=1"), key).await["numberReturned"],
        1
    );
    // The registry is intact.
    assert_eq!(
        active_ids(&s.db).await.len() as u64,
        page["numberMatched"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn downloads_stream_every_active_camera() {
    let s = setup("2000").await;
    let active = active_ids(&s.db).await;
    let download = format!("{}/ogc/collections/cameras/download", s.server.base);
    let dir = tempfile::tempdir().unwrap();

    let (status, headers, body) = get_as(&format!("{download}?f=fgb"), &s.analyst, None).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-disposition").contains("cameras.fgb"));
    let file = dir.path().join("cameras.fgb");
    std::fs::write(&file, &body).unwrap();
    let info = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al"])
        .arg(&file)
        .output()
        .expect("ogrinfo (Debian package gdal-bin) runs");
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(
        text.contains(&format!("Feature Count: {}", active.len())),
        "{text}"
    );
    assert!(text.contains("Geometry: Point"), "{text}");
    // The packed spatial index is there: GDAL answers a spatial filter from it.
    let filtered = Command::new("ogrinfo")
        .args([
            "-ro", "-so", "-al", "-spat", "-122.06", "37.95", "-122.02", "37.99",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(filtered.status.success());
    let boxed = json(
        &format!(
            "{}/ogc/collections/cameras/items?bbox=-122.06,37.95,-122.02,37.99&limit=1",
            s.server.base
        ),
        &s.analyst,
    )
    .await["numberMatched"]
        .as_u64()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&filtered.stdout).contains(&format!("Feature Count: {boxed}")),
        "{}",
        String::from_utf8_lossy(&filtered.stdout)
    );

    let (status, _, body) = get_as(&format!("{download}?f=geojson"), &s.analyst, None).await;
    assert_eq!(status, 200);
    let collection: Value = serde_json::from_slice(&body).unwrap();
    let mut found: Vec<i64> = ids(&collection);
    found.sort_unstable();
    assert_eq!(found, active);

    let (status, _, body) = get_as(&format!("{download}?f=csv"), &s.analyst, None).await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(body).unwrap();
    assert_eq!(
        csv.lines().count(),
        active.len() + 1,
        "a header and a row each"
    );

    // The same filters as /items, in another CRS.
    let (status, headers, body) = get_as(
        &format!("{download}?f=geojson&kind=business&crs=EPSG:2227"),
        &s.analyst,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/2227>"
    );
    let business: Value = serde_json::from_slice(&body).unwrap();
    let features = business["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert!(
        features
            .iter()
            .all(|f| f["properties"]["kind"] == "business")
    );
    // California zone III, US feet: millions of feet, not degrees.
    assert!(features[0]["geometry"]["coordinates"][0].as_f64().unwrap() > 1_000_000.0);
}

/// POSTs `body` (CQL2 JSON) to `url` with `content_type`.
async fn post_as(url: &str, key: &str, content_type: &str, body: String) -> (u16, Vec<u8>) {
    let response = reqwest::Client::new()
        .post(url)
        .basic_auth("qgis", Some(key))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_filter_too_long_for_an_address_is_posted_and_paged_by_post() {
    let s = setup("2000").await;
    let items = format!("{}/ogc/collections/cameras/items", s.server.base);
    let key = &s.analyst;
    // A circle of 2,000 vertices around the demo city's middle, to a micro-degree: about 50 KB
    // of CQL2 JSON, longer than most proxies let an address be once it is percent-encoded.
    let client = s.db.connect().await.unwrap();
    let row = client
        .query_one(
            "SELECT ST_X(ST_Centroid(ST_Collect(location))), ST_Y(ST_Centroid(ST_Collect(location)))
             FROM cameras",
            &[],
        )
        .await
        .unwrap();
    let (x, y): (f64, f64) = (row.get(0), row.get(1));
    let ring: Vec<[f64; 2]> = (0..=2000)
        .map(|i| {
            let a = f64::from(i % 2000) / 2000.0 * std::f64::consts::TAU;
            let round = |v: f64| (v * 1e6).round() / 1e6;
            [round(x + 0.01 * a.cos()), round(y + 0.008 * a.sin())]
        })
        .collect();
    let polygon = serde_json::json!({ "type": "Polygon", "coordinates": [ring] });
    let filter = serde_json::json!({
        "op": "and",
        "args": [
            { "op": "s_intersects", "args": [{ "property": "geometry" }, polygon] },
            { "op": "<>", "args": [{ "property": "placement" }, "interior"] },
        ],
    })
    .to_string();
    assert!(filter.len() > 40_000, "{}", filter.len());
    let expected: Vec<i64> = client
        .query(
            "SELECT c.id FROM cameras c JOIN registrations r ON r.id = c.registration_id
             WHERE r.status = 'active' AND c.placement <> 'interior'
               AND ST_Intersects(c.location, ST_GeomFromGeoJSON($1)) ORDER BY c.id",
            &[&polygon.to_string()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        expected.len() > 60,
        "the circle holds {} cameras",
        expected.len()
    );

    // Paged by the next links, each POSTed with the body it carries, in the CQL2 media type
    // and as plain JSON; bbox= in the address narrows nothing here but must be kept.
    let mut url = format!("{items}?limit=25&bbox=-180,-90,180,90");
    let mut seen = Vec::new();
    let mut body = filter.clone();
    for page_number in 0.. {
        assert!(page_number < 100, "the paging does not end");
        let content_type = if page_number % 2 == 0 {
            "application/query-cql-json"
        } else {
            "application/json"
        };
        let (status, answer) = post_as(&url, key, content_type, body.clone()).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        let page: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(
            page["numberMatched"].as_u64().unwrap() as usize,
            expected.len()
        );
        seen.extend(ids(&page));
        let links = page["links"].as_array().unwrap();
        assert!(
            links.iter().all(|l| l["type"] != "text/html"),
            "no HTML links for a POSTed query: {links:?}"
        );
        let Some(next) = links.iter().find(|l| l["rel"] == "next") else {
            break;
        };
        assert_eq!(next["method"], "POST");
        url = next["href"].as_str().unwrap().to_owned();
        assert!(url.contains("bbox="), "{url}");
        body = next["body"].to_string();
    }
    assert_eq!(seen, expected);

    // A cursor of this query does not open another.
    assert!(url.contains("cursor="), "{url}");
    let other = r#"{"op":"=","args":[{"property":"kind"},"business"]}"#;
    let (status, answer) = post_as(&url, key, "application/json", other.into()).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&answer));
    assert!(String::from_utf8_lossy(&answer).contains("cursor"));

    // Refusals, each an OGC exception naming the problem.
    let deep = format!(
        "{}{{\"op\":\"=\",\"args\":[{{\"property\":\"kind\"}},\"business\"]}}{}",
        "{\"op\":\"not\",\"args\":[".repeat(2_500),
        "]}".repeat(2_500)
    );
    let huge = format!(
        "{{\"op\":\"=\",\"args\":[{{\"property\":\"kind\"}},\"{}\"]}}",
        "x".repeat(1 << 20)
    );
    let cases: Vec<(String, &str, String, u16, &str)> = vec![
        (items.clone(), "application/json", huge, 413, "65536"),
        (items.clone(), "application/json", deep, 400, "filter"),
        (
            items.clone(),
            "text/plain",
            filter.clone(),
            415,
            "CQL2 JSON",
        ),
        (
            items.clone(),
            "application/json",
            "{\"op\":".into(),
            400,
            "JSON",
        ),
        (
            items.clone(),
            "application/json",
            "{\"op\":\"=\",\"args\":[{\"property\":\"email\"},\"a\"]}".into(),
            400,
            "email",
        ),
        (
            format!("{items}?filter=kind%3D'x'"),
            "application/json",
            filter.clone(),
            400,
            "body",
        ),
        (
            format!("{items}?f=html"),
            "application/json",
            filter.clone(),
            400,
            "html",
        ),
        (
            format!("{items}?limit=100000000"),
            "application/json",
            filter.clone(),
            400,
            "10000",
        ),
    ];
    for (url, content_type, body, status, says) in cases {
        let shown = format!("{content_type} {} bytes to {url}", body.len());
        let (got, answer) = post_as(&url, key, content_type, body).await;
        assert_eq!(got, status, "{shown}: {}", String::from_utf8_lossy(&answer));
        let exception: Value = serde_json::from_slice(&answer).unwrap();
        let description = exception["description"].as_str().unwrap();
        assert!(description.contains(says), "{shown}: {description}");
    }
    // The registry is intact and the server goes on.
    assert_eq!(
        json(&format!("{items}?limit=1"), key).await["numberMatched"],
        active_ids(&s.db).await.len()
    );
}
