//! `aduan-server backup --to DIR`.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use aduan_api::account::AuditAction;
use anyhow::{bail, Context};
use chrono::{DateTime, Datelike, Timelike, Utc};
use secrecy::ExposeSecret;
use sqlx::{Postgres, Transaction};

use super::manifest::{self, BlobEntry, DatabaseInfo, FileEntry, Manifest};
use super::{blobs, human_bytes, pgtools, retention, Counts};
use crate::audit::AuditKey;
use crate::config::BackupArgs;
use crate::db::{self, Database};
use crate::storage::BlobStore;

/// A finished backup.
#[derive(Debug)]
pub struct Taken {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// Older backups deleted by `--keep`.
    pub pruned: Vec<PathBuf>,
}

/// Write a backup of the installation `args.db` names into a new directory.
pub async fn backup(args: &BackupArgs) -> anyhow::Result<Taken> {
    let started = Instant::now();
    let target = std::path::absolute(expand(&args.to, Utc::now())?)
        .context("resolving the backup directory")?;
    if args.db.database_url.is_none() {
        super::refuse_foreign_data_dir(&args.db.data_dir)?;
        // Starting a cluster would create one: a mistyped --data-dir must not.
        if !args.db.data_dir.join("pg/data/PG_VERSION").is_file() {
            bail!(
                "{} holds no Aduan database (no private cluster under pg/, and no \
                 DATABASE_URL): check --data-dir",
                args.db.data_dir.display()
            );
        }
    }
    let key = AuditKey::load(&args.db)?;
    let partial = prepare(&target)?;
    let db = Database::connect(&args.db).await?;
    let written = write(&db, &args.db, &key, &partial).await;
    let manifest = match written {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            db.close_tool().await;
            return Err(e);
        }
    };
    let finished = publish(&partial, &target);
    if let Err(e) = finished {
        let _ = std::fs::remove_dir_all(&partial);
        db.close_tool().await;
        return Err(e);
    }
    let recorded = record(&db, &key, &target, &manifest).await;
    db.close_tool().await;
    recorded.with_context(|| {
        format!(
            "the backup in {} is complete, but it could not be recorded in the audit log",
            target.display()
        )
    })?;
    println!(
        "backup written to {} in {:.1} s: {}; {} attachment files ({}); database dump {}",
        target.display(),
        started.elapsed().as_secs_f64(),
        manifest.counts,
        manifest.blobs.len(),
        human_bytes(manifest.blob_bytes()),
        human_bytes(manifest.dump.size)
    );
    let pruned = match args.keep {
        Some(keep) => retention::prune(&target, keep as usize)?,
        None => Vec::new(),
    };
    Ok(Taken {
        dir: target,
        manifest,
        pruned,
    })
}

/// `--to` with `%Y %m %d %H %M %S` replaced by `now` (UTC) and `%%` by `%`.
pub fn expand(pattern: &str, now: DateTime<Utc>) -> anyhow::Result<PathBuf> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", now.year())),
            Some('m') => out.push_str(&format!("{:02}", now.month())),
            Some('d') => out.push_str(&format!("{:02}", now.day())),
            Some('H') => out.push_str(&format!("{:02}", now.hour())),
            Some('M') => out.push_str(&format!("{:02}", now.minute())),
            Some('S') => out.push_str(&format!("{:02}", now.second())),
            Some('%') => out.push('%'),
            other => bail!(
                "--to {pattern:?}: %{} is not one of %Y %m %d %H %M %S %%",
                other.map(String::from).unwrap_or_default()
            ),
        }
    }
    Ok(PathBuf::from(out))
}

/// Check the target and create the temporary directory next to it (readable by the
/// owner only: a backup holds every complainant's identity).
fn prepare(target: &Path) -> anyhow::Result<PathBuf> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .context("the backup directory needs a name")?;
    if let Ok(mut entries) = std::fs::read_dir(target) {
        if entries.next().is_some() {
            bail!(
                "{} already exists and is not empty: give a new directory",
                target.display()
            );
        }
    } else if target.exists() {
        bail!("{} exists and is not a directory", target.display());
    }
    let parent = target
        .parent()
        .context("the backup directory needs a parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let partial = parent.join(retention::partial_name(name, std::process::id()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    Ok(partial)
}

/// Dump the database and copy the attachments it names into `dir`; returns the manifest
/// (already written).
async fn write(
    db: &Database,
    args: &crate::config::DbArgs,
    key: &AuditKey,
    dir: &Path,
) -> anyhow::Result<Manifest> {
    if !super::has_schema(&mut *db.pool.acquire().await?).await? {
        bail!("the database has no Aduan schema: there is nothing to back up");
    }
    let mut tx = db.pool.begin().await?;
    let snap = Snapshot::take(&mut tx).await?;
    let (tool, connection) = dump_tool(db, args, snap.server_major)?;
    tracing::info!(
        complaints = snap.counts.complaints,
        blobs = snap.blobs.len(),
        pg_dump = %tool.path.display(),
        "backing up"
    );
    let dump_path = dir.join(manifest::DUMP);
    let mut cmd = connection.command(&tool);
    cmd.arg("--format=custom")
        .arg(format!("--snapshot={}", snap.id))
        .arg("--no-sync")
        .arg("--file")
        .arg(&dump_path);
    let t = Instant::now();
    let dump = async {
        pgtools::run(cmd, "pg_dump").await?;
        tracing::info!(elapsed_s = t.elapsed().as_secs_f64(), "database dumped");
        anyhow::Ok(())
    };
    let store = BlobStore::open(args.blob_store.as_ref(), &args.data_dir).await?;
    let to = dir.join(manifest::BLOBS);
    let copied = async {
        let bytes = blobs::copy_from_store(snap.blobs.clone(), &store, &to, 0o600)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e}: the attachments in {} do not match the database, so this backup \
                     would be incomplete",
                    store.describe()
                )
            })?;
        tracing::info!(
            elapsed_s = t.elapsed().as_secs_f64(),
            bytes,
            "attachments copied"
        );
        anyhow::Ok(())
    };
    tokio::try_join!(dump, copied)?;
    // The snapshot is released only now: pg_dump had to attach to it first.
    tx.commit().await?;
    let (sha256, size) = blobs::hash_file(&dump_path)?;
    // The chain's key goes with the dump: without it the restored chain cannot be verified.
    let key_path = dir.join(manifest::AUDIT_KEY);
    key.write_new(&key_path)?;
    let (key_sha256, key_size) = blobs::hash_file(&key_path)?;
    let t = Instant::now();
    super::sync_filesystem(dir).context("flushing the backup to disk")?;
    tracing::info!(elapsed_s = t.elapsed().as_secs_f64(), "flushed to disk");
    let manifest = Manifest {
        format: manifest::FORMAT.into(),
        format_version: manifest::FORMAT_VERSION,
        aduan_version: env!("CARGO_PKG_VERSION").into(),
        snapshot_at: snap.at,
        finished_at: Utc::now(),
        database: DatabaseInfo {
            kind: if db.embedded.is_some() {
                "private"
            } else {
                "external"
            }
            .into(),
            server_version: snap.server_version,
            pg_dump_major: tool.major,
            migration: snap.migration,
        },
        counts: snap.counts,
        dump: FileEntry {
            path: manifest::DUMP.into(),
            size,
            sha256,
        },
        audit_key: Some(FileEntry {
            path: manifest::AUDIT_KEY.into(),
            size: key_size,
            sha256: key_sha256,
        }),
        blobs: snap.blobs,
    };
    manifest.write(dir)?;
    Ok(manifest)
}

/// pg_dump for this server, connected to it.
fn dump_tool(
    db: &Database,
    args: &crate::config::DbArgs,
    server_major: u32,
) -> anyhow::Result<(pgtools::Tool, pgtools::Connection)> {
    Ok(match (&db.embedded, args.owner_url()) {
        (Some(pg), _) => (
            pgtools::find("pg_dump", server_major, Some(pg.bin_dir()))?,
            pgtools::Connection::private(pg),
        ),
        (None, Some(url)) => (
            pgtools::find("pg_dump", server_major, None)?,
            pgtools::Connection::external(url.expose_secret())?,
        ),
        (None, None) => unreachable!("without DATABASE_URL the private cluster is used"),
    })
}

/// What one exported snapshot shows: the dump and the blob list come from it.
struct Snapshot {
    id: String,
    at: DateTime<Utc>,
    counts: Counts,
    blobs: Vec<BlobEntry>,
    migration: i64,
    server_version: String,
    server_major: u32,
}

impl Snapshot {
    async fn take(tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<Self> {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut **tx)
            .await?;
        let (id, at, server_version, version_num): (String, DateTime<Utc>, String, String) =
            sqlx::query_as(
                "SELECT pg_export_snapshot(), now(), current_setting('server_version'),
                        current_setting('server_version_num')",
            )
            .fetch_one(&mut **tx)
            .await?;
        let migration: i64 = sqlx::query_scalar(
            "SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&mut **tx)
        .await?;
        let counts = Counts::read(tx).await?;
        let blobs = sqlx::query_as::<_, (String, i64)>(
            "SELECT sha256, max(size_bytes) FROM attachments GROUP BY sha256 ORDER BY sha256",
        )
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(sha256, size)| BlobEntry {
            sha256,
            size: size as u64,
        })
        .collect();
        let server_major = version_num.parse::<u32>().context("server_version_num")? / 10_000;
        Ok(Snapshot {
            id,
            at,
            counts,
            blobs,
            migration,
            server_version,
            server_major,
        })
    }
}

/// Give the finished directory its name: after this, and only after this, it exists.
fn publish(partial: &Path, target: &Path) -> anyhow::Result<()> {
    if target.is_dir() {
        // Empty (checked before): rename() replaces an empty directory, but say so plainly.
        std::fs::remove_dir(target)
            .with_context(|| format!("{} is no longer empty", target.display()))?;
    }
    std::fs::rename(partial, target)
        .with_context(|| format!("renaming the finished backup to {}", target.display()))?;
    super::sync_dir(target.parent().expect("has a parent"))?;
    Ok(())
}

/// The backup in the audit log (it is not in the backup itself: it happened after).
async fn record(db: &Database, key: &AuditKey, dir: &Path, m: &Manifest) -> anyhow::Result<()> {
    let actor = db::audit::Actor {
        name: Some("command line".into()),
        ..Default::default()
    };
    let details = serde_json::json!({
        "path": dir.display().to_string(),
        "snapshot_at": m.snapshot_at,
        "complaints": m.counts.complaints,
        "attachments": m.counts.attachments,
        "blob_bytes": m.blob_bytes(),
        "dump_bytes": m.dump.size,
    });
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    db::audit::record(
        &db.pool,
        &actor,
        AuditAction::BackupCreate,
        Some(("backup", name)),
        Some(details),
    )
    .await?;
    db::audit::seal_all(&db.pool, key).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_named_by_the_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T02:03:04Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            expand("/var/lib/aduan/backups/%Y%m%d-%H%M%S", at).unwrap(),
            PathBuf::from("/var/lib/aduan/backups/20261205-020304")
        );
        assert_eq!(expand("/b/100%%", at).unwrap(), PathBuf::from("/b/100%"));
        assert!(expand("/b/%Q", at).is_err());
        assert!(expand("/b/%", at).is_err());
    }
}
