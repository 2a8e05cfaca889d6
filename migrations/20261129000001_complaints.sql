-- Complaints, their attachments and status timeline, the enrichment job queue and the
-- event log. A complaint, its attachments, its first job and its first event are always
-- written by ONE statement, so an accepted complaint is never without its job.

CREATE SEQUENCE complaint_reference_seq;

CREATE TABLE complaints (
    id               uuid PRIMARY KEY,
    reference        text NOT NULL UNIQUE,
    channel          text NOT NULL
        CHECK (channel IN ('walk_in', 'phone', 'email', 'letter', 'web', 'other')),
    description      text NOT NULL CHECK (length(btrim(description)) > 0),
    anonymous        boolean NOT NULL DEFAULT false,
    complainant      jsonb,
    incident_date    date,
    location         text,
    subject_agency   text,
    status           text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'processing', 'enriched', 'failed')),
    needs_review     boolean NOT NULL DEFAULT false,
    last_error       text,
    created_by       uuid,
    idempotency_key  text,
    -- SHA-256 of the submitted content, so a reused key with different content is refused.
    idempotency_hash text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT anonymous OR complainant IS NULL),
    -- Malay has no stemmer in PostgreSQL: 'simple' matches Malay words as written,
    -- 'english' adds stemming for English text. Queries OR both.
    search           tsvector GENERATED ALWAYS AS (
        to_tsvector('english', description) || to_tsvector('simple', description)
    ) STORED
);

-- Keyset pagination, newest first.
CREATE INDEX complaints_created_idx ON complaints (created_at DESC, id DESC);
CREATE INDEX complaints_status_idx ON complaints (status, created_at DESC, id DESC);
CREATE INDEX complaints_created_by_idx ON complaints (created_by, created_at DESC, id DESC);
CREATE INDEX complaints_search_idx ON complaints USING gin (search);
CREATE UNIQUE INDEX complaints_idempotency_idx
    ON complaints (idempotency_key, coalesce(created_by, '00000000-0000-0000-0000-000000000000'::uuid))
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE attachments (
    id            uuid PRIMARY KEY,
    complaint_id  uuid NOT NULL REFERENCES complaints (id),
    filename      text NOT NULL,
    declared_type text,
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_by   uuid,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_complaint_idx ON attachments (complaint_id, created_at);

CREATE TABLE complaint_status_history (
    id           bigserial PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    status       text NOT NULL,
    detail       text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_status_history_idx ON complaint_status_history (complaint_id, id);

-- The durable queue. Claimed with FOR UPDATE SKIP LOCKED; a lease (token + expiry) guards
-- completion so a job rescued from a crashed instance is never completed twice.
CREATE TABLE enrichment_jobs (
    id           bigserial PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    state        text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled')),
    attempt      integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5,
    run_at       timestamptz NOT NULL DEFAULT now(),
    lease_token  uuid,
    lease_until  timestamptz,
    claimed_by   text,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    CHECK (state <> 'running' OR (lease_token IS NOT NULL AND lease_until IS NOT NULL))
);
-- Partial indexes keep claims and rescues fast however many finished jobs accumulate.
CREATE INDEX enrichment_jobs_claimable_idx ON enrichment_jobs (run_at, id)
    WHERE state IN ('queued', 'retrying');
CREATE INDEX enrichment_jobs_lease_idx ON enrichment_jobs (lease_until) WHERE state = 'running';
CREATE INDEX enrichment_jobs_finished_idx ON enrichment_jobs (finished_at)
    WHERE state IN ('succeeded', 'failed', 'cancelled');
-- At most one live job per complaint: a reprocess while one is pending is a no-op.
CREATE UNIQUE INDEX enrichment_jobs_live_idx ON enrichment_jobs (complaint_id)
    WHERE state IN ('queued', 'retrying', 'running');

-- Every change clients may watch, with an id SSE clients resume from (Last-Event-ID).
-- NOTIFY carries the same row to every server instance.
CREATE TABLE events (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,
    complaint_id uuid,
    case_id      uuid,
    -- Who may see it beyond officers/admins (the intake user who entered the complaint).
    owner_id     uuid,
    data         jsonb NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_at_idx ON events (at);
