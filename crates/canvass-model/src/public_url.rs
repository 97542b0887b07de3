//! The public site's base URL, the root of every link in an owner's mail.

/// An absolute `http(s)://host[:port][/path]` without a trailing slash, query or fragment, so
/// that `{base}/confirm/{token}` is always a working link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

/// A base URL that would make broken links.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{typed:?}: give the public site's base URL, e.g. https://cameras.example.gov")]
pub struct PublicUrlError {
    /// What was given, cut to 80 characters.
    typed: String,
}

impl PublicUrl {
    /// Checks `typed` (surrounding space and trailing slashes are dropped).
    pub fn parse(typed: &str) -> Result<PublicUrl, PublicUrlError> {
        let url = typed.trim().trim_end_matches('/');
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let ok = host.is_some_and(|h| !h.is_empty())
            && !url.contains(char::is_whitespace)
            && !url.contains(['?', '#']);
        if ok {
            Ok(PublicUrl(url.to_owned()))
        } else {
            Err(PublicUrlError {
                typed: typed.chars().take(80).collect(),
            })
        }
    }

    /// The URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls() {
        assert_eq!(
            PublicUrl::parse("https://cameras.example.gov/")
                .unwrap()
                .as_str(),
            "https://cameras.example.gov"
        );
        assert_eq!(
            PublicUrl::parse("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "",
            "cameras.example.gov",
            "https://",
            "https://a b",
            "ftp://x",
            "https://x?y",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad:?}");
        }
    }
}
