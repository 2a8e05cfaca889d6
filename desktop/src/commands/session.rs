//! `session_login` (with `session_second_factor` and `session_enrol` when the account
//! signs in with an authenticator app), `session_resume`, `session_logout`: the session is
//! made, kept and ended by the core. The server address is fixed here, at sign-in; the
//! token never reaches the web view.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::error::CommandError;
use crate::files::ChosenFiles;
use crate::server_url::ServerUrl;
use crate::session::{Session, SessionStore};
use crate::signed_in::{Active, SignedIn};
use crate::watcher::{Forwarded, Watcher};

use super::blocking;
use super::watcher::opener;

/// The event that carries what the watcher forwards (server events, the link's state).
pub const SERVER_EVENT: &str = "server-event";

/// What the UI learns of a session: where, and who (never the token).
#[derive(Debug, Serialize)]
pub struct SessionInfo {
    pub server: String,
    pub user: serde_json::Value,
    /// When this sign-in completed the account's enrolment: its recovery codes, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<serde_json::Value>,
}

/// The server of a sign-in whose password was right and whose second factor is awaited:
/// the next steps go there, whatever the web view says.
#[derive(Debug, Default)]
pub struct PendingSignIn(Mutex<Option<ServerUrl>>);

impl PendingSignIn {
    fn set(&self, server: Option<ServerUrl>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = server;
    }

    fn server(&self) -> Result<ServerUrl, CommandError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| CommandError::new("no_sign_in", "sign in with the password first"))
    }
}

/// Sign in to `server` (refused when it is plain http to another computer), keep the
/// session in the keyring, and start the watcher. Refused while someone is signed in: the
/// address is fixed for the session, and a script cannot move it to a server of its own
/// without signing out, which reloads the page in front of the user.
#[tauri::command]
pub async fn session_login(
    server: String,
    username: String,
    password: String,
    app: AppHandle,
    signed_in: State<'_, SignedIn>,
    chosen: State<'_, ChosenFiles>,
    pending: State<'_, PendingSignIn>,
) -> Result<SessionInfo, CommandError> {
    may_sign_in(&signed_in)?;
    pending.set(None);
    let server = ServerUrl::parse(&server)?;
    let reply = match crate::client::login(&server, &username, &password).await {
        Ok(reply) => reply,
        Err(e) => {
            let e = CommandError::from(e);
            if e.code == "second_factor_required" {
                pending.set(Some(server));
            }
            return Err(e);
        }
    };
    finish(&app, &signed_in, &chosen, server, reply).await
}

/// The second step of a sign-in: a code from the authenticator app (or a recovery code)
/// with the challenge the password step returned, sent to that step's server.
#[tauri::command]
pub async fn session_second_factor(
    challenge: String,
    code: String,
    app: AppHandle,
    signed_in: State<'_, SignedIn>,
    chosen: State<'_, ChosenFiles>,
    pending: State<'_, PendingSignIn>,
) -> Result<SessionInfo, CommandError> {
    may_sign_in(&signed_in)?;
    let server = pending.server()?;
    let body = serde_json::json!({ "challenge": challenge, "code": code });
    let reply = crate::client::sign_in_step(&server, "/api/v1/auth/second-factor", &body).await;
    let reply = match reply {
        Ok(reply) => reply,
        Err(e) => {
            let e = CommandError::from(e);
            if e.code == "challenge_expired" {
                pending.set(None);
            }
            return Err(e);
        }
    };
    pending.set(None);
    finish(&app, &signed_in, &chosen, server, reply).await
}

/// During a sign-in whose role requires an authenticator app: the secret to scan.
#[tauri::command]
pub async fn session_enrol(
    challenge: String,
    pending: State<'_, PendingSignIn>,
) -> Result<serde_json::Value, CommandError> {
    let server = pending.server()?;
    let body = serde_json::json!({ "challenge": challenge });
    Ok(crate::client::sign_in_step(&server, "/api/v1/auth/second-factor/enrol", &body).await?)
}

/// A sign-in reply with its token: the session is kept and adopted.
async fn finish(
    app: &AppHandle,
    signed_in: &SignedIn,
    chosen: &ChosenFiles,
    server: ServerUrl,
    reply: serde_json::Value,
) -> Result<SessionInfo, CommandError> {
    let token = reply["token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| CommandError::new("invalid_session", "the sign-in reply has no token"))?
        .to_string();
    let active = Active::new(server, token, reply["user"].clone())?;
    let session = active.to_session();
    if let Err(e) = blocking(move || SessionStore::default().save(&session)).await {
        // Signed in all the same; the next start asks to sign in again.
        tracing::warn!(error = %e, "session not kept in the keyring");
    }
    chosen.clear();
    let mut info = adopt(app, signed_in, active);
    info.recovery_codes = reply.get("recovery_codes").cloned();
    Ok(info)
}

/// Nobody may sign in over a session: the address stays fixed until sign-out.
fn may_sign_in(signed_in: &SignedIn) -> Result<(), CommandError> {
    match signed_in.get() {
        Ok(_) => Err(CommandError::new(
            "already_signed_in",
            "already signed in; sign out first",
        )),
        Err(_) => Ok(()),
    }
}

/// Resume the keyring's session, if any: `null` when there is none. A session for a
/// server the policy now refuses is forgotten, and the refusal returned.
#[tauri::command]
pub async fn session_resume(
    app: AppHandle,
    signed_in: State<'_, SignedIn>,
) -> Result<Option<SessionInfo>, CommandError> {
    let Some(saved) = blocking(|| SessionStore::default().load()).await? else {
        return Ok(None);
    };
    let active = match checked(saved).await {
        Ok(a) => a,
        Err(e) => {
            if e.code != "unreachable" {
                blocking(|| SessionStore::default().clear()).await?;
            }
            return Err(e);
        }
    };
    Ok(Some(adopt(&app, &signed_in, active)))
}

/// A saved session, checked against the policy; one saved without its user asks the
/// server who it is.
async fn checked(saved: Session) -> Result<Active, CommandError> {
    let server = ServerUrl::parse(&saved.server)?;
    let user = match saved.user {
        Some(u) => u,
        None => {
            let client = crate::client::Client::new(&server, &saved.token)?;
            client.me_json().await?
        }
    };
    Ok(Active::new(server, saved.token, user)?)
}

/// Make `active` the core's session and start watching its events.
fn adopt(app: &AppHandle, signed_in: &SignedIn, active: Active) -> SessionInfo {
    let info = SessionInfo {
        server: active.server.to_string(),
        user: active.user.clone(),
        recovery_codes: None,
    };
    if let Ok(client) = active.client() {
        let emitter = app.clone();
        let forward = Arc::new(move |f: Forwarded| {
            let _ = emitter.emit(SERVER_EVENT, f);
        });
        app.state::<Watcher>()
            .start(client, opener(app.clone()), forward);
    }
    signed_in.set(active);
    info
}

/// Sign out: end the session on the server (best effort), stop the watcher, forget the
/// session, its address and every chosen file, then reload the page, so nothing a script
/// in it learned during the session is still there at the sign-in screen.
#[tauri::command]
pub async fn session_logout(
    app: AppHandle,
    signed_in: State<'_, SignedIn>,
    watcher: State<'_, Watcher>,
    files: State<'_, ChosenFiles>,
) -> Result<(), CommandError> {
    watcher.stop();
    files.clear();
    let was = signed_in.take();
    // In the background: an unreachable server must not hold the reload (and so the
    // sign-in screen the next user may already be typing into) for its connect timeout.
    if let Some(client) = was.as_ref().and_then(|a| a.client().ok()) {
        tauri::async_runtime::spawn(async move {
            if let Err(e) = client.logout().await {
                tracing::info!(error = %e, "server-side logout failed; forgotten locally");
            }
        });
    }
    let cleared = blocking(|| SessionStore::default().clear()).await;
    // Only a session really ended reloads: a keyring that cannot be cleared would
    // otherwise resume, fail and sign out again, over and over.
    if was.is_some() && cleared.is_ok() {
        if let Some(window) = app.get_webview_window("main") {
            if let Err(e) = window.reload() {
                tracing::warn!(error = %e, "could not reload the page after sign-out");
            }
        }
    }
    cleared
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(server: &str) -> Session {
        Session {
            server: server.into(),
            token: "tok".into(),
            user: Some(serde_json::json!({"id": "6f1c6f0e-1f0a-4c59-9d3a-2b2f4c1d9e10"})),
        }
    }

    #[tokio::test]
    async fn a_saved_session_for_plain_http_to_another_computer_is_not_resumed() {
        let err = checked(saved("http://10.0.0.5:8080")).await.unwrap_err();
        assert_eq!(err.code, "insecure_server");
        let ok = checked(saved("http://127.0.0.1:8080/")).await.unwrap();
        assert_eq!(ok.server.as_str(), "http://127.0.0.1:8080");
        assert!(checked(saved("https://aduan.agency.gov.my")).await.is_ok());
    }

    #[tokio::test]
    async fn nobody_signs_in_over_a_session_to_move_its_address() {
        let signed_in = SignedIn::default();
        assert!(may_sign_in(&signed_in).is_ok());
        signed_in.set(checked(saved("https://aduan.agency.gov.my")).await.unwrap());
        assert_eq!(
            may_sign_in(&signed_in).unwrap_err().code,
            "already_signed_in"
        );
        signed_in.take();
        assert!(may_sign_in(&signed_in).is_ok());
    }
}
