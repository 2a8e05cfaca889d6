//! Reading new rows of the `events` table in id order. An id skipped over (its transaction
//! had not committed yet) is asked for again for a while, so a slow transaction's event is
//! still delivered, late rather than never (see [`super::cursor`]).

use std::time::Instant;

use sqlx::PgPool;

use super::cursor::{Cursor, Frontier};
use crate::db::events::{self, EventRow};

const BATCH: i64 = 5_000;

pub struct Tail {
    at: Frontier,
}

impl Tail {
    /// Start at the end of the log: history is for resuming clients, not for broadcast.
    pub async fn start(pool: &PgPool) -> Result<Self, sqlx::Error> {
        let high = events::last_id(pool).await?;
        let start = Cursor {
            high,
            ..Cursor::default()
        };
        Ok(Tail {
            at: Frontier::at(&start, Instant::now()),
        })
    }

    /// Events committed since the last poll, plus any that filled a gap.
    pub async fn poll(&mut self, pool: &PgPool) -> Result<Vec<EventRow>, sqlx::Error> {
        let now = Instant::now();
        self.at.expire(now);
        let (ids, rows) =
            events::after_with_gaps(pool, self.at.high(), &self.at.gap_ids(), BATCH).await?;
        for id in ids {
            self.at.advance(id, now);
        }
        Ok(rows)
    }

    /// Where the tail stands: what a new stream starts from.
    pub fn position(&self) -> Cursor {
        self.at.cursor()
    }
}
