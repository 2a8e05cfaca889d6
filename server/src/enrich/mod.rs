//! AI enrichment: one structured call turns a complaint's free text into 5W1H,
//! classification, sector, Acts and sections (see `shared/DOMAIN.md`).
//!
//! The queue (`crate::queue`) only sees [`Enricher`]: it hands over a complaint and gets
//! either a validated result or a transport-level [`ProviderError`] that it retries.
//! Content problems (refusals, replies that stay invalid after one repair) never reach the
//! queue as errors: they fall back to the builtin enricher and are flagged `needs_review`.

use std::time::Duration;

use aduan_api::enrichment::Enrichment;
use chrono::NaiveDate;
use uuid::Uuid;

/// What a provider is asked to enrich.
#[derive(Debug, Clone)]
pub struct EnrichRequest {
    pub complaint_id: Uuid,
    /// The complaint text (description plus location/agency hints as entered).
    pub text: String,
    /// The date the complaint was received, for resolving "semalam", "minggu lepas".
    pub received: NaiveDate,
}

/// Where a result came from, stored beside it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Provenance {
    /// `openai` or `builtin`.
    pub provider: String,
    pub model: Option<String>,
    pub prompt_version: String,
    pub schema_hash: String,
    pub latency_ms: u64,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    /// Provider calls made for this result (a length retry or a repair call counts).
    pub calls: u32,
    /// Why the builtin enricher stood in for the configured LLM, if it did.
    pub fallback_reason: Option<String>,
}

/// A finished enrichment.
#[derive(Debug, Clone)]
pub struct EnrichOutcome {
    pub result: Enrichment,
    pub provenance: Provenance,
    /// The result needs an officer's eye (fallback, low confidence, repaired output).
    pub needs_review: bool,
    /// The provider's raw reply(ies), kept for admins. `None` for builtin.
    pub raw_reply: Option<serde_json::Value>,
}

/// Transport-level failures the queue retries. Never carries the API key.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// HTTP 429: re-schedule without spending an attempt, honouring `Retry-After`.
    #[error("provider rate limit (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// No reply within the configured timeout.
    #[error("provider timed out after {0:?}")]
    Timeout(Duration),
    /// 5xx, connection refused/reset, and similar: retried with backoff.
    #[error("provider error: {0}")]
    Transient(String),
}
