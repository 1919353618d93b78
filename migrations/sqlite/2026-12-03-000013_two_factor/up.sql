-- Two-factor sign-in (TOTP, RFC 6238). The secret is the base32 text an authenticator app
-- was given, stored as it is (whoever reads the database can make codes: see README).
-- totp_enabled_at is set once the first code was confirmed; a secret without it is never
-- asked for. totp_last_step is the last time step a code was accepted for: a code is never
-- accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMP;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Single-use recovery codes, as the SHA-256 (hex) of the normalised code.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
