-- Analytics: the Acts an enrichment names, denormalised from `result` like category and
-- sector, so the dashboard counts them without decompressing every stored result.
-- Officer corrections still win at query time (see server/src/db/analytics.rs).

CREATE FUNCTION enrichment_acts(result jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT x ->> 'act' ORDER BY x ->> 'act'), '{}')
    FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(result -> 'legal') = 'array' THEN result -> 'legal'
             ELSE '[]'::jsonb END) x
    WHERE x ->> 'act' IS NOT NULL
$$;

ALTER TABLE enrichments
    ADD COLUMN acts text[] GENERATED ALWAYS AS (enrichment_acts(result)) STORED;
