//! The core's connection to the signed-in server: sign-in and sign-out, the web view's
//! requests (relayed by `commands::api`), who am I, one complaint, the event stream, and
//! complaints with files read from disk or from the sealed outbox.
//!
//! Only the fields the desktop needs are decoded (serde ignores the rest), so the desktop
//! keeps working while the server's response types grow.

use std::time::Duration;

use futures::StreamExt;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use serde::Deserialize;
use uuid::Uuid;

use crate::outbox::seal::{self, SealKey};
use crate::server_url::ServerUrl;

/// Why a server call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the server URL is not valid: {0}")]
    InvalidUrl(String),
    #[error("the server cannot be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the server answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("a file could not be read: {0}")]
    File(String),
}

impl ClientError {
    /// Whether trying again later may succeed (network trouble, overload, server error),
    /// as opposed to the server rejecting the request itself.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) => true,
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::InvalidUrl(_) | Self::File(_) => false,
        }
    }
}

/// `GET /api/v1/me`, reduced to what the watcher compares.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub id: Uuid,
}

/// `GET /api/v1/complaints/{id}`, reduced to what a notification needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ComplaintBrief {
    pub id: Uuid,
    pub reference: String,
    pub created_by: Option<Uuid>,
}

/// A signed-in connection to one server.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: ServerUrl,
    pub(crate) auth: HeaderValue,
}

impl Client {
    /// A client for `server` (checked by [`ServerUrl::parse`]) using `token`.
    pub fn new(server: &ServerUrl, token: &str) -> Result<Self, ClientError> {
        let base = server.clone();
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ClientError::InvalidUrl("token has invalid characters".into()))?;
        auth.set_sensitive(true);
        Ok(Self {
            http: http_client()?,
            base,
            auth,
        })
    }

    /// The signed-in server.
    pub fn server(&self) -> &ServerUrl {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(self.url(path))
            .header(AUTHORIZATION, self.auth.clone())
    }

    /// The signed-in user.
    pub async fn me(&self) -> Result<Me, ClientError> {
        let res = self
            .get("/me")
            .timeout(Duration::from_secs(30))
            .send()
            .await?;
        Ok(check(res).await?.json().await?)
    }

    /// The signed-in user as the server describes it (`User`).
    pub async fn me_json(&self) -> Result<serde_json::Value, ClientError> {
        let res = self
            .get("/me")
            .timeout(Duration::from_secs(30))
            .send()
            .await?;
        Ok(check(res).await?.json().await?)
    }

    /// One complaint.
    pub async fn complaint(&self, id: Uuid) -> Result<ComplaintBrief, ClientError> {
        let res = self
            .get(&format!("/complaints/{id}"))
            .timeout(Duration::from_secs(30))
            .send()
            .await?;
        Ok(check(res).await?.json().await?)
    }

    /// Open the event stream, resuming after `last_event_id` when given.
    pub async fn events(
        &self,
        last_event_id: Option<&str>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut req = self.get("/events").header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        check(req.send().await?).await
    }

    /// `POST /api/v1/complaints` with an `Idempotency-Key`, so a retry after a lost reply
    /// never creates a second complaint. Returns the server's JSON reply.
    pub async fn submit_complaint(
        &self,
        body: &serde_json::Value,
        idempotency_key: &str,
    ) -> Result<serde_json::Value, ClientError> {
        let res = self
            .http
            .post(self.url("/complaints"))
            .header(AUTHORIZATION, self.auth.clone())
            .header("Idempotency-Key", idempotency_key)
            .timeout(Duration::from_secs(60))
            .json(body)
            .send()
            .await?;
        Ok(check(res).await?.json().await?)
    }
}

/// The one HTTP client setup: no overall timeout (the event stream stays open for hours,
/// a large upload may take minutes), connecting bounded, redirects not followed (a
/// redirect must not carry the token or a complaint to another host).
fn http_client() -> Result<reqwest::Client, ClientError> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// `POST /api/v1/auth/login` on `server`: the server's `LoginResponse` (token, user).
pub async fn login(
    server: &ServerUrl,
    username: &str,
    password: &str,
) -> Result<serde_json::Value, ClientError> {
    let body = serde_json::json!({ "username": username, "password": password });
    sign_in_step(server, "/api/v1/auth/login", &body).await
}

/// One step of a sign-in (password, second factor, enrolment): a POST without a session.
pub async fn sign_in_step(
    server: &ServerUrl,
    path: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, ClientError> {
    let res = http_client()?
        .post(format!("{server}{path}"))
        .timeout(Duration::from_secs(30))
        .json(body)
        .send()
        .await?;
    Ok(check(res).await?.json().await?)
}

/// A file to send with a complaint and the name the server stores.
#[derive(Debug, Clone)]
pub struct UploadFile {
    pub name: String,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// A file the user chose, read as it is.
    Plain(std::path::PathBuf),
    /// An outbox copy, opened chunk by chunk as it is sent.
    Sealed {
        path: std::path::PathBuf,
        size: u64,
        key: SealKey,
        aad: Vec<u8>,
    },
}

impl UploadFile {
    /// A file on disk, sent as it is.
    pub fn plain(path: std::path::PathBuf, name: String) -> Self {
        Self {
            name,
            source: Source::Plain(path),
        }
    }

    /// A sealed outbox copy of `size` plaintext bytes.
    pub fn sealed(
        path: std::path::PathBuf,
        name: String,
        size: u64,
        key: SealKey,
        aad: Vec<u8>,
    ) -> Self {
        Self {
            name,
            source: Source::Sealed {
                path,
                size,
                key,
                aad,
            },
        }
    }

    /// The file on disk when it is a plain one (to copy into the outbox).
    pub fn plain_path(&self) -> Option<&std::path::Path> {
        match &self.source {
            Source::Plain(p) => Some(p),
            Source::Sealed { .. } => None,
        }
    }

    /// Size in bytes of what is sent.
    pub async fn size(&self) -> u64 {
        match &self.source {
            Source::Plain(p) => tokio::fs::metadata(p).await.map_or(0, |m| m.len()),
            Source::Sealed { size, .. } => *size,
        }
    }

    /// Its bytes as a stream of chunks, and their total length.
    async fn open(
        &self,
    ) -> Result<
        (
            u64,
            futures::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>,
        ),
        ClientError,
    > {
        let unreadable =
            |e: &dyn std::fmt::Display| ClientError::File(format!("{}: {e}", self.name));
        match &self.source {
            Source::Plain(path) => {
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| unreadable(&e))?;
                let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
                let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
                Ok((len, stream.boxed()))
            }
            Source::Sealed {
                path,
                size,
                key,
                aad,
            } => {
                let stream = seal::open_file_stream(key, aad.clone(), path)
                    .await
                    .map_err(|e| unreadable(&e))?;
                Ok((*size, stream.boxed()))
            }
        }
    }
}

/// Told the number of file bytes handed to the network so far, as the upload goes.
pub type OnProgress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

impl Client {
    /// `POST /api/v1/complaints` as multipart: the `complaint` JSON part, then one `file`
    /// part per file, each streamed from disk in chunks (a 100 MB file is never held in
    /// memory). `on_progress` hears the running total of file bytes sent.
    pub async fn submit_with_files(
        &self,
        body: &serde_json::Value,
        files: &[UploadFile],
        idempotency_key: &str,
        on_progress: OnProgress,
    ) -> Result<serde_json::Value, ClientError> {
        use reqwest::multipart::{Form, Part};

        let json = Part::text(body.to_string())
            .mime_str("application/json")
            .map_err(ClientError::Unreachable)?;
        let mut form = Form::new().part("complaint", json);
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        for f in files {
            let (len, stream) = f.open().await?;
            let (sent, on_progress) = (sent.clone(), on_progress.clone());
            let stream = stream.inspect(move |chunk| {
                if let Ok(bytes) = chunk {
                    let n = bytes.len() as u64;
                    let total = sent.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
                    on_progress(total);
                }
            });
            let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
                .file_name(f.name.clone());
            form = form.part("file", part);
        }
        // No overall timeout: a large file on a slow counter link may take minutes. A dead
        // link is still noticed: connecting is bounded, and TCP gives up on a lost peer.
        let res = self
            .http
            .post(self.url("/complaints"))
            .header(AUTHORIZATION, self.auth.clone())
            .header("Idempotency-Key", idempotency_key)
            .multipart(form)
            .send()
            .await?;
        Ok(check(res).await?.json().await?)
    }
}

impl Client {
    /// `POST /api/v1/auth/logout`: end the session on the server.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let res = self
            .http
            .post(self.url("/auth/logout"))
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await?;
        check(res).await.map(drop)
    }
}

/// Turn a non-2xx reply into [`ClientError::Status`] with the server's `{code, message}` body.
async fn check(res: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    let status = res.status();
    if status.is_success() {
        return Ok(res);
    }
    let body = res.text().await.unwrap_or_default();
    Err(ClientError::Status {
        status: status.as_u16(),
        body: body.chars().take(500).collect(),
    })
}
