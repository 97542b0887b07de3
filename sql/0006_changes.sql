-- The change feed: every insert, update or delete that alters what a feed shows, as an upsert
-- or a tombstone per camera. A camera is shown while its registration is active.
--
-- seq orders the feed; txid lets a reader hold back rows of transactions still in flight
-- (read only txid < pg_snapshot_xmin(pg_current_snapshot())), so no change is skipped when
-- transactions commit out of seq order.

CREATE TABLE changes (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    camera_id   bigint NOT NULL,
    op          text NOT NULL CHECK (op IN ('upsert', 'delete')),
    changed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    txid        xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX changes_camera_idx ON changes (camera_id);

-- Statement-level triggers with transition tables: one INSERT per statement, so a COPY of a
-- million cameras costs one join rather than a million trigger calls.

CREATE FUNCTION changes_after_camera_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (camera_id, op)
    SELECT n.id, 'upsert'
      FROM new_rows n JOIN registrations r ON r.id = n.registration_id
     WHERE r.status = 'active'
     ORDER BY n.id;
    IF FOUND THEN PERFORM pg_notify('canvass_changes', ''); END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION changes_after_camera_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (camera_id, op)
    SELECT n.id, CASE WHEN rn.status = 'active' THEN 'upsert' ELSE 'delete' END
      FROM new_rows n
      JOIN old_rows o ON o.id = n.id
      JOIN registrations rn ON rn.id = n.registration_id
      JOIN registrations ro ON ro.id = o.registration_id
     WHERE (rn.status = 'active' OR ro.status = 'active')
       AND ((rn.status = 'active') <> (ro.status = 'active')
            OR (to_jsonb(n) - 'updated_at') IS DISTINCT FROM (to_jsonb(o) - 'updated_at'))
     ORDER BY n.id;
    IF FOUND THEN PERFORM pg_notify('canvass_changes', ''); END IF;
    RETURN NULL;
END
$$;

-- A deleted camera always leaves a tombstone: when its registration is deleted in the same
-- statement (ON DELETE CASCADE) its former status can no longer be read, and a tombstone for a
-- camera a reader never saw is harmless.
CREATE FUNCTION changes_after_camera_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (camera_id, op)
    SELECT o.id, 'delete' FROM old_rows o ORDER BY o.id;
    IF FOUND THEN PERFORM pg_notify('canvass_changes', ''); END IF;
    RETURN NULL;
END
$$;

-- A registration entering or leaving 'active' shows or hides all its cameras; while active,
-- a change of the attributes feeds carry (kind, verified date) republishes them.
CREATE FUNCTION changes_after_registration_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (camera_id, op)
    SELECT c.id, CASE WHEN n.status = 'active' THEN 'upsert' ELSE 'delete' END
      FROM new_rows n
      JOIN old_rows o ON o.id = n.id
      JOIN cameras c ON c.registration_id = n.id
     WHERE (n.status = 'active') <> (o.status = 'active')
        OR (n.status = 'active'
            AND (n.kind, n.verified_at) IS DISTINCT FROM (o.kind, o.verified_at))
     ORDER BY c.id;
    IF FOUND THEN PERFORM pg_notify('canvass_changes', ''); END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cameras_changes_insert AFTER INSERT ON cameras
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION changes_after_camera_insert();
CREATE TRIGGER cameras_changes_update AFTER UPDATE ON cameras
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION changes_after_camera_update();
CREATE TRIGGER cameras_changes_delete AFTER DELETE ON cameras
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION changes_after_camera_delete();
CREATE TRIGGER registrations_changes_update AFTER UPDATE ON registrations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION changes_after_registration_update();

-- Camera ids are the feeds' identity: changing one would orphan every reader's copy.
CREATE FUNCTION cameras_keep_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'camera id % cannot change', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER cameras_keep_id BEFORE UPDATE OF id ON cameras
    FOR EACH ROW EXECUTE FUNCTION cameras_keep_id();
