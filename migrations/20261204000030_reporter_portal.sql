-- The reporter portal: proof-of-work challenges, receipts, reporter sessions, the message
-- thread between reporter and officers, cleaned copies of the public's files, and the
-- counters that throttle the public listener (shared by every instance).

-- A challenge is answered once: consumed with DELETE … RETURNING, so two instances can
-- never both accept the same answer. Expired rows are pruned.
CREATE TABLE portal_challenges (
    id          uuid PRIMARY KEY,
    prefix      text NOT NULL CHECK (length(prefix) BETWEEN 16 AND 64),
    difficulty  integer NOT NULL CHECK (difficulty BETWEEN 0 AND 64),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX portal_challenges_expiry_idx ON portal_challenges (expires_at);

-- A complaint that came through the portal, and its receipt. The receipt itself is never
-- stored: `lookup` is HMAC-SHA256 of it under a server key (truncated to 16 bytes; finds
-- the row without revealing the receipt), `receipt_hash` its argon2id hash (checked once).
CREATE TABLE portal_reports (
    complaint_id    uuid PRIMARY KEY REFERENCES complaints (id),
    lookup          bytea NOT NULL UNIQUE CHECK (length(lookup) = 16),
    receipt_hash    text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- The first time an officer wrote to the reporter (the acknowledgement clock stops).
    acknowledged_at timestamptz,
    -- The newest message's author, for "reporter waiting for an answer".
    last_message_from text CHECK (last_message_from IN ('reporter', 'officer')),
    last_message_at timestamptz
);
CREATE INDEX portal_reports_waiting_idx ON portal_reports (complaint_id)
    WHERE last_message_from = 'reporter';

-- Reporter sessions: a random token, stored hashed, short-lived.
CREATE TABLE portal_sessions (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX portal_sessions_expiry_idx ON portal_sessions (expires_at);

-- The thread between the reporter and the officers of a portal complaint.
CREATE TABLE complaint_messages (
    id           uuid PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    author       text NOT NULL CHECK (author IN ('reporter', 'officer')),
    -- The officer or admin who wrote it; NULL for the reporter.
    author_id    uuid REFERENCES users (id),
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((author = 'officer') = (author_id IS NOT NULL))
);
CREATE INDEX complaint_messages_thread_idx ON complaint_messages (complaint_id, created_at, id);

-- Files from the public are kept twice: the original as evidence (hidden: never listed,
-- never served as an ordinary attachment, opened only with an audited reason) and a copy
-- with identifying metadata removed, which is what officers get. Both are ordinary
-- attachment rows, so backups, restores and the orphan sweep handle both.
ALTER TABLE attachments
    ADD COLUMN original_of uuid,
    ADD COLUMN hidden boolean NOT NULL DEFAULT false,
    ADD COLUMN cleaning text CHECK (cleaning IN ('removed', 'none_found', 'unsupported', 'too_large', 'unreadable')),
    ADD COLUMN message_id uuid REFERENCES complaint_messages (id);
CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL;

-- Throttles of the public listener: a window that starts with its first hit and a count.
-- Keys are keyed hashes (of a client address and a purpose), never the address itself.
CREATE TABLE portal_limits (
    bucket      bytea PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    hits        integer NOT NULL
);
CREATE INDEX portal_limits_started_idx ON portal_limits (started_at);

-- A reporter's message is on the case timeline too, written by no user.
ALTER TABLE case_timeline ALTER COLUMN actor_id DROP NOT NULL;
