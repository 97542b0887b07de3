//! The collections and the allow-list of their properties: the only names a filter, a sort or
//! a property selection may use. Each executor maps a [`Property`] to its own column or field;
//! no caller text ever reaches an executor.

use std::fmt;

use crate::error::{QueryError, cut};

/// A collection of features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    /// Active cameras without any personal data (roles analyst, records, admin).
    Cameras,
    /// Active cameras with the owner's contact (the `pii` permission; every answer audited).
    CameraContacts,
}

impl Collection {
    /// Every collection, in the order a landing page lists them.
    pub const ALL: &'static [Collection] = &[Collection::Cameras, Collection::CameraContacts];

    /// The collection's id in URLs.
    pub fn id(self) -> &'static str {
        match self {
            Collection::Cameras => "cameras",
            Collection::CameraContacts => "camera_contacts",
        }
    }

    /// The collection for an id in a URL.
    pub fn from_id(id: &str) -> Option<Collection> {
        Collection::ALL.iter().copied().find(|c| c.id() == id)
    }

    /// Whether its features carry personal data.
    pub fn discloses_contacts(self) -> bool {
        matches!(self, Collection::CameraContacts)
    }

    /// The properties its features have, in output order (the id and geometry are apart).
    pub fn properties(self) -> &'static [Property] {
        match self {
            Collection::Cameras => CAMERA_PROPERTIES,
            Collection::CameraContacts => CONTACT_PROPERTIES,
        }
    }

    /// The property a filter, sort or `properties` list names, if the collection has it.
    pub fn property(self, name: &str) -> Result<Property, QueryError> {
        self.properties()
            .iter()
            .copied()
            .find(|p| p.name() == name)
            .ok_or_else(|| QueryError::UnknownProperty {
                collection: self.id(),
                property: cut(name),
            })
    }
}

impl fmt::Display for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A property of a camera feature. The feature id (`id`) and the geometry are not properties:
/// the id is the feature's identity and the geometry is filtered with `S_INTERSECTS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Property {
    /// The camera id (also the feature id); filterable and sortable like a property.
    Id,
    /// `exterior` or `interior`.
    Placement,
    /// What the camera views: a list; `views = 'street'` holds when the list includes it.
    Views,
    /// Degrees clockwise from north; null when the owner did not say.
    FacingDeg,
    /// Field of view in degrees; null when not given.
    FovDeg,
    /// Range in metres; null when not given.
    RangeM,
    /// Days footage is kept; null when the owner does not know.
    RetentionDays,
    /// `continuous` or `motion`.
    RecordingMode,
    /// `yes`, `no` or `not_sure`.
    CanExport,
    /// `residence` or `business`.
    Kind,
    /// The day the owner last confirmed the entry.
    VerifiedOn,
    /// When the entry last changed (the instant `datetime`, `T_AFTER` and `T_BEFORE` test).
    UpdatedAt,
    /// The camera's street address (contacts only).
    Address,
    /// The owner's language, `en` or `es` (contacts only).
    Language,
    /// How the owner prefers to be reached (contacts only).
    ContactMethod,
    /// The owner's name (contacts only; sealed, so output only: not filterable or sortable).
    OwnerName,
    /// The owner's e-mail (contacts only; output only).
    Email,
    /// The owner's phone (contacts only; output only).
    Phone,
    /// The business name (contacts only; output only).
    BusinessName,
}

const CAMERA_PROPERTIES: &[Property] = &[
    Property::Id,
    Property::Placement,
    Property::Views,
    Property::FacingDeg,
    Property::FovDeg,
    Property::RangeM,
    Property::RetentionDays,
    Property::RecordingMode,
    Property::CanExport,
    Property::Kind,
    Property::VerifiedOn,
    Property::UpdatedAt,
];

const CONTACT_PROPERTIES: &[Property] = &[
    Property::Id,
    Property::Placement,
    Property::Views,
    Property::FacingDeg,
    Property::FovDeg,
    Property::RangeM,
    Property::RetentionDays,
    Property::RecordingMode,
    Property::CanExport,
    Property::Kind,
    Property::VerifiedOn,
    Property::UpdatedAt,
    Property::Address,
    Property::Language,
    Property::ContactMethod,
    Property::OwnerName,
    Property::Email,
    Property::Phone,
    Property::BusinessName,
];

/// The type of a property's values, which decides the literals a filter may compare it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    /// A whole number.
    Integer,
    /// A real number.
    Number,
    /// Free text.
    Text,
    /// One of a closed set of words.
    Enum(&'static [&'static str]),
    /// A list of words from a closed set (compared element-wise: "includes").
    EnumList(&'static [&'static str]),
    /// A calendar day.
    Date,
    /// An instant (UTC).
    Timestamp,
}

impl Property {
    /// Every property, in declaration order.
    pub const ALL: &'static [Property] = CONTACT_PROPERTIES;

    /// Its name in filters, URLs and output.
    pub fn name(self) -> &'static str {
        match self {
            Property::Id => "id",
            Property::Placement => "placement",
            Property::Views => "views",
            Property::FacingDeg => "facing_deg",
            Property::FovDeg => "fov_deg",
            Property::RangeM => "range_m",
            Property::RetentionDays => "retention_days",
            Property::RecordingMode => "recording_mode",
            Property::CanExport => "can_export",
            Property::Kind => "kind",
            Property::VerifiedOn => "verified_on",
            Property::UpdatedAt => "updated_at",
            Property::Address => "address",
            Property::Language => "language",
            Property::ContactMethod => "contact_method",
            Property::OwnerName => "owner_name",
            Property::Email => "email",
            Property::Phone => "phone",
            Property::BusinessName => "business_name",
        }
    }

    /// A one-line description for `/queryables` and the HTML pages.
    pub fn title(self) -> &'static str {
        match self {
            Property::Id => "Camera id",
            Property::Placement => "Mounted outside (exterior) or inside (interior)",
            Property::Views => "What the camera views",
            Property::FacingDeg => "Facing, degrees clockwise from north",
            Property::FovDeg => "Field of view, degrees",
            Property::RangeM => "Range, metres",
            Property::RetentionDays => "Days footage is kept",
            Property::RecordingMode => "Recording mode",
            Property::CanExport => "Owner can export footage",
            Property::Kind => "Residence or business",
            Property::VerifiedOn => "Day the owner last confirmed the entry",
            Property::UpdatedAt => "When the entry last changed",
            Property::Address => "Street address",
            Property::Language => "Owner's language",
            Property::ContactMethod => "Preferred contact method",
            Property::OwnerName => "Owner's name",
            Property::Email => "Owner's e-mail",
            Property::Phone => "Owner's phone",
            Property::BusinessName => "Business name",
        }
    }

    /// The type of its values.
    pub fn value_type(self) -> PropertyType {
        match self {
            Property::Id | Property::RetentionDays => PropertyType::Integer,
            Property::FacingDeg | Property::FovDeg | Property::RangeM => PropertyType::Number,
            Property::Placement => PropertyType::Enum(&PLACEMENTS),
            Property::Views => PropertyType::EnumList(&VIEWS),
            Property::RecordingMode => PropertyType::Enum(&RECORDING_MODES),
            Property::CanExport => PropertyType::Enum(&CAN_EXPORT),
            Property::Kind => PropertyType::Enum(&KINDS),
            Property::Language => PropertyType::Enum(&LANGUAGES),
            Property::ContactMethod => PropertyType::Enum(&CONTACT_METHODS),
            Property::VerifiedOn => PropertyType::Date,
            Property::UpdatedAt => PropertyType::Timestamp,
            Property::Address
            | Property::OwnerName
            | Property::Email
            | Property::Phone
            | Property::BusinessName => PropertyType::Text,
        }
    }

    /// Whether a filter or a sort may use it. Sealed contact fields cannot be searched: the
    /// database holds them encrypted.
    pub fn queryable(self) -> bool {
        !matches!(
            self,
            Property::OwnerName | Property::Email | Property::Phone | Property::BusinessName
        )
    }

    /// Whether values may be missing.
    pub fn nullable(self) -> bool {
        matches!(
            self,
            Property::FacingDeg
                | Property::FovDeg
                | Property::RangeM
                | Property::RetentionDays
                | Property::VerifiedOn
                | Property::Phone
                | Property::BusinessName
        )
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const PLACEMENTS: [&str; 2] = ["exterior", "interior"];
const VIEWS: [&str; 7] = [
    "street",
    "sidewalk",
    "driveway",
    "yard",
    "parking_lot",
    "alley",
    "entrance",
];
const RECORDING_MODES: [&str; 2] = ["continuous", "motion"];
const CAN_EXPORT: [&str; 3] = ["yes", "no", "not_sure"];
const KINDS: [&str; 2] = ["residence", "business"];
const LANGUAGES: [&str; 2] = ["en", "es"];
const CONTACT_METHODS: [&str; 3] = ["email", "phone", "text"];

#[cfg(test)]
mod tests {
    use super::*;
    use canvass_model::{CanExport, ContactMethod, Kind, Language, Placement, RecordingMode, View};

    fn spellings<T: Copy>(all: &[T], as_str: impl Fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| as_str(*v)).collect()
    }

    #[test]
    fn the_closed_sets_match_the_models_spellings() {
        assert_eq!(
            PLACEMENTS.to_vec(),
            spellings(Placement::ALL, Placement::as_str)
        );
        assert_eq!(VIEWS.to_vec(), spellings(View::ALL, View::as_str));
        assert_eq!(
            RECORDING_MODES.to_vec(),
            spellings(RecordingMode::ALL, RecordingMode::as_str)
        );
        assert_eq!(
            CAN_EXPORT.to_vec(),
            spellings(CanExport::ALL, CanExport::as_str)
        );
        assert_eq!(KINDS.to_vec(), spellings(Kind::ALL, Kind::as_str));
        assert_eq!(
            LANGUAGES.to_vec(),
            spellings(Language::ALL, Language::as_str)
        );
        assert_eq!(
            CONTACT_METHODS.to_vec(),
            spellings(ContactMethod::ALL, ContactMethod::as_str)
        );
    }

    #[test]
    fn the_collections_refuse_names_they_do_not_have() {
        assert_eq!(Collection::Cameras.property("kind"), Ok(Property::Kind));
        assert!(Collection::Cameras.property("email").is_err());
        assert!(Collection::CameraContacts.property("email").is_ok());
        assert!(
            Collection::Cameras
                .property("id; DROP TABLE cameras")
                .is_err()
        );
    }
}
