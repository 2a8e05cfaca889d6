-- The complaint list filters by the category and sector an officer's correction gives, else
-- the machine's (`db::complaints::push_filters`). Indexed on those expressions, the planner
-- knows how many complaints each code has (it has no statistics on an expression otherwise
-- and guessed a handful, so it read every enrichment for a common code) and finds a rare
-- code's complaints without reading the rest.
CREATE INDEX enrichments_effective_category_idx
    ON enrichments ((coalesce(corrections #>> '{classification,category}', category)), complaint_id);
CREATE INDEX enrichments_effective_sector_idx
    ON enrichments ((coalesce(corrections #>> '{sector,sector}', sector)), complaint_id);
