//! Files the user picked in the native dialog or dropped on the window, known to the web
//! view only by an opaque handle.
//!
//! The core alone decides which files exist here: the dialog runs in the core and drops
//! come from the window system, never from the web view. A script in the web view can
//! therefore name only files the user chose in this run of the app; a path, or a handle
//! made up or kept from an earlier run, is refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::client::UploadFile;

/// What the web view sees of a chosen file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileHandle {
    /// Random and unguessable; good only in this run of the app.
    pub handle: String,
    pub name: String,
    pub size: u64,
    /// The media type guessed from the name (icons, thumbnails); the server sniffs its own.
    #[serde(rename = "type")]
    pub media_type: String,
}

/// Why a file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not a handle this run gave out: made up, forged, or from before a restart or logout.
    #[error("this file was not chosen in this session; choose it again")]
    UnknownHandle,
    #[error("{0} is not a file")]
    NotAFile(String),
    #[error("a file could not be read: {0}")]
    Io(String),
}

/// Handle → path of every file the user chose in this run. Managed as Tauri state.
#[derive(Debug, Default)]
pub struct ChosenFiles {
    files: Mutex<HashMap<String, (PathBuf, String)>>,
}

impl ChosenFiles {
    /// Give out a handle for a file the user chose (dialog or drop). Directories and
    /// unreadable paths are refused.
    pub fn register(&self, path: &Path) -> Result<FileHandle, FileError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| FileError::Io(format!("{}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(FileError::NotAFile(path.display().to_string()));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        // 122 random bits (UUID v4 from the OS generator): not guessable by a script.
        let handle = uuid::Uuid::new_v4().simple().to_string();
        self.lock()
            .insert(handle.clone(), (path.to_path_buf(), name.clone()));
        Ok(FileHandle {
            handle,
            media_type: media_type(&name).to_string(),
            name,
            size: meta.len(),
        })
    }

    /// Give out handles for every path, skipping (and logging) those that cannot be used.
    pub fn register_all(&self, paths: &[PathBuf]) -> Vec<FileHandle> {
        paths
            .iter()
            .filter_map(|p| {
                self.register(p)
                    .map_err(|e| tracing::warn!(error = %e, "chosen file skipped"))
                    .ok()
            })
            .collect()
    }

    /// The files behind `handles`, in order, ready to upload. One unknown handle refuses
    /// them all: nothing is sent on a request that names a file the user did not choose.
    pub fn resolve(&self, handles: &[String]) -> Result<Vec<UploadFile>, FileError> {
        let files = self.lock();
        handles
            .iter()
            .map(|h| {
                let (path, name) = files.get(h).ok_or(FileError::UnknownHandle)?;
                Ok(UploadFile::plain(path.clone(), name.clone()))
            })
            .collect()
    }

    /// Forget every handle (logout: the next user starts with nothing chosen).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (PathBuf, String)>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The media type for a file name's extension (case-insensitive).
pub fn media_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("pdf") => "application/pdf",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("txt") => "text/plain",
        Some("csv") => "text/csv",
        Some("doc") => "application/msword",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xls") => "application/vnd.ms-excel",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("mp3") => "audio/mpeg",
        Some("mp4") => "video/mp4",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests;
