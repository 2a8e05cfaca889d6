//! `connection_state`, `notifications_set`: the watcher the session started (see
//! `commands::session`), as the UI sees it.

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, State};

use crate::watcher::{ConnState, Opener, Watcher};

/// The event the UI listens to: open this complaint (`null`: the complaint list).
pub const OPEN_COMPLAINT: &str = "open-complaint";

/// The link to the server now (later changes come as `server-event`s).
#[tauri::command]
pub fn connection_state(watcher: State<'_, Watcher>) -> ConnState {
    watcher.state()
}

/// The user's notification setting.
#[tauri::command]
pub fn notifications_set(enabled: bool, watcher: State<'_, Watcher>) {
    watcher.set_enabled(enabled);
}

/// Activating a notification brings the window forward (also from the tray or another
/// workspace) and tells the UI what to open.
pub(crate) fn opener(app: AppHandle) -> Opener {
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
