-- What lets several `serve` processes keep in-memory copies coherent.

-- The tile index reads the change feed by commit watermark (txid ranges), not by seq.
CREATE INDEX changes_txid_idx ON changes (txid);

-- Servers cache API-key authentications for a few seconds; a revoked, re-roled or deleted
-- key is announced so that every process drops its cache at once.
CREATE FUNCTION notify_access_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('canvass_access', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_notify_update AFTER UPDATE OF role, pii, key_hash, expires_at, revoked_at
    ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION notify_access_change();
CREATE TRIGGER api_keys_notify_delete AFTER DELETE
    ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION notify_access_change();
