-- A canvass keeps the cameras it found in its own row, as parallel arrays in answer order
-- (nearest the incident first), instead of one canvass_cameras row per camera: writing 350
-- rows with an index entry and a foreign-key check each was most of a 100 m canvass's time
-- (the profile in docs/benchmarks.md). Cameras deleted since are left out when a canvass is
-- read, as before. canvass_cameras becomes canvass_camera_status: only the outcomes officers
-- have recorded.
ALTER TABLE canvasses
    ADD COLUMN camera_ids bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN distances_m real[] NOT NULL DEFAULT '{}',
    ADD COLUMN bearings_deg real[] NOT NULL DEFAULT '{}',
    ADD COLUMN faces_incident text[] NOT NULL DEFAULT '{}',
    -- Incident time + each camera's retention; NULL entries where the owner does not know it.
    ADD COLUMN footage_until timestamptz[] NOT NULL DEFAULT '{}',
    -- Only in a re-run of a missing-person case: whether the run before missed each camera.
    ADD COLUMN new_since_previous boolean[];
-- A 500 m canvass keeps 5,000 cameras (~150 KB of arrays): lz4 compresses them at memory
-- speed where the default pglz would spend milliseconds inside the canvass's transaction.
ALTER TABLE canvasses
    ALTER COLUMN camera_ids SET COMPRESSION lz4,
    ALTER COLUMN distances_m SET COMPRESSION lz4,
    ALTER COLUMN bearings_deg SET COMPRESSION lz4,
    ALTER COLUMN faces_incident SET COMPRESSION lz4,
    ALTER COLUMN footage_until SET COMPRESSION lz4,
    ALTER COLUMN new_since_previous SET COMPRESSION lz4;

UPDATE canvasses v
   SET camera_ids = f.ids,
       distances_m = f.distances,
       bearings_deg = f.bearings,
       faces_incident = f.faces,
       footage_until = f.until,
       new_since_previous = f.fresh
  FROM (SELECT canvass_id,
               array_agg(camera_id ORDER BY rank) AS ids,
               array_agg(distance_m ORDER BY rank) AS distances,
               array_agg(bearing_deg ORDER BY rank) AS bearings,
               array_agg(faces_incident ORDER BY rank) AS faces,
               array_agg(footage_until ORDER BY rank) AS until,
               CASE WHEN bool_or(new_since_previous IS NOT NULL)
                    THEN array_agg(new_since_previous ORDER BY rank) END AS fresh
          FROM canvass_cameras GROUP BY canvass_id) f
 WHERE f.canvass_id = v.id;

ALTER TABLE canvasses
    ADD CONSTRAINT canvasses_findings_aligned CHECK (
        cardinality(distances_m) = cardinality(camera_ids)
        AND cardinality(bearings_deg) = cardinality(camera_ids)
        AND cardinality(faces_incident) = cardinality(camera_ids)
        AND cardinality(footage_until) = cardinality(camera_ids)
        AND (new_since_previous IS NULL
             OR cardinality(new_since_previous) = cardinality(camera_ids))),
    ADD CONSTRAINT canvasses_faces_incident_check
        CHECK (faces_incident <@ ARRAY['yes', 'no', 'unknown']);

-- Rows nobody set a status on carried only what the arrays hold now.
DELETE FROM canvass_cameras WHERE updated_by_name IS NULL;
ALTER TABLE canvass_cameras
    DROP CONSTRAINT canvass_cameras_rank_key,
    DROP COLUMN rank,
    DROP COLUMN distance_m,
    DROP COLUMN bearing_deg,
    DROP COLUMN faces_incident,
    DROP COLUMN footage_until,
    DROP COLUMN new_since_previous,
    ALTER COLUMN updated_by_name SET NOT NULL;
ALTER TABLE canvass_cameras RENAME TO canvass_camera_status;
ALTER INDEX canvass_cameras_camera_idx RENAME TO canvass_camera_status_camera_idx;

-- The owner's manage page looks up only disclosures by the ids an audit row lists; the
-- canvass.create rows (a canvass's hundreds of camera ids) need no entries in that index.
-- Without GIN's pending list: its clean-up, every few hundred disclosures, made one canvass
-- with contacts wait a third of a second while holding the audit chain's lock; entering
-- each row's ids at once costs about half a millisecond.
DROP INDEX audit_log_record_ids_idx;
CREATE INDEX audit_log_disclosed_ids_idx ON audit_log USING gin (record_ids)
    WITH (fastupdate = off)
    WHERE action IN ('contact.disclose', 'features.disclose', 'export');
