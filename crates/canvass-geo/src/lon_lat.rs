//! A longitude and latitude in degrees (WGS 84), checked once where it enters.

use std::fmt;

use crate::WorldPoint;

/// Why a longitude/latitude pair is not a position on the Earth.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum LonLatError {
    /// NaN or infinite.
    #[error("longitude and latitude must be finite numbers, got {lon}, {lat}")]
    NotFinite {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// Outside -180..=180.
    #[error("longitude {0} is outside -180 to 180")]
    Longitude(f64),
    /// Outside -90..=90.
    #[error("latitude {0} is outside -90 to 90")]
    Latitude(f64),
}

/// A position in degrees, longitude first (as GeoJSON and WKT order them). The fields are
/// private so that every value has passed [`LonLat::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLat {
    lon: f64,
    lat: f64,
}

impl LonLat {
    /// 0°, 0°, where the prime meridian crosses the equator.
    pub const ORIGIN: LonLat = LonLat { lon: 0.0, lat: 0.0 };

    /// A position from degrees: finite, longitude within -180..=180, latitude within -90..=90.
    pub fn new(lon: f64, lat: f64) -> Result<LonLat, LonLatError> {
        if !lon.is_finite() || !lat.is_finite() {
            return Err(LonLatError::NotFinite { lon, lat });
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(LonLatError::Longitude(lon));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(LonLatError::Latitude(lat));
        }
        Ok(LonLat { lon, lat })
    }

    /// Longitude in degrees, east positive.
    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Latitude in degrees, north positive.
    pub fn lat(self) -> f64 {
        self.lat
    }
}

impl From<WorldPoint> for LonLat {
    /// Every Web Mercator position is a valid longitude and latitude.
    fn from(p: WorldPoint) -> LonLat {
        LonLat {
            lon: p.longitude(),
            lat: p.latitude(),
        }
    }
}

impl From<LonLat> for WorldPoint {
    /// Latitudes beyond Web Mercator's edge are clamped to it.
    fn from(p: LonLat) -> WorldPoint {
        WorldPoint::from_lon_lat(p.lon, p.lat)
    }
}

impl fmt::Display for LonLat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.lon, self.lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positions_on_the_earth() {
        let p = LonLat::new(-122.03, 37.97).unwrap();
        assert_eq!((p.lon(), p.lat()), (-122.03, 37.97));
        assert_eq!(p.to_string(), "-122.03, 37.97");
        assert!(LonLat::new(180.0, -90.0).is_ok());
        assert_eq!(LonLat::new(180.5, 0.0), Err(LonLatError::Longitude(180.5)));
        assert_eq!(LonLat::new(0.0, -90.1), Err(LonLatError::Latitude(-90.1)));
        assert!(matches!(
            LonLat::new(f64::NAN, 0.0),
            Err(LonLatError::NotFinite { .. })
        ));
        assert!(LonLat::new(0.0, f64::INFINITY).is_err());
    }

    #[test]
    fn origin_is_zero_zero() {
        assert_eq!(LonLat::ORIGIN, LonLat::new(0.0, 0.0).unwrap());
    }

    #[test]
    fn converts_to_and_from_world_positions() {
        let p = LonLat::new(-122.03, 37.97).unwrap();
        let back = LonLat::from(WorldPoint::from(p));
        assert!((back.lon() - p.lon()).abs() < 1e-6 && (back.lat() - p.lat()).abs() < 1e-6);
    }
}
