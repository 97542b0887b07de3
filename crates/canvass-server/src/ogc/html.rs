//! The HTML representations, for analysts who open the API in a browser: the same documents as
//! the JSON ones, in the staff page shell. Every value is escaped.

use canvass_feeds::crs::{AxisOrder, Crs, Transform};
use canvass_feeds::encode::Link;
use canvass_feeds::{CameraFeature, Collection, Property, Value as FeatureValue};
use serde_json::Value;

use super::catalog::title as collection_title;
use super::exception::Exception;
use super::format::FEATURES;
use crate::http::page::{escape, page};

/// Text of a JSON value: strings as they are, numbers and the rest as JSON, null as empty.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The trail of pages above this one: `(title, href)`, the last without a link.
pub(crate) fn trail(steps: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|(title, href)| match href {
            Some(href) => format!("<a href=\"{}\">{}</a>", escape(href), escape(title)),
            None => escape(title),
        })
        .collect();
    format!(
        "<nav aria-label=\"Trail\"><p>{}</p></nav>",
        parts.join(" › ")
    )
}

/// A list of a document's links, titled.
fn link_list(links: &Value) -> String {
    let mut out = String::from("<ul>");
    for link in links.as_array().into_iter().flatten() {
        out.push_str(&format!(
            "<li><a href=\"{}\">{}</a> <small>({}, {})</small></li>",
            escape(&text(&link["href"])),
            escape(&text(&link["title"])),
            escape(&text(&link["rel"])),
            escape(&text(&link["type"])),
        ));
    }
    out.push_str("</ul>");
    out
}

/// The landing page.
pub(crate) fn landing(document: &Value) -> String {
    let body = format!(
        "{}<h1>{}</h1><p>{}</p><h2>Links</h2>{}",
        trail(&[("OGC API", None)]),
        escape(&text(&document["title"])),
        escape(&text(&document["description"])),
        link_list(&document["links"]),
    );
    page(&text(&document["title"]), &body)
}

/// The conformance declaration.
pub(crate) fn conformance(document: &Value) -> String {
    let items: String = document["conformsTo"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("<li><code>{}</code></li>", escape(&text(c))))
        .collect();
    let body = format!(
        "{}<h1>Conformance</h1><p>The conformance classes this API implements.</p><ul>{items}</ul>",
        trail(&[("OGC API", Some("/ogc?f=html")), ("Conformance", None)]),
    );
    page("Conformance", &body)
}

/// The list of collections.
pub(crate) fn collections(document: &Value) -> String {
    let mut body = format!(
        "{}<h1>Collections</h1>",
        trail(&[("OGC API", Some("/ogc?f=html")), ("Collections", None)]),
    );
    for collection in document["collections"].as_array().into_iter().flatten() {
        let id = text(&collection["id"]);
        body.push_str(&format!(
            "<h2><a href=\"/ogc/collections/{}?f=html\">{}</a></h2><p>{}</p>\
             <p><a href=\"/ogc/collections/{}/items?f=html\">Browse the cameras</a></p>",
            escape(&id),
            escape(&text(&collection["title"])),
            escape(&text(&collection["description"])),
            escape(&id),
        ));
    }
    page("Collections", &body)
}

/// One collection, with its extent, CRSs, queryables and links.
pub(crate) fn collection(document: &Value, queryables: &Value) -> String {
    let id = text(&document["id"]);
    let title = text(&document["title"]);
    let extent = match document["extent"]["spatial"]["bbox"][0].as_array() {
        Some(bbox) => format!(
            "<p>Extent (west, south, east, north, CRS84): {}</p>",
            escape(
                &bbox
                    .iter()
                    .map(|v| v.as_f64().map_or(String::new(), |v| format!("{v:.6}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        ),
        None => "<p>No cameras yet.</p>".to_owned(),
    };
    let crs: String = document["crs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("<li><code>{}</code></li>", escape(&text(c))))
        .collect();
    let body = format!(
        "{}<h1>{}</h1><p>{}</p>\
         <p><a href=\"/ogc/collections/{}/items?f=html\">Browse the cameras</a></p>{extent}\
         <h2>Queryables</h2>{}\
         <h2>Coordinate reference systems</h2><p>Answers are in CRS84 (longitude, latitude) \
         unless <code>crs</code> names another; any EPSG code PROJ knows may be used.</p><ul>{crs}</ul>\
         <h2>Links</h2>{}",
        trail(&[
            ("OGC API", Some("/ogc?f=html")),
            ("Collections", Some("/ogc/collections?f=html")),
            (&title, None)
        ]),
        escape(&title),
        escape(&text(&document["description"])),
        escape(&id),
        queryables_table(queryables),
        link_list(&document["links"]),
    );
    page(&title, &body)
}

/// The queryables of a collection.
pub(crate) fn queryables(document: &Value) -> String {
    let title = text(&document["title"]);
    let body = format!(
        "{}<h1>Queryables of {}</h1>\
         <p>The names a <code>filter</code>, <code>sortby</code>, <code>properties</code> or a \
         property=value parameter may use.</p>{}",
        trail(&[
            ("OGC API", Some("/ogc?f=html")),
            ("Collections", Some("/ogc/collections?f=html")),
            ("Queryables", None)
        ]),
        escape(&title),
        queryables_table(document),
    );
    page(&format!("Queryables of {title}"), &body)
}

fn queryables_table(schema: &Value) -> String {
    let mut out = String::from(
        "<table><thead><tr><th>name</th><th>type</th><th>meaning</th></tr></thead><tbody>",
    );
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let mut kind = text(&property["type"]);
        if let Some(format) = property["format"].as_str() {
            kind = if kind.is_empty() {
                format.to_owned()
            } else {
                format!("{kind} ({format})")
            };
        }
        let words = property["enum"]
            .as_array()
            .or_else(|| property["items"]["enum"].as_array());
        if let Some(words) = words {
            let words: Vec<String> = words.iter().map(text).collect();
            kind = format!("{kind}: {}", words.join(", "));
        }
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(name),
            escape(&kind),
            escape(&text(&property["title"])),
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// What a page of features (or one feature) shows.
#[derive(Debug)]
pub(crate) struct FeaturesView<'a> {
    /// The collection.
    pub collection: Collection,
    /// The properties shown, in order (the id is always shown first).
    pub properties: &'a [Property],
    /// The CRS of the positions shown.
    pub crs: &'a Crs,
    /// The features.
    pub features: &'a [CameraFeature],
    /// How many match in all, when known.
    pub number_matched: Option<u64>,
    /// The answer's links (self, alternates, next, collection).
    pub links: &'a [Link],
    /// The first page's address, on a later page.
    pub first_page: Option<&'a str>,
}

impl FeaturesView<'_> {
    fn link(&self, rel: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.rel == rel)
    }

    /// Each feature's position in the view's CRS, in its authority's axis order.
    fn positions(&self) -> Result<Vec<String>, Exception> {
        let transform = Transform::new(self.crs, AxisOrder::Authority)?;
        self.features
            .iter()
            .map(|f| {
                let [a, b] = transform.apply(f.at)?;
                Ok(if self.crs.is_geographic() {
                    format!("{a:.6}, {b:.6}")
                } else {
                    format!("{a:.2}, {b:.2}")
                })
            })
            .collect()
    }

    fn shown(&self) -> impl Iterator<Item = Property> + '_ {
        self.properties
            .iter()
            .copied()
            .filter(|p| *p != Property::Id)
    }

    /// Links to the same answer in the other formats.
    fn formats(&self) -> String {
        let alternates: Vec<String> = self
            .links
            .iter()
            .filter(|l| l.rel == "alternate")
            .map(|l| {
                let name = FEATURES
                    .iter()
                    .find(|f| l.media_type.as_deref() == Some(f.media_type()))
                    .map_or("another format", |f| f.title());
                format!("<a href=\"{}\">{}</a>", escape(&l.href), escape(name))
            })
            .collect();
        format!("<p>Also as {}.</p>", alternates.join(" · "))
    }
}

/// A property's value as a table cell shows it.
fn cell(feature: &CameraFeature, property: Property) -> String {
    if property == Property::Views {
        return feature.view_names().collect::<Vec<_>>().join(", ");
    }
    match feature.value(property) {
        None => String::new(),
        Some(FeatureValue::Integer(v)) => v.to_string(),
        // The measures are kept as f32: show the number as entered.
        Some(FeatureValue::Number(v)) => (v as f32).to_string(),
        Some(FeatureValue::Text(v)) => v,
        Some(FeatureValue::Date(v)) => v.format("%Y-%m-%d").to_string(),
        Some(FeatureValue::Timestamp(v)) => v.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

fn collection_trail(collection: Collection, last: &str) -> String {
    let title = collection_title(collection);
    let href = format!("/ogc/collections/{collection}?f=html");
    trail(&[
        ("OGC API", Some("/ogc?f=html")),
        ("Collections", Some("/ogc/collections?f=html")),
        (title, Some(&href)),
        (last, None),
    ])
}

/// A page of features as a table, with its paging links.
pub(crate) fn items(view: &FeaturesView<'_>) -> Result<String, Exception> {
    let positions = view.positions()?;
    let title = collection_title(view.collection);
    let count = match view.number_matched {
        Some(matched) => format!("{} of {matched} matching cameras", view.features.len()),
        None => format!("{} cameras", view.features.len()),
    };
    let mut paging = Vec::new();
    if let Some(first) = view.first_page {
        paging.push(format!("<a href=\"{}\">First page</a>", escape(first)));
    }
    if let Some(next) = view.link("next") {
        paging.push(format!(
            "<a href=\"{}\" rel=\"next\">Next page</a>",
            escape(&next.href)
        ));
    }
    let paging = format!(
        "<nav aria-label=\"Pages\"><p>{}</p></nav>",
        paging.join(" · ")
    );
    let mut body = format!(
        "{}<h1>{}</h1><p>{count}. Positions in {}, in its axis order; times in UTC.</p>{}{paging}",
        collection_trail(view.collection, "Cameras"),
        escape(title),
        escape(view.crs.name()),
        view.formats(),
    );
    body.push_str(
        "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">id</th><th scope=\"col\">position</th>",
    );
    for property in view.shown() {
        // Long names may break after an underscore, so that the table fits a laptop's width.
        body.push_str(&format!(
            "<th scope=\"col\" title=\"{}\">{}</th>",
            escape(property.title()),
            escape(property.name()).replace('_', "_<wbr>")
        ));
    }
    body.push_str("</tr></thead><tbody>");
    for (feature, position) in view.features.iter().zip(&positions) {
        body.push_str(&format!(
            "<tr><td><a href=\"/ogc/collections/{}/items/{}?f=html\">{}</a></td><td>{}</td>",
            view.collection,
            feature.id,
            feature.id,
            escape(position)
        ));
        for property in view.shown() {
            body.push_str(&format!("<td>{}</td>", escape(&cell(feature, property))));
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table></div>");
    body.push_str(&paging);
    if view.collection == Collection::Cameras {
        body.push_str(&format!(
            "<p>Every camera in one file: <a href=\"/ogc/collections/{c}/download?f=fgb\">FlatGeobuf</a> · \
             <a href=\"/ogc/collections/{c}/download?f=geojson\">GeoJSON</a> · \
             <a href=\"/ogc/collections/{c}/download?f=csv\">CSV</a></p>",
            c = view.collection
        ));
    }
    Ok(page(&format!("{title}: cameras"), &body))
}

/// One feature: its position and every property shown.
pub(crate) fn item(view: &FeaturesView<'_>) -> Result<String, Exception> {
    let positions = view.positions()?;
    let (Some(feature), Some(position)) = (view.features.first(), positions.first()) else {
        return Ok(page("No camera", "<p>No camera.</p>"));
    };
    let heading = format!("Camera {}", feature.id);
    let mut body = format!(
        "{}<h1>{}</h1><table><tbody><tr><th scope=\"row\">Position, {}</th><td>{}</td></tr>",
        collection_trail(view.collection, &heading),
        escape(&heading),
        escape(view.crs.name()),
        escape(position),
    );
    for property in view.shown() {
        body.push_str(&format!(
            "<tr><th scope=\"row\">{} <small>({})</small></th><td>{}</td></tr>",
            escape(property.title()),
            escape(property.name()),
            escape(&cell(feature, property))
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&view.formats());
    Ok(page(&heading, &body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_escape_what_they_show() {
        let document = json!({
            "title": "<script>x</script>",
            "description": "a & b",
            "links": [{ "href": "/ogc?f=\"html\"", "rel": "self", "type": "text/html", "title": "me" }],
        });
        let html = landing(&document);
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(html.contains("a &amp; b"));
        assert!(html.contains("href=\"/ogc?f=&quot;html&quot;\""));
        assert!(!html.contains("<script>"));
    }
}
