//! Blobs in the data dir: `<data-dir>/blobs/ab/<sha256>`. A file is streamed to a temporary
//! file in `tmp/` while it is hashed, flushed to disk, then renamed to its SHA-256.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::sweep::{Aside, Scan};
use super::{private_dirs, ByteStream, Digesting, StoreError, StoredBlob};

#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        private_dirs().create(root.join("tmp"))?;
        Ok(LocalStore { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of a stored blob; `None` unless `sha256` is a hash.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        super::is_sha256(sha256).then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    pub(super) async fn put<S, E>(
        &self,
        mut chunks: S,
        limit: u64,
        expected: Option<&str>,
    ) -> Result<StoredBlob, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp = self
            .root
            .join("tmp")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let blob = match write_tmp(&tmp, &mut chunks, limit, expected).await {
            Ok(blob) => blob,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let dest = self.path_of(&blob.sha256).expect("hex digest");
        let dir = dest.parent().expect("blob dir").to_path_buf();
        tokio::task::spawn_blocking(move || private_dirs().create(dir))
            .await
            .map_err(std::io::Error::other)??;
        // Same content already stored: keep the existing blob, made young again so the
        // orphan sweep leaves it to the row about to name it.
        if refresh(&dest).await? {
            tokio::fs::remove_file(&tmp).await?;
        } else {
            tokio::fs::rename(&tmp, &dest).await?;
            sync_dir(dest.parent().expect("blob dir")).await?;
        }
        Ok(blob)
    }

    pub(super) async fn read(
        &self,
        sha256: &str,
        range: Option<(u64, u64)>,
    ) -> Result<ByteStream, StoreError> {
        let path = self.path_of(sha256).expect("checked hash");
        let mut file = tokio::fs::File::open(&path).await?;
        let reader = match range {
            Some((start, end)) => {
                file.seek(SeekFrom::Start(start)).await?;
                file.take(end - start + 1)
            }
            None => file.take(u64::MAX),
        };
        Ok(tokio_util::io::ReaderStream::new(reader).boxed())
    }

    pub(super) async fn size_of(&self, sha256: &str) -> Result<Option<u64>, StoreError> {
        let path = self.path_of(sha256).expect("checked hash");
        match tokio::fs::metadata(&path).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn check(&self) -> Result<(), StoreError> {
        tokio::fs::metadata(self.root.join("tmp")).await?;
        Ok(())
    }

    /// Whether the store holds any blob. Upload leftovers in `tmp/` are not blobs.
    pub fn any_blob(&self) -> std::io::Result<bool> {
        any_blob_in(&self.root)
    }

    /// Every blob (`ab/<sha256>`) with its size and modification time.
    pub fn blobs(&self) -> std::io::Result<Vec<(String, u64, SystemTime)>> {
        let mut found = Vec::new();
        for dir in std::fs::read_dir(&self.root)? {
            let dir = dir?;
            let name = dir.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.len() != 2 || !dir.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(dir.path())? {
                let f = f?;
                let Some(sha) = f.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                if super::is_sha256(&sha) && sha.starts_with(name) {
                    let meta = f.metadata()?;
                    found.push((sha, meta.len(), meta.modified()?));
                }
            }
        }
        Ok(found)
    }

    /// Blobs modified before `cutoff`, after putting back what an interrupted sweep left
    /// aside and removing unfinished uploads older than `cutoff`.
    pub(super) async fn scan(&self, cutoff: SystemTime) -> Result<Scan, StoreError> {
        let this = self.clone();
        let (old, partial, interrupted) =
            tokio::task::spawn_blocking(move || this.old_files(cutoff))
                .await
                .map_err(std::io::Error::other)??;
        for (sha, aside) in interrupted {
            let path = self.path_of(&sha).expect("hash");
            self.restore(&aside, &path).await?;
        }
        let mut removed = 0;
        for f in partial {
            match tokio::fs::remove_file(&f).await {
                Ok(()) => removed += 1,
                Err(e) => {
                    tracing::warn!(file = %f.display(), error = %e, "removing an unfinished upload")
                }
            }
        }
        Ok(Scan {
            old,
            partial: removed,
        })
    }

    /// Blobs modified before `cutoff`; files in `tmp/` modified before it; and blobs an
    /// interrupted sweep left in `tmp/`.
    #[allow(clippy::type_complexity)]
    fn old_files(
        &self,
        cutoff: SystemTime,
    ) -> std::io::Result<(Vec<String>, Vec<PathBuf>, Vec<(String, PathBuf)>)> {
        let old = |t: SystemTime| t < cutoff;
        let blobs = self
            .blobs()?
            .into_iter()
            .filter(|(_, _, t)| old(*t))
            .map(|(sha, _, _)| sha)
            .collect();
        let (mut partial, mut interrupted) = (Vec::new(), Vec::new());
        for f in std::fs::read_dir(self.root.join("tmp"))? {
            let f = f?.path();
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            match super::sweep::aside_sha(name) {
                Some(sha) => interrupted.push((sha.to_string(), f.clone())),
                None => {
                    let modified = std::fs::symlink_metadata(&f).and_then(|m| m.modified());
                    if modified.is_ok_and(old) {
                        partial.push(f);
                    }
                }
            }
        }
        Ok((blobs, partial, interrupted))
    }

    /// Move a blob aside (one atomic rename); `None` when it is already gone.
    pub(super) async fn set_aside(&self, sha256: &str) -> Result<Option<Aside>, StoreError> {
        let path = self.path_of(sha256).expect("hash");
        let aside = self.root.join("tmp").join(super::sweep::aside_name(sha256));
        match tokio::fs::rename(&path, &aside).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let meta = tokio::fs::metadata(&aside).await?;
        Ok(Some(Aside {
            sha256: sha256.to_string(),
            place: aside.display().to_string(),
            size: meta.len(),
            modified: meta.modified()?,
        }))
    }

    /// Intake refreshes the time of the file itself, so a blob moved aside carries a
    /// refresh made before the move.
    pub(super) async fn refreshed_since(
        &self,
        aside: &Aside,
        cutoff: SystemTime,
    ) -> Result<bool, StoreError> {
        Ok(aside.modified >= cutoff)
    }

    pub(super) async fn put_back(&self, aside: Aside) -> Result<(), StoreError> {
        let path = self.path_of(&aside.sha256).expect("hash");
        self.restore(Path::new(&aside.place), &path).await
    }

    pub(super) async fn discard(&self, aside: Aside) -> Result<(), StoreError> {
        tokio::fs::remove_file(&aside.place).await?;
        Ok(())
    }

    /// Back in place, unless an upload already wrote it again.
    async fn restore(&self, aside: &Path, path: &Path) -> Result<(), StoreError> {
        if tokio::fs::try_exists(path).await? {
            tokio::fs::remove_file(aside).await?;
        } else {
            tokio::fs::rename(aside, path).await?;
        }
        Ok(())
    }
}

/// Whether the blob directory `root` holds any blob, without creating it.
pub fn any_blob_in(root: &Path) -> std::io::Result<bool> {
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name() == "tmp" {
            continue;
        }
        if !entry.file_type()?.is_dir() || std::fs::read_dir(entry.path())?.next().is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn write_tmp<S, E>(
    tmp: &Path,
    chunks: &mut S,
    limit: u64,
    expected: Option<&str>,
) -> Result<StoredBlob, StoreError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    // Evidence is for the server's user alone, whatever its umask.
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .await?;
    let mut digest = Digesting::new(limit);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| StoreError::Upload(e.to_string()))?;
        digest.update(&chunk)?;
        file.write_all(&chunk).await?;
    }
    let blob = digest.finish(expected)?;
    // The complaint row that points at this blob commits only after this returns:
    // the bytes must be on disk first.
    file.sync_all().await?;
    Ok(blob)
}

/// Make the blob at `path` young again; false when there is none.
async fn refresh(path: &Path) -> std::io::Result<bool> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || match std::fs::File::open(&path) {
        Ok(f) => f.set_modified(SystemTime::now()).map(|_| true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    })
    .await
    .map_err(std::io::Error::other)?
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    tokio::fs::File::open(dir).await?.sync_all().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_hashes_and_dedups() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let chunks = || {
            futures::stream::iter(vec![
                Ok::<_, std::io::Error>(Bytes::from_static(b"hello ")),
                Ok(Bytes::from_static(b"world")),
            ])
        };
        let a = store.put(chunks(), 1024, None).await.unwrap();
        let b = store.put(chunks(), 1024, None).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        let on_disk = std::fs::read(store.path_of(&a.sha256).unwrap()).unwrap();
        assert_eq!(on_disk, b"hello world");
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn put_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let chunks =
            futures::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 2048]))]);
        let err = store.put(chunks, 1024, None).await.unwrap_err();
        assert!(matches!(err, StoreError::TooLarge { limit: 1024 }));
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn upload_leftovers_are_not_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("blobs")).unwrap();
        std::fs::write(dir.path().join("blobs/tmp/half-upload"), b"x").unwrap();
        std::fs::create_dir_all(dir.path().join("blobs/ab")).unwrap();
        assert!(!store.any_blob().unwrap());
        std::fs::write(dir.path().join("blobs/ab/x"), b"x").unwrap();
        assert!(store.any_blob().unwrap());
    }
}
