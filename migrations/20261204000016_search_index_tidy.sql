-- Merging the search index's pending list needs the index's owner, and the server does not
-- serve as the owner (it may only add and read audit entries). This function runs as its
-- owner and does that one thing.
CREATE FUNCTION tidy_search_index() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ SELECT gin_clean_pending_list('public.complaint_search_idx'::regclass) $$;
