//! The executor against a real cluster: a small demo city with edge cases placed by hand
//! (nulls, ties, points on an envelope's edge and a polygon's boundary, LIKE's special
//! characters in an address), every operator checked against what it must select, keyset walks
//! against the full order, and the audit of disclosures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use canvass_feeds::{
    CameraFeature, Collection, CompareOp, Cursor, FeatureQuery, Filter, Geometry, Property,
    QueryError, SortKey, TemporalOp, TimeRange, Value,
};
use canvass_geo::LonLat;
use canvass_model::contact_seal::ContactKeyRing;
use chrono::NaiveDate;
use tokio_postgres::Client;

use super::{Disclosure, count, for_each, page};
use crate::DbError;
use crate::audit::{Actor, Event};
use crate::demo::{self, DemoOptions};
use crate::registrations;
use crate::testing::TestDatabase;

const ACTIVE_IDS: &str = "SELECT c.id FROM cameras c JOIN registrations r
    ON r.id = c.registration_id WHERE r.status = 'active' ORDER BY c.id";
const ALL_CAMERAS: &str = "SELECT count(*) FROM cameras";
const MOVE: &str = "UPDATE cameras SET location = ST_SetSRID(ST_MakePoint($2, $3), 4326)
    WHERE id = $1";
const READDRESS: &str = "UPDATE cameras SET address = $2 WHERE id = $1";
const REGISTRATION_OF: &str = "SELECT registration_id FROM cameras WHERE id = $1";
const AUDIT_ROWS: &str = "SELECT count(*) FROM audit_log";
const LAST_AUDIT: &str = "SELECT action, record_ids, case_number, details FROM audit_log
    ORDER BY seq DESC LIMIT 1";
/// Edge values, each in its own transaction so that the last changes differ.
const EDGES: &[&str] = &[
    "UPDATE cameras SET facing_deg = 90 WHERE id % 7 = 0 AND facing_deg IS NOT NULL",
    "UPDATE cameras SET range_m = NULL WHERE id % 5 = 0",
    "UPDATE cameras SET retention_days = NULL WHERE id % 6 = 0",
    "UPDATE registrations SET verified_at = NULL WHERE id % 4 = 0",
];
/// An address with each of LIKE's special characters.
const ODD_ADDRESS: &str = "12 50%_Off\\Lane";

/// The envelope of the edge tests and the positions placed on and beside it.
const ENVELOPE: [f64; 4] = [-122.0, 37.95, -121.99, 37.96];
const ON_WEST_EDGE: (f64, f64) = (-122.0, 37.95);
const JUST_OUTSIDE: (f64, f64) = (-122.000_000_01, 37.955);
const ON_CORNER: (f64, f64) = (-121.99, 37.96);
/// A square with a square hole, and positions on its boundaries and in the hole.
const OUTER: [f64; 4] = [-122.01, 37.94, -122.0, 37.95];
const HOLE: [f64; 4] = [-122.008, 37.942, -122.002, 37.948];
const ON_OUTER_EDGE: (f64, f64) = (-122.005, 37.94);
const IN_HOLE: (f64, f64) = (-122.005, 37.945);
const ON_HOLE_EDGE: (f64, f64) = (-122.008, 37.945);

/// What a numeric comparison says of two values.
type NumberTest = fn(f64, f64) -> bool;

struct Fixture {
    _db: TestDatabase,
    client: Client,
    ring: ContactKeyRing,
    /// Every active camera, by id.
    cameras: Vec<CameraFeature>,
    /// The same with contacts.
    contacts: Vec<CameraFeature>,
    /// Cameras placed at the positions above, in their order.
    placed: [i64; 6],
}

fn query(collection: Collection, filter: Option<Filter>, sort: &[SortKey]) -> FeatureQuery {
    FeatureQuery {
        collection,
        filter,
        sort: sort.to_vec(),
        properties: None,
        limit: None,
    }
}

fn disclosure<'a>(ring: &'a ContactKeyRing, action: &'static str) -> Disclosure<'a> {
    Disclosure {
        event: Event {
            case_number: Some("24-001234".into()),
            reason: Some("burglary canvass".into()),
            ..Event::new(Actor::System("test".into()), action)
        }
        .details(serde_json::json!({ "format": "test" })),
        opener: Some(ring),
    }
}

async fn features(
    client: &mut Client,
    query: &FeatureQuery,
    disclosure: Option<&Disclosure<'_>>,
) -> Result<Vec<CameraFeature>, DbError> {
    let mut out = Vec::new();
    for_each(client, query, disclosure, |f| {
        out.push(f);
        Ok::<_, DbError>(())
    })
    .await?;
    Ok(out)
}

fn ids(features: &[CameraFeature]) -> Vec<i64> {
    features.iter().map(|f| f.id).collect()
}

fn at((lon, lat): (f64, f64)) -> LonLat {
    LonLat::new(lon, lat).unwrap()
}

fn ring_of([w, s, e, n]: [f64; 4]) -> Vec<LonLat> {
    [(w, s), (e, s), (e, n), (w, n), (w, s)]
        .into_iter()
        .map(at)
        .collect()
}

fn inside_closed(f: &CameraFeature, [w, s, e, n]: [f64; 4]) -> bool {
    (w..=e).contains(&f.at.lon()) && (s..=n).contains(&f.at.lat())
}

fn inside_open(f: &CameraFeature, [w, s, e, n]: [f64; 4]) -> bool {
    f.at.lon() > w && f.at.lon() < e && f.at.lat() > s && f.at.lat() < n
}

async fn seeded() -> Fixture {
    let db = TestDatabase::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let ring = ContactKeyRing::generate();
    let options = DemoOptions {
        cameras: 300,
        seed: 5,
        as_of: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
    };
    demo::load(&mut client, options, ring.current(), false)
        .await
        .unwrap();
    for statement in EDGES {
        client.batch_execute(statement).await.unwrap();
    }
    let active: Vec<i64> = client
        .query(ACTIVE_IDS, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let placed: [i64; 6] = std::array::from_fn(|i| active[i * 11]);
    let positions = [
        ON_WEST_EDGE,
        JUST_OUTSIDE,
        ON_CORNER,
        ON_OUTER_EDGE,
        IN_HOLE,
        ON_HOLE_EDGE,
    ];
    for (id, (lon, lat)) in placed.iter().zip(positions) {
        client.execute(MOVE, &[id, &lon, &lat]).await.unwrap();
    }
    client
        .execute(READDRESS, &[&placed[0], &ODD_ADDRESS])
        .await
        .unwrap();

    let cameras = features(&mut client, &query(Collection::Cameras, None, &[]), None)
        .await
        .unwrap();
    assert_eq!(ids(&cameras), active, "every active camera, by id");
    let total: i64 = client.query_one(ALL_CAMERAS, &[]).await.unwrap().get(0);
    assert!(
        (total as usize) > cameras.len(),
        "the demo has cameras that are not active"
    );
    let d = disclosure(&ring, "features.test");
    let contacts = features(
        &mut client,
        &query(Collection::CameraContacts, None, &[]),
        Some(&d),
    )
    .await
    .unwrap();
    assert_eq!(ids(&contacts), active);
    Fixture {
        _db: db,
        client,
        ring,
        cameras,
        contacts,
        placed,
    }
}

impl Fixture {
    /// `filter` selects exactly the features `holds` says, and neither none nor all of them.
    async fn check(
        &mut self,
        collection: Collection,
        name: &str,
        filter: Filter,
        holds: impl Fn(&CameraFeature) -> bool,
    ) {
        let all = match collection {
            Collection::Cameras => &self.cameras,
            Collection::CameraContacts => &self.contacts,
        };
        let want: Vec<i64> = all.iter().filter(|f| holds(f)).map(|f| f.id).collect();
        let evaluated: Vec<i64> = all
            .iter()
            .filter(|f| filter.matches(f))
            .map(|f| f.id)
            .collect();
        assert_eq!(evaluated, want, "{name}: the in-memory evaluator agrees");
        assert!(
            !want.is_empty() && want.len() < all.len(),
            "{name}: a case that cannot fail ({} of {})",
            want.len(),
            all.len()
        );
        let d = disclosure(&self.ring, "features.test");
        let d = (collection == Collection::CameraContacts).then_some(&d);
        let q = query(collection, Some(filter), &[]);
        let got = features(&mut self.client, &q, d).await.unwrap();
        assert_eq!(ids(&got), want, "{name}");
        let n = count(&mut self.client, &q).await.unwrap();
        assert_eq!(n, want.len() as u64, "{name}: count");
    }

    async fn refused(&mut self, collection: Collection, filter: Filter) -> QueryError {
        let d = disclosure(&self.ring, "features.test");
        match features(
            &mut self.client,
            &query(collection, Some(filter.clone()), &[]),
            Some(&d),
        )
        .await
        {
            Err(DbError::Query(e)) => e,
            other => panic!("{filter:?}: {other:?}"),
        }
    }
}

fn compare(property: Property, op: CompareOp, value: Value) -> Filter {
    Filter::Compare {
        property,
        op,
        value,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

#[tokio::test]
async fn features_every_operator_selects_what_it_must() {
    let mut fx = seeded().await;
    use CompareOp::*;
    use Property::*;
    let facing = |f: &CameraFeature| f.facing_deg.map(f64::from);
    assert!(fx.cameras.iter().any(|f| f.facing_deg.is_none()));
    assert!(fx.cameras.iter().any(|f| f.facing_deg == Some(90.0)));
    let cams = Collection::Cameras;

    let numeric: [(CompareOp, NumberTest); 6] = [
        (Eq, |a, b| a == b),
        (Ne, |a, b| a != b),
        (Lt, |a, b| a < b),
        (Le, |a, b| a <= b),
        (Gt, |a, b| a > b),
        (Ge, |a, b| a >= b),
    ];
    for (op, holds) in numeric {
        fx.check(
            cams,
            &format!("facing_deg {op:?} 90"),
            compare(FacingDeg, op, Value::Number(90.0)),
            |f| facing(f).is_some_and(|v| holds(v, 90.0)),
        )
        .await;
        // Unknown stays unknown under NOT: a null facing matches neither side.
        fx.check(
            cams,
            &format!("NOT facing_deg {op:?} 90"),
            Filter::Not(Box::new(compare(FacingDeg, op, Value::Number(90.0)))),
            |f| facing(f).is_some_and(|v| !holds(v, 90.0)),
        )
        .await;
    }
    let retention = |f: &CameraFeature| f.retention_days;
    fx.check(
        cams,
        "retention_days > 14",
        compare(RetentionDays, Gt, Value::Integer(14)),
        |f| retention(f).is_some_and(|r| r > 14),
    )
    .await;
    fx.check(
        cams,
        "retention_days BETWEEN 7 AND 30",
        Filter::Between {
            property: RetentionDays,
            low: Value::Integer(7),
            high: Value::Integer(30),
        },
        |f| retention(f).is_some_and(|r| (7..=30).contains(&r)),
    )
    .await;
    fx.check(
        cams,
        "retention_days IN (7, 14, 30)",
        Filter::In {
            property: RetentionDays,
            values: vec![Value::Integer(7), Value::Integer(14), Value::Integer(30)],
        },
        |f| retention(f).is_some_and(|r| [7, 14, 30].contains(&r)),
    )
    .await;
    fx.check(
        cams,
        "NOT retention_days IN (7, 14, 30)",
        Filter::Not(Box::new(Filter::In {
            property: RetentionDays,
            values: vec![Value::Integer(7), Value::Integer(14), Value::Integer(30)],
        })),
        |f| retention(f).is_some_and(|r| ![7, 14, 30].contains(&r)),
    )
    .await;
    fx.check(
        cams,
        "retention_days IS NULL",
        Filter::IsNull(RetentionDays),
        |f| f.retention_days.is_none(),
    )
    .await;
    fx.check(
        cams,
        "NOT range_m IS NULL",
        Filter::Not(Box::new(Filter::IsNull(RangeM))),
        |f| f.range_m.is_some(),
    )
    .await;
    fx.check(
        cams,
        "id >= a middle id",
        compare(Id, Ge, Value::Integer(fx.placed[3])),
        {
            let id = fx.placed[3];
            move |f| f.id >= id
        },
    )
    .await;

    // Text and closed sets, by code point.
    fx.check(
        cams,
        "kind = business",
        compare(Kind, Eq, text("business")),
        |f| f.kind.as_str() == "business",
    )
    .await;
    fx.check(
        cams,
        "kind <> business",
        compare(Kind, Ne, text("business")),
        |f| f.kind.as_str() != "business",
    )
    .await;
    fx.check(cams, "kind < c", compare(Kind, Lt, text("c")), |f| {
        f.kind.as_str() < "c"
    })
    .await;
    fx.check(
        cams,
        "placement LIKE ext%",
        Filter::Like {
            property: Placement,
            pattern: "ext%".into(),
        },
        |f| f.placement.as_str().starts_with("ext"),
    )
    .await;
    fx.check(
        cams,
        "recording_mode LIKE _otion",
        Filter::Like {
            property: RecordingMode,
            pattern: "_otion".into(),
        },
        |f| f.recording_mode.as_str() == "motion",
    )
    .await;
    fx.check(
        cams,
        "can_export IN (yes, not_sure)",
        Filter::In {
            property: CanExport,
            values: vec![text("yes"), text("not_sure")],
        },
        |f| ["yes", "not_sure"].contains(&f.can_export.as_str()),
    )
    .await;

    // The views list: = includes, <> does not include, IN overlaps.
    let views = |f: &CameraFeature| f.view_names().collect::<Vec<_>>();
    fx.check(
        cams,
        "views = street",
        compare(Views, Eq, text("street")),
        |f| views(f).contains(&"street"),
    )
    .await;
    fx.check(
        cams,
        "views <> street",
        compare(Views, Ne, text("street")),
        |f| !views(f).contains(&"street"),
    )
    .await;
    fx.check(
        cams,
        "views IN (alley, yard)",
        Filter::In {
            property: Views,
            values: vec![text("alley"), text("yard")],
        },
        |f| views(f).iter().any(|v| ["alley", "yard"].contains(v)),
    )
    .await;

    // Dates and the last change.
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    fx.check(
        cams,
        "verified_on >= 2026-01-01",
        compare(VerifiedOn, Ge, Value::Date(day)),
        |f| f.verified_on.is_some_and(|d| d >= day),
    )
    .await;
    fx.check(
        cams,
        "verified_on IS NULL",
        Filter::IsNull(VerifiedOn),
        |f| f.verified_on.is_none(),
    )
    .await;
    let mut changes: Vec<_> = fx.cameras.iter().map(|f| f.updated_at).collect();
    changes.sort();
    changes.dedup();
    assert!(changes.len() >= 3, "distinct last changes: {changes:?}");
    let (first, second) = (changes[0], changes[1]);
    let instant = |t| TimeRange {
        start: Some(t),
        end: Some(t),
    };
    fx.check(
        cams,
        "T_AFTER first change",
        Filter::Temporal {
            op: TemporalOp::After,
            at: instant(first),
        },
        |f| f.updated_at > first,
    )
    .await;
    fx.check(
        cams,
        "T_BEFORE second change",
        Filter::Temporal {
            op: TemporalOp::Before,
            at: instant(second),
        },
        |f| f.updated_at < second,
    )
    .await;
    fx.check(
        cams,
        "T_INTERSECTS [second, ..]",
        Filter::Temporal {
            op: TemporalOp::Intersects,
            at: TimeRange {
                start: Some(second),
                end: None,
            },
        },
        |f| f.updated_at >= second,
    )
    .await;
    fx.check(
        cams,
        "T_INTERSECTS [first, second]",
        Filter::Temporal {
            op: TemporalOp::Intersects,
            at: TimeRange {
                start: Some(first),
                end: Some(second),
            },
        },
        |f| f.updated_at >= first && f.updated_at <= second,
    )
    .await;

    // Space: edges and boundaries count as inside.
    fx.check(
        cams,
        "S_INTERSECTS envelope",
        Filter::Intersects(Geometry::Envelope(ENVELOPE)),
        |f| inside_closed(f, ENVELOPE),
    )
    .await;
    let placed = fx.placed;
    let in_envelope = features(
        &mut fx.client,
        &query(
            cams,
            Some(Filter::Intersects(Geometry::Envelope(ENVELOPE))),
            &[],
        ),
        None,
    )
    .await
    .unwrap();
    let found = ids(&in_envelope);
    assert!(found.contains(&placed[0]) && found.contains(&placed[2]));
    assert!(!found.contains(&placed[1]), "a nanodegree outside the edge");
    let holed = Geometry::Polygon(vec![ring_of(OUTER), ring_of(HOLE)]);
    fx.check(
        cams,
        "S_INTERSECTS polygon with a hole",
        Filter::Intersects(holed.clone()),
        |f| inside_closed(f, OUTER) && !inside_open(f, HOLE),
    )
    .await;
    let found = ids(&features(
        &mut fx.client,
        &query(cams, Some(Filter::Intersects(holed)), &[]),
        None,
    )
    .await
    .unwrap());
    assert!(found.contains(&placed[3]) && found.contains(&placed[5]));
    assert!(!found.contains(&placed[4]), "in the hole");
    fx.check(
        cams,
        "S_INTERSECTS point",
        Filter::Intersects(Geometry::Point(at(ON_CORNER))),
        |f| (f.at.lon(), f.at.lat()) == ON_CORNER,
    )
    .await;

    // Logic: empty AND holds, empty OR does not, nesting keeps SQL's three values.
    let all = features(
        &mut fx.client,
        &query(cams, Some(Filter::And(vec![])), &[]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(all.len(), fx.cameras.len());
    let none = features(
        &mut fx.client,
        &query(cams, Some(Filter::Or(vec![])), &[]),
        None,
    )
    .await
    .unwrap();
    assert!(none.is_empty());
    fx.check(
        cams,
        "facing < 45 OR facing IS NULL",
        Filter::Or(vec![
            compare(FacingDeg, Lt, Value::Number(45.0)),
            Filter::IsNull(FacingDeg),
        ]),
        |f| facing(f).is_none_or(|v| v < 45.0),
    )
    .await;
    fx.check(
        cams,
        "NOT (kind = business AND facing > 100)",
        Filter::Not(Box::new(Filter::And(vec![
            compare(Kind, Eq, text("business")),
            compare(FacingDeg, Gt, Value::Number(100.0)),
        ]))),
        // false AND unknown is false, so NOT gives true; true AND unknown stays unknown.
        |f| f.kind.as_str() != "business" || facing(f).is_some_and(|v| v <= 100.0),
    )
    .await;

    // Contacts: the address, language and contact method are queryable there.
    let contacts = Collection::CameraContacts;
    let address = |f: &CameraFeature| f.contact.as_ref().unwrap().address.clone();
    fx.check(
        contacts,
        "address LIKE with escaped % _ and \\",
        Filter::Like {
            property: Address,
            pattern: "12 50\\%\\_Off\\\\Lane".into(),
        },
        move |f| address(f) == ODD_ADDRESS,
    )
    .await;
    fx.check(
        contacts,
        "address LIKE %\\%%",
        Filter::Like {
            property: Address,
            pattern: "%\\%%".into(),
        },
        move |f| address(f).contains('%'),
    )
    .await;
    fx.check(
        contacts,
        "address LIKE 1_ %",
        Filter::Like {
            property: Address,
            pattern: "1_ %".into(),
        },
        move |f| {
            let a = address(f);
            let chars: Vec<char> = a.chars().collect();
            chars.len() >= 3 && chars[0] == '1' && chars[2] == ' '
        },
    )
    .await;
    fx.check(
        contacts,
        "language = es",
        compare(Language, Eq, text("es")),
        |f| f.contact.as_ref().unwrap().language.as_str() == "es",
    )
    .await;
    fx.check(
        contacts,
        "contact_method IN (phone, text)",
        Filter::In {
            property: ContactMethod,
            values: vec![text("phone"), text("text")],
        },
        |f| ["phone", "text"].contains(&f.contact.as_ref().unwrap().contact_method.as_str()),
    )
    .await;
}

#[tokio::test]
async fn features_refuse_what_they_cannot_answer() {
    let mut fx = seeded().await;
    use Property::*;
    let cams = Collection::Cameras;
    assert!(matches!(
        fx.refused(cams, compare(Address, CompareOp::Eq, text("x")))
            .await,
        QueryError::UnknownProperty { .. }
    ));
    assert!(matches!(
        fx.refused(
            Collection::CameraContacts,
            compare(Email, CompareOp::Eq, text("a@b.example"))
        )
        .await,
        QueryError::Unsupported(_)
    ));
    assert!(matches!(
        fx.refused(
            cams,
            compare(FacingDeg, CompareOp::Eq, Value::Number(f64::NAN))
        )
        .await,
        QueryError::BadValue { .. }
    ));
    let mut deep = Filter::IsNull(FacingDeg);
    for _ in 0..canvass_feeds::filter::MAX_DEPTH + 5 {
        deep = Filter::Not(Box::new(deep));
    }
    assert!(matches!(
        fx.refused(cams, deep).await,
        QueryError::TooLarge(_)
    ));
    let wide = Filter::Or(vec![
        Filter::IsNull(FacingDeg);
        canvass_feeds::filter::MAX_NODES
    ]);
    assert!(matches!(
        fx.refused(cams, wide).await,
        QueryError::TooLarge(_)
    ));
    let open_ring = Geometry::Polygon(vec![ring_of(OUTER)[..4].to_vec()]);
    assert!(matches!(
        fx.refused(cams, Filter::Intersects(open_ring)).await,
        QueryError::Geometry(_)
    ));

    // Sorting by a list, and cursors that do not fit the sort.
    let by_views = query(
        cams,
        None,
        &[SortKey {
            property: Views,
            descending: false,
        }],
    );
    assert!(matches!(
        page(&mut fx.client, &by_views, None, false, None).await,
        Err(DbError::Query(QueryError::Unsupported(_)))
    ));
    let by_kind = query(
        cams,
        None,
        &[SortKey {
            property: Kind,
            descending: false,
        }],
    );
    for bad in [
        Cursor {
            values: vec![],
            id: 1,
        },
        Cursor {
            values: vec![Some(Value::Integer(4))],
            id: 1,
        },
    ] {
        assert!(matches!(
            page(&mut fx.client, &by_kind, Some(&bad), false, None).await,
            Err(DbError::Query(QueryError::Cursor))
        ));
    }

    // Contacts only with a disclosure that can open them.
    let contacts = query(Collection::CameraContacts, None, &[]);
    assert!(matches!(
        features(&mut fx.client, &contacts, None).await,
        Err(DbError::DisclosureRequired)
    ));
    let no_keys = Disclosure {
        opener: None,
        ..disclosure(&fx.ring, "features.test")
    };
    assert!(matches!(
        page(&mut fx.client, &contacts, None, false, Some(&no_keys)).await,
        Err(DbError::DisclosureRequired)
    ));
}

/// The order a sort must give: the feeds' own definition, which both executors share.
fn sorted(features: &[CameraFeature], sort: &[SortKey]) -> Vec<i64> {
    let mut order: Vec<&CameraFeature> = features.iter().collect();
    order.sort_by(|a, b| canvass_feeds::compare(a, b, sort));
    order.iter().map(|f| f.id).collect()
}

#[tokio::test]
async fn features_keyset_walks_give_the_whole_order_once() {
    let mut fx = seeded().await;
    use Property::*;
    let key = |property, descending| SortKey {
        property,
        descending,
    };
    let sorts: Vec<Vec<SortKey>> = vec![
        vec![],
        vec![key(FacingDeg, false)],
        vec![key(FacingDeg, true)],
        vec![key(RetentionDays, true), key(FacingDeg, false)],
        vec![key(RetentionDays, false), key(RangeM, true)],
        vec![
            key(Kind, false),
            key(VerifiedOn, true),
            key(RetentionDays, true),
        ],
        vec![key(UpdatedAt, true), key(Placement, false)],
        vec![key(VerifiedOn, false), key(Id, true)],
        vec![key(CanExport, true), key(FovDeg, false), key(RangeM, false)],
    ];
    assert!(fx.cameras.iter().any(|f| f.retention_days.is_none()));
    assert!(fx.cameras.iter().any(|f| f.range_m.is_none()));
    assert!(fx.cameras.iter().any(|f| f.verified_on.is_none()));
    let filters = [None, Some(compare(Kind, CompareOp::Eq, text("residence")))];
    for sort in &sorts {
        for filter in &filters {
            let matching: Vec<CameraFeature> = fx
                .cameras
                .iter()
                .filter(|f| filter.is_none() || f.kind.as_str() == "residence")
                .cloned()
                .collect();
            let want = sorted(&matching, sort);
            let q = query(Collection::Cameras, filter.clone(), sort);
            let streamed = ids(&features(&mut fx.client, &q, None).await.unwrap());
            assert_eq!(streamed, want, "for_each by {sort:?}");
            for limit in [1u32, 4, 13, 500] {
                let mut q = q.clone();
                q.limit = Some(limit);
                let mut walked = Vec::new();
                let mut after: Option<Cursor> = None;
                loop {
                    let first = after.is_none();
                    let p = page(&mut fx.client, &q, after.as_ref(), first, None)
                        .await
                        .unwrap();
                    if first {
                        assert_eq!(p.number_matched, Some(want.len() as u64));
                    } else {
                        assert_eq!(p.number_matched, None);
                    }
                    walked.extend(ids(&p.features));
                    match p.next {
                        Some(next) => {
                            assert_eq!(p.features.len(), limit as usize);
                            after = Some(next);
                        }
                        None => break,
                    }
                    assert!(walked.len() <= want.len(), "{sort:?}/{limit}: runs on");
                }
                assert_eq!(walked, want, "keyset walk by {sort:?}, {limit} a page");
            }
        }
    }
}

async fn audit_rows(client: &Client) -> i64 {
    client.query_one(AUDIT_ROWS, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn features_contacts_are_opened_and_every_disclosure_audited() {
    let mut fx = seeded().await;
    let q = FeatureQuery {
        limit: Some(5),
        ..query(
            Collection::CameraContacts,
            Some(compare(Property::Language, CompareOp::Eq, text("es"))),
            &[],
        )
    };
    let d = disclosure(&fx.ring, "features.disclose");
    let p = page(&mut fx.client, &q, None, true, Some(&d))
        .await
        .unwrap();
    assert_eq!(p.features.len(), 5);
    assert!(p.number_matched.unwrap() > 5 && p.next.is_some());
    for f in &p.features {
        let c = f.contact.as_ref().unwrap();
        assert!(!c.owner_name.is_empty() && c.email.contains('@'), "{c:?}");
        assert_eq!(c.language.as_str(), "es");
        // The one opener gives what the owner's own page shows.
        let registration: i64 = fx
            .client
            .query_one(REGISTRATION_OF, &[&f.id])
            .await
            .unwrap()
            .get(0);
        let owner = registrations::active_contact(&fx.client, &fx.ring, registration)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(owner.contact.name, c.owner_name);
        assert_eq!(owner.contact.email, c.email);
        assert_eq!(owner.contact.phone, c.phone);
        assert_eq!(owner.contact_method, c.contact_method.as_str());
    }
    let row = fx.client.query_one(LAST_AUDIT, &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "features.disclose");
    assert_eq!(row.get::<_, Vec<i64>>(1), ids(&p.features));
    assert_eq!(
        row.get::<_, Option<String>>(2).as_deref(),
        Some("24-001234")
    );
    let details: serde_json::Value = row.get(3);
    assert_eq!(details["collection"], "camera_contacts");
    assert_eq!(details["returned"], 5);
    assert_eq!(details["format"], "test");

    // A cameras read with a disclosure is recorded with its count and no ids.
    let cams = query(Collection::Cameras, None, &[]);
    let d = Disclosure {
        opener: None,
        ..disclosure(&fx.ring, "features.export")
    };
    let n = for_each(&mut fx.client, &cams, Some(&d), |_| Ok::<_, DbError>(()))
        .await
        .unwrap();
    let row = fx.client.query_one(LAST_AUDIT, &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "features.export");
    assert!(row.get::<_, Vec<i64>>(1).is_empty());
    assert_eq!(row.get::<_, serde_json::Value>(3)["returned"], n);

    // A consumer that fails part-way rolls the read back: no audit row.
    let before = audit_rows(&fx.client).await;
    let all = query(Collection::CameraContacts, None, &[]);
    let d = disclosure(&fx.ring, "features.disclose");
    let mut seen = 0;
    let failed = for_each(&mut fx.client, &all, Some(&d), |_| {
        seen += 1;
        if seen == 3 {
            Err(DbError::Invalid("the file is full".into()))
        } else {
            Ok(())
        }
    })
    .await;
    assert!(matches!(failed, Err(DbError::Invalid(_))));
    assert_eq!(audit_rows(&fx.client).await, before);

    // An audit row that cannot be written returns nothing.
    let unrecordable = disclosure(&fx.ring, "Not A Valid Action");
    let refused = page(&mut fx.client, &q, None, false, Some(&unrecordable)).await;
    assert!(
        matches!(refused, Err(DbError::Postgres { .. })),
        "{refused:?}"
    );
    assert_eq!(audit_rows(&fx.client).await, before);

    // The chain holds after all of it.
    let (rows, findings) = crate::audit::verify(&fx.client).await.unwrap();
    assert!(rows >= 3 && findings.is_empty(), "{findings:?}");
}

/// What no parser makes but the tree can hold — literals of another kind, LIKE on a number,
/// order comparisons and ranges on the views list, a pattern ending in its escape — means in
/// SQL what the evaluator says, so the two executors never disagree.
#[tokio::test]
async fn features_odd_trees_mean_what_the_evaluator_says() {
    let mut fx = seeded().await;
    use CompareOp::*;
    use Property::*;
    let odd = [
        compare(RetentionDays, Lt, Value::Number(14.5)),
        compare(FacingDeg, Eq, Value::Integer(90)),
        compare(Kind, Eq, Value::Integer(3)),
        compare(VerifiedOn, Lt, Value::Timestamp(chrono::Utc::now())),
        compare(Views, Lt, text("street")),
        compare(Views, Ne, Value::Integer(1)),
        compare(Views, Eq, Value::Integer(1)),
        Filter::Like {
            property: FacingDeg,
            pattern: "9%".into(),
        },
        Filter::Like {
            property: Views,
            pattern: "s%".into(),
        },
        Filter::Like {
            property: Placement,
            pattern: "ext\\".into(),
        },
        Filter::In {
            property: RetentionDays,
            values: vec![Value::Integer(7), Value::Number(14.0)],
        },
        Filter::In {
            property: RetentionDays,
            values: vec![],
        },
        Filter::In {
            property: Views,
            values: vec![Value::Integer(7), text("alley")],
        },
        Filter::Between {
            property: RetentionDays,
            low: Value::Number(1.0),
            high: Value::Integer(30),
        },
        Filter::Between {
            property: RetentionDays,
            low: Value::Integer(10),
            high: Value::Number(30.0),
        },
        Filter::Between {
            property: Views,
            low: text("a"),
            high: text("z"),
        },
    ];
    for filter in odd {
        for tree in [filter.clone(), Filter::Not(Box::new(filter.clone()))] {
            let want: Vec<i64> = fx
                .cameras
                .iter()
                .filter(|f| tree.matches(f))
                .map(|f| f.id)
                .collect();
            let q = query(Collection::Cameras, Some(tree.clone()), &[]);
            let got = ids(&features(&mut fx.client, &q, None).await.unwrap());
            assert_eq!(got, want, "{tree:?}");
        }
    }
}

/// A random filter over `collection`, with literals taken from `sample` so that equalities
/// and ranges hit, and now and then a literal of another kind.
fn random_filter(
    rng: &mut rand_chacha::ChaCha8Rng,
    collection: Collection,
    sample: &[CameraFeature],
    depth: usize,
) -> Filter {
    use rand::Rng;
    use rand::seq::IndexedRandom;
    if depth > 0 && rng.random_bool(0.4) {
        let (kind, n) = (rng.random_range(0..3), rng.random_range(0..=3));
        if kind == 2 {
            return Filter::Not(Box::new(random_filter(rng, collection, sample, depth - 1)));
        }
        let parts: Vec<Filter> = (0..n)
            .map(|_| random_filter(rng, collection, sample, depth - 1))
            .collect();
        return if kind == 0 {
            Filter::And(parts)
        } else {
            Filter::Or(parts)
        };
    }
    let properties: Vec<Property> = collection
        .properties()
        .iter()
        .copied()
        .filter(|p| p.queryable())
        .collect();
    let property = *properties.choose(rng).unwrap();
    let one = sample.choose(rng).unwrap();
    let literal = |rng: &mut rand_chacha::ChaCha8Rng| -> Value {
        if rng.random_bool(0.05) {
            return Value::Integer(rng.random_range(0..100));
        }
        let f = sample.choose(rng).unwrap();
        match property {
            Property::Views => text(f.view_names().collect::<Vec<_>>().choose(rng).unwrap()),
            _ => f
                .value(property)
                .or_else(|| one.value(property))
                .unwrap_or(Value::Integer(1)),
        }
    };
    match rng.random_range(0..8) {
        0 | 1 => {
            let op = *[
                CompareOp::Eq,
                CompareOp::Ne,
                CompareOp::Lt,
                CompareOp::Le,
                CompareOp::Gt,
                CompareOp::Ge,
            ]
            .choose(rng)
            .unwrap();
            compare(property, op, literal(rng))
        }
        2 => {
            let pattern = match literal(rng) {
                Value::Text(t) => {
                    let chars: Vec<char> = t.chars().collect();
                    let cut = rng.random_range(0..=chars.len());
                    let mut p: String = chars[..cut].iter().collect();
                    p.push(if rng.random_bool(0.5) { '%' } else { '_' });
                    p
                }
                _ => "%".into(),
            };
            Filter::Like { property, pattern }
        }
        3 => Filter::In {
            property,
            values: (0..rng.random_range(1..=3)).map(|_| literal(rng)).collect(),
        },
        4 => Filter::Between {
            property,
            low: literal(rng),
            high: literal(rng),
        },
        5 => Filter::IsNull(property),
        6 => {
            let (a, b) = (
                sample.choose(rng).unwrap().at,
                sample.choose(rng).unwrap().at,
            );
            let (w, e) = (a.lon().min(b.lon()), a.lon().max(b.lon()));
            let (s, n) = (a.lat().min(b.lat()), a.lat().max(b.lat()));
            Filter::Intersects(match rng.random_range(0..3) {
                0 => Geometry::Point(a),
                1 => Geometry::Envelope([w, s, e, n]),
                _ => Geometry::Polygon(vec![ring_of([w, s, e, n])]),
            })
        }
        _ => {
            let mut instant = || {
                rng.random_bool(0.8)
                    .then(|| sample.choose(rng).unwrap().updated_at)
            };
            let (start, end) = (instant(), instant());
            let op = *[
                TemporalOp::After,
                TemporalOp::Before,
                TemporalOp::Intersects,
            ]
            .choose(rng)
            .unwrap();
            Filter::Temporal {
                op,
                at: TimeRange { start, end },
            }
        }
    }
}

#[tokio::test]
async fn features_random_trees_select_what_the_evaluator_selects() {
    use rand::SeedableRng;
    let mut fx = seeded().await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(10);
    let mut told = [0usize; 3];
    for round in 0..400 {
        let collection = if round % 4 == 0 {
            Collection::CameraContacts
        } else {
            Collection::Cameras
        };
        let all = match collection {
            Collection::Cameras => fx.cameras.clone(),
            Collection::CameraContacts => fx.contacts.clone(),
        };
        let filter = random_filter(&mut rng, collection, &all, 3);
        let want: Vec<i64> = all
            .iter()
            .filter(|f| filter.matches(f))
            .map(|f| f.id)
            .collect();
        told[match want.len() {
            0 => 0,
            n if n == all.len() => 2,
            _ => 1,
        }] += 1;
        let d = disclosure(&fx.ring, "features.test");
        let d = (collection == Collection::CameraContacts).then_some(&d);
        let q = query(collection, Some(filter.clone()), &[]);
        let got = ids(&features(&mut fx.client, &q, d).await.unwrap());
        assert_eq!(got, want, "round {round}: {filter:?}");
    }
    // Most trees select some but not all: the comparison says something.
    assert!(told[1] > 150, "none/some/all: {told:?}");
}

#[tokio::test]
async fn features_cql2_text_selects_what_the_evaluator_selects() {
    let mut fx = seeded().await;
    let filters = [
        "facing_deg BETWEEN 45 AND 135 AND NOT kind = 'business'",
        "retention_days NOT IN (7, 14, 30) OR retention_days IS NULL",
        "views IN ('alley', 'yard') AND placement LIKE 'ext%'",
        "NOT (range_m > 20 OR fov_deg < 90)",
        "S_INTERSECTS(geometry, BBOX(-122.0, 37.95, -121.99, 37.96))",
        "S_INTERSECTS(geometry, POLYGON((-122.01 37.94, -122.0 37.94, -122.0 37.95, -122.01 37.95, -122.01 37.94), (-122.008 37.942, -122.002 37.942, -122.002 37.948, -122.008 37.948, -122.008 37.942)))",
        "S_INTERSECTS(geometry, POINT(-121.99 37.96))",
        "T_AFTER(updated_at, TIMESTAMP('2000-01-01T00:00:00Z')) AND verified_on >= DATE('2026-01-01')",
        "T_BEFORE(updated_at, INTERVAL('..', '2030-01-01'))",
        "can_export <> 'yes' AND recording_mode = 'motion'",
    ];
    for text in filters {
        let filter = canvass_feeds::parse_cql2_text(Collection::Cameras, text).unwrap();
        let want: Vec<i64> = fx
            .cameras
            .iter()
            .filter(|f| filter.matches(f))
            .map(|f| f.id)
            .collect();
        let q = query(Collection::Cameras, Some(filter), &[]);
        let got = ids(&features(&mut fx.client, &q, None).await.unwrap());
        assert_eq!(got, want, "{text}");
    }
    let filter = canvass_feeds::parse_cql2_text(
        Collection::CameraContacts,
        "address LIKE '12 50\\%\\_Off\\\\Lane' OR language = 'es'",
    )
    .unwrap();
    let d = disclosure(&fx.ring, "features.test");
    let q = query(Collection::CameraContacts, Some(filter.clone()), &[]);
    let got = ids(&features(&mut fx.client, &q, Some(&d)).await.unwrap());
    let want: Vec<i64> = fx
        .contacts
        .iter()
        .filter(|f| filter.matches(f))
        .map(|f| f.id)
        .collect();
    assert!(want.contains(&fx.placed[0]));
    assert_eq!(got, want);
}
