//! The signed-in session (server URL, bearer token, user) kept in the OS keyring, so the
//! token never sits in a plain file or in the web view's storage, and the app can resume
//! it (also offline) after a restart.
//!
//! The whole session is one JSON secret so it is written and removed atomically.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
pub use crate::secret::SERVICE;

/// The keyring account under which the session is stored.
const ACCOUNT: &str = "session";

/// What is needed to talk to the server as the signed-in user.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Base URL without a trailing slash, e.g. `https://aduan.example.gov.my`.
    pub server: String,
    /// The bearer token from `POST /api/v1/auth/login`.
    pub token: String,
    /// The user as the server described them at sign-in (`User`): who owns the outbox,
    /// and whom to show when the app starts while the server is away. Sessions saved
    /// before this was kept have none; resuming one asks the server.
    #[serde(default)]
    pub user: Option<serde_json::Value>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.server)
            .field("token", &"…")
            .field("user", &self.user)
            .finish()
    }
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
pub struct SessionStore(Secret);

impl Default for SessionStore {
    fn default() -> Self {
        Self::new(SERVICE, ACCOUNT)
    }
}

impl SessionStore {
    /// A store for the given keyring service and account.
    pub fn new(service: impl Into<String>, account: impl Into<String>) -> Self {
        Self(Secret::new(service, account))
    }

    /// Store the session, replacing any previous one.
    pub fn save(&self, session: &Session) -> Result<(), SessionError> {
        Ok(self.0.set(&serde_json::to_string(session)?)?)
    }

    /// The stored session, or `None` when nobody is signed in.
    pub fn load(&self) -> Result<Option<Session>, SessionError> {
        match self.0.get()? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    /// Forget the session. Clearing when nothing is stored is not an error: logout must
    /// always succeed locally.
    pub fn clear(&self) -> Result<(), SessionError> {
        Ok(self.0.delete()?)
    }
}

#[cfg(test)]
mod tests;
