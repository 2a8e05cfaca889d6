//! The signed-in session (server URL + bearer token) kept in the OS keyring, so the token
//! never sits in a plain file or in the web view's localStorage.
//!
//! Backends (keyring 3): Linux kernel keyutils, Windows Credential Manager, macOS Keychain.
//! The whole session is one JSON secret so it is written and removed atomically.

use keyring::Entry;
use serde::{Deserialize, Serialize};

/// The keyring service name: the app identifier.
pub const SERVICE: &str = "my.gov.aduan.desktop";
/// The keyring account under which the session is stored.
const ACCOUNT: &str = "session";

/// What is needed to talk to the server as the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Base URL without a trailing slash, e.g. `https://aduan.example.gov.my`.
    pub server: String,
    /// The bearer token from `POST /api/v1/auth/login`.
    pub token: String,
}

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the OS keyring failed: {0}")]
    Keyring(#[from] keyring::Error),
    #[error("the stored session is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// Where a session lives in the keyring. The app uses [`SessionStore::default`]; tests use
/// their own account names so they never touch a real user's session.
#[derive(Debug, Clone)]
pub struct SessionStore {
    service: String,
    account: String,
}

impl Default for SessionStore {
    fn default() -> Self {
        Self::new(SERVICE, ACCOUNT)
    }
}

impl SessionStore {
    /// A store for the given keyring service and account.
    pub fn new(service: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            account: account.into(),
        }
    }

    fn entry(&self) -> Result<Entry, SessionError> {
        Ok(Entry::new(&self.service, &self.account)?)
    }

    /// Store the session, replacing any previous one.
    pub fn save(&self, session: &Session) -> Result<(), SessionError> {
        let json = serde_json::to_string(session)?;
        self.entry()?.set_password(&json)?;
        Ok(())
    }

    /// The stored session, or `None` when nobody is signed in.
    pub fn load(&self) -> Result<Option<Session>, SessionError> {
        match self.entry()?.get_password() {
            Ok(json) => Ok(Some(serde_json::from_str(&json)?)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Forget the session. Clearing when nothing is stored is not an error: logout must
    /// always succeed locally.
    pub fn clear(&self) -> Result<(), SessionError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests;
