//! `GET /api/v1/events`: Server-Sent Events. A client resuming with `Last-Event-ID` first
//! gets what it missed from the event log, then live events.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures::{Stream, StreamExt};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use super::access::{Access, Routes};
use super::{ApiResult, AppState};
use crate::auth::AuthUser;
use crate::db::events::{self, EventRow};
use crate::events::{Cursor, Frontier};
use aduan_api::account::Role;
use aduan_api::event::{Event as ApiEvent, ProcessingStatsEvent};

/// How often admins get `processing.stats`.
const STATS_EVERY: Duration = Duration::from_secs(5);

/// How often a stream checks that its session has not expired.
const SESSION_CHECK: Duration = Duration::from_secs(10);

/// Most missed events replayed by one stream; a client further behind gets them over
/// several resumes.
const REPLAY_LIMIT: i64 = 10_000;

pub fn routes() -> Routes {
    Routes::default().add(Method::GET, "/events", Access::AnyUser, get(stream))
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// Same as the `Last-Event-ID` header, for clients that cannot set headers.
    last_event_id: Option<String>,
}

/// The event stream (`text/event-stream`). Each event's SSE id is the stream's position
/// after it ([`Cursor::sse_id`]): sent back as `Last-Event-ID`, on any instance, it replays
/// exactly what the client has not seen, including events that committed late.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses((status = 200, content_type = "text/event-stream", body = aduan_api::event::Event,
        description = "`event:` is the kind (complaint.created, complaint.status_changed, complaint.enriched, complaint.corrected, case.updated, processing.stats), `data:` its JSON, `id:` the position to resume from with `Last-Event-ID`")))]
pub async fn stream(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(q.last_event_id)
        .and_then(|v| Cursor::parse(&v));
    // Subscribe before reading the log (or the tail's position) so nothing falls between.
    let live = BroadcastStream::new(state.events.subscribe());
    // Intake staff see only events about complaints they entered.
    let only_own = user.only_own();
    let visible = move |e: &EventRow| only_own.is_none() || e.owner_id == only_own;
    let now = Instant::now();
    let (mut at, replay, complete) = match resume {
        Some(from) => {
            let (ids, rows) =
                events::after_with_gaps(&state.pool, from.high, &from.gaps, REPLAY_LIMIT).await?;
            let complete = ids.iter().filter(|&&id| id > from.high).count() < REPLAY_LIMIT as usize;
            let mut at = Frontier::at(&from, now);
            let mut rows = rows.into_iter().peekable();
            let mut out = Vec::new();
            for id in ids {
                at.advance(id, now);
                if let Some(row) = rows.next_if(|r| r.id == id) {
                    if visible(&row) {
                        out.push(to_sse(&row, &at.cursor()));
                    }
                }
            }
            (at, out, complete)
        }
        None => (
            Frontier::at(&state.events.position(), now),
            Vec::new(),
            true,
        ),
    };
    let replay = futures::stream::iter(replay).map(Ok::<_, Infallible>);
    // A subscriber that fell behind the buffer would miss events: its stream ends instead,
    // and the client resumes from the log with `Last-Event-ID`.
    let live = live
        .take_while(|item| {
            if item.is_err() {
                tracing::info!("event stream fell behind; closing it so the client resumes");
            }
            futures::future::ready(item.is_ok())
        })
        // Every event moves the position, shown or not; one already read (replayed, or
        // at or below where the stream started) is not sent again.
        .filter_map(move |item| {
            let out = match item {
                Ok(e) => {
                    let now = Instant::now();
                    at.expire(now);
                    let news = at.advance(e.id, now);
                    (news && visible(&e)).then(|| Ok(to_sse(&e, &at.cursor())))
                }
                Err(_) => None,
            };
            futures::future::ready(out)
        });
    // A replay cut at its limit ends the stream: the client resumes from its last event.
    let live = if complete {
        live.left_stream()
    } else {
        futures::stream::empty().right_stream()
    };
    let shutdown = state.shutdown.clone();
    let changes = replay.chain(live);
    // Admins also get the processing figures every few seconds (not logged, no id).
    let stats = if user.role == Role::Admin && complete {
        processing_stats(state.clone()).left_stream()
    } else {
        futures::stream::empty().right_stream()
    };
    let ended = session_ended(state.clone(), user);
    let body = futures::stream::select(changes, stats)
        .take_until(async move { shutdown.cancelled().await })
        .take_until(ended);
    Ok(Sse::new(body).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// `processing.stats` every [`STATS_EVERY`], skipping a beat when the database is down.
fn processing_stats(state: AppState) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(state, |state| async move {
        loop {
            tokio::time::sleep(STATS_EVERY).await;
            if let Ok(stats) = super::processing::read_status(&state).await {
                let at = chrono::Utc::now();
                let event = ApiEvent::ProcessingStats(Box::new(ProcessingStatsEvent { at, stats }));
                let sse = Event::default()
                    .event(event.kind().as_str())
                    .data(event.data_json());
                return Some((Ok(sse), state));
            }
        }
    })
}

/// Resolves when the session behind a stream ends: at once on a revocation (logout,
/// disabling, a role change, a new password; on any instance), and by expiry within
/// [`SESSION_CHECK`], so nobody keeps receiving complaints after losing the right to.
async fn session_ended(state: AppState, user: AuthUser) {
    use tokio::sync::broadcast::error::RecvError;
    let mut revoked = state.sessions.revocations();
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.tick().await;
    loop {
        tokio::select! {
            notice = revoked.recv() => match notice {
                Ok(r) if r.ends(&user) => return,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = check.tick() => {
                if let Ok(false) = crate::db::sessions::is_live(&state.pool, &user.session).await {
                    return;
                }
            }
        }
    }
}

fn to_sse(e: &EventRow, at: &Cursor) -> Event {
    Event::default()
        .id(at.sse_id(e.id))
        .event(e.event.kind().as_str())
        .data(e.event.data_json())
}
