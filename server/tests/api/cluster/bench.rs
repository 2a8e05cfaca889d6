//! Intake and drain through HAProxy with one and with three instances, side by side: a
//! benchmark, not a test (`--ignored`), best run with `--release`:
//!
//! ```sh
//! cargo test --release -p aduan-server --test api -- --ignored cluster_scaling --nocapture
//! ```
//!
//! On one machine the instances share its cores with PostgreSQL, SeaweedFS and HAProxy, so
//! the point is what holds (nothing lost, the bound respected), not that three instances
//! are three times as fast.

use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduan_api::account::Role;
use serde_json::json;

use super::{load, Cluster};

/// Provider latency of the simulator: a fast model.
const LATENCY: Duration = Duration::from_millis(50);
const BOUND: usize = 16;
const COMPLAINTS: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "benchmark: run with --ignored --release"]
async fn cluster_scaling() {
    let mut rows = Vec::new();
    for instances in [1, 3] {
        let cluster = Cluster::start(instances, BOUND).await;
        cluster.llm.set_latency(LATENCY);
        rows.push((instances, measure(&cluster).await));
    }
    println!("\n| instances | intake (complaints/s, c=32) | intake with 1 MB in 10 (MB/s) | drain of {COMPLAINTS} (jobs/s, bound {BOUND}, {} ms calls) |", LATENCY.as_millis());
    println!("|---|---|---|---|");
    for (n, (intake, upload, drain)) in rows {
        println!("| {n} | {intake:.0} | {upload:.1} | {drain:.0} |");
    }
}

async fn measure(cluster: &Cluster) -> (f64, f64, f64) {
    let admin = cluster.client(Role::Admin);
    let pause = |paused: bool| {
        let admin = admin.clone();
        let url = format!("{}/api/v1/admin/processing", cluster.lb.base);
        async move {
            let r = admin
                .patch(url)
                .json(&json!({"paused": paused}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
    };
    pause(true).await;
    let intake = cluster.tokens[&Role::Intake].clone();
    let tally = Arc::new(load::Tally::default());
    let started = Instant::now();
    let entered = load::Load::new(&cluster.lb.base, &intake, "bench")
        .concurrency(32)
        .enter(0..COMPLAINTS, tally.clone())
        .await
        .len();
    let intake_rate = entered as f64 / started.elapsed().as_secs_f64();
    assert_eq!(tally.refused.load(SeqCst), 0);

    // 100 complaints of which 10 carry 1 MB.
    let started = Instant::now();
    load::Load::new(&cluster.lb.base, &intake, "bench-files")
        .concurrency(32)
        .with_files()
        .enter(0..100, tally.clone())
        .await;
    let upload = 10.0 / started.elapsed().as_secs_f64();

    let waiting = cluster
        .count("SELECT count(*) FROM complaints WHERE status <> 'enriched'")
        .await;
    let started = Instant::now();
    pause(false).await;
    cluster.wait_until_all_enriched().await;
    let drain = waiting as f64 / started.elapsed().as_secs_f64();
    (intake_rate, upload, drain)
}
