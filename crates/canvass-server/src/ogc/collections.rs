//! The metadata documents: the landing page, the conformance declaration, the collections and
//! their queryables, in JSON and HTML.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use canvass_feeds::Collection;
use serde_json::{Value, json};

use super::access::{collection_for, may_read};
use super::catalog::{
    CONFORMS_TO, CRS84, LISTED_CRS, QUERYABLES_REL, description, property_schema, title,
};
use super::exception::Exception;
use super::format::{self, Format, METADATA, SCHEMA, vary_accept};
use super::html;
use super::links::{link, self_and_alternates, with_query};
use super::state::OgcState;
use crate::http::{ClientInfo, Principal};

/// Answers `document` as JSON, or the page `page` builds, with `Vary: Accept`.
fn answer(format: Format, document: Value, page: impl FnOnce(&Value) -> String) -> Response {
    let mut response = match format {
        Format::Html => Html(page(&document)).into_response(),
        other => {
            let mut response = Json(document).into_response();
            if let Ok(value) = HeaderValue::from_str(other.content_type()) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
        }
    };
    vary_accept(&mut response);
    response
}

/// `GET /ogc`: the landing page.
pub(crate) async fn landing(
    State(state): State<OgcState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let format = format::negotiate(
        format::f_of(query.as_deref()).as_deref(),
        &headers,
        METADATA,
    )?;
    let mut links = self_and_alternates(&state.url("/ogc"), &[], format, METADATA, "This page");
    links.push(link(
        state.url("/ogc/api"),
        "service-desc",
        Format::OpenApi,
        "The API definition (OpenAPI 3.0)",
    ));
    for rel in [
        "conformance",
        "http://www.opengis.net/def/rel/ogc/1.0/conformance",
    ] {
        links.push(link(
            state.url("/ogc/conformance"),
            rel,
            Format::Json,
            "The conformance classes this API implements",
        ));
    }
    for rel in ["data", "http://www.opengis.net/def/rel/ogc/1.0/data"] {
        links.push(link(
            state.url("/ogc/collections"),
            rel,
            Format::Json,
            "The collections",
        ));
    }
    let document = json!({
        "title": "Canvass camera registry",
        "description": "Registered private security cameras, as OGC API – Features, for GIS \
                        and records systems. Every request needs an API key (Bearer, or the \
                        password of HTTP Basic) or a signed-in session.",
        "links": links,
    });
    Ok(answer(format, document, html::landing))
}

/// `GET /ogc/conformance`.
pub(crate) async fn conformance(
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let format = format::negotiate(
        format::f_of(query.as_deref()).as_deref(),
        &headers,
        METADATA,
    )?;
    let document = json!({ "conformsTo": CONFORMS_TO });
    Ok(answer(format, document, html::conformance))
}

/// `GET /ogc/collections`: the collections the caller may read.
pub(crate) async fn collections(
    State(state): State<OgcState>,
    principal: Principal,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let format = format::negotiate(
        format::f_of(query.as_deref()).as_deref(),
        &headers,
        METADATA,
    )?;
    let url = state.url("/ogc/collections");
    let listed: Vec<Value> = Collection::ALL
        .iter()
        .copied()
        .filter(|c| may_read(&principal, *c))
        .map(|c| describe(&state, c))
        .collect();
    let document = json!({
        "links": self_and_alternates(&url, &[], format, METADATA, "The collections"),
        "collections": listed,
        "crs": LISTED_CRS,
    });
    Ok(answer(format, document, html::collections))
}

/// `GET /ogc/collections/{collectionId}`.
pub(crate) async fn collection(
    State(state): State<OgcState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let format = format::negotiate(
        format::f_of(query.as_deref()).as_deref(),
        &headers,
        METADATA,
    )?;
    let collection = collection_for(&state, &principal, &client, &id).await?;
    let mut document = describe(&state, collection);
    let url = state.url(&format!("/ogc/collections/{collection}"));
    if let Some(links) = document.get_mut("links").and_then(Value::as_array_mut) {
        let own = self_and_alternates(&url, &[], format, METADATA, title(collection));
        // The collection's own self link replaces the one the list gives it.
        links.retain(|l| l["rel"] != "self");
        for (i, link) in own.into_iter().enumerate() {
            links.insert(i, json!(link));
        }
    }
    let queryables = queryables_schema(&state, collection);
    Ok(answer(format, document, |d| {
        html::collection(d, &queryables)
    }))
}

/// A collection as the collections list and its own document describe it.
fn describe(state: &OgcState, collection: Collection) -> Value {
    let url = state.url(&format!("/ogc/collections/{collection}"));
    let items = format!("{url}/items");
    let mut links = vec![link(
        with_query(&url, [], Format::Json),
        "self",
        Format::Json,
        title(collection),
    )];
    for format in format::FEATURES.iter().copied() {
        links.push(link(
            with_query(&items, [], format),
            "items",
            format,
            format!("The cameras ({}, by pages)", format.title()),
        ));
    }
    links.push(link(
        with_query(&format!("{url}/queryables"), [], Format::JsonSchema),
        QUERYABLES_REL,
        Format::JsonSchema,
        "The properties a filter, sortby or properties may name",
    ));
    if collection == Collection::Cameras {
        for format in format::DOWNLOAD.iter().copied() {
            links.push(link(
                with_query(&format!("{url}/download"), [], format),
                "enclosure",
                format,
                format!("Every camera in one {} file, streamed", format.title()),
            ));
        }
    }
    let mut document = json!({
        "id": collection.id(),
        "title": title(collection),
        "description": description(collection),
        "itemType": "feature",
        "crs": LISTED_CRS,
        "storageCrs": CRS84,
        "links": links,
    });
    let bounds = state.tiles.snapshot().ok().and_then(|s| s.bounds_lon_lat());
    if let Some(bbox) = bounds {
        document["extent"] = json!({ "spatial": { "bbox": [bbox], "crs": CRS84 } });
    }
    document
}

/// `GET /ogc/collections/{collectionId}/queryables`: a JSON Schema of what a filter may name.
pub(crate) async fn queryables(
    State(state): State<OgcState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let format = format::negotiate(format::f_of(query.as_deref()).as_deref(), &headers, SCHEMA)?;
    let collection = collection_for(&state, &principal, &client, &id).await?;
    let document = queryables_schema(&state, collection);
    Ok(answer(format, document, html::queryables))
}

/// The queryables of `collection` as a JSON Schema (OGC API – Features – Part 3, 6.2).
fn queryables_schema(state: &OgcState, collection: Collection) -> Value {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "geometry".to_owned(),
        json!({
            "title": "Position of the camera (for S_INTERSECTS)",
            "format": "geometry-point",
        }),
    );
    for property in collection.properties().iter().filter(|p| p.queryable()) {
        properties.insert(property.name().to_owned(), property_schema(*property));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": state.url(&format!("/ogc/collections/{collection}/queryables")),
        "type": "object",
        "title": title(collection),
        "properties": properties,
        "additionalProperties": false,
    })
}
