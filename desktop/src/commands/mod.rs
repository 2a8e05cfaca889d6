//! The Tauri commands the UI may `invoke`. Each is a thin wrapper over library code so the
//! logic stays testable without a window. None takes a server address (except sign-in) or
//! a file path: those are the core's (see `signed_in`, `files`).

pub mod api;
pub mod files;
pub mod intake;
pub mod outbox;
pub mod session;
pub mod update;
pub mod watcher;

use crate::error::CommandError;

/// Run `f` (keyring calls, which may block on the OS: D-Bus, a Keychain prompt) off the
/// async workers.
pub(crate) async fn blocking<T: Send + 'static, E: Into<CommandError> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))?
        .map_err(Into::into)
}
