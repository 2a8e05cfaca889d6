//! Group commit for intake: submissions that arrive together are written together.
//!
//! Each complaint costs PostgreSQL a statement, a transaction and a WAL flush. Under load
//! those fixed costs dominate (a complaint touches six tables), and 64 clients competing for
//! two cores give a long latency tail. Here submissions queue in arrival order; a few
//! batches are in flight at once, and each takes everything that queued while the previous
//! ones ran. A lone submission is written at once (a batch of one, no waiting for company);
//! a busy intake pays the fixed costs once per batch. A reply is sent only after its batch
//! committed, so the durability of a 202 is unchanged.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};
use tracing::Instrument;

use crate::db::intake::{self, InsertOutcome, Submission};
use crate::db::is_unavailable;

/// Batches being written at the same time: one batch's commit overlaps the next one's work,
/// while more would only have statements compete for the same cores
/// (docs/performance.md has the figures).
pub const IN_FLIGHT: usize = 2;
/// The largest batch; bigger ones gain little and make a failed batch costlier to redo.
const MAX_BATCH: usize = 64;

/// What a submission gets back. The error is shared: one failed batch fails all of it.
pub type Reply = Result<InsertOutcome, Arc<sqlx::Error>>;

struct Pending {
    submission: Submission,
    reply: oneshot::Sender<Reply>,
}

/// The queue in front of the complaint writer.
#[derive(Clone)]
pub struct IntakeWriter {
    tx: mpsc::Sender<Pending>,
    written: Arc<AtomicU64>,
}

impl IntakeWriter {
    /// Start the writer on `pool` (`IN_FLIGHT` connections of its own, see
    /// `Database::generic_plan_pool`); it ends when every `IntakeWriter` handle is dropped.
    pub fn start(pool: sqlx::PgPool, max_attempts: i32) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let written = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(pool, max_attempts, rx, written.clone()));
        IntakeWriter { tx, written }
    }

    /// Complaints written so far (a count that moves while intake is busy).
    pub fn written(&self) -> Arc<AtomicU64> {
        self.written.clone()
    }

    /// Write `submission` (in a batch with whatever else is waiting) and wait for the commit.
    pub async fn submit(&self, submission: Submission) -> Reply {
        let (reply, answer) = oneshot::channel();
        let closed = || Arc::new(sqlx::Error::PoolClosed);
        self.tx
            .send(Pending { submission, reply })
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

async fn run(
    pool: sqlx::PgPool,
    max_attempts: i32,
    mut rx: mpsc::Receiver<Pending>,
    written: Arc<AtomicU64>,
) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        // Take a slot before taking work: while all slots are busy, submissions queue up
        // and the next batch takes them all.
        let slot = slots.clone().acquire_owned().await.expect("never closed");
        let mut batch = Vec::with_capacity(MAX_BATCH);
        if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let pool = pool.clone();
        let written = written.clone();
        let span = tracing::debug_span!("intake_batch", size = batch.len());
        tokio::spawn(
            async move {
                let n = batch.len() as u64;
                write(&pool, batch, max_attempts).await;
                written.fetch_add(n, Relaxed);
                drop(slot);
            }
            .instrument(span),
        );
    }
}

async fn write(pool: &sqlx::PgPool, batch: Vec<Pending>, max_attempts: i32) {
    let (submissions, replies): (Vec<_>, Vec<_>) =
        batch.into_iter().map(|p| (p.submission, p.reply)).unzip();
    match intake::insert_many(pool, &submissions, max_attempts).await {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        // PostgreSQL refused the statement, so none of it was written. The cause may be one
        // submission's content: write each alone, so the others are not refused with it.
        Err(e @ sqlx::Error::Database(_)) if submissions.len() > 1 && !is_unavailable(&e) => {
            tracing::warn!(error = %e, size = submissions.len(), "batch refused, writing one by one");
            for (submission, reply) in submissions.into_iter().zip(replies) {
                let outcome = intake::insert(pool, &submission, max_attempts).await;
                let _ = reply.send(outcome.map_err(Arc::new));
            }
        }
        // The connection failed: whether the batch committed is unknown, so nothing is
        // retried here; each client gets the error and retries with its Idempotency-Key.
        Err(e) => {
            let e = Arc::new(e);
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}
