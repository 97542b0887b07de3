//! One page of an answer, from either executor, and the in-memory executor's paging.
//!
//! The order of every answer: the sort keys, most significant first, then the id ascending.
//! A null sorts after every value when ascending and before every value when descending —
//! PostgreSQL's default (`NULLS LAST` for `ASC`, `NULLS FIRST` for `DESC`), which the SQL
//! executor keeps by not saying otherwise. Text sorts by code point (`COLLATE "C"` in SQL).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::cursor::Cursor;
use crate::feature::CameraFeature;
use crate::filter::Value;
use crate::query::{FeatureQuery, SortKey};

/// The features of one page and where the next starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The features, in the query's order.
    pub features: Vec<CameraFeature>,
    /// How many features match the whole query, when the executor knows it cheaply.
    pub number_matched: Option<u64>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// How two features order under the sort keys (then by id).
pub fn compare(a: &CameraFeature, b: &CameraFeature, sort: &[SortKey]) -> Ordering {
    order(&Cursor::of(a, sort), &Cursor::of(b, sort), sort)
}

/// How two positions order under the sort keys (then by id).
fn order(a: &Cursor, b: &Cursor, sort: &[SortKey]) -> Ordering {
    for (i, key) in sort.iter().enumerate() {
        let a_value = a.values.get(i).and_then(Option::as_ref);
        let b_value = b.values.get(i).and_then(Option::as_ref);
        let ascending = order_nulls_last(a_value, b_value);
        let ordering = if key.descending {
            ascending.reverse()
        } else {
            ascending
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
    a.id.cmp(&b.id)
}

/// Ascending order with null after every value.
fn order_nulls_last(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        // Values of one property are of one kind; different kinds cannot be ordered.
        (Some(a), Some(b)) => a.order(b).unwrap_or(Ordering::Equal),
    }
}

/// A feature with its position, ordered by position.
struct Ranked<'s> {
    position: Cursor,
    feature: CameraFeature,
    sort: &'s [SortKey],
}

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        order(&self.position, &other.position, self.sort)
    }
}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked<'_> {}

/// The page of `query` after `after` (from the start when `None`), from the candidates: those
/// matching the filter, counted, in the query's order, after the cursor, at most `limit` of
/// them (all with no limit; none with a limit of 0). Only the page is kept in memory while the
/// candidates stream past, so a page of 100 from a million costs a million filter tests and
/// a heap of 100. `next` is the position of the page's last feature when more follow.
pub fn page_of(
    candidates: impl IntoIterator<Item = CameraFeature>,
    query: &FeatureQuery,
    after: Option<&Cursor>,
) -> Page {
    let sort = query.sort.as_slice();
    let limit = query
        .limit
        .map(|l| usize::try_from(l).unwrap_or(usize::MAX));
    let mut matched: u64 = 0;
    let mut following: usize = 0;
    // A max-heap of the first `limit` features so far: the top is the one to drop first.
    let mut kept: BinaryHeap<Ranked<'_>> = BinaryHeap::new();
    for feature in candidates {
        if !query.filter.as_ref().is_none_or(|f| f.matches(&feature)) {
            continue;
        }
        matched += 1;
        let position = Cursor::of(&feature, sort);
        if after.is_some_and(|after| order(&position, after, sort).is_le()) {
            continue;
        }
        following += 1;
        let ranked = Ranked {
            position,
            feature,
            sort,
        };
        if limit.is_none_or(|limit| kept.len() < limit) {
            kept.push(ranked);
        } else if let Some(mut last) = kept.peek_mut() {
            if ranked < *last {
                *last = ranked;
            }
        }
    }
    let kept = kept.into_sorted_vec();
    let next = if following > kept.len() {
        kept.last().map(|ranked| ranked.position.clone())
    } else {
        None
    };
    Page {
        features: kept.into_iter().map(|ranked| ranked.feature).collect(),
        number_matched: Some(matched),
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::CursorKey;
    use crate::filter::{CompareOp, Filter};
    use crate::queryables::{Collection, Property};
    use canvass_geo::LonLat;
    use canvass_model::{CanExport, Kind, Placement, RecordingMode};
    use chrono::{DateTime, NaiveDate};
    use rand::seq::{IndexedRandom, SliceRandom};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A random camera; values come from small sets so that ties and nulls are common.
    fn camera(rng: &mut ChaCha8Rng, id: i64) -> CameraFeature {
        let maybe = |rng: &mut ChaCha8Rng, p: f64| rng.random_bool(p);
        CameraFeature {
            id,
            at: LonLat::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)).unwrap(),
            placement: *Placement::ALL.choose(rng).unwrap(),
            views: rng.random_range(0..128),
            facing_deg: maybe(rng, 0.7).then(|| f32::from(rng.random_range(0u8..4)) * 90.0),
            fov_deg: maybe(rng, 0.5).then_some(90.0),
            range_m: maybe(rng, 0.8).then(|| f32::from(rng.random_range(0u8..5)) * 10.5),
            retention_days: maybe(rng, 0.6).then(|| rng.random_range(1..4)),
            recording_mode: *RecordingMode::ALL.choose(rng).unwrap(),
            can_export: *CanExport::ALL.choose(rng).unwrap(),
            kind: *Kind::ALL.choose(rng).unwrap(),
            verified_on: maybe(rng, 0.5)
                .then(|| NaiveDate::from_ymd_opt(2024, 1, rng.random_range(1..4)).unwrap()),
            updated_at: DateTime::from_timestamp(1_700_000_000 + rng.random_range(0..5) * 60, 0)
                .unwrap(),
            contact: None,
        }
    }

    const SORTABLE: &[Property] = &[
        Property::Id,
        Property::Placement,
        Property::FacingDeg,
        Property::FovDeg,
        Property::RangeM,
        Property::RetentionDays,
        Property::RecordingMode,
        Property::CanExport,
        Property::Kind,
        Property::VerifiedOn,
        Property::UpdatedAt,
    ];

    fn random_filter(rng: &mut ChaCha8Rng) -> Option<Filter> {
        match rng.random_range(0..4) {
            0 => None,
            1 => Some(Filter::Compare {
                property: Property::RangeM,
                op: CompareOp::Ge,
                value: Value::Number(21.0),
            }),
            2 => Some(Filter::Not(Box::new(Filter::Compare {
                property: Property::Kind,
                op: CompareOp::Eq,
                value: Value::Text("business".into()),
            }))),
            _ => Some(Filter::Or(vec![
                Filter::IsNull(Property::FacingDeg),
                Filter::Compare {
                    property: Property::Views,
                    op: CompareOp::Eq,
                    value: Value::Text("street".into()),
                },
            ])),
        }
    }

    #[test]
    fn walking_the_cursors_yields_the_sorted_filtered_list() {
        let mut rng = ChaCha8Rng::seed_from_u64(10);
        let seal = CursorKey::new([3; 32]);
        for round in 0..200 {
            let count = rng.random_range(0..120);
            let mut ids: Vec<i64> = (0..count).map(|i| i * 3 - 50).collect();
            ids.shuffle(&mut rng);
            let features: Vec<CameraFeature> = ids.iter().map(|&id| camera(&mut rng, id)).collect();
            let mut properties = SORTABLE.to_vec();
            properties.shuffle(&mut rng);
            let sort: Vec<SortKey> = properties
                .into_iter()
                .take(rng.random_range(0..4))
                .map(|property| SortKey {
                    property,
                    descending: rng.random_bool(0.5),
                })
                .collect();
            let query = FeatureQuery {
                collection: Collection::Cameras,
                filter: random_filter(&mut rng),
                sort: sort.clone(),
                properties: None,
                limit: Some(rng.random_range(1..15)),
            };

            let mut expected: Vec<CameraFeature> = features
                .iter()
                .filter(|f| query.filter.as_ref().is_none_or(|filter| filter.matches(f)))
                .cloned()
                .collect();
            expected.sort_by(|a, b| compare(a, b, &sort));

            let mut walked = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let page = page_of(features.iter().cloned(), &query, after.as_ref());
                assert_eq!(page.number_matched, Some(expected.len() as u64));
                walked.extend(page.features.iter().map(|f| f.id));
                let Some(next) = page.next else {
                    break;
                };
                assert_eq!(page.features.len(), query.limit.unwrap() as usize);
                // Through the text a caller sees.
                let text = seal.seal(&next, &query);
                after = Some(seal.open(&text, &query).unwrap());
                assert!(walked.len() <= features.len(), "round {round} does not end");
            }
            let expected: Vec<i64> = expected.iter().map(|f| f.id).collect();
            assert_eq!(walked, expected, "round {round}, sort {sort:?}");
        }
    }

    #[test]
    fn a_cursor_outlives_its_feature() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut features: Vec<CameraFeature> = (0..30).map(|id| camera(&mut rng, id)).collect();
        let query = FeatureQuery {
            collection: Collection::Cameras,
            filter: None,
            sort: vec![SortKey {
                property: Property::RangeM,
                descending: true,
            }],
            properties: None,
            limit: Some(10),
        };
        let mut expected = features.clone();
        expected.sort_by(|a, b| compare(a, b, &query.sort));
        let first = page_of(features.clone(), &query, None);
        let next = first.next.unwrap();
        // The page's last camera is deleted before the next page is asked for.
        features.retain(|f| f.id != next.id);
        let second = page_of(features, &query, Some(&next));
        assert_eq!(second.features, expected[10..20].to_vec());
        assert_eq!(second.number_matched, Some(29));
    }

    #[test]
    fn nulls_sort_last_ascending_and_first_descending() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut a = camera(&mut rng, 1);
        let mut b = camera(&mut rng, 2);
        a.facing_deg = None;
        b.facing_deg = Some(0.0);
        let ascending = [SortKey {
            property: Property::FacingDeg,
            descending: false,
        }];
        let descending = [SortKey {
            property: Property::FacingDeg,
            descending: true,
        }];
        assert_eq!(compare(&a, &b, &ascending), Ordering::Greater);
        assert_eq!(compare(&a, &b, &descending), Ordering::Less);
        b.facing_deg = None;
        // Equal keys: the id decides, ascending either way.
        assert_eq!(compare(&a, &b, &ascending), Ordering::Less);
        assert_eq!(compare(&a, &b, &descending), Ordering::Less);
    }

    #[test]
    fn no_limit_returns_everything_and_zero_returns_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let features: Vec<CameraFeature> = (0..50).rev().map(|id| camera(&mut rng, id)).collect();
        let mut query = FeatureQuery {
            collection: Collection::Cameras,
            filter: None,
            sort: vec![],
            properties: None,
            limit: None,
        };
        let all = page_of(features.clone(), &query, None);
        assert_eq!(all.features.len(), 50);
        assert!(all.features.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(all.next, None);
        let after = Cursor {
            values: vec![],
            id: 44,
        };
        let rest = page_of(features.clone(), &query, Some(&after));
        assert_eq!(
            rest.features.iter().map(|f| f.id).collect::<Vec<_>>(),
            vec![45, 46, 47, 48, 49]
        );
        assert_eq!(rest.number_matched, Some(50));
        query.limit = Some(0);
        let none = page_of(features, &query, None);
        assert_eq!((none.features.len(), none.next), (0, None));
    }
}
