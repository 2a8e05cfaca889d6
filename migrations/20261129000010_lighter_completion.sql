-- Completing a job writes its result; two costs of that write showed in profiles of a
-- queue drain. The Acts named by a result were computed by an SQL function for every
-- insert (a generated column); the server now writes them, as it writes category and
-- sector. And pglz compressed every stored result; lz4 does the same job with less CPU.
-- A server built without lz4 keeps pglz: compression is an optimisation, not a contract.

ALTER TABLE enrichments ALTER COLUMN acts DROP EXPRESSION;

DO $$
BEGIN
    ALTER TABLE enrichments
        ALTER COLUMN result SET COMPRESSION lz4,
        ALTER COLUMN provenance SET COMPRESSION lz4,
        ALTER COLUMN raw_reply SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available; stored results stay pglz-compressed';
END $$;
