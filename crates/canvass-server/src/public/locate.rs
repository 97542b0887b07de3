//! Where a registration's cameras are: the intake's one rule ([`intake::place`]), shared with
//! the bulk import; while no jurisdiction is loaded, registration is not open.

pub(crate) use canvass_db::intake::{Placed as Located, place as locate};
