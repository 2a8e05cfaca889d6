//! Finished jobs are written in batches: job tasks hand their results to one recorder task,
//! which writes whatever has accumulated while the previous batch was being written in a
//! single statement. Under load that turns hundreds of small transactions into a few large
//! ones; when idle a result is written at once, with no added delay.

use tokio::sync::{mpsc, oneshot};

use super::jobs::{self, Finished, Lease};

/// Most results in one statement.
const MAX_BATCH: usize = 128;

struct Item {
    lease: Lease,
    finished: Finished,
    done: oneshot::Sender<Result<bool, String>>,
}

#[derive(Clone)]
pub(crate) struct Recorder {
    tx: mpsc::Sender<Item>,
}

impl Recorder {
    pub fn spawn(pool: sqlx::PgPool) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, rx));
        Recorder { tx }
    }

    /// Store a result under its lease. `Ok(false)`: the lease was lost, nothing written.
    pub async fn finish(&self, lease: Lease, finished: Finished) -> Result<bool, String> {
        let (done, answer) = oneshot::channel();
        self.tx
            .send(Item {
                lease,
                finished,
                done,
            })
            .await
            .map_err(|_| "the result recorder has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the result recorder has stopped".to_string())?
    }
}

async fn run(pool: sqlx::PgPool, mut rx: mpsc::Receiver<Item>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let items: Vec<(Lease, &Finished)> = batch.iter().map(|i| (i.lease, &i.finished)).collect();
        let outcome = jobs::finish_batch(&pool, &items).await;
        for item in batch.drain(..) {
            let answer = match &outcome {
                Ok(ids) => Ok(ids.contains(&item.lease.job_id)),
                Err(e) => Err(e.to_string()),
            };
            let _ = item.done.send(answer);
        }
    }
}
