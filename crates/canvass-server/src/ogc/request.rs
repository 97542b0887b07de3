//! A request's query string, read into the one [`FeatureQuery`] of `canvass-feeds` and what
//! the answer needs besides (CRS, format, cursor, the parameters its links repeat).
//!
//! Every parameter is known or refused: an unknown name is a 400 that names it, as OGC API –
//! Features allows, so that a typo (`limt=5`) is never silently a different query. A
//! parameter given twice is refused too.

use canvass_feeds::crs::{Crs, envelope_to_crs84};
use canvass_feeds::encode::CsvGeometry;
use canvass_feeds::error::cut;
use canvass_feeds::{
    Collection, FeatureQuery, Filter, Geometry, TemporalOp, params, parse_cql2_json,
    parse_cql2_text,
};
use canvass_model::disclosure;

use super::exception::Exception;

/// Which resource the query string is for: each takes its own set of parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    /// `/items`: pages, sorted, with every filter.
    Items,
    /// `/items/{featureId}`: one feature (output parameters only).
    Item,
    /// `/download`: every match, unsorted and unpaged, with every filter.
    Download,
    /// `POST /items`: as `Items`, but the CQL2 filter is the body, not a parameter.
    Search,
}

/// Parameters every resource takes.
const OUTPUT: &[&str] = &["f", "crs", "properties"];
/// Parameters of the resources that write CSV.
const CSV: &[&str] = &["csv-geometry"];
/// Parameters that narrow a query by place and time.
const FILTERS: &[&str] = &["bbox", "bbox-crs", "datetime"];
/// Parameters of a CQL2 filter in the address.
const CQL2: &[&str] = &["filter", "filter-lang", "filter-crs"];
/// Parameters of paging.
const PAGING: &[&str] = &["limit", "cursor", "sortby"];
/// Parameters that say why personal data is asked for (recorded in the audit trail).
const DISCLOSURE: &[&str] = &["case", "reason"];
/// The most parameters read from one query string.
const MAX_PARAMETERS: usize = 64;

/// A request, read and checked.
#[derive(Debug, Clone)]
pub(crate) struct FeatureRequest {
    /// The query for the executors.
    pub query: FeatureQuery,
    /// The CRS of the answer's coordinates.
    pub crs: Crs,
    /// How CSV gives positions.
    pub csv_geometry: CsvGeometry,
    /// `f=`, if given.
    pub f: Option<String>,
    /// The sealed cursor, if given.
    pub cursor: Option<String>,
    /// The case number a disclosure is made for, if given.
    pub case: Option<String>,
    /// Why, if given.
    pub reason: Option<String>,
    /// The caller's parameters but `f` and `cursor`, in their order, for the answer's links.
    pub pairs: Vec<(String, String)>,
}

impl FeatureRequest {
    /// The parameters the links of an answer repeat.
    pub(crate) fn link_pairs(&self) -> Vec<(&str, &str)> {
        self.pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

fn allowed(resource: Resource, collection: Collection, name: &str) -> bool {
    let lists: &[&[&str]] = match resource {
        Resource::Items => &[OUTPUT, CSV, FILTERS, CQL2, PAGING],
        Resource::Item => &[OUTPUT],
        Resource::Download => &[OUTPUT, CSV, FILTERS, CQL2],
        Resource::Search => &[OUTPUT, CSV, FILTERS, PAGING],
    };
    lists.iter().any(|list| list.contains(&name))
        || (collection.discloses_contacts() && DISCLOSURE.contains(&name))
        || (resource != Resource::Item && is_equality(collection, name))
}

/// A queryable's name, which a simple equality may use (`placement=exterior`).
fn is_equality(collection: Collection, name: &str) -> bool {
    collection
        .property(name)
        .is_ok_and(canvass_feeds::Property::queryable)
}

/// Reads the query string `raw` of a request for `resource` of `collection`.
pub(crate) fn parse(
    collection: Collection,
    resource: Resource,
    raw: Option<&str>,
) -> Result<FeatureRequest, Exception> {
    let mut given: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if given.len() == MAX_PARAMETERS {
            return Err(Exception::bad_request(format!(
                "more than {MAX_PARAMETERS} parameters"
            )));
        }
        if given.iter().any(|(n, _)| *n == name) {
            return Err(Exception::bad_request(format!(
                "{:?} is given twice; give each parameter once",
                cut(&name)
            )));
        }
        given.push((name.into_owned(), value.into_owned()));
    }
    if resource == Resource::Search && given.iter().any(|(name, _)| CQL2.contains(&name.as_str())) {
        return Err(Exception::bad_request(
            "the filter of a POST is its body, in CQL2 JSON; leave filter, filter-lang and \
             filter-crs out of the address",
        ));
    }
    let unknown: Vec<String> = given
        .iter()
        .filter(|(name, _)| !allowed(resource, collection, name))
        .map(|(name, _)| format!("{:?}", cut(name)))
        .collect();
    if !unknown.is_empty() {
        return Err(Exception::bad_request(format!(
            "unknown parameter{} {}; see /ogc/api for the parameters of this resource and \
             /ogc/collections/{collection}/queryables for the properties",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", ")
        )));
    }
    let get = |name: &str| {
        given
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };

    let mut conditions = Vec::new();
    if let Some(bbox) = get("bbox") {
        let bbox = params::parse_bbox(bbox)?;
        let envelope = match get("bbox-crs") {
            Some(crs) => envelope_to_crs84(&Crs::parse(crs)?, bbox)?,
            None => bbox,
        };
        conditions.push(Filter::Intersects(Geometry::Envelope(envelope)));
    } else if get("bbox-crs").is_some() {
        return Err(Exception::bad_request("bbox-crs is given without a bbox"));
    }
    if let Some(datetime) = get("datetime") {
        conditions.push(Filter::Temporal {
            op: TemporalOp::Intersects,
            at: params::parse_datetime(datetime)?,
        });
    }
    for (name, value) in given.iter().filter(|(n, _)| is_equality(collection, n)) {
        conditions.push(params::property_equality(collection, name, value)?);
    }
    if let Some(crs) = get("filter-crs") {
        if !Crs::parse(crs)?.is_crs84() {
            return Err(Exception::bad_request(
                "filter-crs: filters are read in CRS84 (longitude, latitude) only; \
                 for a box in another CRS use bbox with bbox-crs",
            ));
        }
    }
    let language = get("filter-lang").unwrap_or("cql2-text");
    if language != "cql2-text" && language != "cql2-json" {
        return Err(Exception::bad_request(format!(
            "filter-lang: {:?} is not known; use cql2-text or cql2-json",
            cut(language)
        )));
    }
    match get("filter") {
        Some(text) if language == "cql2-json" => {
            conditions.push(parse_cql2_json(collection, text)?);
        }
        Some(text) => conditions.push(parse_cql2_text(collection, text)?),
        None if get("filter-lang").is_some() => {
            return Err(Exception::bad_request(
                "filter-lang is given without a filter",
            ));
        }
        None => {}
    }

    let query = FeatureQuery {
        collection,
        filter: Filter::all(conditions),
        sort: match get("sortby") {
            Some(sortby) => params::parse_sortby(collection, sortby)?,
            None => Vec::new(),
        },
        properties: get("properties")
            .map(|p| params::parse_properties(collection, p))
            .transpose()?,
        limit: match resource {
            Resource::Items | Resource::Search => Some(params::parse_limit(get("limit"))?),
            Resource::Item => Some(1),
            Resource::Download => None,
        },
    };
    let csv_geometry = match get("csv-geometry") {
        None | Some("lonlat") => CsvGeometry::LonLat,
        Some("wkt") => CsvGeometry::Wkt,
        Some(other) => {
            return Err(Exception::bad_request(format!(
                "csv-geometry: {:?} is not known; use lonlat (two columns) or wkt",
                cut(other)
            )));
        }
    };
    Ok(FeatureRequest {
        query,
        crs: get("crs")
            .map(Crs::parse)
            .transpose()?
            .unwrap_or(Crs::CRS84),
        csv_geometry,
        f: get("f").map(str::to_owned),
        cursor: get("cursor").map(str::to_owned),
        case: get("case")
            .filter(|c| !c.trim().is_empty())
            .map(disclosure::case_number)
            .transpose()
            .map_err(|e| Exception::bad_request(format!("case: {e}")))?,
        reason: get("reason")
            .map(disclosure::reason)
            .transpose()
            .map_err(|e| Exception::bad_request(format!("reason: {e}")))?
            .flatten(),
        pairs: given
            .into_iter()
            .filter(|(n, _)| n != "f" && n != "cursor")
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use canvass_feeds::{CompareOp, Property, Value};

    fn refused(raw: &str) -> String {
        let error = parse(Collection::Cameras, Resource::Items, Some(raw)).unwrap_err();
        error.description().to_owned()
    }

    #[test]
    fn every_parameter_becomes_part_of_one_query() {
        let request = parse(
            Collection::Cameras,
            Resource::Items,
            Some("bbox=-122.1,37.9,-122.0,38.0&placement=exterior&limit=5&sortby=-updated_at&properties=kind,views&f=csv&cursor=abc"),
        )
        .unwrap();
        assert_eq!(request.query.limit, Some(5));
        assert_eq!(request.query.sort.len(), 1);
        assert!(request.query.sort[0].descending);
        assert_eq!(
            request.query.properties,
            Some(vec![Property::Kind, Property::Views])
        );
        let Some(Filter::And(parts)) = &request.query.filter else {
            panic!("{:?}", request.query.filter)
        };
        assert_eq!(
            parts[0],
            Filter::Intersects(Geometry::Envelope([-122.1, 37.9, -122.0, 38.0]))
        );
        assert_eq!(
            parts[1],
            Filter::Compare {
                property: Property::Placement,
                op: CompareOp::Eq,
                value: Value::Text("exterior".into())
            }
        );
        assert_eq!(request.f.as_deref(), Some("csv"));
        assert_eq!(request.cursor.as_deref(), Some("abc"));
        let kept: Vec<&str> = request.pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(kept, ["bbox", "placement", "limit", "sortby", "properties"]);
        assert!(request.crs.is_crs84());
    }

    #[test]
    fn mistakes_are_named() {
        assert!(refused("limt=5&kind=business&colour=red").contains("\"limt\", \"colour\""));
        assert!(refused("limit=5&limit=6").contains("twice"));
        assert!(refused("limit=100000000").contains("limit"));
        assert!(refused("bbox=1,2,0,3").contains("bbox"));
        assert!(refused("bbox-crs=EPSG:3857").contains("without a bbox"));
        assert!(refused("filter-lang=cql3").contains("cql3"));
        assert!(refused("filter=nope%20%3D%201").contains("nope"));
        assert!(refused("email=a@b.c").contains("email"));
        assert!(refused("case=1").contains("case"), "cameras takes no case");
        let contacts = parse(
            Collection::CameraContacts,
            Resource::Items,
            Some("case=2026-17&reason=burglary"),
        )
        .unwrap();
        assert_eq!(contacts.case.as_deref(), Some("2026-17"));
        let bad_case = parse(
            Collection::CameraContacts,
            Resource::Items,
            Some("case=1%27%20OR%201%3D1"),
        );
        assert!(bad_case.is_err());
        // One feature takes output parameters only.
        assert!(parse(Collection::Cameras, Resource::Item, Some("limit=5")).is_err());
        assert!(parse(Collection::Cameras, Resource::Download, Some("cursor=x")).is_err());
    }
}
