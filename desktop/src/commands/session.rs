//! `session_save`, `session_load`, `session_clear`: the session in the OS keyring.

use crate::error::CommandError;
use crate::session::{Session, SessionStore};

/// Remember the session after login.
#[tauri::command]
pub async fn session_save(server: String, token: String) -> Result<(), CommandError> {
    // Keyring calls may block on the OS (D-Bus, Keychain prompt): keep them off async workers.
    blocking(move || SessionStore::default().save(&Session { server, token })).await
}

/// The remembered session, or `null` when nobody is signed in.
#[tauri::command]
pub async fn session_load() -> Result<Option<Session>, CommandError> {
    blocking(|| SessionStore::default().load()).await
}

/// Forget the session (logout).
#[tauri::command]
pub async fn session_clear() -> Result<(), CommandError> {
    blocking(|| SessionStore::default().clear()).await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::session::SessionError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))?
        .map_err(CommandError::from)
}
