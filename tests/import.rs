//! `canvass import addresses|boundary` on files written by the real `ogr2ogr`: a Shapefile and
//! a GeoPackage in California State Plane feet (EPSG:2227), GeoJSON and CSV in longitude/
//! latitude; then geocoding and the jurisdiction test through `canvass_db::places`, and hostile
//! input that must fail with one clear line.

// Helpers outside #[test] functions panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use canvass_db::DbError;
use canvass_db::places;
use canvass_db::testing::TestDatabase;
use canvass_e2e::{assert_clear_error, ogr2ogr, run, stderr_of, stdout_of};
use canvass_model::address::parse_street_address;
use serde_json::{Value, json};

/// Where "1234 Main Street" is, in longitude/latitude.
const MAIN_1234: (f64, f64) = (-122.0301, 37.9702);

fn point(lon: f64, lat: f64) -> Value {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

fn feature(properties: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": properties, "geometry": geometry})
}

/// Three good address points and four bad rows, in a format every OGR driver can hold.
fn address_features() -> Vec<Value> {
    vec![
        feature(
            json!({"ADDR_NUM": 1234, "ST_NAME": "Main Street", "CITY": "Concord", "ZIP": "94520"}),
            point(MAIN_1234.0, MAIN_1234.1),
        ),
        feature(
            json!({"ADDR_NUM": 1236, "ST_NAME": "Main Street", "CITY": "Concord"}),
            point(-122.0300, 37.9702),
        ),
        feature(
            json!({"ADDR_NUM": null, "ST_NAME": "Oak Avenue"}),
            point(-122.0310, 37.9710),
        ),
        feature(
            json!({"ADDR_NUM": 77, "ST_NAME": ""}),
            point(-122.0320, 37.9720),
        ),
        feature(
            json!({"ADDR_NUM": 78, "ST_NAME": "Elm Street"}),
            Value::Null,
        ),
        feature(
            json!({"ADDR_NUM": 79, "ST_NAME": "X".repeat(10_000)}),
            point(-122.0330, 37.9730),
        ),
        feature(
            json!({"ADDR_NUM": 500, "ST_NAME": "N. Willow Pass Road", "UNIT": "Apt 5"}),
            point(-122.0250, 37.9750),
        ),
    ]
}

fn write_geojson(path: &Path, features: Vec<Value>) {
    let collection = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(path, serde_json::to_vec(&collection).unwrap()).unwrap();
}

/// The address points as GeoJSON, and converted by ogr2ogr to `driver` in EPSG:2227.
fn projected_file(dir: &Path, driver: &str, name: &str) -> PathBuf {
    let source = dir.join("addresses.geojson");
    write_geojson(&source, address_features());
    let out = dir.join(name);
    ogr2ogr(&[
        "-f",
        driver,
        "-t_srs",
        "EPSG:2227",
        out.to_str().unwrap(),
        source.to_str().unwrap(),
    ]);
    out
}

fn import(db: &TestDatabase, args: &[&str]) -> Output {
    let mut all = vec!["import", "--database-url", &db.url];
    all.extend(args);
    run(&all)
}

async fn geocode(db: &TestDatabase, typed: &str) -> Vec<places::Candidate> {
    let client = db.connect().await.unwrap();
    let address = parse_street_address(typed).unwrap();
    places::geocode(&client, &address.number, &address.street_key)
        .await
        .unwrap()
}

/// Metres between the stored point of `number` and `expected`, measured by PostGIS.
async fn distance_m(db: &TestDatabase, number: &str, expected: (f64, f64)) -> f64 {
    let client = db.connect().await.unwrap();
    client
        .query_one(
            "SELECT ST_Distance(location::geography,
                                ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography)
             FROM address_points WHERE number = $1",
            &[&number, &expected.0, &expected.1],
        )
        .await
        .unwrap()
        .get(0)
}

async fn count(db: &TestDatabase, sql: &str) -> i64 {
    db.connect()
        .await
        .unwrap()
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

/// The import of one projected file: counts, reasons, position, geocoding.
async fn check_projected_import(driver: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = projected_file(dir.path(), driver, name);
    let db = TestDatabase::new().await.unwrap();
    let rejects = dir.path().join("rejects.csv");
    let output = import(
        &db,
        &[
            "addresses",
            file.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(output.status.success(), "{name}: {stdout} {stderr}");
    assert!(
        stdout.contains("imported 3 address points, rejected 4"),
        "{name}: {stdout} {stderr}"
    );
    assert!(stderr.contains("EPSG:2227"), "{name}: {stderr}");
    for reason in [
        "row 3: missing house number",
        "row 4: missing street name",
        "row 5: no geometry",
        "row 6: street is longer than 200 characters",
    ] {
        assert!(
            stderr.contains(reason),
            "{name}: want {reason:?} in {stderr}"
        );
    }
    let csv = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(
        csv.starts_with("row,reason\n3,\"missing house number\"\n"),
        "{csv}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM address_points").await, 3);

    let off = distance_m(&db, "1234", MAIN_1234).await;
    assert!(
        off < 1.0,
        "{name}: 1234 Main St is {off} m from where it was"
    );

    let short = geocode(&db, "1234 Main St").await;
    let long = geocode(&db, "1234 MAIN STREET").await;
    assert_eq!(short.len(), 1, "{name}: {short:?}");
    assert_eq!(short, long, "{name}");
    assert_eq!(short[0].street, "Main Street");
    assert_eq!(short[0].city.as_deref(), Some("Concord"));
    assert!(
        (short[0].location.lon() - MAIN_1234.0).abs() < 1e-5
            && (short[0].location.lat() - MAIN_1234.1).abs() < 1e-5
    );
    let willow = geocode(&db, "500 North Willow Pass Rd, Apt 5").await;
    assert_eq!(willow.len(), 1, "{name}: {willow:?}");
    assert!(geocode(&db, "1235 Main St").await.is_empty());
    assert!(geocode(&db, "1234 Main Ave").await.is_empty());

    // The same source again: refused without --replace, replaced with it.
    let again = import(&db, &["addresses", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(
        stderr_of(&again).contains("--replace"),
        "{}",
        stderr_of(&again)
    );
    let replaced = import(&db, &["addresses", file.to_str().unwrap(), "--replace"]);
    assert!(replaced.status.success(), "{}", stderr_of(&replaced));
    assert!(
        stdout_of(&replaced).contains("replaced 3 earlier points"),
        "{}",
        stdout_of(&replaced)
    );
    assert_eq!(count(&db, "SELECT count(*) FROM address_points").await, 3);
}

#[tokio::test]
async fn shapefile_in_state_plane_feet() {
    check_projected_import("ESRI Shapefile", "addresses.shp").await;
}

#[tokio::test]
async fn geopackage_in_state_plane_feet() {
    check_projected_import("GPKG", "addresses.gpkg").await;
}

#[tokio::test]
async fn geojson_with_lines_and_impossible_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.geojson");
    let mut features = address_features();
    features.push(feature(
        json!({"ADDR_NUM": 80, "ST_NAME": "Pine St"}),
        json!({"type": "LineString", "coordinates": [[-122.0, 37.9], [-122.1, 37.95]]}),
    ));
    features.push(feature(
        json!({"ADDR_NUM": 81, "ST_NAME": "Pine St"}),
        point(500.0, 100.0),
    ));
    write_geojson(&file, features);
    let db = TestDatabase::new().await.unwrap();
    let output = import(
        &db,
        &["addresses", file.to_str().unwrap(), "--source", "county"],
    );
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(output.status.success(), "{stdout} {stderr}");
    assert!(
        stdout.contains("imported 3 address points, rejected 6"),
        "{stdout} {stderr}"
    );
    assert!(
        stderr.contains("row 8: geometry is a LINESTRING, not a point"),
        "{stderr}"
    );
    assert!(stderr.contains("row 9: "), "{stderr}");
    assert!(
        stderr.contains("longitude/latitude") || stderr.contains("reprojection failed"),
        "{stderr}"
    );
    let source: String = db
        .connect()
        .await
        .unwrap()
        .query_one("SELECT DISTINCT source FROM address_points", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(source, "county");
    assert_eq!(geocode(&db, "1234 main st.").await.len(), 1);
}

#[tokio::test]
async fn csv_with_coordinate_columns_and_a_field_map() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    std::fs::write(
        &csv,
        "HN,ROAD,PREDIR,LON,LAT\n\
         1234,Main Street,,-122.0301,37.9702\n\
         600,Salvio St,E,-122.0280,37.9760\n\
         601,Salvio St,E,,\n",
    )
    .unwrap();
    let db = TestDatabase::new().await.unwrap();
    let output = import(
        &db,
        &[
            "addresses",
            csv.to_str().unwrap(),
            "--map",
            "number=HN",
            "--map",
            "street=PREDIR+ROAD",
        ],
    );
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(output.status.success(), "{stdout} {stderr}");
    assert!(
        stdout.contains("imported 2 address points, rejected 1"),
        "{stdout} {stderr}"
    );
    assert!(stderr.contains("row 3: no geometry"), "{stderr}");
    assert_eq!(geocode(&db, "600 East Salvio Street").await.len(), 1);
    assert!(distance_m(&db, "1234", MAIN_1234).await < 0.01);

    // Coordinates from mapped attributes instead of the geometry, in a CRS named on the
    // command line.
    let feet = dir.path().join("feet.csv");
    std::fs::write(
        &feet,
        "NUM,STREET,EASTING_FT,NORTHING_FT\n1234,Main St,6120644.3854,2179267.1052\n",
    )
    .unwrap();
    let db = TestDatabase::new().await.unwrap();
    let output = import(
        &db,
        &[
            "addresses",
            feet.to_str().unwrap(),
            "--map",
            "x=EASTING_FT,y=NORTHING_FT",
            "--source-crs",
            "EPSG:2227",
        ],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(distance_m(&db, "1234", (-122.03, 37.97)).await < 0.05);
}

/// Two touching squares around a point of Concord and a stray point, in EPSG:2227.
fn boundary_file(dir: &Path) -> PathBuf {
    let square = |west: f64| {
        json!({"type": "Polygon", "coordinates": [[
            [west, 37.95], [west + 0.03, 37.95], [west + 0.03, 37.99], [west, 37.99], [west, 37.95]
        ]]})
    };
    let source = dir.join("city.geojson");
    write_geojson(
        &source,
        vec![
            feature(json!({"NAME": "west"}), square(-122.06)),
            feature(json!({"NAME": "east"}), square(-122.03)),
            feature(json!({"NAME": "stray"}), point(-122.0, 37.9)),
        ],
    );
    let out = dir.join("city.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-t_srs",
        "EPSG:2227",
        "-nln",
        "city_limits",
        out.to_str().unwrap(),
        source.to_str().unwrap(),
    ]);
    out
}

#[tokio::test]
async fn boundary_in_state_plane_feet() {
    let dir = tempfile::tempdir().unwrap();
    let file = boundary_file(dir.path());
    let db = TestDatabase::new().await.unwrap();
    {
        let client = db.connect().await.unwrap();
        let none = places::inside_jurisdiction(&client, -122.03, 37.97).await;
        assert!(matches!(none, Err(DbError::NoJurisdiction)), "{none:?}");
    }
    let output = import(&db, &["boundary", file.to_str().unwrap()]);
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert!(output.status.success(), "{stdout} {stderr}");
    assert!(
        stdout.contains("jurisdiction \"city_limits\" loaded: 1 polygon(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("2 of 3 features used"), "{stdout}");
    assert!(
        stderr.contains("row 3: geometry is a POINT, not a polygon"),
        "{stderr}"
    );

    let client = db.connect().await.unwrap();
    let inside = |lon: f64, lat: f64| {
        let client = &client;
        async move { places::inside_jurisdiction(client, lon, lat).await.unwrap() }
    };
    assert!(inside(-122.045, 37.97).await, "west square");
    assert!(inside(-122.015, 37.97).await, "east square");
    assert!(inside(-122.03, 37.97).await, "the shared edge, dissolved");
    assert!(!inside(-122.10, 37.97).await, "west of the city");
    assert!(!inside(-122.03, 38.05).await, "north of the city");
    assert!(!inside(f64::NAN, 37.97).await);
    assert!(!inside(200.0, 37.97).await);
    let (name, area): (String, f64) = {
        let row = client
            .query_one(
                "SELECT name, ST_Area(boundary::geography) / 1e6 FROM jurisdiction",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(name, "city_limits");
    // 0.06° × 0.04° at 38° N: about 5.27 km × 4.44 km.
    assert!((22.0..25.0).contains(&area), "{area} km²");

    // A second import replaces the first; --name names it.
    let output = import(
        &db,
        &["boundary", file.to_str().unwrap(), "--name", "Concord"],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(count(&db, "SELECT count(*) FROM jurisdiction").await, 1);
}

#[tokio::test]
async fn hostile_input_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new().await.unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let addresses = |args: &[&str]| {
        let mut all = vec!["addresses"];
        all.extend(args);
        import(&db, &all)
    };

    assert_clear_error(&addresses(&[&path("missing.shp")]), "no such file");
    std::fs::write(path("empty.geojson"), "").unwrap();
    assert_clear_error(&addresses(&[&path("empty.geojson")]), "the file is empty");
    std::fs::write(path("notes.txt"), "Dear diary,\nnothing here is geodata.\n").unwrap();
    assert_clear_error(
        &addresses(&[&path("notes.txt")]),
        "not readable as vector data",
    );
    std::fs::write(
        path("random.shp"),
        (0..=255u8).cycle().take(5000).collect::<Vec<_>>(),
    )
    .unwrap();
    assert_clear_error(
        &addresses(&[&path("random.shp")]),
        "not readable as vector data",
    );
    std::fs::create_dir(path("folder")).unwrap();
    assert_clear_error(
        &addresses(&[&path("folder")]),
        "not readable as vector data",
    );
    std::fs::write(
        path("broken.geojson"),
        "{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .unwrap();
    assert_clear_error(&addresses(&[&path("broken.geojson")]), "broken.geojson");

    let good = projected_file(dir.path(), "GPKG", "good.gpkg");
    let good = good.to_str().unwrap();
    let output = addresses(&[good, "--map", "colour=RED"]);
    assert_clear_error(&output, "unknown key \"colour\"");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert_clear_error(&addresses(&[good, "--map", "number"]), "is not key=FIELD");
    assert_clear_error(
        &addresses(&[good, "--map", &format!("number={}", "N".repeat(5000))]),
        "longer than",
    );
    assert_clear_error(
        &addresses(&[good, "--map", "number=NOPE"]),
        "no field \"NOPE\"",
    );
    assert_clear_error(
        &addresses(&[good, "--map", "x=ADDR_NUM"]),
        "map both or neither",
    );
    assert_clear_error(
        &addresses(&[good, "--layer", "nope"]),
        "no layer named \"nope\"",
    );
    assert_clear_error(
        &addresses(&[good, "--source-crs", "EPSG:999999"]),
        "coordinate system EPSG:999999",
    );

    // Two layers and no --layer: the error lists them.
    ogr2ogr(&[
        "-update",
        "-nln",
        "second",
        good,
        &path("addresses.geojson"),
    ]);
    assert_clear_error(
        &addresses(&[good]),
        "choose one with --layer: \"addresses\", \"second\"",
    );
    let output = addresses(&[good, "--layer", "second"]);
    assert!(output.status.success(), "{}", stderr_of(&output));

    // Fields nobody could guess.
    write_geojson(
        &dir.path().join("odd.geojson"),
        vec![feature(json!({"A": 1, "B": "Main"}), point(-122.0, 38.0))],
    );
    assert_clear_error(&addresses(&[&path("odd.geojson")]), "no number field found");

    // Nothing usable: reported, nothing changed, exit 3.
    write_geojson(
        &dir.path().join("bad.geojson"),
        vec![feature(
            json!({"ADDR_NUM": 1, "ST_NAME": "Main St"}),
            Value::Null,
        )],
    );
    let output = addresses(&[&path("bad.geojson")]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("nothing was changed"));

    // A boundary from a file without polygons.
    assert_clear_error(
        &import(&db, &["boundary", &path("bad.geojson")]),
        "no polygon",
    );
    assert_clear_error(
        &import(&db, &["boundary", &path("notes.txt")]),
        "not readable",
    );
}
