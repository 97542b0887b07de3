//! The city: a wobbly-circle boundary, a named street grid inside it, and address points on
//! both sides of every street.

use std::f64::consts::PI;

use bytes::BytesMut;
use canvass_geo::LonLat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::CITY_STREAM;
use super::copy::{line_ewkb, point_ewkb, write_fields};
use super::names::street_name;
use crate::DbError;

const CENTER_LAT: f64 = 37.97;
const CENTER_LON: f64 = -122.03;
const METERS_PER_DEG_LAT: f64 = 110_574.0;
/// Mean radius of the jurisdiction: π·5.05² ≈ 80 km².
const CITY_RADIUS_M: f64 = 5050.0;
const BLOCK_M: f64 = 150.0;
pub(super) const GRID_HALF_LINES: i32 = 42;
/// Distance of an address point from the street centre line.
const ADDRESS_SETBACK_M: f64 = 12.0;
pub(super) const CITY_NAME: &str = "Demo City";
const POSTCODE: &str = "94520";

/// Local metres east/north of the centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Xy {
    x: f64,
    y: f64,
}

impl Xy {
    pub(super) fn lon_lat(self) -> Result<LonLat, DbError> {
        let lat = CENTER_LAT + self.y / METERS_PER_DEG_LAT;
        let lon = CENTER_LON + self.x / (111_320.0 * CENTER_LAT.to_radians().cos());
        LonLat::new(lon, lat).map_err(|e| DbError::Demo(format!("a point of the city: {e}")))
    }

    pub(super) fn offset(self, bearing_deg: f64, distance: f64) -> Xy {
        let b = bearing_deg.to_radians();
        Xy {
            x: self.x + distance * b.sin(),
            y: self.y + distance * b.cos(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Segment {
    name_index: usize,
    north_south: bool,
    /// Grid line and block numbers, for house numbers.
    line: i32,
    block: i32,
    from: Xy,
    to: Xy,
}

#[derive(Debug, Clone)]
pub(super) struct Address {
    pub(super) number: u32,
    pub(super) street: String,
    pub(super) location: Xy,
    /// Bearing from the house to the street.
    pub(super) to_street_deg: f64,
}

pub(super) struct City {
    boundary: Vec<Xy>,
    pub(super) segments: Vec<Segment>,
    ns_names: Vec<String>,
    ew_names: Vec<String>,
}

impl City {
    pub(super) fn generate(seed: u64) -> City {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(CITY_STREAM);
        // A wobbly circle: radius varies smoothly with three random harmonics.
        let harmonics: Vec<(f64, f64)> = (0..3)
            .map(|_| {
                (
                    rng.random_range(0.03..0.07),
                    rng.random_range(0.0..2.0 * PI),
                )
            })
            .collect();
        let boundary: Vec<Xy> = (0..48)
            .map(|i| {
                let t = 2.0 * PI * f64::from(i) / 48.0;
                let wobble: f64 = harmonics
                    .iter()
                    .enumerate()
                    .map(|(k, (a, p))| a * ((k as f64 + 2.0) * t + p).sin())
                    .sum();
                let r = CITY_RADIUS_M * (1.0 + wobble);
                Xy {
                    x: r * t.sin(),
                    y: r * t.cos(),
                }
            })
            .collect();
        let lines = 2 * GRID_HALF_LINES + 1;
        let ns_names = (0..lines).map(|i| street_name(i as usize, true)).collect();
        let ew_names = (0..lines).map(|i| street_name(i as usize, false)).collect();
        let mut city = City {
            boundary,
            segments: Vec::new(),
            ns_names,
            ew_names,
        };
        let coord = |i: i32| f64::from(i) * BLOCK_M;
        for line in -GRID_HALF_LINES..=GRID_HALF_LINES {
            for block in -GRID_HALF_LINES..GRID_HALF_LINES {
                for north_south in [true, false] {
                    let (from, to) = if north_south {
                        (
                            Xy {
                                x: coord(line),
                                y: coord(block),
                            },
                            Xy {
                                x: coord(line),
                                y: coord(block + 1),
                            },
                        )
                    } else {
                        (
                            Xy {
                                x: coord(block),
                                y: coord(line),
                            },
                            Xy {
                                x: coord(block + 1),
                                y: coord(line),
                            },
                        )
                    };
                    if city.contains_with_margin(from) && city.contains_with_margin(to) {
                        let name_index = (line + GRID_HALF_LINES) as usize;
                        city.segments.push(Segment {
                            name_index,
                            north_south,
                            line,
                            block,
                            from,
                            to,
                        });
                    }
                }
            }
        }
        city
    }

    /// Enough address points that every registration has its own (about 2.5 cameras each).
    pub(super) fn addresses_per_side(&self, cameras: u64) -> usize {
        let owners = cameras as f64 / 2.4;
        let needed = (owners / (2.0 * self.segments.len().max(1) as f64)).ceil() as usize;
        needed.clamp(9, 30)
    }

    /// Inside, with room for the houses and cameras of a street (address setback plus the
    /// spread of cameras around a house) before the boundary.
    fn contains_with_margin(&self, p: Xy) -> bool {
        const MARGIN_M: f64 = ADDRESS_SETBACK_M + 20.0;
        [
            (0.0, 0.0),
            (MARGIN_M, 0.0),
            (-MARGIN_M, 0.0),
            (0.0, MARGIN_M),
            (0.0, -MARGIN_M),
        ]
        .iter()
        .all(|(dx, dy)| {
            self.contains(Xy {
                x: p.x + dx,
                y: p.y + dy,
            })
        })
    }

    fn contains(&self, p: Xy) -> bool {
        let mut inside = false;
        let n = self.boundary.len();
        for i in 0..n {
            let (a, b) = (self.boundary[i], self.boundary[(i + n - 1) % n]);
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                inside = !inside;
            }
        }
        inside
    }

    pub(super) fn boundary_wkt(&self) -> Result<String, DbError> {
        let mut ring: Vec<String> = self
            .boundary
            .iter()
            .map(|p| {
                let at = p.lon_lat()?;
                Ok(format!("{:.7} {:.7}", at.lon(), at.lat()))
            })
            .collect::<Result<_, DbError>>()?;
        if let Some(first) = ring.first().cloned() {
            ring.push(first);
        }
        Ok(format!("POLYGON(({}))", ring.join(",")))
    }

    fn segment_name(&self, s: &Segment) -> &str {
        if s.north_south {
            &self.ns_names[s.name_index]
        } else {
            &self.ew_names[s.name_index]
        }
    }

    pub(super) fn write_street_row(
        &self,
        buf: &mut BytesMut,
        id: u64,
        s: &Segment,
    ) -> Result<(), DbError> {
        let class = if s.line % 8 == 0 {
            "primary"
        } else if s.line % 4 == 0 {
            "secondary"
        } else {
            "residential"
        };
        let geom = line_ewkb([s.from.lon_lat()?, s.to.lon_lat()?].into_iter())
            .map_err(|e| DbError::Demo(format!("street segment {id}: {e}")))?;
        write_fields(buf, &[&id.to_string(), self.segment_name(s), class, &geom]);
        Ok(())
    }

    /// Address points on both sides of every segment, every 15 m, numbered like a US grid
    /// (hundreds by block, odd on one side, even on the other).
    pub(super) fn addresses(&self, per_side: usize) -> Vec<Address> {
        let mut out = Vec::with_capacity(self.segments.len() * per_side * 2);
        for s in &self.segments {
            let bearing = if s.north_south { 0.0 } else { 90.0 };
            for side in 0..2u32 {
                let to_street = if side == 0 {
                    bearing + 270.0
                } else {
                    bearing + 90.0
                } % 360.0;
                for k in 0..per_side {
                    let along = (k as f64 + 0.5) * BLOCK_M / per_side as f64;
                    let on_street = s.from.offset(bearing, along);
                    let location = on_street.offset((to_street + 180.0) % 360.0, ADDRESS_SETBACK_M);
                    let hundred = u32::try_from(s.block + GRID_HALF_LINES + 1).unwrap_or(1) * 100;
                    let number = hundred + 2 * k as u32 + side;
                    // The boundary may cut between the ends of a segment.
                    if !self.contains_with_margin(location) {
                        continue;
                    }
                    out.push(Address {
                        number,
                        street: self.segment_name(s).to_owned(),
                        location,
                        to_street_deg: to_street % 360.0,
                    });
                }
            }
        }
        out
    }
}

pub(super) fn write_address_row(buf: &mut BytesMut, id: u64, a: &Address) -> Result<(), DbError> {
    // The geocoder's key, exactly as an import computes it, so typed addresses find demo points.
    let key = canvass_model::address::street_key(&a.street);
    write_fields(
        buf,
        &[
            &id.to_string(),
            &a.number.to_string(),
            &a.street,
            CITY_NAME,
            POSTCODE,
            &key,
            &point_ewkb(a.location.lon_lat()?),
            "demo",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_is_about_80_km2_and_has_streets() {
        let city = City::generate(1);
        let n = city.boundary.len();
        let area: f64 = (0..n)
            .map(|i| {
                let (a, b) = (city.boundary[i], city.boundary[(i + 1) % n]);
                a.x * b.y - b.x * a.y
            })
            .sum::<f64>()
            .abs()
            / 2.0
            / 1e6;
        assert!((70.0..90.0).contains(&area), "area {area} km²");
        assert!(city.segments.len() > 5000);
        assert!(city.contains(Xy { x: 0.0, y: 0.0 }));
        assert!(!city.contains(Xy { x: 7000.0, y: 0.0 }));
    }
}
