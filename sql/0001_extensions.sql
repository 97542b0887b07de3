-- PostGIS for every geometry in the registry. In production a DBA may create it beforehand;
-- IF NOT EXISTS keeps this migration harmless then.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Keeps updated_at honest without every writer remembering it.
CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
