//! The Rust core's subscription to `GET /api/v1/events`: it keeps running while the
//! window is minimised or on another screen, turns "your complaint finished" events into
//! grouped native notifications, and hands every event and the link's state to the UI
//! (which may not connect to the server itself: see `relay`).
//!
//! It reconnects with backoff and `Last-Event-ID`, so the server replays what was missed
//! and a network blip never loses or repeats a notification.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aduan_api::complaint::ComplaintStatus;
use aduan_api::event::Event;
use futures::StreamExt;
use tauri::async_runtime::JoinHandle;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::client::{Client, ClientError};
use crate::notify::{self, Finished, Grouper, Outcome};
use crate::sse::{SseEvent, SseParser};

/// The server sends a keep-alive every 15 s; silence for this long means a dead link.
const READ_TIMEOUT: Duration = Duration::from_secs(45);
/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Called when the user activates a notification: the complaint to open, or `None` for
/// a grouped one (open the list).
pub type Opener = Arc<dyn Fn(Option<Uuid>) + Send + Sync>;

/// The link to the server as the top bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    Live,
    Reconnecting,
    Offline,
}

/// What the watcher hands to the UI.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Forwarded {
    /// One event from the stream, as the server sent it.
    Event {
        kind: String,
        data: String,
        id: Option<String>,
    },
    /// The link went live, or is being re-established, or has failed repeatedly.
    State { state: ConnState },
}

/// Receives what the watcher forwards to the UI.
pub type Forward = Arc<dyn Fn(Forwarded) + Send + Sync>;

/// After this many failed attempts in a row the link counts as offline (retries go on).
const OFFLINE_AFTER: u32 = 3;

/// The running watcher, if any. Managed as Tauri state; one per app.
#[derive(Debug)]
pub struct Watcher {
    task: Mutex<Option<JoinHandle<()>>>,
    /// The user's "notify me" setting; while off, finished complaints are not shown.
    enabled: Arc<AtomicBool>,
    /// The link's last state, for a UI that starts listening after the link came up.
    state: Arc<Mutex<ConnState>>,
}

impl Default for Watcher {
    fn default() -> Self {
        Self {
            task: Mutex::new(None),
            enabled: Arc::new(AtomicBool::new(true)),
            state: Arc::new(Mutex::new(ConnState::Offline)),
        }
    }
}

impl Watcher {
    /// Start watching with `client`, replacing any previous watch (e.g. after re-login).
    /// `opener` runs when the user activates a notification.
    /// `forward` hears every event and every change of the link's state.
    pub fn start(&self, client: Client, opener: Opener, forward: Forward) {
        let state = self.state.clone();
        let forward: Forward = Arc::new(move |f| {
            if let Forwarded::State { state: s } = &f {
                *state.lock().unwrap_or_else(|e| e.into_inner()) = *s;
            }
            forward(f)
        });
        forward(Forwarded::State {
            state: ConnState::Reconnecting,
        });
        let task = tauri::async_runtime::spawn(run(client, opener, forward, self.enabled.clone()));
        if let Some(old) = self.lock().replace(task) {
            old.abort();
        }
    }

    /// Stop watching (logout). Stopping when not started is fine.
    pub fn stop(&self) {
        if let Some(task) = self.lock().take() {
            task.abort();
        }
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = ConnState::Offline;
    }

    /// The link's state now.
    pub fn state(&self) -> ConnState {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Turn notifications on or off; the watch itself goes on either way.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<JoinHandle<()>>> {
        // A panic elsewhere while holding the lock leaves only a handle behind: still usable.
        self.task.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether an event means a complaint finished, and how. Pure, for tests. Every kind is
/// named, so a kind added to the contract does not compile here until it is decided.
pub fn classify(event: &SseEvent) -> Option<(Uuid, Outcome)> {
    let event = match Event::from_parts(&event.kind, &event.data) {
        Ok(e) => e,
        Err(e) => {
            // A newer server's kind or a damaged line: skip it, the stream goes on.
            tracing::warn!(error = %e, "unreadable event skipped");
            return None;
        }
    };
    match event {
        Event::ComplaintEnriched(c) => Some((c.complaint_id, Outcome::Analysed)),
        Event::ComplaintStatusChanged(c) if c.status == ComplaintStatus::Failed => {
            Some((c.complaint_id, Outcome::Failed))
        }
        // Corrections are an officer's edit, not a finished analysis.
        Event::ComplaintStatusChanged(_)
        | Event::ComplaintCreated(_)
        | Event::ComplaintCorrected(_)
        | Event::CaseUpdated(_)
        | Event::ProcessingStats(_)
        // A reporter's reply is not a finished analysis: see `reporter_reply`.
        | Event::ComplaintMessage(_) => None,
    }
}

/// A reporter's reply on a portal complaint whose case is assigned to `me`, as a notice to
/// show. Pure, for tests.
pub fn reporter_reply(event: &SseEvent, me: Uuid) -> Option<Finished> {
    match Event::from_parts(&event.kind, &event.data) {
        Ok(Event::ComplaintMessage(m))
            if m.from == aduan_api::portal::MessageAuthor::Reporter
                && m.assignee_id == Some(me) =>
        {
            Some(Finished {
                id: m.complaint_id,
                reference: m.reference,
                outcome: Outcome::ReporterReplied,
            })
        }
        _ => None,
    }
}

/// Wait before the `failures`-th retry in a row: 1 s, 2 s, 4 s … capped at [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    let secs = 1u64 << failures.saturating_sub(1).min(5);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

/// Both halves of the watcher; aborting the task drops both.
async fn run(client: Client, opener: Opener, forward: Forward, enabled: Arc<AtomicBool>) {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::join!(
        stream_forever(client, tx, forward),
        notify_grouped(rx, opener, enabled)
    );
}

/// Keep the event stream open, reconnecting after every failure.
async fn stream_forever(client: Client, tx: mpsc::UnboundedSender<Finished>, forward: Forward) {
    let mut link = Link {
        forward,
        last_id: None,
        me: None,
        failures: 0,
    };
    loop {
        let result = link.stream_once(&client, &tx).await;
        match result {
            Err(ClientError::Status { status: 401, .. }) => {
                // The session ended (logout elsewhere, expiry): retrying cannot help.
                tracing::info!("event watcher stopped: session no longer valid");
                (link.forward)(Forwarded::State {
                    state: ConnState::Offline,
                });
                return;
            }
            Err(e) => tracing::warn!(error = %e, "event stream failed"),
            Ok(()) => tracing::info!("event stream ended"),
        }
        link.failures += 1;
        let state = if link.failures >= OFFLINE_AFTER {
            ConnState::Offline
        } else {
            ConnState::Reconnecting
        };
        (link.forward)(Forwarded::State { state });
        tokio::time::sleep(backoff(link.failures)).await;
    }
}

/// What survives a reconnect.
struct Link {
    forward: Forward,
    last_id: Option<String>,
    me: Option<Uuid>,
    failures: u32,
}

impl Link {
    /// One connection: read until it ends or fails.
    async fn stream_once(
        &mut self,
        client: &Client,
        tx: &mpsc::UnboundedSender<Finished>,
    ) -> Result<(), ClientError> {
        let me = match self.me {
            Some(me) => me,
            None => *self.me.insert(client.me().await?.id),
        };
        let res = client.events(self.last_id.as_deref()).await?;
        self.failures = 0;
        (self.forward)(Forwarded::State {
            state: ConnState::Live,
        });
        let mut body = res.bytes_stream();
        let mut parser = SseParser::new();
        loop {
            let chunk = match tokio::time::timeout(READ_TIMEOUT, body.next()).await {
                Err(_silent) => return Ok(()),
                Ok(None) => return Ok(()),
                Ok(Some(chunk)) => chunk?,
            };
            for event in parser.feed(&chunk) {
                (self.forward)(Forwarded::Event {
                    kind: event.kind.clone(),
                    data: event.data.clone(),
                    id: event.id.clone(),
                });
                self.handle(client, me, &event, tx).await;
                // Only after handling: a crash mid-event replays it rather than losing it.
                if let Some(id) = &event.id {
                    self.last_id = Some(id.clone());
                }
            }
        }
    }

    /// Forward a finished complaint the user entered to the notifier.
    async fn handle(
        &self,
        client: &Client,
        me: Uuid,
        event: &SseEvent,
        tx: &mpsc::UnboundedSender<Finished>,
    ) {
        if let Some(reply) = reporter_reply(event, me) {
            let _ = tx.send(reply);
            return;
        }
        let Some((id, outcome)) = classify(event) else {
            return;
        };
        // Officers receive every complaint's events; notify only for their own.
        match client.complaint(id).await {
            Ok(c) if c.created_by == Some(me) => {
                let _ = tx.send(Finished {
                    id: c.id,
                    reference: c.reference,
                    outcome,
                });
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, %id, "could not fetch finished complaint"),
        }
    }
}

/// Group finished complaints and show one notification per group.
async fn notify_grouped(
    mut rx: mpsc::UnboundedReceiver<Finished>,
    opener: Opener,
    enabled: Arc<AtomicBool>,
) {
    let mut grouper = Grouper::new();
    loop {
        let next = match grouper.due() {
            None => rx.recv().await,
            Some(due) => tokio::select! {
                item = rx.recv() => item,
                () = tokio::time::sleep_until(due.into()) => {
                    flush(&mut grouper, &opener);
                    continue;
                }
            },
        };
        match next {
            Some(item) if enabled.load(Ordering::Relaxed) => {
                grouper.push(Instant::now(), item);
            }
            Some(_) => {}
            None => return,
        }
    }
}

fn flush(grouper: &mut Grouper, opener: &Opener) {
    let Some(notice) = grouper
        .take_due(Instant::now())
        .and_then(|g| notify::summarise(&g))
    else {
        return;
    };
    // Showing talks D-Bus synchronously; keep it off the async workers.
    let opener = opener.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let open = notice.open;
        if let Err(e) = notify::show(&notice, move || opener(open)) {
            tracing::warn!(error = %e, "could not show notification");
        }
    });
}

#[cfg(test)]
mod tests;
