-- The role `canvass serve` acts as (SET ROLE after connecting): everything the application
-- needs, and no way to rewrite the audit trail or the migration ledger. Migrations, the demo
-- loader and the operator commands keep the owner's rights.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'canvass_app') THEN
        CREATE ROLE canvass_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO canvass_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO canvass_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO canvass_app;
-- Tables and sequences of later migrations get the same rights.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO canvass_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO canvass_app;

-- Append-only by privilege as well as by trigger.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM canvass_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON canvass_schema_migrations FROM canvass_app;
