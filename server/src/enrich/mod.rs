//! AI enrichment: one structured call turns a complaint's free text into 5W1H,
//! classification, sector, Acts and sections (the schema is `aduan_api::enrichment`).
//!
//! The queue (`crate::queue`) only sees [`Enricher`]: it hands over a complaint and gets
//! either a validated result or a transport-level [`ProviderError`] that it retries.
//! Content problems (refusals, replies that stay invalid after one repair) never reach the
//! queue as errors: they fall back to the builtin enricher and are flagged `needs_review`.

pub mod builtin;
pub mod eval;
pub mod openai;
pub mod parse;
pub mod prompt;
pub mod schema;
pub mod validate;

use aduan_api::processing::ProviderKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduan_api::enrichment::Enrichment;
use chrono::NaiveDate;
use uuid::Uuid;

use openai::OpenAiProvider;

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
    /// The provider's raw reply(ies), kept for admins: a JSON array of the bodies as they
    /// came (stored without being parsed and printed again). `None` for builtin.
    pub raw_reply: Option<Box<serde_json::value::RawValue>>,
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

/// How to reach the LLM. Without a URL the builtin enricher is used.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:11434/v1`.
    pub url: Option<String>,
    /// Model name sent to the provider.
    pub model: Option<String>,
    /// Bearer key; never logged, never put in errors.
    pub api_key: Option<secrecy::SecretString>,
    /// Per-call timeout (default 120 s).
    pub timeout: Duration,
    /// Extra JSON fields merged into every request body, for backend quirks such as
    /// OpenRouter's `provider.require_parameters`, vLLM's `structured_outputs`, or
    /// `max_completion_tokens`. They override the defaults, except `messages`.
    pub extra: Option<serde_json::Value>,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            url: None,
            model: None,
            api_key: None,
            timeout: Duration::from_secs(120),
            extra: None,
        }
    }
}

/// The enrichment provider the workers use. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Enricher {
    /// The offline rules (no LLM configured).
    Builtin,
    /// An OpenAI-compatible endpoint, with the builtin rules as fallback.
    OpenAi(Arc<OpenAiProvider>),
}

impl Enricher {
    /// The provider for `cfg`: builtin when no URL is set.
    pub fn from_config(cfg: LlmConfig) -> anyhow::Result<Self> {
        match cfg.url.as_deref().map(str::trim) {
            None | Some("") => Ok(Enricher::Builtin),
            Some(_) => Ok(Enricher::OpenAi(Arc::new(OpenAiProvider::new(&cfg)?))),
        }
    }

    pub fn provider(&self) -> ProviderKind {
        match self {
            Enricher::Builtin => ProviderKind::Builtin,
            Enricher::OpenAi(_) => ProviderKind::Openai,
        }
    }

    /// Enriches one complaint. Errors are transport failures only (see [`ProviderError`]).
    pub async fn enrich(&self, req: &EnrichRequest) -> Result<EnrichOutcome, ProviderError> {
        match self {
            // Tens of microseconds of CPU: not worth a blocking-pool hop.
            Enricher::Builtin => Ok(builtin_outcome(req, None)),
            Enricher::OpenAi(p) => p.enrich(req).await,
        }
    }

    /// The builtin result used when the LLM failed for good (attempts exhausted, or a
    /// content failure): flagged for review, with `reason` recorded in the provenance.
    pub fn fallback(&self, req: &EnrichRequest, reason: &str) -> EnrichOutcome {
        builtin_outcome(req, Some(reason.to_owned()))
    }
}

/// Version of the builtin enricher (rules and trained model), stored as the prompt version
/// of builtin results.
pub const BUILTIN_VERSION: &str = "builtin-v2";

/// A provider's own confidence below this sends its result to review.
pub const LLM_REVIEW_BELOW: f64 = 0.5;

/// Whether an LLM result should be looked at by an officer before it is relied on.
pub fn llm_needs_review(e: &Enrichment) -> bool {
    e.classification.confidence < LLM_REVIEW_BELOW
        || e.classification.category == "insufficient_information"
}

/// A builtin enrichment; a fallback when `fallback_reason` is set.
fn builtin_outcome(req: &EnrichRequest, fallback_reason: Option<String>) -> EnrichOutcome {
    let started = Instant::now();
    let result = builtin::enrich(&req.text, req.received);
    let needs_review = fallback_reason.is_some() || builtin::needs_review(&result);
    EnrichOutcome {
        result,
        provenance: Provenance {
            provider: "builtin".into(),
            model: None,
            prompt_version: BUILTIN_VERSION.into(),
            schema_hash: schema::schema_hash().into(),
            latency_ms: started.elapsed().as_millis() as u64,
            prompt_tokens: None,
            completion_tokens: None,
            calls: 0,
            fallback_reason,
        },
        needs_review,
        raw_reply: None,
    }
}
