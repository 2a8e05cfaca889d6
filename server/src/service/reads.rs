//! Reads of people's data leave a trace: a complaint or case opened, and every list,
//! search and related-complaint lookup, compactly (who, the query, the ids returned).
//! The same read by the same person repeated within [`SAME_READ`] is one entry: open
//! windows refresh what they show at every live event, and that is not a person looking
//! again.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aduan_api::account::AuditAction;
use serde_json::Value;

use super::{Caller, Result, Services};
use crate::db::audit;

/// Repeats of one read within this time are the same read.
pub const SAME_READ: Duration = Duration::from_secs(600);
/// Reads remembered at most; the oldest are forgotten first when full.
const REMEMBERED: usize = 50_000;

/// The reads this instance recorded lately, by a hash of who read what.
#[derive(Clone, Default)]
pub struct RecentReads(Arc<Mutex<HashMap<u64, Instant>>>);

impl RecentReads {
    /// True when this read is new (and remembers it), false for a repeat.
    fn first(&self, key: u64, now: Instant) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if seen
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < SAME_READ)
        {
            return false;
        }
        if seen.len() >= REMEMBERED {
            seen.retain(|_, at| now.duration_since(*at) < SAME_READ);
            if seen.len() >= REMEMBERED {
                seen.clear();
            }
        }
        seen.insert(key, now);
        true
    }
}

impl Services {
    /// Audit a read: `target` for one item, `details` (the query and the ids returned) for
    /// a list. A repeat of the same read is not written again.
    pub async fn record_read(
        &self,
        caller: &Caller<'_>,
        action: AuditAction,
        target: Option<(&str, String)>,
        details: Option<Value>,
    ) -> Result<()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (caller.user.id, action.as_str(), &target).hash(&mut h);
        details.as_ref().map(|d| d.to_string()).hash(&mut h);
        if !self.recent_reads.first(h.finish(), Instant::now()) {
            return Ok(());
        }
        audit::record(&self.pool, &caller.actor, action, target, details).await?;
        Ok(())
    }

    /// Audit an export (`details`: the filters and the number of rows), before any of it
    /// is sent. Every export is written: unlike a window refreshing, it is a copy taken away.
    pub async fn record_export(
        &self,
        caller: &Caller<'_>,
        action: AuditAction,
        details: Value,
    ) -> Result<()> {
        audit::record(&self.pool, &caller.actor, action, None, Some(details)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_within_the_window_is_the_same_read() {
        let reads = RecentReads::default();
        let now = Instant::now();
        assert!(reads.first(1, now));
        assert!(!reads.first(1, now + Duration::from_secs(5)));
        assert!(reads.first(2, now));
        assert!(reads.first(1, now + SAME_READ + Duration::from_secs(1)));
    }
}
