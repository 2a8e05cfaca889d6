//! Change events. Writers append to the `events` table in the same statement as the change
//! and then call [`EventHub::changed`]; a coalescing notifier sends one payload-less NOTIFY
//! for a whole burst, and every instance (this one included) tails the table by id and
//! fans new events out to its SSE clients and its queue. A NOTIFY inside each write would
//! take PostgreSQL's global notify lock until commit and serialise every intake.

mod cursor;
mod tail;

pub use cursor::{Cursor, Frontier};
pub use tail::Tail;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

use crate::db::events::{EventRow, CHANNEL};
use crate::db::sessions::CHANNEL as SESSIONS;

/// Slow SSE clients that fall this far behind skip ahead (and can resume from the log).
const BUFFER: usize = 4096;
/// At most one NOTIFY per this interval while changes keep coming.
const COALESCE: Duration = Duration::from_millis(10);
/// The table is tailed at least this often, in case a notification was missed.
const POLL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<EventRow>>,
    changed: Arc<Notify>,
    generation: Generation,
    /// Where the tail stands, set before each broadcast: a new stream starts here.
    position: Arc<Mutex<Cursor>>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            tx: broadcast::channel(BUFFER).0,
            changed: Arc::new(Notify::new()),
            generation: Generation::default(),
            position: Arc::default(),
        }
    }
}

/// A counter of complaint changes this instance knows of, for caches of derived data: it
/// moves on every local write (before any instance has read the log, so a writer's next
/// read here is fresh) and on every complaint event tailed from the log (writes of any
/// instance). A value computed after reading generation `g` reflects every change counted
/// up to `g`.
#[derive(Clone, Default)]
pub struct Generation(Arc<AtomicU64>);

impl Generation {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl EventHub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<EventRow>> {
        self.tx.subscribe()
    }

    /// New rows were committed to `events`: tell every instance (coalesced). The writer
    /// does not say what changed, so local caches are invalidated whatever it was.
    pub fn changed(&self) {
        self.generation.bump();
        self.changed.notify_one();
    }

    /// Where the tail stands. Read after subscribing: events broadcast in between are at
    /// or below it and read as already seen, so a new stream neither misses nor repeats.
    pub fn position(&self) -> Cursor {
        self.position.lock().expect("position lock").clone()
    }

    /// The change counter caches compare against.
    pub fn generation(&self) -> Generation {
        self.generation.clone()
    }
}

/// Run the notifier and `tail` until `stop`. `on_event` runs for each new event before it
/// is broadcast (the queue uses it as a wake-up hint); `on_session` gets the payloads of
/// session revocations (the session cache drops them). The tail is started by the caller
/// before it serves, so no event committed after the first request is missed.
pub async fn run(
    pool: PgPool,
    hub: EventHub,
    mut tail: Tail,
    on_event: impl Fn(&EventRow) + Send + 'static,
    on_session: impl Fn(&str) + Send + 'static,
    stop: CancellationToken,
) {
    *hub.position.lock().expect("position lock") = tail.position();
    tokio::spawn(notify_changes(
        pool.clone(),
        hub.changed.clone(),
        stop.clone(),
    ));
    loop {
        let mut listener = match connect(&pool).await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN connection failed; polling meanwhile");
                None
            }
        };
        loop {
            let woke = tokio::select! {
                _ = stop.cancelled() => return,
                n = async { listener.as_mut().expect("listener").try_recv().await }, if listener.is_some() => Some(n),
                _ = tokio::time::sleep(POLL) => None,
            };
            match woke {
                Some(Ok(Some(n))) if n.channel() == SESSIONS => {
                    on_session(n.payload());
                    continue;
                }
                Some(Ok(Some(_))) | None => {}
                // Lost the connection: notifications may have been missed; the tail below
                // catches up, and we reconnect.
                Some(Ok(None)) | Some(Err(_)) => {
                    tracing::warn!("LISTEN connection lost; reconnecting");
                    listener = None;
                }
            }
            match tail.poll(&pool).await {
                Ok(events) => {
                    *hub.position.lock().expect("position lock") = tail.position();
                    if events.iter().any(|e| e.event.kind().is_complaint()) {
                        hub.generation.bump();
                    }
                    for event in events {
                        on_event(&event);
                        let _ = hub.tx.send(Arc::new(event));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "reading the event log failed"),
            }
            if listener.is_none() {
                break;
            }
        }
    }
}

/// One payload-less NOTIFY per burst of changes.
async fn notify_changes(pool: PgPool, changed: Arc<Notify>, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = changed.notified() => {},
        }
        if let Err(e) = sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&pool)
            .await
        {
            tracing::debug!(error = %e, "NOTIFY failed; other instances will poll");
        }
        tokio::time::sleep(COALESCE).await;
    }
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([CHANNEL, SESSIONS]).await?;
    Ok(listener)
}
