//! The `events` table: the durable log behind `GET /api/v1/events`, so a client that
//! reconnects with `Last-Event-ID` catches up on what it missed.

use aduan_api::event::Event;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// The NOTIFY channel every instance LISTENs on.
pub const CHANNEL: &str = "aduan_events";

/// One logged event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: i64,
    /// The intake user the event concerns (the complaint's creator), if any.
    pub owner_id: Option<Uuid>,
    pub event: Event,
}

/// A row as stored; its data is read as text and parsed once into the typed event.
#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    kind: String,
    owner_id: Option<Uuid>,
    data: String,
}

const COLUMNS: &str = "id, kind, owner_id, data::text AS data";

/// Parse stored rows. Every writer uses the typed kinds, so a row that does not parse was
/// written by a different version of the server: it is logged and skipped, not sent.
fn typed(rows: Vec<Raw>) -> Vec<EventRow> {
    rows.into_iter()
        .filter_map(|r| match Event::from_parts(&r.kind, &r.data) {
            Ok(event) => Some(EventRow {
                id: r.id,
                owner_id: r.owner_id,
                event,
            }),
            Err(e) => {
                tracing::error!(id = r.id, error = %e, "unreadable event in the log; skipped");
                None
            }
        })
        .collect()
}

/// The newest id in the log (0 when empty).
pub async fn last_id(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM events")
        .fetch_one(pool)
        .await
}

/// Up to `limit` events after `after_id`, and those of `gaps` (ids at or below it that were
/// skipped because their transaction had not committed yet), oldest first. The second
/// element is the highest id read, parsed or not, so an unreadable row is not read again.
pub async fn after_with_gaps(
    pool: &PgPool,
    after_id: i64,
    gaps: &[i64],
    limit: i64,
) -> Result<(Vec<i64>, Vec<EventRow>), sqlx::Error> {
    let rows: Vec<Raw> = sqlx::query_as(&format!(
        // Two index range/lookups, not `id > $1 OR id = ANY($2)`: PostgreSQL answers that OR
        // by filtering every row of the table.
        "(SELECT {COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $3)
         UNION ALL
         (SELECT {COLUMNS} FROM events WHERE id = ANY($2) AND id <= $1)
         ORDER BY id"
    ))
    .bind(after_id)
    .bind(gaps)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let ids = rows.iter().map(|r| r.id).collect();
    Ok((ids, typed(rows)))
}

/// Delete events older than `before`; returns how many.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM events WHERE at < $1")
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected())
}
