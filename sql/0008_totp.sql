-- TOTP second factor: the secret is sealed by the application under the contact key ring
-- (totp_key_id names the generation); a secret being set up waits in totp_pending_sealed until
-- the user proves it with a code. A session of a user whose role requires TOTP but who has not
-- set it up yet may only reach the set-up page.
ALTER TABLE users
    ADD COLUMN totp_key_id text CHECK (length(totp_key_id) BETWEEN 1 AND 32),
    ADD COLUMN totp_pending_sealed bytea,
    ADD CONSTRAINT users_totp_key_named
        CHECK ((totp_sealed IS NULL AND totp_pending_sealed IS NULL) OR totp_key_id IS NOT NULL);
ALTER TABLE sessions ADD COLUMN needs_totp boolean NOT NULL DEFAULT false;
