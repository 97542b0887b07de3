//! The words of the public pages and e-mails, in English and Spanish, from the Fluent files in
//! `locales/` (compiled in). A test checks that both files define the same messages.

use std::collections::HashMap;

use canvass_model::Language;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

const ENGLISH: &str = include_str!("../locales/en.ftl");
const SPANISH: &str = include_str!("../locales/es.ftl");

/// A message file that does not parse (a build-time mistake, caught by the tests).
#[derive(Debug, thiserror::Error)]
#[error("message file for {language} does not parse: {detail}")]
pub struct MessagesError {
    language: &'static str,
    detail: String,
}

/// Both languages' messages.
pub struct Messages {
    bundles: HashMap<Language, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages").finish_non_exhaustive()
    }
}

impl Messages {
    /// Parses the compiled-in message files.
    pub fn load() -> Result<Messages, MessagesError> {
        let mut bundles = HashMap::new();
        for (language, tag, text) in [(Language::En, "en", ENGLISH), (Language::Es, "es", SPANISH)]
        {
            let resource =
                FluentResource::try_new(text.to_owned()).map_err(|(_, errors)| MessagesError {
                    language: tag,
                    detail: format!("{errors:?}"),
                })?;
            let id = tag.parse().map_err(|_| MessagesError {
                language: tag,
                detail: "bad language tag".into(),
            })?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Plain text out: no Unicode isolation marks around placeables.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| MessagesError {
                    language: tag,
                    detail: format!("{errors:?}"),
                })?;
            bundles.insert(language, bundle);
        }
        Ok(Messages { bundles })
    }

    /// Message `id` in `language`, without arguments.
    pub fn get(&self, language: Language, id: &str) -> String {
        self.format(language, id, &[])
    }

    /// Message `id` in `language` with named arguments. An unknown id comes back as itself, so
    /// a missing message is visible rather than fatal.
    pub fn format(&self, language: Language, id: &str, args: &[(&str, &str)]) -> String {
        let Some(bundle) = self.bundles.get(&language) else {
            return id.to_owned();
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(*value));
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message id of a file.
    fn ids(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with([' ', '#']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn both_languages_parse_and_define_the_same_messages() {
        let messages = Messages::load().unwrap();
        let mut en = ids(ENGLISH);
        let mut es = ids(SPANISH);
        en.sort();
        es.sort();
        assert_eq!(en, es);
        assert!(en.len() > 100);
        for id in &en {
            assert_ne!(messages.get(Language::Es, id), *id, "{id}");
        }
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let messages = Messages::load().unwrap();
        let text = messages.format(Language::Es, "problem-too-long", &[("max", "200")]);
        assert_eq!(text, "Use como máximo 200 caracteres.");
        assert_eq!(
            messages.get(Language::En, "no-such-message"),
            "no-such-message"
        );
    }
}
