//! Where a registration's cameras are: the intake's one rule ([`canvass_db::intake::place`]),
//! shared with the bulk import, and how the pages answer a place it refuses; while no
//! jurisdiction is loaded, registration is not open ([`Placed::NotOpen`]).

use canvass_db::intake::Placed;
use canvass_model::Language;

use super::form::Feedback;
use super::settings::PublicSettings;

/// The address problem beside the address field (or the pin's, when a pin was given).
pub(crate) fn location_feedback(s: &PublicSettings, lang: Language, problem: Placed) -> Feedback {
    let (field, text) = match problem {
        Placed::Outside => (
            "address",
            s.messages.format(
                lang,
                "problem-outside",
                &[("jurisdiction", &s.department.jurisdiction_name)],
            ),
        ),
        Placed::Ambiguous => ("address", s.t(lang, "problem-ambiguous")),
        Placed::NotOpen => ("address", s.t(lang, "problem-not-open")),
        Placed::NotFound | Placed::At(..) => ("address", s.t(lang, "problem-not-found")),
    };
    Feedback {
        fields: vec![(field.to_owned(), text)],
        banner: None,
    }
}
