//! Whose outbox: one per (user, server), each in its own directory, sealed with its own
//! key from the OS keyring. Another user's items are in another directory under another
//! key: they can be neither listed nor sent by this session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::seal::SealKey;
use super::{Outbox, OutboxError};
use crate::secret::{Secret, SERVICE};
use crate::server_url::ServerUrl;

/// Where outboxes live under the app data dir.
const OUTBOXES: &str = "outboxes";
/// The single plain-text outbox of versions that kept one per OS account.
pub const LEGACY_FILE: &str = "outbox.jsonl";

/// The signed-in user on one server: whose outbox it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub server: ServerUrl,
    pub user: Uuid,
}

impl Owner {
    pub fn new(server: ServerUrl, user: Uuid) -> Self {
        Self { server, user }
    }

    /// A stable name for the outbox that shows neither the user nor the server.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(format!("{}\n{}", self.server, self.user));
        hex::encode(&digest[..16])
    }
}

/// The outbox keys in the OS keyring, one per owner.
#[derive(Debug, Clone)]
pub struct OutboxKeys {
    service: String,
}

impl Default for OutboxKeys {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl OutboxKeys {
    /// Keys under the keyring service `service` (tests use their own).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn secret(&self, owner_id: &str) -> Secret {
        Secret::new(&self.service, format!("outbox-key:{owner_id}"))
    }

    /// The owner's key, if one was made.
    pub fn get(&self, owner_id: &str) -> Result<Option<SealKey>, OutboxError> {
        Ok(self
            .secret(owner_id)
            .get()?
            .as_deref()
            .and_then(SealKey::from_hex))
    }

    /// Make and keep a new key for the owner.
    pub fn create(&self, owner_id: &str) -> Result<SealKey, OutboxError> {
        let key = SealKey::random();
        self.secret(owner_id).set(&key.to_hex())?;
        Ok(key)
    }
}

/// Every outbox under the app data dir, opened on demand for the signed-in owner and kept
/// open so all commands on one outbox share its lock. Managed as Tauri state.
#[derive(Debug)]
pub struct Outboxes {
    base: PathBuf,
    keys: OutboxKeys,
    open: Mutex<HashMap<String, Arc<Outbox>>>,
}

impl Outboxes {
    /// Outboxes under `base` (the app data dir), keys in `keys`.
    pub fn new(base: impl Into<PathBuf>, keys: OutboxKeys) -> Self {
        Self {
            base: base.into(),
            keys,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The owner's outbox, made (with a new key) on first use. Keyring calls may block on
    /// the OS: call it off the async workers.
    pub fn for_owner(&self, owner: &Owner) -> Result<Arc<Outbox>, OutboxError> {
        let id = owner.id();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(outbox) = open.get(&id) {
            return Ok(outbox.clone());
        }
        let dir = self.base.join(OUTBOXES).join(&id);
        let key = match self.keys.get(&id)? {
            Some(key) => key,
            None => {
                set_aside_unreadable(&dir)?;
                self.keys.create(&id)?
            }
        };
        let outbox = Arc::new(Outbox::open(dir, &id, key));
        open.insert(id, outbox.clone());
        Ok(outbox)
    }

    /// The plain-text outbox an older version left, if any. It is never read, listed or
    /// sent: it belongs to no known user, and whoever signs in first must not see or send
    /// its complainants' details. An administrator can inspect it.
    pub fn legacy(&self) -> Option<PathBuf> {
        let path = self.base.join(LEGACY_FILE);
        path.is_file().then_some(path)
    }
}

/// An outbox whose key is gone from the keyring (the keyring was reset, or expired it)
/// can never be opened again; it is renamed rather than overwritten, so nothing is
/// destroyed, and the owner starts a new one.
fn set_aside_unreadable(dir: &Path) -> Result<(), OutboxError> {
    if !dir.exists() {
        return Ok(());
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let aside = dir.with_extension(format!("no-key-{stamp}"));
    tracing::warn!(dir = %dir.display(), aside = %aside.display(), "outbox key missing; outbox set aside");
    std::fs::rename(dir, aside)?;
    Ok(())
}
