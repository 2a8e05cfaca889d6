//! Updates of the app from the agency's own Aduan server (desktops often cannot reach the
//! internet). Tauri's updater asks `GET /api/v1/desktop/update/{target}/{current_version}`
//! with the user's session; the bundle it then downloads must carry a signature made with
//! the key whose public half is built into this app (`plugins.updater.pubkey`), bound to the
//! version offered. Anything else is refused before a byte of it is installed.

use std::sync::Mutex;

use reqwest::Url;
use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

/// What the user is offered: "Update available: 0.2.0" and the notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub version: String,
    pub current_version: String,
    pub notes: String,
    /// When it was published (RFC 3339), if the server said.
    pub date: Option<String>,
}

/// How an installation went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Installed {
    /// Installed; the new version runs after a restart (Windows restarts by itself).
    Installed { version: String },
    /// Downloaded and its signature checked, but this copy was not installed from a
    /// package (a build run from its directory), so it cannot replace itself.
    NotPackaged { version: String },
}

/// Download progress: bytes so far, and the total when the server said.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub downloaded: u64,
    pub total: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// This build has no public key to check updates with, so it takes none.
    #[error("this build has no update key; it does not update itself")]
    NotConfigured,
    #[error("no update has been offered")]
    NothingOffered,
    /// The bundle's signature does not match the key built into the app (or the version
    /// it was signed for is not the one offered). Nothing was installed.
    #[error("the update was refused: {0}")]
    Refused(String),
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    #[error("the server address is not valid: {0}")]
    InvalidUrl(String),
    #[error("the update could not be installed: {0}")]
    Install(String),
}

/// Sort the updater's errors by what the user can do about them.
pub fn classify(e: tauri_plugin_updater::Error) -> UpdateError {
    use tauri_plugin_updater::Error as E;
    match e {
        E::Minisign(_)
        | E::Base64(_)
        | E::SignatureUtf8(_)
        | E::SignedVersionMismatch { .. }
        | E::MissingSignedVersion => UpdateError::Refused(e.to_string()),
        E::Reqwest(_) | E::Network(_) | E::ReleaseNotFound => {
            UpdateError::Unreachable(e.to_string())
        }
        E::UrlParse(_) | E::InsecureTransportProtocol => UpdateError::InvalidUrl(e.to_string()),
        other => UpdateError::Install(other.to_string()),
    }
}

/// The update check on `server`. The updater fills in `{os}-{arch}-{bundle type}` (e.g.
/// `linux-x86_64-deb`) and the running version.
pub fn endpoint(server: &str) -> Result<Url, UpdateError> {
    let base = server.trim_end_matches('/');
    Url::parse(&format!(
        "{base}/api/v1/desktop/update/{{{{target}}}}-{{{{arch}}}}-{{{{bundle_type}}}}/{{{{current_version}}}}"
    ))
    .map_err(|e| UpdateError::InvalidUrl(format!("{server}: {e}")))
}

/// The download, on the server the user signed in to whatever host the reply named: the
/// session token goes with it, and must not go anywhere else.
pub fn rebase(download: &Url, server: &str) -> Result<Url, UpdateError> {
    let base = server.trim_end_matches('/');
    let mut url = Url::parse(&format!("{base}{}", download.path()))
        .map_err(|e| UpdateError::InvalidUrl(format!("{server}: {e}")))?;
    url.set_query(download.query());
    Ok(url)
}

/// Whether this build has a public key to check updates with.
pub fn has_public_key<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.config()
        .plugins
        .0
        .get("updater")
        .and_then(|u| u.get("pubkey"))
        .and_then(|k| k.as_str())
        .is_some_and(|k| !k.trim().is_empty())
}

/// The update offered last, kept between the check and the user's decision.
#[derive(Default)]
pub struct Updates {
    offered: Mutex<Option<Update>>,
}

impl Updates {
    /// Ask `server` whether a newer build is published for this app; remember it.
    pub async fn check<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        server: &str,
        token: &str,
    ) -> Result<Option<Offer>, UpdateError> {
        if !has_public_key(app) {
            return Err(UpdateError::NotConfigured);
        }
        let bearer = format!("Bearer {token}");
        let updater = app
            .updater_builder()
            .endpoints(vec![endpoint(server)?])
            .and_then(|b| b.header(reqwest::header::AUTHORIZATION, bearer))
            .and_then(|b| b.timeout(std::time::Duration::from_secs(60)).build())
            .map_err(classify)?;
        let found = updater.check().await.map_err(classify)?;
        let offer = match found {
            Some(mut update) => {
                update.download_url = rebase(&update.download_url, server)?;
                let offer = Offer {
                    version: update.version.clone(),
                    current_version: update.current_version.clone(),
                    notes: update.body.clone().unwrap_or_default(),
                    date: update.raw_json["pub_date"].as_str().map(str::to_string),
                };
                *self.offered.lock().expect("update state") = Some(update);
                Some(offer)
            }
            None => {
                *self.offered.lock().expect("update state") = None;
                None
            }
        };
        Ok(offer)
    }

    /// Download the offered update, check its signature, and install it when this copy
    /// came from a package. `progress` hears the bytes downloaded so far.
    pub async fn install(
        &self,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<Installed, UpdateError> {
        let update = self
            .offered
            .lock()
            .expect("update state")
            .clone()
            .ok_or(UpdateError::NothingOffered)?;
        let mut downloaded = 0u64;
        let mut reported = 0u64;
        let bytes = update
            .download(
                |chunk, total| {
                    downloaded += chunk as u64;
                    // A few hundred reports for a large bundle, not one per network read.
                    if downloaded - reported >= 256 * 1024 || Some(downloaded) == total {
                        reported = downloaded;
                        progress(Progress { downloaded, total });
                    }
                },
                || {},
            )
            .await
            .map_err(classify)?;
        let version = update.version.clone();
        // A build run from where it was compiled would have the updater overwrite the
        // executable with the bundle: only a packaged installation updates itself.
        if tauri::utils::platform::bundle_type().is_none() {
            return Ok(Installed::NotPackaged { version });
        }
        // Linux asks for the administrator's consent (pkexec) and waits for the package
        // manager; Windows starts the installer and exits.
        tauri::async_runtime::spawn_blocking(move || update.install(bytes))
            .await
            .map_err(|e| UpdateError::Install(e.to_string()))?
            .map_err(classify)?;
        Ok(Installed::Installed { version })
    }
}

#[cfg(test)]
mod tests;
