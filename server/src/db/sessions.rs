//! Sessions, event tickets and failed-login records.

use aduan_api::account::{Role, User};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::{AuthUser, SESSION_TTL};

/// NOTIFY channel telling every instance to drop cached sessions: payload `user:<uuid>` or
/// `session:<hex sha256>`.
pub const CHANNEL: &str = "aduan_sessions";

pub async fn create(
    pool: &PgPool,
    hash: &[u8; 32],
    user: Uuid,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent)
         VALUES ($1, $2, now() + $3, $4, $5) RETURNING expires_at",
    )
    .bind(&hash[..])
    .bind(user)
    .bind(SESSION_TTL)
    .bind(ip)
    .bind(user_agent)
    .fetch_one(pool)
    .await
}

/// The user behind a live session, sliding its expiry forward. `None` when the token is
/// unknown, expired, revoked, or its user disabled.
pub async fn resolve(pool: &PgPool, hash: &[u8; 32]) -> Result<Option<AuthUser>, sqlx::Error> {
    let row: Option<(Uuid, String, String, String)> = sqlx::query_as(
        "WITH s AS (
             UPDATE sessions SET expires_at = now() + $2
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
             RETURNING user_id
         )
         SELECT u.id, u.username, u.display_name, u.role FROM s JOIN users u ON u.id = s.user_id
         WHERE NOT u.disabled",
    )
    .bind(&hash[..])
    .bind(SESSION_TTL)
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

pub async fn create_ticket(
    pool: &PgPool,
    hash: &[u8; 32],
    user: Uuid,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO event_tickets (ticket_hash, user_id, expires_at) VALUES ($1, $2, now() + $3)
         RETURNING expires_at",
    )
    .bind(&hash[..])
    .bind(user)
    .bind(crate::auth::TICKET_TTL)
    .fetch_one(pool)
    .await
}

/// Use a ticket (once): the user it was issued to, if it is unused, unexpired and the user
/// still enabled.
pub async fn consume_ticket(pool: &PgPool, hash: &[u8; 32]) -> Result<Option<User>, sqlx::Error> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE event_tickets SET used_at = now()
         WHERE ticket_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id",
    )
    .bind(&hash[..])
    .fetch_optional(pool)
    .await?;
    match id {
        Some(id) => Ok(super::users::get(pool, id).await?.filter(|u| !u.disabled)),
        None => Ok(None),
    }
}
