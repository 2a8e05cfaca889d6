//! `aduan-server backup` and `aduan-server restore`.
//!
//! A backup is a directory:
//!
//! ```text
//! manifest.json   format version, Aduan and PostgreSQL versions, schema migration, row
//!                 counts, and the size and SHA-256 of every other file (written last)
//! db.dump         pg_dump, custom format
//! blobs/ab/<sha>  every attachment the dump names, stored under its SHA-256 as in the data dir
//!                 (copied from the configured blob store: the data dir or a bucket)
//! ```
//!
//! Consistency without stopping the server: the dump is taken from an exported snapshot, and
//! the list of attachments to copy is read from that same snapshot. Intake stores a blob
//! completely BEFORE the row naming it commits, and a named blob is never changed or
//! removed, so every blob the snapshot names is complete in the store when it is copied.
//!
//! The directory is written under a temporary name next to the target and renamed when
//! everything, manifest last, is on disk: a directory with the target's name and a
//! manifest is complete. Restore checks every file against the manifest and every blob
//! against its name before anything becomes visible in the installation.

mod blobs;
mod create;
mod manifest;
mod pgtools;
mod restore;
mod retention;

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::bail;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

pub use create::{backup, Taken};
pub use manifest::Manifest;
pub use restore::{restore, Restored};

/// The rows a backup is checked by: what the manifest promises and a restore must show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub complaints: i64,
    pub cases: i64,
    pub users: i64,
    pub attachments: i64,
    pub audit_entries: i64,
}

impl Counts {
    /// Counted in one statement, so in one snapshot.
    pub async fn read(conn: &mut PgConnection) -> Result<Self, sqlx::Error> {
        let (complaints, cases, users, attachments, audit_entries) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM cases),
                    (SELECT count(*) FROM users), (SELECT count(*) FROM attachments),
                    (SELECT count(*) FROM audit_log)",
        )
        .fetch_one(conn)
        .await?;
        Ok(Counts {
            complaints,
            cases,
            users,
            attachments,
            audit_entries,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} complaints, {} cases, {} users, {} attachments, {} audit entries",
            self.complaints, self.cases, self.users, self.attachments, self.audit_entries
        )
    }
}

/// The newest schema migration this binary knows.
fn newest_known_migration() -> i64 {
    crate::db::MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Run as root on a data directory that belongs to another user (the service's `aduan`),
/// a tool would leave files the server cannot write, and would hand a private cluster it
/// starts to the `postgres` user: refuse, and say who should run it.
fn refuse_foreign_data_dir(data_dir: &Path) -> anyhow::Result<()> {
    if !nix::unistd::Uid::effective().is_root() {
        return Ok(());
    }
    let Ok(meta) = std::fs::metadata(data_dir) else {
        return Ok(());
    };
    if meta.uid() == 0 {
        return Ok(());
    }
    let owner = nix::unistd::User::from_uid(meta.uid().into())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| format!("uid {}", meta.uid()));
    bail!(
        "{} belongs to the user {owner}: run this command as that user, e.g. \
         `sudo -u {owner} aduan-server …`, so that the server can still use what it writes",
        data_dir.display()
    )
}

/// Whether the database has Aduan's schema (its migrations table).
async fn has_schema(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
        .fetch_one(conn)
        .await
}

/// Flush everything written to the filesystem holding `dir` (one call for thousands of
/// files, instead of an fsync per file).
fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let d = std::fs::File::open(dir)?;
    nix::unistd::syncfs(d.as_raw_fd()).map_err(std::io::Error::from)
}

/// Make a rename or a new entry in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Bytes as people read them.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
