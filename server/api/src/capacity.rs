//! The capacity planner: `GET /api/v1/admin/capacity`. Measured figures of the last hour
//! and day, and predictions from a simulation of the queue driven by them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};

use crate::processing::QueueDepth;

/// Bounds of the query, as the server enforces them.
pub mod limits {
    pub const MAX_BURST: u32 = 100_000;
    pub const MAX_OVER_S: f64 = 86_400.0;
    pub const MAX_WORKERS: u32 = 10_000;
    pub const MIN_LATENCY_S: f64 = 0.001;
    pub const MAX_LATENCY_S: f64 = 3_600.0;
    pub const MAX_RATE_PER_MIN: f64 = 1_000_000.0;
    pub const MIN_TARGET_WAIT_S: f64 = 1.0;
    pub const MAX_TARGET_WAIT_S: f64 = 604_800.0;
}

/// `GET /api/v1/admin/capacity`: the burst to predict and what-if changes. Without a
/// what-if, today's settings and the measured latencies are used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
#[ts(export)]
pub struct CapacityQuery {
    /// Complaints in the burst (default 50).
    #[serde(default)]
    #[ts(optional)]
    #[param(minimum = 1, maximum = 100_000)]
    pub burst: Option<u32>,
    /// Seconds the burst is spread evenly over; 0 = all at once (default 60).
    #[serde(default)]
    #[ts(optional)]
    #[param(minimum = 0, maximum = 86_400)]
    pub over_s: Option<f64>,
    /// What-if: the worker bound (default: today's, as the adaptive limit allows).
    #[serde(default)]
    #[ts(optional)]
    #[param(minimum = 1, maximum = 10_000)]
    pub workers: Option<u32>,
    /// What-if: the provider's median seconds per call; the measured spread is kept.
    #[serde(default)]
    #[ts(optional)]
    #[param(minimum = 0.001, maximum = 3_600)]
    pub latency_s: Option<f64>,
    /// What-if: the provider's rate limit, calls per minute (default: none).
    #[serde(default)]
    #[ts(optional)]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub rate_per_min: Option<f64>,
    /// The wait the smallest sufficient bound is sought for, in seconds (default 600).
    #[serde(default)]
    #[ts(optional)]
    #[param(minimum = 1, maximum = 604_800)]
    pub target_wait_s: Option<f64>,
}

/// Where the cost of a complaint the simulation uses came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CostSource {
    /// The complaints analysed in the last day.
    Measured,
    /// The measured spread, rescaled to the `latency_s` asked for.
    WhatIf,
    /// Nothing analysed in the last day: one call of a typical time for the provider.
    Assumed,
}

/// Figures of one window of real work.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct WindowFigures {
    /// Seconds the window reaches back.
    pub window_s: f64,
    /// Complaints received.
    #[ts(type = "number")]
    pub received: i64,
    /// Analyses finished (enriched or failed for good).
    #[ts(type = "number")]
    pub analysed: i64,
    /// The provider's time per complaint, all its calls (retries included).
    pub work_p50_s: f64,
    pub work_p95_s: f64,
    /// Provider calls per complaint (1 when nothing was retried).
    pub calls_per_complaint: f64,
    /// Received until analysed.
    pub wait_p50_s: f64,
    pub wait_p95_s: f64,
    /// The busiest clock hour's complaints received.
    #[ts(type = "number")]
    pub peak_hour_received: i64,
}

/// The pool as it is now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct PoolFigures {
    /// The bound, all instances together.
    pub bound: u32,
    /// This instance's adaptive limit (below the bound while the provider pushes back).
    pub adaptive_limit: u32,
    /// Provider 429s and timeouts this instance met since it started.
    #[ts(type = "number")]
    pub rate_limited: u64,
    #[ts(type = "number")]
    pub timeouts: u64,
}

/// What the predictions assume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Assumptions {
    /// Concurrent calls.
    pub workers: u32,
    /// Median seconds per call, and the mean per complaint (all its calls).
    pub call_p50_s: f64,
    pub work_mean_s: f64,
    pub calls_per_complaint: f64,
    /// The provider's rate limit, calls per minute, if one is assumed.
    pub rate_per_min: Option<f64>,
    pub source: CostSource,
    /// Complaints the costs are drawn from.
    pub samples: u32,
    /// Simulated trials per prediction.
    pub trials: u32,
    /// Jobs waiting and running when each scenario begins.
    #[ts(type = "number")]
    pub backlog_waiting: i64,
    #[ts(type = "number")]
    pub backlog_running: i64,
}

/// Complaints analysed at full load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Throughput {
    pub per_minute: f64,
    pub per_hour: f64,
    pub per_day: f64,
}

/// One load and what it would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Scenario {
    /// A stable key (`steady_10h`, `burst_50_1m`, `peak_hour`, `asked`...).
    pub key: String,
    /// In words, e.g. "50 in one minute".
    pub label: String,
    pub complaints: u32,
    pub over_s: f64,
    /// Steady traffic (random arrivals) rather than a burst (evenly spread).
    pub steady: bool,
    /// The last complaint to arrive: seconds until it is analysed.
    pub last_wait_p50_s: f64,
    pub last_wait_p95_s: f64,
    /// The first arrival until all are analysed.
    pub drain_p50_s: f64,
    pub drain_p95_s: f64,
    /// Arrival rate against throughput while the load lasts.
    pub utilisation: f64,
    /// Steady loads: the pool keeps up (utilisation below 1). Bursts: the queue is empty
    /// again within an hour of the first arrival (95 % of trials).
    pub settles: bool,
}

/// The smallest bound that keeps the asked burst's last wait under the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Sizing {
    pub target_wait_s: f64,
    /// `None`: not even the largest bound allowed meets it (the rate limit, say).
    pub workers: Option<u32>,
    /// Concurrent calls the provider must accept for that bound, and calls a minute.
    pub provider_concurrency: Option<u32>,
    pub provider_calls_per_min: Option<f64>,
}

/// `GET /api/v1/admin/capacity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct CapacityReport {
    pub at: DateTime<Utc>,
    pub last_hour: WindowFigures,
    pub last_day: WindowFigures,
    pub pool: PoolFigures,
    pub queue: QueueDepth,
    pub assumptions: Assumptions,
    pub throughput: Throughput,
    /// The burst asked for: seconds from its first arrival, on top of the current queue,
    /// until its last complaint is analysed (median of the trials).
    pub predicted_drain_s: f64,
    pub asked: Scenario,
    /// The standard loads, then the day's own peak.
    pub scenarios: Vec<Scenario>,
    pub sizing: Sizing,
    /// The answer in one sentence.
    pub summary: String,
    pub history: CapacityHistory,
}

/// One compact sample of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct HistoryPoint {
    /// Start of the minute or hour.
    pub at: DateTime<Utc>,
    pub received: i32,
    pub analysed: i32,
    /// Jobs waiting at its end (the most seen, for an hour).
    pub waiting: i32,
    pub wait_p50_s: Option<f64>,
    pub wait_p95_s: Option<f64>,
}

/// Throughput, queue and wait: per minute over the last day, per hour over the last 30.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct CapacityHistory {
    pub minutes: Vec<HistoryPoint>,
    pub hours: Vec<HistoryPoint>,
}
