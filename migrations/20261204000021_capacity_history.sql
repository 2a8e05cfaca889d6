-- What the capacity planner measures.
--
-- Each job keeps what it cost the worker pool over all its calls (retries and 429s
-- included): the planner's simulation draws complaints' costs from these, and
-- `started_at`/`finished_at` alone only tell the last attempt.
ALTER TABLE enrichment_jobs
    ADD COLUMN calls integer NOT NULL DEFAULT 0 CHECK (calls >= 0),
    ADD COLUMN work_s double precision NOT NULL DEFAULT 0 CHECK (work_s >= 0);

-- Jobs finished before this migration: the last attempt is all that is known.
UPDATE enrichment_jobs
SET calls = greatest(attempt, 1),
    work_s = greatest(extract(epoch FROM finished_at - started_at), 0)
WHERE finished_at IS NOT NULL AND started_at IS NOT NULL;

-- Compact history for the Capacity view: one row a minute (kept a day) and one an hour
-- (kept a month), written once by whichever instance gets there first. Finished jobs are
-- pruned after a week; these rows are what remains of them.
CREATE TABLE capacity_samples (
    span text NOT NULL CHECK (span IN ('minute', 'hour')),
    at timestamptz NOT NULL,
    -- Complaints received and analyses finished in the span.
    received integer NOT NULL CHECK (received >= 0),
    analysed integer NOT NULL CHECK (analysed >= 0),
    -- Jobs waiting (queued or retrying) at the end of the span (the most seen, for hours).
    waiting integer NOT NULL CHECK (waiting >= 0),
    -- Received until analysed, of the complaints analysed in the span.
    wait_p50_s double precision,
    wait_p95_s double precision,
    PRIMARY KEY (span, at)
);
