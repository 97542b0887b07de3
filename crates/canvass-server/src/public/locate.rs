//! Where a registration's cameras are: the owner's pin, or their address matched against the
//! imported address points; either way inside the jurisdiction.

use canvass_db::DbError;
use canvass_db::places;
use canvass_model::address::parse_street_address;
use tokio_postgres::GenericClient;

/// The outcome of placing an address.
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

/// Places `address`, or checks `pin` when the owner gave one.
pub(crate) async fn locate(
    client: &impl GenericClient,
    address: &str,
    pin: Option<(f64, f64)>,
) -> Result<Located, DbError> {
    let (lon, lat) = match pin {
        Some(pin) => pin,
        None => {
            let Ok(parsed) = parse_street_address(address) else {
                return Ok(Located::NotFound);
            };
            let found = places::geocode(client, &parsed.number, &parsed.street_key).await?;
            let mut points: Vec<(f64, f64)> = found.iter().map(|c| (c.lon, c.lat)).collect();
            points.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-7 && (a.1 - b.1).abs() < 1e-7);
            match points.as_slice() {
                [] => return Ok(Located::NotFound),
                [one] => *one,
                _ => return Ok(Located::Ambiguous),
            }
        }
    };
    match places::inside_jurisdiction(client, lon, lat).await {
        Ok(true) => Ok(Located::At(lon, lat)),
        Ok(false) => Ok(Located::Outside),
        Err(DbError::NoJurisdiction) => {
            tracing::error!(
                "registration refused: no jurisdiction boundary loaded (canvass import boundary)"
            );
            Ok(Located::NotOpen)
        }
        Err(e) => Err(e),
    }
}
