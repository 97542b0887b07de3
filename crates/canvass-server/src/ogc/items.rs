//! `GET /ogc/collections/{collectionId}/items` (pages of features, with `next` links that carry
//! a sealed keyset cursor) and `…/items/{featureId}` (one feature).
//!
//! `cameras` is answered from the in-memory index on a blocking thread; `camera_contacts` by
//! the SQL executor, which writes the audit row listing the disclosed camera ids in the same
//! transaction as the read. Pages are encoded on a blocking thread too: the encoders hold a
//! PROJ transformation, which must stay on the thread that made it.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::DbError;
use canvass_db::audit::Event;
use canvass_db::features::Disclosure;
use canvass_feeds::crs::Crs;
use canvass_feeds::encode::{self, EncodeError, Output, PageInfo};
use canvass_feeds::filter::MAX_FILTER_BYTES;
use canvass_feeds::{
    CameraFeature, Collection, CompareOp, Cursor, Filter, Page, Property, Value, parse_cql2_json,
};
use chrono::Utc;

use super::access::collection_for;
use super::catalog::title;
use super::exception::Exception;
use super::format::{self, FEATURE, FEATURES, Format, SEARCH, vary_accept};
use super::html;
use super::links::{link, with_query};
use super::request::{self, FeatureRequest, Resource};
use super::state::OgcState;
use crate::http::{ClientInfo, Principal, Refusal};

/// The media type of CQL2 JSON (OGC 21-065, CQL2).
pub(crate) const CQL2_JSON: &str = "application/query-cql-json";

/// The audit action of an answer that disclosed contacts.
const DISCLOSE_ACTION: &str = "features.disclose";

/// `GET /ogc/collections/{collectionId}/items`.
pub(crate) async fn items(
    State(state): State<OgcState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let collection = collection_for(&state, &principal, &client, &id).await?;
    let request = request::parse(collection, Resource::Items, raw.as_deref())?;
    let format = format::negotiate(request.f.as_deref(), &headers, FEATURES)?;
    page(&state, &principal, &client, request, format, None).await
}

/// `POST /ogc/collections/{collectionId}/items`: a page as GET answers it, with a CQL2 JSON
/// filter as the body, for a filter too long for an address (a polygon of thousands of
/// vertices). Its `next` link says to POST the same body again; HTML is not offered, since a
/// browser cannot follow such a link.
pub(crate) async fn search(
    State(state): State<OgcState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Exception> {
    let collection = collection_for(&state, &principal, &client, &id).await?;
    let text = filter_body(&headers, body).await?;
    let mut request = request::parse(collection, Resource::Search, raw.as_deref())?;
    let format = format::negotiate(request.f.as_deref(), &headers, SEARCH)?;
    let filter = parse_cql2_json(collection, &text)?;
    // The filter was read by our parser, which bounds its depth, so serde_json's own
    // recursion limit cannot be what refuses it here.
    let repost: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Exception::bad_request(format!("the filter is not JSON: {e}")))?;
    request.query.filter = Filter::all(request.query.filter.take().into_iter().chain([filter]));
    page(&state, &principal, &client, request, format, Some(repost)).await
}

/// The body of a `POST …/items`: CQL2 JSON of at most [`MAX_FILTER_BYTES`], read no further.
async fn filter_body(headers: &HeaderMap, body: Body) -> Result<String, Exception> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(media_type.as_deref(), Some(CQL2_JSON | "application/json")) {
        return Err(Exception::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "the body of a POST is a CQL2 JSON filter, sent as {CQL2_JSON} or application/json"
            ),
        ));
    }
    let too_large = || {
        Exception::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the filter is longer than {MAX_FILTER_BYTES} bytes, the most accepted"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_FILTER_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_FILTER_BYTES)
        .await
        .map_err(|_| too_large())?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Exception::bad_request("the filter is not UTF-8 text"))
}

/// A page of `request` in `format`, with its links; `repost` is the body a POSTed query's
/// `next` link carries.
async fn page(
    state: &OgcState,
    principal: &Principal,
    client: &ClientInfo,
    request: FeatureRequest,
    format: Format,
    repost: Option<serde_json::Value>,
) -> Result<Response, Exception> {
    let collection = request.query.collection;
    let after = request
        .cursor
        .as_deref()
        .map(|text| state.cursor_key().open(text, &request.query))
        .transpose()?;
    let page = execute(state, principal, client, &request, after).await?;
    let url = state.url(&format!("/ogc/collections/{collection}/items"));
    let next = page
        .next
        .as_ref()
        .map(|cursor| state.cursor_key().seal(cursor, &request.query));
    let mut links = page_links(state, &url, &request, format, next.as_deref());
    if let Some(body) = repost {
        // Every link of this page names a query that only the body completes.
        for link in links.iter_mut().filter(|l| l.rel != "collection") {
            link.method = Some("POST".to_owned());
            link.body = Some(body.clone());
        }
        links.retain(|l| l.media_type.as_deref() != Some(Format::Html.media_type()));
    }
    let first_page = request
        .cursor
        .is_some()
        .then(|| with_query(&url, request.link_pairs(), format));
    let answer = Answer {
        first_page,
        request,
        format,
        features: page.features,
        number_matched: page.number_matched,
        links,
    };
    answer.respond().await
}

/// `GET /ogc/collections/{collectionId}/items/{featureId}`.
pub(crate) async fn item(
    State(state): State<OgcState>,
    principal: Principal,
    client: ClientInfo,
    Path((id, feature_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let collection = collection_for(&state, &principal, &client, &id).await?;
    let mut request = request::parse(collection, Resource::Item, raw.as_deref())?;
    let format = format::negotiate(request.f.as_deref(), &headers, FEATURE)?;
    let not_found = || {
        Exception::new(
            StatusCode::NOT_FOUND,
            format!(
                "{collection} has no feature {:?} (unknown, or not active)",
                canvass_feeds::error::cut(&feature_id)
            ),
        )
    };
    let camera_id = feature_id
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(not_found)?;
    request.query.filter = Some(Filter::Compare {
        property: Property::Id,
        op: CompareOp::Eq,
        value: Value::Integer(camera_id),
    });
    let page = execute(&state, &principal, &client, &request, None).await?;
    if page.features.is_empty() {
        return Err(not_found());
    }
    let url = state.url(&format!("/ogc/collections/{collection}/items/{camera_id}"));
    let pairs = request.link_pairs();
    let mut links = Vec::new();
    for other in FEATURE.iter().copied() {
        let rel = if other == format { "self" } else { "alternate" };
        links.push(link(
            with_query(&url, pairs.iter().copied(), other),
            rel,
            other,
            format!("Camera {camera_id} ({})", other.title()),
        ));
    }
    links.push(link(
        state.url(&format!("/ogc/collections/{collection}?f=json")),
        "collection",
        Format::Json,
        title(collection),
    ));
    let answer = Answer {
        first_page: None,
        request,
        format,
        features: page.features,
        number_matched: None,
        links,
    };
    answer.respond_one().await
}

/// Runs the query on the collection's executor.
async fn execute(
    state: &OgcState,
    principal: &Principal,
    client: &ClientInfo,
    request: &FeatureRequest,
    after: Option<Cursor>,
) -> Result<Page, Exception> {
    match request.query.collection {
        Collection::Cameras => {
            let snapshot = state
                .tiles
                .snapshot()
                .map_err(|e| Exception::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
            let query = request.query.clone();
            tokio::task::spawn_blocking(move || {
                canvass_tiles::features::page(&snapshot, &query, after.as_ref())
            })
            .await
            .map_err(|e| internal("the page could not be made", e))
        }
        Collection::CameraContacts => {
            let event = Event {
                case_number: request.case.clone(),
                reason: request.reason.clone(),
                ..client.event(principal.actor.clone(), DISCLOSE_ACTION)
            };
            let disclosure = Disclosure {
                event,
                opener: Some(&*state.keys),
            };
            let mut db = state.db.client().await.map_err(Refusal::unavailable)?;
            canvass_db::features::page(
                &mut db,
                &request.query,
                after.as_ref(),
                true,
                Some(&disclosure),
            )
            .await
            .map_err(database)
        }
    }
}

/// A database failure as the caller should see it: their mistake (400), a contact the keys
/// cannot open (500), or the database unavailable (503).
pub(crate) fn database(error: DbError) -> Exception {
    match error {
        DbError::Query(query) => Exception::from(query),
        DbError::Seal(_) => internal(
            "contact details cannot be decrypted with the configured key",
            error,
        ),
        other => Refusal::unavailable(other).into(),
    }
}

/// 500 with its cause logged.
pub(crate) fn internal(
    message: &'static str,
    cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> Exception {
    Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, message)
        .caused_by(cause)
        .into()
}

/// An encoder's failure: a position the asked CRS cannot hold is the caller's choice (400);
/// anything else is ours.
pub(crate) fn encoding(error: EncodeError) -> Exception {
    match error {
        EncodeError::Crs(e) | EncodeError::Position { source: e, .. } => Exception::from(e),
        other => internal("the answer could not be encoded", other),
    }
}

/// The links of a page: itself and its other formats (same parameters, same cursor), the
/// next page, and the collection.
fn page_links(
    state: &OgcState,
    url: &str,
    request: &FeatureRequest,
    answered: Format,
    next: Option<&str>,
) -> Vec<encode::Link> {
    let mut pairs = request.link_pairs();
    let current = request.cursor.as_deref();
    let mut links = Vec::new();
    let with_cursor = |pairs: &[(&str, &str)], cursor: Option<&str>, format: Format| {
        let mut all = pairs.to_vec();
        if let Some(cursor) = cursor {
            all.push(("cursor", cursor));
        }
        with_query(url, all, format)
    };
    links.push(link(
        with_cursor(&pairs, current, answered),
        "self",
        answered,
        format!("This page ({})", answered.title()),
    ));
    for other in FEATURES.iter().copied().filter(|f| *f != answered) {
        links.push(link(
            with_cursor(&pairs, current, other),
            "alternate",
            other,
            format!("This page as {}", other.title()),
        ));
    }
    if let Some(next) = next {
        links.push(link(
            with_cursor(&pairs, Some(next), answered),
            "next",
            answered,
            "The next page",
        ));
    }
    pairs.clear();
    links.push(link(
        state.url(&format!(
            "/ogc/collections/{}?f=json",
            request.query.collection
        )),
        "collection",
        Format::Json,
        title(request.query.collection),
    ));
    links
}

/// What an answer is made of, encoded on a blocking thread.
struct Answer {
    request: FeatureRequest,
    format: Format,
    features: Vec<CameraFeature>,
    number_matched: Option<u64>,
    links: Vec<encode::Link>,
    /// The first page's address, on a page after it.
    first_page: Option<String>,
}

impl Answer {
    /// A page of features in its format.
    async fn respond(self) -> Result<Response, Exception> {
        let crs = self.request.crs.clone();
        let format = self.format;
        let body = tokio::task::spawn_blocking(move || self.encode_page())
            .await
            .map_err(|e| internal("the page could not be encoded", e))??;
        Ok(respond(format, &crs, body))
    }

    /// One feature in its format.
    async fn respond_one(self) -> Result<Response, Exception> {
        let crs = self.request.crs.clone();
        let format = self.format;
        let body = tokio::task::spawn_blocking(move || self.encode_one())
            .await
            .map_err(|e| internal("the feature could not be encoded", e))??;
        Ok(respond(format, &crs, body))
    }

    fn output(&self, encoding: encode::Format) -> Result<Output, Exception> {
        Ok(Output::new(
            self.request.query.collection,
            self.request.query.properties.as_deref(),
            encoding,
            self.request.crs.clone(),
        )?)
    }

    fn view(&self) -> html::FeaturesView<'_> {
        html::FeaturesView {
            collection: self.request.query.collection,
            properties: self
                .request
                .query
                .properties
                .as_deref()
                .unwrap_or(self.request.query.collection.properties()),
            crs: &self.request.crs,
            features: &self.features,
            number_matched: self.number_matched,
            links: &self.links,
            first_page: self.first_page.as_deref(),
        }
    }

    fn encode_page(self) -> Result<Vec<u8>, Exception> {
        let written = match self.format {
            Format::Html => return html::items(&self.view()).map(String::into_bytes),
            Format::Csv => encode::Format::Csv(self.request.csv_geometry),
            Format::FlatGeobuf => encode::Format::FlatGeobuf { indexed: false },
            _ => encode::Format::GeoJson,
        };
        let output = self.output(written)?;
        let mut body = Vec::new();
        let mut sink = encode::sink(&output, &mut body).map_err(encoding)?;
        for feature in &self.features {
            sink.feature(feature).map_err(encoding)?;
        }
        sink.finish(&PageInfo {
            number_matched: self.number_matched,
            links: self.links,
            time_stamp: Some(Utc::now()),
        })
        .map_err(encoding)?;
        Ok(body)
    }

    /// One feature: HTML, or the GeoJSON encoder's feature with the item's links.
    fn encode_one(self) -> Result<Vec<u8>, Exception> {
        if self.format == Format::Html {
            return html::item(&self.view()).map(String::into_bytes);
        }
        let output = self.output(encode::Format::GeoJson)?;
        let mut collection = Vec::new();
        let mut sink = encode::sink(&output, &mut collection).map_err(encoding)?;
        for feature in &self.features {
            sink.feature(feature).map_err(encoding)?;
        }
        sink.finish(&PageInfo::default()).map_err(encoding)?;
        let mut document: serde_json::Value = serde_json::from_slice(&collection)
            .map_err(|e| internal("the feature could not be encoded", e))?;
        let mut feature = document["features"][0].take();
        feature["links"] = serde_json::json!(self.links);
        serde_json::to_vec(&feature).map_err(|e| internal("the feature could not be encoded", e))
    }
}

/// The response: body, content type, `Content-Crs` and `Vary: Accept`.
fn respond(format: Format, crs: &Crs, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        headers.insert("content-crs", value);
    }
    vary_accept(&mut response);
    response
}
