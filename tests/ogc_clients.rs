//! OGC API – Features through real clients, each with HTTP Basic authentication (any user
//! name, the API key as the password), against the real binary serving the demo:
//!
//! - GDAL 3.6's OAPIF driver: `ogrinfo` lists the layers and counts exactly the demo's active
//!   cameras, `ogr2ogr` copies them all into a GeoPackage; without credentials it gets nothing.
//! - OWSLib (tests/clients/owslib_features.py) lists the collections, reads the queryables and
//!   pages the items by their `next` links: the ids add up to the active set.
//! - Headless PyQGIS 3.22 (tests/clients/qgis_oapif.py) loads the OAPIF layer with a Basic
//!   authentication configuration and counts the active cameras; the same layer without it, in
//!   the same process and network cache, gets none.
//! - The OpenAPI document at /ogc/api validates with openapi-spec-validator, and schemathesis
//!   fuzzes every operation it describes, with Basic and with Bearer authentication, and finds
//!   no 5xx and no response that breaks the document.
//!
//! Needs Debian's gdal-bin, qgis and python3-qgis (`scripts/setup --test` installs them) and
//! the venv of `scripts/python-env` (PyPI packages pinned in tests/clients/requirements.txt),
//! which this test makes under `<target>/clients-venv` when it is missing or stale. Every
//! client's standard output and error are in the failure message.
//!
//! The fuzzer's seed is fixed so that a run can be repeated; `CANVASS_FUZZ_SEED=N` tries another
//! and `CANVASS_FUZZ_EXAMPLES=N` changes the examples per operation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, create_key, create_named_key, stderr_of, stdout_of};
use serde_json::Value;

/// Demo cameras: enough for several pages of every client, few enough for a quick fuzz.
const DEMO_CAMERAS: &str = "300";

/// The user name the clients send; the server reads only the password (the API key).
const USER: &str = "analyst";

/// The cameras every client must see: those of active registrations.
const ACTIVE: &str = "SELECT c.id, ST_X(c.location), ST_Y(c.location)
    FROM cameras c JOIN registrations r ON r.id = c.registration_id
    WHERE r.status = 'active' ORDER BY c.id";

/// How far (degrees) a client's position may be from the database's: coordinates are written
/// rounded, and read back as floating point.
const POSITION_TOLERANCE: f64 = 1e-6;

/// One client run may take this long on a busy 2-core machine before it counts as hung.
const CLIENT_TIME_LIMIT: Duration = Duration::from_secs(300);

/// Features per OWSLib page: not a divisor of the count, so the last page is a short one.
const OWSLIB_PAGE: usize = 37;

/// Features per QGIS request: the layer must follow the `next` links (QGIS would otherwise
/// ask for the server's largest page).
const QGIS_PAGE: usize = 50;

/// Schemathesis examples per operation and per authentication scheme, unless
/// `CANVASS_FUZZ_EXAMPLES` says otherwise.
const FUZZ_EXAMPLES: u32 = 100;

/// The fuzzer's seed unless `CANVASS_FUZZ_SEED` says otherwise.
const FUZZ_SEED: u64 = 20_261_203;

/// A demo server, an analyst's key, and the active cameras.
struct Demo {
    _db: TestDatabase,
    server: Server,
    key: String,
    url: String,
    /// The active cameras' ids.
    active: BTreeSet<String>,
    /// Their positions (longitude, latitude), in id order.
    positions: Vec<[f64; 2]>,
    dir: tempfile::TempDir,
}

impl Demo {
    fn start() -> Demo {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let db = runtime.block_on(TestDatabase::new()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let server = Server::demo(&db.url, dir.path().to_str().unwrap(), DEMO_CAMERAS);
        let key = create_key(&db.url, "analyst");
        let rows = runtime.block_on(async {
            let client = db.connect().await.unwrap();
            client.query(ACTIVE, &[]).await.unwrap()
        });
        let active: BTreeSet<String> = rows
            .iter()
            .map(|row| row.get::<_, i64>(0).to_string())
            .collect();
        let positions = rows.iter().map(|row| [row.get(1), row.get(2)]).collect();
        assert!(
            active.len() > 100,
            "the demo should have well over 100 active cameras, has {}",
            active.len()
        );
        Demo {
            url: db.url.clone(),
            _db: db,
            server,
            key,
            active,
            positions,
            dir,
        }
    }

    /// The OGC API landing page.
    fn landing(&self) -> String {
        format!("{}/ogc", self.server.base)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `<target>`: test binaries live in `<target>/<profile>/deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// The venv of the client tests, made or refreshed by `scripts/python-env`.
fn python_env() -> PathBuf {
    let output = Command::new(repo_root().join("scripts/python-env"))
        .arg(target_dir().join("clients-venv"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "scripts/python-env failed:\n{}",
        stderr_of(&output)
    );
    PathBuf::from(stdout_of(&output).trim())
}

/// What a client printed, for failure messages.
struct Ran {
    success: bool,
    status: String,
    stdout: String,
    stderr: String,
    seconds: f64,
}

impl Ran {
    fn report(&self) -> String {
        format!(
            "exit: {} after {:.1}s\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status,
            self.seconds,
            tail(&self.stdout, 20_000),
            tail(&self.stderr, 20_000)
        )
    }
}

/// The last `limit` bytes of `text` (on a character boundary).
fn tail(text: &str, limit: usize) -> &str {
    let mut start = text.len().saturating_sub(limit);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Runs `command` to completion within [`CLIENT_TIME_LIMIT`], killing it past that.
fn run_client(what: &str, command: &mut Command) -> Ran {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {what} ({command:?}): {e}; scripts/setup --test installs it")
        });
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.to_string();
        }
        if started.elapsed() > CLIENT_TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break format!("killed after {}s", CLIENT_TIME_LIMIT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let ran = Ran {
        success: status == "exit status: 0",
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        seconds: started.elapsed().as_secs_f64(),
    };
    eprintln!("{what}: {} in {:.1}s", ran.status, ran.seconds);
    ran
}

/// `ogrinfo`/`ogr2ogr` with `credentials` (`user:key`) as HTTP Basic authentication, if any.
fn gdal(program: &str, credentials: Option<&str>, args: &[&str]) -> Ran {
    let mut command = Command::new(program);
    if let Some(credentials) = credentials {
        command.args([
            "--config",
            "GDAL_HTTP_AUTH",
            "BASIC",
            "--config",
            "GDAL_HTTP_USERPWD",
            credentials,
        ]);
    }
    command.args(args);
    run_client(&format!("{program} {}", args.join(" ")), &mut command)
}

/// The number after `Feature Count:` in `ogrinfo -so` output.
fn feature_count(ogrinfo: &Ran) -> usize {
    ogrinfo
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no feature count:\n{}", ogrinfo.report()))
}

/// The feature id of every feature `ogrinfo -al` printed (`OGRFeature(cameras):ID`): the OAPIF
/// driver takes the GeoJSON `id`, a GeoPackage copied with `-preserve_fid` keeps it.
fn listed_ids(ogrinfo: &Ran) -> Vec<String> {
    ogrinfo
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("OGRFeature(cameras):"))
        .map(|id| id.trim().to_owned())
        .collect()
}

/// The ids of a list, checked to hold no duplicate, as a set.
fn unique(ids: &[String], what: &str) -> BTreeSet<String> {
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "{what} repeats ids");
    set
}

#[test]
fn gdal_reads_and_copies_exactly_the_active_cameras_with_basic_auth() {
    let started = Instant::now();
    let demo = Demo::start();
    let source = format!("OAPIF:{}", demo.landing());
    let credentials = format!("{USER}:{}", demo.key);
    let auth = Some(credentials.as_str());

    let layers = gdal("ogrinfo", auth, &["-ro", &source]);
    assert!(layers.success, "{}", layers.report());
    let names: Vec<&str> = layers
        .stdout
        .lines()
        .filter_map(|line| line.split_once(": ").map(|(_, name)| name))
        .map(|name| name.split(' ').next().unwrap_or(name))
        .collect();
    assert!(names.contains(&"cameras"), "{}", layers.report());
    assert!(
        !names.contains(&"camera_contacts"),
        "an analyst without pii must not see the contacts layer:\n{}",
        layers.report()
    );

    let summary = gdal("ogrinfo", auth, &["-ro", "-so", &source, "cameras"]);
    assert!(summary.success, "{}", summary.report());
    assert_eq!(
        feature_count(&summary),
        demo.active.len(),
        "{}",
        summary.report()
    );

    // Every feature, page by page through the `next` links.
    let all = gdal(
        "ogrinfo",
        auth,
        &["-ro", "-al", "-geom=NO", &source, "cameras"],
    );
    assert!(all.success, "{}", all.report());
    let ids = listed_ids(&all);
    assert_eq!(ids.len(), demo.active.len(), "{}", all.report());
    assert_eq!(unique(&ids, "ogrinfo -al"), demo.active, "{}", all.report());

    let gpkg = demo.path("cameras.gpkg");
    let gpkg = gpkg.to_str().unwrap();
    let copy = gdal(
        "ogr2ogr",
        auth,
        &["-f", "GPKG", "-preserve_fid", gpkg, &source, "cameras"],
    );
    assert!(copy.success, "{}", copy.report());
    let copied = gdal("ogrinfo", None, &["-ro", "-so", gpkg, "cameras"]);
    assert!(copied.success, "{}", copied.report());
    assert_eq!(
        feature_count(&copied),
        demo.active.len(),
        "{}",
        copied.report()
    );
    let copied_ids = gdal(
        "ogrinfo",
        None,
        &["-ro", "-al", "-geom=NO", gpkg, "cameras"],
    );
    assert_eq!(
        unique(&listed_ids(&copied_ids), "the GeoPackage"),
        demo.active,
        "{}",
        copied_ids.report()
    );

    // Without credentials, and with a key whose role has no feeds: nothing.
    let anonymous = gdal("ogrinfo", None, &["-ro", "-so", &source, "cameras"]);
    assert!(!anonymous.success, "{}", anonymous.report());
    assert!(
        !anonymous.stdout.contains("Feature Count"),
        "{}",
        anonymous.report()
    );
    let officer = format!("officer:{}", create_key(&demo.url, "officer"));
    let refused = gdal(
        "ogrinfo",
        Some(&officer),
        &["-ro", "-so", &source, "cameras"],
    );
    assert!(!refused.success, "{}", refused.report());
    assert!(
        !refused.stdout.contains("Feature Count"),
        "{}",
        refused.report()
    );

    eprintln!("gdal test: {:.1}s", started.elapsed().as_secs_f64());
}

/// Runs `tests/clients/SCRIPT ARGS --result FILE` with the venv's Python and reads FILE.
fn python_client(demo: &Demo, script: &str, args: &[&str]) -> (Value, Ran) {
    let venv = python_env();
    let result = demo.path(&format!("{script}.json"));
    let mut command = Command::new(venv.join("bin/python"));
    command
        .arg(repo_root().join("tests/clients").join(script))
        .args(args)
        .arg("--result")
        .arg(&result)
        .env("TMPDIR", demo.dir.path())
        .env("QT_QPA_PLATFORM", "offscreen")
        .current_dir(demo.dir.path());
    let ran = run_client(script, &mut command);
    assert!(ran.success, "{}", ran.report());
    let text = std::fs::read_to_string(&result)
        .unwrap_or_else(|e| panic!("{script} wrote no result ({e}):\n{}", ran.report()));
    (serde_json::from_str(&text).unwrap(), ran)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect()
}

#[test]
fn owslib_lists_collections_and_pages_the_active_cameras_with_basic_auth() {
    let started = Instant::now();
    let demo = Demo::start();
    let limit = OWSLIB_PAGE.to_string();
    let (seen, ran) = python_client(
        &demo,
        "owslib_features.py",
        &[
            "--url",
            &demo.landing(),
            "--collection",
            "cameras",
            "--user",
            USER,
            "--password",
            &demo.key,
            "--limit",
            &limit,
        ],
    );
    let context = format!("{seen:#}\n{}", ran.report());
    assert!(
        strings(&seen["collections"]).contains(&"cameras".to_owned()),
        "{context}"
    );
    assert!(
        !strings(&seen["collections"]).contains(&"camera_contacts".to_owned()),
        "an analyst without pii must not see the contacts collection:\n{context}"
    );
    assert!(
        strings(&seen["feature_collections"]).contains(&"cameras".to_owned()),
        "{context}"
    );
    assert_eq!(seen["collection"], "cameras", "{context}");
    let queryables = strings(&seen["queryables"]);
    assert!(
        queryables.contains(&"placement".to_owned()),
        "queryables:\n{context}"
    );
    assert!(
        !queryables.contains(&"email".to_owned()),
        "the cameras collection must not offer contact properties:\n{context}"
    );

    let pages = seen["pages"].as_array().unwrap();
    let expected_pages = demo.active.len().div_ceil(OWSLIB_PAGE);
    assert!(
        pages.len() == expected_pages || pages.len() == expected_pages + 1,
        "{} pages of {OWSLIB_PAGE} for {} cameras:\n{context}",
        pages.len(),
        demo.active.len()
    );
    let mut ids = Vec::new();
    for page in pages {
        let returned = page["returned"].as_u64().unwrap() as usize;
        assert!(returned <= OWSLIB_PAGE, "page too long:\n{context}");
        if let Some(number) = page["numberReturned"].as_u64() {
            assert_eq!(number as usize, returned, "numberReturned:\n{context}");
        }
        if let Some(matched) = page["numberMatched"].as_u64() {
            assert_eq!(
                matched as usize,
                demo.active.len(),
                "numberMatched:\n{context}"
            );
        }
        ids.extend(strings(&page["ids"]));
    }
    assert_eq!(unique(&ids, "OWSLib's pages"), demo.active, "{context}");
    assert!(
        seen["without_auth"]
            .as_str()
            .unwrap()
            .starts_with("refused"),
        "{context}"
    );
    eprintln!("owslib test: {:.1}s", started.elapsed().as_secs_f64());
}

/// `seen` (a list of `[lon, lat]`) holds exactly the positions of `truth`, each within
/// [`POSITION_TOLERANCE`] (cameras may share a position, so each is matched once).
fn assert_same_positions(seen: &Value, truth: &[[f64; 2]], context: &str) {
    let mut unmatched: Vec<[f64; 2]> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect();
    assert_eq!(unmatched.len(), truth.len(), "positions:\n{context}");
    for [lon, lat] in truth {
        let found = unmatched.iter().position(|[x, y]| {
            (x - lon).abs() <= POSITION_TOLERANCE && (y - lat).abs() <= POSITION_TOLERANCE
        });
        match found {
            Some(index) => {
                unmatched.swap_remove(index);
            }
            None => panic!("no feature at the active camera's {lon}, {lat}:\n{context}"),
        }
    }
}

#[test]
fn pyqgis_loads_the_layer_with_basic_auth_and_nothing_without() {
    let started = Instant::now();
    let demo = Demo::start();
    let page_size = QGIS_PAGE.to_string();
    let (seen, ran) = python_client(
        &demo,
        "qgis_oapif.py",
        &[
            "--page-size",
            &page_size,
            "--url",
            &demo.landing(),
            "--collection",
            "cameras",
            "--user",
            USER,
            "--password",
            &demo.key,
        ],
    );
    let context = format!("{seen:#}\n{}", ran.report());
    assert!(
        seen["qgis_version"].as_str().unwrap().starts_with("3.22."),
        "{context}"
    );
    let with = &seen["with_auth"];
    assert_eq!(with["valid"], true, "{context}");
    let active = demo.active.len() as u64;
    assert_eq!(with["iterated"].as_u64(), Some(active), "{context}");
    assert_eq!(
        with["feature_count_after"].as_u64(),
        Some(active),
        "{context}"
    );

    assert_same_positions(&with["positions"], &demo.positions, &context);
    let pages = strings(&with["requests"])
        .iter()
        .filter(|url| url.contains("/items?") && url.contains("cursor="))
        .count();
    assert!(
        pages + 1 >= demo.active.len().div_ceil(QGIS_PAGE),
        "QGIS should have followed the next links:\n{context}"
    );

    let without = &seen["without_auth"];
    assert_eq!(without["iterated"].as_u64(), Some(0), "{context}");
    assert!(
        without["valid"] == false || without["feature_count"].as_i64().unwrap_or(0) <= 0,
        "a layer without credentials must get nothing:\n{context}"
    );
    eprintln!("pyqgis test: {:.1}s", started.elapsed().as_secs_f64());
}

/// An API key of `role` that may see personal data, so that the fuzzer reaches both
/// collections.
/// GET `url` with HTTP Basic authentication: (status, body).
fn get_with_basic(url: &str, user: &str, key: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .basic_auth(user, Some(key))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    })
}

/// The URL the document's operations are under: its first server, resolved against the
/// server's base when relative.
fn api_base(document: &Value, base: &str) -> String {
    let server = document["servers"][0]["url"].as_str().unwrap_or("/ogc");
    if server.starts_with("http://") || server.starts_with("https://") {
        server.trim_end_matches('/').to_owned()
    } else {
        format!("{base}{}", server.trim_end_matches('/'))
    }
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_openapi_document_validates_and_fuzzing_finds_no_server_error_or_schema_break() {
    let started = Instant::now();
    let mut demo = Demo::start();
    let key = create_named_key(&demo.url, "fuzzer", "records", true);
    let venv = python_env();

    let (status, body) = get_with_basic(&format!("{}/api", demo.landing()), "records", &key);
    assert_eq!(status, 200, "/ogc/api: {body}");
    let document: Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("/ogc/api is not JSON ({e}): {}", tail(&body, 2_000)));
    assert!(
        document["openapi"]
            .as_str()
            .unwrap_or("")
            .starts_with("3.0"),
        "want an OpenAPI 3.0 document: {}",
        tail(&body, 2_000)
    );
    let file = demo.path("openapi.json");
    std::fs::write(&file, &body).unwrap();

    let validated = run_client(
        "openapi-spec-validator",
        Command::new(venv.join("bin/openapi-spec-validator"))
            .arg(&file)
            .current_dir(demo.dir.path()),
    );
    assert!(validated.success, "{}", validated.report());

    let examples: u32 = env_number("CANVASS_FUZZ_EXAMPLES", FUZZ_EXAMPLES);
    let seed: u64 = env_number("CANVASS_FUZZ_SEED", FUZZ_SEED);
    let base = api_base(&document, &demo.server.base);
    let operations: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|path| {
            let methods = [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ];
            methods.iter().filter(|m| path.get(**m).is_some()).count()
        })
        .sum();
    let basic = format!("records:{key}");
    let bearer = format!("Authorization: Bearer {key}");
    // Basic authentication for the full run, then the Bearer header for a shorter one.
    let runs: [(&str, [&str; 2], u32); 2] = [
        ("Basic", ["--auth", &basic], examples),
        ("Bearer", ["--header", &bearer], examples.div_ceil(4)),
    ];
    for (scheme, auth, examples) in runs {
        let examples = examples.to_string();
        let seed = seed.to_string();
        let mut command = Command::new(venv.join("bin/st"));
        command
            .args(["--no-color", "run"])
            .arg(&file)
            .args(["--url", &base])
            .args(auth)
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                &examples,
                "--seed",
                &seed,
                // One worker: under Debian 12's Python 3.11.2, two workers made schemathesis
                // stop with "SystemError: AST constructor recursion depth mismatch" inside
                // Hypothesis (its filters' source is parsed on both threads at once).
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--generation-database",
                "none",
                "--generation-with-security-parameters",
                "false",
            ])
            .env("NO_COLOR", "1")
            .env("COLUMNS", "160")
            .current_dir(demo.dir.path());
        let fuzzed = run_client(&format!("schemathesis ({scheme})"), &mut command);
        let tested = format!("Tested: {operations}");
        if !fuzzed.success || !fuzzed.stdout.contains(&tested) {
            let server = demo.server.stderr_text();
            panic!(
                "schemathesis with {scheme} authentication found failures or left operations \
                 untested (want {tested:?}; seed {seed}):\n{}\n--- server stderr ---\n{}",
                fuzzed.report(),
                tail(&server, 10_000)
            );
        }
    }
    eprintln!("openapi test: {:.1}s", started.elapsed().as_secs_f64());
}
