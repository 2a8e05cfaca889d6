//! The shared processing settings (worker bound, pause), and the expected wait derived from
//! the jobs' figures (`queue::jobs::figures`).

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

/// Expected wait for a complaint submitted now: the jobs ahead of it drain at `limit` per
/// median call, then its own call takes a median call. With no history yet, a median of
/// `default_call_s` is assumed.
pub fn eta_seconds(waiting: i64, limit: u32, p50_ms: f64, default_call_s: f64) -> f64 {
    let call_s = if p50_ms > 0.0 {
        p50_ms / 1000.0
    } else {
        default_call_s
    };
    let rounds = (waiting as f64 / f64::from(limit.max(1))).floor();
    (rounds + 1.0) * call_s
}

#[cfg(test)]
mod tests {
    use super::eta_seconds;

    #[test]
    fn eta_counts_rounds_of_the_limit() {
        assert_eq!(eta_seconds(0, 16, 4000.0, 1.0), 4.0);
        assert_eq!(eta_seconds(15, 16, 4000.0, 1.0), 4.0);
        assert_eq!(eta_seconds(32, 16, 4000.0, 1.0), 12.0);
        assert_eq!(eta_seconds(10, 16, 0.0, 2.0), 2.0);
    }
}
