-- Audit and event rows are appended in time order: a BRIN index on `at` serves range
-- filters and pruning at a fraction of a B-tree's cost on every insert.
DROP INDEX audit_log_at_idx;
CREATE INDEX audit_log_at_brin ON audit_log USING brin (at);
DROP INDEX events_at_idx;
CREATE INDEX events_at_brin ON events USING brin (at);
