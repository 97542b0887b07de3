//! `canvass import registrations` through the real binary: a 10,000-row CSV with 3 % bad rows
//! of six kinds, the rejects file, pending owners with working links in the outbox, a second
//! run that registers nobody twice, `--trusted`, `--dry-run`, an XLSX and a GeoPackage in
//! state-plane feet written by the real `ogr2ogr`, and hostile input.

// Helpers outside #[test] functions panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use canvass_db::registrations::{self, TokenPurpose};
use canvass_db::testing::TestDatabase;
use canvass_e2e::{assert_clear_error, ogr2ogr, run, stderr_of, stdout_of};
use canvass_model::address::parse_street_address;

/// Rows of the big file.
const ROWS: usize = 10_000;
/// Every 33rd row is bad (303 rows, 3 %).
const BAD_EVERY: usize = 33;

/// An address point that geocodes to one place inside the jurisdiction.
#[derive(Debug, Clone)]
struct Place {
    address: String,
    lon: f64,
    lat: f64,
}

struct Setup {
    db: TestDatabase,
    dir: tempfile::TempDir,
    data: String,
    places: Vec<Place>,
}

impl Setup {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn outbox(&self) -> PathBuf {
        Path::new(&self.data).join("outbox")
    }

    /// `canvass import registrations ARGS` against this database and data directory.
    fn import(&self, args: &[&str]) -> Output {
        let mut all = vec![
            "import",
            "--database-url",
            &self.db.url,
            "--data-dir",
            &self.data,
            "registrations",
        ];
        all.extend(args);
        run(&all)
    }

    async fn count(&self, sql: &str) -> i64 {
        self.db
            .connect()
            .await
            .unwrap()
            .query_one(sql, &[])
            .await
            .unwrap()
            .get(0)
    }
}

/// A fresh database with the demo city (address points, jurisdiction, 300 cameras of other
/// owners), and addresses that geocode to exactly one place inside it.
async fn setup() -> Setup {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("var").to_string_lossy().into_owned();
    let demo = run(&[
        "demo",
        "--cameras",
        "300",
        "--database-url",
        &db.url,
        "--data-dir",
        &data,
    ]);
    assert!(demo.status.success(), "{}", stderr_of(&demo));
    let client = db.connect().await.unwrap();
    let rows = client
        .query(
            "SELECT a.number, min(a.street), a.street_key, min(ST_X(a.location)), min(ST_Y(a.location))
             FROM address_points a, jurisdiction j
             WHERE ST_Intersects(j.boundary, a.location)
             GROUP BY a.number, a.street_key
             HAVING count(DISTINCT (round(ST_X(a.location)::numeric, 7),
                                    round(ST_Y(a.location)::numeric, 7))) = 1
             ORDER BY a.street_key, a.number LIMIT 12000",
            &[],
        )
        .await
        .unwrap();
    let places: Vec<Place> = rows
        .iter()
        .filter_map(|row| {
            let (number, street, key): (String, String, String) =
                (row.get(0), row.get(1), row.get(2));
            let address = format!("{number} {street}");
            // Only addresses that a typed address reaches on the same key.
            let parsed = parse_street_address(&address).ok()?;
            (parsed.number == number && parsed.street_key == key).then(|| Place {
                address,
                lon: row.get(3),
                lat: row.get(4),
            })
        })
        .collect();
    assert!(places.len() > 8100, "{} usable addresses", places.len());
    Setup {
        db,
        dir,
        data,
        places,
    }
}

const HEADER: &str = "OWNER,EMAIL,PHONE,ADDRESS,PLACEMENT,VIEWS,FACING,RETENTION_DAYS,\
                      RECORDING_MODE,CAN_EXPORT,NOTES,KIND,BUSINESS_NAME,LANGUAGE,CONTACT_METHOD,LON,LAT";

/// One CSV line (RFC 4180 quoting).
fn csv_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The kinds of bad rows, in turn.
const BAD_KINDS: [&str; 6] = [
    "email: not an e-mail address",
    "phone: not a phone number",
    "facing \"\"400\"\": not a compass point",
    "placement \"\"rooftop\"\": not one of exterior, interior",
    "address not found among the address points",
    "the row's coordinates are outside the jurisdiction",
];

/// What the big file holds.
struct Sheet {
    text: String,
    /// Bad rows: (row number, expected reason).
    bad: Vec<(u64, &'static str)>,
    owners: usize,
    cameras: usize,
    /// Owners with three cameras.
    three_camera_owners: usize,
    /// Owners writing in Spanish.
    spanish_owners: usize,
}

/// `rows` rows: every [`BAD_EVERY`]th bad, the rest owners with one camera, every tenth owner
/// with three (three rows, facings N, E, S), a quarter of the owners with coordinates, the rest
/// geocoded. E-mail addresses start with `tag`.
fn sheet(places: &[Place], rows: usize, tag: &str) -> Sheet {
    let mut lines = vec![HEADER.to_owned()];
    let mut bad = Vec::new();
    let (mut owner, mut left_of_owner) = (0usize, 0usize);
    let mut cameras = 0;
    let mut three_camera_owners = 0;
    let mut spanish_owners = 0;
    for i in 0..rows {
        let row = i as u64 + 1;
        if i % BAD_EVERY == 5 {
            let kind = bad.len() % BAD_KINDS.len();
            let place = &places[(i * 7) % places.len()];
            let mut fields = good_fields(
                &format!("{tag}-bad{i}@import.example"),
                &format!("Bad Row {i}"),
                i,
                place,
                "N",
                false,
            );
            match kind {
                0 => fields[1] = format!("{tag}-bad{i}.import.example"),
                1 => fields[2] = "925-555-CALL".into(),
                2 => fields[6] = "400".into(),
                3 => fields[4] = "rooftop".into(),
                4 => fields[3] = format!("{} Nowhere Boulevard", 90_000 + i),
                _ => {
                    fields[15] = "-121.5".into();
                    fields[16] = "38.5".into();
                }
            }
            bad.push((row, BAD_KINDS[kind]));
            lines.push(csv_line(&fields));
            continue;
        }
        if left_of_owner == 0 {
            owner += 1;
            left_of_owner = if owner % 10 == 0 { 3 } else { 1 };
            if left_of_owner == 3 {
                three_camera_owners += 1;
            }
            if owner.is_multiple_of(3) {
                spanish_owners += 1;
            }
        }
        let facing = ["N", "E", "S"][3 - left_of_owner.min(3)];
        left_of_owner -= 1;
        let place = &places[owner % places.len()];
        // Mixed case: the same owner however the address is written.
        let email = if owner % 2 == 0 {
            format!("{tag}-owner{owner}@import.example")
        } else {
            format!("{}-Owner{owner}@Import.Example", tag.to_uppercase())
        };
        let fields = good_fields(
            &email,
            &format!("Owner Número {owner}"),
            owner,
            place,
            facing,
            owner % 4 == 1,
        );
        cameras += 1;
        lines.push(csv_line(&fields));
    }
    Sheet {
        text: lines.join("\n") + "\n",
        bad,
        owners: owner,
        cameras,
        three_camera_owners,
        spanish_owners,
    }
}

/// A good row in the order of [`HEADER`].
fn good_fields(
    email: &str,
    name: &str,
    n: usize,
    place: &Place,
    facing: &str,
    with_coordinates: bool,
) -> Vec<String> {
    let business = n.is_multiple_of(7);
    let language = match n % 3 {
        0 => "Spanish",
        1 => "en",
        _ => "",
    };
    let (lon, lat) = if with_coordinates {
        (format!("{:.7}", place.lon), format!("{:.7}", place.lat))
    } else {
        (String::new(), String::new())
    };
    [
        name,
        email,
        &format!("(925) 555-{:04}", n % 10_000),
        &place.address,
        ["Exterior", "interior", "Outdoor"][n % 3],
        ["street; driveway", "Sidewalk|Parking Lot", "entrance"][n % 3],
        facing,
        ["30", "", "14"][n % 3],
        ["motion", "Continuous"][n % 2],
        ["yes", "No", ""][n % 3],
        if n.is_multiple_of(5) {
            "Doorbell camera, covers the \"porch\""
        } else {
            ""
        },
        if business { "business" } else { "Residence" },
        if business { "Corner Shop" } else { "" },
        language,
        ["email", "phone", "text"][n % 3],
        &lon,
        &lat,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn outbox_count(outbox: &Path) -> usize {
    std::fs::read_dir(outbox).map(|d| d.count()).unwrap_or(0)
}

/// The confirmation token in a welcome mail, checked for shape.
fn confirm_token(mail: &str, lang: &str) -> String {
    let prefix = "http://127.0.0.1:8080/confirm/";
    let start = mail
        .find(prefix)
        .unwrap_or_else(|| panic!("no link in {mail}"));
    let link = mail[start..].split_whitespace().next().unwrap();
    let (token, query) = link[prefix.len()..].split_once('?').unwrap();
    assert_eq!(query, format!("lang={lang}"), "{link}");
    assert_eq!(token.len(), 43, "{link}");
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{link}"
    );
    token.to_owned()
}

#[tokio::test]
async fn a_registry_of_ten_thousand_rows_imports_once() {
    let s = setup().await;
    let sheet = sheet(&s.places, ROWS, "big");
    let file = s.path("registry.csv");
    std::fs::write(&file, &sheet.text).unwrap();
    let file = file.to_str().unwrap();
    let rejects = s.path("rejects.csv");
    let rejects_arg = rejects.to_str().unwrap();
    assert_eq!(sheet.bad.len(), 303);

    let started = Instant::now();
    let output = s.import(&[file, "--rejects", rejects_arg]);
    let took = started.elapsed();
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(output.status.success(), "{stdout} {stderr}");
    eprintln!("import of {ROWS} rows took {:.1}s", took.as_secs_f64());
    assert_eq!(
        stdout.trim(),
        format!(
            "imported {} registrations ({} cameras), skipped 0 already registered, rejected 303",
            sheet.owners, sheet.cameras
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("fields: name=OWNER, email=EMAIL"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 6: email: not an e-mail address"),
        "{stderr}"
    );

    // Every bad row, with its reason and its values; no good row.
    let text = std::fs::read_to_string(&rejects).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("row,reason,{}", HEADER.replace(' ', ""))
    );
    let lines: Vec<&str> = lines.collect();
    assert_eq!(lines.len(), sheet.bad.len(), "{text}");
    for (line, (row, reason)) in lines.iter().zip(&sheet.bad) {
        assert!(line.starts_with(&format!("{row},")), "{line} for row {row}");
        assert!(line.contains(reason), "want {reason:?} in {line}");
        assert!(line.contains(&format!("Bad Row {}", row - 1)), "{line}");
    }

    // Pending, from the import, with the flag's consent version and every camera.
    let imported = s
        .count("SELECT count(*) FROM registrations WHERE source = 'import'")
        .await;
    assert_eq!(imported, sheet.owners as i64);
    assert_eq!(
        s.count(
            "SELECT count(*) FROM registrations WHERE source = 'import'
             AND status = 'pending' AND consent_version = 'import'"
        )
        .await,
        imported
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM cameras c JOIN registrations r ON r.id = c.registration_id
             WHERE r.source = 'import'"
        )
        .await,
        sheet.cameras as i64
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM (SELECT c.registration_id FROM cameras c
             JOIN registrations r ON r.id = c.registration_id WHERE r.source = 'import'
             GROUP BY c.registration_id HAVING count(*) = 3) t"
        )
        .await,
        sheet.three_camera_owners as i64
    );
    assert_eq!(
        s.count("SELECT count(*) FROM registrations WHERE source = 'import' AND language = 'es'")
            .await,
        sheet.spanish_owners as i64
    );
    // Rows with coordinates are where they say; the others where their address is.
    let first = &s.places[1];
    assert!(
        s.count(&format!(
            "SELECT count(*) FROM cameras WHERE ST_DWithin(location::geography,
             ST_SetSRID(ST_MakePoint({}, {}), 4326)::geography, 0.05)",
            first.lon, first.lat
        ))
        .await
            >= 1
    );

    // One audit event per batch of 500 owners.
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log WHERE action = 'registrations.import'")
            .await,
        (sheet.owners as i64 + 499) / 500
    );

    // One welcome mail per owner, in their language, with a link that works.
    let mails = canvass_e2e::wait_outbox(&s.outbox(), sheet.owners);
    assert_eq!(mails.len(), sheet.owners);
    let spanish = mails
        .iter()
        .find(|m| m.contains("Subject: Confirme el registro"))
        .expect("a Spanish welcome mail");
    assert!(spanish.contains("Hola, Owner Número"), "{spanish}");
    assert!(spanish.contains("Demo City Police Department"), "{spanish}");
    let token = confirm_token(spanish, "es");
    let client = s.db.connect().await.unwrap();
    let id = registrations::take(&client, &token, TokenPurpose::Confirm)
        .await
        .unwrap()
        .expect("the link is live");
    assert!(registrations::confirm(&client, id).await.unwrap());
    let english = mails
        .iter()
        .find(|m| m.contains("Subject: Please confirm your camera registration"))
        .unwrap();
    assert!(english.contains("moving its list"), "{english}");
    confirm_token(english, "en");

    // The same file again: nobody twice, the same rejects.
    let started = Instant::now();
    let again = s.import(&[file, "--rejects", rejects_arg]);
    eprintln!(
        "second import of {ROWS} rows took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let (stdout, stderr) = (stdout_of(&again), stderr_of(&again));
    assert!(again.status.success(), "{stdout} {stderr}");
    assert_eq!(
        stdout.trim(),
        format!(
            "imported 0 registrations (0 cameras), skipped {} already registered, rejected 303",
            sheet.owners
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("already registered were left as they are"),
        "{stderr}"
    );
    assert_eq!(
        s.count("SELECT count(*) FROM registrations WHERE source = 'import'")
            .await,
        imported
    );
    assert_eq!(outbox_count(&s.outbox()), sheet.owners);
    assert_eq!(std::fs::read_to_string(&rejects).unwrap(), text);

    trusted_dry_run_and_other_formats(&s).await;
}

/// Smaller files on the same registry: `--trusted`, `--dry-run`, XLSX, GeoPackage.
async fn trusted_dry_run_and_other_formats(s: &Setup) {
    let mails_before = outbox_count(&s.outbox());
    let registrations = "SELECT count(*) FROM registrations";
    let before = s.count(registrations).await;

    // --dry-run: the same report, nothing written, no mail; the rejects file is written.
    let small = sheet(&s.places[5000..], 40, "dry");
    let file = s.path("dry.csv");
    std::fs::write(&file, &small.text).unwrap();
    let rejects = s.path("dry-rejects.csv");
    let output = s.import(&[
        file.to_str().unwrap(),
        "--dry-run",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    let stdout = stdout_of(&output);
    assert!(output.status.success(), "{stdout} {}", stderr_of(&output));
    assert!(
        stdout.starts_with(&format!(
            "dry run: would import {} registrations ({} cameras), skip 0 already registered, \
             reject 2;",
            small.owners, small.cameras
        )),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap().lines().count(),
        3
    );
    assert_eq!(s.count(registrations).await, before);
    assert_eq!(outbox_count(&s.outbox()), mails_before);

    // --trusted: active at once, verified, no mail.
    let trusted = sheet(&s.places[6000..], 30, "trusted");
    let file = s.path("trusted.csv");
    std::fs::write(&file, &trusted.text).unwrap();
    let output = s.import(&[
        file.to_str().unwrap(),
        "--trusted",
        "--consent-version",
        "paper-forms-2019",
    ]);
    let stdout = stdout_of(&output);
    assert!(output.status.success(), "{stdout} {}", stderr_of(&output));
    assert!(
        stdout.starts_with(&format!("imported {} registrations", trusted.owners)),
        "{stdout}"
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM registrations WHERE status = 'active'
             AND consent_version = 'paper-forms-2019' AND source = 'import'
             AND confirmed_at IS NOT NULL AND verification_due IS NOT NULL"
        )
        .await,
        trusted.owners as i64
    );
    assert_eq!(outbox_count(&s.outbox()), mails_before);

    // A mail relay that is down: the owners are imported all the same, their welcome mails wait
    // in the outbox (sealed) until the relay takes them, and the import says so.
    let relay = format!("smtp://127.0.0.1:{}", canvass_e2e::free_port());
    let down = sheet(&s.places[6500..], 4, "down");
    let file = s.path("down.csv");
    std::fs::write(&file, &down.text).unwrap();
    let rejects = s.path("down-rejects.csv");
    let output = run(&[
        "import",
        "--database-url",
        &s.db.url,
        "--data-dir",
        &s.data,
        "--smtp-url",
        &relay,
        "registrations",
        file.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert_eq!(output.status.code(), Some(0), "{stdout} {stderr}");
    assert_eq!(
        stdout.trim(),
        "imported 4 registrations (4 cameras), skipped 0 already registered, rejected 0",
        "{stderr}"
    );
    assert!(
        stderr.contains("4 welcome e-mails queued, 0 sent now (smtp)"),
        "{stderr}"
    );
    assert!(stderr.contains("canvass mail send"), "{stderr}");
    assert_eq!(
        s.count("SELECT count(*) FROM mail_outbox WHERE state = 'pending' AND kind = 'welcome'")
            .await,
        4
    );
    assert_eq!(
        s.count(registrations).await,
        before + trusted.owners as i64 + 4
    );

    // A spreadsheet with its own column names: --map and --default.
    let csv = s.path("sheet.csv");
    let place = |i: usize| &s.places[7000 + i];
    let mut text = String::from(
        "Owner Name,E-mail,Tel,Site Address,Mount,Sees,Camera Facing,Recording,Longitude,Latitude\n",
    );
    for i in 0..10 {
        let (lon, lat) = if i % 2 == 0 {
            (
                format!("{:.7}", place(i).lon),
                format!("{:.7}", place(i).lat),
            )
        } else {
            (String::new(), String::new())
        };
        // Rows 1 and 3 are one owner's two cameras at two places.
        let owner = if i == 2 { 0 } else { i };
        text.push_str(&format!(
            "Sheet Owner {owner},sheet{owner}@import.example,9255550{owner:03},{},outside,street,SW,motion,{lon},{lat}\n",
            place(i).address
        ));
    }
    std::fs::write(&csv, &text).unwrap();
    let xlsx = s.path("sheet.xlsx");
    ogr2ogr(&["-f", "XLSX", xlsx.to_str().unwrap(), csv.to_str().unwrap()]);
    let output = s.import(&[
        xlsx.to_str().unwrap(),
        "--map",
        "name=Owner Name,phone=Tel,address=Site Address",
        "--map",
        "placement=Mount,views=Sees,facing=Camera Facing,email=E-mail",
        "--default",
        "kind=residence",
    ]);
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(output.status.success(), "{stdout} {stderr}");
    assert!(stderr.contains("x=Longitude, y=Latitude"), "{stderr}");
    assert_eq!(
        stdout.trim(),
        "imported 9 registrations (10 cameras), skipped 0 already registered, rejected 0",
        "{stderr}"
    );
    let sites: Vec<(String, f64)> =
        s.db.connect()
            .await
            .unwrap()
            .query(
                "SELECT c.address, ST_X(c.location) FROM cameras c
             WHERE c.registration_id = (SELECT registration_id FROM cameras
                                        WHERE address = $1 AND facing_deg = 225 LIMIT 1)
             ORDER BY c.id",
                &[&place(0).address],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    assert_eq!(
        sites,
        vec![
            (place(0).address.clone(), sites[0].1),
            (place(2).address.clone(), sites[1].1)
        ]
    );
    assert!((sites[0].1 - place(0).lon).abs() < 1e-6 && (sites[1].1 - place(2).lon).abs() < 1e-6);

    // A GeoPackage of camera points in California State Plane feet; rows without a point are
    // geocoded.
    let csv = s.path("points.csv");
    let mut text = String::from("owner,email,address,placement,views,recording,kind,lon,lat\n");
    for i in 0..6 {
        let p = &s.places[8000 + i];
        let (lon, lat) = if i < 4 {
            (format!("{:.7}", p.lon + 0.0001), format!("{:.7}", p.lat))
        } else {
            (String::new(), String::new())
        };
        text.push_str(&format!(
            "Point Owner {i},point{i}@import.example,{},exterior,street,continuous,residence,{lon},{lat}\n",
            p.address
        ));
    }
    std::fs::write(&csv, &text).unwrap();
    let gpkg = s.path("cameras.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-s_srs",
        "EPSG:4326",
        "-t_srs",
        "EPSG:2227",
        "-nln",
        "cameras",
        "-oo",
        "X_POSSIBLE_NAMES=lon",
        "-oo",
        "Y_POSSIBLE_NAMES=lat",
        gpkg.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    let rejects = s.path("gpkg-rejects.csv");
    let output = s.import(&[
        gpkg.to_str().unwrap(),
        "--map",
        "recording_mode=recording",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(output.status.success(), "{stdout} {stderr}");
    assert!(stderr.contains("EPSG:2227"), "{stderr}");
    assert!(stderr.contains("location=each row's point"), "{stderr}");
    assert_eq!(
        stdout.trim(),
        "imported 6 registrations (6 cameras), skipped 0 already registered, rejected 0",
        "{stderr}"
    );
    let p = &s.places[8000];
    let off: f64 =
        s.db.connect()
            .await
            .unwrap()
            .query_one(
                "SELECT min(ST_Distance(location::geography,
                        ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography))
             FROM cameras WHERE address = $3",
                &[&(p.lon + 0.0001), &p.lat, &p.address],
            )
            .await
            .unwrap()
            .get(0);
    assert!(off < 0.5, "the point came back {off} m off");
}

#[tokio::test]
async fn hostile_input_fails_clearly() {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("var").to_string_lossy().into_owned();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let import = |args: &[&str]| {
        let mut all = vec![
            "import",
            "--database-url",
            &db.url,
            "--data-dir",
            &data,
            "registrations",
        ];
        all.extend(args);
        run(&all)
    };

    assert_clear_error(&import(&[&path("missing.csv")]), "no such file");
    std::fs::write(path("empty.csv"), "").unwrap();
    assert_clear_error(&import(&[&path("empty.csv")]), "the file is empty");
    std::fs::write(
        path("notes.txt"),
        "Dear diary,\nnothing here is a registry.\n",
    )
    .unwrap();
    assert_clear_error(
        &import(&[&path("notes.txt")]),
        "not readable as vector data",
    );

    let good_header = "OWNER,EMAIL,ADDRESS,PLACEMENT,VIEWS,RECORDING_MODE,KIND\n";
    std::fs::write(path("header.csv"), good_header).unwrap();
    let output = import(&[&path("header.csv")]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("has no rows"),
        "{}",
        stderr_of(&output)
    );

    let row = "Ana,ana@example.org,1234 Main St,exterior,street,motion,residence\n";
    std::fs::write(path("one.csv"), format!("{good_header}{row}")).unwrap();
    let one = path("one.csv");
    let output = import(&[&one, "--map", "colour=RED"]);
    assert_clear_error(&output, "unknown key \"colour\"");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert_clear_error(&import(&[&one, "--map", "email"]), "is not key=FIELD");
    assert_clear_error(&import(&[&one, "--map", "email=NOPE"]), "no field \"NOPE\"");
    assert_clear_error(&import(&[&one, "--map", "x=OWNER"]), "map both or neither");
    let output = import(&[&one, "--default", "facing=400"]);
    assert_clear_error(&output, "facing \"400\"");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert_clear_error(
        &import(&[&one, "--default", "email=x@y.org"]),
        "unknown key",
    );
    assert_clear_error(
        &import(&[&one, "--public-url", "cameras.example"]),
        "--public-url",
    );
    assert_clear_error(
        &import(&[&one, "--consent-version", ""]),
        "--consent-version",
    );

    std::fs::write(path("no-email.csv"), "OWNER,ADDRESS\nAna,1234 Main St\n").unwrap();
    assert_clear_error(&import(&[&path("no-email.csv")]), "no email field found");
    std::fs::write(
        path("no-kind.csv"),
        format!("OWNER,EMAIL,ADDRESS,PLACEMENT,VIEWS,RECORDING_MODE\n{row}"),
    )
    .unwrap();
    assert_clear_error(&import(&[&path("no-kind.csv")]), "--default kind=VALUE");

    // A database without a boundary refuses before anything is written.
    assert_clear_error(&import(&[&one]), "no jurisdiction boundary is loaded");
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
