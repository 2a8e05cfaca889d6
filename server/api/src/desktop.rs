//! Desktop app updates served by the agency's own server (Tauri's updater).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /api/v1/desktop/update/{target}/{current_version}` when a newer build is published:
/// the "dynamic" update format of Tauri's updater.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DesktopUpdate {
    /// The published version (semver), e.g. `0.2.0`.
    pub version: String,
    /// Release notes, shown to the user before installing.
    pub notes: String,
    pub pub_date: DateTime<Utc>,
    /// Where the signed bundle is downloaded (`GET /api/v1/desktop/bundles/{id}`).
    pub url: String,
    /// The bundle's minisign signature as `tauri signer sign` writes it (base64). The app
    /// checks it against the public key built into it and refuses a bundle that does not match.
    pub signature: String,
}
