-- The officer's canvass (issue 14): what was searched (a circle, a polygon, a route with a
-- buffer, or a missing person's walking radius), when the incident happened, who ran it, and
-- for each camera found its place in the answer, what was computed for it then, and the
-- outcome of contacting its owner, with the history of every change.

ALTER TABLE canvasses
    ADD COLUMN area_kind text NOT NULL DEFAULT 'radius'
        CHECK (area_kind IN ('radius', 'polygon', 'route', 'missing_person')),
    -- The polygon or the route line; circles are the incident and radius_m.
    ADD COLUMN area geometry(Geometry, 4326)
        CHECK (area IS NULL OR GeometryType(area) IN ('POLYGON', 'LINESTRING')),
    ADD COLUMN buffer_m real CHECK (buffer_m BETWEEN 10 AND 1000),
    ADD COLUMN last_seen_at timestamptz,
    ADD COLUMN speed_kmh real CHECK (speed_kmh > 0 AND speed_kmh <= 30),
    ADD COLUMN incident_time timestamptz,
    ADD COLUMN incident_address text CHECK (length(incident_address) BETWEEN 1 AND 200),
    -- Cameras in the area when it ran; only the nearest are kept (canvass_cameras).
    ADD COLUMN found integer NOT NULL DEFAULT 0 CHECK (found >= 0),
    -- The earlier run of the same missing-person case this one grew from.
    ADD COLUMN previous_id bigint REFERENCES canvasses (id) ON DELETE SET NULL,
    -- created_by (0005) names a person; a machine key is named here. The name stays when
    -- the user or key is deleted.
    ADD COLUMN created_by_key bigint REFERENCES api_keys (id) ON DELETE SET NULL,
    ADD COLUMN created_by_name text CHECK (length(created_by_name) <= 100);

UPDATE canvasses SET incident_time = created_at WHERE incident_time IS NULL;
ALTER TABLE canvasses
    ALTER COLUMN incident_time SET NOT NULL,
    ALTER COLUMN radius_m DROP NOT NULL,
    ADD CONSTRAINT canvasses_area_shape CHECK (
        ((area_kind IN ('radius', 'missing_person')) = (radius_m IS NOT NULL))
        AND ((area_kind IN ('polygon', 'route')) = (area IS NOT NULL))
        AND ((area_kind = 'route') = (buffer_m IS NOT NULL))
        AND ((area_kind = 'missing_person') = (last_seen_at IS NOT NULL))
        AND ((area_kind = 'missing_person') = (speed_kmh IS NOT NULL))),
    ADD CONSTRAINT canvasses_one_creator CHECK (created_by IS NULL OR created_by_key IS NULL);
CREATE INDEX canvasses_created_by_idx ON canvasses (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX canvasses_created_by_key_idx ON canvasses (created_by_key)
    WHERE created_by_key IS NOT NULL;

-- The outcomes an officer records, replacing the list of 0005 (never written by a release).
ALTER TABLE canvass_cameras DROP CONSTRAINT canvass_cameras_contact_status_check;
UPDATE canvass_cameras SET contact_status = CASE contact_status
        WHEN 'attempted' THEN 'no_answer'
        WHEN 'reached' THEN 'contacted'
        WHEN 'footage_requested' THEN 'contacted'
        WHEN 'footage_received' THEN 'footage_obtained'
        ELSE contact_status END;
ALTER TABLE canvass_cameras
    ADD CONSTRAINT canvass_cameras_contact_status_check
        CHECK (contact_status IN ('not_contacted', 'no_answer', 'contacted', 'declined',
                                  'footage_obtained', 'no_footage')),
    -- Place in the answer: nearest the incident first (1, 2, …).
    ADD COLUMN rank integer CHECK (rank >= 1),
    ADD COLUMN distance_m real CHECK (distance_m >= 0),
    ADD COLUMN bearing_deg real CHECK (bearing_deg >= 0 AND bearing_deg < 360),
    ADD COLUMN faces_incident text NOT NULL DEFAULT 'unknown'
        CHECK (faces_incident IN ('yes', 'no', 'unknown')),
    -- Incident time + the camera's retention; NULL when the owner does not know it.
    ADD COLUMN footage_until timestamptz,
    -- Only in a re-run of a missing-person case: not found by the run before.
    ADD COLUMN new_since_previous boolean,
    ADD COLUMN updated_by_key bigint REFERENCES api_keys (id) ON DELETE SET NULL,
    -- Who set the current status; NULL while nobody has.
    ADD COLUMN updated_by_name text CHECK (length(updated_by_name) BETWEEN 1 AND 100);

UPDATE canvass_cameras cc
   SET rank = ranked.rank,
       distance_m = ranked.distance_m,
       bearing_deg = ranked.bearing_deg
  FROM (SELECT cc2.canvass_id, cc2.camera_id,
               row_number() OVER (PARTITION BY cc2.canvass_id
                                  ORDER BY ST_Distance(v.incident::geography, c.location::geography, false),
                                           cc2.camera_id) AS rank,
               ST_Distance(v.incident::geography, c.location::geography, false) AS distance_m,
               coalesce(degrees(ST_Azimuth(v.incident::geography, c.location::geography)), 0)
                   AS bearing_deg
          FROM canvass_cameras cc2
          JOIN canvasses v ON v.id = cc2.canvass_id
          JOIN cameras c ON c.id = cc2.camera_id) ranked
 WHERE cc.canvass_id = ranked.canvass_id AND cc.camera_id = ranked.camera_id;
ALTER TABLE canvass_cameras
    ALTER COLUMN rank SET NOT NULL,
    ALTER COLUMN distance_m SET NOT NULL,
    ALTER COLUMN bearing_deg SET NOT NULL,
    ADD CONSTRAINT canvass_cameras_rank_key UNIQUE (canvass_id, rank),
    ADD CONSTRAINT canvass_cameras_one_updater CHECK (updated_by IS NULL OR updated_by_key IS NULL);

-- Every status change, kept: the current one is in canvass_cameras. Deleted with the camera
-- (an owner who opts out takes the notes about them along); the audit trail keeps who did what.
CREATE TABLE canvass_camera_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    canvass_id      bigint NOT NULL,
    camera_id       bigint NOT NULL,
    contact_status  text NOT NULL
                    CHECK (contact_status IN ('not_contacted', 'no_answer', 'contacted', 'declined',
                                              'footage_obtained', 'no_footage')),
    notes           text CHECK (length(notes) <= 1000),
    changed_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    changed_by_key  bigint REFERENCES api_keys (id) ON DELETE SET NULL,
    changed_by_name text NOT NULL CHECK (length(changed_by_name) BETWEEN 1 AND 100),
    changed_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (canvass_id, camera_id) REFERENCES canvass_cameras (canvass_id, camera_id)
        ON DELETE CASCADE,
    CHECK (changed_by IS NULL OR changed_by_key IS NULL)
);
CREATE INDEX canvass_camera_history_camera_idx
    ON canvass_camera_history (canvass_id, camera_id, id);
