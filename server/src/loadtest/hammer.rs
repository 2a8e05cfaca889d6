//! Many requests at a fixed concurrency, as `ab -n N -c C` sends them, and what they took.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::capacity::model::percentile;

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Stats {
    pub requests: u32,
    pub concurrency: u32,
    pub failed: u32,
    pub elapsed: Duration,
    /// Milliseconds.
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Stats {
    pub fn per_second(&self) -> f64 {
        f64::from(self.requests) / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Send `n` requests made by `request(i)`, `c` at a time. A reply other than 2xx, or none,
/// counts as failed.
pub async fn hammer<F>(n: u32, c: u32, request: F) -> Stats
where
    F: Fn(u32) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let next = Arc::new(AtomicU32::new(0));
    let times = Arc::new(Mutex::new(Vec::with_capacity(n as usize)));
    let failed = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..c.max(1) {
        let (request, next, times, failed) =
            (request.clone(), next.clone(), times.clone(), failed.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let sent = Instant::now();
                let ok = match request(i).send().await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        // Read the body: a reply is only over once it is all in.
                        ok && r.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                let ms = sent.elapsed().as_secs_f64() * 1000.0;
                times.lock().expect("times").push(ms);
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let times = std::mem::take(&mut *times.lock().expect("times"));
    Stats {
        requests: n,
        concurrency: c,
        failed: failed.load(Ordering::Relaxed),
        elapsed,
        p50_ms: percentile(times.clone(), 50.0),
        p99_ms: percentile(times, 99.0),
    }
}
