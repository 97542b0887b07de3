-- The same work as Canvass's `cameras` layer, as a martin function source (bench/tiles):
-- active cameras only, the ten attributes Canvass sends with the same names and value types,
-- the camera id as feature id, extent 4096 and a 64-unit buffer. Canvass encodes its tiles
-- from memory; martin asks PostGIS for each tile it has not cached.
CREATE OR REPLACE FUNCTION canvass_bench_cameras(z integer, x integer, y integer)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT ST_AsMVT(tile, 'cameras', 4096, 'geom', 'id')
  FROM (
    SELECT c.id,
           ST_AsMVTGeom(ST_Transform(c.location, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
             AS geom,
           c.placement,
           array_to_string(c.views, ',') AS views,
           c.facing_deg, c.fov_deg, c.range_m, c.retention_days,
           c.recording_mode, c.can_export, r.kind,
           to_char((r.verified_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS verified_on
    FROM cameras c
    JOIN registrations r ON r.id = c.registration_id
    WHERE r.status = 'active'
      AND c.location && ST_Transform(ST_TileEnvelope(z, x, y, margin => 64.0 / 4096), 4326)
  ) AS tile
  WHERE tile.geom IS NOT NULL
$$;
