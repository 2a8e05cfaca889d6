//! The reporter portal's tables: challenges, receipts, reporter sessions and the public
//! listener's throttles. A report's receipt is written with its complaint
//! ([`super::intake`]); the thread's messages are in [`super::messages`].

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Store a new challenge.
pub async fn new_challenge(
    pool: &PgPool,
    id: Uuid,
    prefix: &str,
    difficulty: u8,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO portal_challenges (id, prefix, difficulty, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(prefix)
    .bind(i32::from(difficulty))
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// A challenge taken out of the table: whoever deletes it first has it, on any instance.
pub struct Consumed {
    pub prefix: String,
    pub difficulty: u8,
    pub expired: bool,
}

/// Take challenge `id` (once): `None` when unknown or already taken.
pub async fn consume_challenge(pool: &PgPool, id: Uuid) -> Result<Option<Consumed>, sqlx::Error> {
    let row: Option<(String, i32, bool)> = sqlx::query_as(
        "DELETE FROM portal_challenges WHERE id = $1
         RETURNING prefix, difficulty, expires_at < now()",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(prefix, difficulty, expired)| Consumed {
        prefix,
        difficulty: difficulty.clamp(0, 64) as u8,
        expired,
    }))
}

/// The complaint and receipt hash a lookup value finds.
pub async fn find_receipt(
    pool: &PgPool,
    lookup: &[u8; 16],
) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as("SELECT complaint_id, receipt_hash FROM portal_reports WHERE lookup = $1")
        .bind(&lookup[..])
        .fetch_optional(pool)
        .await
}

/// Whether a complaint came through the portal.
pub async fn is_portal(pool: &PgPool, complaint_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM portal_reports WHERE complaint_id = $1)")
        .bind(complaint_id)
        .fetch_one(pool)
        .await
}

/// Start a reporter session.
pub async fn new_session(
    pool: &PgPool,
    token_hash: &[u8; 32],
    complaint_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO portal_sessions (token_hash, complaint_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(&token_hash[..])
    .bind(complaint_id)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The complaint of a live reporter session.
pub async fn session(pool: &PgPool, token_hash: &[u8; 32]) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT complaint_id FROM portal_sessions WHERE token_hash = $1 AND expires_at > now()",
    )
    .bind(&token_hash[..])
    .fetch_optional(pool)
    .await
}

/// The state of one throttle after a hit.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub hits: i32,
    /// Seconds until the window ends.
    pub remaining_s: i64,
}

/// Count a hit in `bucket`: a window of `window_s` seconds starts with the first hit
/// after the previous one ended. One statement, so concurrent hits on any instance count
/// exactly.
pub async fn hit(pool: &PgPool, bucket: &[u8], window_s: i64) -> Result<Window, sqlx::Error> {
    let (hits, remaining_s): (i32, f64) = sqlx::query_as(
        "INSERT INTO portal_limits AS l (bucket, started_at, hits) VALUES ($1, now(), 1)
         ON CONFLICT (bucket) DO UPDATE SET
             started_at = CASE WHEN l.started_at <= now() - make_interval(secs => $2)
                               THEN now() ELSE l.started_at END,
             hits = CASE WHEN l.started_at <= now() - make_interval(secs => $2)
                         THEN 1 ELSE l.hits + 1 END
         RETURNING hits, extract(epoch FROM started_at + make_interval(secs => $2) - now())::float8",
    )
    .bind(bucket)
    .bind(window_s as f64)
    .fetch_one(pool)
    .await?;
    Ok(Window {
        hits,
        remaining_s: remaining_s.ceil().max(1.0) as i64,
    })
}

/// Take back one hit of `bucket` (an attempt that turned out well).
pub async fn refund(pool: &PgPool, bucket: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE portal_limits SET hits = greatest(hits - 1, 0) WHERE bucket = $1")
        .bind(bucket)
        .execute(pool)
        .await?;
    Ok(())
}

/// The hits counted in `bucket`'s current window, without counting one.
pub async fn peek(pool: &PgPool, bucket: &[u8], window_s: i64) -> Result<Window, sqlx::Error> {
    let row: Option<(i32, f64)> = sqlx::query_as(
        "SELECT hits, extract(epoch FROM started_at + make_interval(secs => $2) - now())::float8
         FROM portal_limits WHERE bucket = $1 AND started_at > now() - make_interval(secs => $2)",
    )
    .bind(bucket)
    .bind(window_s as f64)
    .fetch_optional(pool)
    .await?;
    Ok(row.map_or(
        Window {
            hits: 0,
            remaining_s: 0,
        },
        |(hits, remaining)| Window {
            hits,
            remaining_s: remaining.ceil().max(1.0) as i64,
        },
    ))
}

/// Forget expired challenges and sessions, and throttle windows over a day old.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let n = sqlx::query(
        "WITH a AS (DELETE FROM portal_challenges WHERE expires_at < now() - interval '1 hour'
                    RETURNING 1),
              b AS (DELETE FROM portal_sessions WHERE expires_at < now() RETURNING 1),
              c AS (DELETE FROM portal_limits WHERE started_at < now() - interval '1 day'
                    RETURNING 1)
         SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM c)",
    )
    .execute(pool)
    .await?;
    Ok(n.rows_affected())
}
