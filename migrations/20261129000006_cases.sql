-- Cases: complaints grouped for investigative work, with a triage workflow, internal notes
-- and an append-only timeline. Every change bumps `version`, which clients send back as
-- `If-Match`, so two officers editing the same case cannot overwrite each other.

CREATE SEQUENCE case_reference_seq;

CREATE TABLE cases (
    id             uuid PRIMARY KEY,
    reference      text NOT NULL UNIQUE,
    title          text NOT NULL CHECK (length(btrim(title)) > 0),
    status         text NOT NULL DEFAULT 'evaluation'
        CHECK (status IN ('evaluation', 'investigation', 'referred', 'nfa', 'closed')),
    priority       text NOT NULL DEFAULT 'normal'
        CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    assignee_id    uuid REFERENCES users (id),
    created_by     uuid NOT NULL REFERENCES users (id),
    version        bigint NOT NULL DEFAULT 1,
    -- When the agency first heard of the matter: the earliest linked complaint's receipt
    -- (kept current on link/unlink), for the age SLA.
    received_at    timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    last_action_at timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination, newest first, with the list's filters.
CREATE INDEX cases_created_idx ON cases (created_at DESC, id DESC);
CREATE INDEX cases_status_idx ON cases (status, created_at DESC, id DESC);
CREATE INDEX cases_assignee_idx ON cases (assignee_id, created_at DESC, id DESC);
-- The overdue filter looks only at cases still being worked.
CREATE INDEX cases_open_idle_idx ON cases (last_action_at) WHERE status <> 'closed';

-- A complaint belongs to at most one case at a time (the UNIQUE on complaint_id), so two
-- teams never work the same complaint unknowingly; unlink it to move it.
CREATE TABLE case_complaints (
    case_id      uuid NOT NULL REFERENCES cases (id),
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    linked_by    uuid NOT NULL REFERENCES users (id),
    linked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, complaint_id),
    CONSTRAINT case_complaints_complaint_key UNIQUE (complaint_id)
);

CREATE TABLE case_notes (
    id         uuid PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    author_id  uuid NOT NULL REFERENCES users (id),
    body       text NOT NULL CHECK (length(btrim(body)) > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, created_at);

-- Who changed what and when. `data` is the change as the API shows it (tagged by `kind`).
CREATE TABLE case_timeline (
    id       bigserial PRIMARY KEY,
    case_id  uuid NOT NULL REFERENCES cases (id),
    at       timestamptz NOT NULL DEFAULT now(),
    actor_id uuid NOT NULL REFERENCES users (id),
    kind     text NOT NULL,
    data     jsonb NOT NULL
);
CREATE INDEX case_timeline_case_idx ON case_timeline (case_id, id);

CREATE FUNCTION case_timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_timeline is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER case_timeline_no_update BEFORE UPDATE OR DELETE ON case_timeline
    FOR EACH ROW EXECUTE FUNCTION case_timeline_append_only();
CREATE TRIGGER case_timeline_no_truncate BEFORE TRUNCATE ON case_timeline
    FOR EACH STATEMENT EXECUTE FUNCTION case_timeline_append_only();

-- Related complaints: the people, agencies, amounts and places of each complaint's
-- effective enrichment (officer corrections win over the machine result), normalised, so
-- complaints sharing one are found through an index instead of by reading every
-- enrichment. Kept by a trigger, so every writer of `enrichments` keeps it current.
CREATE TABLE complaint_features (
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    kind         text NOT NULL CHECK (kind IN ('person', 'agency', 'amount', 'place', 'state')),
    value        text NOT NULL,
    PRIMARY KEY (complaint_id, kind, value)
);
CREATE INDEX complaint_features_value_idx ON complaint_features (kind, value);

-- Lower case, punctuation to spaces, one space between words.
CREATE FUNCTION aduan_norm(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(lower(coalesce(t, '')), '[^[:alnum:]]+', ' ', 'g'))
$$;

CREATE FUNCTION complaint_features_of(id uuid, result jsonb, corrections jsonb)
RETURNS TABLE (kind text, value text) LANGUAGE sql STABLE AS $$
    WITH e AS (SELECT result || coalesce(corrections, '{}'::jsonb) AS j),
    raw (kind, value) AS (
        SELECT CASE WHEN w->>'role' = 'organisation' THEN 'agency' ELSE 'person' END,
               aduan_norm(w->>'name')
        FROM e, jsonb_array_elements(coalesce(e.j #> '{five_w1h,who}', '[]')) w
        UNION ALL
        SELECT 'agency', aduan_norm(w->>'organisation')
        FROM e, jsonb_array_elements(coalesce(e.j #> '{five_w1h,who}', '[]')) w
        UNION ALL
        SELECT 'agency', aduan_norm(e.j #>> '{sector,agency}') FROM e
        UNION ALL
        SELECT 'agency', aduan_norm(c.subject_agency) FROM complaints c WHERE c.id = $1
        UNION ALL
        SELECT 'amount', coalesce(a->>'currency', 'MYR') || ' '
                         || trim_scale(round((a->>'value')::numeric, 2))::text
        FROM e, jsonb_array_elements(coalesce(e.j->'amounts', '[]')) a
        WHERE jsonb_typeof(a->'value') = 'number' AND (a->>'value')::numeric > 0
        UNION ALL
        SELECT 'place', aduan_norm(e.j #>> '{five_w1h,where,text}') FROM e
        UNION ALL
        SELECT 'state', aduan_norm(e.j #>> '{five_w1h,where,state}') FROM e
    )
    SELECT DISTINCT kind, value FROM raw WHERE length(value) >= 2
$$;

CREATE FUNCTION complaint_features_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM complaint_features WHERE complaint_id = NEW.complaint_id;
    INSERT INTO complaint_features (complaint_id, kind, value)
    SELECT NEW.complaint_id, f.kind, f.value
    FROM complaint_features_of(NEW.complaint_id, NEW.result, NEW.corrections) f;
    RETURN NULL;
END $$;

CREATE TRIGGER enrichments_features AFTER INSERT OR UPDATE OF result, corrections
    ON enrichments FOR EACH ROW EXECUTE FUNCTION complaint_features_refresh();

INSERT INTO complaint_features (complaint_id, kind, value)
SELECT e.complaint_id, f.kind, f.value
FROM enrichments e, complaint_features_of(e.complaint_id, e.result, e.corrections) f;
