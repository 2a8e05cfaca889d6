//! `watcher_start`, `watcher_stop`, `notifications_set`: native notifications for the
//! signed-in user's complaints.

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, State};

use crate::client::Client;
use crate::error::CommandError;
use crate::watcher::{Opener, Watcher};

/// The event the UI listens to: open this complaint (`null`: the complaint list).
pub const OPEN_COMPLAINT: &str = "open-complaint";

/// Start (or restart) watching `server`'s events as the holder of `token`.
#[tauri::command]
pub fn watcher_start(
    server: String,
    token: String,
    app: AppHandle,
    watcher: State<'_, Watcher>,
) -> Result<(), CommandError> {
    watcher.start(Client::new(&server, &token)?, opener(app));
    Ok(())
}

/// Stop watching (logout).
#[tauri::command]
pub fn watcher_stop(watcher: State<'_, Watcher>) {
    watcher.stop();
}

/// The user's notification setting.
#[tauri::command]
pub fn notifications_set(enabled: bool, watcher: State<'_, Watcher>) {
    watcher.set_enabled(enabled);
}

/// Activating a notification brings the window forward (also from the tray or another
/// workspace) and tells the UI what to open.
fn opener(app: AppHandle) -> Opener {
    Arc::new(move |complaint| {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
        if let Err(e) = app.emit(OPEN_COMPLAINT, complaint) {
            tracing::warn!(error = %e, "could not ask the UI to open a complaint");
        }
    })
}
