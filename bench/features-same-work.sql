-- The same work as Canvass's `cameras` collection, for the peers of bench/features (tipg and
-- pygeoapi): active cameras only, the camera id as feature id, the Point (EPSG:4326) and the
-- eleven properties Canvass serves, under the same names. `views` stays a text array (a JSON
-- list, as Canvass writes it); `updated_at` is the later of the camera's and its registration's
-- last change, as in Canvass. The view has a schema of its own, so that tipg publishes nothing
-- else and both peers name the collection `cameras`.
CREATE SCHEMA IF NOT EXISTS canvass_bench;

CREATE OR REPLACE VIEW canvass_bench.cameras AS
SELECT c.id,
       c.location AS geom,
       c.placement,
       c.views,
       c.facing_deg,
       c.fov_deg,
       c.range_m,
       c.retention_days,
       c.recording_mode,
       c.can_export,
       r.kind,
       (r.verified_at AT TIME ZONE 'UTC')::date AS verified_on,
       GREATEST(c.updated_at, r.updated_at) AS updated_at
FROM public.cameras c
JOIN public.registrations r ON r.id = c.registration_id
WHERE r.status = 'active';
