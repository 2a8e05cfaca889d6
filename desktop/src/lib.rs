//! Aduan desktop: the Tauri 2 shell around the Svelte UI (`ui/dist`).
//!
//! The web view talks only to the core: the core signs in, keeps the session in the OS
//! keyring ([`session`], [`signed_in`]) and makes every request to the one server fixed at
//! sign-in ([`server_url`], [`relay`]). It also runs an event watcher that raises native
//! notifications and feeds the UI ([`watcher`], [`notify`]), knows the files the user
//! chose by opaque handles ([`files`]), keeps each user's sealed offline outbox
//! ([`outbox`]), reads the server address IT set for the computer ([`managed`]) and takes
//! updates from the agency's own server ([`update`]).

#![forbid(unsafe_code)]

pub mod client;
pub mod commands;
pub mod error;
pub mod files;
pub mod managed;
pub mod notify;
pub mod outbox;
pub mod relay;
pub mod secret;
pub mod server_url;
pub mod session;
pub mod signed_in;
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
        .manage(signed_in::SignedIn::default())
        .manage(files::ChosenFiles::default())
        .manage(commands::session::PendingSignIn::default())
        .setup(|app| {
            // Outboxes live with the app's data, e.g. ~/.local/share/my.gov.aduan.desktop
            // on Linux: one per (user, server), each sealed with its own key.
            let dir = app.path().app_data_dir()?;
            app.manage(outbox::Outboxes::new(dir, outbox::OutboxKeys::default()));
            Ok(())
        })
        .on_window_event(commands::files::on_window_event)
        .invoke_handler(tauri::generate_handler![
            commands::session::session_login,
            commands::session::session_second_factor,
            commands::session::session_enrol,
            commands::session::session_resume,
            commands::session::session_logout,
            commands::api::api_request,
            commands::watcher::connection_state,
            commands::watcher::notifications_set,
            commands::files::files_pick,
            commands::intake::intake_submit,
            commands::outbox::outbox_push,
            commands::outbox::outbox_list,
            commands::outbox::outbox_remove,
            commands::outbox::outbox_flush,
            commands::outbox::outbox_legacy,
            commands::update::update_check,
            commands::update::update_install,
            commands::update::app_restart,
            commands::update::managed_config,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Aduan desktop app");
}
