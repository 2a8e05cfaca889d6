-- Seals are keyed (HMAC-SHA-256 with a key kept outside the database, see the server's
-- `audit` module). Seals written before keep their unkeyed SHA-256; this column tells
-- them apart, and verification accepts unkeyed seals only before the first keyed one.
-- Adding a column with a constant default rewrites no row (the trigger is not involved).
ALTER TABLE audit_seals ADD COLUMN keyed boolean NOT NULL DEFAULT false;
ALTER TABLE audit_seals ALTER COLUMN keyed DROP DEFAULT;
