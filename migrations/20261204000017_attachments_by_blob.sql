-- The orphan sweep asks which stored blobs a record names: by index, at a cost that does
-- not grow with the number of attachments.
CREATE INDEX attachments_sha256_idx ON attachments (sha256);
