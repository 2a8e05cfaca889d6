-- Processing controls shared by every instance, and enrichment results.

-- One row. `concurrency` is the bound on provider calls in flight across ALL instances:
-- a claim counts the running jobs with a live lease under a lock on this row, so the
-- bound holds however many instances share the database, and a crashed instance's slots
-- free themselves when its leases expire.
CREATE TABLE processing_settings (
    id          integer PRIMARY KEY CHECK (id = 1),
    concurrency integer NOT NULL CHECK (concurrency BETWEEN 1 AND 10000),
    paused      boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO processing_settings (id, concurrency) VALUES (1, 16);

-- The machine result, its provenance and the raw provider reply, and officer corrections
-- kept beside it (never overwriting it).
CREATE TABLE enrichments (
    complaint_id  uuid PRIMARY KEY REFERENCES complaints (id),
    result        jsonb NOT NULL,
    provenance    jsonb NOT NULL,
    raw_reply     jsonb,
    needs_review  boolean NOT NULL DEFAULT false,
    -- Denormalised from `result` for filters and analytics.
    category      text,
    sector        text,
    area          text,
    state         text,
    corrections   jsonb,
    corrected_by  uuid,
    corrected_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enrichments_category_idx ON enrichments (category);
CREATE INDEX enrichments_sector_idx ON enrichments (sector);
