//! Reading new rows of the `events` table in id order. Ids come from a sequence, so they
//! can commit out of order: an id skipped over is remembered for a while and asked for
//! again, so a slow transaction's event is still delivered (late rather than never).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::db::events::{self, EventRow};

/// How long a skipped id may still turn up (a slow commit) before it is taken for a
/// rolled-back insert.
const GAP_PATIENCE: Duration = Duration::from_secs(10);
const MAX_GAPS: usize = 10_000;
const BATCH: i64 = 5_000;

pub struct Tail {
    max_id: i64,
    gaps: HashMap<i64, Instant>,
}

impl Tail {
    /// Start at the end of the log: history is for resuming clients, not for broadcast.
    pub async fn start(pool: &PgPool) -> Result<Self, sqlx::Error> {
        Ok(Tail {
            max_id: events::last_id(pool).await?,
            gaps: HashMap::new(),
        })
    }

    /// Events committed since the last poll, plus any that filled a gap.
    pub async fn poll(&mut self, pool: &PgPool) -> Result<Vec<EventRow>, sqlx::Error> {
        let now = Instant::now();
        self.gaps
            .retain(|_, seen| now.duration_since(*seen) < GAP_PATIENCE);
        let gaps: Vec<i64> = self.gaps.keys().copied().collect();
        let (ids, rows) = events::after_with_gaps(pool, self.max_id, &gaps, BATCH).await?;
        for id in ids {
            if id > self.max_id {
                if self.gaps.len() < MAX_GAPS {
                    for missing in self.max_id + 1..id {
                        self.gaps.insert(missing, now);
                    }
                }
                self.max_id = id;
            } else {
                self.gaps.remove(&id);
            }
        }
        Ok(rows)
    }
}
