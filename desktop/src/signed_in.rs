//! Who is signed in, to which server, as the core knows it. Set by sign-in (or by resuming
//! the keyring's session), cleared by sign-out; every command that talks to the server or
//! touches the outbox takes the address, token and user from here, never from the web view.

use std::sync::Mutex;

use uuid::Uuid;

use crate::client::{Client, ClientError};
use crate::outbox::Owner;
use crate::server_url::ServerUrl;
use crate::session::Session;

/// The signed-in session, checked.
#[derive(Clone)]
pub struct Active {
    pub server: ServerUrl,
    token: String,
    pub user_id: Uuid,
    /// The server's `User` as received at sign-in (or at the last resume).
    pub user: serde_json::Value,
}

impl std::fmt::Debug for Active {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Active")
            .field("server", &self.server)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// Why a session cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SignedInError {
    #[error("nobody is signed in")]
    NotSignedIn,
    #[error("the session does not name its user")]
    NoUser,
}

impl Active {
    /// A session for `user` (the server's `User` JSON, which must carry its `id`).
    pub fn new(
        server: ServerUrl,
        token: String,
        user: serde_json::Value,
    ) -> Result<Self, SignedInError> {
        let user_id = user["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or(SignedInError::NoUser)?;
        Ok(Self {
            server,
            token,
            user_id,
            user,
        })
    }

    /// A client for the signed-in server with the session's token.
    pub fn client(&self) -> Result<Client, ClientError> {
        Client::new(&self.server, &self.token)
    }

    /// The bearer token, for the updater (which makes its own requests).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The outbox this session may see and send: this user's, on this server.
    pub fn owner(&self) -> Owner {
        Owner::new(self.server.clone(), self.user_id)
    }

    /// What goes to the keyring.
    pub fn to_session(&self) -> Session {
        Session {
            server: self.server.to_string(),
            token: self.token.clone(),
            user: Some(self.user.clone()),
        }
    }
}

/// The core's signed-in session. Managed as Tauri state.
#[derive(Debug, Default)]
pub struct SignedIn(Mutex<Option<Active>>);

impl SignedIn {
    /// The session, or [`SignedInError::NotSignedIn`].
    pub fn get(&self) -> Result<Active, SignedInError> {
        self.lock().clone().ok_or(SignedInError::NotSignedIn)
    }

    /// Adopt `active` (sign-in, resume).
    pub fn set(&self, active: Active) {
        *self.lock() = Some(active);
    }

    /// Forget the session (sign-out); returns what it was.
    pub fn take(&self) -> Option<Active> {
        self.lock().take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Active>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
