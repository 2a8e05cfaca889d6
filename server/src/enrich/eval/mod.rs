//! `aduan-server eval`: the builtin enricher and, when one is configured, the LLM provider
//! run over a labelled set, scored side by side, so an agency can compare them on its own
//! complaints before relying on either.
//!
//! The set is JSONL, one complaint a line (the same format as the training corpus):
//! `{"id": 1, "text": "...", "category": "offer_give_bribe", "act": "akta_694",
//! "section": "16(b)", "received": "2025-03-15"}`; `act`/`section` are the primary
//! section (both absent for `not_corruption` and `insufficient_information`), `id` and
//! `received` are optional. Each provider call is made once, without the queue's retries:
//! a transport failure counts as a miss and is reported.

pub mod metrics;
mod report;

use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Context};
use chrono::NaiveDate;
use futures::StreamExt;
use serde::Serialize;
use uuid::Uuid;

use super::builtin;
use super::builtin::model::{train::Labelled, Model};
use super::openai::OpenAiProvider;
use super::{EnrichOutcome, EnrichRequest, LlmConfig};
use metrics::{Prediction, Summary, Truth};

pub use report::render;

/// Largest evaluation file read.
pub const MAX_SET_BYTES: u64 = 64 * 1024 * 1024;
/// Longest complaint text accepted in a set.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most provider calls in flight at once.
pub const MAX_CONCURRENCY: usize = 64;

/// The scores of both enrichers.
#[derive(Debug, Serialize)]
pub struct Report {
    pub set: String,
    pub builtin: Summary,
    /// `None` when no provider is configured.
    pub provider: Option<Summary>,
}

/// Reads and checks a labelled set.
pub fn read_set(path: &Path) -> anyhow::Result<Vec<Labelled>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    ensure!(
        len <= MAX_SET_BYTES,
        "{} is larger than {MAX_SET_BYTES} bytes",
        path.display()
    );
    let raw =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.display().to_string();
    let set = builtin::model::train::read_jsonl(&raw, &name)?;
    ensure!(!set.is_empty(), "{name} holds no complaints");
    for (i, l) in set.iter().enumerate() {
        ensure!(
            l.text.len() <= MAX_TEXT_BYTES,
            "{name}: complaint {} is longer than {MAX_TEXT_BYTES} bytes",
            i + 1
        );
        if let Some(r) = &l.received {
            NaiveDate::parse_from_str(r, "%Y-%m-%d")
                .with_context(|| format!("{name}: complaint {}: received {r:?}", i + 1))?;
        }
    }
    Ok(set)
}

fn request(l: &Labelled) -> EnrichRequest {
    let received = l
        .received
        .as_deref()
        .and_then(|r| NaiveDate::parse_from_str(r, "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    EnrichRequest {
        complaint_id: Uuid::new_v4(),
        text: l.text.clone(),
        received,
    }
}

fn prediction(o: &EnrichOutcome, latency: std::time::Duration) -> Prediction {
    let tokens = match (o.provenance.prompt_tokens, o.provenance.completion_tokens) {
        (None, None) => None,
        (p, c) => Some(p.unwrap_or(0) + c.unwrap_or(0)),
    };
    Prediction {
        category: Some(o.result.classification.category.clone()),
        primary: o
            .result
            .legal
            .first()
            .map(|l| (l.act.clone(), l.section.clone())),
        confidence: o.result.classification.confidence,
        needs_review: o.needs_review,
        latency,
        tokens,
        fallback: o.provenance.fallback_reason.is_some(),
        failed: false,
    }
}

fn truth(set: &[Labelled]) -> Vec<Truth<'_>> {
    set.iter()
        .map(|l| Truth {
            category: &l.category,
            primary: l.act.as_deref().zip(l.section.as_deref()),
        })
        .collect()
}

/// The builtin enricher with `model` over `set`.
pub fn score_builtin(model: &Model, set: &[Labelled]) -> Summary {
    let preds: Vec<Prediction> = set
        .iter()
        .map(request)
        .map(|r| {
            let started = Instant::now();
            let result = builtin::enrich_with(model, &r.text, r.received);
            let latency = started.elapsed();
            Prediction {
                category: Some(result.classification.category.clone()),
                primary: result
                    .legal
                    .first()
                    .map(|l| (l.act.clone(), l.section.clone())),
                confidence: result.classification.confidence,
                needs_review: builtin::needs_review_with(model, &result),
                latency,
                tokens: None,
                fallback: false,
                failed: false,
            }
        })
        .collect();
    metrics::summarise("builtin", &truth(set), &preds)
}

/// Runs the builtin enricher, and the provider of `llm` if it names one, over `set`.
pub async fn evaluate(
    set_name: &str,
    set: &[Labelled],
    llm: LlmConfig,
    concurrency: usize,
) -> anyhow::Result<Report> {
    ensure!(
        (1..=MAX_CONCURRENCY).contains(&concurrency),
        "concurrency must be 1 to {MAX_CONCURRENCY}"
    );
    let truth = truth(set);
    let requests: Vec<EnrichRequest> = set.iter().map(request).collect();
    builtin::warm_up();
    let builtin = score_builtin(builtin::model::model(), set);
    let provider = match llm.url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) => {
            let name = format!(
                "openai:{}",
                llm.model.as_deref().unwrap_or("(default model)")
            );
            let p = OpenAiProvider::new(&llm)?;
            let preds: Vec<Prediction> = futures::stream::iter(requests.iter())
                .map(|r| {
                    let p = &p;
                    async move {
                        let started = Instant::now();
                        match p.enrich(r).await {
                            Ok(o) => prediction(&o, started.elapsed()),
                            Err(e) => {
                                tracing::warn!(error = %e, "provider call failed");
                                Prediction {
                                    category: None,
                                    primary: None,
                                    confidence: 0.0,
                                    needs_review: true,
                                    latency: started.elapsed(),
                                    tokens: None,
                                    fallback: false,
                                    failed: true,
                                }
                            }
                        }
                    }
                })
                .buffered(concurrency)
                .collect()
                .await;
            Some(metrics::summarise(&name, &truth, &preds))
        }
    };
    Ok(Report {
        set: set_name.to_owned(),
        builtin,
        provider,
    })
}
