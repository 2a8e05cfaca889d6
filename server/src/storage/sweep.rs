//! Removing stored files that no record names: a submission refused after its files were
//! streamed to disk (an invalid form, a dropped connection, a failed commit) leaves them
//! behind. A file becomes an orphan only after a grace period, far longer than any upload,
//! so a blob whose row is about to commit is never taken.
//!
//! Races with intake are closed by the file's modification time: intake writes a new blob,
//! or refreshes the time of one already stored ([`refresh`]), before the row naming it
//! commits. The sweep moves an old, unnamed blob aside first (one atomic rename), then
//! looks again: if its time was refreshed or a row names it meanwhile, it goes back;
//! otherwise it is removed. An upload that finds the blob moved aside writes its own copy.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aduan_api::account::AuditAction;
use sqlx::PgPool;

use super::BlobStore;
use crate::db;

/// How many candidates are checked against the database at once.
const BATCH: usize = 500;

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub blobs: u64,
    pub bytes: u64,
    /// Unfinished uploads (a crash mid-stream) in `tmp/`.
    pub partial: u64,
}

/// Make the blob at `path` young again; false when there is none.
pub async fn refresh(path: &Path) -> std::io::Result<bool> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || match std::fs::File::open(&path) {
        Ok(f) => f.set_modified(SystemTime::now()).map(|_| true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Remove blobs that no attachment or desktop release names and that are older than
/// `grace`, and unfinished uploads older than `grace`. Records an audit entry when
/// anything was removed.
pub async fn sweep(pool: &PgPool, store: &BlobStore, grace: Duration) -> anyhow::Result<Swept> {
    let cutoff = SystemTime::now() - grace;
    let root = store.root().to_path_buf();
    let (old, partial, interrupted) = {
        let root = root.clone();
        tokio::task::spawn_blocking(move || old_files(&root, cutoff)).await??
    };
    put_back(&root, interrupted).await?;
    let mut swept = Swept {
        partial: remove_partial(partial).await,
        ..Swept::default()
    };
    for batch in old.chunks(BATCH) {
        let names: Vec<String> = batch.iter().map(|(sha, _)| sha.clone()).collect();
        let named = db::attachments::named_blobs(pool, &names).await?;
        for (sha, path) in batch.iter().filter(|(sha, _)| !named.contains(sha)) {
            if let Some(bytes) = take(pool, &root, sha, path, cutoff).await? {
                swept.blobs += 1;
                swept.bytes += bytes;
            }
        }
    }
    if swept.blobs + swept.partial > 0 {
        let actor = db::audit::Actor {
            name: Some("server".into()),
            ..Default::default()
        };
        let details = serde_json::json!({
            "blobs": swept.blobs,
            "bytes": swept.bytes,
            "partial_uploads": swept.partial,
            "grace_hours": grace.as_secs_f64() / 3600.0,
        });
        db::audit::record(pool, &actor, AuditAction::StorageSweep, None, Some(details)).await?;
        tracing::info!(
            blobs = swept.blobs,
            bytes = swept.bytes,
            partial = swept.partial,
            "removed stored files no record names"
        );
    }
    Ok(swept)
}

/// Move the orphan aside, look again, and remove it or put it back. Returns its size when
/// removed.
async fn take(
    pool: &PgPool,
    root: &Path,
    sha: &str,
    path: &Path,
    cutoff: SystemTime,
) -> anyhow::Result<Option<u64>> {
    let aside = root
        .join("tmp")
        .join(format!("sweep-{sha}-{}", uuid::Uuid::new_v4().simple()));
    match tokio::fs::rename(path, &aside).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let meta = tokio::fs::metadata(&aside).await?;
    let young = meta.modified()? >= cutoff;
    let named = !db::attachments::named_blobs(pool, &[sha.to_string()])
        .await?
        .is_empty();
    if young || named {
        // Back in place, unless an upload already wrote it again.
        if tokio::fs::try_exists(path).await? {
            tokio::fs::remove_file(&aside).await?;
        } else {
            tokio::fs::rename(&aside, path).await?;
        }
        return Ok(None);
    }
    tokio::fs::remove_file(&aside).await?;
    Ok(Some(meta.len()))
}

/// A blob moved aside by a sweep that was interrupted (a crash) goes back to its place;
/// the next sweep decides again.
async fn put_back(root: &Path, interrupted: Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for (sha, aside) in interrupted {
        let path = root.join(&sha[..2]).join(&sha);
        if tokio::fs::try_exists(&path).await? {
            tokio::fs::remove_file(&aside).await?;
        } else {
            tokio::fs::rename(&aside, &path).await?;
        }
    }
    Ok(())
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Files a sweep works on.
type Found = (Vec<(String, PathBuf)>, Vec<PathBuf>, Vec<(String, PathBuf)>);

/// Blobs (`ab/<sha256>`) modified before `cutoff`; files in `tmp/` modified before it; and
/// blobs an interrupted sweep left in `tmp/`.
fn old_files(root: &Path, cutoff: SystemTime) -> std::io::Result<Found> {
    let old = |path: &Path| {
        std::fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < cutoff)
    };
    let (mut blobs, mut partial, mut interrupted) = (Vec::new(), Vec::new(), Vec::new());
    for dir in std::fs::read_dir(root)? {
        let dir = dir?;
        let name = dir.file_name();
        let Some(name) = name.to_str() else { continue };
        if name == "tmp" {
            for f in std::fs::read_dir(dir.path())? {
                let f = f?.path();
                let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let aside = name.strip_prefix("sweep-").and_then(|rest| rest.get(..64));
                match aside.filter(|sha| is_sha256(sha)) {
                    Some(sha) => interrupted.push((sha.to_string(), f.clone())),
                    None if old(&f) => partial.push(f),
                    None => {}
                }
            }
            continue;
        }
        if name.len() != 2 || !dir.file_type()?.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(dir.path())? {
            let f = f?;
            let Some(sha) = f.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if is_sha256(&sha) && sha.starts_with(name) && old(&f.path()) {
                blobs.push((sha, f.path()));
            }
        }
    }
    Ok((blobs, partial, interrupted))
}

async fn remove_partial(files: Vec<PathBuf>) -> u64 {
    let mut n = 0;
    for f in files {
        match tokio::fs::remove_file(&f).await {
            Ok(()) => n += 1,
            Err(e) => {
                tracing::warn!(file = %f.display(), error = %e, "removing an unfinished upload")
            }
        }
    }
    n
}

/// Sweep every hour while the server runs.
pub async fn run(
    pool: PgPool,
    store: BlobStore,
    grace: Duration,
    stop: tokio_util::sync::CancellationToken,
) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {},
        }
        if let Err(e) = sweep(&pool, &store, grace).await {
            tracing::warn!(error = %e, "sweeping unrecorded files failed");
        }
    }
}
