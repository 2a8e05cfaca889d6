//! The audit chain's key: 32 random bytes, kept outside the database.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::DbArgs;

/// Name of the key among the service's systemd credentials (`LoadCredential=audit-key:…`).
pub const CREDENTIAL: &str = "audit-key";
/// The key's file in the data dir when nothing else is configured.
pub const DATA_DIR_FILE: &str = "audit.key";

/// Where this installation's key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `--audit-key-file`: must exist.
    Configured(PathBuf),
    /// `$CREDENTIALS_DIRECTORY/audit-key`, put there by systemd.
    Credential(PathBuf),
    /// `<data-dir>/audit.key`, created on first use.
    DataDir(PathBuf),
}

impl KeySource {
    pub fn locate(args: &DbArgs) -> Self {
        if let Some(path) = &args.audit_key_file {
            return KeySource::Configured(path.clone());
        }
        if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
            let path = Path::new(&dir).join(CREDENTIAL);
            if path.is_file() {
                return KeySource::Credential(path);
            }
        }
        KeySource::DataDir(args.data_dir.join(DATA_DIR_FILE))
    }

    pub fn path(&self) -> &Path {
        match self {
            KeySource::Configured(p) | KeySource::Credential(p) | KeySource::DataDir(p) => p,
        }
    }
}

/// The secret the chain's seals and the anchors are keyed with. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// The installation's key; in the data dir it is created when missing.
    pub fn load(args: &DbArgs) -> anyhow::Result<Self> {
        let source = KeySource::locate(args);
        if let KeySource::DataDir(path) = &source {
            if !path.exists() {
                Self::generate().write_new(path)?;
                tracing::info!(path = %path.display(), "created the audit chain's key");
            }
        }
        Self::read(source.path())
    }

    pub fn generate() -> Self {
        Self(rand::random())
    }

    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the audit key {}", path.display()))?;
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        let Some(bytes) = bytes else {
            bail!(
                "{} is not an audit key: it must hold 64 hexadecimal digits",
                path.display()
            );
        };
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the audit key is readable by other users: make it readable by the server's \
                 user only (chmod 600)"
            );
        }
        Ok(Self(bytes))
    }

    /// Write the key to a new file, readable by its owner only.
    pub fn write_new(&self, path: &Path) -> anyhow::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating the audit key {}", path.display()))?;
        writeln!(f, "{}", hex::encode(self.0))?;
        f.sync_all()?;
        Ok(())
    }

    /// HMAC-SHA-256 of `parts` joined by `|`, in hex.
    pub fn mac(&self, parts: &[&[u8]]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key size");
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(b"|");
            }
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// A key of its own for `purpose` (the portal's receipts, TOTP secrets): every instance
    /// sharing a database has the audit key, so no further secret needs distributing, and
    /// no derived key tells anything of the audit key or of another derived key.
    pub fn subkey(&self, purpose: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key size");
        mac.update(purpose);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_round_trips_through_its_file_and_keys_its_macs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = AuditKey::generate();
        key.write_new(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let read = AuditKey::read(&path).unwrap();
        assert_eq!(read, key);
        assert_eq!(read.mac(&[b"a", b"b"]), key.mac(&[b"a", b"b"]));
        assert_ne!(AuditKey::generate().mac(&[b"a"]), key.mac(&[b"a"]));
        // The separator is part of the message: ("a|b") is not ("a", "b") by accident only.
        assert_ne!(key.mac(&[b"ab"]), key.mac(&[b"a", b"b"]));
        assert!(
            key.write_new(&path).is_err(),
            "an existing key is never overwritten"
        );
        std::fs::write(&path, "not hex").unwrap();
        assert!(AuditKey::read(&path).is_err());
    }

    #[test]
    fn subkeys_are_the_purposes_macs_and_differ_by_purpose() {
        let key = AuditKey::generate();
        // Receipts already stored were looked up with the MAC of the purpose: the same bytes.
        let portal = key.subkey(b"aduan reporter portal v1");
        assert_eq!(hex::encode(portal), key.mac(&[b"aduan reporter portal v1"]));
        assert_ne!(portal, key.subkey(b"aduan totp secrets v1"));
        assert_ne!(
            portal,
            AuditKey::generate().subkey(b"aduan reporter portal v1")
        );
    }
}
