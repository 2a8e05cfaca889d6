-- Dashboard figures from rollups: counts per Malaysian day × dimension × key, kept up to
-- date by triggers as complaints arrive, change status, are enriched or corrected, so a
-- dashboard reads days × keys rows instead of every complaint in its range.
--
-- Triggers only INSERT signed deltas (no row is updated by two transactions at once, so
-- intake and the queue never wait on a hot counter); the server folds them into
-- `dashboard_counts` every second. A reader sums both in one snapshot: a delta is in one
-- table or the other, never both, never neither.

-- The Malaysian date of an instant (UTC+8, no daylight saving), as `domain::time` has it.
CREATE FUNCTION malaysian_day(at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (at AT TIME ZONE 'Asia/Kuala_Lumpur')::date
$$;

CREATE TABLE dashboard_counts (
    day date NOT NULL,
    dim text NOT NULL,
    key text NOT NULL,
    n   bigint NOT NULL,
    PRIMARY KEY (day, dim, key)
);

CREATE TABLE dashboard_deltas (
    id  bigserial PRIMARY KEY,
    day date NOT NULL,
    dim text NOT NULL,
    key text NOT NULL,
    n   bigint NOT NULL
);

-- What an enrichment row says a complaint is, officer corrections winning over the
-- machine's codes; a complaint without one is `unknown` in each.
CREATE FUNCTION enrichment_facts(e enrichments)
    RETURNS TABLE (dim text, key text)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT 'category', coalesce(CASE WHEN e.corrections ? 'classification'
        THEN e.corrections #>> '{classification,category}' ELSE e.category END, 'unknown')
    UNION ALL
    SELECT 'sector', coalesce(CASE WHEN e.corrections ? 'sector'
        THEN e.corrections #>> '{sector,sector}' ELSE e.sector END, 'unknown')
    UNION ALL
    SELECT 'state', coalesce(CASE WHEN e.corrections ? 'five_w1h'
        THEN e.corrections #>> '{five_w1h,where,state}' ELSE e.state END, 'unknown')
    UNION ALL
    SELECT 'act', unnest(CASE WHEN e.corrections ? 'legal'
        THEN enrichment_acts(e.corrections) ELSE coalesce(e.acts, '{}') END)
$$;

-- The same for a complaint with no enrichment.
CREATE FUNCTION unenriched_facts() RETURNS TABLE (dim text, key text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    VALUES ('category', 'unknown'), ('sector', 'unknown'), ('state', 'unknown')
$$;

-- Every fact of a complaint: its status and channel, and what its enrichment `e` says
-- (`e` all NULL when it has none).
CREATE FUNCTION complaint_facts(status text, channel text, e enrichments)
    RETURNS TABLE (dim text, key text)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT 'status', status
    UNION ALL SELECT 'channel', channel
    UNION ALL SELECT * FROM enrichment_facts(e) WHERE e.complaint_id IS NOT NULL
    UNION ALL SELECT * FROM unenriched_facts() WHERE e.complaint_id IS NULL
$$;

-- Every count, recomputed from the complaints and their enrichments: what the rollups
-- must always equal (`aduan-server analytics rebuild`, and the tests, use it).
CREATE FUNCTION dashboard_recount()
    RETURNS TABLE (day date, dim text, key text, n bigint)
    LANGUAGE sql STABLE AS $$
    SELECT malaysian_day(c.created_at), x.dim, x.key, count(*)
    FROM complaints c
    LEFT JOIN enrichments e ON e.complaint_id = c.id
    CROSS JOIN LATERAL complaint_facts(c.status, c.channel, e) x
    GROUP BY 1, 2, 3
$$;

-- Complaints added, changed (status; or day and channel, which the server never changes
-- but a repair might) or removed: their facts before go out, their facts after come in.
-- A statement of the queue changes many complaints' status at once; one delta row per
-- (day, dim, key) it touched is written for all of them.
--
-- These run after every statement that writes the tables, intake's and the queue's
-- included, so they touch no other table by a join the planner could turn into a scan of
-- it: the complaint's day is looked up by key, and the queue's status changes read
-- nothing but the changed rows.

-- A new complaint has no enrichment yet: one written later, even in the same statement,
-- moves it out of `unknown` by its own trigger.
CREATE FUNCTION complaints_rollup_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (day, dim, key, n)
    SELECT malaysian_day(c.created_at), x.dim, x.key, count(*)
    FROM new_rows c
    CROSS JOIN LATERAL (
        SELECT 'status' AS dim, c.status AS key
        UNION ALL SELECT 'channel', c.channel
        UNION ALL SELECT * FROM unenriched_facts()
    ) x
    GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE FUNCTION complaints_rollup_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- The queue's statements: only the status moves, so only the status counts do.
    INSERT INTO dashboard_deltas (day, dim, key, n)
    SELECT d.day, 'status', d.key, sum(d.n)
    FROM (
        SELECT malaysian_day(o.created_at) AS day, o.status AS key, -1 AS n
        FROM old_rows o JOIN new_rows c ON c.id = o.id
        WHERE o.status <> c.status
            AND o.channel = c.channel AND o.created_at = c.created_at
        UNION ALL
        SELECT malaysian_day(c.created_at), c.status, 1
        FROM old_rows o JOIN new_rows c ON c.id = o.id
        WHERE o.status <> c.status
            AND o.channel = c.channel AND o.created_at = c.created_at
    ) d
    GROUP BY d.day, d.key
    HAVING sum(d.n) <> 0;
    -- A repair that moved a complaint's day or channel: every fact of it moves.
    IF EXISTS (SELECT FROM old_rows o JOIN new_rows c ON c.id = o.id
               WHERE (o.channel, o.created_at) IS DISTINCT FROM (c.channel, c.created_at)) THEN
        INSERT INTO dashboard_deltas (day, dim, key, n)
        SELECT d.day, d.dim, d.key, sum(d.n)
        FROM (
            SELECT malaysian_day(o.created_at) AS day, x.dim, x.key, -1 AS n
            FROM old_rows o JOIN new_rows c ON c.id = o.id
            LEFT JOIN enrichments e ON e.complaint_id = o.id
            CROSS JOIN LATERAL complaint_facts(o.status, o.channel, e) x
            WHERE (o.channel, o.created_at) IS DISTINCT FROM (c.channel, c.created_at)
            UNION ALL
            SELECT malaysian_day(c.created_at), x.dim, x.key, 1
            FROM old_rows o JOIN new_rows c ON c.id = o.id
            LEFT JOIN enrichments e ON e.complaint_id = c.id
            CROSS JOIN LATERAL complaint_facts(c.status, c.channel, e) x
            WHERE (o.channel, o.created_at) IS DISTINCT FROM (c.channel, c.created_at)
        ) d
        GROUP BY 1, 2, 3
        HAVING sum(d.n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION complaints_rollup_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- An enrichment cannot outlive its complaint: its own trigger has already moved the
    -- complaint back to `unknown`.
    INSERT INTO dashboard_deltas (day, dim, key, n)
    SELECT malaysian_day(o.created_at), x.dim, x.key, -count(*)
    FROM old_rows o
    LEFT JOIN enrichments e ON e.complaint_id = o.id
    CROSS JOIN LATERAL complaint_facts(o.status, o.channel, e) x
    GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

-- The Malaysian day a complaint was received, looked up by key.
CREATE FUNCTION complaint_day(complaint uuid) RETURNS date
    LANGUAGE sql STABLE AS $$
    SELECT malaysian_day(created_at) FROM complaints WHERE id = complaint
$$;

-- An enrichment written, changed or removed: what its complaint was before (its old row,
-- or `unknown`) goes out, what it is now comes in.
CREATE FUNCTION enrichments_rollup_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (day, dim, key, n)
    SELECT complaint_day(m.complaint_id), m.dim, m.key, sum(m.n)
    FROM (
        SELECT n.complaint_id, x.dim, x.key, -1 AS n
        FROM new_rows n CROSS JOIN LATERAL unenriched_facts() x
        UNION ALL
        SELECT n.complaint_id, x.dim, x.key, 1
        FROM new_rows n CROSS JOIN LATERAL enrichment_facts(n) x
    ) m
    GROUP BY 1, 2, 3
    HAVING sum(m.n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION enrichments_rollup_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (day, dim, key, n)
    SELECT complaint_day(m.complaint_id), m.dim, m.key, sum(m.n)
    FROM (
        SELECT o.complaint_id, x.dim, x.key, -1 AS n
        FROM old_rows o CROSS JOIN LATERAL enrichment_facts(o) x
        UNION ALL
        SELECT n.complaint_id, x.dim, x.key, 1
        FROM new_rows n CROSS JOIN LATERAL enrichment_facts(n) x
    ) m
    GROUP BY 1, 2, 3
    HAVING sum(m.n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION enrichments_rollup_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- Removed in the same statement as its complaint, an enrichment has no day left to
    -- count under: the NOT NULL of `day` refuses such a statement rather than let the
    -- counts drift. Remove an enrichment before its complaint.
    INSERT INTO dashboard_deltas (day, dim, key, n)
    SELECT complaint_day(m.complaint_id), m.dim, m.key, sum(m.n)
    FROM (
        SELECT o.complaint_id, x.dim, x.key, -1 AS n
        FROM old_rows o CROSS JOIN LATERAL enrichment_facts(o) x
        UNION ALL
        SELECT o.complaint_id, x.dim, x.key, 1
        FROM old_rows o CROSS JOIN LATERAL unenriched_facts() x
    ) m
    GROUP BY 1, 2, 3
    HAVING sum(m.n) <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER complaints_rollup_insert AFTER INSERT ON complaints
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaints_rollup_insert();
CREATE TRIGGER complaints_rollup_update AFTER UPDATE ON complaints
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaints_rollup_update();
CREATE TRIGGER complaints_rollup_delete AFTER DELETE ON complaints
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION complaints_rollup_delete();
CREATE TRIGGER enrichments_rollup_insert AFTER INSERT ON enrichments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrichments_rollup_insert();
CREATE TRIGGER enrichments_rollup_update AFTER UPDATE ON enrichments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrichments_rollup_update();
CREATE TRIGGER enrichments_rollup_delete AFTER DELETE ON enrichments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrichments_rollup_delete();

-- The counts of what is already there.
INSERT INTO dashboard_counts (day, dim, key, n) SELECT * FROM dashboard_recount();
