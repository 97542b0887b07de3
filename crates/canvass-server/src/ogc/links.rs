//! Links between the documents of the API (the encoders' [`Link`]): absolute URLs under the
//! public base URL, each with its relation and media type, and the query strings they carry.

use canvass_feeds::encode::Link;

use super::format::Format;

/// A link to `href` in `format`, with its relation and a title for people.
pub(crate) fn link(href: String, rel: &str, format: Format, title: impl Into<String>) -> Link {
    Link {
        href,
        rel: rel.to_owned(),
        media_type: Some(format.media_type().to_owned()),
        title: Some(title.into()),
        ..Link::default()
    }
}

/// `url` with `pairs` as its query string, then `f=` of `format` (`pairs` must not hold one).
pub(crate) fn with_query<'a>(
    url: &str,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    format: Format,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    query.append_pair("f", format.f());
    format!("{url}?{}", query.finish())
}

/// The `self` link in `answered` and an `alternate` link in every other of `offered`, for the
/// document at `url` with the query `pairs` (without `f`).
pub(crate) fn self_and_alternates<'a>(
    url: &str,
    pairs: &[(&'a str, &'a str)],
    answered: Format,
    offered: &[Format],
    what: &str,
) -> Vec<Link> {
    let mut links = vec![link(
        with_query(url, pairs.iter().copied(), answered),
        "self",
        answered,
        format!("{what} ({})", answered.title()),
    )];
    for other in offered.iter().copied().filter(|f| *f != answered) {
        links.push(link(
            with_query(url, pairs.iter().copied(), other),
            "alternate",
            other,
            format!("{what} as {}", other.title()),
        ));
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ogc::format::FEATURES;

    #[test]
    fn query_strings_are_encoded_and_end_with_the_format() {
        assert_eq!(
            with_query(
                "http://h/ogc/collections/cameras/items",
                [("filter", "kind = 'business' AND x<>1"), ("limit", "10")],
                Format::Csv
            ),
            "http://h/ogc/collections/cameras/items?filter=kind+%3D+%27business%27+AND+x%3C%3E1&limit=10&f=csv"
        );
        let links = self_and_alternates("http://h/i", &[], Format::Html, FEATURES, "Items");
        let rels: Vec<(&str, &str)> = links
            .iter()
            .map(|l| (l.rel.as_str(), l.media_type.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            rels,
            [
                ("self", "text/html"),
                ("alternate", "application/geo+json"),
                ("alternate", "application/flatgeobuf"),
                ("alternate", "text/csv")
            ]
        );
        assert_eq!(links[0].href, "http://h/i?f=html");
    }
}
