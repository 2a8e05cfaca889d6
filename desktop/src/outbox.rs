//! The offline intake outbox: complaints entered while the server cannot be reached are
//! kept on this computer, one JSON object per line in `outbox.jsonl` in the app data dir,
//! and sent later with the `Idempotency-Key` they were given when entered — so a send whose
//! reply was lost, retried, still creates exactly one complaint.
//!
//! Only JSON complaints are queued; attachments need the server's streaming upload and are
//! not kept offline.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::client::Client;

const FILE: &str = "outbox.jsonl";

/// A complaint waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Sent as `Idempotency-Key`; also how the UI names the item.
    pub idempotency_key: String,
    /// When it was queued, in seconds since the Unix epoch.
    pub queued_at: u64,
    /// The `ComplaintInput` JSON exactly as the UI built it.
    pub complaint: serde_json::Value,
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

    /// Queue a complaint. `key` is the UI's own idempotency key if it already sent (and
    /// maybe half-sent) the complaint with one; otherwise a new one is made.
    pub fn push(
        &self,
        complaint: serde_json::Value,
        key: Option<String>,
    ) -> Result<Queued, OutboxError> {
        let item = Queued {
            idempotency_key: key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            queued_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            complaint,
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
        Ok(())
    }

    /// Send everything waiting, oldest first. Stops at the first network or server failure
    /// (the rest would fail too); rejected items stay queued and are reported.
    pub async fn flush(&self, client: &Client) -> Result<FlushReport, OutboxError> {
        let mut report = FlushReport::default();
        for item in self.list()? {
            match client
                .submit_complaint(&item.complaint, &item.idempotency_key)
                .await
            {
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
