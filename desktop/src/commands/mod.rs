//! The Tauri commands the UI may `invoke`. Each is a thin wrapper over library code so the
//! logic stays testable without a window.

pub mod intake;
pub mod outbox;
pub mod session;
pub mod update;
pub mod watcher;
