//! The capacity planner at realistic provider latencies: after a warm-up gives it costs
//! to draw from, its predicted drain of bursts of 50 and 200 (all at once, 16 workers)
//! against the drain measured by `aduan-server loadtest`'s own burst runner.

use std::time::Duration;

use aduan_server::loadtest::Target;
use serde_json::json;

use crate::procs::{llm_sim, server};

type Rows = Vec<(String, String, String)>;

const WORKERS: u32 = 16;

pub async fn capacity() -> Rows {
    let mut rows = Vec::new();
    for latency in ["2000-5000", "20000-50000"] {
        rows.extend(at_latency(latency).await);
    }
    rows
}

async fn at_latency(latency_ms: &str) -> Rows {
    let sim = llm_sim(&["--latency-ms", latency_ms, "--max-in-flight", "1000"]).await;
    let p = server(&[
        ("ADUAN_LLM_URL", format!("{}/v1", sim.base)),
        ("ADUAN_WORKERS", WORKERS.to_string()),
    ])
    .await;
    let t = Target::new(&p.base, &p.token).unwrap();
    let timeout = Duration::from_secs(3600);
    // Two rounds of the pool: costs for the planner to draw from.
    warm_up(&p, 2 * WORKERS).await;
    let mut rows = Vec::new();
    for n in [50, 200] {
        let b = t.burst(n, 0.0, timeout).await.unwrap();
        let error = (b.predicted_p50_s - b.measured_s) / b.measured_s * 100.0;
        eprintln!(
            "{latency_ms} ms, {n} at once: predicted {:.1} s (p95 {:.1} s), measured {:.1} s ({error:+.0} %)",
            b.predicted_p50_s, b.predicted_p95_s, b.measured_s
        );
        rows.push((
            format!("capacity: burst of {n} at once, calls {latency_ms} ms, {WORKERS} workers"),
            format!(
                "predicted {:.1} s (p95 {:.1} s), measured {:.1} s ({error:+.0} %)",
                b.predicted_p50_s, b.predicted_p95_s, b.measured_s
            ),
            "within ±20 %".into(),
        ));
    }
    p.stop().await;
    sim.stop().await;
    rows
}

/// Send `n` complaints at once and wait until none is left in the queue.
async fn warm_up(p: &crate::procs::Proc, n: u32) {
    let client = p.client();
    for i in 0..n {
        let body = json!({"channel": "web", "description": format!("Warm-up #{i}: pegawai meminta RM{i} untuk permit.")});
        let r = client
            .post(format!("{}/api/v1/complaints", p.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1800);
    loop {
        let s: serde_json::Value = client
            .get(format!("{}/api/v1/processing/summary", p.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if s["waiting"] == 0 && s["in_flight"] == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "warm-up did not drain: {s}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
