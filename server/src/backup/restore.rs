//! `aduan-server restore --from DIR`, into an empty installation only.
//!
//! Order matters for "nothing changed" on failure: the target is checked, every file of
//! the backup is checked while the blobs are copied into a staging directory, the dump is
//! loaded in ONE transaction, and only then do the blobs get their place in the data dir.
//! Into a bucket, the blobs are checked while they are uploaded, before the dump is
//! loaded, and removed again when anything fails.

use std::path::{Path, PathBuf};
use std::time::Instant;

use aduan_api::account::AuditAction;
use anyhow::{bail, Context};
use secrecy::ExposeSecret;
use sqlx::PgConnection;

use super::manifest::{self, Manifest};
use super::{blobs, human_bytes, pgtools, Counts};
use crate::audit::key::KeySource;
use crate::audit::verify::{self, Verdict};
use crate::audit::AuditKey;
use crate::config::{DbArgs, RestoreArgs};
use crate::db::{self, Database};
use crate::storage::local::any_blob_in;
use crate::storage::{BlobStore, S3Store};

/// A finished restore.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub counts: Counts,
}

/// Restore the backup in `args.from` into the installation `args.db` names.
pub async fn restore(args: &RestoreArgs) -> anyhow::Result<Restored> {
    let started = Instant::now();
    let manifest = Manifest::read(&args.from)?;
    if manifest.database.migration > super::newest_known_migration() {
        bail!(
            "the backup's database schema ({}) is newer than this aduan-server knows ({}): \
             restore it with the version that wrote it ({}) or a newer one",
            manifest.database.migration,
            super::newest_known_migration(),
            manifest.aduan_version
        );
    }
    super::refuse_foreign_data_dir(&args.db.data_dir)?;
    let bucket = match &args.db.blob_store {
        Some(location) => Some(S3Store::open(location, args.db.data_dir.join("spool")).await?),
        None => None,
    };
    let (occupied, place) = match &bucket {
        Some(s3) => (
            BlobStore::S3(s3.clone()).any_blob().await?,
            s3.url().to_string(),
        ),
        None => {
            let blob_dir = args.db.data_dir.join("blobs");
            (any_blob_in(&blob_dir)?, blob_dir.display().to_string())
        }
    };
    if occupied {
        bail!(
            "refusing to restore: {place} already holds attachments. Restore only into an \
             empty installation (a new data directory or bucket prefix, and an empty \
             database); nothing was changed"
        );
    }
    let key = backup_key(args, &manifest)?;
    let existed = args.db.data_dir.exists();
    std::fs::create_dir_all(&args.db.data_dir)
        .with_context(|| format!("creating {}", args.db.data_dir.display()))?;
    let db = Database::connect(&args.db).await?;
    let created = db.embedded.as_ref().is_some_and(|pg| pg.created);
    let loaded = match &bucket {
        Some(s3) => load_into_bucket(&db, args, &manifest, s3).await,
        None => load_checked(&db, args, &manifest).await,
    };
    if let Err(e) = loaded {
        db.close_tool().await;
        // Nothing was kept: a private cluster made for this restore holds nothing either.
        if created {
            let _ = std::fs::remove_dir_all(args.db.data_dir.join("pg"));
        }
        if !existed {
            let _ = std::fs::remove_dir(&args.db.data_dir);
        }
        return Err(e);
    }
    let finished = finish(&db, args, &manifest, &key).await;
    db.close_tool().await;
    let counts = finished?;
    println!(
        "restored {} from {} in {:.1} s ({} attachment files, {}); audit log verified",
        counts,
        args.from.display(),
        started.elapsed().as_secs_f64(),
        manifest.blobs.len(),
        human_bytes(manifest.blob_bytes())
    );
    Ok(Restored { manifest, counts })
}

/// Check the target and the backup, load the database, put the attachments in place. On
/// an error nothing of the backup is left in the installation.
async fn load_checked(db: &Database, args: &RestoreArgs, m: &Manifest) -> anyhow::Result<()> {
    let mut conn = db.pool.acquire().await?;
    let target = inspect(&mut conn).await?;
    drop(conn);
    let (tool, connection) = restore_tool(db, &args.db, m).await?;

    let t = Instant::now();
    check_dump(&args.from, m).await?;
    let staging = args
        .db
        .data_dir
        .join(format!(".restore-blobs-{}", std::process::id()));
    let staged = stage_blobs(&args.from, &staging, m).await;
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    tracing::info!(
        elapsed_s = t.elapsed().as_secs_f64(),
        "backup checked, blobs staged"
    );

    let t = Instant::now();
    let loaded = load(db, target, &tool, &connection, &args.from).await;
    if let Err(e) = loaded {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    tracing::info!(elapsed_s = t.elapsed().as_secs_f64(), "database loaded");
    put_in_place(&staging, &args.db.data_dir.join("blobs"))
}

/// [`load_checked`] with the blobs going to a bucket: uploaded (each checked) before the
/// dump is loaded, removed again if anything fails.
async fn load_into_bucket(
    db: &Database,
    args: &RestoreArgs,
    m: &Manifest,
    s3: &S3Store,
) -> anyhow::Result<()> {
    let mut conn = db.pool.acquire().await?;
    let target = inspect(&mut conn).await?;
    drop(conn);
    let (tool, connection) = restore_tool(db, &args.db, m).await?;
    let t = Instant::now();
    check_dump(&args.from, m).await?;
    let store = BlobStore::S3(s3.clone());
    let uploaded = blobs::upload_to_store(&m.blobs, &args.from.join(manifest::BLOBS), &store)
        .await
        .map_err(|e| anyhow::anyhow!("the backup is damaged: {e}; nothing was kept"));
    let loaded = match uploaded {
        Ok(bytes) => {
            tracing::info!(elapsed_s = t.elapsed().as_secs_f64(), bytes, to = %s3.url(), "backup checked, blobs uploaded");
            load(db, target, &tool, &connection, &args.from).await
        }
        Err(e) => Err(e),
    };
    if loaded.is_err() {
        for blob in &m.blobs {
            if let Err(e) = s3.remove(&blob.sha256).await {
                tracing::warn!(sha256 = %blob.sha256, error = %e, "removing a restored blob");
            }
        }
    }
    loaded
}

/// Bring the restored installation to this version's schema and check it against the
/// backup: row counts, the audit chain. Then record the restore.
async fn finish(
    db: &Database,
    args: &RestoreArgs,
    m: &Manifest,
    key: &KeyPlan,
) -> anyhow::Result<Counts> {
    // A backup from an older Aduan gets this version's schema, as a server start would.
    db::MIGRATOR
        .run(&db.pool)
        .await
        .context("applying migrations")?;
    let counts = Counts::read(&mut *db.pool.acquire().await?).await?;
    if counts != m.counts {
        bail!(
            "the restored database does not hold what the backup's manifest lists: \
             {counts}, expected {}",
            m.counts
        );
    }
    let key = key.put_in_place(&args.db)?;
    let t = Instant::now();
    verify_audit(db, &key).await?;
    tracing::info!(
        elapsed_s = t.elapsed().as_secs_f64(),
        "audit chain verified"
    );
    record(db, &key, args, m).await?;
    Ok(counts)
}

/// What the target database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// No tables at all.
    Blank,
    /// Aduan's schema without data: a server has started on it once.
    EmptySchema,
}

/// Refuse a target that is in use or holds anything.
async fn inspect(conn: &mut PgConnection) -> anyhow::Result<Target> {
    let others: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND backend_type = 'client backend'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if others > 0 {
        bail!(
            "refusing to restore: {others} other connection(s) to the target database are \
             open. Stop aduan-server (and anything else using the database) first; nothing \
             was changed"
        );
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    if tables.is_empty() {
        return Ok(Target::Blank);
    }
    if !super::has_schema(conn).await? {
        bail!(
            "refusing to restore: the target database holds tables that are not Aduan's ({}); \
             nothing was changed",
            tables.join(", ")
        );
    }
    let counts = Counts::read(conn).await?;
    if !counts.is_empty() {
        bail!(
            "refusing to restore: the target installation is not empty ({counts}). Restore \
             only into an empty installation (a new data directory and an empty database); \
             nothing was changed"
        );
    }
    Ok(Target::EmptySchema)
}

/// pg_restore able to read this dump and write to this server.
async fn restore_tool(
    db: &Database,
    args: &DbArgs,
    m: &Manifest,
) -> anyhow::Result<(pgtools::Tool, pgtools::Connection)> {
    let server_major = server_major(&db.pool).await?;
    let need = server_major.max(m.database.pg_dump_major);
    Ok(match (&db.embedded, args.owner_url()) {
        (Some(pg), _) => (
            pgtools::find("pg_restore", need, Some(pg.bin_dir()))?,
            pgtools::Connection::private(pg),
        ),
        (None, Some(url)) => (
            pgtools::find("pg_restore", need, None)?,
            pgtools::Connection::external(url.expose_secret())?,
        ),
        (None, None) => unreachable!("without DATABASE_URL the private cluster is used"),
    })
}

async fn server_major(pool: &sqlx::PgPool) -> anyhow::Result<u32> {
    let num: String = sqlx::query_scalar("SELECT current_setting('server_version_num')")
        .fetch_one(pool)
        .await?;
    Ok(num.parse::<u32>().context("server_version_num")? / 10_000)
}

/// The dump is the file the manifest describes.
async fn check_dump(from: &Path, m: &Manifest) -> anyhow::Result<()> {
    let path = from.join(manifest::DUMP);
    let (sha256, size) = tokio::task::spawn_blocking(move || blobs::hash_file(&path))
        .await?
        .with_context(|| format!("reading the backup's {}", manifest::DUMP))?;
    if sha256 != m.dump.sha256 || size != m.dump.size {
        bail!(
            "the backup is damaged: {} does not match its manifest (SHA-256 {sha256}, {size} \
             bytes; the manifest says {}, {} bytes); nothing was changed",
            manifest::DUMP,
            m.dump.sha256,
            m.dump.size
        );
    }
    Ok(())
}

/// Copy every blob into `staging`, each checked against its name and the manifest.
async fn stage_blobs(from: &Path, staging: &Path, m: &Manifest) -> anyhow::Result<()> {
    std::fs::create_dir(staging).with_context(|| format!("creating {}", staging.display()))?;
    let list = m.blobs.clone();
    let (src, dest) = (from.join(manifest::BLOBS), staging.to_path_buf());
    tokio::task::spawn_blocking(move || blobs::copy_all(&list, &src, &dest, 0o644))
        .await?
        .map_err(|e| anyhow::anyhow!("the backup is damaged: {e}; nothing was changed"))?;
    let t = Instant::now();
    super::sync_filesystem(staging).context("flushing the restored attachments")?;
    tracing::info!(
        elapsed_s = t.elapsed().as_secs_f64(),
        "attachments flushed to disk"
    );
    Ok(())
}

/// Load the dump in one transaction (all or nothing). An empty Aduan schema left by a
/// server start is dropped first, its objects being the ones the dump creates.
async fn load(
    db: &Database,
    target: Target,
    tool: &pgtools::Tool,
    connection: &pgtools::Connection,
    from: &Path,
) -> anyhow::Result<()> {
    if target == Target::EmptySchema {
        drop_empty_schema(&db.pool).await?;
    }
    let mut cmd = connection.command(tool);
    cmd.args(["--single-transaction", "--no-owner", "--no-acl"])
        .arg(from.join(manifest::DUMP));
    pgtools::run(cmd, "pg_restore")
        .await
        .context("loading the database dump (nothing of it was kept)")
}

/// Drop every table, sequence, view and function in `public`: the schema of an Aduan that
/// started once and holds no data (checked by [`inspect`]).
async fn drop_empty_schema(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let statements: Vec<String> = sqlx::query_scalar(
        "SELECT format('DROP TABLE IF EXISTS %I CASCADE', c.relname) FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
         UNION ALL
         SELECT format('DROP VIEW IF EXISTS %I CASCADE', c.relname) FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')
         UNION ALL
         SELECT format('DROP SEQUENCE IF EXISTS %I CASCADE', c.relname) FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
         UNION ALL
         SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', p.oid::regprocedure) FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace",
    )
    .fetch_all(&mut *tx)
    .await?;
    for sql in statements {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The staged blobs become the data dir's blob store (empty but for what a server start
/// creates, checked before).
fn put_in_place(staging: &Path, blob_dir: &Path) -> anyhow::Result<()> {
    if blob_dir.exists() {
        std::fs::remove_dir_all(blob_dir)
            .with_context(|| format!("clearing the empty {}", blob_dir.display()))?;
    }
    std::fs::rename(staging, blob_dir)
        .with_context(|| format!("moving the attachments to {}", blob_dir.display()))?;
    std::fs::create_dir_all(blob_dir.join("tmp"))?;
    super::sync_dir(blob_dir.parent().expect("data dir"))?;
    Ok(())
}

/// Seal what was pending in the backup, then walk the whole chain.
async fn verify_audit(db: &Database, key: &AuditKey) -> anyhow::Result<()> {
    db::audit::seal_all(&db.pool, key).await?;
    match verify::verify(&db.pool, key, &[]).await? {
        Verdict::Intact { .. } => Ok(()),
        Verdict::Broken {
            seq,
            problem,
            reason,
            ..
        } => bail!(
            "the backup was restored, but its audit log does not verify: position {seq}: \
             {}: {reason}",
            problem.as_str()
        ),
    }
}

/// What to do with the audit key the backup carries.
enum KeyPlan {
    /// The backup has none (written by a version that sealed without a key), or the
    /// configured key is the backup's: the installation's key stays.
    Keep,
    /// Becomes the data dir's key (an empty installation's own key sealed nothing).
    Install(AuditKey, PathBuf),
}

impl KeyPlan {
    /// Install the key if planned; returns the key the installation now has.
    fn put_in_place(&self, args: &DbArgs) -> anyhow::Result<AuditKey> {
        match self {
            KeyPlan::Keep => AuditKey::load(args),
            KeyPlan::Install(key, path) => {
                let tmp = path.with_extension("key.restoring");
                let _ = std::fs::remove_file(&tmp);
                key.write_new(&tmp)?;
                std::fs::rename(&tmp, path)
                    .with_context(|| format!("installing the audit key at {}", path.display()))?;
                Ok(key.clone())
            }
        }
    }
}

/// The backup's audit key, checked against the manifest and against a key the
/// installation is configured with (which restore cannot replace).
fn backup_key(args: &RestoreArgs, m: &Manifest) -> anyhow::Result<KeyPlan> {
    let Some(entry) = &m.audit_key else {
        return Ok(KeyPlan::Keep);
    };
    let path = args.from.join(manifest::AUDIT_KEY);
    let (sha256, size) = blobs::hash_file(&path)
        .with_context(|| format!("reading the backup's {}", manifest::AUDIT_KEY))?;
    if sha256 != entry.sha256 || size != entry.size {
        bail!(
            "the backup is damaged: {} does not match its manifest; nothing was changed",
            manifest::AUDIT_KEY
        );
    }
    let key = AuditKey::read(&path)?;
    match KeySource::locate(&args.db) {
        KeySource::DataDir(target) => Ok(KeyPlan::Install(key, target)),
        configured => {
            let theirs = AuditKey::read(configured.path())?;
            if theirs != key {
                bail!(
                    "the backup's audit chain is sealed with the key in {}, but this \
                     installation is configured to use {}, which holds another key: put the \
                     backup's key there (or drop that setting) and restore again; nothing was \
                     changed",
                    path.display(),
                    configured.path().display()
                );
            }
            Ok(KeyPlan::Keep)
        }
    }
}

async fn record(
    db: &Database,
    key: &AuditKey,
    args: &RestoreArgs,
    m: &Manifest,
) -> anyhow::Result<()> {
    let actor = db::audit::Actor {
        name: Some("command line".into()),
        ..Default::default()
    };
    let from: PathBuf = std::path::absolute(&args.from)?;
    let details = serde_json::json!({
        "from": from.display().to_string(),
        "snapshot_at": m.snapshot_at,
        "aduan_version": m.aduan_version,
        "complaints": m.counts.complaints,
        "attachments": m.counts.attachments,
    });
    let name = from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    db::audit::record(
        &db.pool,
        &actor,
        AuditAction::BackupRestore,
        Some(("backup", name)),
        Some(details),
    )
    .await?;
    db::audit::seal_all(&db.pool, key).await?;
    Ok(())
}
