//! Where a registration's cameras are, by the rule shared with the bulk import
//! ([`places::locate`]); while no jurisdiction is loaded, registration is not open.

use canvass_db::DbError;
use canvass_db::places::{self, Located as Place};
use canvass_model::Language;
use tokio_postgres::GenericClient;

use super::form::Feedback;
use super::settings::PublicSettings;

/// The outcome of placing an address, as the pages answer it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Located {
    /// Longitude, latitude.
    At(f64, f64),
    /// No address point matches; the owner may place a pin.
    NotFound,
    /// Several places match; the owner must place a pin.
    Ambiguous,
    /// The place is outside the jurisdiction.
    Outside,
    /// No jurisdiction is loaded yet (`canvass import boundary`): registration is not open.
    NotOpen,
}

/// The address problem beside the address field (or the pin's, when a pin was given).
pub(crate) fn location_feedback(s: &PublicSettings, lang: Language, problem: Located) -> Feedback {
    let (field, text) = match problem {
        Located::Outside => (
            "address",
            s.messages.format(
                lang,
                "problem-outside",
                &[("jurisdiction", &s.department.jurisdiction_name)],
            ),
        ),
        Located::Ambiguous => ("address", s.t(lang, "problem-ambiguous")),
        Located::NotOpen => ("address", s.t(lang, "problem-not-open")),
        Located::NotFound | Located::At(..) => ("address", s.t(lang, "problem-not-found")),
    };
    Feedback {
        fields: vec![(field.to_owned(), text)],
        banner: None,
    }
}

/// Places `address`, or checks `pin` when the owner gave one.
pub(crate) async fn locate(
    client: &impl GenericClient,
    address: &str,
    pin: Option<(f64, f64)>,
) -> Result<Located, DbError> {
    match places::locate(client, address, pin).await {
        Ok(Place::At(lon, lat)) => Ok(Located::At(lon, lat)),
        Ok(Place::NotFound) => Ok(Located::NotFound),
        Ok(Place::Ambiguous) => Ok(Located::Ambiguous),
        Ok(Place::Outside) => Ok(Located::Outside),
        Err(DbError::NoJurisdiction) => {
            tracing::error!(
                "registration refused: no jurisdiction boundary loaded (canvass import boundary)"
            );
            Ok(Located::NotOpen)
        }
        Err(e) => Err(e),
    }
}
