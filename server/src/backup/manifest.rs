//! `manifest.json`: what a backup holds and how to check it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Counts;

/// Written in `format`, so a stray JSON file is never taken for a backup.
pub const FORMAT: &str = "aduan-backup";
/// Raised when the layout changes in a way an older restore could not read.
pub const FORMAT_VERSION: u32 = 1;
pub const FILE: &str = "manifest.json";
pub const DUMP: &str = "db.dump";
pub const BLOBS: &str = "blobs";
pub const AUDIT_KEY: &str = "audit.key";

/// The manifest of one backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The `aduan-server` that wrote it.
    pub aduan_version: String,
    /// The database snapshot's time: the backup holds what was committed then.
    pub snapshot_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub database: DatabaseInfo,
    pub counts: Counts,
    pub dump: FileEntry,
    /// The audit chain's key (backups of versions that sealed without one have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_key: Option<FileEntry>,
    /// Every attachment blob the dump names, by SHA-256, sorted.
    pub blobs: Vec<BlobEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseInfo {
    /// `private` (the cluster under the data dir) or `external` (`DATABASE_URL`).
    pub kind: String,
    pub server_version: String,
    /// The major version of the pg_dump that wrote `db.dump`.
    pub pg_dump_major: u32,
    /// The newest schema migration applied.
    pub migration: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEntry {
    pub sha256: String,
    pub size: u64,
}

/// A SHA-256 in lower-case hex: the only names that may become paths.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `blobs/ab/<sha>` under `root`, as in the data dir.
pub fn blob_path(root: &Path, sha256: &str) -> PathBuf {
    root.join(&sha256[..2]).join(sha256)
}

impl Manifest {
    /// Read and check the manifest of the backup in `dir`.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "{} is not a complete Aduan backup: it has no {FILE} (a backup that was \
                 interrupted never gets one)",
                dir.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let m: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{} is not an Aduan backup manifest", path.display()))?;
        if m.format != FORMAT {
            bail!("{} is not an Aduan backup manifest", path.display());
        }
        if m.format_version > FORMAT_VERSION {
            bail!(
                "{} was written by a newer Aduan (backup format {}; this one reads up to {})",
                dir.display(),
                m.format_version,
                FORMAT_VERSION
            );
        }
        if !is_sha256(&m.dump.sha256) || m.dump.path != DUMP {
            bail!("{} names an unexpected database dump", path.display());
        }
        if m.audit_key
            .as_ref()
            .is_some_and(|k| !is_sha256(&k.sha256) || k.path != AUDIT_KEY)
        {
            bail!("{} names an unexpected audit key", path.display());
        }
        if let Some(bad) = m.blobs.iter().find(|b| !is_sha256(&b.sha256)) {
            bail!(
                "{} names a blob {:?} that is not a SHA-256",
                path.display(),
                bad.sha256
            );
        }
        Ok(m)
    }

    /// Write `manifest.json` in `dir`: to a temporary name, flushed, then renamed.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let tmp = dir.join(format!("{FILE}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        serde_json::to_writer_pretty(&mut f, self)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(FILE))?;
        super::sync_dir(dir)?;
        Ok(())
    }

    /// The attachments' bytes together.
    pub fn blob_bytes(&self) -> u64 {
        self.blobs.iter().map(|b| b.size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lower_case_hex_digests_are_names() {
        assert!(is_sha256(&"a".repeat(64)));
        assert!(!is_sha256(&"A".repeat(64)));
        assert!(!is_sha256(&"a".repeat(63)));
        assert!(!is_sha256(&format!("../{}", "a".repeat(61))));
    }
}
