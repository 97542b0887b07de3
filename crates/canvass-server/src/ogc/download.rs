//! `GET /ogc/collections/cameras/download?f=fgb|geojson|csv`: every matching camera in one
//! file, streamed in constant memory.
//!
//! `/items` pages (at most 10,000 features each); a records system or an analyst who wants
//! the whole registry gets it here, with the same filter, bbox and crs parameters. A blocking
//! task reads the snapshot it holds a block of cameras at a time, writes them with the
//! encoder (which flushes every 64 KB) into a channel of a few chunks, and the response body
//! is that channel: a slow reader slows the writer instead of filling memory. FlatGeobuf comes
//! with its packed R-tree index.
//!
//! `camera_contacts` has no download: disclosing every owner's contact at once is an export
//! for a case, made with `canvass export --pii --case N`, which the administrator runs and the
//! audit trail records.

use std::io::{self, Write};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canvass_db::change_feed::FeedCursor;
use canvass_feeds::crs::{AxisOrder, Transform};
use canvass_feeds::encode::{self, Output, PageInfo};
use canvass_feeds::{Collection, Filter};
use canvass_tiles::features::Matching;
use canvass_tiles::{LonLat, Snapshot};
use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use super::access::collection_for;
use super::exception::Exception;
use super::format::{self, DOWNLOAD, Format, vary_accept};
use super::items::{encoding, internal};
use super::request::{self, Resource};
use super::state::OgcState;
use crate::http::{ClientInfo, Principal};

/// Chunks (of about 64 KB) waiting for the reader: what one download holds in memory.
const CHUNKS_IN_FLIGHT: usize = 4;
/// The change feed's `after=` from which a copy made of this download stays exact: the feed
/// from there holds every change the file may lack (and some it has, applied again harmlessly).
const CHANGES_CURSOR: &str = "canvass-changes-cursor";

/// Cameras read from the snapshot per block.
const BLOCK: usize = 4_096;

/// `GET /ogc/collections/{collectionId}/download`.
pub(crate) async fn download(
    State(state): State<OgcState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Exception> {
    let collection = collection_for(&state, &principal, &client, &id).await?;
    if collection != Collection::Cameras {
        return Err(Exception::new(
            StatusCode::NOT_FOUND,
            format!(
                "{collection} has no download: every owner's contact at once is an export for a \
                 case, made with `canvass export --pii --case N` and recorded in the audit trail"
            ),
        ));
    }
    let request = request::parse(collection, Resource::Download, raw.as_deref())?;
    let format = format::negotiate(request.f.as_deref(), &headers, DOWNLOAD)?;
    let encoding_format = match format {
        Format::FlatGeobuf => encode::Format::FlatGeobuf { indexed: true },
        Format::Csv => encode::Format::Csv(request.csv_geometry),
        _ => encode::Format::GeoJson,
    };
    let output = Output::new(
        collection,
        request.query.properties.as_deref(),
        encoding_format,
        request.crs.clone(),
    )?;
    let snapshot = state
        .tiles
        .snapshot()
        .map_err(|e| Exception::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    // Only a whole copy can be kept by the feed, which names every camera.
    let resume = request
        .query
        .filter
        .is_none()
        .then(|| FeedCursor::resuming(snapshot.watermark()));
    let (chunks, body) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let (started, start) = oneshot::channel();
    let filter = request.query.filter.clone();
    tokio::task::spawn_blocking(move || write_all(&output, snapshot, filter, chunks, started));
    // The encoder is made (and its CRS checked) before the answer's status is decided.
    start
        .await
        .map_err(|e| internal("the download could not start", e))??;
    let stream = futures_util::stream::unfold(body, |mut body| async move {
        body.recv().await.map(|chunk| (chunk, body))
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("<{}>", request.crs.uri())) {
        headers.insert("content-crs", value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{collection}.{}\"",
        encoding_format.extension()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(Ok(value)) = resume.map(|r| HeaderValue::from_str(&r.to_string())) {
        headers.insert(CHANGES_CURSOR, value);
    }
    vary_accept(&mut response);
    Ok(response)
}

/// Writes every camera of `snapshot` that matches `filter` into `chunks`; says on `started`
/// whether the encoder could be made. A failure after that can only cut the body short.
fn write_all(
    output: &Output,
    snapshot: Arc<Snapshot>,
    filter: Option<Filter>,
    chunks: mpsc::Sender<Result<Bytes, io::Error>>,
    started: oneshot::Sender<Result<(), Exception>>,
) {
    let writer = ChunkWriter {
        chunks: chunks.clone(),
    };
    let mut sink = match encode::sink(output, writer) {
        Ok(sink) => sink,
        Err(e) => {
            let _ = started.send(Err(encoding(e)));
            return;
        }
    };
    // A CRS that cannot hold the cameras is refused before the answer starts, rather than
    // cutting the file short at the first camera outside its area.
    if let Err(refused) = holds_the_cameras(output, &snapshot) {
        let _ = started.send(Err(refused));
        return;
    }
    if started.send(Ok(())).is_err() {
        return;
    }
    let mut matching = Matching::new(snapshot, filter);
    let mut block = Vec::with_capacity(BLOCK);
    let written = loop {
        let more = matching.read(BLOCK, &mut block);
        if let Some(error) = block.drain(..).find_map(|f| sink.feature(&f).err()) {
            break Err(error);
        }
        if !more {
            break sink.finish(&PageInfo {
                time_stamp: Some(Utc::now()),
                ..PageInfo::default()
            });
        }
    };
    if let Err(error) = written {
        // The reader went away, or a camera cannot be written in the asked CRS: the body is
        // cut short so that the client cannot take a partial file for a whole one.
        tracing::info!(%error, "download ended early");
        let _ = chunks.blocking_send(Err(io::Error::other("the download ended early")));
    }
}

/// Whether the output CRS can give the corners of the cameras' extent.
fn holds_the_cameras(output: &Output, snapshot: &Snapshot) -> Result<(), Exception> {
    let Some([west, south, east, north]) = snapshot.bounds_lon_lat() else {
        return Ok(());
    };
    let transform = Transform::new(output.crs(), AxisOrder::EastNorth)?;
    for (lon, lat) in [(west, south), (west, north), (east, south), (east, north)] {
        if let Ok(corner) = LonLat::new(lon, lat) {
            transform.apply(corner)?;
        }
    }
    Ok(())
}

/// Hands each write to the response body as one chunk, waiting while the reader is behind.
struct ChunkWriter {
    chunks: mpsc::Sender<Result<Bytes, io::Error>>,
}

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.chunks
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reader went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
