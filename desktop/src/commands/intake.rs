//! `intake_submit` and `files_stat`: a walk-in complaint with files chosen by path, sent
//! by the Rust core straight from disk, or kept in the outbox when the server is away.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;

use crate::client::{Client, OnProgress, UploadFile};
use crate::error::CommandError;
use crate::outbox::{Outbox, Queued};

/// A file the user picked or dropped, as the form lists it.
#[derive(Debug, Serialize, Deserialize)]
pub struct LocalFile {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
}

/// Name and size of picked or dropped paths; directories and unreadable paths are refused
/// with a message naming them.
#[tauri::command]
pub async fn files_stat(paths: Vec<PathBuf>) -> Result<Vec<LocalFile>, CommandError> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let meta = tokio::fs::metadata(&path)
            .await
            .map_err(|e| CommandError::new("file", format!("{}: {e}", path.display())))?;
        if !meta.is_file() {
            let msg = format!("{} is not a file", path.display());
            return Err(CommandError::new("not_a_file", msg));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        out.push(LocalFile {
            path,
            name,
            size: meta.len(),
        });
    }
    Ok(out)
}

/// Upload progress: file bytes sent so far of `total`.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub loaded: u64,
    pub total: u64,
}

/// What became of a submission.
#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Submitted {
    /// The server accepted it: its `ComplaintAccepted` reply.
    Sent { reply: serde_json::Value },
    /// The server could not be reached: kept on this computer, sent later.
    Queued { item: Queued },
}

/// Send a complaint with files read from disk. When the server cannot be reached (or is
/// overloaded or failing), the complaint and copies of its files go to the outbox under
/// the same `idempotency_key`, so the later send can never duplicate a half-done one.
/// A refusal by the server itself (422, 413 …) is returned as the server's error.
#[tauri::command]
pub async fn intake_submit(
    server: String,
    token: String,
    complaint: serde_json::Value,
    files: Vec<LocalFile>,
    idempotency_key: String,
    on_progress: Channel<Progress>,
    outbox: State<'_, Outbox>,
) -> Result<Submitted, CommandError> {
    let client = Client::new(&server, &token)?;
    let uploads: Vec<UploadFile> = files
        .into_iter()
        .map(|f| UploadFile {
            path: f.path,
            name: f.name,
        })
        .collect();
    let total = total_size(&uploads).await;
    let sent = client
        .submit_with_files(
            &complaint,
            &uploads,
            &idempotency_key,
            throttled(on_progress, total),
        )
        .await;
    match sent {
        Ok(reply) => Ok(Submitted::Sent { reply }),
        Err(e) if e.is_transient() => {
            tracing::info!(error = %e, "server unavailable; complaint kept in the outbox");
            let key = Some(idempotency_key);
            let item = outbox.push_with_files(complaint, key, &uploads)?;
            Ok(Submitted::Queued { item })
        }
        Err(e) => Err(e.into()),
    }
}

async fn total_size(files: &[UploadFile]) -> u64 {
    let mut total = 0;
    for f in files {
        total += tokio::fs::metadata(&f.path).await.map_or(0, |m| m.len());
    }
    total
}

/// Progress messages at most every 50 ms (and the last one), so IPC carries a few dozen
/// small messages for a large file rather than one per chunk.
fn throttled(channel: Channel<Progress>, total: u64) -> OnProgress {
    let start = Instant::now();
    let last_ms = AtomicU64::new(0);
    Arc::new(move |loaded| {
        let now = start.elapsed().as_millis() as u64;
        let prev = last_ms.load(Ordering::Relaxed);
        if loaded < total && now < prev + 50 {
            return;
        }
        last_ms.store(now, Ordering::Relaxed);
        let _ = channel.send(Progress { loaded, total });
    })
}
