//! `files_pick` and dropped files: the user's choice of files, made in the core, handed to
//! the web view as handles (see `files`).

use tauri::{AppHandle, DragDropEvent, Emitter, Manager, Runtime, State, Window, WindowEvent};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandError;
use crate::files::{ChosenFiles, FileHandle};

/// The event that brings the UI the handles of files dropped on the window.
pub const FILES_DROPPED: &str = "files-dropped";

/// The OS file dialog; the handles of the files chosen, `[]` when cancelled.
#[tauri::command]
pub async fn files_pick(
    app: AppHandle,
    chosen: State<'_, ChosenFiles>,
) -> Result<Vec<FileHandle>, CommandError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file();
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    dialog.pick_files(move |picked| {
        let _ = tx.send(picked);
    });
    let picked = rx
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))?
        .unwrap_or_default();
    let mut paths = Vec::with_capacity(picked.len());
    for p in picked {
        paths.push(
            p.into_path()
                .map_err(|e| CommandError::new("file", e.to_string()))?,
        );
    }
    Ok(chosen.register_all(&paths))
}

/// Files dropped on a window: handles for them, sent to that window's UI. The drop comes
/// from the window system, so no script can make one up.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event else {
        return;
    };
    let handles = window.state::<ChosenFiles>().register_all(paths);
    if let Err(e) = window.emit_to(window.label(), FILES_DROPPED, handles) {
        tracing::warn!(error = %e, "could not hand dropped files to the UI");
    }
}
