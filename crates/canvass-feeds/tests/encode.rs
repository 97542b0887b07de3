//! Every output format read back by an independent reader: GDAL/OGR opens what the sinks
//! wrote and must find the same cameras, positions (in the asked CRS and axis order) and
//! values.

// Helpers outside #[test] functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use canvass_feeds::encode::{self, CsvGeometry, Format, Link, Output, PageInfo};
use canvass_feeds::{CameraFeature, Collection, ContactFields, Crs, Property};
use canvass_geo::LonLat;
use canvass_model::{CanExport, ContactMethod, Kind, Language, Placement, RecordingMode};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gdal::vector::{FieldValue, LayerAccess, OGRFieldType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

/// Concord, CA, and the same point as PROJ's command line gives it:
/// `echo -122.03 37.97 | cs2cs -d 4 OGC:CRS84 EPSG:2227` → 6120644.3854 2179267.1052.
const CONCORD: (f64, f64) = (-122.03, 37.97);
const CONCORD_2227: (f64, f64) = (6_120_644.385_4, 2_179_267.105_2);

fn updated() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 2, 3, 4, 5).unwrap()
}

/// A camera with every value present (views: street, driveway).
fn full() -> CameraFeature {
    CameraFeature {
        id: 101,
        at: LonLat::new(CONCORD.0, CONCORD.1).unwrap(),
        placement: Placement::Exterior,
        views: 0b101,
        facing_deg: Some(12.5),
        fov_deg: Some(0.1),
        range_m: Some(30.0),
        retention_days: Some(30),
        recording_mode: RecordingMode::Continuous,
        can_export: CanExport::NotSure,
        kind: Kind::Residence,
        verified_on: Some(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()),
        updated_at: updated(),
        contact: None,
    }
}

/// A camera with every nullable value missing and no views.
fn sparse() -> CameraFeature {
    CameraFeature {
        id: 102,
        at: LonLat::new(-122.0, 38.0).unwrap(),
        placement: Placement::Interior,
        views: 0,
        facing_deg: None,
        fov_deg: None,
        range_m: None,
        retention_days: None,
        recording_mode: RecordingMode::Motion,
        can_export: CanExport::No,
        kind: Kind::Business,
        verified_on: None,
        updated_at: updated(),
        contact: None,
    }
}

/// A `camera_contacts` feature whose address is a spreadsheet formula.
fn with_contact() -> CameraFeature {
    CameraFeature {
        id: 103,
        contact: Some(ContactFields {
            address: "=cmd()".into(),
            language: Language::Es,
            contact_method: ContactMethod::Phone,
            owner_name: "Zoë \"Z\" O'Neil, Jr.".into(),
            email: "zoe@example.org".into(),
            phone: Some("+1 925 555 0100".into()),
            business_name: None,
        }),
        ..full()
    }
}

fn output(collection: Collection, format: Format, crs: &str) -> Output {
    let crs = if crs == "CRS84" {
        Crs::CRS84
    } else {
        Crs::parse(crs).unwrap()
    };
    Output::new(collection, None, format, crs).unwrap()
}

fn page() -> PageInfo {
    PageInfo {
        number_matched: Some(57),
        links: vec![
            Link {
                href: "https://canvass.example/ogc/collections/cameras/items?f=json".into(),
                rel: "self".into(),
                media_type: Some("application/geo+json".into()),
                title: Some("This page".into()),
                ..Link::default()
            },
            Link {
                href: "https://canvass.example/ogc/collections/cameras/items?cursor=a\"b".into(),
                rel: "next".into(),
                ..Link::default()
            },
        ],
        time_stamp: Some(updated()),
    }
}

/// What the sink writes for `features`, in a file named `name` in `dir`.
fn write(dir: &Path, name: &str, output: &Output, features: &[CameraFeature]) -> PathBuf {
    let mut bytes = Vec::new();
    let mut sink = encode::sink(output, &mut bytes).unwrap();
    for feature in features {
        sink.feature(feature).unwrap();
    }
    assert_eq!(sink.finish(&page()).unwrap(), features.len() as u64);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The ids of the features OGR finds with an attribute filter (`range_m IS NULL`).
fn ids_where(dataset: &Dataset, filter: &str) -> Vec<i64> {
    let mut layer = dataset.layer(0).unwrap();
    layer.set_attribute_filter(filter).unwrap();
    let index = layer.defn().field_index("id").unwrap();
    let mut ids: Vec<i64> = layer
        .features()
        .map(|f| f.field_as_integer64(index).unwrap().unwrap())
        .collect();
    ids.sort();
    ids
}

/// One feature as OGR read it. FlatGeobuf leaves a null value out, which OGR reads as an
/// unset field, and the gdal crate reads an unset field as 0 or not at all: nulls there are
/// checked with [`ids_where`].
#[derive(Debug)]
struct Read {
    fid: Option<u64>,
    x: f64,
    y: f64,
    fields: HashMap<String, Option<FieldValue>>,
}

impl Read {
    fn field(&self, name: &str) -> Option<FieldValue> {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("no field {name}: {:?}", self.fields.keys()))
            .clone()
    }

    fn text(&self, name: &str) -> Option<String> {
        self.field(name).map(|v| v.into_string().unwrap())
    }
}

fn open(path: &Path, driver: &str, options: &[&str]) -> Dataset {
    Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR,
            allowed_drivers: Some(&[driver]),
            open_options: Some(options),
            sibling_files: None,
        },
    )
    .unwrap()
}

fn read_all(dataset: &Dataset) -> Vec<Read> {
    let mut layer = dataset.layer(0).unwrap();
    let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    layer
        .features()
        .map(|feature| {
            let (x, y, _) = feature.geometry().unwrap().get_point(0);
            let fields = names
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), feature.field(i).ok().flatten()))
                .collect();
            Read {
                fid: feature.fid(),
                x,
                y,
                fields,
            }
        })
        .collect()
}

fn field_types(dataset: &Dataset) -> HashMap<String, OGRFieldType::Type> {
    let layer = dataset.layer(0).unwrap();
    layer
        .defn()
        .fields()
        .map(|f| (f.name(), f.field_type()))
        .collect()
}

fn epsg_of(dataset: &Dataset) -> i32 {
    dataset
        .layer(0)
        .unwrap()
        .spatial_ref()
        .unwrap()
        .auth_code()
        .unwrap()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() < tolerance
}

#[test]
fn geojson_round_trips_through_ogr() {
    let dir = tempfile::tempdir().unwrap();
    let output = output(Collection::Cameras, Format::GeoJson, "CRS84");
    let path = write(dir.path(), "page.geojson", &output, &[full(), sparse()]);

    let dataset = open(&path, "GeoJSON", &[]);
    assert_eq!(dataset.layer(0).unwrap().feature_count(), 2);
    let read = read_all(&dataset);
    let (a, b) = (&read[0], &read[1]);
    assert_eq!((a.fid, b.fid), (Some(101), Some(102)));
    assert_eq!((a.x, a.y), CONCORD);
    assert_eq!((b.x, b.y), (-122.0, 38.0));
    assert_eq!(a.text("placement").as_deref(), Some("exterior"));
    assert_eq!(
        a.field("views"),
        Some(FieldValue::StringListValue(vec![
            "street".into(),
            "driveway".into()
        ]))
    );
    assert_eq!(a.field("facing_deg"), Some(FieldValue::RealValue(12.5)));
    assert_eq!(a.field("fov_deg"), Some(FieldValue::RealValue(0.1)));
    assert_eq!(
        a.field("retention_days"),
        Some(FieldValue::IntegerValue(30))
    );
    assert_eq!(a.text("can_export").as_deref(), Some("not_sure"));
    assert_eq!(
        a.field("verified_on"),
        Some(FieldValue::DateValue(
            NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
        ))
    );
    assert_eq!(
        a.field("updated_at")
            .and_then(FieldValue::into_datetime)
            .map(|t| t.with_timezone(&Utc)),
        Some(updated())
    );
    for null in [
        "facing_deg",
        "fov_deg",
        "range_m",
        "retention_days",
        "verified_on",
    ] {
        assert_eq!(b.field(null), None, "{null}");
    }
    assert_eq!(b.field("views"), Some(FieldValue::StringListValue(vec![])));
    assert!(
        !a.fields.contains_key("id"),
        "the id is the feature's, not a property"
    );

    // The members OGR does not show: paging, links, order of the properties.
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["numberMatched"], 57);
    assert_eq!(json["numberReturned"], 2);
    assert_eq!(json["timeStamp"], "2024-06-02T03:04:05Z");
    assert_eq!(json["links"][0]["type"], "application/geo+json");
    assert_eq!(
        json["links"][1]["href"],
        "https://canvass.example/ogc/collections/cameras/items?cursor=a\"b"
    );
    assert!(json["links"][1].get("type").is_none());
    assert!(json.get("crs").is_none(), "CRS84 needs no crs member");
    let first = &json["features"][0];
    assert_eq!(first["id"], 101);
    assert_eq!(first["properties"]["range_m"], 30.0);
    assert_eq!(first["properties"]["updated_at"], "2024-06-02T03:04:05Z");
    assert_eq!(
        json["features"][1]["properties"]["range_m"],
        serde_json::Value::Null
    );
    let positions: Vec<usize> = Collection::Cameras.properties()[1..]
        .iter()
        .map(|p| text.find(&format!("\"{}\":", p.name())).unwrap())
        .collect();
    assert!(positions.is_sorted(), "properties out of order: {text}");
}

#[test]
fn geojson_in_epsg_4326_is_latitude_first() {
    let dir = tempfile::tempdir().unwrap();
    let output = output(Collection::Cameras, Format::GeoJson, "EPSG:4326");
    let path = write(dir.path(), "4326.geojson", &output, &[full()]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        json["features"][0]["geometry"]["coordinates"],
        serde_json::json!([37.97, -122.03])
    );
    assert!(json.get("crs").is_none(), "the CRS is said in Content-Crs");
    // OGR, which takes any GeoJSON as x, y, sees the latitude first.
    let read = read_all(&open(&path, "GeoJSON", &[]));
    assert_eq!((read[0].y, read[0].x), CONCORD);
}

#[test]
fn geojson_in_epsg_2227_matches_proj() {
    let dir = tempfile::tempdir().unwrap();
    let output = output(
        Collection::Cameras,
        Format::GeoJson,
        "http://www.opengis.net/def/crs/EPSG/0/2227",
    );
    let path = write(dir.path(), "2227.geojson", &output, &[full()]);
    let read = read_all(&open(&path, "GeoJSON", &[]));
    assert!(
        close(read[0].x, CONCORD_2227.0, 1e-3) && close(read[0].y, CONCORD_2227.1, 1e-3),
        "{read:?}"
    );
}

#[test]
fn geojson_carries_a_contact_features_fields() {
    let dir = tempfile::tempdir().unwrap();
    let output = output(Collection::CameraContacts, Format::GeoJson, "CRS84");
    let path = write(dir.path(), "contacts.geojson", &output, &[with_contact()]);
    let read = read_all(&open(&path, "GeoJSON", &[]));
    let a = &read[0];
    assert_eq!(a.fid, Some(103));
    assert_eq!(
        a.text("owner_name").as_deref(),
        Some("Zoë \"Z\" O'Neil, Jr.")
    );
    assert_eq!(a.text("email").as_deref(), Some("zoe@example.org"));
    assert_eq!(a.text("phone").as_deref(), Some("+1 925 555 0100"));
    assert_eq!(a.text("address").as_deref(), Some("=cmd()"));
    assert_eq!(a.text("language").as_deref(), Some("es"));
    assert_eq!(a.text("contact_method").as_deref(), Some("phone"));
    assert_eq!(a.field("business_name"), None);
}

#[test]
fn csv_with_wkt_round_trips_through_ogr() {
    let dir = tempfile::tempdir().unwrap();
    let output = output(
        Collection::CameraContacts,
        Format::Csv(CsvGeometry::Wkt),
        "CRS84",
    );
    let path = write(
        dir.path(),
        "contacts.csv",
        &output,
        &[with_contact(), sparse_with_contact()],
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("id,wkt,placement,views,"), "{text}");
    assert!(text.contains("\n103,POINT (-122.03 37.97),exterior,street;driveway,12.5,0.1,30,30,"));
    assert!(text.contains(",'=cmd(),"), "formula not defused: {text}");

    let dataset = open(
        &path,
        "CSV",
        &[
            "GEOM_POSSIBLE_NAMES=wkt",
            "KEEP_GEOM_COLUMNS=NO",
            "EMPTY_STRING_AS_NULL=YES",
        ],
    );
    let read = read_all(&dataset);
    assert_eq!(read.len(), 2);
    let (a, b) = (&read[0], &read[1]);
    assert_eq!(a.text("id").as_deref(), Some("103"));
    assert_eq!((a.x, a.y), CONCORD);
    assert_eq!(a.text("address").as_deref(), Some("'=cmd()"));
    assert_eq!(
        a.text("owner_name").as_deref(),
        Some("Zoë \"Z\" O'Neil, Jr.")
    );
    assert_eq!(a.text("views").as_deref(), Some("street;driveway"));
    assert_eq!(a.text("fov_deg").as_deref(), Some("0.1"));
    assert_eq!(a.text("verified_on").as_deref(), Some("2024-05-01"));
    assert_eq!(
        a.text("updated_at").as_deref(),
        Some("2024-06-02T03:04:05Z")
    );
    // A leading + is a formula to a spreadsheet, and a phone number is not a number.
    assert_eq!(a.text("phone").as_deref(), Some("'+1 925 555 0100"));
    assert_eq!(b.text("id").as_deref(), Some("104"));
    for null in [
        "views",
        "facing_deg",
        "range_m",
        "verified_on",
        "phone",
        "business_name",
    ] {
        assert_eq!(b.field(null), None, "{null}");
    }
}

fn sparse_with_contact() -> CameraFeature {
    CameraFeature {
        id: 104,
        contact: Some(ContactFields {
            address: "12 Oak St".into(),
            language: Language::En,
            contact_method: ContactMethod::Email,
            owner_name: "Lee".into(),
            email: "lee@example.org".into(),
            phone: None,
            business_name: None,
        }),
        ..sparse()
    }
}

#[test]
fn csv_with_coordinate_columns_round_trips_through_ogr() {
    let dir = tempfile::tempdir().unwrap();
    let lon_lat = output(
        Collection::Cameras,
        Format::Csv(CsvGeometry::LonLat),
        "EPSG:4326",
    );
    let path = write(dir.path(), "4326.csv", &lon_lat, &[full()]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("id,lon,lat,"), "{text}");
    assert!(text.contains("\n101,-122.03,37.97,"), "{text}");
    let read = read_all(&open(
        &path,
        "CSV",
        &["X_POSSIBLE_NAMES=lon", "Y_POSSIBLE_NAMES=lat"],
    ));
    assert_eq!((read[0].x, read[0].y), CONCORD);

    let feet = output(
        Collection::Cameras,
        Format::Csv(CsvGeometry::LonLat),
        "EPSG:2227",
    );
    let path = write(dir.path(), "2227.csv", &feet, &[full(), sparse()]);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("id,x,y,")
    );
    let read = read_all(&open(
        &path,
        "CSV",
        &["X_POSSIBLE_NAMES=x", "Y_POSSIBLE_NAMES=y"],
    ));
    assert_eq!(read.len(), 2);
    assert!(
        close(read[0].x, CONCORD_2227.0, 1e-3) && close(read[0].y, CONCORD_2227.1, 1e-3),
        "{read:?}"
    );
}

fn check_flatgeobuf(dataset: &Dataset) {
    let types = field_types(dataset);
    assert_eq!(types["id"], OGRFieldType::OFTInteger64);
    assert_eq!(types["retention_days"], OGRFieldType::OFTInteger);
    assert_eq!(types["facing_deg"], OGRFieldType::OFTReal);
    assert_eq!(types["placement"], OGRFieldType::OFTString);
    assert_eq!(types["views"], OGRFieldType::OFTString);
    assert_eq!(types["verified_on"], OGRFieldType::OFTDateTime);
    assert_eq!(types["updated_at"], OGRFieldType::OFTDateTime);

    let mut read = read_all(dataset);
    read.sort_by_key(|r| r.field("id").and_then(FieldValue::into_int64));
    let (a, b, c) = (&read[0], &read[1], &read[2]);
    assert_eq!(a.field("id"), Some(FieldValue::Integer64Value(101)));
    assert_eq!(a.text("views").as_deref(), Some("street;driveway"));
    assert_eq!(a.field("fov_deg"), Some(FieldValue::RealValue(0.1)));
    assert_eq!(
        a.field("retention_days"),
        Some(FieldValue::IntegerValue(30))
    );
    assert_eq!(
        a.field("verified_on")
            .and_then(FieldValue::into_datetime)
            .map(|t| t.date_naive()),
        NaiveDate::from_ymd_opt(2024, 5, 1)
    );
    assert_eq!(
        a.field("updated_at")
            .and_then(FieldValue::into_datetime)
            .map(|t| t.with_timezone(&Utc)),
        Some(updated())
    );
    assert_eq!(b.field("id"), Some(FieldValue::Integer64Value(102)));
    assert_eq!(b.text("kind").as_deref(), Some("business"));
    for null in [
        "facing_deg",
        "fov_deg",
        "range_m",
        "retention_days",
        "verified_on",
    ] {
        assert_eq!(
            ids_where(dataset, &format!("{null} IS NULL")),
            [102],
            "{null}"
        );
    }
    assert_eq!(
        c.text("owner_name").as_deref(),
        Some("Zoë \"Z\" O'Neil, Jr.")
    );
    assert_eq!(c.text("address").as_deref(), Some("=cmd()"));
    assert_eq!(c.text("phone").as_deref(), Some("+1 925 555 0100"));
    assert_eq!(ids_where(dataset, "owner_name IS NULL"), [101, 102]);
    assert_eq!(ids_where(dataset, "business_name IS NULL"), [101, 102, 103]);
    assert_eq!(ids_where(dataset, "views = 'street;driveway'"), [101, 103]);
}

#[test]
fn flatgeobuf_round_trips_through_ogr_with_and_without_index() {
    let dir = tempfile::tempdir().unwrap();
    for indexed in [false, true] {
        let output = output(
            Collection::CameraContacts,
            Format::FlatGeobuf { indexed },
            "CRS84",
        );
        let mut features = vec![full(), sparse(), with_contact()];
        // Contacts of the first two are absent: the columns are null there.
        features[0].contact = None;
        let path = write(
            dir.path(),
            &format!("cameras-{indexed}.fgb"),
            &output,
            &features,
        );
        let dataset = open(&path, "FlatGeobuf", &[]);
        assert_eq!(epsg_of(&dataset), 4326);
        let layer = dataset.layer(0).unwrap();
        assert_eq!(layer.name(), "camera_contacts");
        assert_eq!(layer.feature_count(), 3, "indexed: {indexed}");
        check_flatgeobuf(&dataset);
        let read = read_all(&dataset);
        assert!(read.iter().any(|r| (r.x, r.y) == CONCORD));
    }
}

#[test]
fn flatgeobuf_keeps_x_first_in_every_crs() {
    let dir = tempfile::tempdir().unwrap();
    for (crs, expected, tolerance) in [
        ("EPSG:4326", CONCORD, 1e-12),
        ("EPSG:2227", CONCORD_2227, 1e-3),
    ] {
        for indexed in [false, true] {
            let output = output(Collection::Cameras, Format::FlatGeobuf { indexed }, crs);
            let path = write(dir.path(), "crs.fgb", &output, &[full()]);
            let dataset = open(&path, "FlatGeobuf", &[]);
            assert_eq!(epsg_of(&dataset).to_string(), crs[5..]);
            let read = read_all(&dataset);
            assert!(
                close(read[0].x, expected.0, tolerance) && close(read[0].y, expected.1, tolerance),
                "{crs} {read:?}"
            );
        }
    }
}

/// Cameras on a scattered grid around Concord, so that the tree has several levels.
fn many(count: i64) -> Vec<CameraFeature> {
    (0..count)
        .map(|i| {
            // A multiplicative scramble keeps neighbours in id apart in space.
            let cell = (i * 7919) % count;
            let lon = -122.2 + (cell % 100) as f64 * 0.004;
            let lat = 37.8 + (cell / 100) as f64 * 0.004;
            CameraFeature {
                id: 1_000 + i,
                at: LonLat::new(lon, lat).unwrap(),
                ..sparse()
            }
        })
        .collect()
}

#[test]
fn the_flatgeobuf_index_finds_what_a_full_scan_finds() {
    let dir = tempfile::tempdir().unwrap();
    // 1 and 16 leaves make one level above them, 17 two, 4,999 four.
    for count in [1, 2, 16, 17, 257, 4_999] {
        let features = many(count);
        let output = output(
            Collection::Cameras,
            Format::FlatGeobuf { indexed: true },
            "CRS84",
        );
        let path = write(dir.path(), "many.fgb", &output, &features);
        let dataset = open(&path, "FlatGeobuf", &[]);
        let mut layer = dataset.layer(0).unwrap();
        assert_eq!(layer.feature_count(), count as u64);
        for (w, s, e, n) in [
            (-122.2, 37.8, -122.1, 37.9),
            (-122.15, 37.85, -122.149, 37.851),
            (-122.0, 38.0, -121.0, 39.0),
            (-122.2, 37.8, -122.2, 37.8),
        ] {
            let expected: Vec<i64> = {
                let mut ids: Vec<i64> = features
                    .iter()
                    .filter(|f| (w..=e).contains(&f.at.lon()) && (s..=n).contains(&f.at.lat()))
                    .map(|f| f.id)
                    .collect();
                ids.sort();
                ids
            };
            layer.set_spatial_filter_rect(w, s, e, n);
            let mut found: Vec<i64> = layer
                .features()
                .map(|f| f.field_as_integer64(0).unwrap().unwrap())
                .collect();
            found.sort();
            assert_eq!(found, expected, "{count} features, box {w} {s} {e} {n}");
            layer.clear_spatial_filter();
        }
    }
}

#[test]
fn empty_answers_are_valid_files() {
    let dir = tempfile::tempdir().unwrap();
    for (format, driver, name) in [
        (Format::GeoJson, "GeoJSON", "empty.geojson"),
        (
            Format::FlatGeobuf { indexed: true },
            "FlatGeobuf",
            "empty-indexed.fgb",
        ),
        (
            Format::FlatGeobuf { indexed: false },
            "FlatGeobuf",
            "empty.fgb",
        ),
    ] {
        let path = write(
            dir.path(),
            name,
            &output(Collection::Cameras, format, "CRS84"),
            &[],
        );
        let dataset = open(&path, driver, &[]);
        assert_eq!(dataset.layer(0).unwrap().feature_count(), 0, "{name}");
    }
    let path = write(
        dir.path(),
        "empty.csv",
        &output(Collection::Cameras, Format::Csv(CsvGeometry::Wkt), "CRS84"),
        &[],
    );
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        "id,wkt,placement,views,facing_deg,fov_deg,range_m,retention_days,recording_mode,can_export,kind,verified_on,updated_at\n"
    );
}

#[test]
fn a_chosen_property_list_is_written_in_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let output = Output::new(
        Collection::Cameras,
        Some(&[Property::Kind, Property::Id, Property::Placement]),
        Format::Csv(CsvGeometry::LonLat),
        Crs::CRS84,
    )
    .unwrap();
    let path = write(dir.path(), "chosen.csv", &output, &[full()]);
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        "id,lon,lat,kind,placement\n101,-122.03,37.97,residence,exterior\n"
    );
}
