//! Processing settings and the figures of the admin processing panel, read across all
//! instances from the jobs table.

use aduan_api::processing::{Latency, QueueDepth};
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

/// Queue depth by state and the age of the oldest due job.
pub async fn depth(pool: &PgPool) -> Result<QueueDepth, sqlx::Error> {
    let row: (i64, i64, i64, i64, f64) = sqlx::query_as(
        "SELECT
            count(*) FILTER (WHERE state = 'queued'),
            count(*) FILTER (WHERE state = 'running' AND lease_until > now()),
            count(*) FILTER (WHERE state = 'retrying'),
            (SELECT count(*) FROM complaints WHERE status = 'failed'),
            coalesce(extract(epoch FROM now() - min(created_at)
                FILTER (WHERE state IN ('queued', 'retrying') AND run_at <= now())), 0)::float8
         FROM enrichment_jobs WHERE state IN ('queued', 'running', 'retrying')",
    )
    .fetch_one(pool)
    .await?;
    Ok(QueueDepth {
        queued: row.0,
        running: row.1,
        retrying: row.2,
        failed: row.3,
        oldest_queued_age_s: row.4,
    })
}

/// Finished in the last minute, and claim-to-result latency over the last 15 minutes.
pub async fn throughput_and_latency(pool: &PgPool) -> Result<(i64, Latency), sqlx::Error> {
    let row: (i64, Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT
            count(*) FILTER (WHERE finished_at > now() - interval '1 minute'),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)),
            percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))
         FROM enrichment_jobs
         WHERE state IN ('succeeded', 'failed') AND finished_at > now() - interval '15 minutes'",
    )
    .fetch_one(pool)
    .await?;
    Ok((
        row.0,
        Latency {
            p50: row.1.unwrap_or(0.0) * 1000.0,
            p95: row.2.unwrap_or(0.0) * 1000.0,
        },
    ))
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
