//! The language of a page: `?lang=` (then remembered in a cookie), else the cookie, else
//! Accept-Language, else English.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use canvass_model::Language;

use super::cookies::cookie;

/// Cookie remembering the chosen language.
pub(crate) const LANGUAGE_COOKIE: &str = "canvass_lang";

/// The reader's language, and whether `?lang=` chose it (then the answer remembers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageLanguage {
    /// The language to answer in.
    pub language: Language,
    /// Chosen by the query: set the cookie.
    pub remember: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for PageLanguage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(key, _)| key == "lang")
                .map(|(_, value)| value.into_owned())
        });
        let (language, remember) = language(query.as_deref(), &parts.headers);
        Ok(PageLanguage { language, remember })
    }
}

/// The page language: query, then cookie, then Accept-Language; and whether the query chose it.
pub(crate) fn language(query: Option<&str>, headers: &HeaderMap) -> (Language, bool) {
    if let Some(lang) = query.and_then(|q| q.parse::<Language>().ok()) {
        return (lang, true);
    }
    if let Some(lang) = cookie(headers, LANGUAGE_COOKIE).and_then(|c| c.parse::<Language>().ok()) {
        return (lang, false);
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best = (Language::En, 0.0f32);
    for part in accepted.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("es") => Language::Es,
            Some("en") => Language::En,
            _ => continue,
        };
        if q > best.1 {
            best = (lang, q);
        }
    }
    (best.0, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn language_from_query_cookie_or_browser() {
        assert_eq!(
            language(Some("es"), &HeaderMap::new()),
            (Language::Es, true)
        );
        assert_eq!(
            language(Some("fr"), &accept("es-MX,es;q=0.9")),
            (Language::Es, false)
        );
        assert_eq!(
            language(None, &accept("en-US,en;q=0.9,es;q=0.8")).0,
            Language::En
        );
        assert_eq!(language(None, &accept("fr, es;q=0.5")).0, Language::Es);
        let mut cookie = accept("es");
        cookie.insert(header::COOKIE, HeaderValue::from_static("canvass_lang=en"));
        assert_eq!(language(None, &cookie).0, Language::En);
    }

    #[tokio::test]
    async fn extractor_reads_the_query() {
        let request = axum::http::Request::builder()
            .uri("/register?x=1&lang=es")
            .body(())
            .unwrap();
        let (mut parts, ()) = request.into_parts();
        let found = PageLanguage::from_request_parts(&mut parts, &())
            .await
            .unwrap();
        assert_eq!(
            found,
            PageLanguage {
                language: Language::Es,
                remember: true
            }
        );
    }
}
