//! `aduan-server blobs migrate --to s3://…`: the data dir's blobs into a bucket, while the
//! server keeps serving from the data dir. Each blob is hashed on its way and stored only
//! if it still has its name's content; a blob already in the bucket with its size is left
//! alone, so an interrupted run picks up where it stopped. At the end every blob a record
//! names is looked up in the bucket: the switch is safe when none is missing.

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};

use super::{BlobLocation, BlobStore, LocalStore, S3Store, StoreError};
use crate::config::DbArgs;
use crate::db::{self, Database};

/// Blobs copied at once: the copies wait on the network more than on the disk.
const AT_ONCE: usize = 4;

/// What a migration did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Migrated {
    pub copied: u64,
    pub bytes: u64,
    /// Already in the bucket.
    pub present: u64,
}

/// Copy every blob of the data dir into `to`, then check that every blob a record names
/// is there.
pub async fn migrate(db_args: &DbArgs, to: &BlobLocation) -> anyhow::Result<Migrated> {
    let root = db_args.data_dir.join("blobs");
    let source = LocalStore::new(&root).with_context(|| format!("opening {}", root.display()))?;
    let target = BlobStore::S3(S3Store::open(to, db_args.data_dir.join("spool")).await?);
    let local = {
        let source = source.clone();
        tokio::task::spawn_blocking(move || source.blobs()).await??
    };
    tracing::info!(blobs = local.len(), from = %root.display(), to = %to, "migrating blobs");
    let results: Vec<Option<u64>> = futures::stream::iter(local)
        .map(|(sha, size, _)| copy_one(&source, &target, sha, size))
        .buffer_unordered(AT_ONCE)
        .try_collect()
        .await?;
    let mut done = Migrated::default();
    for copied in results {
        match copied {
            Some(bytes) => {
                done.copied += 1;
                done.bytes += bytes;
            }
            None => done.present += 1,
        }
    }
    let missing = missing_named(db_args, &target).await?;
    println!(
        "{} blobs copied ({} bytes), {} already in {to}",
        done.copied, done.bytes, done.present
    );
    if !missing.is_empty() {
        anyhow::bail!(
            "{} blobs that records name are not in {to} (first: {}); they may have been \
             uploaded during the copy: run the command again",
            missing.len(),
            missing[0]
        );
    }
    println!("every blob that records name is in {to}");
    Ok(done)
}

/// Copy one blob unless the bucket has it; its size when copied.
async fn copy_one(
    source: &LocalStore,
    target: &BlobStore,
    sha: String,
    size: u64,
) -> anyhow::Result<Option<u64>> {
    if target.size_of(&sha).await? == Some(size) {
        return Ok(None);
    }
    let path = source.path_of(&sha).expect("listed blobs are hashes");
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        // Removed by the orphan sweep since it was listed.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
    };
    let stream = tokio_util::io::ReaderStream::new(file);
    match target.put_checked(stream, size, Some(&sha)).await {
        Ok(blob) => Ok(Some(blob.size)),
        Err(StoreError::Altered { actual, .. }) => anyhow::bail!(
            "{} does not match its name (its content hashes to {actual}); it was not copied",
            path.display()
        ),
        Err(e) => Err(e).with_context(|| format!("copying {}", path.display())),
    }
}

/// The blobs records name that `target` does not hold with their size.
async fn missing_named(db_args: &DbArgs, target: &BlobStore) -> anyhow::Result<Vec<String>> {
    let db = Database::open(db_args).await?;
    let named = db::attachments::all_named_blobs(&db.pool).await;
    db.close_tool().await;
    let checks: Vec<Option<String>> = futures::stream::iter(named?)
        .map(|(sha, size)| async move {
            let held = target.size_of(&sha).await?;
            Ok::<_, StoreError>((held != Some(size as u64)).then_some(sha))
        })
        .buffer_unordered(AT_ONCE * 4)
        .try_collect()
        .await?;
    Ok(checks.into_iter().flatten().collect())
}
