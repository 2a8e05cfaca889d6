//! The offline intake outbox: complaints entered while the server cannot be reached are
//! kept on this computer and sent later with the `Idempotency-Key` they were given when
//! entered — so a send whose reply was lost, retried, still creates exactly one complaint.
//!
//! There is one outbox per (user, server) ([`owner`]), sealed at rest with its own key
//! ([`seal`]): `outboxes/<id>/queue.sealed` holds the queue, `outboxes/<id>/files/<key>/<n>`
//! sealed copies of the attachments (made disk to disk, never through the web view), so a
//! complaint can be sent whole after the originals are moved or the app restarts.

pub mod owner;
pub mod seal;

use std::fs::{self, File};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::client::{Client, OnProgress, UploadFile};
pub use owner::{OutboxKeys, Outboxes, Owner};
use seal::{SealError, SealKey};

const QUEUE: &str = "queue.sealed";
const FILES_DIR: &str = "files";

/// A complaint waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Sent as `Idempotency-Key`; also how the UI names the item.
    pub idempotency_key: String,
    /// When it was queued, in seconds since the Unix epoch.
    pub queued_at: u64,
    /// The `ComplaintInput` JSON exactly as the UI built it.
    pub complaint: serde_json::Value,
    /// Copies of the attachments, in the order they were chosen.
    #[serde(default)]
    pub files: Vec<QueuedFile>,
}

/// One attachment kept with a queued complaint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedFile {
    /// The name the user saw, sent as the part's filename.
    pub name: String,
    /// Size in bytes (shown in the pending list).
    pub size: u64,
}

/// What one [`Outbox::flush`] did.
#[derive(Debug, Default, Serialize)]
pub struct FlushReport {
    /// Keys sent and accepted, with the server's reply (id, reference).
    pub sent: Vec<(String, serde_json::Value)>,
    /// Keys the server refused (e.g. 422): kept, so nothing entered is silently lost.
    pub rejected: Vec<(String, String)>,
    /// Items still waiting after this flush.
    pub remaining: usize,
}

/// Why the outbox failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("the outbox file could not be used: {0}")]
    Io(#[from] std::io::Error),
    #[error("the complaint could not be encoded: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the outbox could not be opened: {0}")]
    Sealed(#[from] SealError),
    #[error("the outbox key could not be kept in the OS keyring: {0}")]
    Keyring(#[from] keyring::Error),
}

/// One owner's outbox. Changes are serialised by a lock, so concurrent commands never
/// lose each other's rewrite of the queue.
#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    /// The owner's id, bound into every sealed blob as associated data.
    id: String,
    key: SealKey,
    lock: Mutex<()>,
}

impl Outbox {
    /// The outbox in `dir` for the owner `id`, sealed with `key` (created on first write).
    /// The app gets its outboxes from [`Outboxes::for_owner`].
    pub fn open(dir: impl Into<PathBuf>, id: &str, key: SealKey) -> Self {
        Self {
            dir: dir.into(),
            id: id.to_string(),
            key,
            lock: Mutex::new(()),
        }
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue a complaint without attachments (see [`Outbox::push_with_files`]).
    pub fn push(
        &self,
        complaint: serde_json::Value,
        key: Option<String>,
    ) -> Result<Queued, OutboxError> {
        self.push_with_files(complaint, key, &[])
    }

    /// Queue a complaint and sealed copies of its files. `key` is the UI's own idempotency
    /// key if it already sent (and maybe half-sent) the complaint with one; otherwise, or
    /// if it is not a plain token, a new one is made. The files are copied and synced
    /// before the complaint is recorded, so a recorded complaint always has its files.
    pub fn push_with_files(
        &self,
        complaint: serde_json::Value,
        key: Option<String>,
        files: &[UploadFile],
    ) -> Result<Queued, OutboxError> {
        let key = key
            .filter(|k| is_plain_key(k))
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut kept = Vec::with_capacity(files.len());
        if !files.is_empty() {
            let dir = self.files_dir(&key);
            fs::create_dir_all(&dir)?;
            for (i, f) in files.iter().enumerate() {
                let src = f.plain_path().ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file on disk")
                })?;
                let size = seal::seal_file(
                    &self.key,
                    &self.file_aad(&key, i),
                    src,
                    &dir.join(i.to_string()),
                )?;
                kept.push(QueuedFile {
                    name: f.name.clone(),
                    size,
                });
            }
        }
        let item = Queued {
            idempotency_key: key,
            queued_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            complaint,
            files: kept,
        };
        let _g = self.guard();
        let mut items = self.read()?;
        items.push(item.clone());
        // The member of the public was told it is saved: `write` syncs before returning.
        self.write(&items)?;
        Ok(item)
    }

    fn files_dir(&self, key: &str) -> PathBuf {
        self.dir.join(FILES_DIR).join(key)
    }

    fn file_aad(&self, key: &str, i: usize) -> Vec<u8> {
        format!("aduan-outbox-file/{}/{key}/{i}", self.id).into_bytes()
    }

    fn queue_aad(&self) -> Vec<u8> {
        format!("aduan-outbox/{}", self.id).into_bytes()
    }

    /// The sealed copies of `item`'s files, ready to upload (opened as they are sent).
    fn uploads(&self, item: &Queued) -> Vec<UploadFile> {
        let dir = self.files_dir(&item.idempotency_key);
        item.files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                UploadFile::sealed(
                    dir.join(i.to_string()),
                    f.name.clone(),
                    f.size,
                    self.key.clone(),
                    self.file_aad(&item.idempotency_key, i),
                )
            })
            .collect()
    }

    /// Everything waiting, oldest first.
    pub fn list(&self) -> Result<Vec<Queued>, OutboxError> {
        let _g = self.guard();
        self.read()
    }

    /// Drop an item (sent, or abandoned by the user). Unknown keys are ignored.
    pub fn remove(&self, key: &str) -> Result<(), OutboxError> {
        let _g = self.guard();
        let mut items = self.read()?;
        let before = items.len();
        items.retain(|i| i.idempotency_key != key);
        if items.len() != before {
            self.write(&items)?;
        }
        // After the queue no longer names it: a crash in between leaves only unreferenced
        // (sealed) copies.
        if is_plain_key(key) {
            match fs::remove_dir_all(self.files_dir(key)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Send everything waiting, oldest first. Stops at the first network or server failure
    /// (the rest would fail too); rejected items stay queued and are reported.
    pub async fn flush(&self, client: &Client) -> Result<FlushReport, OutboxError> {
        let mut report = FlushReport::default();
        for item in self.list()? {
            let sent = if item.files.is_empty() {
                client
                    .submit_complaint(&item.complaint, &item.idempotency_key)
                    .await
            } else {
                let quiet: OnProgress = std::sync::Arc::new(|_| {});
                let files = self.uploads(&item);
                client
                    .submit_with_files(&item.complaint, &files, &item.idempotency_key, quiet)
                    .await
            };
            match sent {
                Ok(reply) => {
                    self.remove(&item.idempotency_key)?;
                    report.sent.push((item.idempotency_key, reply));
                }
                Err(e) if e.is_transient() => break,
                Err(e) => report.rejected.push((item.idempotency_key, e.to_string())),
            }
        }
        report.remaining = self.list()?.len();
        Ok(report)
    }

    /// The queue; a missing file is an empty outbox.
    fn read(&self) -> Result<Vec<Queued>, OutboxError> {
        let sealed = match fs::read(self.dir.join(QUEUE)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let plain = seal::open(&self.key, &self.queue_aad(), &sealed)?;
        Ok(serde_json::from_slice(&plain)?)
    }

    /// Replace the queue atomically: write a temporary file, sync it, rename it over the
    /// old one, so a crash leaves either the old queue or the new one, whole.
    fn write(&self, items: &[Queued]) -> Result<(), OutboxError> {
        fs::create_dir_all(&self.dir)?;
        let sealed = seal::seal(&self.key, &self.queue_aad(), &serde_json::to_vec(items)?);
        let tmp = self.dir.join(format!("{QUEUE}.tmp"));
        let mut file = File::create(&tmp)?;
        file.write_all(&sealed)?;
        file.sync_all()?;
        fs::rename(&tmp, self.dir.join(QUEUE))?;
        Ok(())
    }
}

/// Keys name directories: only letters, digits and dashes (a UUID), never a path.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests;
