use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Jobs by state, across all instances.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct QueueDepth {
    #[ts(type = "number")]
    pub queued: i64,
    #[ts(type = "number")]
    pub running: i64,
    #[ts(type = "number")]
    pub retrying: i64,
    /// Complaints whose enrichment failed for good and await a reprocess.
    #[ts(type = "number")]
    pub failed: i64,
    /// Seconds the oldest due job has waited; 0 when none waits.
    pub oldest_queued_age_s: f64,
}

/// The worker pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct WorkerState {
    /// The bound on concurrent enrichments, all instances together.
    pub limit: u32,
    /// This instance's adaptive limit (lower than `limit` while the provider pushes back).
    pub adaptive_limit: u32,
    /// Enrichments in flight, all instances together.
    #[ts(type = "number")]
    pub in_flight: i64,
    pub paused: bool,
    pub provider: ProviderKind,
}

/// Which enricher the workers call.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProviderKind {
    /// An OpenAI-compatible chat-completions endpoint.
    Openai,
    /// The offline enricher built into the server.
    #[default]
    Builtin,
}

impl ProviderKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Builtin => "builtin",
        }
    }
}

/// Counts of this instance's enrichment outcomes since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct InstanceCounters {
    #[ts(type = "number")]
    pub succeeded: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub retries: u64,
    /// Provider replies of 429 (rate limited).
    #[ts(type = "number")]
    pub rate_limited: u64,
    #[ts(type = "number")]
    pub timeouts: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
}

/// `GET /api/v1/admin/processing`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ProcessingStatus {
    pub queue: QueueDepth,
    pub workers: WorkerState,
    /// Enrichments finished in the last minute.
    #[ts(type = "number")]
    pub throughput_per_min: i64,
    /// Time from claim to result over the last 15 minutes.
    pub latency_ms: Latency,
    /// Expected seconds until a complaint submitted now is enriched.
    pub eta_s_for_new_complaint: f64,
    /// Counters of this instance since it started.
    pub instance_counters: InstanceCounters,
}

/// `PATCH /api/v1/admin/processing`: change the bound and/or pause, live.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ProcessingChange {
    /// The bound on concurrent enrichments, all instances together.
    #[serde(default)]
    #[ts(optional)]
    #[schema(minimum = 1, maximum = 10_000)]
    pub concurrency: Option<u32>,
    #[serde(default)]
    #[ts(optional)]
    pub paused: Option<bool>,
}

/// `GET /api/v1/processing/summary`: the compact indicator every signed-in user sees.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ProcessingSummary {
    /// Complaints waiting for enrichment (queued or waiting to retry).
    #[ts(type = "number")]
    pub waiting: i64,
    #[ts(type = "number")]
    pub in_flight: i64,
    pub paused: bool,
    /// Expected seconds until a complaint submitted now is enriched.
    pub eta_s_for_new_complaint: f64,
}
