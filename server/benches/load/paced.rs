//! An open-loop load generator: each client sends on a fixed schedule whatever the server's
//! latency, and a latency counts from the scheduled send time. A stalled server therefore
//! cannot hide its stall by slowing the clients down (no "coordinated omission", as in
//! wrk2). `wrk` measures the other case: clients as fast as the server answers.

use std::time::Duration;

use tokio::time::Instant;

pub struct Report {
    pub sent: usize,
    pub failed: usize,
    pub secs: f64,
    /// Sorted.
    latencies: Vec<Duration>,
}

impl Report {
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    pub fn rate(&self) -> f64 {
        self.sent as f64 / self.secs
    }
}

/// POST `body` to `url` from `clients` connections at `rate` requests/s in all, for `secs`.
pub async fn post(
    url: &str,
    token: &str,
    body: &str,
    clients: usize,
    rate: f64,
    secs: f64,
) -> Report {
    let interval = Duration::from_secs_f64(clients as f64 / rate);
    let start = Instant::now() + Duration::from_millis(100);
    let end = start + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..clients)
        .map(|k| {
            // One connection per client, kept alive, as a desk or a kiosk would.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .http1_only()
                .build()
                .unwrap();
            let (url, token, body) = (url.to_string(), token.to_string(), body.to_string());
            // Clients are spread evenly over one interval.
            let offset = interval.mul_f64(k as f64 / clients as f64);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failed = 0;
                let mut due = start + offset;
                while due < end {
                    tokio::time::sleep_until(due).await;
                    let ok = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    latencies.push(due.elapsed());
                    failed += usize::from(!ok);
                    due += interval;
                }
                (latencies, failed)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (l, f) = task.await.unwrap();
        latencies.extend(l);
        failed += f;
    }
    latencies.sort();
    Report {
        sent: latencies.len(),
        failed,
        secs,
        latencies,
    }
}
