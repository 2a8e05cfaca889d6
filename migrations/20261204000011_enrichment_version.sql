-- Officer corrections name the version of the enrichment they were made on (If-Match), so
-- two officers correcting at once cannot silently lose one change. Every write of the row
-- (a result, a correction) moves the version on.
ALTER TABLE enrichments ADD COLUMN version int8 NOT NULL DEFAULT 1;
