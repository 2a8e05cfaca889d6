//! Publishing a desktop build for the app's updater, with its audit entry in the same
//! transaction, and finding the build a desktop should update to.

use aduan_api::account::AuditAction;
use serde_json::json;
use uuid::Uuid;

use super::{Error, Result, Services};
use crate::db::audit::{self, Actor};
use crate::db::desktop_releases::{self, Release};
use crate::domain::desktop::{self, Target, Version};
use crate::domain::FieldError;
use crate::storage::StoredBlob;

/// A build to publish, checked before its bundle is stored.
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub target: Target,
    pub version: Version,
    pub notes: String,
    pub signature: String,
}

impl NewRelease {
    /// Check what an admin gave: a valid target and version, notes within limits, and a
    /// signature bound to this very version (the app refuses one that is not).
    pub fn parse(target: &str, version: &str, signature: &str, notes: &str) -> Result<Self> {
        let mut errors = Vec::new();
        let target = Target::parse(target)
            .map_err(|m| errors.push(FieldError::new("target", m)))
            .ok();
        let version = desktop::parse_version(version)
            .map_err(|m| errors.push(FieldError::new("version", m)))
            .ok();
        let signature = signature.trim();
        if signature.len() > desktop::MAX_SIGNATURE_BYTES {
            let m = format!("is longer than {} bytes", desktop::MAX_SIGNATURE_BYTES);
            errors.push(FieldError::new("signature", m));
        } else {
            match (desktop::signed_version(signature), &version) {
                (Err(m), _) => errors.push(FieldError::new("signature", m)),
                (Ok(signed), Some(v)) if &signed != v => errors.push(FieldError::new(
                    "signature",
                    format!("was made for version {signed}, not {v}"),
                )),
                _ => {}
            }
        }
        let notes = notes.trim();
        if notes.chars().count() > desktop::MAX_NOTES_CHARS {
            let m = format!("are longer than {} characters", desktop::MAX_NOTES_CHARS);
            errors.push(FieldError::new("notes", m));
        }
        match (target, version) {
            (Some(target), Some(version)) if errors.is_empty() => Ok(NewRelease {
                target,
                version,
                notes: notes.to_string(),
                signature: signature.to_string(),
            }),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

impl Services {
    /// Record a build whose bundle is already in the blob store. A version is published
    /// once per target: desktops may already have fetched it.
    pub async fn publish_desktop_release(
        &self,
        actor: &Actor,
        new: NewRelease,
        bundle: &StoredBlob,
        filename: &str,
    ) -> Result<Release> {
        let row = Release {
            id: Uuid::now_v7(),
            target: new.target.as_str().to_string(),
            version: new.version.to_string(),
            notes: new.notes,
            signature: new.signature,
            filename: filename.to_string(),
            sha256: bundle.sha256.clone(),
            size_bytes: bundle.size as i64,
            published_at: chrono::Utc::now(),
            published_by: actor.name.clone(),
        };
        let mut tx = self.pool.begin().await?;
        let release = desktop_releases::insert(&mut tx, &row)
            .await?
            .ok_or_else(|| {
                Error::conflict(
                    "release_exists",
                    format!(
                        "Version {} is already published for {}; publish a newer version.",
                        row.version, row.target
                    ),
                )
            })?;
        let details = json!({
            "target": release.target, "version": release.version, "sha256": release.sha256,
            "size_bytes": release.size_bytes, "filename": release.filename,
        });
        let target = Some(("desktop_release", release.id.to_string()));
        let action = AuditAction::DesktopPublish;
        audit::record(&mut *tx, actor, action, target, Some(details)).await?;
        tx.commit().await?;
        Ok(release)
    }

    /// The build a desktop running `current` for `target` should update to: the newest
    /// published for its target (or its `{os}-{arch}`) above its own version, if any.
    pub async fn desktop_update(&self, target: &str, current: &str) -> Result<Option<Release>> {
        let target = Target::parse(target).map_err(|m| Error::invalid("target", m))?;
        let current =
            desktop::parse_version(current).map_err(|m| Error::invalid("current_version", m))?;
        let releases = desktop_releases::for_targets(&self.pool, &target.candidates()).await?;
        // Rows the database holds were checked on the way in; one that no longer parses
        // (edited by hand) is passed over rather than offered.
        let versioned = releases
            .into_iter()
            .filter_map(|r| Some((desktop::parse_version(&r.version).ok()?, r)))
            .collect();
        Ok(desktop::newest_after(&current, versioned).map(|(_, r)| r))
    }
}
