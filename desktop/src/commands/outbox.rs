//! `outbox_push`, `outbox_list`, `outbox_remove`, `outbox_flush`: complaints kept on this
//! computer while the server cannot be reached.

use tauri::State;

use crate::client::Client;
use crate::error::CommandError;
use crate::outbox::{FlushReport, Outbox, Queued};

/// Keep a complaint to send later. Pass the idempotency key already used for a failed
/// send, if any, so that send and the later one can never both create a complaint.
#[tauri::command]
pub async fn outbox_push(
    complaint: serde_json::Value,
    idempotency_key: Option<String>,
    outbox: State<'_, Outbox>,
) -> Result<Queued, CommandError> {
    Ok(outbox.push(complaint, idempotency_key)?)
}

/// Everything waiting, oldest first (the top bar shows the count).
#[tauri::command]
pub async fn outbox_list(outbox: State<'_, Outbox>) -> Result<Vec<Queued>, CommandError> {
    Ok(outbox.list()?)
}

/// Drop one waiting complaint (the user gave up on it).
#[tauri::command]
pub async fn outbox_remove(key: String, outbox: State<'_, Outbox>) -> Result<(), CommandError> {
    Ok(outbox.remove(&key)?)
}

/// Send everything waiting to `server` as the holder of `token`.
#[tauri::command]
pub async fn outbox_flush(
    server: String,
    token: String,
    outbox: State<'_, Outbox>,
) -> Result<FlushReport, CommandError> {
    let client = Client::new(&server, &token)?;
    Ok(outbox.flush(&client).await?)
}
