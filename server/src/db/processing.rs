//! The shared processing settings (worker bound, pause). The expected wait is the capacity
//! planner's (`capacity::eta_for_new_complaint`).

use sqlx::{PgConnection, PgPool};

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Settings {
    pub concurrency: i32,
    pub paused: bool,
}

pub async fn settings(pool: &PgPool) -> Result<Settings, sqlx::Error> {
    sqlx::query_as("SELECT concurrency, paused FROM processing_settings WHERE id = 1")
        .fetch_one(pool)
        .await
}

pub async fn update_settings(
    db: &mut PgConnection,
    concurrency: Option<i32>,
    paused: Option<bool>,
) -> Result<Settings, sqlx::Error> {
    sqlx::query_as(
        "UPDATE processing_settings SET concurrency = coalesce($1, concurrency),
             paused = coalesce($2, paused), updated_at = now()
         WHERE id = 1 RETURNING concurrency, paused",
    )
    .bind(concurrency)
    .bind(paused)
    .fetch_one(db)
    .await
}
