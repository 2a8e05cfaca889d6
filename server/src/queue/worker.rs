//! The dispatcher (claims while there is capacity), one task per job, the heartbeat and
//! the maintenance loop.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use serde_json::value::to_raw_value;
use tokio_util::sync::CancellationToken;

use super::jobs::{self, ClaimedJob, Finished};
use super::limiter::Permit;
use super::{backoff, Shared, MAX_BATCH};
use crate::enrich::{EnrichOutcome, EnrichRequest, ProviderError};
use crate::metrics::{Histogram, PROVIDER_BUCKETS};

/// How long a full pool waits after a slot frees before claiming again.
const CLAIM_COALESCE: Duration = Duration::from_millis(3);

/// Counters of this instance since start.
#[derive(Debug)]
pub(crate) struct Stats {
    pub succeeded: AtomicU64,
    pub failed: AtomicU64,
    pub retries: AtomicU64,
    pub rate_limited: AtomicU64,
    pub timeouts: AtomicU64,
    /// Provider calls that returned a result, and those that failed (any way).
    pub call_ok: Histogram,
    pub call_error: Histogram,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            succeeded: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            call_ok: Histogram::new(PROVIDER_BUCKETS),
            call_error: Histogram::new(PROVIDER_BUCKETS),
        }
    }
}

/// Claim whenever there is capacity and work; otherwise wait for a NOTIFY, a freed slot or
/// the poll interval.
pub(crate) async fn dispatch(shared: Arc<Shared>, stop: CancellationToken) {
    let mut paused = false;
    loop {
        if stop.is_cancelled() {
            return;
        }
        // Before the count: when every slot is taken and all of them free up before the
        // wait below begins, a future made after the count would miss those releases and
        // leave the pool idle until the next poll.
        let released = shared.limit.released();
        let want = shared.limit.available().min(MAX_BATCH);
        let mut got = 0;
        if want > 0 {
            match jobs::claim(
                &shared.pool,
                i64::from(want),
                shared.cfg.lease.as_secs_f64(),
                &shared.instance,
            )
            .await
            {
                Ok(batch) => {
                    shared.limit.set_bound(batch.concurrency.max(1) as u32);
                    paused = batch.paused;
                    got = batch.jobs.len() as u32;
                    if got > 0 {
                        shared.events.changed();
                    }
                    for job in batch.jobs {
                        // The dispatcher is the only one taking permits and `want` was
                        // free, so this succeeds; a bound lowered meanwhile only means
                        // one job briefly above the local limit, never above the claim's.
                        let permit = shared.limit.try_acquire();
                        shared
                            .leases
                            .lock()
                            .expect("leases")
                            .insert(job.id, job.lease_token);
                        tokio::spawn(run(shared.clone(), job, permit));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming jobs failed; retrying shortly");
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                    }
                    continue;
                }
            }
        }
        if want > 0 && got == want {
            continue; // there may be more
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = shared.settings_changed.notified() => {},
            // While paused, new work is no reason to ask again (that would cost a locked
            // read per submission); a resume here or the poll will.
            _ = shared.wake.notified(), if !paused => {},
            // One of our calls finished. Waited for whenever the claim took fewer than
            // wanted, not only when the pool was full: the shared budget may be held by
            // another instance (or an expired one), and then the next slot comes from our
            // own calls finishing, not from new work; waiting for the poll would claim
            // one batch per poll interval. With nothing in flight it never fires.
            // Deciding from an in-flight count read here would miss calls that finished
            // since the future was made.
            _ = released => {
                // Let a few more calls finish so the next claim takes a batch instead of
                // one job per round trip.
                tokio::time::sleep(CLAIM_COALESCE).await;
            },
            _ = tokio::time::sleep(shared.cfg.poll_interval) => {},
        }
    }
}

/// One job: call the provider, then record the outcome under the lease.
#[tracing::instrument(skip_all, fields(job = job.id, complaint_id = %job.complaint_id, attempt = job.attempt))]
async fn run(shared: Arc<Shared>, job: ClaimedJob, permit: Option<Permit>) {
    let request = EnrichRequest {
        complaint_id: job.complaint_id,
        text: job.text(),
        received: job.received_date(),
    };
    let started = std::time::Instant::now();
    let outcome = shared.enricher.enrich(&request).await;
    match &outcome {
        Ok(_) => shared.stats.call_ok.observe(started.elapsed()),
        Err(_) => shared.stats.call_error.observe(started.elapsed()),
    }
    let recorded = match outcome {
        Ok(outcome) => {
            shared.limit.on_success();
            shared.stats.succeeded.fetch_add(1, Relaxed);
            shared
                .recorder
                .finish(job.lease(), finished(outcome, None))
                .await
        }
        Err(err) => on_error(&shared, &job, &request, err).await,
    };
    match recorded {
        Ok(true) => shared.events.changed(),
        Ok(false) => tracing::warn!("lease lost before completion; the rescued job will run again"),
        // The lease will expire and the rescuer re-queues the job: nothing is lost.
        Err(e) => tracing::error!(error = %e, "recording the outcome failed"),
    }
    shared.leases.lock().expect("leases").remove(&job.id);
    drop(permit);
}

async fn on_error(
    shared: &Shared,
    job: &ClaimedJob,
    request: &EnrichRequest,
    err: ProviderError,
) -> Result<bool, String> {
    let message = err.to_string();
    match err {
        ProviderError::RateLimited { retry_after } => {
            shared.limit.on_overload();
            shared.stats.rate_limited.fetch_add(1, Relaxed);
            let delay = backoff::rate_limit_delay(retry_after);
            return jobs::retry_later(
                &shared.pool,
                job.lease(),
                delay.as_secs_f64(),
                true,
                &message,
            )
            .await
            .map_err(|e| e.to_string());
        }
        ProviderError::Timeout(_) => {
            shared.limit.on_overload();
            shared.stats.timeouts.fetch_add(1, Relaxed);
        }
        ProviderError::Transient(_) => {}
    }
    if job.attempt >= job.max_attempts {
        tracing::warn!(error = %message, "attempts exhausted; complaint marked failed");
        shared.stats.failed.fetch_add(1, Relaxed);
        let reason = format!("the language model failed {} times: {message}", job.attempt);
        let fallback = shared.enricher.fallback(request, &reason);
        let error = format!("{message} (after {} attempts)", job.attempt);
        return shared
            .recorder
            .finish(job.lease(), finished(fallback, Some(error)))
            .await;
    }
    shared.stats.retries.fetch_add(1, Relaxed);
    let delay = backoff::delay(job.attempt, shared.cfg.backoff_base, shared.cfg.backoff_cap);
    jobs::retry_later(
        &shared.pool,
        job.lease(),
        delay.as_secs_f64(),
        false,
        &message,
    )
    .await
    .map_err(|e| e.to_string())
}

fn finished(outcome: EnrichOutcome, error: Option<String>) -> Finished {
    let r = &outcome.result;
    Finished {
        result: to_raw_value(r).expect("enrichment serialises"),
        provenance: to_raw_value(&outcome.provenance).expect("provenance serialises"),
        raw_reply: outcome.raw_reply,
        needs_review: outcome.needs_review || error.is_some(),
        category: Some(r.classification.category.clone()),
        sector: Some(r.sector.sector.clone()),
        area: Some(r.sector.area.clone()),
        state: r.five_w1h.place.state.clone(),
        acts: acts(&r.legal),
        error,
    }
}

/// The distinct Acts of the legal references, sorted, as `enrichment_acts()` in SQL
/// computes them from stored results. The unit separator, which joins them for the
/// statement, cannot be part of a name.
fn acts(legal: &[aduan_api::enrichment::LegalRef]) -> Vec<String> {
    let mut acts: Vec<String> = legal
        .iter()
        .map(|l| l.act.replace(jobs::ACTS_SEPARATOR, " "))
        .collect();
    acts.sort();
    acts.dedup();
    acts
}

/// Renew this instance's leases every third of the lease.
pub(crate) async fn heartbeat(shared: Arc<Shared>, stop: CancellationToken) {
    let every = shared.cfg.lease / 3;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {},
        }
        let leases: Vec<(i64, uuid::Uuid)> = shared
            .leases
            .lock()
            .expect("leases")
            .iter()
            .map(|(id, token)| (*id, *token))
            .collect();
        if let Err(e) = jobs::heartbeat(&shared.pool, &leases, shared.cfg.lease.as_secs_f64()).await
        {
            tracing::warn!(error = %e, "lease heartbeat failed");
        }
    }
}

/// Rescue expired leases every quarter lease; prune once a minute.
pub(crate) async fn maintain(shared: Arc<Shared>, stop: CancellationToken) {
    let every = (shared.cfg.lease / 4).max(Duration::from_millis(250));
    let mut last_prune = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {},
        }
        match jobs::upkeep::rescue_expired(&shared.pool).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::warn!(rescued = n, "re-queued jobs whose lease expired");
                shared.events.changed();
                shared.wake.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "rescuing expired leases failed"),
        }
        if last_prune.elapsed() >= Duration::from_secs(60) {
            last_prune = tokio::time::Instant::now();
            let retention = chrono::Duration::from_std(shared.cfg.retention)
                .unwrap_or(chrono::Duration::days(7));
            if let Err(e) = jobs::upkeep::prune(&shared.pool, retention).await {
                tracing::warn!(error = %e, "pruning finished jobs failed");
            }
        }
    }
}

/// Hand every lease this instance still holds back to the queue, attempt refunded.
pub(crate) async fn release_all(shared: &Shared) -> usize {
    let leases: Vec<(i64, uuid::Uuid)> = shared.leases.lock().expect("leases").drain().collect();
    let mut released = 0;
    for (job_id, token) in leases {
        let lease = jobs::Lease { job_id, token };
        match jobs::retry_later(
            &shared.pool,
            lease,
            0.0,
            true,
            "server shut down while working on it",
        )
        .await
        {
            Ok(true) => {
                released += 1;
                shared.events.changed();
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, job = job_id, "releasing a lease failed; it will expire")
            }
        }
    }
    released
}
