//! Content-addressed attachment storage: in the data dir (`<data-dir>/blobs`, [`local`]) or
//! in an S3-compatible bucket ([`s3`]). Either way a file is streamed while it is hashed,
//! never held whole in memory, never stored under a name a client chose, and identical
//! uploads share one blob named `ab/<sha256>`.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::Stream;
use sha2::{Digest, Sha256};

pub mod local;
pub mod location;
pub mod migrate;
pub mod s3;
pub mod sweep;

pub use local::LocalStore;
pub use location::BlobLocation;
pub use s3::S3Store;

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
    /// Content that was expected to hash to a name (a migration, a restore) does not.
    #[error("content hashes to {actual}, not to {expected}")]
    Altered { expected: String, actual: String },
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
    #[error("object storage error: {0}")]
    Remote(#[from] object_store::Error),
}

/// A blob safely stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// Detected from the content (magic numbers), or text/plain for valid UTF-8 text,
    /// else application/octet-stream.
    pub content_type: String,
}

/// The bytes of a stored blob, streamed.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Where attachments and desktop bundles are stored.
#[derive(Debug, Clone)]
pub enum BlobStore {
    Local(LocalStore),
    S3(S3Store),
}

impl BlobStore {
    /// The store `location` names (the data dir's `blobs/` when `None`). A bucket must
    /// exist and answer: a typo or a bad credential stops the start, not the first upload.
    pub async fn open(location: Option<&BlobLocation>, data_dir: &Path) -> anyhow::Result<Self> {
        match location {
            None => Ok(BlobStore::Local(LocalStore::new(data_dir.join("blobs"))?)),
            Some(loc) => Ok(BlobStore::S3(
                S3Store::open(loc, data_dir.join("spool")).await?,
            )),
        }
    }

    /// The data dir's store at `root`.
    pub fn local(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        LocalStore::new(root).map(BlobStore::Local)
    }

    /// Where the blobs are, for people: a directory or `s3://bucket/prefix`.
    pub fn describe(&self) -> String {
        match self {
            BlobStore::Local(l) => l.root().display().to_string(),
            BlobStore::S3(s) => s.url().to_string(),
        }
    }

    /// Stream `chunks` into the store, refusing more than `limit` bytes as soon as it is
    /// crossed (the rest of the stream is not read). Callers pass the smaller of the
    /// per-file limit and what is left of the per-request limit. A refused or failed
    /// upload leaves nothing behind.
    pub async fn put<S, E>(&self, chunks: S, limit: u64) -> Result<StoredBlob, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.put_checked(chunks, limit, None).await
    }

    /// [`Self::put`] of content that must hash to `expected` (a blob copied from another
    /// store); anything else is refused and not stored.
    pub async fn put_checked<S, E>(
        &self,
        chunks: S,
        limit: u64,
        expected: Option<&str>,
    ) -> Result<StoredBlob, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        match self {
            BlobStore::Local(l) => l.put(chunks, limit, expected).await,
            BlobStore::S3(s) => s.put(chunks, limit, expected).await,
        }
    }

    /// The bytes of a blob, or of the inclusive range `(start, end)` of it.
    pub async fn read(
        &self,
        sha256: &str,
        range: Option<(u64, u64)>,
    ) -> Result<ByteStream, StoreError> {
        let sha = valid_sha(sha256)?;
        match self {
            BlobStore::Local(l) => l.read(sha, range).await,
            BlobStore::S3(s) => s.read(sha, range).await,
        }
    }

    /// A blob as a local file, for readers that need to seek (image decoding). A blob in
    /// a bucket is copied to a private temporary file, removed when the copy is dropped.
    pub async fn local_file(&self, sha256: &str) -> Result<LocalFile, StoreError> {
        let sha = valid_sha(sha256)?;
        match self {
            BlobStore::Local(l) => Ok(LocalFile {
                path: l.path_of(sha).expect("checked hash"),
                temporary: false,
            }),
            BlobStore::S3(s) => s.spool(sha).await,
        }
    }

    /// The size of a stored blob, `None` when there is none.
    pub async fn size_of(&self, sha256: &str) -> Result<Option<u64>, StoreError> {
        let sha = valid_sha(sha256)?;
        match self {
            BlobStore::Local(l) => l.size_of(sha).await,
            BlobStore::S3(s) => s.size_of(sha).await,
        }
    }

    /// Whether the store holds any blob (upload leftovers are not blobs).
    pub async fn any_blob(&self) -> Result<bool, StoreError> {
        match self {
            BlobStore::Local(l) => Ok(l.any_blob()?),
            BlobStore::S3(s) => s.any_blob().await,
        }
    }

    /// Whether the store can be reached now (for readiness).
    pub async fn check(&self) -> Result<(), StoreError> {
        match self {
            BlobStore::Local(l) => l.check().await,
            BlobStore::S3(s) => s.check().await,
        }
    }
}

/// A stored blob as a file on this machine.
#[derive(Debug)]
pub struct LocalFile {
    path: PathBuf,
    temporary: bool,
}

impl LocalFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LocalFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A SHA-256 as stored: 64 lowercase hex digits. Names come from our database, never from
/// a client, and are checked anyway before they become a path or a key.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn valid_sha(sha256: &str) -> Result<&str, StoreError> {
    if is_sha256(sha256) {
        Ok(sha256)
    } else {
        Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "stored hash is not hex").into())
    }
}

/// Hashing, counting and sniffing an upload as it streams, with its limit.
struct Digesting {
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    limit: u64,
}

impl Digesting {
    fn new(limit: u64) -> Self {
        Digesting {
            hasher: Sha256::new(),
            size: 0,
            head: Vec::with_capacity(SNIFF_BYTES),
            limit,
        }
    }

    fn update(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(StoreError::TooLarge { limit: self.limit });
        }
        if self.head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        Ok(())
    }

    /// The blob, unless it is empty or not the `expected` content.
    fn finish(self, expected: Option<&str>) -> Result<StoredBlob, StoreError> {
        if self.size == 0 {
            return Err(StoreError::Empty);
        }
        let sha256 = hex::encode(self.hasher.finalize());
        if let Some(expected) = expected.filter(|e| *e != sha256) {
            return Err(StoreError::Altered {
                expected: expected.to_string(),
                actual: sha256,
            });
        }
        Ok(StoredBlob {
            sha256,
            size: self.size,
            content_type: sniff(&self.head, self.size),
        })
    }
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

    #[test]
    fn digesting_refuses_other_content_than_expected() {
        let mut d = Digesting::new(100);
        d.update(b"hello world").unwrap();
        let err = d.finish(Some(&"0".repeat(64))).unwrap_err();
        assert!(matches!(err, StoreError::Altered { .. }));
        assert!(matches!(
            Digesting::new(100).finish(None),
            Err(StoreError::Empty)
        ));
    }
}
