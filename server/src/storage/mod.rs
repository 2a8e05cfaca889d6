//! Content-addressed attachment storage under `<data-dir>/blobs`. A file is streamed to a
//! temporary file while it is hashed, flushed to disk, then renamed to its SHA-256: never
//! held whole in memory, never at a path a client chose, and identical uploads share one blob.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

pub mod sweep;

/// How many leading bytes are kept to sniff the content type.
const SNIFF_BYTES: usize = 8192;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("file is empty")]
    Empty,
    /// The client's stream failed (disconnect, malformed multipart).
    #[error("upload interrupted: {0}")]
    Upload(String),
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
}

/// A blob safely on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// Detected from the content (magic numbers), or text/plain for valid UTF-8 text,
    /// else application/octet-stream.
    pub content_type: String,
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        private_dirs().create(root.join("tmp"))?;
        Ok(BlobStore { root })
    }

    /// The path of a stored blob. `sha256` comes from our database, never from a client,
    /// and is checked to be hex anyway.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stream `chunks` to disk, refusing more than `limit` bytes as soon as it is crossed
    /// (the rest of the stream is not read). Callers pass the smaller of the per-file limit
    /// and what is left of the per-request limit.
    pub async fn put<S, E>(&self, mut chunks: S, limit: u64) -> Result<StoredBlob, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp = self
            .root
            .join("tmp")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let result = self.write_tmp(&tmp, &mut chunks, limit).await;
        let blob = match result {
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
        if sweep::refresh(&dest).await? {
            tokio::fs::remove_file(&tmp).await?;
        } else {
            tokio::fs::rename(&tmp, &dest).await?;
            sync_dir(dest.parent().expect("blob dir")).await?;
        }
        Ok(blob)
    }

    async fn write_tmp<S, E>(
        &self,
        tmp: &Path,
        chunks: &mut S,
        limit: u64,
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
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| StoreError::Upload(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(StoreError::TooLarge { limit });
            }
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        if size == 0 {
            return Err(StoreError::Empty);
        }
        // The complaint row that points at this blob commits only after this returns:
        // the bytes must be on disk first.
        file.sync_all().await?;
        Ok(StoredBlob {
            sha256: hex::encode(hasher.finalize()),
            size,
            content_type: sniff(&head, size),
        })
    }
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    tokio::fs::File::open(dir).await?.sync_all().await
}

/// The content type from the first bytes. Text is recognised only when the sampled bytes are
/// valid UTF-8 (a multi-byte character cut at the sample's end is allowed).
pub fn sniff(head: &[u8], size: u64) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_string();
    }
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && (head.len() as u64) < size,
    };
    if text && !head.contains(&0) {
        "text/plain; charset=utf-8".to_string()
    } else {
        "application/octet-stream".to_string()
    }
}

/// Directories of stored evidence: created for the server's user alone (0700).
fn private_dirs() -> std::fs::DirBuilder {
    use std::os::unix::fs::DirBuilderExt;
    let mut dirs = std::fs::DirBuilder::new();
    dirs.recursive(true).mode(0o700);
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_types() {
        assert_eq!(sniff(b"%PDF-1.7\n...", 100), "application/pdf");
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a], 100),
            "image/png"
        );
        assert_eq!(
            sniff("Resit bayaran RM500".as_bytes(), 19),
            "text/plain; charset=utf-8"
        );
        assert_eq!(sniff(&[0, 1, 2, 3], 4), "application/octet-stream");
    }

    #[tokio::test]
    async fn put_hashes_and_dedups() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path()).unwrap();
        let chunks = || {
            futures::stream::iter(vec![
                Ok::<_, std::io::Error>(Bytes::from_static(b"hello ")),
                Ok(Bytes::from_static(b"world")),
            ])
        };
        let a = store.put(chunks(), 1024).await.unwrap();
        let b = store.put(chunks(), 1024).await.unwrap();
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
        let store = BlobStore::new(dir.path()).unwrap();
        let chunks =
            futures::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 2048]))]);
        let err = store.put(chunks, 1024).await.unwrap_err();
        assert!(matches!(err, StoreError::TooLarge { limit: 1024 }));
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }
}
