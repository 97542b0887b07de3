-- Secrets every `canvass serve` replica must share, made once by the first server that needs
-- one: the key that seals OGC API paging cursors, so that a `next` link handed out by one
-- replica (or before a restart) is honoured by every other. A cursor sealed with it names only
-- a position in a query, never personal data.
CREATE TABLE server_secrets (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    secret      bytea NOT NULL CHECK (octet_length(secret) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The application may read them and add a missing one, never change or remove one.
REVOKE UPDATE, DELETE, TRUNCATE ON server_secrets FROM canvass_app;
