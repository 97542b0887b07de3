//! Data from any OGR vector format, through GDAL: address points for geocoding, the
//! jurisdiction boundary, and the registrations of an existing registry. Coordinates are
//! reprojected to longitude/latitude (EPSG:4326) with PROJ.
//!
//! - [`fields`]: `--map key=FIELD,…` and the usual field names when nothing is said.
//! - [`source`]: opening a file, choosing its layer, its coordinate system.
//! - [`addresses`]: one address point or one rejection (with the reason) per row; a bad row
//!   never stops the others.
//! - [`boundary`]: every polygon of a layer as one MultiPolygon.
//! - [`registrations`]: an existing registry, one camera per row, checked like the public
//!   form; rows of one e-mail address gathered into one owner's registration.
//!
//! Nothing here touches the database: the `canvass import` command hands the results to
//! `canvass_db::places` and `canvass_db::registrations`. GDAL and PROJ objects are not shared between threads: open and read a
//! file on one (blocking) thread.

pub mod addresses;
pub mod boundary;
mod error;
pub mod fields;
pub mod registrations;
pub mod source;

pub use addresses::{ADDRESS_FIELDS, AddressOptions, AddressSource, ReadSummary, Rejection, Row};
pub use boundary::{Boundary, read_boundary};
pub use error::ImportError;
pub use fields::{FieldMap, FieldSpec};
pub use registrations::{
    Defaults, OwnerEntry, PlacedRow, REGISTRATION_FIELDS, RegistrationOptions, RegistrationSource,
    RowRegistration, SheetRow, SheetSummary, group_by_owner,
};
