//! Aduan desktop: the Tauri 2 shell around the Svelte UI (`ui/dist`).
//!
//! The UI does its own HTTP; the Rust core adds what a web page cannot do well: the session
//! in the OS keyring ([`session`]), an event watcher that raises native notifications
//! while the window is in the background ([`watcher`], [`notify`]), the offline intake
//! outbox ([`outbox`]), the server address IT set for the computer ([`managed`]) and
//! updates from the agency's own server ([`update`]).

#![forbid(unsafe_code)]

pub mod client;
pub mod commands;
pub mod error;
pub mod managed;
pub mod notify;
pub mod outbox;
pub mod session;
pub mod sse;
pub mod update;
pub mod watcher;

use tauri::Manager;

/// Build and run the app until its last window closes.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(watcher::Watcher::default())
        .manage(update::Updates::default())
        .setup(|app| {
            // The outbox lives with the app's data, per OS user, e.g.
            // ~/.local/share/my.gov.aduan.desktop on Linux.
            let dir = app.path().app_data_dir()?;
            app.manage(outbox::Outbox::new(dir));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::session_save,
            commands::session::session_load,
            commands::session::session_clear,
            commands::watcher::watcher_start,
            commands::watcher::watcher_stop,
            commands::watcher::notifications_set,
            commands::intake::files_stat,
            commands::intake::intake_submit,
            commands::outbox::outbox_push,
            commands::outbox::outbox_list,
            commands::outbox::outbox_remove,
            commands::outbox::outbox_flush,
            commands::update::update_check,
            commands::update::update_install,
            commands::update::app_restart,
            commands::update::managed_config,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Aduan desktop app");
}
