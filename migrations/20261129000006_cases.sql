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

-- Related complaints: the people, agencies, amounts, places and state of each complaint's
-- effective enrichment (officer corrections win over the machine result), normalised into
-- `kind:value` keys, so complaints sharing one are found through a GIN index instead of
-- by reading every enrichment. One row per complaint: an enrichment write costs one
-- upsert instead of deleting and inserting a row (and its index entries) per key.
CREATE TABLE complaint_features (
    complaint_id uuid PRIMARY KEY REFERENCES complaints (id),
    keys         text[] NOT NULL
);
-- A small pending list: every lookup scans all of it, and the write that overflows it
-- merges it. Measured on 20k inserts, the default 4 MB saved about 15% of the insert
-- cost but made lookups slower as it filled; 256 kB costs about what fastupdate = off does.
CREATE INDEX complaint_features_keys_idx ON complaint_features USING gin (keys)
    WITH (gin_pending_list_limit = 256);

-- Lower case, punctuation to spaces, one space between words.
CREATE FUNCTION aduan_norm(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(lower(coalesce(t, '')), '[^[:alnum:]]+', ' ', 'g'))
$$;

-- The distinct `kind:value` keys of an enrichment (values of fewer than two characters
-- say nothing); `subject_agency` is the complaint's own, passed in so the function reads
-- no table. Procedural on purpose: every statement here is a simple expression, which
-- PL/pgSQL evaluates without starting a query; the same extraction as one SQL query (a
-- set-returning function per list, a DISTINCT aggregate) cost twice as much per row, and
-- as a SQL function it was planned again on every call from a row trigger.
CREATE FUNCTION complaint_feature_keys(subject_agency text, result jsonb, corrections jsonb)
RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    j jsonb := result || coalesce(corrections, '{}'::jsonb);
    who jsonb := coalesce(j #> '{five_w1h,who}', '[]');
    amounts jsonb := coalesce(j -> 'amounts', '[]');
    x jsonb;
    kinds text[] := '{}';
    vals text[] := '{}';
    k text;
    keys text[] := '{}';
BEGIN
    FOR i IN 0 .. jsonb_array_length(who) - 1 LOOP
        x := who -> i;
        kinds := kinds || ARRAY[CASE WHEN x->>'role' = 'organisation' THEN 'agency'
                                     ELSE 'person' END, 'agency'];
        vals := vals || ARRAY[aduan_norm(x->>'name'), aduan_norm(x->>'organisation')];
    END LOOP;
    FOR i IN 0 .. jsonb_array_length(amounts) - 1 LOOP
        x := amounts -> i;
        IF jsonb_typeof(x->'value') = 'number' AND (x->>'value')::numeric > 0 THEN
            kinds := kinds || 'amount'::text;
            vals := vals || (coalesce(x->>'currency', 'MYR') || ' '
                             || trim_scale(round((x->>'value')::numeric, 2))::text);
        END IF;
    END LOOP;
    kinds := kinds || ARRAY['agency', 'agency', 'place', 'state'];
    vals := vals || ARRAY[aduan_norm(j #>> '{sector,agency}'), aduan_norm(subject_agency),
                          aduan_norm(j #>> '{five_w1h,where,text}'),
                          aduan_norm(j #>> '{five_w1h,where,state}')];
    FOR i IN 1 .. cardinality(vals) LOOP
        IF length(vals[i]) >= 2 THEN
            k := kinds[i] || ':' || vals[i];
            IF NOT k = ANY (keys) THEN
                keys := keys || k;
            END IF;
        END IF;
    END LOOP;
    RETURN keys;
END $$;

-- A new enrichment: one statement trigger over the transition table, so a batch of
-- results stored by the queue in one statement has its features written in one set-based
-- upsert rather than by a trigger call per row. The query reads only the transition table
-- (the subject agency by primary key): its plan is cached for the session whatever the
-- first batch's size, so it must not hinge on that size.
CREATE FUNCTION complaint_features_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_features AS f (complaint_id, keys)
    SELECT n.complaint_id, complaint_feature_keys(
        (SELECT c.subject_agency FROM complaints c WHERE c.id = n.complaint_id),
        n.result, n.corrections)
    FROM new_rows n
    ON CONFLICT (complaint_id) DO UPDATE SET keys = EXCLUDED.keys
        WHERE f.keys IS DISTINCT FROM EXCLUDED.keys;
    RETURN NULL;
END $$;

-- A changed enrichment (a correction, a re-run): only when the result or the corrections
-- really changed, and no write when the keys come out the same (most corrections touch
-- the classification, not the features).
CREATE FUNCTION complaint_features_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_features AS f (complaint_id, keys)
    VALUES (NEW.complaint_id, complaint_feature_keys(
        (SELECT c.subject_agency FROM complaints c WHERE c.id = NEW.complaint_id),
        NEW.result, NEW.corrections))
    ON CONFLICT (complaint_id) DO UPDATE SET keys = EXCLUDED.keys
        WHERE f.keys IS DISTINCT FROM EXCLUDED.keys;
    RETURN NULL;
END $$;

CREATE TRIGGER enrichments_features_insert AFTER INSERT ON enrichments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_features_inserted();
CREATE TRIGGER enrichments_features_update AFTER UPDATE OF result, corrections ON enrichments
    FOR EACH ROW
    WHEN (OLD.result IS DISTINCT FROM NEW.result OR OLD.corrections IS DISTINCT FROM NEW.corrections)
    EXECUTE FUNCTION complaint_features_updated();

INSERT INTO complaint_features (complaint_id, keys)
SELECT e.complaint_id, complaint_feature_keys(c.subject_agency, e.result, e.corrections)
FROM enrichments e JOIN complaints c ON c.id = e.complaint_id;
