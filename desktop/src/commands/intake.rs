//! `intake_submit`: a walk-in complaint with files named by handle, sent by the Rust core
//! straight from disk to the signed-in server, or kept in the user's outbox when the
//! server is away.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::client::{OnProgress, UploadFile};
use crate::error::CommandError;
use crate::files::ChosenFiles;
use crate::outbox::{Outboxes, Queued};
use crate::signed_in::SignedIn;

use super::blocking;

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

/// Send a complaint with the files behind `files` (handles from `files_pick` or a drop;
/// one unknown handle refuses the submission). When the server cannot be reached (or is
/// overloaded or failing), the complaint and sealed copies of its files go to the user's
/// outbox under the same `idempotency_key`, so the later send can never duplicate a
/// half-done one. A refusal by the server itself (422, 413 …) is returned as its error.
#[tauri::command]
pub async fn intake_submit(
    complaint: serde_json::Value,
    files: Vec<String>,
    idempotency_key: String,
    on_progress: Channel<Progress>,
    signed_in: State<'_, SignedIn>,
    chosen: State<'_, ChosenFiles>,
    outboxes: State<'_, Outboxes>,
) -> Result<Submitted, CommandError> {
    let active = signed_in.get()?;
    let uploads = chosen.resolve(&files)?;
    let client = active.client()?;
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
            // Opening may create the key in the keyring, which may block.
            let owner = active.owner();
            let outbox = tokio::task::block_in_place(|| outboxes.for_owner(&owner))?;
            let key = Some(idempotency_key);
            let item = blocking(move || outbox.push_with_files(complaint, key, &uploads)).await?;
            Ok(Submitted::Queued { item })
        }
        Err(e) => Err(e.into()),
    }
}

async fn total_size(files: &[UploadFile]) -> u64 {
    let mut total = 0;
    for f in files {
        total += f.size().await;
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
