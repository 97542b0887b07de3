//! A camera as every feed writes it, from either executor.

use canvass_geo::LonLat;
use canvass_model::{CanExport, ContactMethod, Kind, Language, Placement, RecordingMode, View};
use chrono::{DateTime, NaiveDate, Utc};

use crate::filter::Value;
use crate::queryables::Property;

/// One active camera; `contact` is present only in the `camera_contacts` collection.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraFeature {
    /// Camera id, the feature id.
    pub id: i64,
    /// Position, CRS84.
    pub at: LonLat,
    /// Mounted outside or inside.
    pub placement: Placement,
    /// What it views: bit `i` set for `View::ALL[i]`.
    pub views: u8,
    /// Degrees clockwise from north.
    pub facing_deg: Option<f32>,
    /// Field of view in degrees.
    pub fov_deg: Option<f32>,
    /// Range in metres.
    pub range_m: Option<f32>,
    /// Days footage is kept.
    pub retention_days: Option<i32>,
    /// Continuous or on motion.
    pub recording_mode: RecordingMode,
    /// Whether the owner can export footage.
    pub can_export: CanExport,
    /// Residence or business.
    pub kind: Kind,
    /// Day the owner last confirmed the entry.
    pub verified_on: Option<NaiveDate>,
    /// When the entry last changed.
    pub updated_at: DateTime<Utc>,
    /// The owner's contact (personal data), only where the caller may see it.
    pub contact: Option<ContactFields>,
}

/// The personal data of a `camera_contacts` feature, opened from its seal.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFields {
    /// The camera's street address.
    pub address: String,
    /// The owner's language.
    pub language: Language,
    /// How the owner prefers to be reached.
    pub contact_method: ContactMethod,
    /// The owner's name.
    pub owner_name: String,
    /// The owner's e-mail.
    pub email: String,
    /// The owner's phone.
    pub phone: Option<String>,
    /// The business name.
    pub business_name: Option<String>,
}

impl CameraFeature {
    /// The views as words, in `View::ALL` order.
    pub fn view_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        View::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| self.views & (1 << i) != 0)
            .map(|(_, v)| v.as_str())
    }

    /// A property's value; `None` when it is null or the feature does not have it. `views` is
    /// a list and has no single value: use [`CameraFeature::view_names`].
    pub fn value(&self, property: Property) -> Option<Value> {
        let text = |s: &str| Some(Value::Text(s.to_owned()));
        let contact = self.contact.as_ref();
        match property {
            Property::Id => Some(Value::Integer(self.id)),
            Property::Placement => text(self.placement.as_str()),
            Property::Views => None,
            Property::FacingDeg => self.facing_deg.map(|v| Value::Number(f64::from(v))),
            Property::FovDeg => self.fov_deg.map(|v| Value::Number(f64::from(v))),
            Property::RangeM => self.range_m.map(|v| Value::Number(f64::from(v))),
            Property::RetentionDays => self.retention_days.map(|v| Value::Integer(i64::from(v))),
            Property::RecordingMode => text(self.recording_mode.as_str()),
            Property::CanExport => text(self.can_export.as_str()),
            Property::Kind => text(self.kind.as_str()),
            Property::VerifiedOn => self.verified_on.map(Value::Date),
            Property::UpdatedAt => Some(Value::Timestamp(self.updated_at)),
            Property::Address => contact.and_then(|c| text(&c.address)),
            Property::Language => contact.and_then(|c| text(c.language.as_str())),
            Property::ContactMethod => contact.and_then(|c| text(c.contact_method.as_str())),
            Property::OwnerName => contact.and_then(|c| text(&c.owner_name)),
            Property::Email => contact.and_then(|c| text(&c.email)),
            Property::Phone => contact.and_then(|c| c.phone.as_deref().and_then(text)),
            Property::BusinessName => {
                contact.and_then(|c| c.business_name.as_deref().and_then(text))
            }
        }
    }
}
