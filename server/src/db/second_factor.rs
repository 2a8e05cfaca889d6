//! The second factor's tables: `user_totp`, `totp_recovery_codes`, `login_challenges` and
//! `totp_required_roles`.

use aduan_api::account::Role;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::totp_key::TotpKey;

/// A user's TOTP secret as stored, and where it stands.
#[derive(Debug, Clone)]
pub struct Totp {
    pub secret: Stored,
    pub confirmed: bool,
    pub last_step: i64,
}

/// A secret as stored: sealed ([`TotpKey`]), or plain until the server seals it at start.
#[derive(Debug, Clone)]
pub enum Stored {
    Sealed(Vec<u8>),
    Plain(Vec<u8>),
}

impl Stored {
    /// The secret itself; `None` when it does not open with `key`.
    pub fn open(&self, key: &TotpKey, user: Uuid) -> Option<Vec<u8>> {
        match self {
            Stored::Sealed(s) => key.open(user, s),
            Stored::Plain(s) => Some(s.clone()),
        }
    }
}

/// `user_totp` as read.
#[derive(sqlx::FromRow)]
struct TotpRow {
    secret: Vec<u8>,
    sealed: bool,
    confirmed_at: Option<DateTime<Utc>>,
    last_step: i64,
}

pub async fn totp(db: &mut PgConnection, user: Uuid) -> Result<Option<Totp>, sqlx::Error> {
    let row: Option<TotpRow> = sqlx::query_as(
        "SELECT secret, sealed, confirmed_at, last_step FROM user_totp
         WHERE user_id = $1 FOR UPDATE",
    )
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Totp {
        secret: if r.sealed {
            Stored::Sealed(r.secret)
        } else {
            Stored::Plain(r.secret)
        },
        confirmed: r.confirmed_at.is_some(),
        last_step: r.last_step,
    }))
}

/// Start (or restart) an enrolment with a new secret, sealed; `false` when a confirmed one
/// exists.
pub async fn begin(db: &mut PgConnection, user: Uuid, sealed: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO user_totp (user_id, secret, sealed) VALUES ($1, $2, true)
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, sealed = true,
             created_at = now()
             WHERE user_totp.confirmed_at IS NULL",
    )
    .bind(user)
    .bind(sealed)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Seal the secrets still stored plain; returns how many. Each row is sealed only if it is
/// still plain, so instances starting together do not seal one twice.
pub async fn seal_plain(pool: &PgPool, key: &TotpKey) -> Result<u64, sqlx::Error> {
    let plain: Vec<(Uuid, Vec<u8>)> =
        sqlx::query_as("SELECT user_id, secret FROM user_totp WHERE NOT sealed")
            .fetch_all(pool)
            .await?;
    let mut sealed = 0;
    for (user, secret) in plain {
        sealed += sqlx::query(
            "UPDATE user_totp SET secret = $3, sealed = true
             WHERE user_id = $1 AND secret = $2 AND NOT sealed",
        )
        .bind(user)
        .bind(&secret)
        .bind(key.seal(user, &secret))
        .execute(pool)
        .await?
        .rows_affected();
    }
    Ok(sealed)
}

/// A code for `step` was accepted: confirm the secret if new, and remember the step.
pub async fn accepted(db: &mut PgConnection, user: Uuid, step: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_totp SET last_step = $2, confirmed_at = coalesce(confirmed_at, now())
         WHERE user_id = $1",
    )
    .bind(user)
    .bind(step)
    .execute(db)
    .await?;
    Ok(())
}

/// Replace the user's recovery codes.
pub async fn set_recovery_codes(
    db: &mut PgConnection,
    user: Uuid,
    hashes: &[[u8; 32]],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_recovery_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut *db)
        .await?;
    let hashes: Vec<Vec<u8>> = hashes.iter().map(|h| h.to_vec()).collect();
    sqlx::query(
        "INSERT INTO totp_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])",
    )
    .bind(user)
    .bind(hashes)
    .execute(db)
    .await?;
    Ok(())
}

/// Use an unused recovery code; `false` when there is none such.
pub async fn use_recovery_code(
    db: &mut PgConnection,
    user: Uuid,
    hash: &[u8; 32],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE totp_recovery_codes SET used_at = now()
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(&hash[..])
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Recovery codes the user has left.
pub async fn recovery_codes_left(db: &mut PgConnection, user: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user)
    .fetch_one(db)
    .await
}

/// Remove the user's second factor (an admin's reset); `false` when there was none.
pub async fn remove(db: &mut PgConnection, user: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM totp_recovery_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut *db)
        .await?;
    let done = sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
        .bind(user)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A challenge between the password and the second factor.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub user_id: Uuid,
    pub enrol: bool,
}

pub async fn create_challenge(
    pool: &PgPool,
    hash: &[u8; 32],
    user: Uuid,
    ip: &str,
    enrol: bool,
    ttl: chrono::Duration,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO login_challenges (challenge_hash, user_id, ip, enrol, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5) RETURNING expires_at",
    )
    .bind(&hash[..])
    .bind(user)
    .bind(ip)
    .bind(enrol)
    .bind(ttl)
    .fetch_one(pool)
    .await
}

/// The live challenge with this hash from this address, locked for the caller's
/// transaction.
pub async fn challenge(
    db: &mut PgConnection,
    hash: &[u8; 32],
    ip: &str,
) -> Result<Option<Challenge>, sqlx::Error> {
    let row: Option<(Uuid, bool)> = sqlx::query_as(
        "SELECT user_id, enrol FROM login_challenges
         WHERE challenge_hash = $1 AND ip = $2 AND used_at IS NULL AND expires_at > now()
         FOR UPDATE",
    )
    .bind(&hash[..])
    .bind(ip)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(user_id, enrol)| Challenge { user_id, enrol }))
}

pub async fn use_challenge(db: &mut PgConnection, hash: &[u8; 32]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_challenges SET used_at = now() WHERE challenge_hash = $1")
        .bind(&hash[..])
        .execute(db)
        .await?;
    Ok(())
}

pub async fn prune_challenges(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM login_challenges WHERE expires_at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// The roles that must sign in with a second factor.
pub async fn required_roles<'e>(db: impl sqlx::PgExecutor<'e>) -> Result<Vec<Role>, sqlx::Error> {
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT role FROM totp_required_roles ORDER BY role")
            .fetch_all(db)
            .await?;
    roles
        .iter()
        .map(|r| super::known(r, "role", Role::parse))
        .collect()
}

pub async fn set_required_roles(db: &mut PgConnection, roles: &[Role]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_required_roles")
        .execute(&mut *db)
        .await?;
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    sqlx::query("INSERT INTO totp_required_roles (role) SELECT unnest($1::text[])")
        .bind(names)
        .execute(db)
        .await?;
    Ok(())
}
