//! Housekeeping that one instance at a time does for all: rescuing jobs whose lease
//! expired (their instance crashed or stalled) and pruning finished jobs and old events.

use aduan_api::event::EventKind;
use chrono::Utc;
use sqlx::PgPool;

/// Advisory lock key: "one rescuer at a time across instances".
const RESCUER_LOCK: i64 = 0x4164_7561_6e52_6573; // "AduanRes"

/// Re-queue (or fail, when out of attempts) every running job whose lease has expired.
/// Returns how many were rescued; 0 when another instance holds the rescuer lock.
pub async fn rescue_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(RESCUER_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !got {
        return Ok(0);
    }
    let sql = format!(
        r#"
WITH j AS (
    UPDATE enrichment_jobs SET
        state = CASE WHEN attempt >= max_attempts THEN 'failed' ELSE 'retrying' END,
        finished_at = CASE WHEN attempt >= max_attempts THEN now() END,
        run_at = now(), lease_token = NULL, lease_until = NULL,
        last_error = 'the server working on it stopped responding (lease expired)'
    WHERE state = 'running' AND lease_until < now()
    RETURNING complaint_id, state, last_error
), c AS (
    UPDATE complaints SET status = CASE j.state WHEN 'failed' THEN 'failed' ELSE 'queued' END,
        last_error = j.last_error, updated_at = now()
    FROM j WHERE complaints.id = j.complaint_id
    RETURNING complaints.id, complaints.created_by, complaints.status, j.last_error AS detail
){tail}
SELECT count(*) FROM c"#,
        tail = super::status_change_tail("c", &super::sql_kind(EventKind::ComplaintStatusChanged))
    );
    let n: i64 = sqlx::query_scalar(&sql).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(n as u64)
}

/// Delete finished jobs and events older than `retention`. Complaints keep their status,
/// last error and history, so nothing a user sees is lost.
pub async fn prune(pool: &PgPool, retention: chrono::Duration) -> Result<u64, sqlx::Error> {
    let before = Utc::now() - retention;
    let jobs = sqlx::query(
        "DELETE FROM enrichment_jobs
         WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < $1",
    )
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected();
    let events = crate::db::events::prune(pool, before).await?;
    Ok(jobs + events)
}
