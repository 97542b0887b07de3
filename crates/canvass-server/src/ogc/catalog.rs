//! What the API says about itself and its collections: the conformance classes, the CRSs,
//! the collections' titles and descriptions, and the JSON Schema of each property.

use canvass_feeds::{Collection, Property, PropertyType};
use serde_json::{Value, json};

/// The conformance classes the API implements (and only those: each is tested).
pub(crate) const CONFORMS_TO: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/property-selection",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
];

/// CRS84, the storage CRS and the default of every answer.
pub(crate) const CRS84: &str = canvass_feeds::crs::CRS84_URI;

/// The CRSs each collection lists; any other EPSG code PROJ knows is answered too.
pub(crate) const LISTED_CRS: &[&str] = &[
    CRS84,
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "http://www.opengis.net/def/crs/EPSG/0/3857",
    "http://www.opengis.net/def/crs/EPSG/0/2227",
];

/// The relation of a collection's queryables (OGC API – Features – Part 3).
pub(crate) const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

/// A collection's title for people.
pub(crate) fn title(collection: Collection) -> &'static str {
    match collection {
        Collection::Cameras => "Registered cameras",
        Collection::CameraContacts => "Registered cameras with their owners' contacts",
    }
}

/// What a collection holds and who may read it.
pub(crate) fn description(collection: Collection) -> &'static str {
    match collection {
        Collection::Cameras => {
            "The active cameras of the registry: where each is, what it views and how it \
             records. No personal data."
        }
        Collection::CameraContacts => {
            "The active cameras with their street address and their owner's contact. Personal \
             data: only for callers with the pii permission, and every answer is recorded in \
             the audit trail with the camera ids it disclosed."
        }
    }
}

/// The JSON Schema of one property's values.
pub(crate) fn property_schema(property: Property) -> Value {
    let mut schema = match property.value_type() {
        PropertyType::Integer => json!({ "type": "integer" }),
        PropertyType::Number => json!({ "type": "number" }),
        PropertyType::Text => json!({ "type": "string" }),
        PropertyType::Enum(words) => json!({ "type": "string", "enum": words }),
        PropertyType::EnumList(words) => {
            json!({ "type": "array", "items": { "type": "string", "enum": words } })
        }
        PropertyType::Date => json!({ "type": "string", "format": "date" }),
        PropertyType::Timestamp => json!({ "type": "string", "format": "date-time" }),
    };
    schema["title"] = json!(property.title());
    schema
}
