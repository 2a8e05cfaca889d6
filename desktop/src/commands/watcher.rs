//! `watcher_start`, `watcher_stop`: native notifications for the signed-in user's complaints.

use tauri::State;

use crate::client::Client;
use crate::error::CommandError;
use crate::watcher::Watcher;

/// Start (or restart) watching `server`'s events as the holder of `token`.
#[tauri::command]
pub fn watcher_start(
    server: String,
    token: String,
    watcher: State<'_, Watcher>,
) -> Result<(), CommandError> {
    watcher.start(Client::new(&server, &token)?);
    Ok(())
}

/// Stop watching (logout).
#[tauri::command]
pub fn watcher_stop(watcher: State<'_, Watcher>) {
    watcher.stop();
}
