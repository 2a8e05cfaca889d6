//! `api_request`: the web view's requests to the server, made by the core on the
//! signed-in server with the session's token (see `relay` for why the web view may not
//! connect itself).

use tauri::ipc::Response;
use tauri::State;

use crate::error::CommandError;
use crate::relay::{frame, Request};
use crate::signed_in::SignedIn;

/// Make `request` on the signed-in server; the reply, whatever its status, framed as
/// `relay` describes. Refused when nobody is signed in.
#[tauri::command]
pub async fn api_request(
    request: Request,
    signed_in: State<'_, SignedIn>,
) -> Result<Response, CommandError> {
    Ok(Response::new(relay(&signed_in, &request).await?))
}

/// The command's work, without Tauri: testable.
pub async fn relay(signed_in: &SignedIn, request: &Request) -> Result<Vec<u8>, CommandError> {
    let client = signed_in.get()?.client()?;
    let (head, body) = client.relay(request).await?;
    Ok(frame(&head, &body))
}

#[cfg(test)]
mod tests;
