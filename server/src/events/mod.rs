//! Change events: every instance LISTENs on PostgreSQL and fans what it hears out to its
//! SSE clients and its queue, so a client on any instance sees every change and a complaint
//! entered on one instance wakes the workers of all.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::db::events::{EventRow, CHANNEL};
use crate::db::sessions::CHANNEL as SESSIONS;

/// Slow SSE clients that fall this far behind skip ahead (and can resume from the log).
const BUFFER: usize = 4096;

#[derive(Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<EventRow>>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            tx: broadcast::channel(BUFFER).0,
        }
    }
}

impl EventHub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<EventRow>> {
        self.tx.subscribe()
    }

    pub fn publish(&self, event: EventRow) {
        let _ = self.tx.send(Arc::new(event));
    }
}

/// LISTEN until `stop`, reconnecting after database outages. `on_event` runs for each
/// event before it is broadcast (the queue uses it as a wake-up hint); `on_session` gets
/// the payloads of session revocations (the session cache drops them).
pub async fn listen(
    pool: PgPool,
    hub: EventHub,
    on_event: impl Fn(&EventRow) + Send + 'static,
    on_session: impl Fn(&str) + Send + 'static,
    stop: CancellationToken,
) {
    loop {
        let mut listener = match connect(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN connection failed; retrying");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        loop {
            let next = tokio::select! {
                _ = stop.cancelled() => return,
                n = listener.try_recv() => n,
            };
            match next {
                Ok(Some(n)) if n.channel() == SESSIONS => on_session(n.payload()),
                Ok(Some(n)) => match serde_json::from_str::<EventRow>(n.payload()) {
                    Ok(event) => {
                        on_event(&event);
                        hub.publish(event);
                    }
                    Err(e) => tracing::warn!(error = %e, "ignoring a malformed event"),
                },
                // The connection dropped: notifications may have been missed. Workers poll
                // anyway; SSE clients catch up from the event log when they reconnect.
                Ok(None) => tracing::warn!("LISTEN connection lost; reconnecting"),
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN failed; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([CHANNEL, SESSIONS]).await?;
    Ok(listener)
}
