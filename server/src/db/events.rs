//! The `events` table: the durable log behind `GET /api/v1/events`, so a client that
//! reconnects with `Last-Event-ID` catches up on what it missed.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// The NOTIFY channel every instance LISTENs on.
pub const CHANNEL: &str = "aduan_events";

/// One event as stored and as carried by NOTIFY.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    /// The intake user the event concerns (the complaint's creator), if any.
    pub owner_id: Option<Uuid>,
    pub data: serde_json::Value,
}

/// Events after `after_id`, oldest first, for a resuming client.
pub async fn since(pool: &PgPool, after_id: i64, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, kind, owner_id, data FROM events WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Delete events older than `before`; returns how many.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM events WHERE at < $1")
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected())
}
