//! The offline intake outbox: complaints entered while the server cannot be reached are
//! kept on this computer, one JSON object per line in `outbox.jsonl` in the app data dir,
//! and sent later with the `Idempotency-Key` they were given when entered — so a send whose
//! reply was lost, retried, still creates exactly one complaint.
//!
//! Attachments are copied (disk to disk, never through the web view) into
//! `outbox-files/<key>/` beside it, so the complaint can be sent whole even after the
//! originals are moved or the app restarts.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::client::{Client, OnProgress, UploadFile};

const FILE: &str = "outbox.jsonl";
const FILES_DIR: &str = "outbox-files";

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
}

/// The outbox file in one directory. File access is serialised by a lock so concurrent
/// commands never interleave a rewrite with an append.
#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    lock: Mutex<()>,
}

impl Outbox {
    /// The outbox in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            lock: Mutex::new(()),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join(FILE)
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

    /// Queue a complaint and copies of its files. `key` is the UI's own idempotency key if
    /// it already sent (and maybe half-sent) the complaint with one; otherwise, or if it is
    /// not a plain token, a new one is made. The files are copied and synced before the
    /// complaint is recorded, so a recorded complaint always has its files.
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
                let target = dir.join(i.to_string());
                let size = fs::copy(&f.path, &target)?;
                File::open(&target)?.sync_all()?;
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
        fs::create_dir_all(&self.dir)?;
        let mut line = serde_json::to_string(&item)?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path())?;
        file.write_all(line.as_bytes())?;
        // The member of the public was told it is saved: make it survive a power cut.
        file.sync_all()?;
        Ok(item)
    }

    /// Where the copies of one complaint's files are kept.
    fn files_dir(&self, key: &str) -> PathBuf {
        self.dir.join(FILES_DIR).join(key)
    }

    /// The stored copies of `item`'s files, ready to upload.
    fn uploads(&self, item: &Queued) -> Vec<UploadFile> {
        let dir = self.files_dir(&item.idempotency_key);
        item.files
            .iter()
            .enumerate()
            .map(|(i, f)| UploadFile {
                path: dir.join(i.to_string()),
                name: f.name.clone(),
            })
            .collect()
    }

    /// Everything waiting, oldest first.
    pub fn list(&self) -> Result<Vec<Queued>, OutboxError> {
        let _g = self.guard();
        read(&self.path())
    }

    /// Drop an item (sent, or abandoned by the user). Unknown keys are ignored.
    pub fn remove(&self, key: &str) -> Result<(), OutboxError> {
        let _g = self.guard();
        let mut items = read(&self.path())?;
        let before = items.len();
        items.retain(|i| i.idempotency_key != key);
        if items.len() != before {
            write_all(&self.dir, &items)?;
        }
        // After the line is gone: a crash in between leaves only unreferenced copies.
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
}

/// Keys name directories: only letters, digits and dashes (a UUID), never a path.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Read the file; a missing file is an empty outbox. A torn last line (a crash mid-append)
/// is skipped rather than making every other complaint unreadable.
fn read(path: &Path) -> Result<Vec<Queued>, OutboxError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut items = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(item) => items.push(item),
            Err(e) => tracing::warn!(error = %e, "skipping unreadable outbox line"),
        }
    }
    Ok(items)
}

/// Replace the file atomically: write a temporary file, sync it, rename it over the old one.
fn write_all(dir: &Path, items: &[Queued]) -> Result<(), OutboxError> {
    let tmp = dir.join(format!("{FILE}.tmp"));
    let mut file = File::create(&tmp)?;
    for item in items {
        let mut line = serde_json::to_string(item)?;
        line.push('\n');
        file.write_all(line.as_bytes())?;
    }
    file.sync_all()?;
    fs::rename(&tmp, dir.join(FILE))?;
    Ok(())
}

#[cfg(test)]
mod tests;
