//! `aduan-server loadtest`: the old capacity document's test plan, run against a
//! deployment with measured numbers: intake as `ab -c 10` and `ab -c 64` would send it,
//! dashboard reads at `-c 100`, and bursts with the planner's predicted drain beside the
//! measured one. Its complaints carry a marker in their description and are removed from
//! the database afterwards unless `--keep`.

mod bursts;
mod hammer;

use std::time::Duration;

use anyhow::{bail, Context};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::capacity::words::duration;
use crate::config::LoadtestArgs;
use crate::db::{self, Database};
use hammer::{hammer, Stats};

pub use bursts::BurstResult;

/// The server under test, signed in.
pub struct Target {
    client: reqwest::Client,
    base: String,
    marker: String,
}

impl Target {
    /// `base` is the server's root URL; `token` an admin's.
    pub fn new(base: &str, token: &str) -> anyhow::Result<Target> {
        let mut headers = HeaderMap::new();
        let bearer = HeaderValue::from_str(&format!("Bearer {token}")).context("the token")?;
        headers.insert(AUTHORIZATION, bearer);
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(256)
            .build()?;
        let run_id = &uuid::Uuid::new_v4().simple().to_string()[..8];
        Ok(Target {
            client,
            base: base.trim_end_matches('/').to_string(),
            marker: format!("[aduan-loadtest {run_id}]"),
        })
    }

    /// Predict a burst of `n` over `over_s` seconds, send it, and measure its drain.
    pub async fn burst(
        &self,
        n: u32,
        over_s: f64,
        timeout: Duration,
    ) -> anyhow::Result<BurstResult> {
        bursts::run(self, n, over_s, timeout).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let r = self.client.get(self.url(path)).send().await?;
        let status = r.status();
        if !status.is_success() {
            bail!(
                "GET {path}: {status}: {}",
                r.text().await.unwrap_or_default()
            );
        }
        Ok(r.json().await?)
    }

    async fn patch(&self, path: &str, body: Value) -> anyhow::Result<()> {
        let r = self.client.patch(self.url(path)).json(&body).send().await?;
        if !r.status().is_success() {
            bail!("PATCH {path}: {}", r.status());
        }
        Ok(())
    }

    /// A complaint of this run, its marker first.
    fn complaint(&self, i: u32) -> Value {
        json!({
            "channel": "other",
            "description": format!("{} #{i}: Pegawai kastam meminta RM{} untuk melepaskan barang di pelabuhan.", self.marker, 100 + i),
        })
    }
}

/// Loopback targets only, unless the operator says otherwise: this sends hundreds of
/// complaints.
fn check_target(url: &url::Url, yes: bool) -> anyhow::Result<()> {
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback && !yes {
        bail!("{url} is not this machine: a load test sends it hundreds of complaints; add --yes to go ahead");
    }
    Ok(())
}

/// Run the plan and print its tables.
pub async fn run(args: &LoadtestArgs) -> anyhow::Result<()> {
    check_target(&args.url, args.yes)?;
    let t = Target::new(args.url.as_str(), &args.token)?;
    let me: Value = t.get("/me").await.context("signing in with the token")?;
    if me["role"] != "admin" {
        bail!("the token must be an admin's (it is {}'s)", me["username"]);
    }
    println!("Load test {} against {}\n", t.marker, t.base);
    let outcome = plan(&t, args).await;
    if !args.keep {
        let removed = remove(args, &t.marker)
            .await
            .context("removing the test's complaints")?;
        println!("\nRemoved the {removed} complaints of this test (--keep keeps them).");
    }
    outcome
}

async fn plan(t: &Target, args: &LoadtestArgs) -> anyhow::Result<()> {
    // Intake alone: the workers are paused meanwhile, so the figures are the intake's and
    // the provider is not sent thousands of test complaints.
    let processing: Value = t.get("/admin/processing").await?;
    let was_paused = processing["workers"]["paused"] == true;
    t.patch("/admin/processing", json!({"paused": true}))
        .await?;
    let mut intake = Vec::new();
    for c in [10, 64] {
        intake.push(intake_run(t, args.intake_requests, c).await);
    }
    if !args.keep {
        remove(args, &t.marker).await?;
    }
    t.patch("/admin/processing", json!({"paused": was_paused}))
        .await?;
    print_stats("Intake (POST /api/v1/complaints, workers paused)", &intake);

    let url = t.url("/analytics/dashboard");
    let client = t.client.clone();
    let reads = hammer(args.dashboard_requests, 100, move |_| client.get(&url)).await;
    print_stats(
        "Dashboard reads (GET /api/v1/analytics/dashboard)",
        &[reads],
    );

    if was_paused {
        println!("\nProcessing is paused on this deployment: bursts skipped.");
        return Ok(());
    }
    println!(
        "\nBursts (on top of the queue as it is; drain = first arrival until the last is analysed)"
    );
    println!(
        "{:>8} {:>10} {:>16} {:>16} {:>10} {:>8}",
        "burst", "over", "predicted p50", "predicted p95", "measured", "error"
    );
    let timeout = Duration::from_secs(args.burst_timeout_s);
    for &n in &args.bursts {
        let b = bursts::run(t, n, args.over_s, timeout).await?;
        let error = (b.predicted_p50_s - b.measured_s) / b.measured_s.max(1e-9) * 100.0;
        println!(
            "{:>8} {:>10} {:>16} {:>16} {:>10} {:>7.0}%",
            b.n,
            duration(b.over_s),
            duration(b.predicted_p50_s),
            duration(b.predicted_p95_s),
            duration(b.measured_s),
            error
        );
    }
    Ok(())
}

async fn intake_run(t: &Target, n: u32, c: u32) -> Stats {
    let (client, url) = (t.client.clone(), t.url("/complaints"));
    let bodies: Vec<Value> = (0..n).map(|i| t.complaint(i)).collect();
    hammer(n, c, move |i| client.post(&url).json(&bodies[i as usize])).await
}

fn print_stats(title: &str, runs: &[Stats]) {
    println!("\n{title}");
    println!(
        "{:>10} {:>12} {:>8} {:>12} {:>12} {:>12}",
        "requests", "concurrency", "failed", "per second", "p50", "p99"
    );
    for s in runs {
        println!(
            "{:>10} {:>12} {:>8} {:>12.0} {:>10.1}ms {:>10.1}ms",
            s.requests,
            s.concurrency,
            s.failed,
            s.per_second(),
            s.p50_ms,
            s.p99_ms
        );
    }
}

/// Delete every complaint carrying `marker`, with what hangs off it.
async fn remove(args: &LoadtestArgs, marker: &str) -> anyhow::Result<u64> {
    let db = Database::open(&args.db).await?;
    let removed = db::complaints::purge_marked(&db.pool, marker).await;
    db.close_tool().await;
    Ok(removed?)
}
