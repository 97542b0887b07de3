//! What a camera records and how long it keeps it.

use crate::db_enum;

db_enum! {
    /// Where the camera is mounted.
    Placement {
        Exterior => "exterior",
        Interior => "interior",
    }
}

db_enum! {
    /// What the camera mainly views.
    View {
        Street => "street",
        Sidewalk => "sidewalk",
        Driveway => "driveway",
        Yard => "yard",
        ParkingLot => "parking_lot",
        Alley => "alley",
        Entrance => "entrance",
    }
}

impl View {
    /// The views of a bit set holding bit `i` for `View::ALL[i]` (how the camera index keeps
    /// them), in the vocabulary's order.
    pub fn from_mask(mask: u8) -> impl Iterator<Item = View> {
        View::ALL
            .iter()
            .enumerate()
            .filter(move |(i, _)| mask & (1 << i) != 0)
            .map(|(_, v)| *v)
    }
}

db_enum! {
    /// When the camera records.
    RecordingMode {
        Continuous => "continuous",
        Motion => "motion",
    }
}

db_enum! {
    /// Whether the owner can export footage for an investigation.
    CanExport {
        Yes => "yes",
        No => "no",
        NotSure => "not_sure",
    }
}

/// Longest retention the registry accepts, in days (ten years).
pub const MAX_RETENTION_DAYS: i32 = 3650;
/// Largest facing, in degrees clockwise from north; 360 is the same direction as 0.
pub const MAX_FACING_DEGREES: f64 = 360.0;

/// A camera attribute outside its allowed range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraRangeError {
    /// Facing must be within 0–360 degrees.
    #[error("facing must be between 0 and 360 degrees, got {0}")]
    Facing(f64),
    /// Retention must be within 0–3650 days.
    #[error("retention must be between 0 and {MAX_RETENTION_DAYS} days, got {0}")]
    Retention(i32),
}

/// Checks a facing in degrees; the database enforces the same range.
pub fn check_facing(degrees: f64) -> Result<f64, CameraRangeError> {
    if degrees.is_finite() && (0.0..=MAX_FACING_DEGREES).contains(&degrees) {
        Ok(degrees)
    } else {
        Err(CameraRangeError::Facing(degrees))
    }
}

/// Checks a retention in days; the database enforces the same range.
pub fn check_retention(days: i32) -> Result<i32, CameraRangeError> {
    if (0..=MAX_RETENTION_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(CameraRangeError::Retention(days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(check_facing(0.0).is_ok());
        assert!(check_facing(360.0).is_ok());
        assert!(check_facing(400.0).is_err());
        assert!(check_facing(f64::NAN).is_err());
        assert!(check_retention(-1).is_err());
        assert!(check_retention(3650).is_ok());
        assert!(check_retention(3651).is_err());
        assert_eq!("parking_lot".parse::<View>(), Ok(View::ParkingLot));
    }
}
