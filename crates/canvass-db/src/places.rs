//! Reference geography: imported address points, the jurisdiction boundary, and the two
//! questions the public pages ask of them — where is this address ([`geocode`]), and is this
//! spot ours to serve ([`inside_jurisdiction`]).
//!
//! Both tables are written only by operators (`canvass import`, `canvass demo`); the server
//! reads them.

use canvass_geo::LonLat;
use canvass_model::address::{AddressPoint, parse_street_address};
use tokio_postgres::{Client, GenericClient, Row, Transaction};

use crate::DbError;

/// Most candidates [`geocode`] returns; more means the key is far too loose to choose from.
pub const MAX_CANDIDATES: i64 = 20;
/// Longest `source` tag of an address import.
pub const MAX_SOURCE: usize = 200;
/// Longest jurisdiction name (the column's check).
pub const MAX_JURISDICTION_NAME: usize = 200;

const COUNT_SOURCE: &str = "SELECT count(*) FROM address_points WHERE source = $1";
const DELETE_SOURCE: &str = "DELETE FROM address_points WHERE source = $1";
/// One statement per batch, whatever its size: arrays in, rows out.
const INSERT_ADDRESSES: &str = "
    INSERT INTO address_points (number, street, unit, city, postcode, street_key, location, source)
    SELECT n, s, u, c, p, k, ST_SetSRID(ST_MakePoint(x, y), 4326), $9
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::float8[], $8::float8[]) AS t(n, s, u, c, p, k, x, y)";
const OTHER_SOURCES: &str = "SELECT source, count(*) FROM address_points WHERE source <> $1
     GROUP BY source ORDER BY source";
const ANALYZE_ADDRESSES: &str = "ANALYZE address_points";

/// Exact match on the lookup index; several points at one spot (units) count once.
const GEOCODE: &str = "
    SELECT number, street, city, postcode, lon, lat FROM (
        SELECT DISTINCT ON (round(ST_X(location)::numeric, 7), round(ST_Y(location)::numeric, 7))
               id, number, street, city, postcode, ST_X(location) AS lon, ST_Y(location) AS lat
        FROM address_points
        WHERE street_key = $1 AND number = $2
        ORDER BY round(ST_X(location)::numeric, 7), round(ST_Y(location)::numeric, 7), id
    ) AS spots
    ORDER BY id
    LIMIT $3";

/// Loaded at all, and covering the point. `ST_Intersects` counts the boundary line as inside.
const INSIDE: &str = "
    SELECT EXISTS (SELECT 1 FROM jurisdiction),
           EXISTS (SELECT 1 FROM jurisdiction
                   WHERE ST_Intersects(boundary, ST_SetSRID(ST_MakePoint($1, $2), 4326)))";

/// Repairs and dissolves a boundary: `ST_MakeValid` fixes self-intersections and bad rings,
/// `ST_UnaryUnion` merges touching and overlapping parts, only polygons are kept.
const CLEAN_BOUNDARY: &str = "
    WITH input AS (SELECT ST_SetSRID(ST_GeomFromWKB($1), 4326) AS g),
    checked AS (SELECT g, ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason FROM input),
    cleaned AS (
        SELECT valid, reason,
               ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_MakeValid(g)), 3)) AS m
        FROM checked)
    SELECT valid, reason, ST_IsEmpty(m), ST_AsBinary(m), ST_NumGeometries(m),
           ST_Area(m::geography) / 1e6, ST_XMin(m), ST_YMin(m), ST_XMax(m), ST_YMax(m)
    FROM cleaned";
const BASEMAP_TILE: &str = "
    WITH area AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
                         ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS wgs)
    SELECT coalesce((SELECT ST_AsMVT(s, 'streets', 4096, 'geom') FROM (
               SELECT st.name, st.class,
                      ST_AsMVTGeom(ST_Transform(st.geom, 3857), area.env, 4096, 64, true) AS geom
                 FROM streets st, area WHERE st.geom && area.wgs) s
             WHERE s.geom IS NOT NULL), ''::bytea)
        || coalesce((SELECT ST_AsMVT(j, 'jurisdiction', 4096, 'geom') FROM (
               SELECT ju.name,
                      ST_AsMVTGeom(ST_Boundary(ST_Transform(ju.boundary, 3857)), area.env, 4096, 64, true) AS geom
                 FROM jurisdiction ju, area WHERE ju.boundary && area.wgs) j
             WHERE j.geom IS NOT NULL), ''::bytea)";
const JURISDICTION_CENTRE: &str = "SELECT ST_X(p), ST_Y(p) FROM (
    SELECT ST_PointOnSurface(boundary) AS p FROM jurisdiction ORDER BY id DESC LIMIT 1) t";
/// The streets inside a box, cut to it and simplified to the scale of a printed map, as
/// coordinate arrays per line part: main streets first, then the longest, so that the cap
/// keeps what orients a reader.
const STREETS_IN_BOX: &str = "
    WITH e AS (SELECT ST_MakeEnvelope($1, $2, $3, $4, 4326) AS box)
    SELECT s.class, s.name, part.xs, part.ys
      FROM streets s, e,
           LATERAL ST_Dump(ST_Simplify(ST_ClipByBox2D(s.geom, e.box), $5)) d,
           LATERAL (SELECT array_agg(ST_X(p.geom) ORDER BY p.path) AS xs,
                           array_agg(ST_Y(p.geom) ORDER BY p.path) AS ys
                      FROM ST_DumpPoints(d.geom) p) part
     WHERE s.geom && e.box AND ST_GeometryType(d.geom) = 'ST_LineString'
     ORDER BY CASE s.class WHEN 'primary' THEN 0 WHEN 'secondary' THEN 1
                           WHEN 'residential' THEN 2 ELSE 3 END,
              ST_Length(s.geom) DESC, s.id
     LIMIT $6";
const DELETE_JURISDICTION: &str = "DELETE FROM jurisdiction";
const INSERT_JURISDICTION: &str = "INSERT INTO jurisdiction (name, boundary, source)
     VALUES ($1, ST_GeomFromWKB($2, 4326), $3)";

/// An address import in progress: one transaction, so that a failed import leaves the previous
/// points of the source untouched.
pub struct AddressImport<'c> {
    tx: Transaction<'c>,
    source: String,
    replaced: u64,
    inserted: u64,
}

impl std::fmt::Debug for AddressImport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressImport")
            .field("source", &self.source)
            .field("replaced", &self.replaced)
            .field("inserted", &self.inserted)
            .finish_non_exhaustive()
    }
}

/// What an address import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressImportReport {
    /// Points inserted.
    pub inserted: u64,
    /// Points of the same source deleted first.
    pub replaced: u64,
    /// Points of other sources still in the table (e.g. the demo's), by source.
    pub other_sources: Vec<(String, i64)>,
}

impl<'c> AddressImport<'c> {
    /// Starts importing points tagged `source`. If the table already holds points of that
    /// source, `replace` deletes them (committed only with the new ones); without it the
    /// import is refused, so that running the same import twice never doubles the points.
    pub async fn begin(
        client: &'c mut Client,
        source: &str,
        replace: bool,
    ) -> Result<AddressImport<'c>, DbError> {
        let source = source.trim();
        if source.is_empty()
            || source.chars().count() > MAX_SOURCE
            || source.chars().any(char::is_control)
        {
            return Err(DbError::Places(format!(
                "the source name must be 1 to {MAX_SOURCE} printable characters"
            )));
        }
        let tx = client
            .transaction()
            .await
            .map_err(DbError::pg("begin address import"))?;
        let existing: i64 = tx
            .query_one(COUNT_SOURCE, &[&source])
            .await
            .map_err(DbError::pg("count address points of the source"))?
            .get(0);
        let mut replaced = 0;
        if existing > 0 {
            if !replace {
                return Err(DbError::Places(format!(
                    "{existing} address points from source {source:?} are already loaded; use \
                     --replace to replace them, or --source to name this import differently"
                )));
            }
            replaced = tx
                .execute(DELETE_SOURCE, &[&source])
                .await
                .map_err(DbError::pg("delete address points of the source"))?;
        }
        Ok(AddressImport {
            tx,
            source: source.to_owned(),
            replaced,
            inserted: 0,
        })
    }

    /// Inserts a batch (a few thousand points per call is a good size).
    pub async fn insert(&mut self, points: &[AddressPoint]) -> Result<(), DbError> {
        if points.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&AddressPoint) -> Option<&str>| -> Vec<Option<&str>> {
            points.iter().map(f).collect()
        };
        let number = column(|p| Some(p.number.as_str()));
        let street = column(|p| Some(p.street.as_str()));
        let unit = column(|p| p.unit.as_deref());
        let city = column(|p| p.city.as_deref());
        let postcode = column(|p| p.postcode.as_deref());
        let key = column(|p| Some(p.street_key.as_str()));
        let lon: Vec<f64> = points.iter().map(|p| p.location.lon()).collect();
        let lat: Vec<f64> = points.iter().map(|p| p.location.lat()).collect();
        let inserted = self
            .tx
            .execute(
                INSERT_ADDRESSES,
                &[
                    &number,
                    &street,
                    &unit,
                    &city,
                    &postcode,
                    &key,
                    &lon,
                    &lat,
                    &self.source,
                ],
            )
            .await
            .map_err(DbError::pg("insert address points"))?;
        self.inserted += inserted;
        Ok(())
    }

    /// Points inserted so far.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Commits the import. Dropping an `AddressImport` without committing rolls it back.
    pub async fn commit(self) -> Result<AddressImportReport, DbError> {
        self.tx
            .batch_execute(ANALYZE_ADDRESSES)
            .await
            .map_err(DbError::pg("analyze address points"))?;
        let other_sources = self
            .tx
            .query(OTHER_SOURCES, &[&self.source])
            .await
            .map_err(DbError::pg("count address points of other sources"))?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        self.tx
            .commit()
            .await
            .map_err(DbError::pg("commit address import"))?;
        Ok(AddressImportReport {
            inserted: self.inserted,
            replaced: self.replaced,
            other_sources,
        })
    }
}

/// Imports `points` tagged `source` in one go; see [`AddressImport::begin`] for `replace`.
pub async fn import_address_points(
    client: &mut Client,
    source: &str,
    replace: bool,
    points: &[AddressPoint],
) -> Result<AddressImportReport, DbError> {
    let mut import = AddressImport::begin(client, source, replace).await?;
    for batch in points.chunks(5000) {
        import.insert(batch).await?;
    }
    import.commit().await
}

/// An address point that matches a typed address.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Where it is, EPSG:4326.
    pub location: LonLat,
    /// House number as imported.
    pub number: String,
    /// Street name as the address file spells it, for showing back to the person.
    pub street: String,
    /// City, if the file had one.
    pub city: Option<String>,
    /// Postcode, if the file had one.
    pub postcode: Option<String>,
}

/// The address points at `number` on the street whose key is `street_key`, at most
/// [`MAX_CANDIDATES`], each spot once, oldest import first.
///
/// Both arguments come from `canvass_model::address::parse_street_address`, which normalises
/// them exactly as the import did:
///
/// ```ignore
/// let typed = canvass_model::address::parse_street_address("1234 N. Main Street, Apt 5")?;
/// let candidates = places::geocode(&client, &typed.number, &typed.street_key).await?;
/// ```
///
/// One candidate: place the camera there. None: the address is not in the file (or was
/// mistyped). Several: the same number on streets that share a key (rare). In the last two
/// cases let the person place a pin on the map.
pub async fn geocode(
    client: &impl GenericClient,
    number: &str,
    street_key: &str,
) -> Result<Vec<Candidate>, DbError> {
    let rows = client
        .query(GEOCODE, &[&street_key, &number, &MAX_CANDIDATES])
        .await
        .map_err(DbError::pg("geocode"))?;
    rows.iter()
        .map(|row| {
            Ok(Candidate {
                number: row.get(0),
                street: row.get(1),
                city: row.get(2),
                postcode: row.get(3),
                location: lon_lat_of(row, 4, "an address point")?,
            })
        })
        .collect()
}

/// The position in columns `lon_column` (longitude) and the one after it (latitude).
pub(crate) fn lon_lat_of(row: &Row, lon_column: usize, what: &str) -> Result<LonLat, DbError> {
    LonLat::new(row.get(lon_column), row.get(lon_column + 1))
        .map_err(|e| DbError::Invalid(format!("{what}: {e}")))
}

/// Whether the point (longitude, latitude in EPSG:4326) lies inside the jurisdiction,
/// its boundary line included. A point that is not a valid longitude/latitude is outside.
/// It takes raw degrees, not a [`LonLat`], so that it answers for unchecked numbers too.
///
/// **No boundary loaded is an error** ([`DbError::NoJurisdiction`]), not "everywhere is
/// inside": a department that forgot `canvass import boundary` would otherwise collect
/// registrations from the whole world without noticing. The public pages should answer that
/// error as "registration is not open yet" and log it for the administrator.
pub async fn inside_jurisdiction(
    client: &impl GenericClient,
    lon: f64,
    lat: f64,
) -> Result<bool, DbError> {
    let row = client
        .query_one(INSIDE, &[&lon, &lat])
        .await
        .map_err(DbError::pg("check the jurisdiction"))?;
    let (loaded, inside): (bool, bool) = (row.get(0), row.get(1));
    if !loaded {
        return Err(DbError::NoJurisdiction);
    }
    Ok(inside && LonLat::new(lon, lat).is_ok())
}

/// What [`replace_jurisdiction`] stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JurisdictionReport {
    /// Polygons after dissolving touching parts.
    pub polygons: i32,
    /// Area in km².
    pub area_km2: f64,
    /// When the input was not valid: PostGIS's reason (it was repaired with `ST_MakeValid`).
    pub repaired: Option<String>,
}

/// Replaces the jurisdiction by one boundary: `wkb` is a Polygon or MultiPolygon in EPSG:4326
/// (longitude, latitude). Invalid geometry is repaired, touching parts are merged; an empty
/// or zero-area result, or coordinates that are not longitude/latitude, are refused and the
/// previous boundary stays.
pub async fn replace_jurisdiction(
    client: &mut Client,
    name: &str,
    wkb: &[u8],
    source: &str,
) -> Result<JurisdictionReport, DbError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_JURISDICTION_NAME
        || name.chars().any(char::is_control)
    {
        return Err(DbError::Places(format!(
            "the jurisdiction name must be 1 to {MAX_JURISDICTION_NAME} printable characters"
        )));
    }
    let tx = client
        .transaction()
        .await
        .map_err(DbError::pg("begin jurisdiction import"))?;
    let row = tx
        .query_one(CLEAN_BOUNDARY, &[&wkb])
        .await
        .map_err(DbError::pg("read the boundary geometry"))?;
    let valid: bool = row.get(0);
    let reason: String = row.get(1);
    let empty: bool = row.get(2);
    if empty {
        return Err(DbError::Places(
            "the boundary is empty: no polygon with an area remains after repair".into(),
        ));
    }
    let cleaned: Vec<u8> = row.get(3);
    let polygons: i32 = row.get(4);
    let area_km2: f64 = row.get(5);
    let extent: [Option<f64>; 4] = [row.get(6), row.get(7), row.get(8), row.get(9)];
    let in_range = match extent {
        [Some(x0), Some(y0), Some(x1), Some(y1)] => {
            LonLat::new(x0, y0).is_ok() && LonLat::new(x1, y1).is_ok()
        }
        _ => false,
    };
    if !in_range {
        return Err(DbError::Places(
            "the boundary's coordinates are not longitude/latitude (EPSG:4326)".into(),
        ));
    }
    if area_km2 <= 0.0 || !area_km2.is_finite() {
        return Err(DbError::Places("the boundary has no area".into()));
    }
    tx.execute(DELETE_JURISDICTION, &[])
        .await
        .map_err(DbError::pg("delete the previous jurisdiction"))?;
    tx.execute(INSERT_JURISDICTION, &[&name, &cleaned, &source])
        .await
        .map_err(DbError::pg("insert the jurisdiction"))?;
    tx.commit()
        .await
        .map_err(DbError::pg("commit jurisdiction import"))?;
    Ok(JurisdictionReport {
        polygons,
        area_km2,
        repaired: (!valid).then_some(reason),
    })
}

/// The public basemap tile `z/x/y`: streets and the jurisdiction's outline as MVT layers
/// `streets` and `jurisdiction`, encoded by PostGIS; empty when nothing is there. Reference
/// data only: nothing about the registry.
pub async fn basemap_tile(
    client: &impl GenericClient,
    z: i32,
    x: i32,
    y: i32,
) -> Result<Vec<u8>, DbError> {
    let row = client
        .query_one(BASEMAP_TILE, &[&z, &x, &y])
        .await
        .map_err(DbError::pg("encode a basemap tile"))?;
    Ok(row.get(0))
}

/// A point inside the newest jurisdiction, where a map opens; `None` while no jurisdiction
/// is loaded.
pub async fn jurisdiction_centre(client: &impl GenericClient) -> Result<Option<LonLat>, DbError> {
    let row = client
        .query_opt(JURISDICTION_CENTRE, &[])
        .await
        .map_err(DbError::pg("find the jurisdiction centre"))?;
    row.map(|row| lon_lat_of(&row, 0, "the jurisdiction centre"))
        .transpose()
}

/// A street (or the part of one inside a box) to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetLine {
    /// `primary`, `secondary`, `residential` or `service` (the column's check).
    pub class: String,
    /// Its name, as imported.
    pub name: String,
    /// Its positions, in order; at least two.
    pub points: Vec<LonLat>,
}

/// The streets inside the box from `south_west` to `north_east`, cut to it and simplified to
/// `tolerance_deg`; at most `limit` line parts, main streets and then the longest first.
/// Reference data only: nothing about the registry.
pub async fn streets_in_box(
    client: &impl GenericClient,
    south_west: LonLat,
    north_east: LonLat,
    tolerance_deg: f64,
    limit: i64,
) -> Result<Vec<StreetLine>, DbError> {
    let rows = client
        .query(
            STREETS_IN_BOX,
            &[
                &south_west.lon(),
                &south_west.lat(),
                &north_east.lon(),
                &north_east.lat(),
                &tolerance_deg,
                &limit,
            ],
        )
        .await
        .map_err(DbError::pg("read the streets of a map"))?;
    let mut streets = Vec::with_capacity(rows.len());
    for row in &rows {
        let xs: Vec<f64> = row.get(2);
        let ys: Vec<f64> = row.get(3);
        let points = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| {
                LonLat::new(*x, *y).map_err(|e| DbError::Invalid(format!("a street: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if points.len() >= 2 {
            streets.push(StreetLine {
                class: row.get(0),
                name: row.get(1),
                points,
            });
        }
    }
    Ok(streets)
}

/// Where a registration's cameras go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Located {
    /// Inside the jurisdiction.
    At(LonLat),
    /// No address point matches the address; a pin (or coordinates) is needed.
    NotFound,
    /// Several places match; a pin is needed.
    Ambiguous,
    /// The place is outside the jurisdiction.
    Outside,
}

/// The one rule of the public form and the bulk import: the owner's own coordinates, or the
/// address matched against the address points (exactly one place), and either way inside the
/// jurisdiction. No jurisdiction loaded is [`DbError::NoJurisdiction`].
pub async fn locate(
    client: &impl GenericClient,
    address: &str,
    coordinates: Option<LonLat>,
) -> Result<Located, DbError> {
    let at = match coordinates {
        Some(given) => given,
        None => {
            let Ok(parsed) = parse_street_address(address) else {
                return Ok(Located::NotFound);
            };
            let found = geocode(client, &parsed.number, &parsed.street_key).await?;
            let mut points: Vec<LonLat> = found.iter().map(|c| c.location).collect();
            points.dedup_by(|a, b| {
                (a.lon() - b.lon()).abs() < 1e-7 && (a.lat() - b.lat()).abs() < 1e-7
            });
            match points.as_slice() {
                [] => return Ok(Located::NotFound),
                [one] => *one,
                _ => return Ok(Located::Ambiguous),
            }
        }
    };
    Ok(if inside_jurisdiction(client, at.lon(), at.lat()).await? {
        Located::At(at)
    } else {
        Located::Outside
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;

    fn at(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    #[tokio::test]
    async fn streets_in_a_box_are_cut_to_it_main_first_and_capped() {
        let db = TestDatabase::new().await.unwrap();
        let client = db.connect().await.unwrap();
        client
            .batch_execute(
                "INSERT INTO streets (name, class, geom) VALUES
                 ('Lane', 'service', 'SRID=4326;LINESTRING(-122.004 37.004, -122.003 37.004)'),
                 ('Short St', 'residential', 'SRID=4326;LINESTRING(-122.004 37.002, -122.003 37.002)'),
                 ('Long St', 'residential', 'SRID=4326;LINESTRING(-122.009 37.006, -122.001 37.006)'),
                 ('Main Ave', 'primary', 'SRID=4326;LINESTRING(-122.02 37.005, -121.98 37.005)'),
                 ('Far Rd', 'primary', 'SRID=4326;LINESTRING(-122.5 37.5, -122.4 37.5)')",
            )
            .await
            .unwrap();
        let (south_west, north_east) = (at(-122.01, 37.0), at(-122.0, 37.01));
        let streets = streets_in_box(&client, south_west, north_east, 1e-6, 10)
            .await
            .unwrap();
        let names: Vec<&str> = streets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Main Ave", "Long St", "Short St", "Lane"]);
        assert_eq!(streets[0].class, "primary");
        // Cut to the box: the primary street ran 2 km past it on each side.
        for p in streets.iter().flat_map(|s| &s.points) {
            assert!((-122.01 - 1e-9..=-122.0 + 1e-9).contains(&p.lon()), "{p:?}");
            assert!((37.0..=37.01).contains(&p.lat()), "{p:?}");
        }
        let main = &streets[0].points;
        assert_eq!(main.len(), 2);
        assert!((main[0].lon() + 122.01).abs() < 1e-9 && (main[1].lon() + 122.0).abs() < 1e-9);
        // The cap keeps the main streets, then the longest.
        let capped = streets_in_box(&client, south_west, north_east, 1e-6, 2)
            .await
            .unwrap();
        let names: Vec<&str> = capped.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Main Ave", "Long St"]);
    }
}
