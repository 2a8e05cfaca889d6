//! Blobs in an S3-compatible bucket: `<prefix>/ab/<sha256>`. A large upload streams into a
//! multipart upload under `<prefix>/tmp/` while it is hashed, with a bounded number of parts
//! in memory, and is then copied to its hash's key unless that exists; a small one (one
//! part) is hashed first and written to its key directly.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
    WriteMultipart,
};
use tokio::io::AsyncWriteExt;

use super::sweep::{aside_name, aside_sha, Aside, Scan};
use super::{private_dirs, BlobLocation, ByteStream, Digesting, LocalFile, StoreError, StoredBlob};

/// Size of one part of a multipart upload (S3's smallest but for the last part). An
/// upload holds at most one part being filled plus [`PARTS_IN_FLIGHT`] being sent.
const PART: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;
/// Longer than any sweep holds a blob aside (a copy, a look, a copy back).
const ASIDE_HELD: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct S3Store {
    store: Arc<AmazonS3>,
    location: BlobLocation,
    /// Private temporary copies for readers that need a file ([`super::BlobStore::local_file`]).
    spool: PathBuf,
}

impl S3Store {
    /// The bucket at `location`, configured by the `AWS_*` variables, checked to answer.
    pub async fn open(location: &BlobLocation, spool: PathBuf) -> anyhow::Result<Self> {
        use anyhow::Context;
        private_dirs()
            .create(&spool)
            .with_context(|| format!("creating {}", spool.display()))?;
        // A store that does not answer is reported within a minute, not after the
        // default three minutes of retries.
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(60),
            ..RetryConfig::default()
        };
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(&location.bucket)
            .with_retry(retry)
            .build()
            .with_context(|| format!("configuring {location} from the AWS_* variables"))?;
        let s3 = S3Store {
            store: Arc::new(store),
            location: location.clone(),
            spool,
        };
        s3.check().await.with_context(|| {
            format!(
                "cannot use {location}: the bucket must exist and AWS_ENDPOINT, \
                 AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION must reach it"
            )
        })?;
        Ok(s3)
    }

    pub fn url(&self) -> &BlobLocation {
        &self.location
    }

    /// A key under the prefix.
    fn key(&self, rel: &str) -> Key {
        if self.location.prefix.is_empty() {
            Key::from(rel)
        } else {
            Key::from(format!("{}/{rel}", self.location.prefix))
        }
    }

    fn blob_key(&self, sha256: &str) -> Key {
        self.key(&format!("{}/{sha256}", &sha256[..2]))
    }

    fn root(&self) -> Option<Key> {
        (!self.location.prefix.is_empty()).then(|| Key::from(self.location.prefix.as_str()))
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
        let mut digest = Digesting::new(limit);
        // The chunks as they came, not copied: a file of one part is written from them.
        let mut first = Vec::new();
        let mut buffered = 0;
        while buffered < PART {
            match chunks.next().await {
                Some(chunk) => {
                    let chunk = chunk.map_err(|e| StoreError::Upload(e.to_string()))?;
                    digest.update(&chunk)?;
                    buffered += chunk.len();
                    first.push(chunk);
                }
                None => {
                    let blob = digest.finish(expected)?;
                    if !self.refresh(&blob.sha256).await? {
                        let key = self.blob_key(&blob.sha256);
                        self.store.put(&key, first.into_iter().collect()).await?;
                    }
                    return Ok(blob);
                }
            }
        }
        let tmp = self.key(&format!("tmp/up-{}", uuid::Uuid::new_v4().simple()));
        let upload = self.store.put_multipart(&tmp).await?;
        let mut upload = Unfinished(Some(WriteMultipart::new_with_chunk_size(upload, PART)));
        let writer = upload.writer();
        for chunk in first {
            writer.put(chunk);
        }
        let streamed = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| StoreError::Upload(e.to_string()))?;
                digest.update(&chunk)?;
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                writer.put(chunk);
            }
            digest.finish(expected)
        }
        .await;
        let blob = match streamed {
            Ok(blob) => blob,
            Err(e) => {
                // The parts sent so far are dropped with the upload.
                if let Err(abort) = upload.take().abort().await {
                    tracing::warn!(key = %tmp, error = %abort, "aborting a multipart upload");
                }
                return Err(e);
            }
        };
        // `finish` aborts the upload itself when it fails.
        upload.take().finish().await?;
        let placed = self.place(&tmp, &blob.sha256).await;
        if let Err(e) = self.store.delete(&tmp).await {
            tracing::warn!(key = %tmp, error = %e, "removing an uploaded temporary object");
        }
        placed.map(|_| blob)
    }

    /// The uploaded `tmp` becomes the blob, unless the blob is already stored.
    async fn place(&self, tmp: &Key, sha256: &str) -> Result<(), StoreError> {
        if !self.refresh(sha256).await? {
            self.store.copy(tmp, &self.blob_key(sha256)).await?;
        }
        Ok(())
    }

    /// When the blob is stored, mark it refreshed for the orphan sweep and say so; false
    /// when it is not (the caller writes it). The mark comes before the second look, so a
    /// sweep that moves the blob aside after that look sees the mark (see [`super::sweep`]).
    async fn refresh(&self, sha256: &str) -> Result<bool, StoreError> {
        let key = self.blob_key(sha256);
        if self.head(&key).await?.is_none() {
            return Ok(false);
        }
        let mark = self.key(&format!(
            "tmp/fresh/{sha256}/{}",
            uuid::Uuid::new_v4().simple()
        ));
        self.store.put(&mark, PutPayload::default()).await?;
        Ok(self.head(&key).await?.is_some())
    }

    async fn head(&self, key: &Key) -> Result<Option<ObjectMeta>, StoreError> {
        match self.store.head(key).await {
            Ok(meta) => Ok(Some(meta)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn read(
        &self,
        sha256: &str,
        range: Option<(u64, u64)>,
    ) -> Result<ByteStream, StoreError> {
        let options = GetOptions {
            range: range.map(|(start, end)| GetRange::Bounded(start..end + 1)),
            ..GetOptions::default()
        };
        let got = self.store.get_opts(&self.blob_key(sha256), options).await?;
        Ok(got.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// A private temporary copy of the blob.
    pub(super) async fn spool(&self, sha256: &str) -> Result<LocalFile, StoreError> {
        let local = LocalFile {
            path: self.spool.join(uuid::Uuid::new_v4().simple().to_string()),
            temporary: true,
        };
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(local.path())
            .await?;
        let mut bytes = self.read(sha256, None).await?;
        while let Some(chunk) = bytes.next().await {
            file.write_all(&chunk?).await?;
        }
        file.flush().await?;
        Ok(local)
    }

    /// Remove a blob: only for blobs no record names (a restore that failed).
    pub async fn remove(&self, sha256: &str) -> Result<(), StoreError> {
        self.store.delete(&self.blob_key(sha256)).await?;
        Ok(())
    }

    pub(super) async fn size_of(&self, sha256: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.head(&self.blob_key(sha256)).await?.map(|m| m.size))
    }

    /// Lists the prefix's top level: fails when the bucket is missing or the credentials
    /// are refused.
    pub(super) async fn check(&self) -> Result<(), StoreError> {
        self.store.list_with_delimiter(self.root().as_ref()).await?;
        Ok(())
    }

    /// Blobs are under two-hex-digit "directories", which exist only while they hold one.
    pub(super) async fn any_blob(&self) -> Result<bool, StoreError> {
        let top = self.store.list_with_delimiter(self.root().as_ref()).await?;
        Ok(top.common_prefixes.iter().any(|p| {
            p.filename()
                .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        }))
    }

    /// Every blob with its size and time.
    pub async fn blobs(&self) -> Result<Vec<(String, u64, SystemTime)>, StoreError> {
        let mut found = Vec::new();
        let mut listing = self.store.list(self.root().as_ref());
        while let Some(meta) = listing.try_next().await? {
            if let Some(Entry::Blob(sha)) = self.entry(&meta) {
                found.push((sha, meta.size, meta.last_modified.into()));
            }
        }
        Ok(found)
    }

    /// What a key under the prefix is.
    fn entry(&self, meta: &ObjectMeta) -> Option<Entry> {
        let full: &str = meta.location.as_ref();
        let rel = match self.location.prefix.as_str() {
            "" => full,
            prefix => full.strip_prefix(prefix)?.strip_prefix('/')?,
        };
        if let Some(tmp) = rel.strip_prefix("tmp/") {
            if let Some(fresh) = tmp.strip_prefix("fresh/") {
                let sha = fresh.split('/').next().filter(|s| super::is_sha256(s))?;
                return Some(Entry::Fresh(sha.to_string()));
            }
            if let Some(sha) = aside_sha(tmp) {
                return Some(Entry::Aside(sha.to_string()));
            }
            return Some(Entry::Upload);
        }
        let (dir, sha) = rel.split_once('/')?;
        (super::is_sha256(sha) && sha.starts_with(dir) && dir.len() == 2)
            .then(|| Entry::Blob(sha.to_string()))
    }

    /// Blobs older than `cutoff` and not refreshed since, after putting back what an
    /// interrupted sweep left aside and removing older unfinished uploads and marks.
    pub(super) async fn scan(&self, cutoff: SystemTime) -> Result<Scan, StoreError> {
        let mut blobs = Vec::new();
        let mut fresh: HashMap<String, SystemTime> = HashMap::new();
        let mut stale = Vec::new();
        let mut partial = Vec::new();
        // Another instance's sweep may be holding a blob aside right now, for seconds:
        // only one left longer than that was interrupted.
        let interrupted = cutoff.max(SystemTime::now() - ASIDE_HELD);
        let mut listing = self.store.list(self.root().as_ref());
        while let Some(meta) = listing.try_next().await? {
            let at: SystemTime = meta.last_modified.into();
            match self.entry(&meta) {
                Some(Entry::Blob(sha)) if at < cutoff => blobs.push(sha),
                Some(Entry::Fresh(sha)) if at >= cutoff => {
                    fresh.insert(sha, at);
                }
                Some(Entry::Fresh(_)) => stale.push(meta.location),
                Some(Entry::Aside(sha)) if at < interrupted => {
                    self.restore(&meta.location, &sha).await?;
                }
                Some(Entry::Upload) if at < cutoff => partial.push(meta.location),
                _ => {}
            }
        }
        // A mark older than the grace period says nothing any more.
        for key in stale {
            self.store.delete(&key).await?;
        }
        let mut removed = 0;
        for key in partial {
            match self.store.delete(&key).await {
                Ok(()) => removed += 1,
                Err(e) => tracing::warn!(key = %key, error = %e, "removing an unfinished upload"),
            }
        }
        blobs.retain(|sha| !fresh.contains_key(sha));
        Ok(Scan {
            old: blobs,
            partial: removed,
        })
    }

    /// Copy the blob aside, then remove it; `None` when it is already gone.
    pub(super) async fn set_aside(&self, sha256: &str) -> Result<Option<Aside>, StoreError> {
        let key = self.blob_key(sha256);
        let Some(meta) = self.head(&key).await? else {
            return Ok(None);
        };
        let aside = self.key(&format!("tmp/{}", aside_name(sha256)));
        match self.store.copy(&key, &aside).await {
            Ok(()) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        self.store.delete(&key).await?;
        Ok(Some(Aside {
            sha256: sha256.to_string(),
            place: aside.to_string(),
            size: meta.size,
            modified: meta.last_modified.into(),
        }))
    }

    /// Whether intake marked the blob refreshed since `cutoff`.
    pub(super) async fn refreshed_since(
        &self,
        aside: &Aside,
        cutoff: SystemTime,
    ) -> Result<bool, StoreError> {
        let marks = self.key(&format!("tmp/fresh/{}", aside.sha256));
        let mut listing = self.store.list(Some(&marks));
        while let Some(meta) = listing.try_next().await? {
            if SystemTime::from(meta.last_modified) >= cutoff {
                return Ok(true);
            }
        }
        Ok(aside.modified >= cutoff)
    }

    pub(super) async fn put_back(&self, aside: Aside) -> Result<(), StoreError> {
        self.restore(&Key::from(aside.place), &aside.sha256).await
    }

    pub(super) async fn discard(&self, aside: Aside) -> Result<(), StoreError> {
        self.store.delete(&Key::from(aside.place)).await?;
        Ok(())
    }

    /// Back in place, unless an upload already wrote it again.
    async fn restore(&self, aside: &Key, sha256: &str) -> Result<(), StoreError> {
        let key = self.blob_key(sha256);
        if self.head(&key).await?.is_none() {
            self.store.copy(aside, &key).await?;
        }
        self.store.delete(aside).await?;
        Ok(())
    }
}

/// A multipart upload, aborted if it is dropped unfinished: a client that goes away
/// mid-upload cancels the request, and with it this.
struct Unfinished(Option<WriteMultipart>);

impl Unfinished {
    fn writer(&mut self) -> &mut WriteMultipart {
        self.0.as_mut().expect("upload in progress")
    }

    fn take(&mut self) -> WriteMultipart {
        self.0.take().expect("upload in progress")
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let (Some(upload), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        runtime.spawn(async move {
            if let Err(e) = upload.abort().await {
                tracing::warn!(error = %e, "aborting an abandoned multipart upload");
            }
        });
    }
}

/// The kinds of key under the prefix.
enum Entry {
    Blob(String),
    /// Intake's mark that it relies on a stored blob.
    Fresh(String),
    /// A blob a sweep moved aside.
    Aside(String),
    /// A temporary upload.
    Upload,
}
