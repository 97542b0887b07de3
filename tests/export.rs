//! `canvass export` through the real binary, read back with GDAL's own `ogrinfo`: every format
//! holds exactly the demo's active cameras, a projected CRS is projected, contacts need a case
//! and are audited with every id, and a failed export leaves nothing behind.

// Helpers outside #[test] functions panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use canvass_db::testing::TestDatabase;
use canvass_e2e::{assert_clear_error, run, stderr_of, stdout_of};

const ACTIVE: &str = "SELECT count(*) FROM cameras c JOIN registrations r
    ON r.id = c.registration_id WHERE r.status = 'active'";
const ACTIVE_IN_BOX: &str = "SELECT count(*) FROM cameras c JOIN registrations r
    ON r.id = c.registration_id WHERE r.status = 'active'
    AND ST_X(c.location) BETWEEN $1 AND $3 AND ST_Y(c.location) BETWEEN $2 AND $4";
const ACTIVE_BUSINESS_STREET: &str = "SELECT count(*) FROM cameras c JOIN registrations r
    ON r.id = c.registration_id WHERE r.status = 'active' AND r.kind = 'business'
    AND 'street' = ANY(c.views)";
const ACTIVE_IDS: &str = "SELECT array_agg(c.id ORDER BY c.id) FROM cameras c
    JOIN registrations r ON r.id = c.registration_id WHERE r.status = 'active'";
const LAST_AUDIT: &str = "SELECT action, record_ids, case_number, reason, details
    FROM audit_log ORDER BY seq DESC LIMIT 1";
const AUDIT_ROWS: &str = "SELECT count(*) FROM audit_log";

/// A demo registry with its contact key, and a folder for the exports.
struct Registry {
    db: TestDatabase,
    _keys: tempfile::TempDir,
    key_file: String,
    out: tempfile::TempDir,
}

impl Registry {
    fn new(db: TestDatabase) -> Registry {
        let keys = tempfile::tempdir().unwrap();
        let key_file = keys.path().join("contact.key").to_str().unwrap().to_owned();
        let output = run(&[
            "demo",
            "--database-url",
            &db.url,
            "--contact-key-file",
            &key_file,
            "--cameras",
            "600",
            "--as-of",
            "2026-06-01",
        ]);
        assert!(output.status.success(), "{}", stderr_of(&output));
        Registry {
            db,
            _keys: keys,
            key_file,
            out: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.out.path().join(name)
    }

    /// `canvass export FILE ARGS` on this registry.
    fn export(&self, file: &Path, args: &[&str]) -> Output {
        let mut all = vec![
            "export",
            file.to_str().unwrap(),
            "--database-url",
            &self.db.url,
            "--contact-key-file",
            &self.key_file,
        ];
        all.extend(args);
        run(&all)
    }

    async fn one(&self, sql: &str) -> i64 {
        let client = self.db.connect().await.unwrap();
        client.query_one(sql, &[]).await.unwrap().get(0)
    }
}

/// `ogrinfo -so -al FILE` (Debian's gdal-bin): its summary of every layer.
fn ogrinfo(file: &Path, extra: &[&str]) -> String {
    let output = Command::new("ogrinfo")
        .args(["-so", "-al"])
        .args(extra)
        .arg(file)
        .output()
        .expect("ogrinfo (Debian package gdal-bin) runs");
    assert!(
        output.status.success(),
        "ogrinfo {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn feature_count(summary: &str) -> i64 {
    let counts: Vec<i64> = summary
        .lines()
        .filter_map(|l| l.strip_prefix("Feature Count: "))
        .map(|n| n.trim().parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 1, "one layer: {summary}");
    counts[0]
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn every_format_holds_exactly_the_active_cameras() {
    let registry = Registry::new(TestDatabase::new().await.unwrap());
    let audited = registry.one(AUDIT_ROWS).await;
    let active = registry.one(ACTIVE).await;
    let all: i64 = registry.one("SELECT count(*) FROM cameras").await;
    assert!(active > 100 && active < all, "{active} of {all}");
    for (name, format, field) in [
        ("cameras.gpkg", None, "verified_on: Date"),
        ("cameras.shp", None, "retention: Integer"),
        ("cameras.kml", None, "placement: String"),
        ("cameras.csv", None, "views: String"),
        ("cameras.fgb", None, "id: Integer64"),
        ("cameras.geojson", None, "facing_deg: Real"),
        ("cameras.dat", Some("GeoJSON"), "updated_at: DateTime"),
        ("shapes.shp", Some("esri shapefile"), "updated_at: String"),
    ] {
        let file = registry.path(name);
        let mut args = Vec::new();
        if let Some(format) = format {
            args.extend(["--format", format]);
        }
        let output = registry.export(&file, &args);
        assert!(output.status.success(), "{name}: {}", stderr_of(&output));
        assert!(
            stdout_of(&output).contains(&format!("exported {active} cameras")),
            "{}",
            stdout_of(&output)
        );
        let summary = ogrinfo(&file, &[]);
        assert_eq!(feature_count(&summary), active, "{name}: {summary}");
        assert!(summary.contains(field), "{name} lacks {field}: {summary}");
        assert!(!summary.contains("owner_name"), "{name} has no contacts");
    }
    // A Shapefile is its parts; nothing of the staging is left.
    let names = files_in(registry.out.path());
    for part in [
        "cameras.shp",
        "cameras.shx",
        "cameras.dbf",
        "cameras.prj",
        "cameras.cpg",
    ] {
        assert!(names.contains(&part.to_owned()), "{names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with('.')), "{names:?}");

    // Every export is audited: the format and the count, no ids for cameras alone.
    let client = registry.db.connect().await.unwrap();
    let row = client.query_one(LAST_AUDIT, &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "export");
    assert!(row.get::<_, Vec<i64>>(1).is_empty());
    let details: serde_json::Value = row.get(4);
    assert_eq!(details["format"], "ESRI Shapefile");
    assert_eq!(details["collection"], "cameras");
    assert_eq!(details["returned"], active);
    assert_eq!(
        registry.one(AUDIT_ROWS).await,
        audited + 8,
        "one row per export"
    );

    // Only the cameras in a box, edges included.
    let bbox = [-122.06, 37.95, -122.02, 37.98];
    let inside: i64 = client
        .query_one(ACTIVE_IN_BOX, &[&bbox[0], &bbox[1], &bbox[2], &bbox[3]])
        .await
        .unwrap()
        .get(0);
    assert!(inside > 0 && inside < active, "{inside} of {active}");
    let file = registry.path("box.gpkg");
    let output = registry.export(&file, &["--bbox", "-122.06,37.95,-122.02,37.98"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(feature_count(&ogrinfo(&file, &[])), inside);

    // Only the cameras a CQL2 filter selects.
    let business = registry.one(ACTIVE_BUSINESS_STREET).await;
    assert!(business > 0 && business < active, "{business} of {active}");
    let file = registry.path("business.fgb");
    let output = registry.export(
        &file,
        &["--filter", "kind = 'business' AND views = 'street'"],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(feature_count(&ogrinfo(&file, &[])), business);
}

#[tokio::test]
async fn a_projected_crs_is_written_projected() {
    let registry = Registry::new(TestDatabase::new().await.unwrap());
    let active = registry.one(ACTIVE).await;
    for name in ["feet.gpkg", "feet.shp", "feet.fgb"] {
        let file = registry.path(name);
        let output = registry.export(&file, &["--crs", "EPSG:2227"]);
        assert!(output.status.success(), "{}", stderr_of(&output));
        let summary = ogrinfo(&file, &[]);
        assert_eq!(feature_count(&summary), active);
        assert!(summary.contains("PROJCRS"), "{name}: {summary}");
        assert!(summary.contains("California zone 3"), "{name}: {summary}");
        // Concord in State Plane feet: millions of feet east and north, not degrees.
        let extent = summary
            .lines()
            .find_map(|l| l.strip_prefix("Extent: ("))
            .unwrap();
        let x: f64 = extent.split(',').next().unwrap().trim().parse().unwrap();
        assert!((6.0e6..6.3e6).contains(&x), "{name}: {extent}");
    }
}

#[tokio::test]
async fn contacts_need_a_case_and_every_disclosure_is_audited() {
    let registry = Registry::new(TestDatabase::new().await.unwrap());
    let file = registry.path("contacts.gpkg");
    let before = registry.one(AUDIT_ROWS).await;

    let refused = registry.export(&file, &["--pii"]);
    assert_clear_error(&refused, "--pii needs --case");
    assert_eq!(refused.status.code(), Some(2));
    let refused = registry.export(&file, &["--case", "24-1"]);
    assert_clear_error(&refused, "go with --pii");
    let refused = registry.export(&file, &["--pii", "--case", "no spaces allowed"]);
    assert_clear_error(&refused, "case number");
    assert!(!file.exists());
    assert_eq!(registry.one(AUDIT_ROWS).await, before, "nothing disclosed");

    let output = registry.export(
        &file,
        &[
            "--pii",
            "--case",
            "24-001234",
            "--reason",
            "burglary canvass",
        ],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    let active = registry.one(ACTIVE).await;
    let summary = ogrinfo(&file, &[]);
    assert_eq!(feature_count(&summary), active);
    for field in ["owner_name: String", "email: String", "address: String"] {
        assert!(summary.contains(field), "{field}: {summary}");
    }
    let features = ogrinfo(&file, &["-where", "email LIKE '%@%'"]);
    assert_eq!(
        feature_count(&features),
        active,
        "every owner's e-mail opened"
    );

    let client = registry.db.connect().await.unwrap();
    let row = client.query_one(LAST_AUDIT, &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "export");
    let ids: Vec<i64> = row.get(1);
    let active_ids: Vec<i64> = client.query_one(ACTIVE_IDS, &[]).await.unwrap().get(0);
    assert_eq!(
        ids, active_ids,
        "the audit row lists every disclosed camera"
    );
    assert_eq!(
        row.get::<_, Option<String>>(2).as_deref(),
        Some("24-001234")
    );
    assert_eq!(
        row.get::<_, Option<String>>(3).as_deref(),
        Some("burglary canvass")
    );
    let details: serde_json::Value = row.get(4);
    assert_eq!(details["collection"], "camera_contacts");
    assert_eq!(details["format"], "GPKG");

    let verify = run(&["audit", "verify", "--database-url", &registry.db.url]);
    assert!(verify.status.success(), "{}", stderr_of(&verify));
    assert!(stdout_of(&verify).contains("audit trail intact"));
}

#[tokio::test]
async fn bad_arguments_and_failed_exports_leave_nothing() {
    let registry = Registry::new(TestDatabase::new().await.unwrap());
    let before = registry.one(AUDIT_ROWS).await;
    let file = registry.path("x.gpkg");
    for (args, expect) in [
        (&["--format", "XLSX"][..], "invalid value 'XLSX'"),
        (
            &["--crs", "EPSG:999999"],
            "not a coordinate reference system",
        ),
        (&["--crs", "2227"], "not a coordinate reference system"),
        (&["--crs", "EPSG:5703"], "two-dimensional"),
        (&["--bbox", "1,2,3"], "4 comma-separated numbers"),
        (
            &["--bbox", "-122,38,-123,37"],
            "minimum larger than maximum",
        ),
        (&["--filter", "kind = "], "--filter:"),
        (
            &["--filter", "address LIKE '1%'"],
            "not a queryable of cameras",
        ),
        (
            &["--filter", "kind = 'x'; DROP TABLE cameras; --"],
            "--filter:",
        ),
        (&["--bbox", "-122,38,-121,95"], "latitudes"),
    ] {
        let output = registry.export(&file, args);
        assert_clear_error(&output, expect);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let unknown = registry.export(&registry.path("cameras.xlsx"), &[]);
    assert_clear_error(&unknown, "give --format");
    assert_eq!(unknown.status.code(), Some(2));
    let kml = registry.export(&registry.path("c.kml"), &["--crs", "EPSG:2227"]);
    assert_clear_error(&kml, "KML holds longitude/latitude only");

    // Into a folder that does not exist: an error, and no file anywhere.
    let missing = registry.path("no/such/folder/x.gpkg");
    let output = registry.export(&missing, &[]);
    assert_clear_error(&output, "is not a folder");
    assert!(!registry.path("no").exists());

    // The database goes away after the file was started: the staged file goes too.
    let gone = run(&[
        "export",
        file.to_str().unwrap(),
        "--database-url",
        &format!("{} dbname=no_such_database", registry.db.url),
    ]);
    assert!(!gone.status.success());
    assert_eq!(files_in(registry.out.path()), Vec::<String>::new());

    // An existing file is kept unless --overwrite.
    std::fs::write(&file, b"keep me").unwrap();
    let output = registry.export(&file, &[]);
    assert_clear_error(&output, "give --overwrite");
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    assert_eq!(registry.one(AUDIT_ROWS).await, before, "nothing exported");
    let output = registry.export(&file, &["--overwrite"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        feature_count(&ogrinfo(&file, &[])),
        registry.one(ACTIVE).await
    );
    assert_eq!(files_in(registry.out.path()), vec!["x.gpkg".to_owned()]);
}
