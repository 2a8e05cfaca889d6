-- The complaint list filters by the category and sector an officer's correction gives, else
-- the machine's (`db::complaints::push_filters`). PostgreSQL keeps no statistics on such an
-- expression and guessed that a code matches a handful of complaints, so it read every
-- enrichment to find them; and a rare code's complaints can only be found fast through an
-- index. The indexes hold the expression alone: new entries of a code then go next to each
-- other in arrival order (the row's position breaks ties), a few hot pages in all, where
-- an index also keyed by the complaint's random id scattered every insert.
CREATE INDEX enrichments_effective_category_idx
    ON enrichments ((coalesce(corrections #>> '{classification,category}', category)));
CREATE INDEX enrichments_effective_sector_idx
    ON enrichments ((coalesce(corrections #>> '{sector,sector}', sector)));
