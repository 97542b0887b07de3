//! `GET /ogc/api`: the OpenAPI 3.0 definition of the OGC API, built from the same collections,
//! properties, formats and limits the handlers use, so that it cannot drift from them.
//! Validators and a property-based fuzzer (schemathesis) read it: every route, parameter,
//! status and body is described as it is answered.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use canvass_feeds::filter::MAX_FILTER_BYTES;
use canvass_feeds::query::{DEFAULT_LIMIT, MAX_LIMIT};
use canvass_feeds::{Collection, Property};
use serde_json::{Map, Value, json};

use super::catalog::property_schema;
use super::exception::Exception;
use super::format::{
    self, API, DOWNLOAD, FEATURE, FEATURES, Format, METADATA, SCHEMA, SEARCH, vary_accept,
};
use super::items::CQL2_JSON;
use super::state::OgcState;

/// `GET /ogc/api`.
pub(crate) async fn document(
    State(state): State<OgcState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let format = format::negotiate(format::f_of(query.as_deref()).as_deref(), &headers, API)?;
    let mut response = Json(definition(state.base_url())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    vary_accept(&mut response);
    Ok(response)
}

/// `{"$ref": "#/components/<section>/<name>"}`.
fn reference(section: &str, name: &str) -> Value {
    json!({ "$ref": format!("#/components/{section}/{name}") })
}

/// The `f` parameter of a resource answered in `formats`.
fn f_parameter(formats: &[Format]) -> Value {
    let mut names: Vec<&str> = Vec::new();
    for format in formats {
        if !names.contains(&format.f()) {
            names.push(format.f());
        }
    }
    json!({
        "name": "f",
        "in": "query",
        "required": false,
        "description": "The format of the answer; without it, the Accept header decides.",
        "schema": { "type": "string", "enum": names },
        "style": "form",
        "explode": false,
    })
}

/// The content of a 200 answer in each of `formats`, `json` being the schema of the JSON ones.
fn content(formats: &[Format], json: &Value) -> Value {
    let mut content = Map::new();
    for format in formats {
        let schema = match format {
            Format::Json | Format::GeoJson | Format::OpenApi | Format::JsonSchema => json.clone(),
            Format::Html | Format::Csv => json!({ "type": "string" }),
            Format::FlatGeobuf => json!({ "type": "string", "format": "binary" }),
        };
        content.insert(format.media_type().to_owned(), json!({ "schema": schema }));
    }
    Value::Object(content)
}

/// The answers of a route: 200 as `ok`, and the refusals it can give.
fn responses(ok_description: &str, ok: Value, refusals: &[&str]) -> Value {
    let mut responses = Map::new();
    responses.insert(
        "200".to_owned(),
        json!({ "description": ok_description, "content": ok }),
    );
    for status in refusals {
        responses.insert((*status).to_owned(), reference("responses", status));
    }
    Value::Object(responses)
}

/// A GET operation.
fn get(id: &str, summary: &str, parameters: Vec<Value>, responses: Value) -> Value {
    json!({ "get": {
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    }})
}

/// Every refusal a metadata route can give.
const METADATA_REFUSALS: &[&str] = &["400", "401", "403", "406", "503"];
/// Every refusal a route of one collection can give.
const COLLECTION_REFUSALS: &[&str] = &["400", "401", "403", "404", "406", "503"];
/// Every refusal a POSTed query can give: those of a collection, and a body too long or of
/// another media type.
const SEARCH_REFUSALS: &[&str] = &["400", "401", "403", "404", "406", "413", "415", "503"];

/// The parameters of the output (every resource of features).
fn output_parameters(formats: &[Format]) -> Vec<Value> {
    let mut parameters = vec![
        f_parameter(formats),
        json!({
            "name": "crs", "in": "query", "required": false,
            "description": "The CRS of the answer's coordinates (CRS84 unless given), as a URI or EPSG:N; the answer names it in Content-Crs.",
            "schema": { "type": "string" },
        }),
        json!({
            "name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
            "description": "The properties each feature carries (all unless given).",
            "schema": { "type": "array", "items": { "type": "string" } },
        }),
        json!({
            "name": "case", "in": "query", "required": false,
            "description": "camera_contacts only: the case number the contacts are asked for, recorded in the audit trail.",
            "schema": { "type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_./-]*$" },
        }),
        json!({
            "name": "reason", "in": "query", "required": false,
            "description": "camera_contacts only: why, recorded in the audit trail.",
            "schema": { "type": "string", "maxLength": 500 },
        }),
    ];
    if formats.contains(&Format::Csv) {
        parameters.push(json!({
            "name": "csv-geometry", "in": "query", "required": false,
            "description": "How CSV gives each position: two columns (lon, lat or x, y) or one WKT column.",
            "schema": { "type": "string", "enum": ["lonlat", "wkt"], "default": "lonlat" },
        }));
    }
    parameters
}

/// The parameters that narrow a query (items and download).
fn query_parameters() -> Vec<Value> {
    let mut parameters = vec![
        json!({
            "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
            "description": "Only cameras in this box: west,south,east,north, in CRS84 unless bbox-crs says otherwise.",
            "schema": { "type": "array", "minItems": 4, "maxItems": 4, "items": { "type": "number" } },
        }),
        json!({
            "name": "bbox-crs", "in": "query", "required": false,
            "description": "The CRS of bbox, as a URI (http://www.opengis.net/def/crs/EPSG/0/2227) or EPSG:N.",
            "schema": { "type": "string" },
        }),
        json!({
            "name": "datetime", "in": "query", "required": false,
            "description": "Only cameras whose entry last changed at this instant or within this interval (RFC 3339; `..` for an open end).",
            "schema": { "type": "string" },
        }),
        json!({
            "name": "filter", "in": "query", "required": false,
            "description": "A CQL2 filter over the queryables (text by default, JSON with filter-lang=cql2-json).",
            "schema": { "type": "string" },
        }),
        json!({
            "name": "filter-lang", "in": "query", "required": false,
            "schema": { "type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text" },
        }),
        json!({
            "name": "filter-crs", "in": "query", "required": false,
            "description": "The CRS of the filter's geometries (CRS84 unless given).",
            "schema": { "type": "string" },
        }),
    ];
    // Simple equality on a queryable (queryables-query-parameters); `views=street` holds when
    // the camera views the street among other things.
    for property in Collection::Cameras
        .properties()
        .iter()
        .filter(|p| p.queryable())
    {
        let mut schema = property_schema(*property);
        if let Some(items) = schema.get("items").cloned() {
            schema = items;
        }
        if let Some(object) = schema.as_object_mut() {
            object.remove("title");
        }
        parameters.push(json!({
            "name": property.name(), "in": "query", "required": false,
            "description": format!("Only cameras whose {} equals this value.", property.name()),
            "schema": schema,
        }));
    }
    parameters
}

/// The OpenAPI 3.0 definition for a server at `base_url`.
pub(crate) fn definition(base_url: &str) -> Value {
    let collection_id = reference("parameters", "collectionId");
    let mut items_parameters = vec![
        collection_id.clone(),
        json!({
            "name": "limit", "in": "query", "required": false,
            "description": format!("Features per page, 1 to {MAX_LIMIT}."),
            "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT },
        }),
        json!({
            "name": "cursor", "in": "query", "required": false,
            "description": "Where the page starts: copy it from a `next` link, never build it.",
            "schema": { "type": "string" },
        }),
        json!({
            "name": "sortby", "in": "query", "required": false, "style": "form", "explode": false,
            "description": "Sort keys, most significant first: a queryable, `-` before it for largest first; the id breaks ties.",
            "schema": { "type": "array", "items": { "type": "string", "pattern": "^[+-]?[a-z_]+$" } },
        }),
    ];
    let mut search_parameters = items_parameters.clone();
    items_parameters.extend(output_parameters(FEATURES));
    items_parameters.extend(query_parameters());
    search_parameters.extend(output_parameters(SEARCH));
    search_parameters.extend(
        query_parameters()
            .into_iter()
            .filter(|p| !p["name"].as_str().is_some_and(|n| n.starts_with("filter"))),
    );
    let mut items = get(
        "getFeatures",
        "A page of features",
        items_parameters,
        responses(
            "A page of features; `next` links to the following one",
            content(FEATURES, &reference("schemas", "featureCollection")),
            COLLECTION_REFUSALS,
        ),
    );
    let filter_body = json!({ "schema": { "type": "object" } });
    items["post"] = json!({
        "operationId": "searchFeatures",
        "summary": "A page of the features a CQL2 JSON filter in the body selects",
        "description": format!("For a filter too long for an address (at most {MAX_FILTER_BYTES} bytes). \
                        The `next` link carries `\"method\": \"POST\"` and the body to send again."),
        "parameters": search_parameters,
        "requestBody": {
            "required": true,
            "content": { CQL2_JSON: filter_body, "application/json": filter_body },
        },
        "responses": responses("A page of features; `next` links to the following one", content(SEARCH, &reference("schemas", "featureCollection")), SEARCH_REFUSALS),
    });
    let mut download_parameters = vec![collection_id.clone()];
    download_parameters.extend(output_parameters(DOWNLOAD));
    download_parameters.extend(query_parameters());
    let mut item_parameters = vec![
        collection_id.clone(),
        json!({
            "name": "featureId", "in": "path", "required": true,
            "description": "The camera id.",
            "schema": { "type": "integer", "format": "int64", "minimum": 1 },
        }),
    ];
    item_parameters.extend(output_parameters(FEATURE));
    let exception = json!({ "content": { "application/json": { "schema": reference("schemas", "exception") } } });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Canvass camera registry – OGC API Features",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Registered private security cameras for GIS and records systems. \
                            Every request needs an API key, sent as a Bearer token or as the \
                            password of HTTP Basic (any user name), or a signed-in session. \
                            `camera_contacts` holds personal data: it needs the pii permission \
                            and every answer is audited.",
            "license": { "name": "AGPL-3.0-or-later" },
        },
        "servers": [{ "url": base_url }],
        "security": [{ "basicAuth": [] }, { "bearerAuth": [] }],
        "paths": {
            "/ogc": get("getLandingPage", "The landing page", vec![f_parameter(METADATA)],
                responses("The landing page", content(METADATA, &reference("schemas", "landingPage")), METADATA_REFUSALS)),
            "/ogc/conformance": get("getConformance", "The conformance classes implemented", vec![f_parameter(METADATA)],
                responses("The conformance declaration", content(METADATA, &reference("schemas", "conformance")), METADATA_REFUSALS)),
            "/ogc/api": get("getApi", "This definition", vec![f_parameter(API)],
                responses("The OpenAPI 3.0 definition", content(API, &json!({ "type": "object" })), METADATA_REFUSALS)),
            "/ogc/collections": get("getCollections", "The collections the caller may read", vec![f_parameter(METADATA)],
                responses("The collections", content(METADATA, &reference("schemas", "collections")), METADATA_REFUSALS)),
            "/ogc/collections/{collectionId}": get("getCollection", "One collection", vec![collection_id.clone(), f_parameter(METADATA)],
                responses("The collection", content(METADATA, &reference("schemas", "collection")), COLLECTION_REFUSALS)),
            "/ogc/collections/{collectionId}/queryables": get("getQueryables", "What a filter may name", vec![collection_id.clone(), f_parameter(SCHEMA)],
                responses("The queryables, as a JSON Schema", content(SCHEMA, &reference("schemas", "queryables")), COLLECTION_REFUSALS)),
            "/ogc/collections/{collectionId}/items": items,
            "/ogc/collections/{collectionId}/items/{featureId}": get("getFeature", "One feature", item_parameters,
                responses("The feature", content(FEATURE, &reference("schemas", "feature")), COLLECTION_REFUSALS)),
            "/ogc/collections/{collectionId}/download": get("getDownload", "Every matching feature in one streamed file (cameras only)", download_parameters,
                responses("Every matching feature", content(DOWNLOAD, &reference("schemas", "featureCollection")), COLLECTION_REFUSALS)),
        },
        "components": {
            "securitySchemes": {
                "basicAuth": { "type": "http", "scheme": "basic", "description": "Any user name, the API key as the password." },
                "bearerAuth": { "type": "http", "scheme": "bearer", "description": "The API key." },
            },
            "parameters": {
                "collectionId": {
                    "name": "collectionId", "in": "path", "required": true,
                    "schema": { "type": "string", "enum": Collection::ALL.iter().map(|c| c.id()).collect::<Vec<_>>() },
                },
            },
            "responses": {
                "400": { "description": "A parameter is wrong; the description says which and why.", "content": exception["content"] },
                "401": {
                    "description": "No credentials, or credentials that are not valid.",
                    "headers": { "WWW-Authenticate": { "schema": { "type": "string" } } },
                    "content": { "application/json": { "schema": reference("schemas", "refusal") } },
                },
                "403": {
                    "description": "The caller's role may not use the API, or the collection needs the pii permission.",
                    "content": { "application/json": { "schema": { "oneOf": [reference("schemas", "exception"), reference("schemas", "refusal")] } } },
                },
                "404": { "description": "No such collection or feature.", "content": exception["content"] },
                "406": { "description": "None of the formats in Accept is available.", "content": exception["content"] },
                "413": { "description": "The filter in the body is too long.", "content": exception["content"] },
                "415": { "description": "The body is not CQL2 JSON.", "content": exception["content"] },
                "503": { "description": "The camera index is still loading, or the database is unavailable.", "content": exception["content"] },
            },
            "schemas": schemas(),
        },
    })
}

/// The schemas of every body.
fn schemas() -> Value {
    let mut properties = Map::new();
    for property in Property::ALL {
        let mut schema = property_schema(*property);
        if property.nullable() {
            schema["nullable"] = json!(true);
        }
        properties.insert(property.name().to_owned(), schema);
    }
    json!({
        "exception": {
            "type": "object",
            "required": ["code", "description"],
            "properties": { "code": { "type": "string" }, "description": { "type": "string" } },
        },
        "refusal": {
            "type": "object",
            "required": ["error"],
            "properties": { "error": { "type": "string" } },
        },
        "link": {
            "type": "object",
            "required": ["href", "rel"],
            "properties": {
                "href": { "type": "string" },
                "rel": { "type": "string" },
                "type": { "type": "string" },
                "title": { "type": "string" },
                "method": { "type": "string", "enum": ["POST"] },
                "body": { "type": "object" },
            },
        },
        "links": { "type": "array", "items": reference("schemas", "link") },
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": { "type": "string" },
                "description": { "type": "string" },
                "links": reference("schemas", "links"),
            },
        },
        "conformance": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": { "conformsTo": { "type": "array", "items": { "type": "string" } } },
        },
        "collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": { "type": "string" },
                "title": { "type": "string" },
                "description": { "type": "string" },
                "itemType": { "type": "string" },
                "crs": { "type": "array", "items": { "type": "string" } },
                "storageCrs": { "type": "string" },
                "extent": {
                    "type": "object",
                    "properties": {
                        "spatial": {
                            "type": "object",
                            "properties": {
                                "bbox": {
                                    "type": "array",
                                    "items": { "type": "array", "minItems": 4, "maxItems": 4, "items": { "type": "number" } },
                                },
                                "crs": { "type": "string" },
                            },
                        },
                    },
                },
                "links": reference("schemas", "links"),
            },
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": reference("schemas", "links"),
                "collections": { "type": "array", "items": reference("schemas", "collection") },
                "crs": { "type": "array", "items": { "type": "string" } },
            },
        },
        "queryables": {
            "type": "object",
            "required": ["type", "properties"],
            "properties": {
                "$schema": { "type": "string" },
                "$id": { "type": "string" },
                "type": { "type": "string", "enum": ["object"] },
                "title": { "type": "string" },
                "properties": { "type": "object" },
                "additionalProperties": { "type": "boolean" },
            },
        },
        "point": {
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {
                "type": { "type": "string", "enum": ["Point"] },
                "coordinates": { "type": "array", "minItems": 2, "maxItems": 3, "items": { "type": "number" } },
            },
        },
        "properties": {
            "type": "object",
            "description": "The camera's properties (those chosen with `properties`); camera_contacts adds the owner's.",
            "properties": properties,
        },
        "feature": {
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": { "type": "string", "enum": ["Feature"] },
                "id": { "type": "integer" },
                "geometry": reference("schemas", "point"),
                "properties": reference("schemas", "properties"),
                "links": reference("schemas", "links"),
            },
        },
        "featureCollection": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": { "type": "string", "enum": ["FeatureCollection"] },
                "features": { "type": "array", "items": reference("schemas", "feature") },
                "numberMatched": { "type": "integer", "minimum": 0 },
                "numberReturned": { "type": "integer", "minimum": 0 },
                "timeStamp": { "type": "string", "format": "date-time" },
                "links": reference("schemas", "links"),
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_area_is_described() {
        let definition = definition("http://127.0.0.1:8080");
        let paths = definition["paths"].as_object().unwrap();
        let routes: Vec<&str> = crate::ogc::routes::<crate::AppState>()
            .policies()
            .into_iter()
            .map(|(path, _)| path)
            // An alias of /ogc for clients that add a slash, not an operation of its own.
            .filter(|path| *path != "/ogc/")
            .collect();
        for route in &routes {
            assert!(
                paths.contains_key(*route),
                "{route} is not in the definition"
            );
        }
        for path in paths.keys() {
            assert!(routes.contains(&path.as_str()), "{path} is not a route");
        }
        // Every reference points at something.
        let text = definition.to_string();
        for part in text.split("\"#/components/").skip(1) {
            let target = &part[..part.find('"').unwrap()];
            let (section, name) = target.split_once('/').unwrap();
            assert!(
                !definition["components"][section][name].is_null(),
                "{target} is not defined"
            );
        }
    }
}
