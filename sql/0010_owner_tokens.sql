-- Links e-mailed to owners (confirm a new entry, manage an entry) and the short sessions they
-- open. Only a hash of each token is kept; a link works once and expires.
CREATE TABLE owner_tokens (
    token_hash       bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    registration_id  bigint NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    purpose          text NOT NULL CHECK (purpose IN ('confirm', 'manage', 'session')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz
);
CREATE INDEX owner_tokens_registration_idx ON owner_tokens (registration_id);
CREATE INDEX owner_tokens_expires_idx ON owner_tokens (expires_at);

-- Unconfirmed registrations are purged after seven days.
CREATE INDEX registrations_pending_idx ON registrations (created_at) WHERE status = 'pending';
