//! Keeps the complaint search index's pending list short, off the request path.
//!
//! The GIN index on `complaint_search` takes new entries into a pending list, which the
//! inserting transaction merges into the index once the list outgrows its limit, so
//! whichever intake batch crosses the limit, and every submission in it, would wait for
//! the merge. Merging a few times a second from here keeps the list under the limit, so
//! inserts only append. An inserter that does find the list full skips the merge while
//! this one runs (PostgreSQL lets one cleaner work at a time), and searches read the
//! pending list too, so nothing is missed.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_millis(200);

/// Merge the pending list every [`EVERY`] while `written` (complaints written by this
/// instance) moves, through `tidy_search_index()`, which runs as the index's owner. Ends at
/// `stop`, or at the first refusal (a function owner without the right); the inserts then
/// merge the list themselves.
pub async fn tidy_pending_list(
    pool: sqlx::PgPool,
    written: Arc<AtomicU64>,
    stop: CancellationToken,
) {
    let mut seen = written.load(Relaxed);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {},
        }
        let now = written.load(Relaxed);
        if now == seen {
            continue;
        }
        seen = now;
        let merged = sqlx::query_scalar::<_, i64>("SELECT tidy_search_index()")
            .fetch_one(&pool)
            .await;
        match merged {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42501") => {
                tracing::warn!(error = %e, "cannot tidy the search index (refused); inserts will");
                return;
            }
            Err(e) => tracing::warn!(error = %e, "tidying the search index failed"),
        }
    }
}
