//! The `desktop_releases` table: desktop builds published for the app's updater.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// One published build.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Release {
    pub id: Uuid,
    pub target: String,
    pub version: String,
    pub notes: String,
    pub signature: String,
    pub filename: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<String>,
}

const COLUMNS: &str = "id, target, version, notes, signature, filename, sha256, size_bytes, \
                       published_at, published_by";

/// Insert `r` (its `published_at` is the database's now). `None` when that version is
/// already published for that target.
pub async fn insert(conn: &mut PgConnection, r: &Release) -> Result<Option<Release>, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO desktop_releases (id, target, version, notes, signature, filename, sha256,
             size_bytes, published_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (target, version) DO NOTHING
         RETURNING {COLUMNS}"
    ))
    .bind(r.id)
    .bind(&r.target)
    .bind(&r.version)
    .bind(&r.notes)
    .bind(&r.signature)
    .bind(&r.filename)
    .bind(&r.sha256)
    .bind(r.size_bytes)
    .bind(&r.published_by)
    .fetch_optional(conn)
    .await
}

/// Every build published for any of `targets`, those of the first target first. Few rows
/// (a handful per release), so the caller compares versions itself: semver order is not
/// text order.
pub async fn for_targets(pool: &PgPool, targets: &[String]) -> Result<Vec<Release>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM desktop_releases WHERE target = ANY($1)
         ORDER BY array_position($1, target), published_at DESC"
    ))
    .bind(targets)
    .fetch_all(pool)
    .await
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Release>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM desktop_releases WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}
