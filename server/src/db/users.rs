//! The `users` table.

use aduan_api::account::{AssignableUser, Role, User};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    disabled: bool,
    created_at: DateTime<Utc>,
    totp_enabled: bool,
}

impl TryFrom<Row> for User {
    type Error = sqlx::Error;

    fn try_from(r: Row) -> Result<Self, sqlx::Error> {
        Ok(User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: super::known(&r.role, "role", Role::parse)?,
            disabled: r.disabled,
            created_at: r.created_at,
            totp_enabled: r.totp_enabled,
        })
    }
}

const COLUMNS: &str = "id, username, display_name, role, disabled, created_at,
    EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL)
        AS totp_enabled";

/// A user and their password hash, for login.
pub async fn credentials(
    pool: &PgPool,
    username: &str,
) -> Result<Option<(User, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct WithHash {
        #[sqlx(flatten)]
        row: Row,
        password_hash: String,
    }
    let r: Option<WithHash> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE username = $1"
    ))
    .bind(username)
    .fetch_optional(pool)
    .await?;
    r.map(|r| Ok((r.row.try_into()?, r.password_hash)))
        .transpose()
}

pub async fn get<'e>(db: impl sqlx::PgExecutor<'e>, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    let r: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    r.map(TryInto::try_into).transpose()
}

pub async fn list(pool: &PgPool) -> Result<Vec<User>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The active officers and admins, who may be assigned cases, by display name (case
/// folded, so "aminah" sorts beside "Aminah"), then username.
pub async fn assignable(pool: &PgPool) -> Result<Vec<AssignableUser>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "SELECT id, display_name, username, role FROM users
         WHERE NOT disabled AND role IN ('officer', 'admin')
         ORDER BY lower(display_name), username",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, display_name, username, role)| {
            Ok(AssignableUser {
                id,
                display_name,
                username,
                role: super::known(&role, "role", Role::parse)?,
            })
        })
        .collect()
}

/// Insert a user; `Ok(None)` when the username is taken.
pub async fn create(
    db: &mut PgConnection,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> Result<Option<User>, sqlx::Error> {
    let r: Option<Row> = sqlx::query_as(&format!(
        "INSERT INTO users (id, username, display_name, role, password_hash)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(username)
    .bind(display_name)
    .bind(role.as_str())
    .bind(password_hash)
    .fetch_optional(db)
    .await?;
    r.map(TryInto::try_into).transpose()
}

/// Apply the given changes; `None` when the user does not exist.
pub async fn update(
    db: &mut PgConnection,
    id: Uuid,
    display_name: Option<&str>,
    role: Option<Role>,
    disabled: Option<bool>,
    password_hash: Option<&str>,
) -> Result<Option<User>, sqlx::Error> {
    let r: Option<Row> = sqlx::query_as(&format!(
        "UPDATE users SET display_name = coalesce($2, display_name), role = coalesce($3, role),
             disabled = coalesce($4, disabled), password_hash = coalesce($5, password_hash),
             updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(display_name)
    .bind(role.map(Role::as_str))
    .bind(disabled)
    .bind(password_hash)
    .fetch_optional(db)
    .await?;
    r.map(TryInto::try_into).transpose()
}
