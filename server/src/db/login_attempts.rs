//! The `login_attempts` table: the sign-in throttle's memory, shared by every instance.
//! An attempt is written before its password is checked and removed only when it succeeds,
//! so attempts in flight count like failures.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// What the throttle knows of one sign-in, read and recorded in one step.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    /// Failed (or unfinished) attempts for this account from this address in the window.
    pub here: i64,
    /// The newest of those.
    pub last_here: Option<DateTime<Utc>>,
    /// Failed attempts from this address for any account in the window.
    pub from_address: i64,
    /// The oldest of those.
    pub first_from_address: Option<DateTime<Utc>>,
}

/// Read what is known of (`account`, `ip`) within `window` and, when `admit` allows the
/// attempt, record it; `Ok((seen, Some(id)))` then. Serialised per account and per address
/// (advisory locks), so parallel attempts each see the ones before them.
pub async fn admit(
    pool: &PgPool,
    account: &str,
    ip: &str,
    window: chrono::Duration,
    admit: impl FnOnce(&Seen) -> bool,
) -> Result<(Seen, Option<i64>), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('login-ip:' || $2, 0)),
                pg_advisory_xact_lock(hashtextextended('login-account:' || $1, 0))",
    )
    .bind(account)
    .bind(ip)
    .execute(&mut *tx)
    .await?;
    let (here, last_here, from_address, first_from_address) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE account = $1), max(at) FILTER (WHERE account = $1),
                count(*), min(at)
         FROM login_attempts WHERE ip = $2 AND at > now() - $3",
    )
    .bind(account)
    .bind(ip)
    .bind(window)
    .fetch_one(&mut *tx)
    .await?;
    let seen = Seen {
        here,
        last_here,
        from_address,
        first_from_address,
    };
    if !admit(&seen) {
        return Ok((seen, None));
    }
    let id =
        sqlx::query_scalar("INSERT INTO login_attempts (account, ip) VALUES ($1, $2) RETURNING id")
            .bind(account)
            .bind(ip)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok((seen, Some(id)))
}

/// A successful sign-in: this account's attempts from this address are forgiven (those
/// from other addresses are not).
pub async fn succeeded(pool: &PgPool, account: &str, ip: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_attempts WHERE account = $1 AND ip = $2")
        .bind(account)
        .bind(ip)
        .execute(pool)
        .await?;
    Ok(())
}

/// Undo an attempt whose password was never checked (the instance was too busy).
pub async fn forget(pool: &PgPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_attempts WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Attempts older than a day matter to no window: forget them.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM login_attempts WHERE at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
