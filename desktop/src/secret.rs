//! One secret string in the OS keyring (service + account): the session and the outbox
//! keys use it, so nothing secret is ever written to a plain file.
//!
//! Backends (keyring 3): Linux kernel keyutils, Windows Credential Manager, macOS Keychain.

use keyring::Entry;

/// The keyring service name: the app identifier.
pub const SERVICE: &str = "my.gov.aduan.desktop";

/// Where one secret lives in the keyring.
#[derive(Debug, Clone)]
pub struct Secret {
    service: String,
    account: String,
}

impl Secret {
    /// The secret under `account` of `service`.
    pub fn new(service: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            account: account.into(),
        }
    }

    fn entry(&self) -> keyring::Result<Entry> {
        Entry::new(&self.service, &self.account)
    }

    /// Store `value`, replacing what was there.
    pub fn set(&self, value: &str) -> keyring::Result<()> {
        self.entry()?.set_password(value)
    }

    /// The stored value, or `None` when there is none.
    pub fn get(&self) -> keyring::Result<Option<String>> {
        match self.entry()?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Remove it; removing what is not there is not an error.
    pub fn delete(&self) -> keyring::Result<()> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
