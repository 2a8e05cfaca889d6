//! An OpenAI-compatible LLM simulator for demos and load tests (`aduan-server llm-sim`).
//!
//! It answers `POST /v1/chat/completions` with a VALID enrichment produced by the builtin
//! enricher on the complaint found between the prompt's delimiters, after a configurable
//! latency, and misbehaves on request: 429 beyond `--max-in-flight`, 500s at
//! `--error-rate`, non-JSON or schema-violating replies at `--garbage-rate`. Counters are
//! at `GET /stats` so benchmarks can check what the server really sent.

use std::future::Future;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::enrich::{builtin, prompt};

/// Simulator options.
#[derive(Debug, Clone, clap::Args)]
pub struct SimConfig {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090", env = "ADUAN_SIM_LISTEN")]
    pub listen: SocketAddr,
    /// Reply latency in milliseconds, uniform in MIN-MAX (or a single value).
    #[arg(long, default_value = "200-800")]
    pub latency_ms: LatencyRange,
    /// Concurrent requests served; beyond this the answer is 429 with `Retry-After: 1`.
    #[arg(long, default_value_t = 64)]
    pub max_in_flight: u64,
    /// Share of requests answered with HTTP 500 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of replies that are not JSON or violate the schema (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub garbage_rate: f64,
    /// Seed for latency and fault draws, for reproducible runs.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            latency_ms: LatencyRange { min: 200, max: 800 },
            max_in_flight: 64,
            error_rate: 0.0,
            garbage_rate: 0.0,
            seed: None,
        }
    }
}

/// A uniform latency range in milliseconds, written `MIN-MAX` or `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyRange {
    pub min: u64,
    pub max: u64,
}

impl FromStr for LatencyRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |x: &str| {
            x.trim()
                .parse::<u64>()
                .map_err(|e| format!("bad latency {x:?}: {e}"))
        };
        let (min, max) = match s.split_once('-') {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => (parse(s)?, parse(s)?),
        };
        if min > max {
            return Err(format!("latency range {min}-{max} is reversed"));
        }
        Ok(LatencyRange { min, max })
    }
}

/// Counters shown at `GET /stats`.
#[derive(Debug, Default)]
pub struct SimStats {
    pub requests: AtomicU64,
    pub in_flight: AtomicU64,
    pub max_in_flight_observed: AtomicU64,
    pub rate_limited: AtomicU64,
    pub errors: AtomicU64,
    pub garbage: AtomicU64,
    pub completed: AtomicU64,
}

impl SimStats {
    fn snapshot(&self) -> Value {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        json!({
            "requests": g(&self.requests), "in_flight": g(&self.in_flight),
            "max_in_flight_observed": g(&self.max_in_flight_observed), "rate_limited": g(&self.rate_limited),
            "errors": g(&self.errors), "garbage": g(&self.garbage), "completed": g(&self.completed),
        })
    }
}

struct Sim {
    cfg: SimConfig,
    rng: Mutex<StdRng>,
    stats: SimStats,
}

/// Decrements the in-flight count however the handler ends.
struct InFlight<'a>(&'a SimStats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The simulator's router.
pub fn router(cfg: SimConfig) -> Router {
    let rng = cfg
        .seed
        .map_or_else(StdRng::from_entropy, StdRng::seed_from_u64);
    let sim = Arc::new(Sim {
        cfg,
        rng: Mutex::new(rng),
        stats: SimStats::default(),
    });
    Router::new()
        .route("/v1/chat/completions", post(completions))
        .route("/chat/completions", post(completions))
        .route("/v1/models", get(models))
        .route("/stats", get(stats))
        .with_state(sim)
}

/// Serves the simulator on `listener` until `shutdown` resolves.
pub async fn serve(
    cfg: SimConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, ?cfg, "LLM simulator listening");
    axum::serve(listener, router(cfg))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn models() -> Json<Value> {
    Json(
        json!({"object": "list", "data": [{"id": "aduan-sim", "object": "model", "owned_by": "aduan"}]}),
    )
}

async fn stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(sim.stats.snapshot())
}

enum Fate {
    Normal,
    Error,
    Garbage(bool),
}

async fn completions(State(sim): State<Arc<Sim>>, Json(body): Json<Value>) -> Response {
    let st = &sim.stats;
    st.requests.fetch_add(1, Ordering::Relaxed);
    let now = st.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let _guard = InFlight(st);
    if now > sim.cfg.max_in_flight {
        st.rate_limited.fetch_add(1, Ordering::Relaxed);
        let err = json!({"error": {"message": "simulated rate limit", "type": "rate_limit_error"}});
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            Json(err),
        )
            .into_response();
    }
    st.max_in_flight_observed.fetch_max(now, Ordering::Relaxed);
    let (latency, fate) = sim.draw();
    tokio::time::sleep(latency).await;
    match fate {
        Fate::Error => {
            st.errors.fetch_add(1, Ordering::Relaxed);
            let err =
                json!({"error": {"message": "simulated server error", "type": "server_error"}});
            (StatusCode::INTERNAL_SERVER_ERROR, Json(err)).into_response()
        }
        Fate::Garbage(prose) => {
            st.garbage.fetch_add(1, Ordering::Relaxed);
            let content = if prose {
                "Sure! The complaint seems to be about corruption.".to_owned()
            } else {
                bad_enrichment(&body)
            };
            Json(completion(&body, &content)).into_response()
        }
        Fate::Normal => {
            st.completed.fetch_add(1, Ordering::Relaxed);
            Json(completion(&body, &enrichment_json(&body))).into_response()
        }
    }
}

impl Sim {
    fn draw(&self) -> (Duration, Fate) {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let LatencyRange { min, max } = self.cfg.latency_ms;
        let latency = Duration::from_millis(rng.gen_range(min..=max));
        let fate = if rng.gen::<f64>() < self.cfg.error_rate {
            Fate::Error
        } else if rng.gen::<f64>() < self.cfg.garbage_rate {
            Fate::Garbage(rng.gen::<bool>())
        } else {
            Fate::Normal
        };
        (latency, fate)
    }
}

/// The complaint and received date from the first user message carrying the delimiters
/// (a repair request repeats the original exchange, so the complaint is still there).
fn complaint(body: &Value) -> (String, chrono::NaiveDate) {
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let found = messages
        .iter()
        .filter(|m| m["role"] == "user")
        .filter_map(|m| m["content"].as_str())
        .find_map(prompt::extract_complaint);
    let today = chrono::Utc::now().date_naive();
    match found {
        Some((text, date)) => (text.to_owned(), date.unwrap_or(today)),
        // Not our prompt: enrich the last user message as a whole.
        None => {
            let last = messages
                .iter()
                .rev()
                .find(|m| m["role"] == "user")
                .and_then(|m| m["content"].as_str())
                .unwrap_or("");
            (last.to_owned(), today)
        }
    }
}

fn enrichment_json(body: &Value) -> String {
    let (text, received) = complaint(body);
    serde_json::to_string(&builtin::enrich(&text, received)).expect("enrichment serialises")
}

/// A well-formed JSON object that breaks the taxonomy, to exercise repair paths.
fn bad_enrichment(body: &Value) -> String {
    let (text, received) = complaint(body);
    let mut v =
        serde_json::to_value(builtin::enrich(&text, received)).expect("enrichment serialises");
    v["classification"]["category"] = json!("bribery_general");
    v["evidence_quotes"] = json!(["a quote that is not in the complaint"]);
    v.to_string()
}

fn completion(req: &Value, content: &str) -> Value {
    let prompt_chars: usize = req["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .map(str::len)
        .sum();
    let id = format!("chatcmpl-sim-{}", uuid::Uuid::new_v4().simple());
    json!({
        "id": id, "object": "chat.completion", "created": chrono::Utc::now().timestamp(),
        "model": req.get("model").cloned().unwrap_or(json!("aduan-sim")),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null}, "finish_reason": "stop"}],
        // Roughly four characters per token, as for English text with common tokenizers.
        "usage": {"prompt_tokens": prompt_chars / 4, "completion_tokens": content.len() / 4, "total_tokens": (prompt_chars + content.len()) / 4},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::{EnrichRequest, Enricher, LlmConfig};

    #[test]
    fn latency_range_parses() {
        assert_eq!(
            "2000-5000".parse::<LatencyRange>().unwrap(),
            LatencyRange {
                min: 2000,
                max: 5000
            }
        );
        assert_eq!(
            "5".parse::<LatencyRange>().unwrap(),
            LatencyRange { min: 5, max: 5 }
        );
        assert!("9-1".parse::<LatencyRange>().is_err());
    }

    #[tokio::test]
    async fn openai_provider_gets_valid_results_from_the_simulator() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cfg = SimConfig {
            latency_ms: LatencyRange { min: 0, max: 5 },
            seed: Some(7),
            ..SimConfig::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(cfg, listener, async {
            rx.await.ok();
        }));
        let enricher = Enricher::from_config(LlmConfig {
            url: Some(format!("http://{addr}/v1")),
            model: Some("sim".into()),
            ..LlmConfig::default()
        })
        .unwrap();
        let req = EnrichRequest {
            complaint_id: uuid::Uuid::new_v4(),
            text: "Pegawai JPJ di Ipoh meminta RM300 supaya saya tidak disaman semalam.".into(),
            received: chrono::NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
        };
        let out = enricher.enrich(&req).await.unwrap();
        assert_eq!(out.provenance.provider, "openai");
        assert_eq!(out.provenance.fallback_reason, None);
        assert_eq!(out.result.classification.category, "solicit_accept_bribe");
        assert_eq!(out.result.five_w1h.when.date.as_deref(), Some("2025-03-14"));
        let stats: Value = reqwest::get(format!("http://{addr}/stats"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stats["requests"], 1);
        tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}
