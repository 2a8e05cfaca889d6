-- Sign-in attempts are counted before the password is checked (so parallel guesses cannot
-- slip past the limit), per account and client address. The name as typed is never kept:
-- `account` is a SHA-256 of it, which is all the throttle needs (a password typed into the
-- username field must not end up in the database).
DROP TABLE login_failures;
CREATE TABLE login_attempts (
    id      bigserial PRIMARY KEY,
    account text NOT NULL CHECK (length(account) = 64),
    ip      text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_account_ip_idx ON login_attempts (account, ip, at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at);
