-- Desktop app builds an admin published (`aduan-server desktop publish`) for the app's
-- updater. The bundle itself is a blob in the attachment storage, named by its SHA-256;
-- the signature is checked by the app against the public key built into it, never here.
CREATE TABLE desktop_releases (
    id           uuid PRIMARY KEY,
    -- e.g. linux-x86_64, linux-x86_64-deb, windows-x86_64-msi, darwin-aarch64
    target       text NOT NULL CHECK (target ~ '^[a-z0-9_-]{1,64}$'),
    version      text NOT NULL CHECK (length(version) BETWEEN 1 AND 64),
    notes        text NOT NULL DEFAULT '',
    signature    text NOT NULL,
    filename     text NOT NULL,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes   int8 NOT NULL CHECK (size_bytes > 0),
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by text,
    -- A version, once published for a target, is what every desktop that fetched it got.
    UNIQUE (target, version)
);
