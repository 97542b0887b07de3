//! The officer map `/map`: who may open it, how light its first load is, the two endpoints it
//! added (the canvass preview and the address search) under malformed, hostile and oversized
//! input, and an officer's whole canvass in a real browser: Debian's chromium at 1366×768,
//! driven by playwright-core (tests/browser/officer-map.mjs).
//!
//! The browser signs in as an officer with `pii`, searches an address, drops the incident on
//! the map, sees the list (no contact yet: nothing stored, nothing disclosed), enters the case
//! number, sees contacts (the canvass and the disclosure are in the audit trail), marks a
//! status (read back through the API), downloads the CSV (its rows checked here) and opens
//! the print sheet. Screenshots go to `$CANVASS_SCREENSHOTS_DIR`, else
//! `<target>/tmp/officer-map/screenshots`; to refresh the one in docs:
//! `CANVASS_SCREENSHOTS_DIR=$PWD/docs cargo nextest run --test officer_map`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use canvass_e2e::browser::{Driver, Said, check_tools, install_node_project, png_size, repo_root};
use canvass_e2e::{DemoServer, Session, create_named_key_async, demo_server, sign_in};
use serde_json::{Value, json};

/// The journey may take this long on a busy 2-core machine.
const BROWSER_TIME_LIMIT: Duration = Duration::from_secs(300);
/// The page's own first load (HTML, script, stylesheet), MapLibre and tiles aside.
const FIRST_LOAD_LIMIT: usize = 1_000_000;

async fn setup(cameras: &str) -> DemoServer {
    let web = repo_root().join("target/web");
    demo_server(cameras, &["--web-assets-dir", web.to_str().unwrap()]).await
}

/// A request as a browser or a script makes it: (status, headers, body).
async fn call(
    method: reqwest::Method,
    url: &str,
    auth: Auth<'_>,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut request = client.request(method, url);
    match auth {
        Auth::None => {}
        Auth::Key(key) => request = request.bearer_auth(key),
        Auth::Session(session, with_csrf) => {
            request = request.header("cookie", &session.cookie);
            if with_csrf {
                request = request.header("x-csrf-token", &session.csrf);
            }
        }
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Key(&'a str),
    Session(&'a Session, bool),
}

async fn post_json(url: &str, auth: Auth<'_>, body: &[u8]) -> (u16, String) {
    let (status, _, text) = call(
        reqwest::Method::POST,
        url,
        auth,
        &[("content-type", "application/json")],
        Some(body.to_vec()),
    )
    .await;
    (status, text)
}

async fn get(url: &str, auth: Auth<'_>) -> (u16, String) {
    let (status, _, text) = call(reqwest::Method::GET, url, auth, &[], None).await;
    (status, text)
}

/// Addresses of the demo city that each name exactly one address point, busiest first: the
/// `limit` with the most active cameras within 250 m among the first few hundred points.
async fn busy_addresses(client: &tokio_postgres::Client, limit: i64) -> Vec<(String, f64, f64)> {
    let rows = client
        .query(
            "SELECT a.number || ' ' || a.street, ST_X(a.location), ST_Y(a.location),
                    (SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id
                      WHERE r.status = 'active'
                        AND ST_DWithin(c.location::geography, a.location::geography, 250)) AS near
               FROM (SELECT * FROM address_points ORDER BY id LIMIT 400) a
              WHERE (SELECT count(*) FROM address_points b
                      WHERE b.street_key = a.street_key AND b.number = a.number) = 1
              ORDER BY near DESC, a.id LIMIT $1",
            &[&limit],
        )
        .await
        .unwrap();
    assert!(
        rows.first().is_some_and(|r| r.get::<_, i64>(3) >= 3),
        "the demo has cameras around its addresses"
    );
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

async fn busy_address(client: &tokio_postgres::Client) -> (String, f64, f64) {
    busy_addresses(client, 1).await.remove(0)
}

/// Of the busiest addresses, the one whose canvass (300 m, an incident `hours_ago`) shows the
/// most that an officer must see: cameras facing it, footage at risk or already overwritten.
async fn telling_address(
    base: &str,
    key: &str,
    client: &tokio_postgres::Client,
    hours_ago: i64,
) -> String {
    let when = (chrono::Utc::now() - chrono::TimeDelta::hours(hours_ago)).to_rfc3339();
    let mut best = (0, String::new());
    for (address, lon, lat) in busy_addresses(client, 40).await {
        let body = json!({
            "incident": {"type": "Point", "coordinates": [lon, lat]},
            "incident_time": when,
            "area": {"radius_m": 300},
        });
        let (status, text) = post_json(
            &format!("{base}/api/v1/canvasses/preview"),
            Auth::Key(key),
            &serde_json::to_vec(&body).unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        let cameras = answer["cameras"].as_array().unwrap();
        let count = |field: &str, value: &str| cameras.iter().filter(|c| c[field] == value).count();
        let score = 10 * count("faces_incident", "yes").min(4)
            + 3 * count("footage_status", "at_risk").min(3)
            + count("footage_status", "overwritten").min(3)
            + cameras.len().min(25);
        if score > best.0 {
            best = (score, address);
        }
    }
    best.1
}

fn error_of(text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    value["error"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_map_needs_sign_in_and_its_first_load_is_light() {
    let s = setup("300").await;
    let base = s.server.base.clone();

    // Not signed in: a browser goes to the sign-in page, anything else gets a 401.
    let (status, headers, _) = call(
        reqwest::Method::GET,
        &format!("{base}/map"),
        Auth::None,
        &[("accept", "text/html,application/xhtml+xml")],
        None,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/login");
    let (status, _) = get(&format!("{base}/map"), Auth::None).await;
    assert_eq!(status, 401);
    // The records system's role runs no canvass.
    let records = create_named_key_async(&s.db.url, "rms", "records", false).await;
    let (status, text) = get(&format!("{base}/map"), Auth::Key(&records)).await;
    assert_eq!(status, 403, "{text}");

    let session = sign_in(&s.db.url, &base, "ofc.lee", "officer", false).await;
    let (status, headers, page) = call(
        reqwest::Method::GET,
        &format!("{base}/map"),
        Auth::Session(&session, false),
        &[("accept", "text/html")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert!(page.contains("data-pii=\"false\""));
    assert!(page.contains(&format!("data-csrf=\"{}\"", session.csrf)));
    assert!(
        !page.contains("Start canvass and show contacts"),
        "no contact prompt for an officer without pii"
    );
    // The security policy allows no inline script or style: the page has none.
    assert!(!page.contains(" style="), "inline style in /map");
    let scripts: Vec<&str> = page.split("<script").skip(1).collect();
    assert!(scripts.iter().all(|s| s.trim_start().starts_with("src=")));

    // The first load: the page and every file of ours it links, MapLibre aside.
    let mut linked: Vec<String> = Vec::new();
    for marker in ["src=\"", "href=\""] {
        for part in page.split(marker).skip(1) {
            let link = part.split('"').next().unwrap();
            if link.starts_with("/static/") && !link.starts_with("/static/vendor/") {
                linked.push(link.to_owned());
            }
        }
    }
    linked.sort();
    assert_eq!(linked, ["/static/map.css", "/static/map.js"]);
    let mut total = page.len();
    for link in &linked {
        let (status, headers, body) = call(
            reqwest::Method::GET,
            &format!("{base}{link}"),
            Auth::None,
            &[],
            None,
        )
        .await;
        assert_eq!(status, 200, "{link}");
        assert_eq!(headers["cache-control"], "public, max-age=3600", "{link}");
        total += body.len();
        // Revalidated, not fetched again.
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.len() > 10, "{link}: {etag}");
        let (status, _, body) = call(
            reqwest::Method::GET,
            &format!("{base}{link}"),
            Auth::None,
            &[("if-none-match", &etag)],
            None,
        )
        .await;
        assert_eq!((status, body.as_str()), (304, ""), "{link}");
    }
    eprintln!("officer map first load (HTML, JS, CSS): {total} bytes");
    assert!(
        total < FIRST_LOAD_LIMIT,
        "the map's first load is {total} bytes; at most {FIRST_LOAD_LIMIT}"
    );
    // MapLibre is served by the same server, never from elsewhere.
    assert!(page.contains("src=\"/static/vendor/maplibre-gl.js\""));
    assert!(!page.contains("http://") && !page.contains("https://"));
    drop(s);
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_and_address_search_refuse_bad_input_by_name_and_disclose_nothing() {
    let s = setup("1000").await;
    let base = s.server.base.clone();
    let client = s.db.connect().await.unwrap();
    let (address, lon, lat) = busy_address(&client).await;
    let key = create_named_key_async(&s.db.url, "map-officer", "officer", true).await;
    let preview = format!("{base}/api/v1/canvasses/preview");
    let incident = json!({"type": "Point", "coordinates": [lon, lat]});
    let body = |area: Value| -> Vec<u8> {
        serde_json::to_vec(&json!({
            "incident": incident,
            "incident_time": "2026-12-01T14:05:00-08:00",
            "area": area,
        }))
        .unwrap()
    };

    // A preview: cameras nearest first, with the canvass's judgements, and nothing personal.
    let (status, text) =
        post_json(&preview, Auth::Key(&key), &body(json!({"radius_m": 300}))).await;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let cameras = answer["cameras"].as_array().unwrap();
    assert!(!cameras.is_empty());
    assert_eq!(answer["found"].as_u64().unwrap() as usize, cameras.len());
    for camera in cameras {
        assert!(camera.get("contact").is_none() && camera.get("address").is_none());
        assert!(camera.get("status").is_none());
    }
    let distances: Vec<f64> = cameras
        .iter()
        .map(|c| c["distance_m"].as_f64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "nearest first");
    // Nothing stored, nothing disclosed.
    let (_, list) = get(&format!("{base}/api/v1/canvasses"), Auth::Key(&key)).await;
    assert_eq!(
        serde_json::from_str::<Value>(&list).unwrap()["canvasses"],
        json!([])
    );
    let audited: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action IN ('contact.disclose', 'canvass.create')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 0);

    // The canvass that follows lists the same cameras, in the same order, with the same flags.
    let mut canvass_body: Value = serde_json::from_slice(&body(json!({"radius_m": 300}))).unwrap();
    canvass_body["case_number"] = json!("26-000101");
    canvass_body["reason"] = json!("burglary");
    let (status, text) = post_json(
        &format!("{base}/api/v1/canvasses"),
        Auth::Key(&key),
        &serde_json::to_vec(&canvass_body).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    let canvass: Value = serde_json::from_str(&text).unwrap();
    let fields = [
        "camera_id",
        "rank",
        "distance_m",
        "bearing_deg",
        "faces_incident",
        "footage_until",
        "footage_status",
        "placement",
        "views",
        "recording_mode",
        "can_export",
        "kind",
        "retention_days",
        "facing_deg",
    ];
    let pick = |list: &Value| -> Vec<Vec<Value>> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                fields
                    .iter()
                    .map(|f| match (*f, &c[*f]) {
                        // The index keeps views as a set: the preview lists them in the
                        // vocabulary's order, a canvass in the order the owner gave.
                        ("views", Value::Array(views)) => {
                            let mut views = views.clone();
                            views.sort_by_key(ToString::to_string);
                            Value::Array(views)
                        }
                        (_, value) => value.clone(),
                    })
                    .collect()
            })
            .collect()
    };
    assert_eq!(pick(&answer["cameras"]), pick(&canvass["cameras"]));

    // Every other shape lists what its canvass lists, too.
    let mut listed = 0;
    let square = |d: f64| {
        json!({"type": "Polygon", "coordinates": [[
            [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]
        ]]})
    };
    for (i, area) in [
        json!({"polygon": square(0.003)}),
        json!({"route": {"type": "LineString", "coordinates": [[lon - 0.003, lat], [lon + 0.003, lat]]}, "buffer_m": 150}),
        json!({"missing_person": {"last_seen_at": "2026-12-01T14:05:00-08:00", "speed_kmh": 0.5}}),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, text) = post_json(&preview, Auth::Key(&key), &body(area.clone())).await;
        assert_eq!(status, 200, "{area}: {text}");
        let previewed: Value = serde_json::from_str(&text).unwrap();
        let mut canvass_body: Value = serde_json::from_slice(&body(area.clone())).unwrap();
        canvass_body["case_number"] = json!(format!("26-00020{i}"));
        canvass_body["reason"] = json!("burglary");
        let (status, text) = post_json(
            &format!("{base}/api/v1/canvasses?contacts=false"),
            Auth::Key(&key),
            &serde_json::to_vec(&canvass_body).unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{area}: {text}");
        let canvass: Value = serde_json::from_str(&text).unwrap();
        let (a, b) = (pick(&previewed["cameras"]), pick(&canvass["cameras"]));
        let differ = a.iter().zip(&b).position(|(x, y)| x != y);
        assert!(
            a.len() == b.len() && differ.is_none(),
            "{area}: {} previewed, {} in the canvass; first difference: {:?}",
            a.len(),
            b.len(),
            differ.map(|i| (&a[i], &b[i]))
        );
        listed += previewed["cameras"].as_array().unwrap().len();
    }
    assert!(listed > 0, "the other shapes find cameras");

    // Refusals name the field.
    let far = (chrono::Utc::now() + chrono::TimeDelta::days(3)).to_rfc3339();
    let huge: Vec<[f64; 2]> = (0..100_000)
        .map(|i| {
            let a = f64::from(i) / 100_000.0 * std::f64::consts::TAU;
            [lon + 0.001 * a.cos(), lat + 0.001 * a.sin()]
        })
        .collect();
    let bad: Vec<(Vec<u8>, u16, &str)> = vec![
        (
            body(json!({"radius_m": 0})),
            400,
            "area.radius_m: must be 10 to 5000 metres, got 0",
        ),
        (
            body(json!({"radius_m": 50000})),
            400,
            "area.radius_m: must be 10 to 5000 metres",
        ),
        (
            body(json!({"radius_m": "300"})),
            400,
            "area.radius_m: invalid type",
        ),
        (
            body(json!({"polygon": {"type": "Polygon", "coordinates": [[
                [lon, lat], [lon + 0.002, lat + 0.002], [lon + 0.002, lat], [lon, lat + 0.002], [lon, lat]
            ]]}})),
            400,
            "area.polygon: Self-intersection",
        ),
        (
            body(json!({"polygon": {"type": "Polygon", "coordinates": [huge]}})),
            400,
            "area.polygon: has 100000 positions",
        ),
        (
            body(json!({"route": {"type": "LineString", "coordinates": []}})),
            400,
            "area.route: needs at least 2 different positions",
        ),
        (body(json!({"radius": 300})), 400, "unknown field `radius`"),
        (
            body(json!({"radius_m": 300, "polygon": square(0.001)})),
            400,
            "area: give one of",
        ),
        (
            serde_json::to_vec(&json!({"incident": incident, "incident_time": far})).unwrap(),
            400,
            "incident_time: is in the future",
        ),
        (
            serde_json::to_vec(&json!({"incident": incident, "incident_time": "yesterday"}))
                .unwrap(),
            400,
            "incident_time:",
        ),
        (
            serde_json::to_vec(&json!({"incident_time": "2026-12-01T14:05:00-08:00"})).unwrap(),
            400,
            "incident: the incident is required",
        ),
        (
            serde_json::to_vec(
                &json!({"incident": {"type": "Point", "coordinates": [200, 95]},
                "incident_time": "2026-12-01T14:05:00-08:00"}),
            )
            .unwrap(),
            400,
            "incident:",
        ),
        (
            serde_json::to_vec(
                &json!({"incident": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
                "incident_time": "2026-12-01T14:05:00-08:00"}),
            )
            .unwrap(),
            400,
            "incident.coordinates",
        ),
        // A preview takes no case: a client that sends one is told, not silently ignored.
        (
            serde_json::to_vec(
                &json!({"incident": incident, "incident_time": "2026-12-01T14:05:00-08:00",
                "case_number": "26-000101"}),
            )
            .unwrap(),
            400,
            "unknown field `case_number`",
        ),
        (b"{\"incident\": ".to_vec(), 400, "malformed JSON"),
        (b"[1, 2, 3]".to_vec(), 400, "invalid type"),
    ];
    for (sent, status, expected) in bad {
        let (got, text) = post_json(&preview, Auth::Key(&key), &sent).await;
        let shown: String = String::from_utf8_lossy(&sent).chars().take(120).collect();
        assert_eq!(got, status, "{shown}: {text}");
        assert!(error_of(&text).contains(expected), "{shown}: {text}");
    }
    // Over 4 MiB: refused before it is read.
    let (status, text) = canvass_e2e::curl_post_json(&preview, &key, vec![b' '; 5 << 20]).await;
    assert_eq!(status, 413, "{text}");
    assert!(
        error_of(&text).contains("larger than 4194304 bytes"),
        "{text}"
    );
    let (status, _, text) = call(
        reqwest::Method::POST,
        &preview,
        Auth::Key(&key),
        &[("content-type", "text/plain")],
        Some(body(json!({}))),
    )
    .await;
    assert_eq!(status, 415, "{text}");

    // A browser session must send its CSRF token.
    let session = sign_in(&s.db.url, &base, "ofc.kim", "officer", true).await;
    let (status, text) =
        post_json(&preview, Auth::Session(&session, false), &body(json!({}))).await;
    assert_eq!(status, 403, "{text}");
    assert!(error_of(&text).contains("CSRF"));
    let (status, text) = post_json(&preview, Auth::Session(&session, true), &body(json!({}))).await;
    assert_eq!(status, 200, "{text}");

    // The address search.
    let places = |q: &str| {
        let mut url = reqwest::Url::parse(&format!("{base}/api/v1/places")).unwrap();
        url.query_pairs_mut().append_pair("q", q);
        url.to_string()
    };
    let (status, text) = get(&places(&address), Auth::Key(&key)).await;
    assert_eq!(status, 200, "{text}");
    let found: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(found["places"].as_array().unwrap().len(), 1, "{text}");
    let place = &found["places"][0];
    assert!((place["lon"].as_f64().unwrap() - lon).abs() < 1e-6);
    assert!((place["lat"].as_f64().unwrap() - lat).abs() < 1e-6);
    assert!(place["label"].as_str().unwrap().starts_with(&address));
    for q in [
        "99999 Nowhere Street",
        "1 Main St'; DROP TABLE cameras; --",
        "12 %' OR '1'='1",
        "1 \u{202e}Street",
    ] {
        let (status, text) = get(&places(q), Auth::Key(&key)).await;
        assert_eq!(status, 200, "{q}: {text}");
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["places"],
            json!([]),
            "{q}"
        );
    }
    for (url, expected) in [
        (format!("{base}/api/v1/places"), "q: type an address"),
        (places("   "), "q: type an address"),
        (places("Main Street"), "q: missing house number"),
        (
            places(&"1 Main St ".repeat(30)),
            "q: is longer than 200 characters",
        ),
        (places("1 Main\u{7}St"), "q: holds control characters"),
        (format!("{base}/api/v1/places?q=%FF%FE"), "q:"),
    ] {
        let (status, text) = get(&url, Auth::Key(&key)).await;
        assert_eq!(status, 400, "{url}: {text}");
        assert!(error_of(&text).contains(expected), "{url}: {text}");
    }
    let (status, _) = get(&places(&address), Auth::None).await;
    assert_eq!(status, 401);
    let records = create_named_key_async(&s.db.url, "rms", "records", false).await;
    let (status, _) = get(&places(&address), Auth::Key(&records)).await;
    assert_eq!(status, 403);
    drop(s);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_runs_a_canvass_on_the_map_in_a_real_browser() {
    check_tools();
    install_node_project();
    let s = setup("3000").await;
    let base = s.server.base.clone();
    let client = s.db.connect().await.unwrap();
    canvass_e2e::add_user(&s.db.url, "ofc.diaz", "officer", true).await;
    // The test reads what the browser did through the API, as any client would.
    let key = create_named_key_async(&s.db.url, "checker", "officer", false).await;
    // The incident was yesterday: some footage is at risk, some already gone.
    let hours_ago = 26;
    let address = telling_address(&base, &key, &client, hours_ago).await;

    let target_tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("officer-map");
    let screenshots = std::env::var_os("CANVASS_SCREENSHOTS_DIR")
        .map_or_else(|| target_tmp.join("screenshots"), PathBuf::from);
    let artifacts = target_tmp.join("artifacts");
    let downloads = target_tmp.join("downloads");
    let _ = std::fs::remove_dir_all(&downloads);
    let case_number = "26-004417";
    let args: Vec<std::ffi::OsString> = vec![
        "--base".into(),
        base.clone().into(),
        "--user".into(),
        "ofc.diaz".into(),
        "--password".into(),
        canvass_e2e::TEST_PASSWORD.into(),
        "--address".into(),
        address.clone().into(),
        "--case".into(),
        case_number.into(),
        "--hours-ago".into(),
        hours_ago.to_string().into(),
        "--screenshots".into(),
        screenshots.clone().into(),
        "--artifacts".into(),
        artifacts.clone().into(),
        "--downloads".into(),
        downloads.clone().into(),
    ];
    let mut driver = Driver::start("officer-map.mjs", &args);
    let mut steps: Vec<String> = Vec::new();
    let deadline = Instant::now() + BROWSER_TIME_LIMIT;
    let mut canvass_id = 0_i64;
    loop {
        let json = match tokio::task::block_in_place(|| driver.next(deadline)) {
            Said::Checkpoint(json) => json,
            Said::Done => break,
            Said::Stopped(status) => {
                let mut server = s.server;
                panic!(
                    "the browser driver stopped ({status}) after {steps:?}; see its output above \
                     and {}; server log:\n{}",
                    artifacts.display(),
                    server.stderr_text()
                )
            }
            Said::TimedOut => {
                panic!(
                    "the map journey took longer than {BROWSER_TIME_LIMIT:?} (reached {steps:?})"
                )
            }
        };
        let step: Value = serde_json::from_str(&json).unwrap();
        let name = step["step"].as_str().unwrap().to_owned();
        match name.as_str() {
            // The list is on screen, without contacts: no canvass stored, nothing disclosed.
            "listed" => {
                assert!(step["cameras"].as_u64().unwrap() > 0, "{step}");
                assert_eq!(step["contacts"], json!(0), "{step}");
                let (_, list) = get(&format!("{base}/api/v1/canvasses"), Auth::Key(&key)).await;
                assert_eq!(
                    serde_json::from_str::<Value>(&list).unwrap()["canvasses"],
                    json!([])
                );
                assert_eq!(audit_count(&client, "contact.disclose").await, 0);
            }
            // The case number was typed: the canvass is stored, and the contacts shown were
            // disclosed under it.
            "contacts" => {
                canvass_id = step["canvass_id"].as_i64().unwrap();
                assert!(step["contacts"].as_u64().unwrap() > 0, "{step}");
                let (status, text) = get(
                    &format!("{base}/api/v1/canvasses/{canvass_id}"),
                    Auth::Key(&key),
                )
                .await;
                assert_eq!(status, 200, "{text}");
                let canvass: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(canvass["case_number"], case_number);
                // Typed on the department's clock, sent with its offset, stored as that moment.
                let typed = chrono::DateTime::parse_from_rfc3339(
                    canvass["incident_time"].as_str().unwrap(),
                )
                .unwrap();
                let meant = chrono::Utc::now() - chrono::TimeDelta::hours(hours_ago);
                let off = (typed.with_timezone(&chrono::Utc) - meant)
                    .num_seconds()
                    .abs();
                assert!(off < 300, "incident time {typed}, meant about {meant}");
                assert_eq!(canvass["created_by"], "ofc.diaz");
                assert_eq!(
                    canvass["address"],
                    Value::Null,
                    "the incident was dropped as a point"
                );
                assert_eq!(
                    canvass["cameras"].as_array().unwrap().len() as u64,
                    step["cameras"].as_u64().unwrap()
                );
                let rows = client
                    .query(
                        "SELECT action, case_number, details->>'canvass_id' FROM audit_log
                          WHERE action IN ('canvass.create', 'contact.disclose') ORDER BY seq",
                        &[],
                    )
                    .await
                    .unwrap();
                let seen: Vec<(String, Option<String>, Option<String>)> = rows
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
                let id = Some(canvass_id.to_string());
                let case = Some(case_number.to_owned());
                assert_eq!(
                    seen,
                    [
                        ("canvass.create".to_owned(), case.clone(), id.clone()),
                        ("contact.disclose".to_owned(), case, id),
                    ]
                );
            }
            "status" => {
                let camera = step["camera_id"].as_i64().unwrap();
                let (status, text) = get(
                    &format!("{base}/api/v1/canvasses/{canvass_id}/cameras/{camera}"),
                    Auth::Key(&key),
                )
                .await;
                assert_eq!(status, 200, "{text}");
                let stored: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(stored["status"], "contacted", "{text}");
                assert_eq!(stored["status_by"], "ofc.diaz", "{text}");
            }
            "csv" => {
                let path = PathBuf::from(step["path"].as_str().unwrap());
                let text = std::fs::read_to_string(&path).unwrap();
                let mut records = csv_records(&text).into_iter();
                let header = records.next().unwrap();
                for column in [
                    "rank",
                    "camera_id",
                    "status",
                    "address",
                    "name",
                    "email",
                    "phone",
                ] {
                    assert!(header.iter().any(|c| c == column), "{column} in {header:?}");
                }
                let rows: Vec<Vec<String>> = records.collect();
                assert_eq!(rows.len() as u64, step["cameras"].as_u64().unwrap());
                let column = |name: &str| header.iter().position(|c| c == name).unwrap();
                let camera = step["camera_id"].as_i64().unwrap().to_string();
                let marked = rows
                    .iter()
                    .find(|r| r[column("camera_id")] == camera)
                    .unwrap();
                assert_eq!(marked[column("status")], "contacted", "{marked:?}");
                assert_eq!(marked[column("status_by")], "ofc.diaz", "{marked:?}");
                assert!(
                    rows.iter().all(|r| !r[column("name")].is_empty()),
                    "every owner named"
                );
                assert_eq!(
                    audit_count(&client, "contact.disclose").await,
                    2,
                    "the CSV disclosed"
                );
            }
            "requested" => {
                let (status, text) = get(
                    &format!("{base}/api/v1/canvasses/{canvass_id}/requests"),
                    Auth::Key(&key),
                )
                .await;
                assert_eq!(status, 200, "{text}");
                let requests: Value = serde_json::from_str(&text).unwrap();
                let list = requests["requests"].as_array().unwrap();
                assert_eq!(list.len(), 1, "{text}");
                let request = &list[0];
                assert_eq!(request["kind"], "preservation", "{text}");
                assert_eq!(request["requested_by"], "ofc.diaz", "{text}");
                let asked: usize = request["owners"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["camera_ids"].as_array().unwrap().len())
                    .sum();
                assert_eq!(asked as u64, step["cameras"].as_u64().unwrap(), "{text}");
                // The window is the incident ± 30 minutes, on the department's clock.
                let start =
                    chrono::DateTime::parse_from_rfc3339(request["window_start"].as_str().unwrap())
                        .unwrap();
                let meant = chrono::Utc::now()
                    - chrono::TimeDelta::hours(hours_ago)
                    - chrono::TimeDelta::minutes(30);
                let off = (start.with_timezone(&chrono::Utc) - meant)
                    .num_seconds()
                    .abs();
                assert!(off < 300, "window start {start}, meant about {meant}");
            }
            "sheet" => {
                assert!(
                    step["title"].as_str().unwrap().contains(case_number),
                    "{step}"
                );
                assert!(step["stops"].as_u64().unwrap() > 0, "{step}");
            }
            other => panic!("unknown checkpoint {other}"),
        }
        steps.push(name);
        driver.answer_ok();
    }
    let status = driver.wait();
    assert!(status.success(), "the browser driver exited with {status}");
    assert_eq!(
        steps,
        ["listed", "contacts", "status", "csv", "requested", "sheet"]
    );
    // The map with its results for docs/, the sheet as the browser opened it beside it.
    for shot in [
        screenshots.join("officer-map.png"),
        artifacts.join("officer-map-sheet.png"),
    ] {
        let bytes = std::fs::read(&shot).unwrap();
        assert_eq!(png_size(&bytes), (1366, 768), "{}", shot.display());
    }
    let verify = tokio::task::spawn_blocking({
        let url = s.db.url.clone();
        move || canvass_e2e::run(&["audit", "verify", "--database-url", &url])
    })
    .await
    .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        canvass_e2e::stderr_of(&verify)
    );
    drop(s);
}

async fn audit_count(client: &tokio_postgres::Client, action: &str) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = $1",
            &[&action],
        )
        .await
        .unwrap()
        .get(0)
}

/// The records of a CSV file as RFC 4180 writes them (quoted fields may hold commas, quotes
/// and line breaks).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}
