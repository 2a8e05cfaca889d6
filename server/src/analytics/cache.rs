//! A cache of serialised replies, one per key, current while the change [`Generation`]
//! they were computed at is, and served for a bounded time after it is not.
//!
//! Reads are a map lookup under a short lock and an `Arc` clone: the hot path touches no
//! database and serialises nothing. ONE computation runs for a key at a time (single
//! flight). A reply behind the latest change but computed less than [`Freshness::Within`]
//! ago is served at once while one background computation refreshes it: while work drains
//! and every second brings changes, readers do not queue behind recomputations. A reader
//! asking for [`Freshness::Latest`] (its own change must show), or finding a reply older
//! than the bound, waits for a computation that started after it arrived.
//!
//! The computation runs in its own task, so a client hanging up does not waste it. When
//! it fails, the readers that queued behind it get [`Failure::Recent`] at once instead of
//! each trying (and timing out) in turn.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::events::Generation;

/// Most keys kept; beyond it, idle keys are dropped.
const MAX_KEYS: usize = 64;

/// How current a read needs its reply to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Reflecting every change this instance knew of when the read arrived.
    Latest,
    /// At most this old when behind a change.
    Within(Duration),
}

/// A computed reply.
#[derive(Debug)]
pub struct Snapshot {
    /// The generation read before the computation started: it reflects every change
    /// counted up to here.
    pub generation: u64,
    pub body: Bytes,
    /// The opaque part of the entity tag (without quotes).
    pub etag: String,
    /// When its computation started: the figures are at least this recent.
    pub started: Instant,
}

/// Why a read got no reply.
#[derive(Debug)]
pub enum Failure<E> {
    /// This read's own computation failed.
    Compute(E),
    /// A computation that started after this read arrived failed just now.
    Recent,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
    /// Replies behind a change, served within the staleness bound.
    pub stale_hits: AtomicU64,
    pub computes: AtomicU64,
    pub failures: AtomicU64,
}

struct Entry {
    snapshot: Option<Arc<Snapshot>>,
    /// Held while computing; holds the time of the last failed computation.
    flight: Arc<tokio::sync::Mutex<Option<Instant>>>,
}

pub struct Cache<K> {
    generation: Generation,
    entries: Mutex<HashMap<K, Entry>>,
    pub stats: CacheStats,
}

impl<K: Hash + Eq + Clone + Send + 'static> Cache<K> {
    pub fn new(generation: Generation) -> Arc<Self> {
        Arc::new(Cache {
            generation,
            entries: Mutex::new(HashMap::new()),
            stats: CacheStats::default(),
        })
    }

    /// The reply for `key`: cached if current (or, with [`Freshness::Within`], recent
    /// enough), else computed by `compute` (which returns the body and its entity tag) —
    /// once, however many readers wait for it.
    pub async fn get<E, F, Fut>(
        self: &Arc<Self>,
        key: K,
        freshness: Freshness,
        compute: F,
    ) -> Result<Arc<Snapshot>, Failure<E>>
    where
        E: Send + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Bytes, String), E>> + Send + 'static,
    {
        let arrived = Instant::now();
        let wanted = self.generation.current();
        let flight = match self.lookup(&key, wanted) {
            Ok(snapshot) => {
                self.stats.hits.fetch_add(1, Relaxed);
                return Ok(snapshot);
            }
            Err((Some(stale), flight)) if Self::recent(&stale, freshness) => {
                self.stats.stale_hits.fetch_add(1, Relaxed);
                // One refresh at a time: if one is running, it will do.
                if let Ok(guard) = flight.try_lock_owned() {
                    let refresh = self.compute(key, guard, compute);
                    tokio::spawn(refresh);
                }
                return Ok(stale);
            }
            Err((_, flight)) => flight,
        };
        let guard = flight.lock_owned().await;
        // Whoever held the lock before may have computed what this read needs.
        if let Ok(snapshot) = self.lookup(&key, wanted) {
            self.stats.hits.fetch_add(1, Relaxed);
            return Ok(snapshot);
        }
        if guard.is_some_and(|failed| failed >= arrived) {
            return Err(Failure::Recent);
        }
        // In its own task, so a client hanging up does not waste it.
        tokio::spawn(self.compute(key, guard, compute))
            .await
            .unwrap_or(Err(Failure::Recent))
    }

    fn recent(snapshot: &Snapshot, freshness: Freshness) -> bool {
        matches!(freshness, Freshness::Within(bound) if snapshot.started.elapsed() <= bound)
    }

    /// Compute `key`'s reply holding its flight lock, and store it.
    fn compute<E, F, Fut>(
        self: &Arc<Self>,
        key: K,
        mut guard: tokio::sync::OwnedMutexGuard<Option<Instant>>,
        compute: F,
    ) -> impl Future<Output = Result<Arc<Snapshot>, Failure<E>>> + Send + 'static
    where
        E: Send + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Bytes, String), E>> + Send + 'static,
    {
        // Read before the computation starts: changes counted later may be missing from
        // it, and then make it stale at once.
        let generation = self.generation.current();
        let started = Instant::now();
        self.stats.computes.fetch_add(1, Relaxed);
        let work = compute();
        let this = Arc::clone(self);
        async move {
            match work.await {
                Ok((body, etag)) => {
                    let snapshot = Arc::new(Snapshot {
                        generation,
                        body,
                        etag,
                        started,
                    });
                    this.store(key, snapshot.clone());
                    *guard = None;
                    Ok(snapshot)
                }
                Err(e) => {
                    this.stats.failures.fetch_add(1, Relaxed);
                    *guard = Some(Instant::now());
                    Err(Failure::Compute(e))
                }
            }
        }
    }

    /// The snapshot if it reflects generation `wanted`, else the key's flight lock with
    /// the older snapshot, if any.
    #[allow(clippy::type_complexity)]
    fn lookup(
        &self,
        key: &K,
        wanted: u64,
    ) -> Result<
        Arc<Snapshot>,
        (
            Option<Arc<Snapshot>>,
            Arc<tokio::sync::Mutex<Option<Instant>>>,
        ),
    > {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = entries.get(key) {
            return match &entry.snapshot {
                Some(s) if s.generation >= wanted => Ok(s.clone()),
                other => Err((other.clone(), entry.flight.clone())),
            };
        }
        if entries.len() >= MAX_KEYS {
            // Keep only the keys someone is computing or waiting for.
            entries.retain(|_, e| Arc::strong_count(&e.flight) > 1);
        }
        let flight = Arc::new(tokio::sync::Mutex::new(None));
        entries.insert(
            key.clone(),
            Entry {
                snapshot: None,
                flight: flight.clone(),
            },
        );
        Err((None, flight))
    }

    fn store(&self, key: K, snapshot: Arc<Snapshot>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get_mut(&key) {
            Some(entry) => entry.snapshot = Some(snapshot),
            // Dropped meanwhile by the size limit: keep the result anyway.
            None => {
                entries.insert(
                    key,
                    Entry {
                        snapshot: Some(snapshot),
                        flight: Arc::new(tokio::sync::Mutex::new(None)),
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;
    use Freshness::Latest;

    type Counted = (Arc<Cache<u8>>, Generation, Arc<AtomicUsize>);
    type Work =
        std::pin::Pin<Box<dyn Future<Output = Result<(Bytes, String), &'static str>> + Send>>;

    fn cache() -> Counted {
        let g = Generation::default();
        (Cache::new(g.clone()), g, Arc::new(AtomicUsize::new(0)))
    }

    /// A computation that takes `ms` and answers with the number of computations so far.
    fn slow(calls: &Arc<AtomicUsize>, ms: u64) -> impl FnOnce() -> Work {
        let calls = calls.clone();
        move || {
            Box::pin(async move {
                let n = calls.fetch_add(1, Relaxed) + 1;
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok((Bytes::from(n.to_string()), format!("e{n}")))
            })
        }
    }

    #[tokio::test]
    async fn concurrent_readers_share_one_computation() {
        let (c, _, calls) = cache();
        let readers: Vec<_> = (0..50)
            .map(|_| {
                let (c, calls) = (c.clone(), calls.clone());
                tokio::spawn(async move { c.get(1, Latest, slow(&calls, 50)).await.unwrap() })
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.unwrap().body, "1");
        }
        assert_eq!(calls.load(Relaxed), 1);
        assert_eq!(
            c.get(1, Latest, slow(&calls, 0)).await.unwrap().body,
            "1",
            "cached"
        );
        assert_eq!(calls.load(Relaxed), 1);
    }

    #[tokio::test]
    async fn a_change_makes_the_next_read_recompute() {
        let (c, g, calls) = cache();
        assert_eq!(c.get(1, Latest, slow(&calls, 0)).await.unwrap().body, "1");
        g.bump();
        assert_eq!(c.get(1, Latest, slow(&calls, 0)).await.unwrap().body, "2");
        assert_eq!(
            c.get(2, Latest, slow(&calls, 0)).await.unwrap().body,
            "3",
            "per key"
        );
    }

    #[tokio::test]
    async fn a_read_after_a_change_never_gets_a_computation_started_before_it() {
        let (c, g, calls) = cache();
        let early = {
            let (c, calls) = (c.clone(), calls.clone());
            tokio::spawn(async move { c.get(1, Latest, slow(&calls, 100)).await.unwrap() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        g.bump(); // a change lands while the first computation runs
        let late = c.get(1, Latest, slow(&calls, 10)).await.unwrap();
        assert_eq!(early.await.unwrap().body, "1");
        assert_eq!(
            late.body, "2",
            "the late reader waited for a fresh computation"
        );
    }

    #[tokio::test]
    async fn readers_behind_a_failure_fail_fast() {
        let (c, _, calls) = cache();
        let failing = || async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err::<(Bytes, String), _>("down")
        };
        let first = {
            let c = c.clone();
            tokio::spawn(async move { c.get(1, Latest, failing).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = c.get(1, Latest, slow(&calls, 0)).await;
        assert!(matches!(
            first.await.unwrap(),
            Err(Failure::Compute("down"))
        ));
        assert!(matches!(second, Err(Failure::Recent)));
        assert_eq!(calls.load(Relaxed), 0);
        assert_eq!(
            c.get(1, Latest, slow(&calls, 0)).await.unwrap().body,
            "1",
            "then retried"
        );
    }

    #[tokio::test]
    async fn within_the_bound_a_reply_behind_a_change_is_served_while_one_refresh_runs() {
        let (c, g, calls) = cache();
        let soon = Freshness::Within(Duration::from_secs(60));
        assert_eq!(c.get(1, soon, slow(&calls, 0)).await.unwrap().body, "1");
        g.bump();
        // Served at once, refreshed behind it: readers never wait for the 100 ms.
        for _ in 0..20 {
            let started = Instant::now();
            assert_eq!(c.get(1, soon, slow(&calls, 100)).await.unwrap().body, "1");
            assert!(started.elapsed() < Duration::from_millis(50));
        }
        // A read that needs the latest waits for it: the one refresh.
        assert_eq!(c.get(1, Latest, slow(&calls, 0)).await.unwrap().body, "2");
        assert_eq!(calls.load(Relaxed), 2, "one refresh for twenty stale reads");
        assert_eq!(c.stats.stale_hits.load(Relaxed), 20);
    }

    #[tokio::test]
    async fn beyond_the_bound_a_reply_behind_a_change_is_recomputed() {
        let (c, g, calls) = cache();
        let bound = Freshness::Within(Duration::from_millis(30));
        assert_eq!(c.get(1, bound, slow(&calls, 0)).await.unwrap().body, "1");
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            c.get(1, bound, slow(&calls, 0)).await.unwrap().body,
            "1",
            "no change"
        );
        g.bump();
        assert_eq!(c.get(1, bound, slow(&calls, 0)).await.unwrap().body, "2");
    }
}
