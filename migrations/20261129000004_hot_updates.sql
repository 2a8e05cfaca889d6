-- Status changes happen twice per complaint (processing, then enriched) and must be cheap.
-- The full-text vector moves to its own insert-only table: a stored generated column is
-- recomputed (two text-search parsers) on every UPDATE of the row. Without an index on
-- `status` and with free space left on each page, a status change is a HOT update that
-- touches no index at all.

CREATE TABLE complaint_search (
    complaint_id uuid PRIMARY KEY REFERENCES complaints (id),
    search       tsvector NOT NULL
);
INSERT INTO complaint_search (complaint_id, search) SELECT id, search FROM complaints;
CREATE INDEX complaint_search_idx ON complaint_search USING gin (search);

ALTER TABLE complaints DROP COLUMN search;
DROP INDEX complaints_status_idx;
ALTER TABLE complaints SET (fillfactor = 85);
ALTER TABLE enrichment_jobs SET (fillfactor = 85);
