//! The enrichment job table's transitions. Every transition that changes a complaint's
//! status also writes its status history row and event and NOTIFYs, in the same statement.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::value::RawValue;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use aduan_api::complaint::ComplaintStatus;
use aduan_api::event::EventKind;

use crate::db::complaints::parse_status;

pub mod figures;
pub mod upkeep;
use uuid::Uuid;

/// A job this instance holds a lease on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub complaint_id: Uuid,
    /// 1 for the first try.
    pub attempt: i32,
    pub max_attempts: i32,
    pub lease_token: Uuid,
    pub description: String,
    pub location: Option<String>,
    pub subject_agency: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// The text an enrichment is made from (and its evidence quotes checked against): the
/// description and the intake's location/agency hints.
pub fn complaint_text(description: &str, location: Option<&str>, agency: Option<&str>) -> String {
    let mut text = description.to_string();
    if let Some(l) = location {
        text.push_str(&format!("\n\nLokasi / Location: {l}"));
    }
    if let Some(a) = agency {
        text.push_str(&format!("\nAgensi / Agency: {a}"));
    }
    text
}

/// The right to complete a job: its id and the token of the current lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub job_id: i64,
    pub token: Uuid,
}

impl ClaimedJob {
    pub fn lease(&self) -> Lease {
        Lease {
            job_id: self.id,
            token: self.lease_token,
        }
    }

    /// The text the enricher reads.
    pub fn text(&self) -> String {
        complaint_text(
            &self.description,
            self.location.as_deref(),
            self.subject_agency.as_deref(),
        )
    }

    /// The received date in Malaysia, for relative dates such as "semalam".
    pub fn received_date(&self) -> NaiveDate {
        crate::domain::time::date_of(self.received_at)
    }
}

/// The tail shared by every status change: history row and event row. `src` is a CTE
/// yielding `id` (complaint), `created_by`, `status` and `detail`. (No NOTIFY here: it
/// would serialise commits; the caller signals the event hub after committing.)
pub(super) fn status_change_tail(src: &str, kind: &str) -> String {
    format!(
        r#", h AS (
    INSERT INTO complaint_status_history (complaint_id, status, detail)
    SELECT id, status, detail FROM {src}
), e AS (
    INSERT INTO events (kind, complaint_id, owner_id, data)
    SELECT {kind}, id, created_by, jsonb_build_object('id', id, 'complaint_id', id,
        'status', status, 'detail', detail, 'at', now())
    FROM {src}
)"#
    )
}

/// The statement part that queues the enrichment of new complaints, for the intake statement
/// that writes them (one round trip per batch): `src` is a CTE yielding their `id`s,
/// `max_attempts` the SQL expression of the attempts each job gets.
pub fn enqueue_new(src: &str, max_attempts: &str) -> String {
    format!(
        "INSERT INTO enrichment_jobs (complaint_id, max_attempts) SELECT id, {max_attempts} FROM {src}"
    )
}

/// An event kind as an SQL literal, for the `kind` of [`status_change_tail`].
pub(super) fn sql_kind(kind: EventKind) -> String {
    format!("'{}'", kind.as_str())
}

/// What a claim saw and took.
#[derive(Debug, Default)]
pub struct ClaimBatch {
    /// The shared bound at the time of the claim.
    pub concurrency: i32,
    pub paused: bool,
    pub jobs: Vec<ClaimedJob>,
}

/// Claim up to `want` due jobs, never letting the jobs running with a live lease (all
/// instances together) exceed the configured concurrency; nothing when paused.
pub async fn claim(
    pool: &PgPool,
    want: i64,
    lease_s: f64,
    instance: &str,
) -> Result<ClaimBatch, sqlx::Error> {
    let mut tx: Transaction<'_, Postgres> = pool.begin().await?;
    // A lost claim (database crash) only means the job is claimed again; the lease token
    // guards completion. Not waiting for the WAL flush shortens the time the lock is held.
    // Custom plans only: see the claim below.
    sqlx::query(
        "SELECT set_config('synchronous_commit', 'off', true),
                set_config('plan_cache_mode', 'force_custom_plan', true)",
    )
    .execute(&mut *tx)
    .await?;
    // The lock serialises claims across instances. It is taken in its own statement so the
    // claim's snapshot, taken after it, sees every claim committed before us.
    let (concurrency, paused): (i32, bool) = sqlx::query_as(
        "SELECT concurrency, paused FROM processing_settings WHERE id = 1 FOR UPDATE",
    )
    .fetch_one(&mut *tx)
    .await?;
    if paused || want <= 0 {
        tx.commit().await?;
        return Ok(ClaimBatch {
            concurrency,
            paused,
            jobs: Vec::new(),
        });
    }
    // The free slots, counted under the lock, are bound into the claim as a number: a LIMIT
    // the planner cannot see it plans for a tenth of the queue, joining the jobs and the
    // complaints by scanning them whole, which makes every claim cost more the deeper the
    // backlog. (Hence custom plans only: a cached generic plan would not see it either.)
    let busy: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM enrichment_jobs WHERE state = 'running' AND lease_until > now()",
    )
    .fetch_one(&mut *tx)
    .await?;
    let slots = want.min(i64::from(concurrency) - busy);
    if slots <= 0 {
        tx.commit().await?;
        return Ok(ClaimBatch {
            concurrency,
            paused,
            jobs: Vec::new(),
        });
    }
    let sql = format!(
        r#"
WITH picked AS (
    SELECT id FROM enrichment_jobs
    WHERE state IN ('queued', 'retrying') AND run_at <= now()
    ORDER BY run_at, id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE enrichment_jobs j SET state = 'running', attempt = j.attempt + 1,
        lease_token = gen_random_uuid(), lease_until = now() + make_interval(secs => $2),
        claimed_by = $3, started_at = now()
    FROM picked WHERE j.id = picked.id
    RETURNING j.id, j.complaint_id, j.attempt, j.max_attempts, j.lease_token
), c AS (
    UPDATE complaints SET status = 'processing', updated_at = now()
    FROM claimed WHERE complaints.id = claimed.complaint_id
    RETURNING complaints.id, complaints.created_by, 'processing'::text AS status,
        ('attempt ' || claimed.attempt)::text AS detail, complaints.description,
        complaints.location, complaints.subject_agency, complaints.created_at
){tail}
SELECT claimed.id, claimed.complaint_id, claimed.attempt, claimed.max_attempts,
    claimed.lease_token, c.description, c.location, c.subject_agency,
    c.created_at AS received_at
FROM claimed JOIN c ON c.id = claimed.complaint_id
ORDER BY claimed.id"#,
        tail = status_change_tail("c", &sql_kind(EventKind::ComplaintStatusChanged))
    );
    let jobs: Vec<ClaimedJob> = sqlx::query_as(&sql)
        .bind(slots)
        .bind(lease_s)
        .bind(instance)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ClaimBatch {
        concurrency,
        paused,
        jobs,
    })
}

/// The stored result of a finished job.
#[derive(Debug, Clone)]
pub struct Finished {
    /// JSON text, handed to PostgreSQL as it is (no value tree built or copied).
    pub result: Box<RawValue>,
    pub provenance: Box<RawValue>,
    pub raw_reply: Option<Box<RawValue>>,
    pub needs_review: bool,
    pub category: Option<String>,
    pub sector: Option<String>,
    pub area: Option<String>,
    pub state: Option<String>,
    /// The Acts the result names, distinct and sorted (for the dashboard).
    pub acts: Vec<String>,
    /// `None`: enriched. `Some(error)`: attempts exhausted; the complaint is `failed` and the
    /// result (if any) is the builtin fallback.
    pub error: Option<String>,
}

/// Joins a job's Acts into one bound text; `chr(31)` in the statement. No Act name may
/// contain it (see `worker::acts`).
pub(super) const ACTS_SEPARATOR: &str = "\u{1f}";

/// Store results and finish jobs, many in one statement — each only if we still hold its
/// lease. Returns the ids of the jobs finished; a job missing from it had lost its lease
/// (rescued after a stall) and nothing was written for it.
pub async fn finish_batch(
    pool: &PgPool,
    items: &[(Lease, &Finished)],
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = format!(
        r#"
WITH i AS (
    SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::jsonb[], $4::jsonb[], $5::jsonb[],
        $6::bool[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
    AS t(job_id, token, result, provenance, raw_reply, needs_review, category, sector, area,
        state, error, acts)
), j AS (
    UPDATE enrichment_jobs SET
        state = CASE WHEN i.error IS NULL THEN 'succeeded' ELSE 'failed' END,
        finished_at = now(), lease_token = NULL, lease_until = NULL, last_error = i.error,
        calls = calls + 1, work_s = work_s + greatest(extract(epoch FROM now() - started_at), 0)::float8
    FROM i
    WHERE enrichment_jobs.id = i.job_id AND enrichment_jobs.lease_token = i.token
        AND enrichment_jobs.state = 'running'
    -- The inputs ride along, so the writes below need no second join with `i` (hashing
    -- its rows, results and all, would be a visible share of the statement).
    RETURNING enrichment_jobs.id AS job_id, enrichment_jobs.complaint_id, i.result,
        i.provenance, i.raw_reply, i.needs_review, i.category, i.sector, i.area, i.state,
        i.error, string_to_array(i.acts, chr(31)) AS acts
), r AS (
    INSERT INTO enrichments (complaint_id, result, provenance, raw_reply, needs_review,
        category, sector, area, state, acts)
    SELECT complaint_id, result, provenance, raw_reply, needs_review, category, sector,
        area, state, acts
    FROM j
    ON CONFLICT (complaint_id) DO UPDATE SET result = excluded.result,
        provenance = excluded.provenance, raw_reply = excluded.raw_reply,
        needs_review = excluded.needs_review, category = excluded.category,
        sector = excluded.sector, area = excluded.area, state = excluded.state,
        acts = excluded.acts, version = enrichments.version + 1, updated_at = now()
), c AS (
    UPDATE complaints SET
        status = CASE WHEN j.error IS NULL THEN 'enriched' ELSE 'failed' END,
        needs_review = j.needs_review, last_error = j.error, updated_at = now()
    FROM j
    WHERE complaints.id = j.complaint_id
    RETURNING complaints.id, complaints.created_by, complaints.status, j.error AS detail
){tail}
SELECT job_id FROM j"#,
        tail = status_change_tail(
            "c",
            &format!(
                "CASE WHEN status = 'enriched' THEN {} ELSE {} END",
                sql_kind(EventKind::ComplaintEnriched),
                sql_kind(EventKind::ComplaintStatusChanged)
            )
        )
    );
    sqlx::query_scalar(&sql)
        .bind(items.iter().map(|(l, _)| l.job_id).collect::<Vec<_>>())
        .bind(items.iter().map(|(l, _)| l.token).collect::<Vec<_>>())
        .bind(
            items
                .iter()
                .map(|(_, f)| Json(&*f.result))
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| Json(&*f.provenance))
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| f.raw_reply.as_deref().map(Json))
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| f.needs_review)
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| f.category.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| f.sector.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| f.area.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| f.state.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            items
                .iter()
                .map(|(_, f)| f.error.clone())
                .collect::<Vec<_>>(),
        )
        // One text per job, the Acts joined by the unit separator (an array of arrays
        // cannot be unnested row by row).
        .bind(
            items
                .iter()
                .map(|(_, f)| f.acts.join(ACTS_SEPARATOR))
                .collect::<Vec<_>>(),
        )
        .fetch_all(pool)
        .await
}

/// Put a job back to wait `delay_s`. `refund` gives the attempt back (a 429 or a shutdown
/// is not the job's fault). Guarded by the lease like [`finish_batch`].
pub async fn retry_later(
    pool: &PgPool,
    lease: Lease,
    delay_s: f64,
    refund: bool,
    error: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        r#"
WITH j AS (
    UPDATE enrichment_jobs SET state = 'retrying', run_at = now() + make_interval(secs => $3),
        attempt = attempt - $4, last_error = $5, lease_token = NULL, lease_until = NULL,
        calls = calls + 1, work_s = work_s + greatest(extract(epoch FROM now() - started_at), 0)::float8
    WHERE id = $1 AND lease_token = $2 AND state = 'running'
    RETURNING complaint_id
), c AS (
    UPDATE complaints SET status = 'queued', last_error = $5, updated_at = now()
    FROM j WHERE complaints.id = j.complaint_id
    RETURNING complaints.id, complaints.created_by, 'queued'::text AS status, $5::text AS detail
){tail}
SELECT count(*) FROM c"#,
        tail = status_change_tail("c", &sql_kind(EventKind::ComplaintStatusChanged))
    );
    let n: i64 = sqlx::query_scalar(&sql)
        .bind(lease.job_id)
        .bind(lease.token)
        .bind(delay_s)
        .bind(i32::from(refund))
        .bind(error)
        .fetch_one(pool)
        .await?;
    Ok(n == 1)
}

/// Extend the leases of the jobs this instance is working on. Returns how many were still
/// ours.
pub async fn heartbeat(
    pool: &PgPool,
    leases: &[(i64, Uuid)],
    lease_s: f64,
) -> Result<u64, sqlx::Error> {
    if leases.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = leases.iter().map(|l| l.0).collect();
    let tokens: Vec<Uuid> = leases.iter().map(|l| l.1).collect();
    let done = sqlx::query(
        "UPDATE enrichment_jobs SET lease_until = now() + make_interval(secs => $3)
         WHERE state = 'running'
           AND (id, lease_token) IN (SELECT * FROM unnest($1::bigint[], $2::uuid[]))",
    )
    .bind(ids)
    .bind(tokens)
    .bind(lease_s)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Re-queue a complaint's enrichment (officer action). A no-op when a job is already
/// pending or running. Returns the complaint's status afterwards, `None` if it does not
/// exist.
pub async fn requeue(
    db: &mut PgConnection,
    complaint_id: Uuid,
    max_attempts: i32,
) -> Result<Option<ComplaintStatus>, sqlx::Error> {
    let sql = format!(
        r#"
WITH j AS (
    INSERT INTO enrichment_jobs (complaint_id, max_attempts)
    SELECT id, $2 FROM complaints WHERE id = $1
    ON CONFLICT (complaint_id) WHERE state IN ('queued', 'retrying', 'running') DO NOTHING
    RETURNING complaint_id
), c AS (
    UPDATE complaints SET status = 'queued', last_error = NULL, updated_at = now()
    FROM j WHERE complaints.id = j.complaint_id
    RETURNING complaints.id, complaints.created_by, 'queued'::text AS status,
        'reprocess requested'::text AS detail
){tail}
SELECT coalesce((SELECT status FROM c), (SELECT status FROM complaints WHERE id = $1))"#,
        tail = status_change_tail("c", &sql_kind(EventKind::ComplaintStatusChanged))
    );
    let status: Option<String> = sqlx::query_scalar(&sql)
        .bind(complaint_id)
        .bind(max_attempts)
        .fetch_one(db)
        .await?;
    status.map(|s| parse_status(&s)).transpose()
}

/// Whether any job waits to be claimed (due or not): background chores give way to it.
pub async fn work_waiting(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM enrichment_jobs WHERE state IN ('queued', 'retrying'))",
    )
    .fetch_one(pool)
    .await
}
