//! Removing stored files that no record names: a submission refused after its files were
//! streamed to storage (an invalid form, a dropped connection, a failed commit) leaves them
//! behind. A file becomes an orphan only after a grace period, far longer than any upload,
//! so a blob whose row is about to commit is never taken.
//!
//! Races with intake are closed the same way in both stores. Intake writes a new blob, or
//! marks one already stored as refreshed, BEFORE the row naming it commits; and it marks
//! first and then looks that the blob is still there. The sweep moves an old, unnamed
//! blob aside first, then looks again: if it was refreshed or a row names it meanwhile, it
//! goes back; otherwise it is removed. An upload that finds the blob moved aside writes its
//! own copy. So an upload that relied on the blob saw it before it was moved, its refresh
//! came before that, and the sweep's second look sees the refresh.
//!
//! In the data dir the refresh is the file's modification time and the move is one
//! rename. In a bucket, where an object's time cannot be changed, the refresh is a small
//! marker object `tmp/fresh-<sha256>-<uuid>` and the move is a copy then a delete.

use std::time::{Duration, SystemTime};

use aduan_api::account::AuditAction;
use sqlx::PgPool;

use super::{BlobStore, StoreError};
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

/// What a store found for a sweep: blobs older than the cutoff (and not refreshed since),
/// and how many unfinished uploads it removed.
#[derive(Debug, Default)]
pub struct Scan {
    pub old: Vec<String>,
    pub partial: u64,
}

/// A blob moved aside by a sweep, until it is put back or removed.
#[derive(Debug)]
pub struct Aside {
    pub sha256: String,
    /// The file or key it was moved to.
    pub place: String,
    pub size: u64,
    pub modified: SystemTime,
}

/// The name a blob is moved aside to, in `tmp/`.
pub fn aside_name(sha256: &str) -> String {
    format!("sweep-{sha256}-{}", uuid::Uuid::new_v4().simple())
}

/// The blob a `tmp/` name holds aside, if it is one.
pub fn aside_sha(name: &str) -> Option<&str> {
    name.strip_prefix("sweep-")
        .and_then(|rest| rest.get(..64))
        .filter(|sha| super::is_sha256(sha))
}

/// Remove blobs that no attachment or desktop release names and that are older than
/// `grace`, and unfinished uploads older than `grace`. Records an audit entry when
/// anything was removed.
pub async fn sweep(pool: &PgPool, store: &BlobStore, grace: Duration) -> anyhow::Result<Swept> {
    let cutoff = SystemTime::now() - grace;
    let scan = match store {
        BlobStore::Local(l) => l.scan(cutoff).await?,
        BlobStore::S3(s) => s.scan(cutoff).await?,
    };
    let mut swept = Swept {
        partial: scan.partial,
        ..Swept::default()
    };
    for batch in scan.old.chunks(BATCH) {
        let named = db::attachments::named_blobs(pool, batch).await?;
        for sha in batch.iter().filter(|sha| !named.contains(*sha)) {
            if let Some(bytes) = take(pool, store, sha, cutoff).await? {
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
    store: &BlobStore,
    sha: &str,
    cutoff: SystemTime,
) -> anyhow::Result<Option<u64>> {
    let aside = match store {
        BlobStore::Local(l) => l.set_aside(sha).await?,
        BlobStore::S3(s) => s.set_aside(sha).await?,
    };
    let Some(aside) = aside else {
        return Ok(None);
    };
    let young = match store {
        BlobStore::Local(l) => l.refreshed_since(&aside, cutoff).await,
        BlobStore::S3(s) => s.refreshed_since(&aside, cutoff).await,
    };
    let named = db::attachments::named_blobs(pool, &[sha.to_string()]).await;
    let keep = match (young, named) {
        (Ok(young), Ok(named)) => young || !named.is_empty(),
        // When in doubt, the blob stays.
        (Err(e), _) => {
            put_back(store, aside).await?;
            return Err(e.into());
        }
        (_, Err(e)) => {
            put_back(store, aside).await?;
            return Err(e.into());
        }
    };
    if keep {
        put_back(store, aside).await?;
        return Ok(None);
    }
    let size = aside.size;
    match store {
        BlobStore::Local(l) => l.discard(aside).await?,
        BlobStore::S3(s) => s.discard(aside).await?,
    }
    Ok(Some(size))
}

async fn put_back(store: &BlobStore, aside: Aside) -> Result<(), StoreError> {
    match store {
        BlobStore::Local(l) => l.put_back(aside).await,
        BlobStore::S3(s) => s.put_back(aside).await,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aside_names_carry_their_blob() {
        let sha = "ab".repeat(32);
        assert_eq!(aside_sha(&aside_name(&sha)), Some(sha.as_str()));
        assert_eq!(aside_sha("sweep-nothex"), None);
        assert_eq!(aside_sha("0123abcd"), None);
    }
}
