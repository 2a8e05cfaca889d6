//! `outbox_push`, `outbox_list`, `outbox_remove`, `outbox_flush`, `outbox_legacy`: the
//! signed-in user's complaints kept on this computer while the server cannot be reached.
//! Each works on the outbox of the core's session (user and server): no other.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::State;

use crate::error::CommandError;
use crate::outbox::{FlushReport, Outbox, Outboxes, Queued};
use crate::signed_in::SignedIn;

use super::blocking;

/// The signed-in user's outbox on the signed-in server.
async fn mine(signed_in: &SignedIn, outboxes: &Outboxes) -> Result<Arc<Outbox>, CommandError> {
    let owner = signed_in.get()?.owner();
    // Opening may create the key in the keyring, which may block.
    tokio::task::block_in_place(|| outboxes.for_owner(&owner)).map_err(Into::into)
}

/// Keep a complaint to send later. Pass the idempotency key already used for a failed
/// send, if any, so that send and the later one can never both create a complaint.
#[tauri::command]
pub async fn outbox_push(
    complaint: serde_json::Value,
    idempotency_key: Option<String>,
    signed_in: State<'_, SignedIn>,
    outboxes: State<'_, Outboxes>,
) -> Result<Queued, CommandError> {
    let outbox = mine(&signed_in, &outboxes).await?;
    blocking(move || outbox.push(complaint, idempotency_key)).await
}

/// Everything waiting, oldest first (the top bar shows the count).
#[tauri::command]
pub async fn outbox_list(
    signed_in: State<'_, SignedIn>,
    outboxes: State<'_, Outboxes>,
) -> Result<Vec<Queued>, CommandError> {
    let outbox = mine(&signed_in, &outboxes).await?;
    blocking(move || outbox.list()).await
}

/// Drop one waiting complaint (the user gave up on it).
#[tauri::command]
pub async fn outbox_remove(
    key: String,
    signed_in: State<'_, SignedIn>,
    outboxes: State<'_, Outboxes>,
) -> Result<(), CommandError> {
    let outbox = mine(&signed_in, &outboxes).await?;
    blocking(move || outbox.remove(&key)).await
}

/// Send everything waiting to the signed-in server as the signed-in user.
#[tauri::command]
pub async fn outbox_flush(
    signed_in: State<'_, SignedIn>,
    outboxes: State<'_, Outboxes>,
) -> Result<FlushReport, CommandError> {
    let client = signed_in.get()?.client()?;
    let outbox = mine(&signed_in, &outboxes).await?;
    Ok(outbox.flush(&client).await?)
}

/// Where an older version's plain-text outbox lies unread, if there is one: the UI says
/// an administrator can inspect it.
#[tauri::command]
pub fn outbox_legacy(outboxes: State<'_, Outboxes>) -> Option<PathBuf> {
    outboxes.legacy()
}
