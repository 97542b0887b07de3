//! Registration intake, the one path from a checked submission into the registry for the
//! public form and for `canvass import registrations`: place the cameras
//! ([`places::locate`]), recognise an owner already registered, seal the contact and store it,
//! and hand back the link token the owner's mail needs. Submissions are checked before they
//! get here, by canvass-model's rules ([`canvass_model::submission::SubmissionInput::validate`]).
//!
//! The settings are checked once, when a command starts ([`IntakeSettings::new`]), so that a
//! value the database would refuse stops `canvass serve` and the import alike, instead of
//! failing every registration later.

use canvass_geo::LonLat;
use futures_util::{StreamExt, TryStreamExt, stream};
use tokio_postgres::{Client, GenericClient, Transaction};

use canvass_model::contact_seal::{ContactKey, ContactKeyRing};
use canvass_model::submission::NewRegistration;
use canvass_model::{PublicUrl, PublicUrlError, RegistrationStatus, Source};

use crate::DbError;
use crate::audit::{self, Actor, Event};
use crate::places::{self, Located};
use crate::registrations::{self, Intake, Site, TokenPurpose};

/// Longest consent version (the `registrations.consent_version` check).
pub const MAX_CONSENT_VERSION: usize = 64;
/// Look-ups in flight on one connection (tokio-postgres pipelines them).
const PIPELINE: usize = 64;

/// A setting the intake cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeSettingsError {
    /// Empty, or longer than the column allows.
    #[error("give 1 to {MAX_CONSENT_VERSION} characters (got {length})")]
    ConsentVersion {
        /// Characters given, after trimming.
        length: usize,
    },
    /// Not a base URL for links.
    #[error(transparent)]
    PublicUrl(#[from] PublicUrlError),
}

impl IntakeSettingsError {
    /// The setting's name, as flag and configuration key (`consent-version`, `public-url`).
    pub fn setting(&self) -> &'static str {
        match self {
            IntakeSettingsError::ConsentVersion { .. } => "consent-version",
            IntakeSettingsError::PublicUrl(_) => "public-url",
        }
    }
}

/// What every registration is stored with, and where its links point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeSettings {
    consent_version: String,
    public_url: PublicUrl,
}

impl IntakeSettings {
    /// Checks the consent version (trimmed, 1 to [`MAX_CONSENT_VERSION`] characters) and the
    /// public site's base URL.
    pub fn new(consent_version: &str, public_url: &str) -> Result<Self, IntakeSettingsError> {
        let consent_version = consent_version.trim();
        let length = consent_version.chars().count();
        if length == 0 || length > MAX_CONSENT_VERSION {
            return Err(IntakeSettingsError::ConsentVersion { length });
        }
        Ok(IntakeSettings {
            consent_version: consent_version.to_owned(),
            public_url: PublicUrl::parse(public_url)?,
        })
    }

    /// Version of the consent text the owners agreed to.
    pub fn consent_version(&self) -> &str {
        &self.consent_version
    }

    /// Base of the links in owners' mail.
    pub fn public_url(&self) -> &PublicUrl {
        &self.public_url
    }
}

/// Where a registration's cameras are, or why they cannot be placed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placed {
    /// Inside the jurisdiction.
    At(LonLat),
    /// No address point matches; the owner may place a pin (or the row give coordinates).
    NotFound,
    /// Several places match; a pin is needed.
    Ambiguous,
    /// The place is outside the jurisdiction.
    Outside,
    /// No jurisdiction is loaded yet (`canvass import boundary`): registration is not open.
    NotOpen,
}

/// Places `address`, or checks `coordinates` when the owner gave them.
pub async fn place(
    client: &impl GenericClient,
    address: &str,
    coordinates: Option<LonLat>,
) -> Result<Placed, DbError> {
    match places::locate(client, address, coordinates).await {
        Ok(Located::At(at)) => Ok(Placed::At(at)),
        Ok(Located::NotFound) => Ok(Placed::NotFound),
        Ok(Located::Ambiguous) => Ok(Placed::Ambiguous),
        Ok(Located::Outside) => Ok(Placed::Outside),
        Err(DbError::NoJurisdiction) => {
            tracing::error!(
                "registration refused: no jurisdiction boundary loaded (canvass import boundary)"
            );
            Ok(Placed::NotOpen)
        }
        Err(e) => Err(e),
    }
}

/// [`place`] for many submissions at once, pipelined on one connection; `spot` says where each
/// one is (address, and coordinates when given).
pub async fn place_all<T>(
    client: &Client,
    items: Vec<T>,
    spot: impl Fn(&T) -> (&str, Option<LonLat>),
) -> Result<Vec<(T, Placed)>, DbError> {
    let spot = &spot;
    stream::iter(items)
        .map(|item| async move {
            let (address, coordinates) = spot(&item);
            let placed = place(client, address, coordinates).await?;
            Ok::<_, DbError>((item, placed))
        })
        .buffered(PIPELINE)
        .try_collect()
        .await
}

/// What became of a submission from the public form.
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    /// Its place was refused; nothing was stored.
    Unplaced(Placed),
    /// Stored as pending; the owner confirms with the token's link.
    Created {
        /// The new registration.
        id: i64,
        /// Its confirmation link token (`None` only for an entry stored active).
        confirm_token: Option<String>,
    },
    /// The e-mail address is already registered: nothing stored, a manage link issued instead.
    AlreadyRegistered {
        /// The existing registration.
        id: i64,
        /// Its new single-use manage link token.
        manage_token: String,
    },
}

/// Takes in one registration from the public form: placed, recognised or stored pending with
/// its contact sealed under the ring's current key. Call it in a transaction that also queues
/// the owner's mail, so that neither is kept without the other.
pub async fn admit(
    client: &impl GenericClient,
    keys: &ContactKeyRing,
    settings: &IntakeSettings,
    registration: &NewRegistration,
) -> Result<Admission, DbError> {
    let location = match place(client, &registration.address, registration.pin).await? {
        Placed::At(at) => at,
        problem => return Ok(Admission::Unplaced(problem)),
    };
    if let Some(id) = registrations::find_by_email(client, keys, &registration.email).await? {
        let manage_token =
            registrations::issue(client, id, TokenPurpose::Manage, registrations::MANAGE_TTL)
                .await?;
        return Ok(Admission::AlreadyRegistered { id, manage_token });
    }
    let intake = Intake {
        source: Source::Web,
        consent_version: settings.consent_version(),
        status: RegistrationStatus::Pending,
    };
    let sites = vec![(registration.address.as_str(), location); registration.cameras.len()];
    let (id, confirm_token) =
        registrations::insert(client, keys.current(), registration, &sites, intake).await?;
    Ok(Admission::Created { id, confirm_token })
}

/// One owner of a bulk import: their details and each camera's site, in camera order.
#[derive(Debug, Clone, Copy)]
pub struct OwnerSites<'a> {
    /// Details and cameras.
    pub registration: &'a NewRegistration,
    /// `sites[i]` is where `registration.cameras[i]` stands.
    pub sites: &'a [(String, LonLat)],
}

/// Takes in a batch of owners from `canvass import registrations` in the caller's transaction
/// (which queues their welcome mails before it commits), with one audit row naming the file:
/// pending (with confirmation tokens) or, for entries the department already verified,
/// active. Returns each owner's id and token, in order.
pub async fn admit_batch(
    tx: &Transaction<'_>,
    key: &ContactKey,
    settings: &IntakeSettings,
    status: RegistrationStatus,
    owners: &[OwnerSites<'_>],
    file_name: &str,
) -> Result<Vec<(i64, Option<String>)>, DbError> {
    let intake = Intake {
        source: Source::Import,
        consent_version: settings.consent_version(),
        status,
    };
    let created: Vec<(i64, Option<String>)> = stream::iter(owners)
        .map(|owner| async move {
            let sites: Vec<Site> = owner
                .sites
                .iter()
                .map(|(address, location)| (address.as_str(), *location))
                .collect();
            registrations::insert(tx, key, owner.registration, &sites, intake).await
        })
        .buffered(PIPELINE)
        .try_collect()
        .await?;
    let ids: Vec<i64> = created.iter().map(|(id, _)| *id).collect();
    let cameras: usize = owners.iter().map(|o| o.registration.cameras.len()).sum();
    let event = Event::new(Actor::System("cli:import".into()), "registrations.import")
        .records(&ids)
        .details(serde_json::json!({
            "file": file_name,
            "status": status.as_str(),
            "cameras": cameras,
        }));
    audit::record(tx, &event).await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_once() {
        let ok = IntakeSettings::new(" paper-2019 ", "https://cameras.example.gov/").unwrap();
        assert_eq!(ok.consent_version(), "paper-2019");
        assert_eq!(ok.public_url().as_str(), "https://cameras.example.gov");
        let long = "v".repeat(MAX_CONSENT_VERSION + 1);
        let e = IntakeSettings::new(&long, "https://x.example").unwrap_err();
        assert_eq!(e.setting(), "consent-version");
        assert_eq!(e.to_string(), "give 1 to 64 characters (got 65)");
        assert!(IntakeSettings::new(&"v".repeat(MAX_CONSENT_VERSION), "http://x").is_ok());
        assert_eq!(
            IntakeSettings::new("", "http://x").unwrap_err().setting(),
            "consent-version"
        );
        assert_eq!(
            IntakeSettings::new("v1", "cameras.example")
                .unwrap_err()
                .setting(),
            "public-url"
        );
    }
}
