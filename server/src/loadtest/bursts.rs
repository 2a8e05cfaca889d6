//! One burst: the planner's prediction asked first, then the complaints sent at an even
//! pace, then the drain measured by the server's own clock from their status histories.

use std::collections::HashMap;
use std::time::Duration;

use aduan_api::capacity::CapacityReport;
use aduan_api::complaint::{ComplaintAccepted, ComplaintDetail, ComplaintStatus};
use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use uuid::Uuid;

use super::Target;

/// Predicted against measured, in seconds.
#[derive(Debug, Clone)]
pub struct BurstResult {
    pub n: u32,
    pub over_s: f64,
    pub predicted_p50_s: f64,
    pub predicted_p95_s: f64,
    pub measured_s: f64,
}

/// Send `n` complaints over `over_s` seconds and wait until all are analysed (or failed
/// for good), at most `timeout`.
pub async fn run(
    t: &Target,
    n: u32,
    over_s: f64,
    timeout: Duration,
) -> anyhow::Result<BurstResult> {
    let report: CapacityReport = t
        .get(&format!("/admin/capacity?burst={n}&over_s={over_s}"))
        .await?;
    let ids = send_paced(t, n, over_s).await?;
    let done = wait_analysed(t, &ids, timeout).await?;
    let first = done.values().map(|d| d.0).min().context("no complaint")?;
    let last = done.values().map(|d| d.1).max().context("no complaint")?;
    Ok(BurstResult {
        n,
        over_s,
        predicted_p50_s: report.asked.drain_p50_s,
        predicted_p95_s: report.asked.drain_p95_s,
        measured_s: (last - first).num_milliseconds() as f64 / 1000.0,
    })
}

async fn send_paced(t: &Target, n: u32, over_s: f64) -> anyhow::Result<Vec<Uuid>> {
    let start = tokio::time::Instant::now();
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..n {
        let at = start + Duration::from_secs_f64(over_s * f64::from(i) / f64::from(n));
        let (client, url, body) = (t.client.clone(), t.url("/complaints"), t.complaint(i));
        sent.spawn(async move {
            tokio::time::sleep_until(at).await;
            let r = client
                .post(url)
                .json(&body)
                .send()
                .await?
                .error_for_status()?;
            Ok::<_, anyhow::Error>(r.json::<ComplaintAccepted>().await?.id)
        });
    }
    let mut ids = Vec::with_capacity(n as usize);
    while let Some(r) = sent.join_next().await {
        ids.push(r??);
    }
    Ok(ids)
}

/// Poll the complaints still pending until each is analysed: (received, analysed) each.
async fn wait_analysed(
    t: &Target,
    ids: &[Uuid],
    timeout: Duration,
) -> anyhow::Result<HashMap<Uuid, (DateTime<Utc>, DateTime<Utc>)>> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut done = HashMap::new();
    loop {
        let pending: Vec<Uuid> = ids
            .iter()
            .filter(|id| !done.contains_key(*id))
            .copied()
            .collect();
        if pending.is_empty() {
            return Ok(done);
        }
        if tokio::time::Instant::now() > deadline {
            bail!(
                "{} of {} complaints not analysed within {timeout:?}",
                pending.len(),
                ids.len()
            );
        }
        let details: Vec<anyhow::Result<ComplaintDetail>> = futures::stream::iter(pending)
            .map(|id| async move { t.get(&format!("/complaints/{id}")).await })
            .buffer_unordered(16)
            .collect()
            .await;
        for d in details {
            let d = d?;
            let finished = d.history.iter().rev().find(|h| {
                matches!(
                    h.status,
                    ComplaintStatus::Enriched | ComplaintStatus::Failed
                )
            });
            if let (true, Some(h)) = (finished_status(d.status), finished) {
                done.insert(d.id, (d.created_at, h.at));
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn finished_status(s: ComplaintStatus) -> bool {
    matches!(s, ComplaintStatus::Enriched | ComplaintStatus::Failed)
}
