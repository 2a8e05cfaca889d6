//! Sessions and event tickets.

use aduan_api::account::{Role, User};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::{AuthUser, SessionPolicy};

/// NOTIFY channel telling every instance to drop cached sessions: payload `user:<uuid>` or
/// `session:<hex sha256>`.
pub const CHANNEL: &str = "aduan_sessions";

pub async fn create(
    pool: &PgPool,
    hash: &[u8; 32],
    user: Uuid,
    ip: Option<&str>,
    user_agent: Option<&str>,
    policy: SessionPolicy,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, expires_at, absolute_expires_at, ip,
             user_agent)
         VALUES ($1, $2, now() + least($3, $6), now() + $6, $4, $5) RETURNING expires_at",
    )
    .bind(&hash[..])
    .bind(user)
    .bind(policy.idle)
    .bind(ip)
    .bind(user_agent)
    .bind(policy.lifetime)
    .fetch_one(pool)
    .await
}

/// The user behind a live session, sliding its expiry forward. `None` when the token is
/// unknown, expired, revoked, or its user disabled.
pub async fn resolve(
    pool: &PgPool,
    hash: &[u8; 32],
    policy: SessionPolicy,
) -> Result<Option<AuthUser>, sqlx::Error> {
    let row: Option<(Uuid, String, String, String)> = sqlx::query_as(
        "WITH s AS (
             UPDATE sessions SET expires_at = least(now() + $2, absolute_expires_at)
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
               AND absolute_expires_at > now()
             RETURNING user_id
         )
         SELECT u.id, u.username, u.display_name, u.role FROM s JOIN users u ON u.id = s.user_id
         WHERE NOT u.disabled",
    )
    .bind(&hash[..])
    .bind(policy.idle)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, username, display_name, role)| {
        Some(AuthUser {
            id,
            username,
            display_name,
            role: Role::parse(&role)?,
            session: *hash,
        })
    }))
}

pub async fn revoke(pool: &PgPool, hash: &[u8; 32]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH r AS (UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL)
         SELECT pg_notify($2, 'session:' || encode($1, 'hex'))",
    )
    .bind(&hash[..])
    .bind(CHANNEL)
    .execute(pool)
    .await?;
    Ok(())
}

/// End every session of a user (disabled, password changed, role changed).
pub async fn revoke_user(db: &mut PgConnection, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH r AS (UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL)
         SELECT pg_notify($2, 'user:' || $1::text)",
    )
    .bind(user)
    .bind(CHANNEL)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a session is still live (not revoked, not expired), without using it.
pub async fn is_live(pool: &PgPool, hash: &[u8; 32]) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
               AND s.absolute_expires_at > now()
               AND NOT u.disabled)",
    )
    .bind(&hash[..])
    .fetch_one(pool)
    .await
}

/// Issue a ticket for `session`, unless that session has asked for `per_minute` in the
/// last minute already (`None` then).
pub async fn create_ticket(
    pool: &PgPool,
    hash: &[u8; 32],
    user: Uuid,
    session: &[u8; 32],
    per_minute: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // One at a time per session, so parallel requests cannot pass the count together.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended(encode($1, 'hex'), 7))")
        .bind(&session[..])
        .execute(&mut *tx)
        .await?;
    let recent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM event_tickets
         WHERE session_hash = $1 AND created_at > now() - interval '1 minute'",
    )
    .bind(&session[..])
    .fetch_one(&mut *tx)
    .await?;
    if recent >= per_minute {
        return Ok(None);
    }
    let expires = sqlx::query_scalar(
        "INSERT INTO event_tickets (ticket_hash, user_id, session_hash, expires_at)
         VALUES ($1, $2, $3, now() + $4) RETURNING expires_at",
    )
    .bind(&hash[..])
    .bind(user)
    .bind(&session[..])
    .bind(crate::auth::TICKET_TTL)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(expires))
}

/// Use a ticket (once): the user it was issued to and the session that asked for it, if
/// the ticket is unused and unexpired, that session still live and the user enabled.
pub async fn consume_ticket(
    pool: &PgPool,
    hash: &[u8; 32],
) -> Result<Option<(User, [u8; 32])>, sqlx::Error> {
    let row: Option<(Uuid, Vec<u8>)> = sqlx::query_as(
        "UPDATE event_tickets t SET used_at = now()
         FROM sessions s
         WHERE t.ticket_hash = $1 AND t.used_at IS NULL AND t.expires_at > now()
           AND s.token_hash = t.session_hash AND s.revoked_at IS NULL AND s.expires_at > now()
           AND s.absolute_expires_at > now()
         RETURNING t.user_id, t.session_hash",
    )
    .bind(&hash[..])
    .fetch_optional(pool)
    .await?;
    let Some((id, session)) = row else {
        return Ok(None);
    };
    let Ok(session) = <[u8; 32]>::try_from(session.as_slice()) else {
        return Ok(None);
    };
    let user = super::users::get(pool, id).await?.filter(|u| !u.disabled);
    Ok(user.map(|u| (u, session)))
}

/// Forget sessions and tickets that ended more than a day ago.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let tickets =
        sqlx::query("DELETE FROM event_tickets WHERE expires_at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected();
    let sessions = sqlx::query(
        "DELETE FROM sessions
         WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day'",
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(tickets + sessions)
}
