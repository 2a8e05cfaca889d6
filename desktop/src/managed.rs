//! Settings the agency's IT sets at install time for every user of a computer, so staff
//! never type them: today the server address. A user's own entry on the sign-in screen
//! still wins (the UI keeps that).
//!
//! Where they are read, first found wins:
//! - Linux: `aduan/desktop.json` in each `$XDG_CONFIG_DIRS` directory (default `/etc/xdg`),
//!   then `/etc/aduan/desktop.json` (what the packages' install script writes).
//! - Windows: the registry value `HKLM\SOFTWARE\Aduan\Desktop\ServerUrl` (what the MSI's
//!   `SERVERURL` property and the NSIS installer's `/SERVER=` option write), then
//!   `%ProgramData%\Aduan\desktop.json`.
//! - macOS: `/Library/Application Support/Aduan/desktop.json`.
//!
//! The JSON file is `{"server": "https://aduan.agency.gov.my"}`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The agency's settings for this computer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Managed {
    /// The Aduan server's base URL, e.g. `https://aduan.agency.gov.my`.
    pub server: Option<String>,
}

/// Why a settings file was not used.
#[derive(Debug, thiserror::Error)]
pub enum ManagedError {
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl Managed {
    /// Parse a settings file; the server address must be an `http(s)://` URL.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut managed: Managed = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if let Some(server) = managed.server.take() {
            managed.server = Some(check_server(&server)?);
        }
        Ok(managed)
    }
}

/// A server address as the app uses it: trimmed, without trailing slashes.
fn check_server(server: &str) -> Result<String, String> {
    let server = server.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(server).map_err(|e| format!("server: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("server: not an http(s) address: {server}"));
    }
    Ok(server.to_string())
}

/// This computer's managed settings: the first place that has them. A file that exists
/// but cannot be used is an error, so IT hears about a typo instead of a silent default.
pub fn load() -> Result<Managed, ManagedError> {
    #[cfg(windows)]
    if let Some(server) = windows::registry_server() {
        let managed = Managed {
            server: Some(
                check_server(&server).map_err(|reason| ManagedError::Invalid {
                    path: windows::REGISTRY_PATH.to_string(),
                    reason,
                })?,
            ),
        };
        return Ok(managed);
    }
    for path in files(std::env::var_os("XDG_CONFIG_DIRS").as_deref()) {
        if let Some(found) = read(&path)? {
            return Ok(found);
        }
    }
    Ok(Managed::default())
}

fn read(path: &Path) -> Result<Option<Managed>, ManagedError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ManagedError::Invalid {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    Managed::parse(&text)
        .map(Some)
        .map_err(|reason| ManagedError::Invalid {
            path: path.display().to_string(),
            reason,
        })
}

/// The settings files to look at on this OS, in order.
pub fn files(xdg_config_dirs: Option<&std::ffi::OsStr>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if cfg!(target_os = "macos") {
        out.push(PathBuf::from(
            "/Library/Application Support/Aduan/desktop.json",
        ));
    } else if cfg!(windows) {
        if let Some(data) = std::env::var_os("ProgramData") {
            out.push(Path::new(&data).join("Aduan").join("desktop.json"));
        }
    } else {
        let dirs = xdg_config_dirs
            .filter(|d| !d.is_empty())
            .unwrap_or(std::ffi::OsStr::new("/etc/xdg"));
        out.extend(
            std::env::split_paths(dirs)
                .filter(|d| d.is_absolute())
                .map(|d| d.join("aduan").join("desktop.json")),
        );
        out.push(PathBuf::from("/etc/aduan/desktop.json"));
    }
    out
}

#[cfg(windows)]
mod windows {
    /// Where the installers write the server address (`HKLM`, for every user).
    pub const REGISTRY_PATH: &str = r"HKLM\SOFTWARE\Aduan\Desktop\ServerUrl";

    pub fn registry_server() -> Option<String> {
        let key = windows_registry::LOCAL_MACHINE
            .open(r"SOFTWARE\Aduan\Desktop")
            .ok()?;
        let value = key.get_string("ServerUrl").ok()?;
        (!value.trim().is_empty()).then_some(value)
    }
}

#[cfg(test)]
mod tests;
