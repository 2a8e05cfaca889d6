-- A session ends at a fixed time however much it is used (its idle expiry slides only up
-- to it), and an event-stream ticket belongs to the session that asked for it: a ticket
-- of a session that has ended opens nothing.
ALTER TABLE sessions ADD COLUMN absolute_expires_at timestamptz;
UPDATE sessions SET absolute_expires_at = created_at + interval '7 days';
ALTER TABLE sessions ALTER COLUMN absolute_expires_at SET NOT NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

ALTER TABLE event_tickets ADD COLUMN session_hash bytea REFERENCES sessions (token_hash) ON DELETE CASCADE;
ALTER TABLE event_tickets ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX event_tickets_session_idx ON event_tickets (session_hash, created_at);
CREATE INDEX event_tickets_expires_idx ON event_tickets (expires_at);
