//! Which representation a request gets: `f=` when given, else the `Accept` header (quality
//! values and wildcards, most specific range first), else the resource's first format.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::exception::Exception;

/// A representation the OGC API writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// A JSON document (landing page, conformance, collections, queryables).
    Json,
    /// A page for people.
    Html,
    /// GeoJSON features.
    GeoJson,
    /// FlatGeobuf features.
    FlatGeobuf,
    /// CSV, one row per feature.
    Csv,
    /// The OpenAPI 3.0 document.
    OpenApi,
    /// A JSON Schema (the queryables).
    JsonSchema,
}

/// The formats of metadata documents.
pub(crate) const METADATA: &[Format] = &[Format::Json, Format::Html];
/// The formats of a page of features.
pub(crate) const FEATURES: &[Format] = &[
    Format::GeoJson,
    Format::Html,
    Format::FlatGeobuf,
    Format::Csv,
];
/// The formats of a page of a POSTed query: those of a page but HTML.
pub(crate) const SEARCH: &[Format] = &[Format::GeoJson, Format::FlatGeobuf, Format::Csv];
/// The formats of one feature.
pub(crate) const FEATURE: &[Format] = &[Format::GeoJson, Format::Html];
/// The formats of a whole-collection download.
pub(crate) const DOWNLOAD: &[Format] = &[Format::FlatGeobuf, Format::GeoJson, Format::Csv];
/// The format of the API definition.
pub(crate) const API: &[Format] = &[Format::OpenApi];
/// The formats of the queryables.
pub(crate) const SCHEMA: &[Format] = &[Format::JsonSchema, Format::Html];

/// The most `Accept` ranges looked at; a longer header is cut there.
const MAX_RANGES: usize = 64;

impl Format {
    /// The `Content-Type` it is answered with.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
            Format::GeoJson => "application/geo+json",
            Format::FlatGeobuf => "application/flatgeobuf",
            Format::Csv => "text/csv; charset=utf-8",
            Format::OpenApi => "application/vnd.oai.openapi+json;version=3.0",
            Format::JsonSchema => "application/schema+json",
        }
    }

    /// The media type links announce (the content type without parameters).
    pub(crate) fn media_type(self) -> &'static str {
        let full = self.content_type();
        full.split(';').next().unwrap_or(full)
    }

    /// Its `f=` value in links.
    pub(crate) fn f(self) -> &'static str {
        match self {
            Format::Json | Format::OpenApi | Format::JsonSchema => "json",
            Format::Html => "html",
            Format::GeoJson => "geojson",
            Format::FlatGeobuf => "fgb",
            Format::Csv => "csv",
        }
    }

    /// A title for links and pages.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Html => "HTML",
            Format::GeoJson => "GeoJSON",
            Format::FlatGeobuf => "FlatGeobuf",
            Format::Csv => "CSV",
            Format::OpenApi => "OpenAPI 3.0 (JSON)",
            Format::JsonSchema => "JSON Schema",
        }
    }

    /// The `f=` values that name it.
    fn names(self) -> &'static [&'static str] {
        match self {
            Format::Json => &["json"],
            Format::Html => &["html"],
            Format::GeoJson => &["geojson", "json"],
            Format::FlatGeobuf => &["fgb", "flatgeobuf"],
            Format::Csv => &["csv"],
            Format::OpenApi => &["json", "openapi"],
            Format::JsonSchema => &["json"],
        }
    }

    /// The media types an `Accept` range may name it by.
    fn media_types(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Format::Json => &[("application", "json")],
            Format::Html => &[("text", "html"), ("application", "xhtml+xml")],
            Format::GeoJson => &[("application", "geo+json"), ("application", "json")],
            Format::FlatGeobuf => &[("application", "flatgeobuf")],
            Format::Csv => &[("text", "csv")],
            Format::OpenApi => &[
                ("application", "vnd.oai.openapi+json"),
                ("application", "json"),
            ],
            Format::JsonSchema => &[("application", "schema+json"), ("application", "json")],
        }
    }
}

/// Every OGC answer depends on `Accept` (the access layer adds the credentials).
pub(crate) fn vary_accept(response: &mut Response) {
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept"));
}

/// The `f` parameter of a query string, if it has one.
pub(crate) fn f_of(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "f")
        .map(|(_, value)| value.into_owned())
}

/// The format of the answer among `offered` (the first is the default).
pub(crate) fn negotiate(
    f: Option<&str>,
    headers: &HeaderMap,
    offered: &[Format],
) -> Result<Format, Exception> {
    let default = offered.first().copied().unwrap_or(Format::Json);
    if let Some(f) = f {
        return offered
            .iter()
            .copied()
            .find(|format| format.names().iter().any(|n| n.eq_ignore_ascii_case(f)))
            .ok_or_else(|| {
                Exception::bad_request(format!(
                    "f: {:?} is not a format of this resource; use one of {}",
                    canvass_feeds::error::cut(f),
                    offered.iter().map(|o| o.f()).collect::<Vec<_>>().join(", ")
                ))
            });
    }
    let ranges = accept_ranges(headers);
    if ranges.is_empty() {
        return Ok(default);
    }
    let mut best: Option<(Format, f32)> = None;
    for format in offered.iter().copied() {
        let q = quality(format, &ranges);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((format, q));
        }
    }
    best.map(|(format, _)| format).ok_or_else(|| {
        Exception::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "this resource is available as {}; ask for one of them in Accept or with f=",
                offered
                    .iter()
                    .map(|o| o.media_type())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// One `Accept` range: type, subtype and quality.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    kind: String,
    subtype: String,
    q: f32,
}

fn accept_ranges(headers: &HeaderMap) -> Vec<Range> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .take(MAX_RANGES)
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let (kind, subtype) = parts.next()?.split_once('/')?;
            let q = parts
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .find_map(|q| q.parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .map_or(1.0, |q| q.clamp(0.0, 1.0));
            Some(Range {
                kind: kind.trim().to_ascii_lowercase(),
                subtype: subtype.trim().to_ascii_lowercase(),
                q,
            })
        })
        .collect()
}

/// The quality the most specific range naming `format` gives it (0 when none does).
fn quality(format: Format, ranges: &[Range]) -> f32 {
    let mut best: Option<(u8, f32)> = None;
    for range in ranges {
        for (kind, subtype) in format.media_types() {
            let specificity = match (range.kind.as_str(), range.subtype.as_str()) {
                (k, s) if k == *kind && s == *subtype => 3,
                (k, "*") if k == *kind => 2,
                ("*", "*") => 1,
                _ => continue,
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, range.q));
            }
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn f_wins_over_accept() {
        let browser = accept("text/html,application/xhtml+xml,*/*;q=0.8");
        assert_eq!(
            negotiate(Some("fgb"), &browser, FEATURES).unwrap(),
            Format::FlatGeobuf
        );
        assert_eq!(
            negotiate(Some("JSON"), &browser, FEATURES).unwrap(),
            Format::GeoJson
        );
        assert_eq!(negotiate(None, &browser, FEATURES).unwrap(), Format::Html);
        let refused = negotiate(Some("shp"), &browser, FEATURES).unwrap_err();
        assert!(refused.description().contains("geojson, html, fgb, csv"));
        assert!(negotiate(Some("csv"), &browser, METADATA).is_err());
    }

    #[test]
    fn accept_by_quality_and_specificity() {
        let none = HeaderMap::new();
        assert_eq!(negotiate(None, &none, FEATURES).unwrap(), Format::GeoJson);
        let gdal = accept("application/geo+json, application/json");
        assert_eq!(negotiate(None, &gdal, FEATURES).unwrap(), Format::GeoJson);
        assert_eq!(
            negotiate(None, &accept("application/json"), METADATA).unwrap(),
            Format::Json
        );
        let csv = accept("application/geo+json;q=0.5, text/csv");
        assert_eq!(negotiate(None, &csv, FEATURES).unwrap(), Format::Csv);
        // A range that refuses a type beats the wildcard.
        let not_html = accept("text/html;q=0, */*;q=0.1");
        assert_eq!(negotiate(None, &not_html, METADATA).unwrap(), Format::Json);
        let only_png = accept("image/png");
        let refused = negotiate(None, &only_png, FEATURES).unwrap_err();
        assert!(
            refused
                .description()
                .contains("application/geo+json, text/html")
        );
        let garbage = accept("nonsense, ;;;, q=");
        assert_eq!(
            negotiate(None, &garbage, FEATURES).unwrap(),
            Format::GeoJson
        );
    }
}
