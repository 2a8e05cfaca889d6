-- TOTP secrets are sealed with a key kept outside the database (see auth::totp_key). Rows
-- written before are sealed by the server when it starts; until then they are read as
-- they are.
ALTER TABLE user_totp ADD COLUMN sealed boolean NOT NULL DEFAULT false;
