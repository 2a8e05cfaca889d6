-- Two-factor sign-in: a TOTP secret per user (confirmed once the user typed a code from
-- it), one-time recovery codes (only their SHA-256), the short-lived challenges between
-- the password and the code, and the roles that must use a second factor.

CREATE TABLE user_totp (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    secret       bytea NOT NULL,
    confirmed_at timestamptz,
    -- The newest time step a code was accepted for: a code is good once.
    last_step    bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE totp_recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id),
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Issued when the password was right and a second factor must follow; only a SHA-256 of
-- the challenge is stored, and it is good from the address that asked for it.
CREATE TABLE login_challenges (
    challenge_hash bytea PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id),
    ip             text NOT NULL,
    enrol          boolean NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX login_challenges_expiry_idx ON login_challenges (expires_at);

CREATE TABLE totp_required_roles (
    role text PRIMARY KEY CHECK (role IN ('intake', 'officer', 'admin'))
);
