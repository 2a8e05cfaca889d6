//! `update_check`, `update_install`, `app_restart`: updates from the agency's server, and
//! `managed_config`: what IT set for every user of this computer.

use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::CommandError;
use crate::managed::{self, Managed};
use crate::signed_in::SignedIn;
use crate::update::{Installed, Offer, Progress, Updates};

/// Ask the signed-in server whether a newer build of the app is published: the offer, or
/// `null`.
#[tauri::command]
pub async fn update_check(
    app: AppHandle,
    updates: State<'_, Updates>,
    signed_in: State<'_, SignedIn>,
) -> Result<Option<Offer>, CommandError> {
    let active = signed_in.get()?;
    Ok(updates
        .check(&app, active.server.as_str(), active.token())
        .await?)
}

/// Download the offered update, check its signature and install it (the user confirmed).
#[tauri::command]
pub async fn update_install(
    on_progress: Channel<Progress>,
    updates: State<'_, Updates>,
) -> Result<Installed, CommandError> {
    let installed = updates
        .install(|p| {
            let _ = on_progress.send(p);
        })
        .await?;
    Ok(installed)
}

/// Start the app again (after an update was installed).
#[tauri::command]
pub fn app_restart(app: AppHandle) {
    app.restart();
}

/// The settings IT made for every user of this computer (the server address).
#[tauri::command]
pub fn managed_config() -> Result<Managed, CommandError> {
    Ok(managed::load()?)
}
