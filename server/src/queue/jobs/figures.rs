//! Figures of the jobs across all instances, for the admin processing panel.

use aduan_api::processing::{Latency, QueueDepth};
use sqlx::PgPool;

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

/// What each complaint analysed in the last `window_s` seconds cost the pool: its
/// worker-seconds over all calls, and the calls. Newest first, at most `limit`.
pub async fn costs(
    pool: &PgPool,
    window_s: f64,
    limit: i64,
) -> Result<Vec<(f64, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT work_s, calls FROM enrichment_jobs
         WHERE state IN ('succeeded', 'failed') AND calls > 0
           AND finished_at > now() - make_interval(secs => $1)
         ORDER BY finished_at DESC, id DESC LIMIT $2",
    )
    .bind(window_s)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The jobs finished in the last `window_s` seconds.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct Finished {
    pub analysed: i64,
    pub work_p50_s: Option<f64>,
    pub work_p95_s: Option<f64>,
    pub calls_per_complaint: Option<f64>,
    /// Job created (the complaint received, or its reprocess asked for) until finished.
    pub wait_p50_s: Option<f64>,
    pub wait_p95_s: Option<f64>,
}

pub async fn finished_within(pool: &PgPool, window_s: f64) -> Result<Finished, sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) AS analysed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY work_s) AS work_p50_s,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY work_s) AS work_p95_s,
            avg(calls)::float8 AS calls_per_complaint,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS wait_p50_s,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS wait_p95_s
         FROM enrichment_jobs
         WHERE state IN ('succeeded', 'failed') AND calls > 0
           AND finished_at > now() - make_interval(secs => $1)",
    )
    .bind(window_s)
    .fetch_one(pool)
    .await
}
