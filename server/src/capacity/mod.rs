//! The capacity planner: "will it cope?" answered from live measurements.
//!
//! `model` simulates the queue, drawing each complaint's cost from those analysed in the
//! last day; `plan` asks it the admin's questions; `history` keeps compact samples of
//! throughput, queue and wait; `words` says the answer in a sentence.

pub mod history;
pub mod model;
pub mod plan;
pub mod words;

use aduan_api::capacity::{CapacityHistory, CapacityReport, PoolFigures, WindowFigures};
use aduan_api::processing::{ProviderKind, QueueDepth};
use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::db::{self, capacity::Span};
use crate::queue::jobs::figures;
use crate::queue::QueueControl;
use model::Work;
use plan::{Asked, Measured, Now};

const HOUR_S: f64 = 3_600.0;
const DAY_S: f64 = 86_400.0;
/// Most recent complaints the costs are drawn from.
const MAX_COSTS: i64 = 5_000;
/// The expected wait at intake is asked for often: fewer, fresher costs.
const ETA_COSTS: i64 = 500;

/// A call's time when nothing was measured yet, by provider.
pub fn default_call_s(provider: ProviderKind) -> f64 {
    match provider {
        ProviderKind::Builtin => 0.01,
        ProviderKind::Openai => 5.0,
    }
}

/// The last hour's and day's figures and the costs of the day's complaints.
pub async fn measure(pool: &PgPool) -> Result<Measured, sqlx::Error> {
    let costs = figures::costs(pool, DAY_S, MAX_COSTS)
        .await?
        .into_iter()
        .map(|(work_s, calls)| Work {
            work_s,
            calls: calls.max(0) as u32,
        })
        .collect();
    Ok(Measured {
        costs,
        last_hour: window(pool, HOUR_S).await?,
        last_day: window(pool, DAY_S).await?,
    })
}

async fn window(pool: &PgPool, window_s: f64) -> Result<WindowFigures, sqlx::Error> {
    let f = figures::finished_within(pool, window_s).await?;
    let (received, peak_hour_received) = db::capacity::received_within(pool, window_s).await?;
    Ok(WindowFigures {
        window_s,
        received,
        analysed: f.analysed,
        work_p50_s: f.work_p50_s.unwrap_or(0.0),
        work_p95_s: f.work_p95_s.unwrap_or(0.0),
        calls_per_complaint: f.calls_per_complaint.unwrap_or(0.0),
        wait_p50_s: f.wait_p50_s.unwrap_or(0.0),
        wait_p95_s: f.wait_p95_s.unwrap_or(0.0),
        peak_hour_received,
    })
}

/// The queue and pool now, as the simulation starts from them.
pub async fn now(pool: &PgPool, queue: &QueueControl) -> Result<Now, sqlx::Error> {
    let settings = db::processing::settings(pool).await?;
    let depth = figures::depth(pool).await?;
    Ok(now_from(queue, settings.concurrency.max(1) as u32, depth))
}

/// [`now`] from figures the caller has read already.
pub fn now_from(queue: &QueueControl, bound: u32, depth: QueueDepth) -> Now {
    let snap = queue.snapshot();
    let (base, cap) = queue.backoff();
    Now {
        pool: PoolFigures {
            bound,
            adaptive_limit: snap.adaptive_limit,
            rate_limited: snap.rate_limited_total,
            timeouts: snap.timeouts_total,
        },
        queue: depth,
        backoff_base_s: base.as_secs_f64(),
        backoff_cap_s: cap.as_secs_f64(),
        default_call_s: default_call_s(queue.provider()),
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the simulation did not finish: {0}")]
    Simulation(#[from] tokio::task::JoinError),
}

/// The whole report: measurements, predictions (simulated off the async threads) and
/// history.
pub async fn report(
    pool: &PgPool,
    queue: &QueueControl,
    asked: Asked,
) -> Result<CapacityReport, ReportError> {
    let measured = measure(pool).await?;
    let now = now(pool, queue).await?;
    let at = Utc::now();
    let history = CapacityHistory {
        minutes: db::capacity::history(pool, Span::Minute, at - Duration::hours(24)).await?,
        hours: db::capacity::history(pool, Span::Hour, at - Duration::days(30)).await?,
    };
    let (measured, now, p) = tokio::task::spawn_blocking(move || {
        let p = plan::plan(&measured, &now, &asked);
        (measured, now, p)
    })
    .await?;
    Ok(CapacityReport {
        at,
        last_hour: measured.last_hour,
        last_day: measured.last_day,
        pool: now.pool,
        queue: now.queue,
        assumptions: p.assumptions,
        throughput: p.throughput,
        predicted_drain_s: p.asked.drain_p50_s,
        asked: p.asked,
        scenarios: p.scenarios,
        sizing: p.sizing,
        summary: p.summary,
        history,
    })
}

/// Expected seconds until a complaint submitted now is analysed: the same simulation, for
/// a burst of one on top of the queue, with the costs of the last hour.
pub async fn eta_for_new_complaint(pool: &PgPool, now: Now) -> Result<f64, ReportError> {
    let costs = figures::costs(pool, HOUR_S, ETA_COSTS).await?;
    let measured = Measured {
        costs: costs
            .into_iter()
            .map(|(work_s, calls)| Work {
                work_s,
                calls: calls.max(0) as u32,
            })
            .collect(),
        ..Measured::default()
    };
    Ok(tokio::task::spawn_blocking(move || plan::eta(&measured, &now)).await?)
}
