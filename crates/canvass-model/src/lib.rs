//! Domain vocabulary of the Canvass registry.
//!
//! Every enum here has a twin `CHECK` constraint in `sql/`; the `as_str` spellings are the
//! values stored in the database, so changing one means writing a migration.

pub mod access;
pub mod address;
pub mod camera;
pub mod canvass;
pub mod contact_seal;
pub mod csv;
pub mod disclosure;
pub mod footage_request;
pub mod public_url;
pub mod registration;
pub mod submission;
pub mod totp;
pub mod walk;

pub use access::{Permission, Role};
pub use camera::{CanExport, Placement, RecordingMode, View};
pub use public_url::{PublicUrl, PublicUrlError};
pub use registration::{Kind, Language, RegistrationStatus, Source};
pub use submission::ContactMethod;

/// Declares a closed set of values with its database spelling.
macro_rules! db_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling stored in the database and used in URLs and feeds.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::UnknownValue {
                        kind: stringify!($name),
                        value: s.chars().take(40).collect(),
                    }),
                }
            }
        }
    };
}
pub(crate) use db_enum;

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}")]
pub struct UnknownValue {
    /// The enum's name.
    pub kind: &'static str,
    /// The offending value, cut to 40 characters so that hostile input cannot flood a log.
    pub value: String,
}
