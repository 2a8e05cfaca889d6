//! Keeps the compact history: once a minute, the sample of the minute just ended; in the
//! first minutes of an hour, the hour just ended; then old samples are forgotten.

use chrono::{DateTime, Duration, DurationRound, Timelike, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::db::capacity::{self, Span};

/// Runs until `stop` is cancelled.
pub async fn keep(pool: PgPool, stop: CancellationToken) {
    loop {
        let now = Utc::now();
        let next = minute_start(now) + Duration::minutes(1);
        // A second after the boundary, so writes stamped in the last instant are in.
        let wait = (next - now + Duration::seconds(1))
            .to_std()
            .unwrap_or_default();
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {},
        }
        if let Err(e) = sample(&pool, Utc::now()).await {
            tracing::warn!(error = %e, "writing the capacity history failed");
        }
    }
}

/// Write the samples due at `now` (those already written are left alone).
pub async fn sample(pool: &PgPool, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    capacity::record(pool, Span::Minute, minute_start(now) - Duration::minutes(1)).await?;
    // Several tries in case the instance was busy or down at the turn of the hour.
    if now.minute() < 5 {
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now) - Duration::hours(1);
        if capacity::record(pool, Span::Hour, hour).await? {
            capacity::prune(pool).await?;
        }
    }
    Ok(())
}

fn minute_start(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::minutes(1)).unwrap_or(t)
}
