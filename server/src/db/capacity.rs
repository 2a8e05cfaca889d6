//! The capacity planner's reads of intake, and its compact history (`capacity_samples`):
//! a row a minute kept a day, a row an hour kept a month.

use aduan_api::capacity::HistoryPoint;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Complaints received in the last `window_s` seconds, and in its busiest clock hour.
pub async fn received_within(pool: &PgPool, window_s: f64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "WITH c AS (
             SELECT created_at FROM complaints WHERE created_at > now() - make_interval(secs => $1)
         )
         SELECT (SELECT count(*) FROM c),
             coalesce((SELECT max(n) FROM (
                 SELECT count(*) AS n FROM c GROUP BY date_trunc('hour', created_at)) h), 0)",
    )
    .bind(window_s)
    .fetch_one(pool)
    .await
}

/// The span a sample covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Minute,
    Hour,
}

impl Span {
    fn as_str(self) -> &'static str {
        match self {
            Span::Minute => "minute",
            Span::Hour => "hour",
        }
    }

    fn interval(self) -> &'static str {
        match self {
            Span::Minute => "1 minute",
            Span::Hour => "1 hour",
        }
    }
}

/// Write the sample of the span starting at `at` (a whole minute or hour) from the
/// complaints and the jobs, unless one is there already: every instance may try, the
/// first wins. Jobs waiting: counted now for a minute; the most its minutes saw for an
/// hour. Returns whether a row was written.
pub async fn record(pool: &PgPool, span: Span, at: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let waiting = match span {
        Span::Minute => {
            "(SELECT count(*) FROM enrichment_jobs WHERE state IN ('queued', 'retrying'))"
        }
        Span::Hour => {
            "(SELECT coalesce(max(waiting), 0) FROM capacity_samples
              WHERE span = 'minute' AND at >= $2 AND at < $2 + $3::interval)"
        }
    };
    let sql = format!(
        "INSERT INTO capacity_samples (span, at, received, analysed, waiting, wait_p50_s, wait_p95_s)
         SELECT $1, $2,
             (SELECT count(*) FROM complaints WHERE created_at >= $2 AND created_at < $2 + $3::interval),
             j.n, {waiting}, j.p50, j.p95
         FROM (SELECT count(*) AS n,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS p50,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS p95
             FROM enrichment_jobs
             WHERE state IN ('succeeded', 'failed')
               AND finished_at >= $2 AND finished_at < $2 + $3::interval) j
         ON CONFLICT (span, at) DO NOTHING"
    );
    let done = sqlx::query(&sql)
        .bind(span.as_str())
        .bind(at)
        .bind(span.interval())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Forget minutes older than a day and hours older than 31 days.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM capacity_samples
         WHERE (span = 'minute' AND at < now() - interval '25 hours')
            OR (span = 'hour' AND at < now() - interval '31 days')",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// The samples of `span` since `since`, oldest first.
pub async fn history(
    pool: &PgPool,
    span: Span,
    since: DateTime<Utc>,
) -> Result<Vec<HistoryPoint>, sqlx::Error> {
    let rows: Vec<Sample> = sqlx::query_as(
        "SELECT at, received, analysed, waiting, wait_p50_s, wait_p95_s FROM capacity_samples
         WHERE span = $1 AND at >= $2 ORDER BY at",
    )
    .bind(span.as_str())
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| HistoryPoint {
            at: r.at,
            received: r.received,
            analysed: r.analysed,
            waiting: r.waiting,
            wait_p50_s: r.wait_p50_s,
            wait_p95_s: r.wait_p95_s,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct Sample {
    at: DateTime<Utc>,
    received: i32,
    analysed: i32,
    waiting: i32,
    wait_p50_s: Option<f64>,
    wait_p95_s: Option<f64>,
}
