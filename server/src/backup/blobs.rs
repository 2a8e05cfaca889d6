//! Copying attachment blobs while checking each against its SHA-256: between directories
//! laid out as `ab/<sha>`, and between such a directory and the configured blob store.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use super::manifest::{blob_path, BlobEntry};
use crate::storage::{BlobStore, StoreError};

/// Copies run on this many threads: one reads while another waits for the disk.
const THREADS: usize = 2;
const CHUNK: usize = 256 * 1024;

/// What went wrong with one blob.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {sha256} is missing ({path})")]
    Missing { sha256: String, path: String },
    #[error("blob {sha256} does not match its SHA-256 (its content hashes to {actual})")]
    Altered { sha256: String, actual: String },
    #[error("blob {sha256} has {actual} bytes, {expected} expected")]
    WrongSize {
        sha256: String,
        expected: u64,
        actual: u64,
    },
    #[error("copying blob {sha256}: {source}")]
    Io {
        sha256: String,
        source: std::io::Error,
    },
}

/// Copy every blob of `list` from `from` to `to` (both laid out as `ab/<sha>`), hashing
/// as it goes; files are created with `mode`. Stops at the first blob that is missing,
/// altered or of the wrong size. Returns the bytes copied. Nothing is flushed here: the
/// caller syncs the filesystem once.
pub fn copy_all(list: &[BlobEntry], from: &Path, to: &Path, mode: u32) -> Result<u64, BlobError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let mut buf = vec![0u8; CHUNK];
                while !failed.load(Ordering::Relaxed) {
                    let Some(blob) = list.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        return;
                    };
                    match copy_one(blob, from, to, mode, &mut buf) {
                        Ok(n) => {
                            bytes.fetch_add(n, Ordering::Relaxed);
                        }
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error.lock().expect("error slot").get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    match first_error.into_inner().expect("error slot") {
        Some(e) => Err(e),
        None => Ok(bytes.into_inner()),
    }
}

fn copy_one(
    blob: &BlobEntry,
    from: &Path,
    to: &Path,
    mode: u32,
    buf: &mut [u8],
) -> Result<u64, BlobError> {
    let src = blob_path(from, &blob.sha256);
    let io = |source| BlobError::Io {
        sha256: blob.sha256.clone(),
        source,
    };
    let mut input = match File::open(&src) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BlobError::Missing {
                sha256: blob.sha256.clone(),
                path: src.display().to_string(),
            })
        }
        Err(e) => return Err(io(e)),
    };
    let dest = blob_path(to, &blob.sha256);
    std::fs::create_dir_all(dest.parent().expect("blob dir")).map_err(io)?;
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&dest)
        .map_err(io)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let n = input.read(buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n]).map_err(io)?;
        size += n as u64;
    }
    checked(blob, hex::encode(hasher.finalize()), size)
}

/// Blobs sent to or read from a bucket at once: the copies wait on the network.
const REMOTE_AT_ONCE: usize = 4;

/// [`copy_all`] from the configured store: its blobs in `list` into the directory `to`.
pub async fn copy_from_store(
    list: Vec<BlobEntry>,
    store: &BlobStore,
    to: &Path,
    mode: u32,
) -> Result<u64, BlobError> {
    if let BlobStore::Local(local) = store {
        let (from, to) = (local.root().to_path_buf(), to.to_path_buf());
        return tokio::task::spawn_blocking(move || copy_all(&list, &from, &to, mode))
            .await
            .map_err(|e| BlobError::Io {
                sha256: String::new(),
                source: std::io::Error::other(e),
            })?;
    }
    let sizes: Vec<u64> = futures::stream::iter(&list)
        .map(|blob| download_one(blob, store, to, mode))
        .buffer_unordered(REMOTE_AT_ONCE)
        .try_collect()
        .await?;
    Ok(sizes.iter().sum())
}

async fn download_one(
    blob: &BlobEntry,
    store: &BlobStore,
    to: &Path,
    mode: u32,
) -> Result<u64, BlobError> {
    use tokio::io::AsyncWriteExt;
    let io = |source| BlobError::Io {
        sha256: blob.sha256.clone(),
        source,
    };
    let mut bytes = match store.read(&blob.sha256, None).await {
        Ok(b) => b,
        Err(StoreError::Remote(object_store::Error::NotFound { path, .. })) => {
            return Err(BlobError::Missing {
                sha256: blob.sha256.clone(),
                path,
            })
        }
        Err(e) => return Err(io(std::io::Error::other(e))),
    };
    let dest = blob_path(to, &blob.sha256);
    tokio::fs::create_dir_all(dest.parent().expect("blob dir"))
        .await
        .map_err(io)?;
    let mut output = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&dest)
        .await
        .map_err(io)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = bytes.next().await {
        let chunk = chunk.map_err(io)?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        output.write_all(&chunk).await.map_err(io)?;
    }
    output.flush().await.map_err(io)?;
    checked(blob, hex::encode(hasher.finalize()), size)
}

/// The blobs of `list` from the directory `from` into the configured store, each checked
/// against its name and size on the way.
pub async fn upload_to_store(
    list: &[BlobEntry],
    from: &Path,
    store: &BlobStore,
) -> Result<u64, BlobError> {
    let sizes: Vec<u64> = futures::stream::iter(list)
        .map(|blob| async move {
            let io = |source| BlobError::Io {
                sha256: blob.sha256.clone(),
                source,
            };
            let src = blob_path(from, &blob.sha256);
            let file = tokio::fs::File::open(&src)
                .await
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => BlobError::Missing {
                        sha256: blob.sha256.clone(),
                        path: src.display().to_string(),
                    },
                    _ => io(e),
                })?;
            let stream = tokio_util::io::ReaderStream::new(file);
            match store
                .put_checked(stream, blob.size, Some(&blob.sha256))
                .await
            {
                Ok(stored) => checked(blob, stored.sha256, stored.size),
                Err(StoreError::Altered { actual, .. }) => Err(BlobError::Altered {
                    sha256: blob.sha256.clone(),
                    actual,
                }),
                Err(StoreError::TooLarge { .. }) => Err(BlobError::WrongSize {
                    sha256: blob.sha256.clone(),
                    expected: blob.size,
                    actual: blob.size + 1,
                }),
                Err(e) => Err(io(std::io::Error::other(e))),
            }
        })
        .buffer_unordered(REMOTE_AT_ONCE)
        .try_collect()
        .await?;
    Ok(sizes.iter().sum())
}

/// The size when the content is the blob's, else what is wrong with it.
fn checked(blob: &BlobEntry, actual: String, size: u64) -> Result<u64, BlobError> {
    if actual != blob.sha256 {
        return Err(BlobError::Altered {
            sha256: blob.sha256.clone(),
            actual,
        });
    }
    if size != blob.size {
        return Err(BlobError::WrongSize {
            sha256: blob.sha256.clone(),
            expected: blob.size,
            actual: size,
        });
    }
    Ok(size)
}

/// SHA-256 and size of a file.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(root: &Path, content: &[u8]) -> BlobEntry {
        let sha256 = hex::encode(Sha256::digest(content));
        let path = blob_path(root, &sha256);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        BlobEntry {
            sha256,
            size: content.len() as u64,
        }
    }

    #[test]
    fn copies_and_checks_every_blob() {
        let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let list: Vec<_> = (0..20)
            .map(|i| put(from.path(), format!("lampiran {i}").as_bytes()))
            .collect();
        let bytes = copy_all(&list, from.path(), to.path(), 0o600).unwrap();
        assert_eq!(bytes, list.iter().map(|b| b.size).sum::<u64>());
        for b in &list {
            let copied = std::fs::read(blob_path(to.path(), &b.sha256)).unwrap();
            assert_eq!(hex::encode(Sha256::digest(&copied)), b.sha256);
        }
    }

    #[test]
    fn an_altered_or_missing_blob_is_named() {
        let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let good = put(from.path(), b"asal");
        let bad = put(from.path(), b"asal juga");
        std::fs::write(blob_path(from.path(), &bad.sha256), b"diubah").unwrap();
        let err = copy_all(&[good.clone(), bad.clone()], from.path(), to.path(), 0o600);
        assert!(matches!(err, Err(BlobError::Altered { sha256, .. }) if sha256 == bad.sha256));
        let gone = BlobEntry {
            sha256: "0".repeat(64),
            size: 1,
        };
        let err = copy_all(
            &[gone],
            from.path(),
            tempfile::tempdir().unwrap().path(),
            0o600,
        );
        assert!(matches!(err, Err(BlobError::Missing { .. })));
    }
}
